//! The axum extractors (feature `axum`): `Authenticated` where a token is required,
//! `Option<Authenticated>` where it is optional.

use std::convert::Infallible;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use super::{Authenticated, Challenge, Refusal, ResourceMetadata};

impl IntoResponse for ResourceMetadata {
    fn into_response(self) -> Response {
        self.response()
    }
}

/// The answer when a handler needs [`Authenticated`] and the request has no verified token
/// (its route is not under an [`AuthLayer`](super::AuthLayer), or the layer is optional):
/// 401 with a challenge.
#[derive(Debug)]
pub struct AuthRejection(Challenge);

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        Refusal::missing().response(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(who) => Ok(who.clone()),
            None => Err(AuthRejection(
                parts
                    .extensions
                    .get::<Challenge>()
                    .cloned()
                    .unwrap_or_else(Challenge::default_realm),
            )),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Infallible> {
        Ok(parts.extensions.get::<Authenticated>().cloned())
    }
}
