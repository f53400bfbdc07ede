//! The `Auth0-Client` header that tells Auth0 which SDK made a request.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{HeaderName, HeaderValue};

/// The header's name.
pub const HEADER: HeaderName = HeaderName::from_static("auth0-client");

/// The SDK's name and version, and the environment it runs in, sent as the `Auth0-Client`
/// header: base64url (no padding) of the JSON `{"name", "version", "env"}`.
///
/// [`Telemetry::default()`] names this SDK (`auth0-rust`), this crate's version, and the Rust
/// version it was compiled with (`env.rust`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Telemetry {
    name: String,
    version: String,
    env: BTreeMap<String, String>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new("auth0-rust", env!("CARGO_PKG_VERSION"))
    }
}

impl Telemetry {
    /// Telemetry for the SDK `name` at `version`; `env.rust` is set to the compiler version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        let mut env = BTreeMap::new();
        env.insert(
            "rust".to_owned(),
            env!("AUTH0_HTTP_RUSTC_VERSION").to_owned(),
        );
        Telemetry {
            name: name.into(),
            version: version.into(),
            env,
        }
    }

    /// This SDK (`auth0-rust`, its version) as sent by one of its crates, named in
    /// `env.crate` (`auth0-mgmt`): what every client of the SDK sends by default.
    pub fn for_crate(name: &str) -> Self {
        Telemetry::default().env("crate", name)
    }

    /// Adds (or replaces) an `env` entry, e.g. a framework and its version.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// The JSON document the header encodes.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name, "version": self.version, "env": self.env })
    }

    /// The header value.
    pub fn header_value(&self) -> HeaderValue {
        let encoded = URL_SAFE_NO_PAD.encode(self.to_json().to_string());
        // base64url output is always a valid header value.
        HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let t = Telemetry::new("auth0-rust", "1.2.3").env("tokio", "1");
        let value = t.header_value();
        let json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(value.as_bytes()).unwrap()).unwrap();
        assert_eq!(json["name"], "auth0-rust");
        assert_eq!(json["version"], "1.2.3");
        assert_eq!(json["env"]["tokio"], "1");
        assert!(json["env"]["rust"].is_string());
    }
}
