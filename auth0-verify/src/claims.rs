//! Typed claims and the strict reading of standard claims from a payload.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::TokenValidationError;

/// The claims of a verified ID token.
///
/// Standard claims are typed, OpenID Connect's profile claims (`name`, `email`, …) and `sid`
/// included when they have their standard type; every other claim is kept in
/// [`IdTokenClaims::extra`] and can be read with [`IdTokenClaims::get`] or
/// [`IdTokenClaims::claim`]. Times are seconds since the Unix epoch.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user id (`auth0|…`).
    pub sub: String,
    /// Audiences (a single-string `aud` becomes a one-element list).
    pub aud: Vec<String>,
    /// Expiry time.
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// Not-before time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The nonce sent with the authorization request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Time of the end-user's authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Auth0 organization id (`org_…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Auth0 organization name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// The session id at the authorization server (OpenID Connect session management).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Middle name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Nickname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Preferred username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Profile page URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Picture URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Web site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email address is verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Gender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Birth date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// Time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    /// Locale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone number is verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// Postal address (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Value>,
    /// When the profile last changed (Auth0 sends an ISO 8601 text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Every other claim (custom namespaced claims, …), and a profile claim above sent with
    /// another type than the standard one.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The claims of a verified back-channel logout token (OIDC Back-Channel Logout 1.0).
///
/// Times are seconds since the Unix epoch. At least one of `sub` and `sid` is present.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct LogoutTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Audiences: the application's client id.
    pub aud: Vec<String>,
    /// Issue time.
    pub iat: i64,
    /// Expiry time, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// The token's unique id (to refuse a replayed logout token).
    pub jti: String,
    /// The user whose sessions end, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The session that ends, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The `events` object (its back-channel logout member checked).
    pub events: Map<String, Value>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The claims of a verified access token (an Auth0 API token).
///
/// Times are seconds since the Unix epoch.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: a user id, or `CLIENT_ID@clients` for client-credentials tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audiences (a single-string `aud` becomes a one-element list).
    pub aud: Vec<String>,
    /// Expiry time.
    pub exp: i64,
    /// Issue time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not-before time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Authorized party: the client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Space-separated scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RBAC permissions (when the API has "Add Permissions in the Access Token" on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// Auth0 organization id (`org_…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Auth0 organization name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! extra_accessors {
    ($ty:ty) => {
        impl $ty {
            /// A claim that is not one of the typed fields, as raw JSON.
            pub fn get(&self, name: &str) -> Option<&Value> {
                self.extra.get(name)
            }

            /// A claim that is not one of the typed fields, deserialized into `T`.
            ///
            /// `Ok(None)` when the claim is absent; an error naming the claim when it has
            /// another shape.
            pub fn claim<T: DeserializeOwned>(
                &self,
                name: &str,
            ) -> Result<Option<T>, TokenValidationError> {
                match self.extra.get(name) {
                    None => Ok(None),
                    Some(v) => T::deserialize(v).map(Some).map_err(|_| {
                        TokenValidationError::InvalidClaimType {
                            claim: name.to_owned(),
                            expected: std::any::type_name::<T>(),
                            found: describe(v),
                        }
                    }),
                }
            }
        }
    };
}
extra_accessors!(IdTokenClaims);
extra_accessors!(AccessTokenClaims);

impl AccessTokenClaims {
    /// The scopes in `scope`, split on spaces.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// Whether `scope` contains `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The RBAC permissions in `permissions`.
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.permissions.iter().map(String::as_str)
    }

    /// Whether `permissions` contains `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// The thumbprint of the key the token is bound to (`cnf.jkt`, RFC 9449), if it is a
    /// DPoP-bound token.
    pub fn jkt(&self) -> Option<&str> {
        self.extra.get("cnf")?.get("jkt")?.as_str()
    }

    /// The thumbprint of the client certificate the token is bound to (`cnf.x5t#S256`, RFC
    /// 8705: the base64url SHA-256 of its DER), if it is a certificate-bound token.
    pub fn x5t_s256(&self) -> Option<&str> {
        self.extra.get("cnf")?.get("x5t#S256")?.as_str()
    }

    /// The actors of a delegated token (RFC 8693 `act`, from a token exchange), from the one
    /// acting now outward: the token's `act` claim, then the `act` inside it (the actor that
    /// one acted for), and so on. Empty when no one acts for the subject. The verifier has
    /// refused tokens whose `act` is not such a chain of objects, or whose actors' `sub` or
    /// `iss` is not a string.
    ///
    /// ```
    /// # fn show(claims: &auth0_verify::AccessTokenClaims) {
    /// for actor in claims.actors() {
    ///     println!("acting: {:?} (issued by {:?})", actor.sub(), actor.iss());
    /// }
    /// # }
    /// ```
    pub fn actors(&self) -> Actors<'_> {
        Actors {
            next: actor_of(&self.extra),
        }
    }

    /// Fails with [`TokenValidationError::InsufficientScope`] listing the missing scopes
    /// unless the token has every one of `required`.
    pub fn require_scopes<I, S>(&self, required: I) -> Result<(), TokenValidationError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let missing: Vec<String> = required
            .into_iter()
            .filter(|r| !self.has_scope(r.as_ref()))
            .map(|r| r.as_ref().to_owned())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(TokenValidationError::InsufficientScope {
            claim: "scope",
            expected: missing,
            found: self.scopes().map(str::to_owned).collect(),
        })
    }

    /// Fails with [`TokenValidationError::InsufficientScope`] listing the missing permissions
    /// unless the token has every one of `required`.
    pub fn require_permissions<I, S>(&self, required: I) -> Result<(), TokenValidationError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let missing: Vec<String> = required
            .into_iter()
            .filter(|r| !self.has_permission(r.as_ref()))
            .map(|r| r.as_ref().to_owned())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(TokenValidationError::InsufficientScope {
            claim: "permissions",
            expected: missing,
            found: self.permissions.clone(),
        })
    }
}

/// One actor of a delegation chain (RFC 8693 4.1): a party acting for the token's subject, or
/// for the actor before it in [`AccessTokenClaims::actors`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Actor<'a> {
    claims: &'a Map<String, Value>,
}

impl<'a> Actor<'a> {
    /// The actor's subject (`sub`): a user id, or `CLIENT_ID@clients` for an application.
    pub fn sub(&self) -> Option<&'a str> {
        self.claims.get("sub").and_then(Value::as_str)
    }

    /// The issuer of the actor's identity (`iss`), when given.
    pub fn iss(&self) -> Option<&'a str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// Another member of the actor's object, as raw JSON.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.claims.get(name)
    }

    /// Every member of the actor's object (its own `act`, the next actor, included).
    pub fn claims(&self) -> &'a Map<String, Value> {
        self.claims
    }
}

/// The actors of a token, from the one acting now outward: see [`AccessTokenClaims::actors`].
#[derive(Clone, Debug)]
pub struct Actors<'a> {
    next: Option<&'a Map<String, Value>>,
}

impl<'a> Iterator for Actors<'a> {
    type Item = Actor<'a>;

    fn next(&mut self) -> Option<Actor<'a>> {
        let claims = self.next?;
        self.next = actor_of(claims);
        Some(Actor { claims })
    }
}

fn actor_of(claims: &Map<String, Value>) -> Option<&Map<String, Value>> {
    claims.get("act")?.as_object()
}

/// Refuses an `act` claim that is not a chain of objects (each actor's own `act` the next),
/// or whose actors' `sub` or `iss` is not a string.
pub(crate) fn check_actors(claims: &Map<String, Value>) -> Result<(), TokenValidationError> {
    let mut claims = claims;
    let mut path = String::from("act");
    while let Some(act) = claims.get("act") {
        let Value::Object(actor) = act else {
            return Err(TokenValidationError::InvalidClaimType {
                claim: path,
                expected: "an object (an actor, RFC 8693)",
                found: describe(act),
            });
        };
        for member in ["sub", "iss"] {
            if let Some(value) = actor.get(member).filter(|v| !v.is_string()) {
                return Err(TokenValidationError::InvalidClaimType {
                    claim: format!("{path}.{member}"),
                    expected: "a string",
                    found: describe(value),
                });
            }
        }
        claims = actor;
        path.push_str(".act");
    }
    Ok(())
}

/// A short description of a JSON value for error messages: its type and (shortened) text.
pub(crate) fn describe(v: &Value) -> String {
    const MAX: usize = 80;
    let (kind, text) = match v {
        Value::Null => return "null".to_owned(),
        Value::Bool(b) => return format!("boolean {b}"),
        Value::Number(n) => ("number", n.to_string()),
        Value::String(s) => ("string", format!("{s:?}")),
        Value::Array(_) => ("array", v.to_string()),
        Value::Object(_) => ("object", v.to_string()),
    };
    if text.len() <= MAX {
        format!("{kind} {text}")
    } else {
        let mut end = MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{kind} {}…", &text[..end])
    }
}

pub(crate) fn require<T>(
    value: Option<T>,
    claim: &'static str,
    expected: impl FnOnce() -> String,
) -> Result<T, TokenValidationError> {
    value.ok_or_else(|| TokenValidationError::MissingClaim {
        claim,
        expected: expected(),
    })
}

/// Checks one expected organization: `org_id` exactly when `expected` starts with `org_`,
/// otherwise `org_name` compared case-insensitively.
pub(crate) fn check_organization(
    expected: &str,
    org_id: Option<&str>,
    org_name: Option<&str>,
) -> Result<(), TokenValidationError> {
    if expected.starts_with("org_") {
        match org_id {
            None => Err(TokenValidationError::MissingClaim {
                claim: "org_id",
                expected: format!("{expected:?}"),
            }),
            Some(found) if found != expected => Err(TokenValidationError::mismatch(
                "org_id",
                format!("{expected:?}"),
                format!("{found:?}"),
            )),
            Some(_) => Ok(()),
        }
    } else {
        match org_name {
            None => Err(TokenValidationError::MissingClaim {
                claim: "org_name",
                expected: format!("{expected:?} (case-insensitive)"),
            }),
            Some(found) if found.to_lowercase() != expected.to_lowercase() => {
                Err(TokenValidationError::mismatch(
                    "org_name",
                    format!("{expected:?} (case-insensitive)"),
                    format!("{found:?}"),
                ))
            }
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actors_run_from_the_current_one_outward_and_bad_chains_are_refused() {
        let Value::Object(claims) = json!({
            "act": {"sub": "svc-b", "iss": "https://b.example/", "act": {"sub": "svc-a", "x": 1}}
        }) else {
            unreachable!()
        };
        check_actors(&claims).unwrap();
        let chain: Vec<Option<&str>> = Actors {
            next: actor_of(&claims),
        }
        .map(|a| a.sub())
        .collect();
        assert_eq!(chain, [Some("svc-b"), Some("svc-a")]);
        for (bad, claim) in [
            (json!({"act": "svc"}), "act"),
            (json!({"act": {"sub": 1}}), "act.sub"),
            (json!({"act": {"sub": "b", "act": [1]}}), "act.act"),
            (
                json!({"act": {"sub": "b", "act": {"iss": null}}}),
                "act.act.iss",
            ),
        ] {
            let Value::Object(claims) = bad else {
                unreachable!()
            };
            assert_eq!(check_actors(&claims).unwrap_err().claim(), Some(claim));
        }
    }

    #[test]
    fn describe_shortens_long_values_on_a_char_boundary() {
        let s = "é".repeat(100);
        let d = describe(&Value::String(s));
        assert!(d.starts_with("string \"é"));
        assert!(d.ends_with('…'));
    }

    #[test]
    fn organization_by_id_is_exact_and_by_name_is_case_insensitive() {
        assert!(check_organization("org_1", Some("org_1"), None).is_ok());
        assert!(check_organization("org_1", Some("ORG_1"), None).is_err());
        assert!(check_organization("org_1", None, Some("org_1")).is_err());
        assert!(check_organization("Acme", None, Some("acme")).is_ok());
        assert!(check_organization("acme", None, Some("ACME")).is_ok());
        assert!(check_organization("acme", Some("org_acme"), None).is_err());
        assert!(check_organization("acme", None, Some("other")).is_err());
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn claims_types_describe_what_they_write() {
        let access = schemars::schema_for!(AccessTokenClaims).to_value();
        assert_eq!(access["type"], "object");
        assert_eq!(access["properties"]["aud"]["type"], "array");
        assert_eq!(access["properties"]["aud"]["items"]["type"], "string");
        assert_eq!(access["properties"]["exp"]["type"], "integer");
        assert!(access["properties"].get("extra").is_none());
        let mut required: Vec<&str> = access["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        required.sort_unstable();
        assert_eq!(required, ["aud", "exp", "iss"]);

        let id = schemars::schema_for!(IdTokenClaims).to_value();
        assert!(id["properties"].get("nonce").is_some());
        let logout = schemars::schema_for!(LogoutTokenClaims).to_value();
        assert_eq!(logout["properties"]["events"]["type"], "object");
    }
}
