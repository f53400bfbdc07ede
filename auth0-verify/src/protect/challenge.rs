//! The RFC 6750 answers: why a request is refused ([`Refusal`]), how the caller is challenged
//! ([`Challenge`]), and how the refusal is written ([`Answer`]: JSON over HTTP, or a gRPC
//! status).

use std::sync::Arc;

use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};

use crate::TokenValidationError;

/// How answers challenge the caller: the realm, the protected-resource metadata URL (RFC
/// 9728) when one is served, and which schemes are offered (`Bearer`, `DPoP` with its
/// algorithms). Put in the request's extensions by [`AuthLayer`](super::AuthLayer) so that
/// [`Require`](super::Require) and the extractors answer alike.
#[derive(Clone, Debug)]
pub struct Challenge(Arc<ChallengeParams>);

#[derive(Clone, Debug)]
pub(super) struct ChallengeParams {
    pub(super) realm: String,
    pub(super) resource_metadata: Option<String>,
    pub(super) bearer: bool,
    pub(super) dpop_algs: Option<String>,
}

/// Which challenge carries a refusal's error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scheme {
    Bearer,
    Dpop,
}

impl Challenge {
    pub(super) fn default_realm() -> Self {
        Challenge(Arc::new(ChallengeParams {
            realm: "api".to_owned(),
            resource_metadata: None,
            bearer: true,
            dpop_algs: None,
        }))
    }

    pub(super) fn change(&mut self, f: impl FnOnce(&mut ChallengeParams)) {
        f(Arc::make_mut(&mut self.0));
    }

    /// The `WWW-Authenticate` values of `refusal`: one per scheme offered, the error on the
    /// one it concerns (on the only one offered, when that is the other).
    pub fn www_authenticate(&self, refusal: &Refusal) -> Vec<HeaderValue> {
        let this = &self.0;
        let mut params = format!("realm=\"{}\"", quoted(&this.realm));
        if let Some(url) = &this.resource_metadata {
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
        let on_dpop = refusal.scheme == Scheme::Dpop || !this.bearer;
        let mut values = Vec::new();
        if this.bearer {
            let e = if on_dpop { None } else { error.as_deref() };
            values.push(format!("Bearer {params}{}", e.unwrap_or("")));
        }
        if let Some(algs) = &this.dpop_algs {
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

    pub(super) fn malformed(description: &'static str) -> Self {
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

    pub(super) fn invalid(description: &'static str) -> Self {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: Some("invalid_token"),
            description,
            scope: None,
            scheme: Scheme::Bearer,
        }
    }

    pub(super) fn on(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    pub(super) fn from_dpop(e: &crate::dpop::DpopError) -> Self {
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

    /// What the caller is told (never a detail of the token or of the API's configuration).
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The scopes or permissions required, for `insufficient_scope`.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// A token that is not valid (401 `invalid_token`), with what the caller is told: for a
    /// [`Check`](super::Check) of one's own.
    pub fn invalid_token(description: &'static str) -> Self {
        Refusal::invalid(description)
    }

    /// The gRPC status code of the refusal: `UNAUTHENTICATED` (16) for 401,
    /// `PERMISSION_DENIED` (7) for 403, `INVALID_ARGUMENT` (3) for 400, `UNAVAILABLE` (14) for
    /// 503.
    pub fn grpc_code(&self) -> u8 {
        match self.status {
            StatusCode::UNAUTHORIZED => 16,
            StatusCode::FORBIDDEN => 7,
            StatusCode::BAD_REQUEST => 3,
            StatusCode::SERVICE_UNAVAILABLE => 14,
            _ => 2,
        }
    }

    /// The answer as gRPC (a "trailers-only" answer): HTTP 200, `content-type:
    /// application/grpc`, `grpc-status` ([`grpc_code`](Self::grpc_code)), `grpc-message` (the
    /// description) and the `www-authenticate` challenges as metadata (none for
    /// `UNAVAILABLE`); an empty body.
    pub fn grpc_response<B: Default>(&self, challenge: &Challenge) -> Response<B> {
        let mut response = Response::new(B::default());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        headers.insert(
            "grpc-status",
            HeaderValue::from(u16::from(self.grpc_code())),
        );
        if let Ok(message) = HeaderValue::from_str(&grpc_message(self.description)) {
            headers.insert("grpc-message", message);
        }
        if self.status != StatusCode::SERVICE_UNAVAILABLE {
            for value in challenge.www_authenticate(self) {
                headers.append(WWW_AUTHENTICATE, value);
            }
        }
        response
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
            for value in challenge.www_authenticate(self) {
                headers.append(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// A `grpc-message` value: percent-encoded outside printable ASCII, and `%` itself.
fn grpc_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x20..0x7f).contains(&byte) && byte != b'%' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// How a refusal is written as an answer whose body is `B`: [`Json`] (the default) or [`Grpc`]
/// on [`AuthLayer`](super::AuthLayer) and [`Require`](super::Require), or an implementation of
/// one's own (from the [`Refusal`]'s status, code and description, and the challenge's
/// [`www_authenticate`](Challenge::www_authenticate) values).
pub trait Answer<B>: Clone + Send + Sync + 'static {
    /// The answer to a request refused with `refusal`.
    fn answer(&self, refusal: &Refusal, challenge: &Challenge) -> Response<B>;
}

/// RFC 6750 over HTTP ([`Refusal::response`]): the status, `WWW-Authenticate` and a JSON body
/// `{"error", "error_description"}`. The default; any body type made from a `String`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json;

impl<B: From<String>> Answer<B> for Json {
    fn answer(&self, refusal: &Refusal, challenge: &Challenge) -> Response<B> {
        refusal.response(challenge)
    }
}

/// gRPC statuses ([`Refusal::grpc_response`]): `UNAUTHENTICATED` or `PERMISSION_DENIED` (or
/// `INVALID_ARGUMENT`, `UNAVAILABLE`) with the RFC 6750 challenge in the `www-authenticate`
/// metadata, for a tonic server (any body type with an empty `Default`, as tonic's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grpc;

impl<B: Default> Answer<B> for Grpc {
    fn answer(&self, refusal: &Refusal, challenge: &Challenge) -> Response<B> {
        refusal.grpc_response(challenge)
    }
}
