//! Protecting an API: a `tower` layer that verifies the access token of every request, a
//! per-route requirement of scopes or permissions, and RFC 6750 answers (feature `tower`;
//! the axum extractors are behind feature `axum`).
//!
//! ```
//! # #[cfg(feature = "axum")] {
//! use auth0_verify::protect::{Authenticated, AuthLayer, require_scopes};
//! use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
//! use axum::{Json, Router, routing::get};
//!
//! let verifier = AccessTokenVerifier::new(
//!     AsymmetricSignatureVerifier::new("https://my-tenant.auth0.com/.well-known/jwks.json"),
//!     "https://my-tenant.auth0.com/",
//!     "https://api.example.com",
//! );
//! let app: Router = Router::new()
//!     .route("/api/private", get(|who: Authenticated| async move { Json(who.claims().sub.clone()) }))
//!     .route(
//!         "/api/private-scoped",
//!         get(|| async { "secret" }).route_layer(require_scopes(["read:messages"])),
//!     )
//!     .layer(AuthLayer::new(verifier).realm("api.example.com"));
//! # }
//! ```
//!
//! What a caller gets back:
//!
//! | request | answer |
//! | --- | --- |
//! | no credentials (or another scheme than `Bearer`) | 401, `WWW-Authenticate: Bearer realm="…"` (no error code) |
//! | a bad, expired or foreign token | 401, `Bearer realm="…", error="invalid_token", error_description="…"` |
//! | a malformed `Authorization` header (several of them, an empty token) | 400, `error="invalid_request"` |
//! | a valid token without a required scope or permission | 403, `error="insufficient_scope", scope="…"` |
//! | a token failing a [`ClaimRule`](crate::ClaimRule) (the layer's or the route's), lacking a required claim, older than `max_token_age`, or whose claims do not fit the handler's `Authenticated<C>` | 401, `error="invalid_token"` |
//! | a token from another issuer than the one the request names ([`AuthLayer::issuer_from`]) | 401, `error="invalid_token"` |
//! | keys cannot be fetched | 503, `error="temporarily_unavailable"` |
//! | a DPoP-bound token (`cnf.jkt`) sent as `Bearer` | 401, `error="invalid_token"` |
//! | `Authorization: DPoP <token>` with a bad, replayed or missing `DPoP` proof | 401, `DPoP algs="…", error="invalid_dpop_proof"` |
//! | a proof by another key than the token's `cnf.jkt`, or an unbound token as `DPoP` | 401, `error="invalid_token"` on the DPoP challenge |
//! | a certificate-bound token (`cnf.x5t#S256`) without that client certificate | 401, `error="invalid_token"` |
//!
//! DPoP (RFC 9449) is allowed by default: challenges then offer both `Bearer` and
//! `DPoP algs="ES256 ES384 RS256 PS256"`; [`AuthLayer::dpop`] takes
//! [`DpopOptions`](crate::dpop::DpopOptions) to require or disable it, change the accepted
//! algorithms, the proof window, the replay cache, or the public origin `htu` is checked
//! against behind a proxy.
//!
//! The token comes from the `Authorization` header unless [`AuthLayer::token_from`] names
//! another [`TokenSource`] (a cookie, another header, a function of the request).
//!
//! Certificate-bound tokens (RFC 8705) are checked against the [`ClientCertificate`] the
//! server's TLS layer puts in the request's extensions, or the one a trusted proxy forwards
//! ([`AuthLayer::client_certificate_header`]).
//!
//! A gRPC service (tonic) takes [`AuthLayer::grpc`] (and [`Require::grpc`]): refusals are then
//! gRPC statuses, `UNAUTHENTICATED` (16) where HTTP says 401 and `PERMISSION_DENIED` (7) where
//! it says 403, with the same challenges in the `www-authenticate` metadata.
//!
//! Both layers make one service, [`Protected`], around a [`Check`] (the layer's authentication,
//! a route's requirement) and an [`Answer`] ([`Json`], [`Grpc`]).
//!
//! Each HTTP answer ([`Json`]) has a JSON body `{"error": …, "error_description": …}` that
//! never echoes the token (nor does a gRPC one); what exactly failed (the claim, expected and found values) goes to `tracing` at
//! `debug`, not to the caller.

mod authenticated;
mod challenge;
mod dpop;
#[cfg(feature = "axum")]
mod extract;
mod layer;
mod metadata;
mod mtls;
mod require;
mod service;
mod source;

pub use authenticated::Authenticated;
use challenge::Scheme;
pub use challenge::{Answer, Challenge, Grpc, Json, Refusal};
#[cfg(feature = "axum")]
pub use extract::AuthRejection;
pub use layer::{Auth, AuthLayer, Authenticate};
pub use metadata::{RESOURCE_METADATA_PATH, ResourceMetadata};
pub use mtls::ClientCertificate;
pub use require::{
    Require, RequireService, Requirement, require_any_permission, require_any_scope, require_claim,
    require_permissions, require_scopes,
};
pub use service::{Check, Protected, ResponseFuture};
pub use source::TokenSource;

fn owned<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}
