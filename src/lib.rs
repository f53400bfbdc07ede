#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

/// ID-token and access-token verification (`auth0-verify`).
#[cfg(feature = "verify")]
pub use auth0_verify as verify;

/// The Authentication API client and the shared HTTP behaviour (`auth0-auth`).
#[cfg(feature = "auth")]
pub use auth0_auth as authentication;

/// The Management API client (`auth0-mgmt`).
#[cfg(feature = "mgmt")]
pub use auth0_mgmt as management;
