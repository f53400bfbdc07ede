//! [`TokenVerifier`] for ID tokens and [`AccessTokenVerifier`] for API access tokens.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::blocking::BlockingRuntime;
use crate::claims::{
    AccessTokenClaims, IdTokenClaims, LogoutTokenClaims, check_organization, require, take_array,
    take_date, take_str, take_str_or_array,
};
use crate::error::TokenValidationError;
use crate::jwt::{Kind, RawToken};
use crate::signature::SignatureVerifier;

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What ID-token and access-token verification share: the keys, the expected issuer and
/// audience, the leeway and the clock.
#[derive(Clone)]
pub(crate) struct Core {
    /// Each accepted issuer with the keys its tokens are signed with (one cache each).
    issuers: Vec<(String, SignatureVerifier)>,
    /// The accepted audiences: a token's `aud` must name one.
    audiences: Vec<String>,
    leeway: i64,
    clock: Clock,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("leeway_secs", &self.leeway)
            .finish_non_exhaustive()
    }
}

/// The `leeway` and `with_clock` settings every verifier has (through its `configure`).
macro_rules! time_settings {
    ($claims:literal) => {
        #[doc = concat!("The clock skew tolerated on ", $claims, " (60 s by default).")]
        pub fn leeway(self, leeway: Duration) -> Self {
            self.configure(|core| core.leeway = seconds(leeway))
        }

        /// The clock used for time checks (the system clock by default).
        pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
            self.configure(|core| core.clock = Arc::new(clock))
        }
    };
}

fn seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl Core {
    fn new(signature: SignatureVerifier, issuer: String, audience: String) -> Self {
        Core {
            issuers: vec![(issuer, signature)],
            audiences: vec![audience],
            leeway: 60,
            clock: Arc::new(SystemTime::now),
        }
    }

    fn now(&self) -> i64 {
        match (self.clock)().duration_since(UNIX_EPOCH) {
            Ok(d) => seconds(d),
            Err(e) => seconds(e.duration()).saturating_neg(),
        }
    }

    async fn verified_claims(
        &self,
        token: &str,
        kind: Kind,
    ) -> Result<Map<String, Value>, TokenValidationError> {
        let raw = RawToken::parse(token)?;
        self.keys_for(&raw)?.verify(&raw).await?;
        kind.check(raw.header.typ.as_deref())?;
        raw.claims()
    }

    /// The keys to check a token's signature with: the one issuer's, or, with several, those of
    /// the issuer its (not yet verified) `iss` names. The claim is checked again once the
    /// signature is.
    fn keys_for(&self, raw: &RawToken<'_>) -> Result<&SignatureVerifier, TokenValidationError> {
        if let [(_, only)] = self.issuers.as_slice() {
            return Ok(only);
        }
        let claims = raw.claims()?;
        let iss = claims.get("iss").and_then(Value::as_str);
        self.issuers
            .iter()
            .find(|(issuer, _)| Some(issuer.as_str()) == iss)
            .map(|(_, keys)| keys)
            .ok_or_else(|| {
                TokenValidationError::mismatch(
                    "iss",
                    self.expected_issuers(),
                    iss.map_or_else(|| "none".to_owned(), |i| format!("{i:?}")),
                )
            })
    }

    fn expected_issuers(&self) -> String {
        match self.issuers.as_slice() {
            [(one, _)] => format!("{one:?}"),
            many => format!(
                "one of {:?}",
                many.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>()
            ),
        }
    }

    fn expected_audiences(&self) -> String {
        match self.audiences.as_slice() {
            [one] => format!("{one:?} (string or array member)"),
            many => format!("one of {many:?} (string or array member)"),
        }
    }

    fn verified_claims_blocking(
        &self,
        token: &str,
        kind: Kind,
        runtime: &BlockingRuntime,
    ) -> Result<Map<String, Value>, TokenValidationError> {
        let raw = RawToken::parse(token)?;
        self.keys_for(&raw)?.verify_blocking(&raw, runtime)?;
        kind.check(raw.header.typ.as_deref())?;
        raw.claims()
    }

    fn check_issuer(&self, iss: Option<String>) -> Result<String, TokenValidationError> {
        let iss = require(iss, "iss", || self.expected_issuers())?;
        if !self.issuers.iter().any(|(issuer, _)| *issuer == iss) {
            return Err(TokenValidationError::mismatch(
                "iss",
                self.expected_issuers(),
                format!("{iss:?}"),
            ));
        }
        Ok(iss)
    }

    fn check_audience(
        &self,
        aud: Option<Vec<String>>,
    ) -> Result<Vec<String>, TokenValidationError> {
        let aud = require(aud, "aud", || self.expected_audiences())?;
        if !aud.iter().any(|a| self.audiences.contains(a)) {
            let found = match aud.as_slice() {
                [one] => format!("{one:?}"),
                many => format!("{many:?}"),
            };
            return Err(TokenValidationError::mismatch(
                "aud",
                self.expected_audiences(),
                found,
            ));
        }
        Ok(aud)
    }

    fn check_expiry(&self, exp: i64, now: i64) -> Result<(), TokenValidationError> {
        let earliest = now.saturating_sub(self.leeway);
        if exp < earliest {
            return Err(TokenValidationError::Expired {
                expected: earliest,
                found: exp,
            });
        }
        Ok(())
    }

    fn check_not_future(
        &self,
        claim: &str,
        value: i64,
        now: i64,
    ) -> Result<(), TokenValidationError> {
        let latest = now.saturating_add(self.leeway);
        if value <= latest {
            return Ok(());
        }
        Err(if claim == "iat" {
            TokenValidationError::IssuedInFuture {
                expected: latest,
                found: value,
            }
        } else {
            TokenValidationError::NotYetValid {
                expected: latest,
                found: value,
            }
        })
    }

    fn id_claims(
        &self,
        mut map: Map<String, Value>,
        options: &VerifyOptions,
    ) -> Result<IdTokenClaims, TokenValidationError> {
        // A back-channel logout token carries `events`; it never passes as an ID token.
        if map.contains_key("events") {
            return Err(TokenValidationError::mismatch(
                "events",
                "absent (an ID token)",
                "present (a logout token's claim)",
            ));
        }
        // Read every typed claim first, so a wrongly typed claim always fails.
        let m = &mut map;
        let (iss, sub, aud) = (
            take_str(m, "iss")?,
            take_str(m, "sub")?,
            take_str_or_array(m, "aud")?,
        );
        let (exp, iat, nbf) = (
            take_date(m, "exp")?,
            take_date(m, "iat")?,
            take_date(m, "nbf")?,
        );
        let (nonce, azp, auth_time) = (
            take_str(m, "nonce")?,
            take_str(m, "azp")?,
            take_date(m, "auth_time")?,
        );
        let (org_id, org_name) = (take_str(m, "org_id")?, take_str(m, "org_name")?);

        let iss = self.check_issuer(iss)?;
        let sub = require(sub, "sub", || "a string".to_owned())?;
        let aud = self.check_audience(aud)?;
        let now = self.now();
        let exp = require(exp, "exp", || "a number of seconds".to_owned())?;
        self.check_expiry(exp, now)?;
        let iat = require(iat, "iat", || "a number of seconds".to_owned())?;
        self.check_not_future("iat", iat, now)?;
        if let Some(nbf) = nbf {
            self.check_not_future("nbf", nbf, now)?;
        }
        if let Some(expected) = &options.nonce {
            let found = require(nonce.as_deref(), "nonce", || format!("{expected:?}"))?;
            if found != expected {
                return Err(TokenValidationError::mismatch(
                    "nonce",
                    format!("{expected:?}"),
                    format!("{found:?}"),
                ));
            }
        }
        // An ID token's audience is the one application (the verifier's first audience).
        let client_id = self.audiences.first().map_or("", String::as_str);
        if aud.len() > 1 {
            let found = require(azp.as_deref(), "azp", || {
                format!("{client_id:?} (required when `aud` has several values)")
            })?;
            if found != client_id {
                return Err(TokenValidationError::mismatch(
                    "azp",
                    format!("{client_id:?}"),
                    format!("{found:?}"),
                ));
            }
        }
        if let Some(max_age) = options.max_age {
            let auth_time = require(auth_time, "auth_time", || {
                "a number of seconds (required when max_age is set)".to_owned()
            })?;
            let earliest = now
                .saturating_sub(seconds(max_age))
                .saturating_sub(self.leeway);
            if auth_time < earliest {
                return Err(TokenValidationError::AuthenticationTooOld {
                    expected: earliest,
                    found: auth_time,
                });
            }
        }
        if let Some(expected) = &options.organization {
            check_organization(expected, org_id.as_deref(), org_name.as_deref())?;
        }
        Ok(IdTokenClaims {
            iss,
            sub,
            aud,
            exp,
            iat,
            nbf,
            nonce,
            azp,
            auth_time,
            org_id,
            org_name,
            extra: map,
        })
    }

    fn logout_claims(
        &self,
        mut map: Map<String, Value>,
    ) -> Result<LogoutTokenClaims, TokenValidationError> {
        let m = &mut map;
        let (iss, aud, iat, exp) = (
            take_str(m, "iss")?,
            take_str_or_array(m, "aud")?,
            take_date(m, "iat")?,
            take_date(m, "exp")?,
        );
        let (jti, sub, sid) = (
            take_str(m, "jti")?,
            take_str(m, "sub")?,
            take_str(m, "sid")?,
        );
        let iss = self.check_issuer(iss)?;
        let aud = self.check_audience(aud)?;
        let now = self.now();
        let iat = require(iat, "iat", || "a number of seconds".to_owned())?;
        self.check_not_future("iat", iat, now)?;
        if let Some(exp) = exp {
            self.check_expiry(exp, now)?;
        }
        let jti = require(jti, "jti", || "a string".to_owned())?;
        if sub.is_none() && sid.is_none() {
            return Err(TokenValidationError::MissingClaim {
                claim: "sid",
                expected: "`sid` or `sub`".to_owned(),
            });
        }
        if map.contains_key("nonce") {
            return Err(TokenValidationError::mismatch(
                "nonce",
                "absent (a logout token)",
                "present",
            ));
        }
        let events = match map.remove("events") {
            Some(Value::Object(events)) => events,
            None => {
                return Err(TokenValidationError::MissingClaim {
                    claim: "events",
                    expected: format!("an object with the member {BACKCHANNEL_LOGOUT_EVENT:?}"),
                });
            }
            Some(other) => {
                return Err(TokenValidationError::InvalidClaimType {
                    claim: "events".to_owned(),
                    expected: "an object",
                    found: crate::claims::describe(&other),
                });
            }
        };
        if !events
            .get(BACKCHANNEL_LOGOUT_EVENT)
            .is_some_and(Value::is_object)
        {
            return Err(TokenValidationError::mismatch(
                "events",
                format!("an object with the member {BACKCHANNEL_LOGOUT_EVENT:?} holding an object"),
                format!("members {:?}", events.keys().collect::<Vec<_>>()),
            ));
        }
        Ok(LogoutTokenClaims {
            iss,
            aud,
            iat,
            exp,
            jti,
            sub,
            sid,
            events,
            extra: map,
        })
    }

    fn access_claims(
        &self,
        mut map: Map<String, Value>,
        organizations: &[String],
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        let m = &mut map;
        let (iss, sub, aud) = (
            take_str(m, "iss")?,
            take_str(m, "sub")?,
            take_str_or_array(m, "aud")?,
        );
        let (exp, iat, nbf) = (
            take_date(m, "exp")?,
            take_date(m, "iat")?,
            take_date(m, "nbf")?,
        );
        let (azp, scope, permissions) = (
            take_str(m, "azp")?,
            take_str(m, "scope")?,
            take_array(m, "permissions")?,
        );
        let (org_id, org_name) = (take_str(m, "org_id")?, take_str(m, "org_name")?);

        let iss = self.check_issuer(iss)?;
        let aud = self.check_audience(aud)?;
        let now = self.now();
        let exp = require(exp, "exp", || "a number of seconds".to_owned())?;
        self.check_expiry(exp, now)?;
        if let Some(iat) = iat {
            self.check_not_future("iat", iat, now)?;
        }
        if let Some(nbf) = nbf {
            self.check_not_future("nbf", nbf, now)?;
        }
        if !organizations.is_empty() {
            check_allowed_organization(organizations, org_id.as_deref(), org_name.as_deref())?;
        }
        Ok(AccessTokenClaims {
            iss,
            sub,
            aud,
            exp,
            iat,
            nbf,
            azp,
            scope,
            permissions: permissions.unwrap_or_default(),
            org_id,
            org_name,
            extra: map,
        })
    }
}

fn check_allowed_organization(
    allowed: &[String],
    org_id: Option<&str>,
    org_name: Option<&str>,
) -> Result<(), TokenValidationError> {
    if allowed
        .iter()
        .any(|a| check_organization(a, org_id, org_name).is_ok())
    {
        return Ok(());
    }
    let expected = format!("one of {allowed:?}");
    match (org_id, org_name) {
        (None, None) => Err(TokenValidationError::MissingClaim {
            claim: "org_id",
            expected,
        }),
        (Some(id), _) => Err(TokenValidationError::mismatch(
            "org_id",
            expected,
            format!("{id:?}"),
        )),
        (None, Some(name)) => Err(TokenValidationError::mismatch(
            "org_name",
            expected,
            format!("{name:?}"),
        )),
    }
}

/// Per-call expectations for an ID token: the `nonce` sent with the login request, the
/// `max_age` asked for, the organization.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    nonce: Option<String>,
    max_age: Option<Duration>,
    organization: Option<String>,
}

impl VerifyOptions {
    /// The token's `nonce` must equal this.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// The token's `auth_time` must be at most this long ago (plus the leeway).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The token must belong to this organization: an id starting with `org_` is compared
    /// with `org_id` exactly, anything else with `org_name` case-insensitively.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }
}

/// Verifies ID tokens: the signature with pinned algorithms, then `iss`, `sub`, `aud`, `azp`
/// (when `aud` has several values), `exp`, `iat` and `nbf` with a leeway, and the
/// [`VerifyOptions`] (`nonce`, `auth_time` against `max_age`, organization).
///
/// Cloning is cheap; clones share the key cache.
#[derive(Clone, Debug)]
pub struct TokenVerifier {
    core: Core,
}

impl TokenVerifier {
    /// A verifier for tokens signed as `signature_verifier` allows, issued by `issuer`
    /// (`https://YOUR_DOMAIN/`, compared exactly) for `audience` (the application's client id).
    pub fn new(
        signature_verifier: impl Into<SignatureVerifier>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        TokenVerifier {
            core: Core::new(signature_verifier.into(), issuer.into(), audience.into()),
        }
    }

    fn configure(mut self, change: impl FnOnce(&mut Core)) -> Self {
        change(&mut self.core);
        self
    }

    time_settings!("`exp`, `iat`, `nbf` and `auth_time`");

    /// Verifies `token` and returns its claims.
    pub async fn verify(
        &self,
        token: &str,
        options: &VerifyOptions,
    ) -> Result<IdTokenClaims, TokenValidationError> {
        let claims = self.core.verified_claims(token, Kind::Id).await?;
        self.core.id_claims(claims, options)
    }

    pub(crate) fn verify_blocking(
        &self,
        token: &str,
        options: &VerifyOptions,
        runtime: &BlockingRuntime,
    ) -> Result<IdTokenClaims, TokenValidationError> {
        let claims = self
            .core
            .verified_claims_blocking(token, Kind::Id, runtime)?;
        self.core.id_claims(claims, options)
    }
}

/// Verifies access tokens issued for an API: the signature with pinned algorithms, `iss`,
/// `aud`, `exp` (and `iat`, `nbf` when present) with a leeway, and optionally an allow-list of
/// organizations. Scopes and permissions are then checked on the returned
/// [`AccessTokenClaims`].
///
/// Cloning is cheap; clones share the key cache, and the cache of verified tokens (see
/// [`cache`](Self::cache)) as long as their settings are the same: a clone whose settings are
/// changed gets a verified-token cache of its own.
#[derive(Clone, Debug)]
pub struct AccessTokenVerifier {
    /// Everything a verdict depends on. Changed only through `reconfigure`.
    core: Core,
    organizations: Vec<String>,
    /// Tokens verified lately under these settings, by their exact text (off unless
    /// [`cache`](Self::cache) is set).
    cache: Option<Arc<VerifiedCache>>,
}

impl AccessTokenVerifier {
    /// A verifier for tokens signed as `signature_verifier` allows, issued by `issuer`
    /// (`https://YOUR_DOMAIN/`, compared exactly) for `audience` (the API identifier).
    pub fn new(
        signature_verifier: impl Into<SignatureVerifier>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        AccessTokenVerifier {
            core: Core::new(signature_verifier.into(), issuer.into(), audience.into()),
            organizations: Vec::new(),
            cache: None,
        }
    }

    fn configure(self, change: impl FnOnce(&mut Core)) -> Self {
        self.reconfigure(|core, _| change(core))
    }

    /// The one way settings change. A cached verdict is one these exact settings reached, so
    /// the changed verifier starts a new, empty cache (of the same capacity): a token another
    /// issuer, audience, organization list, leeway or clock accepted never passes here
    /// unchecked, and clones with other settings never answer for each other.
    fn reconfigure(mut self, change: impl FnOnce(&mut Core, &mut Vec<String>)) -> Self {
        change(&mut self.core, &mut self.organizations);
        self.cache = self
            .cache
            .map(|cache| Arc::new(VerifiedCache::new(cache.capacity)));
        self
    }

    time_settings!("`exp`, `iat` and `nbf`");

    /// Also accepts tokens issued by `issuer`, signed as `signature_verifier` allows: a tenant's
    /// custom domains beside its canonical domain, or several tenants. Each issuer has its own
    /// keys (and key cache); a token's `iss` picks them, and is checked after its signature.
    pub fn issuer(
        self,
        signature_verifier: impl Into<SignatureVerifier>,
        issuer: impl Into<String>,
    ) -> Self {
        let issuer = (issuer.into(), signature_verifier.into());
        self.configure(|core| core.issuers.push(issuer))
    }

    /// Also accepts tokens for `audience` (another API identifier): a token's `aud` must name
    /// one of the audiences.
    pub fn audience(self, audience: impl Into<String>) -> Self {
        let audience = audience.into();
        self.configure(|core| core.audiences.push(audience))
    }

    /// The accepted issuers, in the order given.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.core.issuers.iter().map(|(i, _)| i.as_str())
    }

    /// The accepted audiences, in the order given.
    pub fn audiences(&self) -> impl Iterator<Item = &str> {
        self.core.audiences.iter().map(String::as_str)
    }

    /// Accept only tokens of these organizations: entries starting with `org_` match
    /// `org_id` exactly, others match `org_name` case-insensitively. Tokens without an
    /// organization are then rejected. By default any token (with or without an
    /// organization) is accepted.
    pub fn allowed_organizations<I, S>(self, organizations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let organizations: Vec<String> = organizations.into_iter().map(Into::into).collect();
        self.reconfigure(|_, allowed| *allowed = organizations)
    }

    /// Remembers up to `capacity` verified tokens, by their exact text, until their `exp`
    /// (never at or past it, leeway not counted), so that a token repeated by its client is
    /// checked once: a cached token's claims come back without a signature check. Off by
    /// default. (DPoP proofs are checked on every request whatever this cache holds.)
    ///
    /// A verdict stands only for the settings that reached it: clones share the cache while
    /// their settings are the same, and any setting changed afterwards (issuers, audiences,
    /// organizations, leeway, clock) gives the verifier a new, empty cache of this capacity.
    pub fn cache(mut self, capacity: usize) -> Self {
        self.cache = (capacity > 0).then(|| Arc::new(VerifiedCache::new(capacity)));
        self
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, TokenValidationError> {
        let now = self.core.now();
        if let Some(claims) = self.cache.as_ref().and_then(|c| c.get(token, now)) {
            return Ok(claims);
        }
        let claims = self.core.verified_claims(token, Kind::Access).await?;
        let claims = self.core.access_claims(claims, &self.organizations)?;
        if let Some(cache) = &self.cache {
            cache.put(token, &claims, now);
        }
        Ok(claims)
    }

    pub(crate) fn verify_blocking(
        &self,
        token: &str,
        runtime: &BlockingRuntime,
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        let claims = self
            .core
            .verified_claims_blocking(token, Kind::Access, runtime)?;
        self.core.access_claims(claims, &self.organizations)
    }
}

/// The event a back-channel logout token announces.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Verifies back-channel logout tokens (OIDC Back-Channel Logout 1.0), which Auth0 posts to an
/// application's logout endpoint: the signature with pinned algorithms, `typ` `logout+jwt`,
/// `iss`, `aud`, `iat` (and `exp` when present) with a leeway, `jti`, `sub` and/or `sid`, the
/// `events` member [`BACKCHANNEL_LOGOUT_EVENT`], and no `nonce`.
///
/// ```no_run
/// # async fn run(body_logout_token: &str) -> Result<(), auth0_verify::TokenValidationError> {
/// use auth0_verify::{AsymmetricSignatureVerifier, LogoutTokenVerifier};
///
/// let keys = AsymmetricSignatureVerifier::new("https://my-tenant.auth0.com/.well-known/jwks.json");
/// let verifier = LogoutTokenVerifier::new(keys, "https://my-tenant.auth0.com/", "CLIENT_ID");
/// let claims = verifier.verify(body_logout_token).await?;
/// println!("end session {:?} of {:?}", claims.sid, claims.sub);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct LogoutTokenVerifier {
    core: Core,
}

impl LogoutTokenVerifier {
    /// A verifier for logout tokens signed as `signature_verifier` allows, issued by `issuer`
    /// for `audience` (the application's client id).
    pub fn new(
        signature_verifier: impl Into<SignatureVerifier>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        LogoutTokenVerifier {
            core: Core::new(signature_verifier.into(), issuer.into(), audience.into()),
        }
    }

    fn configure(mut self, change: impl FnOnce(&mut Core)) -> Self {
        change(&mut self.core);
        self
    }

    time_settings!("`iat` and `exp`");

    /// Verifies `token` (the `logout_token` form parameter) and returns its claims. Keep its
    /// `jti` for the token's lifetime to refuse a replay.
    pub async fn verify(&self, token: &str) -> Result<LogoutTokenClaims, TokenValidationError> {
        let claims = self.core.verified_claims(token, Kind::Logout).await?;
        self.core.logout_claims(claims)
    }
}

/// Verified access tokens by their exact text, each until its `exp`.
#[derive(Debug)]
struct VerifiedCache {
    capacity: usize,
    entries: std::sync::RwLock<std::collections::HashMap<String, AccessTokenClaims>>,
}

impl VerifiedCache {
    fn new(capacity: usize) -> Self {
        VerifiedCache {
            capacity,
            entries: std::sync::RwLock::new(std::collections::HashMap::new()),
        }
    }

    /// The claims of `token` if it was verified and has not expired (`exp` itself included).
    fn get(&self, token: &str, now: i64) -> Option<AccessTokenClaims> {
        let entries = self.entries.read().ok()?;
        let claims = entries.get(token)?;
        (now < claims.exp).then(|| claims.clone())
    }

    fn put(&self, token: &str, claims: &AccessTokenClaims, now: i64) {
        if claims.exp <= now {
            return;
        }
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= self.capacity {
            entries.retain(|_, c| c.exp > now);
            // Still full of live tokens: start over rather than grow.
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(token.to_owned(), claims.clone());
    }
}
