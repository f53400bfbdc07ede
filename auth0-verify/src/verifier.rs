//! [`TokenVerifier`] for ID tokens and [`AccessTokenVerifier`] for API access tokens.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::claims::{
    AccessTokenClaims, IdTokenClaims, LogoutTokenClaims, check_actors, check_organization, require,
};
use crate::error::TokenValidationError;
use crate::issuers::IssuerResolver;
use crate::jwt::{Kind, RawToken};
use crate::read::{Claims, Payload};
use crate::rules::ClaimRule;
use crate::runtime::BlockingRuntime;
use crate::signature::SignatureVerifier;

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What ID-token and access-token verification share: the keys, the expected issuer and
/// audience, the leeway and the clock.
#[derive(Clone)]
pub(crate) struct Core {
    /// Each accepted issuer with the keys its tokens are signed with (one cache each).
    issuers: Vec<(String, SignatureVerifier)>,
    /// Further issuers, accepted by a function (access tokens only).
    resolver: Option<IssuerResolver>,
    /// The accepted audiences: a token's `aud` must name one.
    audiences: Vec<String>,
    leeway: i64,
    clock: Clock,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("issuers", &self.issuers)
            .field("resolver", &self.resolver)
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
            resolver: None,
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

    /// The token split, its header read, and the keys to check its signature with (with the
    /// payload when it had to be read to choose them).
    fn prepare<'t>(
        &self,
        token: &'t str,
        kind: Kind,
        expected_issuer: Option<&str>,
    ) -> Result<(RawToken<'t>, Keys<'_>, Option<Box<Payload>>), TokenValidationError> {
        let raw = RawToken::parse(token)?;
        if let ([(_, only)], None) = (self.issuers.as_slice(), &self.resolver) {
            // One issuer: no need to read the payload before the signature is checked.
            return Ok((raw, Keys::Given(only), None));
        }
        // Boxed: it is held while the signature is checked, and an async caller's future
        // would otherwise carry its kilobyte on every call, this path taken or not.
        let payload = Box::new(Payload::read(&raw, kind)?);
        let keys = self.keys_for(payload.issuer(), expected_issuer)?;
        Ok((raw, keys, Some(payload)))
    }

    /// The payload of a token whose signature was verified, once its `typ` is checked.
    fn finish(
        raw: &RawToken<'_>,
        payload: Option<Box<Payload>>,
        kind: Kind,
    ) -> Result<Payload, TokenValidationError> {
        kind.check(raw.header.typ.as_deref())?;
        match payload {
            Some(payload) => Ok(*payload),
            None => Payload::read(raw, kind),
        }
    }

    async fn verified_payload(
        &self,
        token: &str,
        kind: Kind,
        expected_issuer: Option<&str>,
    ) -> Result<Payload, TokenValidationError> {
        let (raw, keys, payload) = self.prepare(token, kind, expected_issuer)?;
        keys.get().verify(&raw).await?;
        Self::finish(&raw, payload, kind)
    }

    fn verified_payload_blocking(
        &self,
        token: &str,
        kind: Kind,
        expected_issuer: Option<&str>,
        runtime: &BlockingRuntime,
    ) -> Result<Payload, TokenValidationError> {
        let (raw, keys, payload) = self.prepare(token, kind, expected_issuer)?;
        keys.get().verify_blocking(&raw, runtime)?;
        Self::finish(&raw, payload, kind)
    }

    /// The keys of the issuer a token's (not yet verified) `iss` names: one of those given,
    /// or one the resolver accepts. With an expected issuer (the request's), `iss` must be
    /// it. The claim is checked again once the signature is.
    fn keys_for(
        &self,
        iss: Option<&str>,
        expected_issuer: Option<&str>,
    ) -> Result<Keys<'_>, TokenValidationError> {
        let mismatch = |expected: String| {
            TokenValidationError::mismatch(
                "iss",
                expected,
                iss.map_or_else(|| "none".to_owned(), |i| format!("{i:?}")),
            )
        };
        if let Some(expected) = expected_issuer
            && iss != Some(expected)
        {
            return Err(mismatch(format!(
                "{expected:?} (the issuer of this request)"
            )));
        }
        let Some(iss) = iss else {
            return Err(mismatch(self.expected_issuers()));
        };
        if let Some((_, keys)) = self.issuers.iter().find(|(issuer, _)| issuer == iss) {
            return Ok(Keys::Given(keys));
        }
        match self.resolver.as_ref().and_then(|r| r.keys(iss)) {
            Some(keys) => Ok(Keys::Resolved(keys)),
            None => Err(mismatch(self.expected_issuers())),
        }
    }

    fn expected_issuers(&self) -> String {
        let resolved = if self.resolver.is_some() {
            " or one the resolver accepts"
        } else {
            ""
        };
        match self.issuers.as_slice() {
            [] => "an issuer the resolver accepts".to_owned(),
            [(one, _)] => format!("{one:?}{resolved}"),
            many => format!(
                "one of {:?}{resolved}",
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

    fn check_issuer(
        &self,
        iss: Option<String>,
        expected_issuer: Option<&str>,
    ) -> Result<String, TokenValidationError> {
        let iss = require(iss, "iss", || self.expected_issuers())?;
        if let Some(expected) = expected_issuer
            && iss != expected
        {
            return Err(TokenValidationError::mismatch(
                "iss",
                format!("{expected:?} (the issuer of this request)"),
                format!("{iss:?}"),
            ));
        }
        let accepted = self.issuers.iter().any(|(issuer, _)| *issuer == iss)
            || self
                .resolver
                .as_ref()
                .is_some_and(|r| r.keys(&iss).is_some());
        if !accepted {
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
        c: Claims,
        options: &VerifyOptions,
    ) -> Result<IdTokenClaims, TokenValidationError> {
        // A back-channel logout token carries `events`; it never passes as an ID token.
        if c.extra.contains_key("events") {
            return Err(TokenValidationError::mismatch(
                "events",
                "absent (an ID token)",
                "present (a logout token's claim)",
            ));
        }
        // Every typed claim first, so a wrongly typed claim always fails.
        let (iss, sub, aud) = (c.iss?, c.sub?, c.aud?);
        let (exp, iat, nbf) = (c.exp?, c.iat?, c.nbf?);
        let (nonce, azp, auth_time) = (c.nonce?, c.azp?, c.auth_time?);
        let (org_id, org_name) = (c.org_id?, c.org_name?);
        let profile = c.profile.unwrap_or_default();

        let iss = self.check_issuer(iss, None)?;
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
            sid: profile.sid,
            name: profile.name,
            given_name: profile.given_name,
            family_name: profile.family_name,
            middle_name: profile.middle_name,
            nickname: profile.nickname,
            preferred_username: profile.preferred_username,
            profile: profile.profile,
            picture: profile.picture,
            website: profile.website,
            email: profile.email,
            email_verified: profile.email_verified,
            gender: profile.gender,
            birthdate: profile.birthdate,
            zoneinfo: profile.zoneinfo,
            locale: profile.locale,
            phone_number: profile.phone_number,
            phone_number_verified: profile.phone_number_verified,
            address: profile.address,
            updated_at: profile.updated_at,
            extra: c.extra,
        })
    }

    fn logout_claims(&self, c: Claims) -> Result<LogoutTokenClaims, TokenValidationError> {
        let (iss, aud, iat, exp) = (c.iss?, c.aud?, c.iat?, c.exp?);
        let (jti, sub, sid) = (c.jti?, c.sub?, c.sid?);
        let iss = self.check_issuer(iss, None)?;
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
        if c.extra.contains_key("nonce") {
            return Err(TokenValidationError::mismatch(
                "nonce",
                "absent (a logout token)",
                "present",
            ));
        }
        let events = match c.events {
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
            extra: c.extra,
        })
    }

    fn access_claims(
        &self,
        c: Claims,
        organizations: &[String],
        expected_issuer: Option<&str>,
        now: i64,
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        let (iss, sub, aud) = (c.iss?, c.sub?, c.aud?);
        let (exp, iat, nbf) = (c.exp?, c.iat?, c.nbf?);
        let (azp, scope, permissions) = (c.azp?, c.scope?, c.permissions?);
        let (org_id, org_name) = (c.org_id?, c.org_name?);
        check_actors(&c.extra)?;

        let iss = self.check_issuer(iss, expected_issuer)?;
        let aud = self.check_audience(aud)?;
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
            extra: c.extra,
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
        let payload = self.core.verified_payload(token, Kind::Id, None).await?;
        self.core.id_claims(payload.claims, options)
    }

    pub(crate) fn verify_blocking(
        &self,
        token: &str,
        options: &VerifyOptions,
        runtime: &BlockingRuntime,
    ) -> Result<IdTokenClaims, TokenValidationError> {
        let payload = self
            .core
            .verified_payload_blocking(token, Kind::Id, None, runtime)?;
        self.core.id_claims(payload.claims, options)
    }
}

/// Verifies access tokens issued for an API: the signature with pinned algorithms, `iss`,
/// `aud`, `exp` (and `iat`, `nbf` when present) with a leeway, and optionally an allow-list of
/// organizations, [`ClaimRule`]s, required claims and a maximum token age. Scopes and
/// permissions are then checked on the returned [`AccessTokenClaims`].
///
/// Cloning is cheap; clones share the key cache, and the cache of verified tokens (see
/// [`cache`](Self::cache)) as long as their settings are the same: a clone whose settings are
/// changed gets a verified-token cache of its own.
#[derive(Clone, Debug)]
pub struct AccessTokenVerifier {
    /// Everything a verdict depends on. Changed only through `reconfigure`.
    core: Core,
    checks: Checks,
    /// Tokens verified lately under these settings, by their exact text (off unless
    /// [`cache`](Self::cache) is set).
    cache: Option<Arc<VerifiedCache>>,
}

/// What an API requires of a token beyond the standard claims.
#[derive(Clone, Debug, Default)]
struct Checks {
    organizations: Vec<String>,
    rules: Vec<ClaimRule>,
    max_age: Option<Duration>,
}

/// A verified access token: its claims as read, and its payload's JSON text (from which a
/// caller's own claims type is read on demand).
pub(crate) struct Verified {
    pub(crate) claims: Arc<AccessTokenClaims>,
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) payload: Vec<u8>,
}

/// The keys a token's signature is checked with: one of the issuers given, or one a resolver
/// accepted.
enum Keys<'a> {
    Given(&'a SignatureVerifier),
    Resolved(SignatureVerifier),
}

impl Keys<'_> {
    fn get(&self) -> &SignatureVerifier {
        match self {
            Keys::Given(keys) => keys,
            Keys::Resolved(keys) => keys,
        }
    }
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
            checks: Checks::default(),
            cache: None,
        }
    }

    /// A verifier for tokens issued by `issuer` (`https://YOUR_DOMAIN/`) for `audience`, with
    /// the keys its OpenID discovery document names
    /// ([`AsymmetricSignatureVerifier::discover`](crate::AsymmetricSignatureVerifier::discover):
    /// RS256, the document's `issuer` checked against `issuer`).
    pub fn from_issuer(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        let issuer = issuer.into();
        let keys = crate::AsymmetricSignatureVerifier::discover(issuer.clone());
        Self::new(keys, issuer, audience)
    }

    /// A verifier for tokens for `audience` from the issuers `resolver` accepts (and no
    /// other, until [`issuer`](Self::issuer) adds one).
    pub fn with_resolver(resolver: IssuerResolver, audience: impl Into<String>) -> Self {
        AccessTokenVerifier {
            core: Core {
                issuers: Vec::new(),
                resolver: Some(resolver),
                audiences: vec![audience.into()],
                leeway: 60,
                clock: Arc::new(SystemTime::now),
            },
            checks: Checks::default(),
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
    fn reconfigure(mut self, change: impl FnOnce(&mut Core, &mut Checks)) -> Self {
        change(&mut self.core, &mut self.checks);
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

    /// Also accepts tokens of the issuers `resolver` accepts (replacing a resolver set
    /// before), each with the keys it gives: issuers known only at run time (the tenants of a
    /// multi-tenant API, their custom domains).
    pub fn resolver(self, resolver: IssuerResolver) -> Self {
        self.configure(|core| core.resolver = Some(resolver))
    }

    /// Also accepts tokens for `audience` (another API identifier): a token's `aud` must name
    /// one of the audiences.
    pub fn audience(self, audience: impl Into<String>) -> Self {
        let audience = audience.into();
        self.configure(|core| core.audiences.push(audience))
    }

    /// The accepted issuers, in the order given (not those of a resolver).
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
        self.reconfigure(|_, checks| checks.organizations = organizations)
    }

    /// Every token must also pass `rule` (added to the rules set before): a claim equal to a
    /// value, including values, present, or a check over the claims. A token that fails is
    /// [`TokenValidationError::ClaimRule`].
    pub fn claim_rule(self, rule: ClaimRule) -> Self {
        self.reconfigure(|_, checks| checks.rules.push(rule))
    }

    /// Every token must carry these claims (standard or custom, any value but `null`): a
    /// [`ClaimRule::present`] each.
    pub fn required_claims<I, S>(self, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let rules: Vec<ClaimRule> = claims.into_iter().map(ClaimRule::present).collect();
        self.reconfigure(|_, checks| checks.rules.extend(rules))
    }

    /// Every token must carry `iat` and have been issued at most `max_age` ago (plus the
    /// leeway): [`TokenValidationError::TooOld`] otherwise. Checked at every verification,
    /// cached tokens included.
    pub fn max_token_age(self, max_age: Duration) -> Self {
        self.reconfigure(|_, checks| checks.max_age = Some(max_age))
    }

    /// Remembers up to `capacity` verified tokens, by their exact text, until their `exp`
    /// (never at or past it, leeway not counted), so that a token repeated by its client is
    /// checked once: a cached token's claims come back without a signature check. Off by
    /// default. (DPoP proofs, claim rules and the maximum token age are checked on every
    /// request whatever this cache holds.)
    ///
    /// A verdict stands only for the settings that reached it: clones share the cache while
    /// their settings are the same, and any setting changed afterwards (issuers, audiences,
    /// organizations, rules, leeway, clock) gives the verifier a new, empty cache of this
    /// capacity.
    pub fn cache(mut self, capacity: usize) -> Self {
        self.cache = (capacity > 0).then(|| Arc::new(VerifiedCache::new(capacity)));
        self
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, TokenValidationError> {
        self.verify_owned(token, None).await
    }

    /// Verifies `token` as one `issuer` must have issued (the issuer the request names: the
    /// tenant of the `Host` it was sent to, say), and returns its claims. `issuer` must also
    /// be one the verifier accepts (given, or accepted by its resolver).
    pub async fn verify_for_issuer(
        &self,
        token: &str,
        issuer: &str,
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        self.verify_owned(token, Some(issuer)).await
    }

    /// Verifies `token` (from the cache when it holds it), then applies the checks that are
    /// made on every use; its claims shared, as the API layer passes them on.
    #[cfg(feature = "tower")]
    pub(crate) async fn verify_shared(
        &self,
        token: &str,
        expected_issuer: Option<&str>,
    ) -> Result<Arc<Verified>, TokenValidationError> {
        self.check(token, expected_issuer)
            .await
            .map(Checked::shared)
    }

    /// [`verify_shared`](Self::verify_shared), the claims for the caller to own: no copy and
    /// no shared allocation unless the cache keeps them.
    async fn verify_owned(
        &self,
        token: &str,
        expected_issuer: Option<&str>,
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        self.check(token, expected_issuer).await.map(Checked::owned)
    }

    /// Verifies `token` (from the cache when it holds it), then applies the checks made on
    /// every use.
    async fn check(
        &self,
        token: &str,
        expected_issuer: Option<&str>,
    ) -> Result<Checked, TokenValidationError> {
        let now = self.core.now();
        let checked = match self.cached(token, now) {
            Some(verified) => Checked::Shared(verified),
            None => {
                let payload = self
                    .core
                    .verified_payload(token, Kind::Access, expected_issuer)
                    .await?;
                self.verified(token, payload, expected_issuer, now)?
            }
        };
        self.admit(checked.claims(), expected_issuer, now)?;
        Ok(checked)
    }

    /// [`check`](Self::check) with the keys fetched on `runtime`, the claims owned.
    pub(crate) fn verify_blocking(
        &self,
        token: &str,
        runtime: &BlockingRuntime,
    ) -> Result<AccessTokenClaims, TokenValidationError> {
        let now = self.core.now();
        let checked = match self.cached(token, now) {
            Some(verified) => Checked::Shared(verified),
            None => {
                let payload =
                    self.core
                        .verified_payload_blocking(token, Kind::Access, None, runtime)?;
                self.verified(token, payload, None, now)?
            }
        };
        self.admit(checked.claims(), None, now)?;
        Ok(checked.owned())
    }

    /// The verified `token` when the cache holds it.
    fn cached(&self, token: &str, now: i64) -> Option<Arc<Verified>> {
        self.cache.as_ref()?.get(token, now)
    }

    /// The claims of a token whose signature was verified, checked, and cached when the
    /// verifier has a cache.
    fn verified(
        &self,
        token: &str,
        payload: Payload,
        expected_issuer: Option<&str>,
        now: i64,
    ) -> Result<Checked, TokenValidationError> {
        let claims = self.core.access_claims(
            payload.claims,
            &self.checks.organizations,
            expected_issuer,
            now,
        )?;
        let Some(cache) = &self.cache else {
            return Ok(Checked::Fresh(claims, payload.bytes));
        };
        let verified = Arc::new(Verified {
            claims: Arc::new(claims),
            payload: payload.bytes,
        });
        cache.put(token, &verified, now);
        Ok(Checked::Shared(verified))
    }

    /// The checks made at every use of a token, cached or not: the request's issuer, the
    /// maximum age, the claim rules.
    fn admit(
        &self,
        claims: &AccessTokenClaims,
        expected_issuer: Option<&str>,
        now: i64,
    ) -> Result<(), TokenValidationError> {
        if let Some(expected) = expected_issuer
            && claims.iss != expected
        {
            return Err(TokenValidationError::mismatch(
                "iss",
                format!("{expected:?} (the issuer of this request)"),
                format!("{:?}", claims.iss),
            ));
        }
        if let Some(max_age) = self.checks.max_age {
            let iat = require(claims.iat, "iat", || {
                "a number of seconds (required when max_token_age is set)".to_owned()
            })?;
            let earliest = now
                .saturating_sub(seconds(max_age))
                .saturating_sub(self.core.leeway);
            if iat < earliest {
                return Err(TokenValidationError::TooOld {
                    expected: earliest,
                    found: iat,
                });
            }
        }
        self.checks
            .rules
            .iter()
            .try_for_each(|rule| rule.test(claims))
    }
}

/// A verified access token: shared with the cache, or fresh (its claims and payload text).
#[allow(
    clippy::large_enum_variant,
    reason = "lives for one call; boxing the fresh claims would cost the allocation this avoids"
)]
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
enum Checked {
    Shared(Arc<Verified>),
    Fresh(AccessTokenClaims, Vec<u8>),
}

impl Checked {
    fn claims(&self) -> &AccessTokenClaims {
        match self {
            Checked::Shared(verified) => &verified.claims,
            Checked::Fresh(claims, _) => claims,
        }
    }

    #[cfg(feature = "tower")]
    fn shared(self) -> Arc<Verified> {
        match self {
            Checked::Shared(verified) => verified,
            Checked::Fresh(claims, payload) => Arc::new(Verified {
                claims: Arc::new(claims),
                payload,
            }),
        }
    }

    /// The claims for a caller to own: moved out when fresh, copied when shared.
    fn owned(self) -> AccessTokenClaims {
        match self {
            Checked::Shared(verified) => AccessTokenClaims::clone(&verified.claims),
            Checked::Fresh(claims, _) => claims,
        }
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
        let payload = self
            .core
            .verified_payload(token, Kind::Logout, None)
            .await?;
        self.core.logout_claims(payload.claims)
    }
}

/// Verified access tokens by their exact text, each until its `exp`.
struct VerifiedCache {
    capacity: usize,
    entries: std::sync::RwLock<std::collections::HashMap<String, Arc<Verified>, TailHash>>,
}

/// Hashes a token by its length and its last 32 bytes (part of its signature, which tells
/// tokens apart), keyed per process like the standard hasher: hashing the whole token, about a
/// kilobyte, on every request cost more than the rest of the lookup. A lookup still compares
/// the whole text.
#[derive(Clone, Default)]
struct TailHash(std::hash::RandomState);

impl std::hash::BuildHasher for TailHash {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

struct TailHasher(std::hash::DefaultHasher);

impl std::hash::Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write_usize(bytes.len());
        self.0.write(&bytes[bytes.len().saturating_sub(32)..]);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// The tokens are credentials: only their number is shown.
impl fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.entries.read().map_or(0, |e| e.len());
        f.debug_struct("VerifiedCache")
            .field("capacity", &self.capacity)
            .field("tokens", &tokens)
            .finish()
    }
}

impl VerifiedCache {
    fn new(capacity: usize) -> Self {
        VerifiedCache {
            capacity,
            entries: std::sync::RwLock::new(std::collections::HashMap::default()),
        }
    }

    /// The verified `token` if it was verified and has not expired (`exp` itself included).
    fn get(&self, token: &str, now: i64) -> Option<Arc<Verified>> {
        let entries = self.entries.read().ok()?;
        let verified = entries.get(token)?;
        (now < verified.claims.exp).then(|| Arc::clone(verified))
    }

    fn put(&self, token: &str, verified: &Arc<Verified>, now: i64) {
        if verified.claims.exp <= now {
            return;
        }
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= self.capacity {
            entries.retain(|_, v| v.claims.exp > now);
            // Still full of live tokens: start over rather than grow.
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(token.to_owned(), Arc::clone(verified));
    }
}
