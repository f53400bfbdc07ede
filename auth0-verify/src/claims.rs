//! Typed claims and the strict reading of standard claims from a payload.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::TokenValidationError;

/// The claims of a verified ID token.
///
/// Standard claims are typed; every other claim is kept in [`IdTokenClaims::extra`] and can
/// be read with [`IdTokenClaims::get`] or [`IdTokenClaims::claim`]. Times are seconds since
/// the Unix epoch.
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
    /// Every other claim (profile claims, custom namespaced claims, …).
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

fn wrong_type(claim: &str, expected: &'static str, v: &Value) -> TokenValidationError {
    TokenValidationError::InvalidClaimType {
        claim: claim.to_owned(),
        expected,
        found: describe(v),
    }
}

/// Removes a string claim.
pub(crate) fn take_str(
    map: &mut Map<String, Value>,
    claim: &str,
) -> Result<Option<String>, TokenValidationError> {
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(wrong_type(claim, "a string", &v)),
    }
}

/// Removes a NumericDate claim (an integer or a finite number of seconds; fractions are
/// truncated toward the past).
pub(crate) fn take_date(
    map: &mut Map<String, Value>,
    claim: &str,
) -> Result<Option<i64>, TokenValidationError> {
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if n.as_u64().is_some() {
                Ok(Some(i64::MAX))
            } else {
                match n.as_f64() {
                    // `as` saturates at the i64 bounds.
                    Some(f) if f.is_finite() => Ok(Some(f.floor() as i64)),
                    _ => Err(wrong_type(claim, "a number of seconds", &Value::Number(n))),
                }
            }
        }
        Some(v) => Err(wrong_type(claim, "a number of seconds", &v)),
    }
}

/// Removes an `aud`-like claim: a string or an array of strings.
pub(crate) fn take_str_or_array(
    map: &mut Map<String, Value>,
    claim: &str,
) -> Result<Option<Vec<String>>, TokenValidationError> {
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s])),
        Some(Value::Array(items)) => {
            array_of_strings(claim, "a string or an array of strings", items)
        }
        Some(v) => Err(wrong_type(claim, "a string or an array of strings", &v)),
    }
}

/// Removes an array-of-strings claim.
pub(crate) fn take_array(
    map: &mut Map<String, Value>,
    claim: &str,
) -> Result<Option<Vec<String>>, TokenValidationError> {
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::Array(items)) => array_of_strings(claim, "an array of strings", items),
        Some(v) => Err(wrong_type(claim, "an array of strings", &v)),
    }
}

fn array_of_strings(
    claim: &str,
    expected: &'static str,
    items: Vec<Value>,
) -> Result<Option<Vec<String>>, TokenValidationError> {
    if items.iter().all(Value::is_string) {
        Ok(Some(
            items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
        ))
    } else {
        Err(wrong_type(claim, expected, &Value::Array(items)))
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

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn dates_accept_integers_and_floats_and_reject_other_types() {
        let mut m = map(json!({"a": 5, "b": 5.9, "c": "5", "d": 1e300, "e": u64::MAX, "f": -3}));
        assert_eq!(take_date(&mut m, "a").unwrap(), Some(5));
        assert_eq!(take_date(&mut m, "b").unwrap(), Some(5));
        let err = take_date(&mut m, "c").unwrap_err();
        assert_eq!(err.claim(), Some("c"));
        assert!(err.to_string().contains("string \"5\""), "{err}");
        assert_eq!(take_date(&mut m, "d").unwrap(), Some(i64::MAX));
        assert_eq!(take_date(&mut m, "e").unwrap(), Some(i64::MAX));
        assert_eq!(take_date(&mut m, "f").unwrap(), Some(-3));
        assert_eq!(take_date(&mut m, "missing").unwrap(), None);
    }

    #[test]
    fn audience_is_a_string_or_an_array_of_strings() {
        let mut m = map(json!({"a": "x", "b": ["x", "y"], "c": ["x", 1], "d": 1}));
        assert_eq!(
            take_str_or_array(&mut m, "a").unwrap(),
            Some(vec!["x".into()])
        );
        assert_eq!(take_str_or_array(&mut m, "b").unwrap().unwrap().len(), 2);
        assert!(take_str_or_array(&mut m, "c").is_err());
        assert!(take_str_or_array(&mut m, "d").is_err());
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
