//! [`ClaimRule`]: what an API requires of an access token's claims beyond the standard checks.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::claims::{AccessTokenClaims, describe};
use crate::error::TokenValidationError;

/// A requirement on a verified access token's claims: a claim present, equal to a value,
/// including values, or a check over all the claims. Rules run on the claims already read (no
/// second parse), on the verifier ([`AccessTokenVerifier::claim_rule`]), on a layer
/// (`AuthLayer::claim_rule`) or on one route (`protect::require_claim`); a token that fails one
/// is refused as invalid (401 `invalid_token` behind the layer), and the error says which rule
/// and what was found.
///
/// Claims are named as in the token: standard ones (`azp`, `org_id`, `aud`, `permissions`, …)
/// and any other, namespaced custom claims (`https://example.com/roles`) among them.
///
/// ```
/// use auth0_verify::ClaimRule;
///
/// let rules = [
///     ClaimRule::equals("https://example.com/tenant", "acme"),
///     ClaimRule::includes("https://example.com/roles", ["editor"]),
///     ClaimRule::present("org_id"),
///     ClaimRule::check("a user, not a machine", |c| {
///         !c.sub.as_deref().unwrap_or("").ends_with("@clients")
///     }),
/// ];
/// ```
///
/// [`AccessTokenVerifier::claim_rule`]: crate::AccessTokenVerifier::claim_rule
#[derive(Clone)]
pub struct ClaimRule(Rule);

type Check = Arc<dyn Fn(&AccessTokenClaims) -> bool + Send + Sync>;

#[derive(Clone)]
enum Rule {
    Present(String),
    Equals(String, Value),
    Includes(String, Vec<Value>),
    Check(String, Check),
}

impl fmt::Debug for ClaimRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Rule::Present(claim) => write!(f, "ClaimRule::present({claim:?})"),
            Rule::Equals(claim, value) => write!(f, "ClaimRule::equals({claim:?}, {value})"),
            Rule::Includes(claim, values) => {
                write!(
                    f,
                    "ClaimRule::includes({claim:?}, {})",
                    Value::from(values.clone())
                )
            }
            Rule::Check(description, _) => write!(f, "ClaimRule::check({description:?})"),
        }
    }
}

impl ClaimRule {
    /// The token must carry `claim` (any value but `null`).
    pub fn present(claim: impl Into<String>) -> Self {
        ClaimRule(Rule::Present(claim.into()))
    }

    /// `claim` must equal `value` (as JSON: `"acme"`, `42`, `true`, an array, an object).
    /// `aud` given as a single string also equals that string.
    pub fn equals(claim: impl Into<String>, value: impl Into<Value>) -> Self {
        ClaimRule(Rule::Equals(claim.into(), value.into()))
    }

    /// `claim` must include every one of `values`: as members when it is an array, as
    /// space-separated words when it is a string (like `scope`).
    pub fn includes<I, V>(claim: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        ClaimRule(Rule::Includes(
            claim.into(),
            values.into_iter().map(Into::into).collect(),
        ))
    }

    /// `check` must return `true` for the token's claims; `description` says what it requires
    /// (in errors and logs).
    pub fn check(
        description: impl Into<String>,
        check: impl Fn(&AccessTokenClaims) -> bool + Send + Sync + 'static,
    ) -> Self {
        ClaimRule(Rule::Check(description.into(), Arc::new(check)))
    }

    /// Applies the rule to `claims`: [`TokenValidationError::ClaimRule`] when they fail it.
    pub fn test(&self, claims: &AccessTokenClaims) -> Result<(), TokenValidationError> {
        let failed = |claim: &str, expected: String, found: String| {
            Err(TokenValidationError::ClaimRule {
                claim: Some(claim.to_owned()),
                expected,
                found,
            })
        };
        match &self.0 {
            Rule::Present(name) => match Claim::of(claims, name) {
                Some(_) => Ok(()),
                None => failed(name, "present".to_owned(), "none".to_owned()),
            },
            Rule::Equals(name, value) => match Claim::of(claims, name) {
                Some(found) if found.equals(value) => Ok(()),
                found => failed(name, format!("{value}"), Claim::describe(found)),
            },
            Rule::Includes(name, values) => match Claim::of(claims, name) {
                Some(found) if values.iter().all(|v| found.includes(v)) => Ok(()),
                found => failed(
                    name,
                    format!("to include {}", Value::from(values.clone())),
                    Claim::describe(found),
                ),
            },
            Rule::Check(description, check) => {
                if check(claims) {
                    Ok(())
                } else {
                    Err(TokenValidationError::ClaimRule {
                        claim: None,
                        expected: description.clone(),
                        found: "claims that fail the check".to_owned(),
                    })
                }
            }
        }
    }
}

/// A claim as the verifier read it: typed for the standard claims, JSON for the others.
enum Claim<'a> {
    Str(&'a str),
    Int(i64),
    Strs(&'a [String]),
    Json(&'a Value),
}

impl<'a> Claim<'a> {
    fn of(claims: &'a AccessTokenClaims, name: &str) -> Option<Self> {
        let text = |s: &'a Option<String>| s.as_deref().map(Claim::Str);
        match name {
            "iss" => Some(Claim::Str(&claims.iss)),
            "sub" => text(&claims.sub),
            "aud" => Some(Claim::Strs(&claims.aud)),
            "exp" => Some(Claim::Int(claims.exp)),
            "iat" => claims.iat.map(Claim::Int),
            "nbf" => claims.nbf.map(Claim::Int),
            "azp" => text(&claims.azp),
            "scope" => text(&claims.scope),
            "org_id" => text(&claims.org_id),
            "org_name" => text(&claims.org_name),
            // An absent `permissions` claim is read as an empty list.
            "permissions" if claims.permissions.is_empty() => None,
            "permissions" => Some(Claim::Strs(&claims.permissions)),
            other => claims
                .extra
                .get(other)
                .filter(|v| !v.is_null())
                .map(Claim::Json),
        }
    }

    fn equals(&self, expected: &Value) -> bool {
        match (self, expected) {
            (Claim::Str(s), Value::String(e)) => s == e,
            (Claim::Int(i), Value::Number(n)) => n.as_i64() == Some(*i),
            (Claim::Strs([one]), Value::String(e)) => one == e,
            (Claim::Strs(items), Value::Array(e)) => {
                items.len() == e.len() && items.iter().zip(e).all(|(i, e)| e.as_str() == Some(i))
            }
            (Claim::Json(v), e) => *v == e,
            _ => false,
        }
    }

    fn includes(&self, wanted: &Value) -> bool {
        match (self, wanted) {
            (Claim::Str(s), Value::String(w)) => s.split(' ').any(|word| word == w),
            (Claim::Strs(items), Value::String(w)) => items.iter().any(|i| i == w),
            (Claim::Json(Value::Array(items)), w) => items.contains(w),
            (Claim::Json(Value::String(s)), Value::String(w)) => s.split(' ').any(|word| word == w),
            _ => false,
        }
    }

    fn describe(claim: Option<Self>) -> String {
        match claim {
            None => "none".to_owned(),
            Some(Claim::Str(s)) => describe(&Value::from(s)),
            Some(Claim::Int(i)) => describe(&Value::from(i)),
            Some(Claim::Strs(items)) => describe(&Value::from(items.to_vec())),
            Some(Claim::Json(v)) => describe(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(extra: Value) -> AccessTokenClaims {
        let Value::Object(extra) = extra else {
            unreachable!()
        };
        AccessTokenClaims {
            iss: "https://tenant.example/".to_owned(),
            sub: Some("auth0|1".to_owned()),
            aud: vec!["https://api.example".to_owned()],
            exp: 2_000,
            iat: Some(1_000),
            nbf: None,
            azp: Some("client".to_owned()),
            scope: Some("read:a write:a".to_owned()),
            permissions: vec!["read:a".to_owned()],
            org_id: None,
            org_name: None,
            extra,
        }
    }

    fn passes(rule: ClaimRule, c: &AccessTokenClaims) -> bool {
        rule.test(c).is_ok()
    }

    #[test]
    fn equals_compares_standard_and_custom_claims_as_json() {
        let c =
            claims(json!({"n": 3, "flag": true, "tenant": "acme", "obj": {"a": [1]}, "nul": null}));
        assert!(passes(
            ClaimRule::equals("iss", "https://tenant.example/"),
            &c
        ));
        assert!(passes(ClaimRule::equals("azp", "client"), &c));
        assert!(!passes(ClaimRule::equals("azp", "Client"), &c));
        // `aud` as a single string, or as the whole list.
        assert!(passes(ClaimRule::equals("aud", "https://api.example"), &c));
        assert!(passes(
            ClaimRule::equals("aud", json!(["https://api.example"])),
            &c
        ));
        assert!(!passes(
            ClaimRule::equals("aud", json!(["https://api.example", "x"])),
            &c
        ));
        assert!(passes(ClaimRule::equals("exp", 2_000), &c));
        assert!(!passes(ClaimRule::equals("exp", "2000"), &c));
        assert!(passes(ClaimRule::equals("n", 3), &c));
        assert!(!passes(ClaimRule::equals("n", 3.5), &c));
        assert!(passes(ClaimRule::equals("flag", true), &c));
        assert!(passes(ClaimRule::equals("obj", json!({"a": [1]})), &c));
        assert!(!passes(ClaimRule::equals("tenant", "ACME"), &c));
        assert!(!passes(ClaimRule::equals("missing", "x"), &c));
        // A `null` claim is absent.
        assert!(!passes(ClaimRule::equals("nul", Value::Null), &c));
        assert!(!passes(ClaimRule::present("nul"), &c));
        assert!(!passes(ClaimRule::present("org_id"), &c));
        assert!(passes(ClaimRule::present("sub"), &c));
    }

    #[test]
    fn includes_reads_arrays_and_space_separated_strings() {
        let c = claims(json!({"roles": ["a", "b", 3], "words": "x y", "n": 1}));
        assert!(passes(
            ClaimRule::includes("scope", ["read:a", "write:a"]),
            &c
        ));
        assert!(!passes(ClaimRule::includes("scope", ["read"]), &c));
        assert!(passes(ClaimRule::includes("permissions", ["read:a"]), &c));
        assert!(!passes(ClaimRule::includes("permissions", ["write:a"]), &c));
        assert!(passes(
            ClaimRule::includes("roles", [json!("b"), json!(3)]),
            &c
        ));
        assert!(!passes(ClaimRule::includes("roles", ["a", "c"]), &c));
        assert!(passes(ClaimRule::includes("words", ["y"]), &c));
        assert!(!passes(ClaimRule::includes("n", [1]), &c));
        assert!(!passes(ClaimRule::includes("missing", ["a"]), &c));
        // An empty permissions list is no `permissions` claim.
        let mut none = claims(json!({}));
        none.permissions.clear();
        assert!(!passes(ClaimRule::present("permissions"), &none));
    }

    #[test]
    fn failures_name_the_rule_and_shorten_what_they_found() {
        let c = claims(json!({"long": "x".repeat(500)}));
        let e = ClaimRule::equals("long", "y").test(&c).unwrap_err();
        assert_eq!(e.claim(), Some("long"));
        let text = e.to_string();
        assert!(
            text.starts_with("claim `long`: expected \"y\", found string \"xxx"),
            "{text}"
        );
        assert!(text.len() < 200, "{text}");
        let e = ClaimRule::check("never", |_| false).test(&c).unwrap_err();
        assert_eq!(e.claim(), None);
        assert_eq!(
            e.to_string(),
            "claims: expected never, found claims that fail the check"
        );
        assert_eq!(
            format!("{:?}", ClaimRule::includes("r", ["a"])),
            "ClaimRule::includes(\"r\", [\"a\"])"
        );
    }
}
