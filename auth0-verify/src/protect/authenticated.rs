//! [`Authenticated`]: the verified claims of a request's token, as the layer leaves them in
//! the request's extensions and the extractors hand them to handlers.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::verifier::Verified;
use crate::{AccessTokenClaims, TokenValidationError};

/// The verified claims of a request's access token, put in the request's extensions by
/// [`AuthLayer`](super::AuthLayer) (as `Authenticated`: the standard claims); with feature
/// `axum` it is also the extractor handlers take (`Option<Authenticated>` where authentication
/// is optional).
///
/// `Authenticated<C>` has the claims as the handler's own type `C` (any `DeserializeOwned`
/// type: namespaced custom claims such as `https://example.com/roles` by
/// `#[serde(rename = "…")]`), read from the token's payload only when a handler asks for it.
/// The standard claims were checked all the same, and are at
/// [`standard_claims`](Self::standard_claims).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use auth0_verify::protect::Authenticated;
///
/// #[derive(serde::Deserialize)]
/// struct Claims {
///     sub: String,
///     #[serde(rename = "https://example.com/roles", default)]
///     roles: Vec<String>,
/// }
///
/// async fn handler(who: Authenticated<Claims>) -> String {
///     format!("{} is {:?}", who.sub, who.roles)
/// }
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::get(handler));
/// # }
/// ```
pub struct Authenticated<C = AccessTokenClaims> {
    claims: Arc<C>,
    token: Arc<Verified>,
}

impl<C> Clone for Authenticated<C> {
    fn clone(&self) -> Self {
        Authenticated {
            claims: Arc::clone(&self.claims),
            token: Arc::clone(&self.token),
        }
    }
}

impl<C: fmt::Debug> fmt::Debug for Authenticated<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authenticated").field(&self.claims).finish()
    }
}

impl Authenticated {
    pub(super) fn new(token: Arc<Verified>) -> Self {
        Authenticated {
            claims: Arc::clone(&token.claims),
            token,
        }
    }
}

impl<C> Authenticated<C> {
    /// The token's claims.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// The token's standard claims, as verified.
    pub fn standard_claims(&self) -> &AccessTokenClaims {
        &self.token.claims
    }

    /// The token's claims (all of them, standard and custom) read into `D`; an error naming
    /// where they do not fit. (What the `Authenticated<D>` extractor does.)
    pub fn claims_as<D: DeserializeOwned>(&self) -> Result<D, TokenValidationError> {
        let mut json = serde_json::Deserializer::from_slice(&self.token.payload);
        serde_path_to_error::deserialize(&mut json).map_err(|e| {
            let claim = e.path().to_string();
            TokenValidationError::InvalidClaimType {
                claim: if claim == "." {
                    "(the claims)".to_owned()
                } else {
                    claim
                },
                expected: std::any::type_name::<D>(),
                found: e.into_inner().to_string(),
            }
        })
    }

    #[cfg(feature = "axum")]
    pub(super) fn with_claims<D: DeserializeOwned>(
        &self,
    ) -> Result<Authenticated<D>, TokenValidationError> {
        Ok(Authenticated {
            claims: Arc::new(self.claims_as()?),
            token: Arc::clone(&self.token),
        })
    }
}

impl<C> std::ops::Deref for Authenticated<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.claims
    }
}
