//! What the integration tests against a local server share.
#![allow(dead_code)]

pub mod held;

use auth0_mgmt::Client;
use wiremock::{MockServer, Request};

/// A local server and a client of it with a fixed token. Retries are off: these tests are
/// about what is sent and how answers read (retries have their own tests).
pub async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::builder(server.uri())
        .token("test-token")
        .max_retries(0)
        .build()
        .unwrap();
    (server, client)
}

/// The JSON body of the last request the server received.
pub fn last_body(requests: &[Request]) -> serde_json::Value {
    serde_json::from_slice(&requests.last().expect("a request").body).expect("a JSON body")
}
