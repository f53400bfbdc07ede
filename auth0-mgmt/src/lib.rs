//! The whole Auth0 Management API, generated from Auth0's OpenAPI document.
//!
//! ```no_run
//! # async fn run() -> Result<(), auth0_mgmt::Error> {
//! let mgmt = auth0_mgmt::Client::builder("my-tenant.auth0.com")
//!     .token("MANAGEMENT_API_TOKEN")
//!     .build()?;
//! let user = mgmt.users().get("auth0|123").fields("email,name").send().await?;
//! println!("{:?}", user.email);
//! # Ok(()) }
//! ```
//!
//! Every operation is reached as `client.<resource>()[.<sub-resource>()...].<operation>(path
//! parameters)`, then builder setters for query parameters, headers and the body, then
//! `.send().await`. Each top-level resource is a cargo feature (all on by default).

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
// With no resource feature on (the umbrella's `mgmt` alone), no operation calls the runtime.
#![cfg_attr(
    not(feature = "__any_resource"),
    allow(dead_code, unused_imports, unused_macros)
)]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod byte_stream;
mod client;
// What generated code names (see ARCHITECTURE.md): crate-private; a build with few resources
// uses only some of it.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod de;
mod error;
mod lossless;
#[rustfmt::skip]
mod generated;
#[cfg(feature = "jobs")]
mod handwritten;

mod mode;
#[cfg_attr(not(feature = "full"), allow(dead_code, unused_imports))]
mod open_enum;
pub mod pagination;
mod query;
mod runtime;
#[cfg(feature = "schemars")]
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod schema;
pub mod token;
#[cfg_attr(not(feature = "full"), allow(dead_code, unused_imports))]
mod untagged;

pub use auth0_auth::client_auth::AssertionAlgorithm;
/// The HTTP runtime the client is built on (`auth0-http`): its clock, retry rule and pieces.
pub use auth0_http as http;
pub use auth0_http::{HttpSettings, RateLimit, RetryPolicy};
pub use byte_stream::ByteStream;
pub use client::{Client, ClientBuilder, MAX_RETRIES_CAP};
pub use error::{ApiError, Body, DecodeError, Error, HttpError};
#[allow(
    unused_imports,
    reason = "empty without the `jobs` and `events` features"
)]
pub use generated::extensions::*;
pub use generated::facade as resources;
pub use generated::types;
#[cfg(feature = "jobs")]
pub use handwritten::JobsUsersImportsCreateRequest;
pub use lossless::{Extra, Nullable};
pub use mode::Mode;
pub use runtime::ApiResponse;
#[cfg(feature = "schemars")]
#[allow(
    unused_imports,
    reason = "generated code names it as `crate::json_schema!`"
)]
pub(crate) use schema::json_schema;
#[allow(
    unused_imports,
    reason = "generated code names them as `crate::open_enum!` and `crate::untagged!`"
)]
pub(crate) use {open_enum::open_enum, untagged::untagged};

/// Decodes JSON into a generated type the way the client decodes answers: for payloads that
/// reach a service outside the client, such as log stream deliveries (`types::Log`) or a users
/// export. A mismatch is an [`HttpError::Decode`] naming the JSON path, with the bytes kept.
///
/// ```
/// let user: auth0_mgmt::types::GetUserResponseContent =
///     auth0_mgmt::from_json(br#"{"user_id": "auth0|1", "email": "a@example.com"}"#)?;
/// assert_eq!(user.user_id.as_deref(), Some("auth0|1"));
///
/// let err = auth0_mgmt::from_json::<auth0_mgmt::types::GetUserResponseContent>(
///     br#"{"identities": [{"isSocial": "no"}]}"#,
/// )
/// .unwrap_err();
/// use auth0_mgmt::{Error, HttpError};
/// assert!(matches!(err, Error::Http(HttpError::Decode { ref path, .. }) if path == "identities[0].isSocial"));
/// # Ok::<(), auth0_mgmt::Error>(())
/// ```
pub fn from_json<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, Error> {
    runtime::decode("from_json", json)
}
