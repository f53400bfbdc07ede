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
#![warn(missing_docs)]

mod client;
mod error;
#[rustfmt::skip]
mod generated;
#[cfg(feature = "jobs")]
pub mod handwritten;
#[doc(hidden)]
pub mod open_enum;
pub mod pagination;
mod runtime;
pub mod token;

pub use auth0_auth::http::{AssertionAlgorithm, RetryPolicy};
pub use client::{Client, ClientBuilder, MAX_RETRIES_CAP};
pub use error::{ApiError, Error};
pub use generated::facade as resources;
pub use generated::types;
pub use progenitor_client::ByteStream;
