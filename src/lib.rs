//! Auth0 for Rust.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The Management API client.
#[cfg(feature = "mgmt")]
pub use auth0_mgmt as management;
