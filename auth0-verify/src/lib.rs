#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod algorithm;
pub mod blocking;
mod claims;
pub mod dpop;
mod error;
mod issuers;
mod jwks;
mod jwt;
mod keys;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod protect;
mod read;
mod rules;
mod runtime;
mod signature;
mod verifier;

pub use algorithm::Algorithm;
pub use auth0_http::HttpSettings;
pub use claims::{AccessTokenClaims, Actor, Actors, IdTokenClaims, LogoutTokenClaims};
pub use error::{BoxError, JwksError, TokenValidationError};
pub use issuers::IssuerResolver;
pub use jwks::AsymmetricSignatureVerifier;
pub use rules::ClaimRule;
pub use signature::{Secret, SignatureVerifier, SymmetricSignatureVerifier};
pub use verifier::{
    AccessTokenVerifier, BACKCHANNEL_LOGOUT_EVENT, LogoutTokenVerifier, TokenVerifier,
    VerifyOptions,
};

/// The Redis connection of [`dpop::RedisReplayCache`] (feature `redis`).
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use auth0_http::{Redis, RedisBuilder, RedisError};

/// Re-exported so callers need no extra dependency to name claim values.
pub use serde_json::{Map, Value};
