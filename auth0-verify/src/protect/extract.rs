//! The axum extractors (feature `axum`): `Authenticated` where a token is required,
//! `Option<Authenticated>` where it is optional, and `Authenticated<C>` for claims read into
//! the handler's own type.

use std::convert::Infallible;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::{Authenticated, Challenge, Refusal, ResourceMetadata};

impl IntoResponse for ResourceMetadata {
    fn into_response(self) -> Response {
        self.response()
    }
}

/// The answer when a handler needs [`Authenticated`] and the request has no verified token
/// (its route is not under an [`AuthLayer`](super::AuthLayer), or the layer is optional):
/// 401 with a challenge; or when the token's claims do not fit the handler's claims type: 401
/// `invalid_token` (why, to `tracing`).
#[derive(Debug)]
pub struct AuthRejection {
    challenge: Challenge,
    refusal: Refusal,
}

impl AuthRejection {
    fn new(parts: &Parts, refusal: Refusal) -> Self {
        AuthRejection {
            challenge: parts
                .extensions
                .get::<Challenge>()
                .cloned()
                .unwrap_or_else(Challenge::default_realm),
            refusal,
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        self.refusal.response(&self.challenge)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(who) => Ok(who.clone()),
            None => Err(AuthRejection::new(parts, Refusal::missing())),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Infallible> {
        Ok(parts.extensions.get::<Authenticated>().cloned())
    }
}

/// The claims read into `C`, or the refusal when they do not fit it.
fn custom<C: DeserializeOwned>(
    parts: &Parts,
    who: &Authenticated,
) -> Result<Authenticated<C>, AuthRejection> {
    who.with_claims::<C>().map_err(|why| {
        tracing::debug!(%why, "access refused: the claims do not fit the handler's type");
        AuthRejection::new(parts, Refusal::invalid("the access token is not valid"))
    })
}

impl<S, C> FromRequestParts<S> for Authenticated<C>
where
    S: Send + Sync,
    C: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(who) => custom(parts, who),
            None => Err(AuthRejection::new(parts, Refusal::missing())),
        }
    }
}

impl<S, C> OptionalFromRequestParts<S> for Authenticated<C>
where
    S: Send + Sync,
    C: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, AuthRejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(who) => custom(parts, who).map(Some),
            None => Ok(None),
        }
    }
}
