//! Errors returned by verification and by JWKS fetching.

use std::sync::Arc;
use std::time::Duration;

/// A boxed error kept as the `source()` of a [`TokenValidationError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a token was rejected.
///
/// Every claim-related case names the claim and shows the expected and the found values.
/// Times are held as seconds since the Unix epoch and printed as RFC 3339 UTC times with the
/// seconds (`2026-12-06T23:00:05Z`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenValidationError {
    /// The token is not a compact JWS (`header.payload.signature`) with a JSON header and
    /// payload, or it is too large.
    #[error("malformed token: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: String,
        /// The decoding error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// The header's `alg` is not one the verifier was configured to accept.
    #[error("token header `alg`: expected one of {expected}, found {found:?}")]
    UnsupportedAlgorithm {
        /// The accepted algorithms.
        expected: String,
        /// The header's value.
        found: String,
    },
    /// The header's `typ` names another kind of token (a logout or access token given as an
    /// ID token, say).
    #[error("token header `typ`: expected {expected}, found {found}")]
    WrongType {
        /// The kinds accepted.
        expected: &'static str,
        /// The header's value (`none` when absent).
        found: String,
    },
    /// The header uses a feature this verifier does not understand (for example `crit`).
    #[error("token header `{parameter}`: expected absent, found {found}")]
    UnsupportedHeader {
        /// The header parameter.
        parameter: &'static str,
        /// Its value.
        found: String,
    },
    /// No key in the JWKS matches the token's `kid` (after at most one refetch).
    #[error("token header `kid`: expected one of {expected}, found {found}")]
    UnknownKey {
        /// The key ids in the current key set.
        expected: String,
        /// The header's `kid` (or `none` when it has none).
        found: String,
    },
    /// The key the token names cannot verify it (wrong key type or `alg` for the token's
    /// algorithm, or a key the JWKS lists in an unusable form).
    #[error("key {kid:?}: {reason}")]
    UnusableKey {
        /// The key id.
        kid: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The signature does not verify with the selected key.
    #[error("signature: expected a valid {algorithm} signature, found an invalid one")]
    InvalidSignature {
        /// The algorithm it was checked with.
        algorithm: crate::Algorithm,
    },
    /// The signing keys could not be fetched or parsed.
    #[error(transparent)]
    Jwks(Arc<JwksError>),
    /// A required claim is absent.
    #[error("claim `{claim}`: expected {expected}, found none")]
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
        /// What was expected.
        expected: String,
    },
    /// A claim has the wrong JSON type.
    #[error("claim `{claim}`: expected {expected}, found {found}")]
    InvalidClaimType {
        /// The claim's name.
        claim: String,
        /// The expected JSON type.
        expected: &'static str,
        /// The found value (shortened).
        found: String,
    },
    /// A claim does not have the expected value.
    #[error("claim `{claim}`: expected {expected}, found {found}")]
    ClaimMismatch {
        /// The claim's name.
        claim: &'static str,
        /// The expected value.
        expected: String,
        /// The found value.
        found: String,
    },
    /// `exp` is in the past, beyond the leeway.
    #[error(
        "claim `exp`: expected a time at or after {} (now - leeway), found {} (expired)",
        Time(*.expected),
        Time(*.found)
    )]
    Expired {
        /// The earliest acceptable expiry: now minus the leeway.
        expected: i64,
        /// The token's `exp`.
        found: i64,
    },
    /// `iat` is in the future, beyond the leeway.
    #[error(
        "claim `iat`: expected a time at or before {} (now + leeway), found {} (issued in the future)",
        Time(*.expected),
        Time(*.found)
    )]
    IssuedInFuture {
        /// The latest acceptable issue time: now plus the leeway.
        expected: i64,
        /// The token's `iat`.
        found: i64,
    },
    /// `nbf` is in the future, beyond the leeway.
    #[error(
        "claim `nbf`: expected a time at or before {} (now + leeway), found {} (not yet valid)",
        Time(*.expected),
        Time(*.found)
    )]
    NotYetValid {
        /// The latest acceptable `nbf`: now plus the leeway.
        expected: i64,
        /// The token's `nbf`.
        found: i64,
    },
    /// `auth_time` is older than `max_age` allows.
    #[error(
        "claim `auth_time`: expected a time at or after {} (now - max_age - leeway), found {} (authentication too old)",
        Time(*.expected),
        Time(*.found)
    )]
    AuthenticationTooOld {
        /// The earliest acceptable authentication time.
        expected: i64,
        /// The token's `auth_time`.
        found: i64,
    },
    /// The token is older than the verifier's `max_token_age` allows (by its `iat`).
    #[error(
        "claim `iat`: expected a time at or after {} (now - max_token_age - leeway), found {} (token too old)",
        Time(*.expected),
        Time(*.found)
    )]
    TooOld {
        /// The earliest acceptable issue time.
        expected: i64,
        /// The token's `iat`.
        found: i64,
    },
    /// A [`ClaimRule`](crate::ClaimRule) refused the token: a required claim is absent, a claim
    /// does not have the expected value, or a check over the claims failed.
    #[error("{}: expected {expected}, found {found}", rule_subject(claim.as_deref()))]
    ClaimRule {
        /// The claim the rule is about (none for a check over all the claims).
        claim: Option<String>,
        /// What the rule requires.
        expected: String,
        /// What the token has.
        found: String,
    },
    /// The token lacks scopes or permissions the caller requires.
    #[error("claim `{claim}`: expected {expected:?}, found {found:?}")]
    InsufficientScope {
        /// `scope` or `permissions`.
        claim: &'static str,
        /// The required values that are missing.
        expected: Vec<String>,
        /// The values the token carries.
        found: Vec<String>,
    },
}

/// A boxed error, unboxed (claims read from a payload keep theirs boxed until checked).
impl From<Box<TokenValidationError>> for TokenValidationError {
    fn from(e: Box<TokenValidationError>) -> Self {
        *e
    }
}

impl TokenValidationError {
    /// The claim or header parameter the error is about, if any (`"exp"`, `"aud"`, `"alg"`, …).
    pub fn claim(&self) -> Option<&str> {
        Some(match self {
            TokenValidationError::UnsupportedAlgorithm { .. } => "alg",
            TokenValidationError::UnsupportedHeader { parameter, .. } => parameter,
            TokenValidationError::UnknownKey { .. } => "kid",
            TokenValidationError::MissingClaim { claim, .. } => claim,
            TokenValidationError::InvalidClaimType { claim, .. } => claim,
            TokenValidationError::ClaimMismatch { claim, .. } => claim,
            TokenValidationError::Expired { .. } => "exp",
            TokenValidationError::IssuedInFuture { .. } => "iat",
            TokenValidationError::NotYetValid { .. } => "nbf",
            TokenValidationError::AuthenticationTooOld { .. } => "auth_time",
            TokenValidationError::InsufficientScope { claim, .. } => claim,
            TokenValidationError::TooOld { .. } => "iat",
            TokenValidationError::ClaimRule { claim, .. } => claim.as_deref()?,
            _ => return None,
        })
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        TokenValidationError::Malformed {
            reason: reason.into(),
            source: None,
        }
    }

    pub(crate) fn malformed_by(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        TokenValidationError::Malformed {
            reason: reason.into(),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn mismatch(
        claim: &'static str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        TokenValidationError::ClaimMismatch {
            claim,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

fn rule_subject(claim: Option<&str>) -> String {
    match claim {
        Some(claim) => format!("claim `{claim}`"),
        None => "claims".to_owned(),
    }
}

impl From<JwksError> for TokenValidationError {
    fn from(e: JwksError) -> Self {
        TokenValidationError::Jwks(Arc::new(e))
    }
}

/// Why the JSON Web Key Set could not be fetched or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The request did not finish within the configured timeout.
    #[error("JWKS request to {url} timed out after {timeout:?}")]
    Timeout {
        /// The JWKS URL.
        url: String,
        /// The configured timeout.
        timeout: Duration,
        /// The HTTP client's error, when the timeout came from it.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The server could not be reached.
    #[error("JWKS request to {url} could not connect")]
    Connect {
        /// The JWKS URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// Any other transport failure.
    #[error("JWKS request to {url} failed")]
    Request {
        /// The JWKS URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a non-success status.
    #[error("JWKS request to {url}: expected HTTP 200, found HTTP {status}: {body}")]
    Status {
        /// The JWKS URL.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body, as text.
        body: String,
    },
    /// The JWKS URL is not one keys are fetched from (not https, and not this machine).
    #[error("JWKS URL {url}: {reason}")]
    InvalidUrl {
        /// The JWKS URL.
        url: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The server answered with a redirect, or the HTTP client followed one to another
    /// origin: keys are trusted only from the JWKS URL's own origin.
    #[error(
        "JWKS request to {url} was redirected to {}",
        auth0_http::printable(location)
    )]
    Redirect {
        /// The JWKS URL.
        url: String,
        /// Where the redirect pointed.
        location: String,
    },
    /// The response body exceeded the size limit.
    #[error("JWKS from {url}: expected at most {limit} bytes, found more")]
    TooLarge {
        /// The JWKS URL.
        url: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not a JSON key set (`{"keys": [...]}`).
    #[error("JWKS from {url}: expected a JSON object with a `keys` array")]
    Decode {
        /// The JWKS URL.
        url: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The set has no key this verifier can use.
    #[error("JWKS from {url}: expected at least one usable signing key, found none ({skipped})")]
    NoUsableKeys {
        /// The JWKS URL.
        url: String,
        /// Why each key was skipped.
        skipped: String,
    },
    /// The issuer's OpenID discovery document cannot be used: not JSON, another `issuer` than
    /// the one configured, no `jwks_uri`, or a `jwks_uri` keys are not fetched from.
    #[error("discovery document {url}: {reason}")]
    Discovery {
        /// The discovery document's URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The exchange failed in another way than those above.
    #[error("JWKS request to {url} failed: {reason}")]
    Exchange {
        /// The JWKS URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Keys given as text (a PEM public key, a JWK, a JWKS document) cannot be read.
    #[error("keys given as text: {reason}")]
    InvalidKeys {
        /// What is wrong with them.
        reason: String,
    },
    /// The background runtime used by the blocking verifiers could not run the fetch.
    #[error("could not run the JWKS fetch in the background")]
    Runtime {
        /// Why.
        #[source]
        source: Arc<std::io::Error>,
    },
}

impl JwksError {
    /// The HTTP status of the JWKS response, for [`JwksError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            JwksError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A time in seconds since the Unix epoch, printed as an RFC 3339 UTC time
/// (`2026-12-06T23:00:05Z`); one outside the years 0 to 9999 prints as its seconds.
struct Time(i64);

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Days since the epoch to a civil date (proleptic Gregorian calendar), by eras of
        // 400 years (146,097 days).
        let (days, second_of_day) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(0..=9999).contains(&year) {
            return write!(f, "{} s after the Unix epoch", self.0);
        }
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3_600,
            second_of_day % 3_600 / 60,
            second_of_day % 60
        )
    }
}

#[cfg(test)]
mod time_tests {
    use super::Time;

    #[test]
    fn times_print_as_rfc_3339_with_the_seconds() {
        for (seconds, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_796_598_005, "2026-12-06T23:00:05Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
        ] {
            assert_eq!(Time(seconds).to_string(), text, "{seconds}");
        }
        assert_eq!(
            Time(i64::MAX).to_string(),
            format!("{} s after the Unix epoch", i64::MAX)
        );
        assert_eq!(
            Time(253_402_300_800).to_string(),
            "253402300800 s after the Unix epoch"
        );
    }
}
