//! What every generated operation runs through: authentication, sending, and turning the
//! answer into the typed body or an [`Error`].

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use auth0_auth::http::RetryPolicy;
use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Error;
use crate::token::TokenCache;

/// State shared by the raw client and every clone of [`crate::Client`], and the settings
/// of the request at hand.
#[derive(Clone)]
pub struct Inner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) options: RequestOptions,
}

/// What one request may set for itself instead of taking the client's settings (the
/// builders' `timeout` and `retry_policy`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

/// Adds the `timeout` and `retry_policy` setters to a request builder with an `options`
/// field.
macro_rules! request_options {
    ($name:ident) => {
        impl $name<'_> {
            /// The total time one attempt may take (connecting, sending, reading the answer),
            /// instead of the client's timeout.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.timeout = Some(timeout);
                self
            }

            /// The retry policy of this request, instead of the client's (retries are capped
            /// at [`MAX_RETRIES_CAP`]($crate::MAX_RETRIES_CAP) here too).
            pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
                let retries = policy.retries().min($crate::MAX_RETRIES_CAP);
                self.options.retry = Some(policy.max_retries(retries));
                self
            }
        }
    };
}
pub(crate) use request_options;

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    pub(crate) tokens: TokenCache,
    /// `Auth0-Client`, unless telemetry is off.
    pub(crate) telemetry: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
}

const TELEMETRY_HEADER: HeaderName = HeaderName::from_static("auth0-client");

/// Sets the `Authorization` (the current token) and `Auth0-Client` headers of a request.
pub(crate) fn authorize(inner: &Inner, request: &mut reqwest::Request) {
    let headers = request.headers_mut();
    if let Some(token) = inner.shared.tokens.latest() {
        headers.insert(AUTHORIZATION, token);
    }
    if let Some(telemetry) = &inner.shared.telemetry {
        headers.insert(TELEMETRY_HEADER, telemetry.clone());
    }
}

fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Sends a request: retries 429 answers (waiting as the server says, else backing off) and
/// connection failures of idempotent requests within the retry policy; replaces a token the
/// API rejects with 401 once; records a tracing span per request.
pub(crate) async fn execute(
    http: &reqwest::Client,
    inner: &Inner,
    operation: &'static str,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::debug_span!(
        "auth0_mgmt.request",
        operation,
        method = %request.method(),
        path = %request.url().path(),
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
    );
    let shared = &inner.shared;
    let policy = inner.options.retry.as_ref().unwrap_or(&shared.retry);
    let mut request = request;
    if let Some(timeout) = inner.options.timeout {
        *request.timeout_mut() = Some(timeout);
    }
    async {
        let started = Instant::now();
        let may_retry_connection = idempotent(request.method());
        let mut attempt: u32 = 0;
        // Retries of 429 answers and failed connections; a replaced token is not one.
        let mut retries: u32 = 0;
        let mut token_replaced = false;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempt", attempt);
            let spare = request.try_clone();
            match http.execute(request).await {
                Ok(response) => {
                    let status = response.status();
                    tracing::Span::current().record("status", status.as_u16());
                    if status == StatusCode::UNAUTHORIZED
                        && !token_replaced
                        && shared.tokens.refreshable()
                        && let Some(mut next) = spare
                    {
                        let retry = match next.headers().get(AUTHORIZATION) {
                            Some(rejected) => shared.tokens.reject(rejected).await,
                            None => true,
                        };
                        if retry {
                            match shared.tokens.authorization().await {
                                Ok(fresh) => {
                                    tracing::debug!("token rejected; retrying once with a new one");
                                    next.headers_mut().insert(AUTHORIZATION, fresh);
                                    token_replaced = true;
                                    request = next;
                                    continue;
                                }
                                Err(e) => {
                                    tracing::debug!(error = %e, "token rejected; no new one");
                                }
                            }
                        }
                        return Ok(empty_as_null(response));
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS && retries < policy.retries() {
                        retries += 1;
                        let wait =
                            policy.delay(retries, Some(response.headers()), SystemTime::now());
                        if started.elapsed().saturating_add(wait) <= policy.total_deadline()
                            && let Some(next) = spare
                        {
                            tracing::debug!(?wait, "rate limited; waiting before retrying");
                            tokio::time::sleep(wait).await;
                            request = with_current_token(shared, next).await;
                            continue;
                        }
                    }
                    return Ok(empty_as_null(response));
                }
                Err(e) => {
                    if may_retry_connection && e.is_connect() && retries < policy.retries() {
                        retries += 1;
                        let wait = policy.backoff(retries);
                        if started.elapsed().saturating_add(wait) <= policy.total_deadline()
                            && let Some(next) = spare
                        {
                            tracing::debug!(?wait, error = %e, "connection failed; retrying");
                            tokio::time::sleep(wait).await;
                            request = with_current_token(shared, next).await;
                            continue;
                        }
                    }
                    return Err(e);
                }
            }
        }
    }
    .instrument(span)
    .await
}

/// A request about to be sent again after a wait: with the token to use now (it may have
/// been renewed meanwhile), or as it was when none can be had.
async fn with_current_token(shared: &Shared, mut request: reqwest::Request) -> reqwest::Request {
    if request.headers().contains_key(AUTHORIZATION)
        && let Ok(current) = shared.tokens.authorization().await
    {
        request.headers_mut().insert(AUTHORIZATION, current);
    }
    request
}

/// A success answer without a body reads as JSON `null`, so that an operation whose answer
/// may or may not carry a body decodes either way (to `None` or `Value::Null`).
fn empty_as_null(response: reqwest::Response) -> reqwest::Response {
    let status = response.status();
    let empty = status == reqwest::StatusCode::NO_CONTENT
        || (status.is_success() && response.content_length() == Some(0));
    if !empty {
        return response;
    }
    let mut builder = http::Response::builder().status(status);
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.remove(reqwest::header::CONTENT_LENGTH);
    }
    match builder.body(reqwest::Body::from("null")) {
        Ok(r) => reqwest::Response::from(r),
        Err(_) => response,
    }
}

/// Sends a request the raw client built and decodes its JSON answer: what every generated
/// operation with a JSON answer runs. One generic function for all of them, so each answer
/// type costs its decoder and no per-operation sending code.
pub async fn send_json<T: DeserializeOwned>(
    operation: &'static str,
    client: &crate::Client,
    options: &RequestOptions,
    request: Result<reqwest::Request, progenitor_client::Error<()>>,
) -> Result<T, Error> {
    let response = send(operation, client, options, request).await?;
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::from_reqwest(operation, e))?;
    decode(operation, &body)
}

/// As [`send_json`], for operations documented without an answer body (any body is ignored).
pub async fn send_empty(
    operation: &'static str,
    client: &crate::Client,
    options: &RequestOptions,
    request: Result<reqwest::Request, progenitor_client::Error<()>>,
) -> Result<(), Error> {
    send(operation, client, options, request).await.map(drop)
}

/// As [`send_json`], for answers handed over as a byte stream.
#[allow(dead_code, reason = "only the features with a streamed answer use it")]
pub async fn send_stream(
    operation: &'static str,
    client: &crate::Client,
    options: &RequestOptions,
    request: Result<reqwest::Request, progenitor_client::Error<()>>,
) -> Result<progenitor_client::ByteStream, Error> {
    let response = send(operation, client, options, request).await?;
    Ok(ResponseValue::stream(response).into_inner())
}

/// The one sending path of the generated operations: a token at hand, the request
/// authorized, sent through [`execute`], a non-success answer turned into an [`Error`].
async fn send(
    operation: &'static str,
    client: &crate::Client,
    options: &RequestOptions,
    request: Result<reqwest::Request, progenitor_client::Error<()>>,
) -> Result<reqwest::Response, Error> {
    let mut request = request.map_err(|e| built_error(operation, e))?;
    client.ready().await?;
    let raw = client.raw_for(options);
    authorize(raw.inner(), &mut request);
    let response = execute(raw.client(), raw.inner(), operation, request)
        .await
        .map_err(|e| Error::from_reqwest(operation, e))?;
    if !response.status().is_success() {
        return Err(answer_error(operation, response).await);
    }
    Ok(response)
}

/// The error of a request the raw client could not build (a header value that is not one).
fn built_error(operation: &'static str, e: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as E;
    match e {
        E::CommunicationError(source)
        | E::InvalidUpgrade(source)
        | E::ResponseBodyError(source) => Error::from_reqwest(operation, source),
        other => Error::InvalidRequest {
            operation,
            message: other.to_string(),
        },
    }
}

/// Makes sure a token is at hand before an operation is sent (fetching one if needed), so that
/// a failure to get one is reported as [`Error::Token`] rather than as a 401.
pub(crate) async fn ready(inner: &Inner) -> Result<(), Error> {
    inner.shared.tokens.authorization().await.map(|_| ())
}

/// Reads a non-success answer completely into an [`Error`].
pub(crate) async fn answer_error(operation: &'static str, response: reqwest::Response) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    // An error answer stays one (status, headers, rate-limit reset) when its body cannot be
    // read to the end.
    let body = response.bytes().await.unwrap_or_default();
    Error::from_answer(operation, status, headers, body)
}

/// A credential field in `Debug` output (see the generated types): `[redacted]`. The value is
/// held, never printed, so that a call site names what it hides.
#[allow(dead_code)]
pub(crate) struct Redacted<'a, T>(pub(crate) &'a T);

pub(crate) use crate::lossless::RedactedValue;

impl<T> std::fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Percent-encodes a path value as one segment: progenitor's encoding, plus the backslash,
/// which URL parsers read as `/` in http(s) URLs.
pub(crate) fn encode_path(value: &str) -> String {
    let encoded = progenitor_client::encode_path(value);
    if encoded.contains('\\') {
        encoded.replace('\\', "%5C")
    } else {
        encoded
    }
}

/// Refuses a path value that is empty, `.` or `..`: an empty one leaves the segment out
/// (`/users/` is the list), and URLs resolve dot segments away (percent-encoded ones too),
/// so the request, token included, would go to another endpoint.
pub(crate) fn path_value(operation: &'static str, name: &str, value: &str) -> Result<(), Error> {
    if matches!(value, "" | "." | "..") {
        return Err(Error::InvalidRequest {
            operation,
            message: format!("the path parameter `{name}` cannot be {value:?}"),
        });
    }
    Ok(())
}

/// Decodes a success body, naming the JSON path of a mismatch.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, Error> {
    from_json_bytes(body).map_err(|source| Error::Decode {
        operation,
        path: crate::json_path::at_error(body, &source),
        source,
        body: bytes::Bytes::copy_from_slice(body),
    })
}

/// Decodes JSON, checking UTF-8 once for the whole body rather than once per string. (Only
/// the text decoder is instantiated for each answer type: a second one would add megabytes to
/// the build for the rare body that is not UTF-8.)
pub(crate) fn from_json_bytes<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(e) => Err(serde::de::Error::custom(format_args!(
            "the body is not UTF-8 (from byte {})",
            e.valid_up_to()
        ))),
    }
}
