//! Verifiers for code that is not async.
//!
//! With a warm key cache, verification runs on the calling thread. Fetching the JWKS runs on
//! a small background runtime (one thread, started on first use), so these verifiers also
//! work when called from inside another runtime's blocking section.
//!
//! ```no_run
//! use auth0_verify::AsymmetricSignatureVerifier;
//! use auth0_verify::blocking::TokenVerifier;
//!
//! let keys = AsymmetricSignatureVerifier::new("https://example.auth0.com/.well-known/jwks.json");
//! let verifier = TokenVerifier::new(keys, "https://example.auth0.com/", "CLIENT_ID");
//! let claims = verifier.verify("eyJ...", &Default::default())?;
//! println!("{}", claims.sub);
//! # Ok::<(), auth0_verify::TokenValidationError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::claims::{AccessTokenClaims, IdTokenClaims};
use crate::error::TokenValidationError;
use crate::runtime::BlockingRuntime;
use crate::signature::SignatureVerifier;
use crate::verifier::VerifyOptions;

/// The blocking form of [`crate::TokenVerifier`].
#[derive(Clone)]
pub struct TokenVerifier {
    inner: crate::TokenVerifier,
    runtime: Arc<BlockingRuntime>,
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TokenVerifier").field(&self.inner).finish()
    }
}

impl From<crate::TokenVerifier> for TokenVerifier {
    fn from(inner: crate::TokenVerifier) -> Self {
        TokenVerifier {
            inner,
            runtime: Arc::default(),
        }
    }
}

impl TokenVerifier {
    /// See [`crate::TokenVerifier::new`].
    pub fn new(
        signature_verifier: impl Into<SignatureVerifier>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        crate::TokenVerifier::new(signature_verifier, issuer, audience).into()
    }

    /// See [`crate::TokenVerifier::leeway`].
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.inner = self.inner.leeway(leeway);
        self
    }

    /// See [`crate::TokenVerifier::with_clock`].
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.inner = self.inner.with_clock(clock);
        self
    }

    /// Verifies `token` and returns its claims, blocking while the JWKS is fetched.
    pub fn verify(
        &self,
        token: &str,
        options: &VerifyOptions,
    ) -> Result<IdTokenClaims, TokenValidationError> {
        self.inner.verify_blocking(token, options, &self.runtime)
    }
}

/// The blocking form of [`crate::AccessTokenVerifier`].
#[derive(Clone)]
pub struct AccessTokenVerifier {
    inner: crate::AccessTokenVerifier,
    runtime: Arc<BlockingRuntime>,
}

impl fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccessTokenVerifier")
            .field(&self.inner)
            .finish()
    }
}

impl From<crate::AccessTokenVerifier> for AccessTokenVerifier {
    fn from(inner: crate::AccessTokenVerifier) -> Self {
        AccessTokenVerifier {
            inner,
            runtime: Arc::default(),
        }
    }
}

impl AccessTokenVerifier {
    /// See [`crate::AccessTokenVerifier::new`].
    pub fn new(
        signature_verifier: impl Into<SignatureVerifier>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        crate::AccessTokenVerifier::new(signature_verifier, issuer, audience).into()
    }

    /// See [`crate::AccessTokenVerifier::leeway`].
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.inner = self.inner.leeway(leeway);
        self
    }

    /// See [`crate::AccessTokenVerifier::with_clock`].
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.inner = self.inner.with_clock(clock);
        self
    }

    /// See [`crate::AccessTokenVerifier::allowed_organizations`].
    pub fn allowed_organizations<I, S>(mut self, organizations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.inner = self.inner.allowed_organizations(organizations);
        self
    }

    /// Verifies `token` and returns its claims, blocking while the JWKS is fetched.
    pub fn verify(&self, token: &str) -> Result<AccessTokenClaims, TokenValidationError> {
        self.inner.verify_blocking(token, &self.runtime)
    }
}
