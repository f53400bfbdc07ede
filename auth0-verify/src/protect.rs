//! Protecting an API: a `tower` layer that verifies the access token of every request, a
//! per-route requirement of scopes or permissions, and RFC 6750 answers (feature `tower`;
//! the axum extractors are behind feature `axum`).
//!
//! ```
//! # #[cfg(feature = "axum")] {
//! use auth0_verify::protect::{Authenticated, AuthLayer, require_scopes};
//! use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
//! use axum::{Json, Router, routing::get};
//!
//! let verifier = AccessTokenVerifier::new(
//!     AsymmetricSignatureVerifier::new("https://my-tenant.auth0.com/.well-known/jwks.json"),
//!     "https://my-tenant.auth0.com/",
//!     "https://api.example.com",
//! );
//! let app: Router = Router::new()
//!     .route("/api/private", get(|who: Authenticated| async move { Json(who.claims().sub.clone()) }))
//!     .route(
//!         "/api/private-scoped",
//!         get(|| async { "secret" }).route_layer(require_scopes(["read:messages"])),
//!     )
//!     .layer(AuthLayer::new(verifier).realm("api.example.com"));
//! # }
//! ```
//!
//! What a caller gets back:
//!
//! | request | answer |
//! | --- | --- |
//! | no credentials (or another scheme than `Bearer`) | 401, `WWW-Authenticate: Bearer realm="…"` (no error code) |
//! | a bad, expired or foreign token | 401, `Bearer realm="…", error="invalid_token", error_description="…"` |
//! | a malformed `Authorization` header (several of them, an empty token) | 400, `error="invalid_request"` |
//! | a valid token without a required scope or permission | 403, `error="insufficient_scope", scope="…"` |
//! | keys cannot be fetched | 503, `error="temporarily_unavailable"` |
//! | a DPoP-bound token (`cnf.jkt`) sent as `Bearer` | 401, `error="invalid_token"` |
//! | `Authorization: DPoP <token>` with a bad, replayed or missing `DPoP` proof | 401, `DPoP algs="…", error="invalid_dpop_proof"` |
//! | a proof by another key than the token's `cnf.jkt`, or an unbound token as `DPoP` | 401, `error="invalid_token"` on the DPoP challenge |
//!
//! DPoP (RFC 9449) is allowed by default: challenges then offer both `Bearer` and
//! `DPoP algs="ES256 ES384 RS256 PS256"`; [`AuthLayer::dpop`] takes
//! [`DpopOptions`] to require or disable it, change the accepted
//! algorithms, the proof window, the replay cache, or the public origin `htu` is checked
//! against behind a proxy.
//!
//! Each answer has a JSON body `{"error": …, "error_description": …}` that never echoes the
//! token; what exactly failed (the claim, expected and found values) goes to `tracing` at
//! `debug`, not to the caller.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::dpop::{DpopMode, DpopOptions, ProofRequest};
use crate::{AccessTokenClaims, AccessTokenVerifier, TokenValidationError};

#[cfg(feature = "axum")]
mod extract;
#[cfg(feature = "axum")]
pub use extract::AuthRejection;

/// The verified claims of a request's access token, put in the request's extensions by
/// [`AuthLayer`]; with feature `axum` it is also the extractor handlers take
/// (`Option<Authenticated>` where authentication is optional).
#[derive(Clone, Debug)]
pub struct Authenticated(Arc<AccessTokenClaims>);

impl Authenticated {
    /// The token's claims.
    pub fn claims(&self) -> &AccessTokenClaims {
        &self.0
    }
}

impl std::ops::Deref for Authenticated {
    type Target = AccessTokenClaims;

    fn deref(&self) -> &AccessTokenClaims {
        &self.0
    }
}

/// How answers challenge the caller: the realm, the protected-resource metadata URL (RFC
/// 9728) when one is served, and which schemes are offered (`Bearer`, `DPoP` with its
/// algorithms). Put in the request's extensions by [`AuthLayer`] so that [`Require`] and the
/// extractors answer alike.
#[derive(Clone, Debug)]
pub struct Challenge {
    realm: String,
    resource_metadata: Option<String>,
    bearer: bool,
    dpop_algs: Option<String>,
}

/// Which challenge carries a refusal's error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Bearer,
    Dpop,
}

impl Challenge {
    fn default_realm() -> Self {
        Challenge {
            realm: "api".to_owned(),
            resource_metadata: None,
            bearer: true,
            dpop_algs: None,
        }
    }

    /// The `WWW-Authenticate` values: one per scheme offered, the error on the one it concerns
    /// (on the only one offered, when that is the other).
    fn headers(&self, refusal: &Refusal) -> Vec<HeaderValue> {
        let mut params = format!("realm=\"{}\"", quoted(&self.realm));
        if let Some(url) = &self.resource_metadata {
            params.push_str(&format!(", resource_metadata=\"{}\"", quoted(url)));
        }
        let error = refusal.error.map(|code| {
            let mut e = format!(
                ", error=\"{code}\", error_description=\"{}\"",
                quoted(refusal.description)
            );
            if let Some(scope) = &refusal.scope {
                e.push_str(&format!(", scope=\"{}\"", quoted(scope)));
            }
            e
        });
        let on_dpop = refusal.scheme == Scheme::Dpop || !self.bearer;
        let mut values = Vec::new();
        if self.bearer {
            let e = if on_dpop { None } else { error.as_deref() };
            values.push(format!("Bearer {params}{}", e.unwrap_or("")));
        }
        if let Some(algs) = &self.dpop_algs {
            let e = if on_dpop { error.as_deref() } else { None };
            values.push(format!("DPoP {params}, algs=\"{algs}\"{}", e.unwrap_or("")));
        }
        values
            .into_iter()
            .filter_map(|v| HeaderValue::from_str(&v).ok())
            .collect()
    }
}

/// Text inside a quoted header parameter: printable ASCII without `"` or `\`.
fn quoted(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect()
}

/// Why a request was refused, as the caller is told: the status, the RFC 6750 error code and
/// a description that names no detail of the API's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    status: StatusCode,
    error: Option<&'static str>,
    description: &'static str,
    scope: Option<String>,
    scheme: Scheme,
}

impl Refusal {
    /// No credentials: a challenge without an error code.
    pub fn missing() -> Self {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: None,
            description: "an access token is required",
            scope: None,
            scheme: Scheme::Bearer,
        }
    }

    fn malformed(description: &'static str) -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            error: Some("invalid_request"),
            description,
            scope: None,
            scheme: Scheme::Bearer,
        }
    }

    /// The answer for a token that failed verification.
    pub fn from_error(e: &TokenValidationError) -> Self {
        match e {
            TokenValidationError::Jwks(_) => Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                error: Some("temporarily_unavailable"),
                description: "the token cannot be checked now; try again later",
                scope: None,
                scheme: Scheme::Bearer,
            },
            TokenValidationError::InsufficientScope { expected, .. } => {
                Refusal::insufficient(expected.join(" "))
            }
            TokenValidationError::Expired { .. } => Refusal::invalid("the access token expired"),
            _ => Refusal::invalid("the access token is not valid"),
        }
    }

    fn invalid(description: &'static str) -> Self {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: Some("invalid_token"),
            description,
            scope: None,
            scheme: Scheme::Bearer,
        }
    }

    fn on(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    fn from_dpop(e: &crate::dpop::DpopError) -> Self {
        match e {
            crate::dpop::DpopError::Proof(_) => Refusal {
                status: StatusCode::UNAUTHORIZED,
                error: Some("invalid_dpop_proof"),
                description: "the DPoP proof is not valid",
                scope: None,
                scheme: Scheme::Dpop,
            },
            crate::dpop::DpopError::Binding(_) => {
                Refusal::invalid("the access token is not bound to the proof's key")
                    .on(Scheme::Dpop)
            }
        }
    }

    /// A valid token without what the route requires (`scope` lists it).
    pub fn insufficient(scope: String) -> Self {
        Refusal {
            status: StatusCode::FORBIDDEN,
            error: Some("insufficient_scope"),
            description: "the access token lacks a required scope or permission",
            scope: Some(scope),
            scheme: Scheme::Bearer,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The RFC 6750 error code (none for missing credentials).
    pub fn error(&self) -> Option<&'static str> {
        self.error
    }

    /// The answer: status, `WWW-Authenticate` (none for 503), JSON body.
    pub fn response<B: From<String>>(&self, challenge: &Challenge) -> Response<B> {
        let body = serde_json::json!({
            "error": self.error.unwrap_or("unauthorized"),
            "error_description": self.description,
        });
        let mut response = Response::new(B::from(body.to_string()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.status != StatusCode::SERVICE_UNAVAILABLE {
            for value in challenge.headers(self) {
                headers.append(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// What a request's `Authorization` header holds.
enum Credentials<'a> {
    None,
    Bearer(&'a str),
    Dpop(&'a str),
    Malformed(&'static str),
}

fn credentials(headers: &HeaderMap, dpop: bool) -> Credentials<'_> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Credentials::None;
    };
    if values.next().is_some() {
        return Credentials::Malformed("several Authorization headers");
    }
    let Ok(text) = value.to_str() else {
        return Credentials::Malformed("the Authorization header is not text");
    };
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    let bearer = scheme.eq_ignore_ascii_case("bearer");
    let dpop = dpop && scheme.eq_ignore_ascii_case("dpop");
    if !bearer && !dpop {
        // Another scheme: the caller did not know a token is needed (RFC 6750 3.1).
        return Credentials::None;
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(' ') {
        return Credentials::Malformed("expected `Authorization: <scheme> <token>`");
    }
    if bearer {
        Credentials::Bearer(token)
    } else {
        Credentials::Dpop(token)
    }
}

/// The URI the client called, for a proof's `htu`: the configured public origin, or the
/// request's scheme (http when the server does not say) and `Host`; then the path.
fn request_uri(headers: &HeaderMap, uri: &http::Uri, origin: Option<&url::Url>) -> String {
    let path = uri.path();
    if let Some(origin) = origin {
        let base = origin.as_str().trim_end_matches('/');
        return format!("{base}{path}");
    }
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    format!("{scheme}://{host}{path}")
}

/// A `tower` layer verifying the bearer access token of every request with an
/// [`AccessTokenVerifier`]; the claims go into the request's extensions as
/// [`Authenticated`]. Usable with any tower service: axum, tonic, hyper.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    config: Arc<Config>,
}

#[derive(Debug)]
struct Config {
    verifier: AccessTokenVerifier,
    challenge: Challenge,
    optional: bool,
    dpop: DpopOptions,
}

impl AuthLayer {
    /// Every request must carry a valid access token (see [`optional`](Self::optional)),
    /// as `Bearer` or, DPoP-bound, as `DPoP` with its proof ([`DpopOptions::default()`]:
    /// DPoP allowed). The realm is `api` until set.
    pub fn new(verifier: AccessTokenVerifier) -> Self {
        let dpop = DpopOptions::default();
        AuthLayer {
            config: Arc::new(Config {
                verifier,
                challenge: Challenge {
                    dpop_algs: Some(dpop.algs()),
                    ..Challenge::default_realm()
                },
                optional: false,
                dpop,
            }),
        }
    }

    /// How DPoP-bound tokens are taken ([`DpopMode`]: allowed,
    /// required or disabled) and their proofs checked.
    pub fn dpop(self, options: DpopOptions) -> Self {
        self.change(|c| {
            c.challenge.bearer = options.mode != DpopMode::Required;
            c.challenge.dpop_algs = (options.mode != DpopMode::Disabled).then(|| options.algs());
            c.dpop = options;
        })
    }

    fn change(mut self, f: impl FnOnce(&mut Config)) -> Self {
        if let Some(config) = Arc::get_mut(&mut self.config) {
            f(config);
            return self;
        }
        let mut config = Config {
            verifier: self.config.verifier.clone(),
            challenge: self.config.challenge.clone(),
            optional: self.config.optional,
            dpop: self.config.dpop.clone(),
        };
        f(&mut config);
        AuthLayer {
            config: Arc::new(config),
        }
    }

    /// The realm named in challenges (`WWW-Authenticate: Bearer realm="…"`).
    pub fn realm(self, realm: impl Into<String>) -> Self {
        let realm = realm.into();
        self.change(|c| c.challenge.realm = realm)
    }

    /// The URL of the API's protected-resource metadata (RFC 9728), named in challenges as
    /// `resource_metadata` so that clients (MCP clients among them) find the authorization
    /// server.
    pub fn resource_metadata(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.change(|c| c.challenge.resource_metadata = Some(url))
    }

    /// Requests without credentials pass, unauthenticated (handlers take
    /// `Option<Authenticated>`); a token that is sent must still be valid.
    pub fn optional(self) -> Self {
        self.change(|c| c.optional = true)
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`AuthLayer`] makes.
#[derive(Clone, Debug)]
pub struct Auth<S> {
    inner: S,
    config: Arc<Config>,
}

/// The future of [`Auth`] and [`Require`].
pub type ResponseFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Auth<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let config = Arc::clone(&self.config);
        guarded(&mut self.inner, async move {
            request.extensions_mut().insert(config.challenge.clone());
            let checked =
                authenticate(&config, request.headers(), request.method(), request.uri()).await;
            match checked {
                Ok(Some(who)) => {
                    request.extensions_mut().insert(who);
                    Ok(request)
                }
                Ok(None) => Ok(request),
                Err(refusal) => Err(refusal.response(&config.challenge)),
            }
        })
    }
}

/// Calls `inner` with the request `check` lets through, or answers with the response it
/// refuses with. (The clone of `inner` that was made ready is the one called.)
fn guarded<S, ReqBody, ResBody, F>(inner: &mut S, check: F) -> ResponseFuture<ResBody, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    F: Future<Output = Result<Request<ReqBody>, Response<ResBody>>> + Send + 'static,
{
    let clone = inner.clone();
    let mut inner = std::mem::replace(inner, clone);
    Box::pin(async move {
        let request = match check.await {
            Ok(request) => request,
            Err(response) => return Ok(response),
        };
        inner.call(request).await
    })
}

/// The verified token of a request (`None`: no credentials, authentication optional), or why
/// it is refused. Details go to `tracing`, not to the caller.
async fn authenticate(
    config: &Config,
    headers: &HeaderMap,
    method: &http::Method,
    uri: &http::Uri,
) -> Result<Option<Authenticated>, Refusal> {
    let dpop_mode = config.dpop.mode;
    let refuse = |refusal: Refusal, why: &dyn std::fmt::Display| {
        tracing::debug!(%why, "access refused");
        refusal
    };
    let (token, dpop) = match credentials(headers, dpop_mode != DpopMode::Disabled) {
        Credentials::None if config.optional => return Ok(None),
        Credentials::None => return Err(Refusal::missing()),
        Credentials::Malformed(why) => return Err(refuse(Refusal::malformed(why), &why)),
        Credentials::Bearer(_) if dpop_mode == DpopMode::Required => {
            let why = "a DPoP-bound token and its proof are required";
            return Err(refuse(Refusal::invalid(why).on(Scheme::Dpop), &why));
        }
        Credentials::Bearer(token) => (token, false),
        Credentials::Dpop(token) => (token, true),
    };
    let claims = match config.verifier.verify(token).await {
        Ok(claims) => claims,
        Err(e) => {
            let scheme = if dpop { Scheme::Dpop } else { Scheme::Bearer };
            return Err(refuse(Refusal::from_error(&e).on(scheme), &e));
        }
    };
    match (claims.jkt(), dpop) {
        (None, false) => {}
        (Some(_), false) => {
            let why = "the token is DPoP-bound and came as a bearer token";
            return Err(refuse(
                Refusal::invalid("the access token is bound to a key: send it with DPoP"),
                &why,
            ));
        }
        (None, true) => {
            let why = "a token without `cnf.jkt` came with the DPoP scheme";
            return Err(refuse(
                Refusal::invalid("the access token is not DPoP-bound").on(Scheme::Dpop),
                &why,
            ));
        }
        (Some(jkt), true) => {
            let mut proofs = headers.get_all("dpop").iter();
            let proof = match (proofs.next().map(|p| p.to_str()), proofs.next()) {
                (Some(Ok(proof)), None) => proof,
                _ => {
                    let e = crate::dpop::DpopError::Proof("expected one DPoP header".to_owned());
                    return Err(refuse(Refusal::from_dpop(&e), &e));
                }
            };
            let htu = request_uri(headers, uri, config.dpop.origin.as_ref());
            let checked = config
                .dpop
                .verify_proof(ProofRequest {
                    proof,
                    method: method.as_str(),
                    htu: &htu,
                    access_token: token,
                    jkt,
                })
                .await;
            if let Err(e) = checked {
                return Err(refuse(Refusal::from_dpop(&e), &e));
            }
        }
    }
    Ok(Some(Authenticated(Arc::new(claims))))
}

/// Where protected-resource metadata is served (RFC 9728 3).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// OAuth 2.0 Protected Resource Metadata (RFC 9728): what a client (an MCP client, say) needs
/// to find the authorization server of this API. Serve it at [`RESOURCE_METADATA_PATH`] and
/// name its URL in challenges ([`AuthLayer::resource_metadata`]).
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

impl AuthLayer {
    /// The protected-resource metadata of what this layer protects: `resource`, the
    /// verifier's issuers as authorization servers, and its DPoP settings.
    pub fn metadata(&self, resource: impl Into<String>) -> ResourceMetadata {
        ResourceMetadata::new(resource, self.config.verifier.issuers()).dpop(&self.config.dpop)
    }
}

/// What a route requires of the token's scopes or permissions.
#[derive(Clone, Debug)]
enum Rule {
    AllScopes(Vec<String>),
    AnyScope(Vec<String>),
    AllPermissions(Vec<String>),
    AnyPermission(Vec<String>),
}

impl Rule {
    fn allows(&self, claims: &AccessTokenClaims) -> bool {
        match self {
            Rule::AllScopes(s) => s.iter().all(|s| claims.has_scope(s)),
            Rule::AnyScope(s) => s.iter().any(|s| claims.has_scope(s)),
            Rule::AllPermissions(p) => p.iter().all(|p| claims.has_permission(p)),
            Rule::AnyPermission(p) => p.iter().any(|p| claims.has_permission(p)),
        }
    }

    fn listed(&self) -> String {
        match self {
            Rule::AllScopes(v)
            | Rule::AnyScope(v)
            | Rule::AllPermissions(v)
            | Rule::AnyPermission(v) => v.join(" "),
        }
    }
}

fn owned<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

/// A layer for routes under [`AuthLayer`] that need every one of these scopes.
pub fn require_scopes<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Require {
    Require(Rule::AllScopes(owned(scopes)))
}

/// A layer for routes that need at least one of these scopes.
pub fn require_any_scope<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Require {
    Require(Rule::AnyScope(owned(scopes)))
}

/// A layer for routes that need every one of these permissions (RBAC's `permissions` claim).
pub fn require_permissions<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Require {
    Require(Rule::AllPermissions(owned(permissions)))
}

/// A layer for routes that need at least one of these permissions.
pub fn require_any_permission<I: IntoIterator<Item = S>, S: Into<String>>(
    permissions: I,
) -> Require {
    Require(Rule::AnyPermission(owned(permissions)))
}

/// A route's requirement of scopes or permissions ([`require_scopes`] and its siblings), as a
/// `tower` layer placed inside an [`AuthLayer`]: 401 without a verified token, 403
/// `insufficient_scope` without what it requires.
#[derive(Clone, Debug)]
pub struct Require(Rule);

impl<S> Layer<S> for Require {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> RequireService<S> {
        RequireService {
            inner,
            rule: Arc::new(self.0.clone()),
        }
    }
}

/// The service [`Require`] makes.
#[derive(Clone, Debug)]
pub struct RequireService<S> {
    inner: S,
    rule: Arc<Rule>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let rule = Arc::clone(&self.rule);
        guarded(&mut self.inner, async move {
            let challenge = request
                .extensions()
                .get::<Challenge>()
                .cloned()
                .unwrap_or_else(Challenge::default_realm);
            let Some(who) = request.extensions().get::<Authenticated>() else {
                return Err(Refusal::missing().response(&challenge));
            };
            if !rule.allows(who.claims()) {
                tracing::debug!(required = %rule.listed(), "access refused: insufficient scope");
                return Err(Refusal::insufficient(rule.listed()).response(&challenge));
            }
            Ok(request)
        })
    }
}
