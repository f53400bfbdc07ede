//! Integration tests: real keys, really signed tokens, a JWKS served on 127.0.0.1.

mod access_token;
mod algorithms;
mod blocking;
mod claims;
mod common;
mod dpop;
mod grpc;
mod hostile_jwks;
mod id_token;
mod jwks;
mod keys_and_issuers;
mod mtls;
mod protect;
mod token_sources;
mod token_types;
