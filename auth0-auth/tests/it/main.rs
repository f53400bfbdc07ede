//! Tests against a local server (wiremock on 127.0.0.1): what each request sends, and how
//! each answer is read.

mod client_auth;
mod common;
mod dpop;
mod errors;
mod flows;
mod grants;
mod mtls;
mod on_behalf_of;
mod retry;
mod tokens;
mod urls;
#[cfg(feature = "axum")]
mod web;
