//! Auth0 for Rust: ID- and access-token verification, the Authentication API and the whole
//! Management API.
//!
//! This crate only re-exports the SDK crates, each behind a feature (all on by default):
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `verify` | [`verify`] | `auth0-verify` |
//! | `auth` | [`authentication`] | `auth0-auth` |
//! | `mgmt` | [`management`] | `auth0-mgmt` |

#![forbid(unsafe_code)]
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
