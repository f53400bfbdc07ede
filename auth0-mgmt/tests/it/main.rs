//! auth0-mgmt's integration tests against local servers, in one test binary so that the
//! generated crate is linked once.

mod common;
mod events;
mod facade;
mod jobs;
mod lossless;
mod pagination;
mod replay;
mod requests;
mod runtime;
mod schema;
mod standin;
mod unions;

#[rustfmt::skip]
#[path = "generated/every_operation.rs"]
mod every_operation;
#[rustfmt::skip]
#[path = "generated/replay_calls.rs"]
mod replay_calls;
