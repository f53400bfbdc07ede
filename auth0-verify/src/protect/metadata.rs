//! OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells a client where
//! this API's tokens come from.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response};

use super::owned;
use crate::dpop::{DpopMode, DpopOptions};

/// Where protected-resource metadata is served (RFC 9728 3).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// OAuth 2.0 Protected Resource Metadata (RFC 9728): what a client (an MCP client, say) needs
/// to find the authorization server of this API. Serve it at [`RESOURCE_METADATA_PATH`] and
/// name its URL in challenges
/// ([`AuthLayer::resource_metadata`](super::AuthLayer::resource_metadata)).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use auth0_verify::protect::{AuthLayer, RESOURCE_METADATA_PATH};
/// # use auth0_verify::{AccessTokenVerifier, SymmetricSignatureVerifier};
/// # let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new("s"), "https://t.example/", "https://api.example");
/// let layer = AuthLayer::new(verifier)
///     .resource_metadata("https://api.example/.well-known/oauth-protected-resource");
/// let metadata = layer.metadata("https://api.example").scopes(["read:messages"]);
/// let app: axum::Router = axum::Router::new()
///     .route(RESOURCE_METADATA_PATH, axum::routing::get(move || async move { metadata }));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ResourceMetadata {
    resource: String,
    authorization_servers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scopes_supported: Vec<String>,
    bearer_methods_supported: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dpop_bound_access_tokens_required: bool,
}

impl ResourceMetadata {
    /// The metadata of `resource` (the API's identifier, its audience), whose tokens come from
    /// `authorization_servers` (issuer URLs).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(
        resource: impl Into<String>,
        authorization_servers: I,
    ) -> Self {
        ResourceMetadata {
            resource: resource.into(),
            authorization_servers: owned(authorization_servers),
            scopes_supported: Vec::new(),
            bearer_methods_supported: vec!["header"],
            dpop_signing_alg_values_supported: None,
            dpop_bound_access_tokens_required: false,
        }
    }

    /// The scopes the API understands (`scopes_supported`).
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes_supported = owned(scopes);
        self
    }

    /// Says how DPoP is taken: `dpop_signing_alg_values_supported` unless disabled, and
    /// `dpop_bound_access_tokens_required` when required.
    pub fn dpop(mut self, options: &DpopOptions) -> Self {
        self.dpop_signing_alg_values_supported = (options.mode != DpopMode::Disabled).then(|| {
            options
                .algorithms
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect()
        });
        self.dpop_bound_access_tokens_required = options.mode == DpopMode::Required;
        self
    }

    /// The JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The answer: 200, `application/json`.
    pub fn response<B: From<String>>(&self) -> Response<B> {
        let mut response = Response::new(B::from(self.to_json().to_string()));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
