//! What every generated operation runs through: a token, the shared send loop of
//! `auth0-http`, and turning the answer into the typed body or an [`Error`].

use std::sync::Arc;
use std::time::Duration;

use auth0_http::{Clock, Repeat, RetryPolicy};
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::Error;
use crate::token::TokenCache;

/// State shared by the raw client and every clone of [`crate::Client`].
#[derive(Clone)]
pub struct Inner {
    pub(crate) shared: Arc<Shared>,
}

/// What one request may set for itself instead of taking the client's settings (the
/// builders' `timeout` and `retry_policy`), and what it adds (`header`, `query`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) query: Vec<(String, String)>,
    /// Why an added header cannot be sent, reported when the request is.
    pub(crate) refused: Option<String>,
}

impl RequestOptions {
    pub(crate) fn header(&mut self, name: &str, value: &str) {
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a header name"))
            .and_then(|name| {
                if name == AUTHORIZATION {
                    return Err(
                        "`Authorization` is the client's: set a token on the client".to_owned()
                    );
                }
                let mut value = HeaderValue::from_str(value).map_err(|_| {
                    format!("the value of the `{name}` header is not a header value")
                })?;
                if auth0_http::is_secret_name(name.as_str()) {
                    value.set_sensitive(true);
                }
                Ok((name, value))
            });
        match parsed {
            Ok((name, value)) => {
                self.headers.retain(|(n, _)| *n != name);
                self.headers.push((name, value));
            }
            Err(why) => {
                self.refused.get_or_insert(why);
            }
        }
    }

    /// Adds the extra headers and query parameters to a built request.
    fn apply(&self, operation: &'static str, request: &mut reqwest::Request) -> Result<(), Error> {
        if let Some(why) = &self.refused {
            return Err(Error::InvalidRequest {
                operation,
                message: why.clone(),
            });
        }
        if !self.query.is_empty() {
            let mut pairs = request.url_mut().query_pairs_mut();
            for (name, value) in &self.query {
                pairs.append_pair(name, value);
            }
        }
        for (name, value) in &self.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        Ok(())
    }
}

/// Adds the `timeout`, `retry_policy`, `header` and `query` setters to a request builder
/// with an `options` field.
macro_rules! request_options {
    ($name:ident) => {
        impl $name<'_> {
            /// Adds a header to this request, replacing one of the same name the operation
            /// sets. `Authorization` cannot be set here (the client authorizes every request);
            /// a name or value that is not one fails the request with
            /// [`Error::InvalidRequest`]($crate::Error::InvalidRequest). Values of
            /// credential-like names are kept out of `Debug` output.
            #[inline]
            pub fn header(mut self, name: &str, value: &str) -> Self {
                self.options.header(name, value);
                self
            }

            /// Adds a query parameter to this request, after the operation's own (prefer the
            /// typed setter where the operation has one: both would be sent).
            #[inline]
            pub fn query(mut self, name: &str, value: &str) -> Self {
                self.options.query.push((name.to_owned(), value.to_owned()));
                self
            }

            /// The total time one attempt may take (connecting, sending, reading the answer),
            /// instead of the client's timeout; waiting for a token counts too.
            #[inline]
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.timeout = Some(timeout);
                self
            }

            /// The retry policy of this request, instead of the client's (retries are capped
            /// at [`MAX_RETRIES_CAP`]($crate::MAX_RETRIES_CAP) here too).
            #[inline]
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
    /// The client's timeout of one attempt, which also bounds the wait for a token.
    pub(crate) timeout: Duration,
    /// The largest success answer read.
    pub(crate) max_body: usize,
    pub(crate) clock: Arc<dyn Clock>,
    /// Sent as `Auth0-Custom-Domain` where the operation declares it.
    pub(crate) custom_domain: Option<String>,
}

/// The attempts of one operation: copies of its request, each with the token current when
/// it is sent; a token the API rejects with 401 is replaced once.
struct Attempts<'a> {
    request: Option<reqwest::Request>,
    /// The client's tokens; `None` for a request sent without one (a users export's file).
    tokens: Option<&'a TokenCache>,
    /// The token the last attempt carried.
    sent_with: Option<HeaderValue>,
    /// A new token, for the attempt after a 401.
    replacement: Option<HeaderValue>,
}

impl auth0_http::Attempts for Attempts<'_> {
    type Error = Error;

    async fn request(&mut self, attempt: u32) -> Result<reqwest::Request, Error> {
        let Some(original) = &self.request else {
            return Err(Error::InvalidRequest {
                operation: "request",
                message: "the request body cannot be sent twice".to_owned(),
            });
        };
        let mut request = match original.try_clone() {
            Some(copy) => copy,
            None => self.request.take().expect("checked above"),
        };
        let token = match self.replacement.take() {
            Some(fresh) => Some(fresh),
            // After a wait the token may have been renewed meanwhile; when none can be had
            // now, the one at hand is sent.
            None if attempt > 1 => match self.tokens {
                Some(tokens) => tokens.authorization().await.ok(),
                None => None,
            },
            None => None,
        };
        if let Some(token) = token {
            request.headers_mut().insert(AUTHORIZATION, token);
        }
        self.sent_with = request.headers().get(AUTHORIZATION).cloned();
        Ok(request)
    }

    async fn unauthorized(&mut self, _response: &reqwest::Response) -> bool {
        let Some(tokens) = self.tokens.filter(|t| t.refreshable()) else {
            return false;
        };
        let retry = match &self.sent_with {
            Some(rejected) => tokens.reject(rejected).await,
            None => true,
        };
        if !retry {
            return false;
        }
        match tokens.authorization().await {
            Ok(fresh) => {
                self.replacement = Some(fresh);
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "token rejected; no new one");
                false
            }
        }
    }
}

/// A success answer: the decoded body with the status and headers it came with (what the
/// request builders' `send_with_response` returns; `send` returns the body alone). Its
/// `Debug` output hides the values of credential headers (`Set-Cookie`, …).
#[derive(Clone)]
pub struct ApiResponse<T> {
    body: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> ApiResponse<T> {
    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, taken.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The answer's status (a success).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer's headers, as received.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The rate-limit state the answer reported (`X-RateLimit-Limit`, `-Remaining`,
    /// `-Reset`), if it reported any.
    pub fn rate_limit(&self) -> Option<auth0_http::RateLimit> {
        auth0_http::RateLimit::from_headers(&self.headers)
    }

    /// The body, status and headers.
    pub fn into_parts(self) -> (T, StatusCode, HeaderMap) {
        (self.body, self.status, self.headers)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for ApiResponse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut headers = self.headers.clone();
        auth0_http::mark_sensitive(&mut headers);
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A request the raw client built (or could not), or why the builder could not ask for it
/// (a missing required value, a path value that cannot be one).
pub type Built = Result<Result<reqwest::Request, progenitor_client::Error<()>>, Error>;

/// The body of what [`send_json`] and its siblings answer: the builders' `send`. A
/// combinator rather than an `async` block, so that no operation has a future of its own.
pub fn body<T>(
    answer: impl Future<Output = Result<ApiResponse<T>, Error>>,
) -> impl Future<Output = Result<T, Error>> {
    futures::FutureExt::map(answer, |answer| answer.map(ApiResponse::into_body))
}

/// Sends a request the raw client built and decodes its JSON answer: what every generated
/// operation with a JSON answer runs. The sending and reading is one function for all of
/// them ([`send_bytes`]); what each answer type costs is its decoder, in a combinator.
pub fn send_json<'a, T: DeserializeOwned>(
    operation: &'static str,
    client: &'a crate::Client,
    options: RequestOptions,
    request: Built,
) -> impl Future<Output = Result<ApiResponse<T>, Error>> + Send + 'a {
    futures::FutureExt::map(
        send_bytes(operation, client, options, request),
        move |answer| {
            let (status, headers, body) = answer?;
            // A success answer without a body reads as JSON `null`: an operation whose
            // answer may or may not carry one decodes either way (to `None`), and one that
            // must is a decode error.
            let body = decode(operation, if body.is_empty() { b"null" } else { &body })?;
            Ok(ApiResponse {
                body,
                status,
                headers,
            })
        },
    )
}

/// Sends a request and reads its success body (capped at the client's limit).
async fn send_bytes(
    operation: &'static str,
    client: &crate::Client,
    options: RequestOptions,
    request: Built,
) -> Result<(StatusCode, HeaderMap, bytes::Bytes), Error> {
    let (status, headers, response) = send(operation, client, &options, request).await?;
    let limit = client.shared().max_body;
    let body = auth0_http::read_body(response, limit)
        .await
        .map_err(|e| Error::from_body(operation, e))?;
    Ok((status, headers, body))
}

/// As [`send_json`], for operations documented without an answer body (any body is ignored).
pub async fn send_empty(
    operation: &'static str,
    client: &crate::Client,
    options: RequestOptions,
    request: Built,
) -> Result<ApiResponse<()>, Error> {
    let (status, headers, _) = send(operation, client, &options, request).await?;
    Ok(ApiResponse {
        body: (),
        status,
        headers,
    })
}

/// As [`send_json`], for answers handed over as a byte stream (not capped: the caller reads
/// it at its own pace).
#[allow(dead_code, reason = "only the features with a streamed answer use it")]
pub async fn send_stream(
    operation: &'static str,
    client: &crate::Client,
    options: RequestOptions,
    request: Built,
) -> Result<ApiResponse<progenitor_client::ByteStream>, Error> {
    let (status, headers, response) = send(operation, client, &options, request).await?;
    Ok(ApiResponse {
        body: ResponseValue::stream(response).into_inner(),
        status,
        headers,
    })
}

/// The one sending path of the generated operations: a token at hand (waiting no longer than
/// the request's timeout), the request authorized, sent through [`auth0_http::send`], a
/// non-success answer turned into an [`Error`].
async fn send(
    operation: &'static str,
    client: &crate::Client,
    options: &RequestOptions,
    request: Built,
) -> Result<(StatusCode, HeaderMap, reqwest::Response), Error> {
    let mut request = request?.map_err(|e| built_error(operation, e))?;
    options.apply(operation, &mut request)?;
    let shared = client.shared();
    let timeout = options.timeout.unwrap_or(shared.timeout);
    let token = match shared.tokens.fresh() {
        Some(token) => token,
        None => match tokio::time::timeout(timeout, shared.tokens.authorization()).await {
            Ok(token) => token?,
            Err(_) => {
                return Err(Error::TokenTimeout {
                    operation,
                    after: timeout,
                });
            }
        },
    };
    let headers = request.headers_mut();
    headers.insert(AUTHORIZATION, token);
    if let Some(telemetry) = &shared.telemetry {
        headers.insert(auth0_http::TELEMETRY_HEADER, telemetry.clone());
    }
    if let Some(timeout) = options.timeout {
        *request.timeout_mut() = Some(timeout);
    }
    let policy = options.retry.as_ref().unwrap_or(&shared.retry);
    let mut response = exchange(operation, client, policy, request, Some(&shared.tokens)).await?;
    // The headers are taken, not copied: reading the body does not need them.
    let headers = std::mem::take(response.headers_mut());
    Ok((response.status(), headers, response))
}

/// Sends a built request through the one send loop (retries, no redirect, a span) and
/// returns a success answer; any other answer is an [`Error::Api`] with the body's prefix.
/// With `tokens`, a 401 replaces the client's token and tries again.
pub(crate) async fn exchange(
    operation: &'static str,
    client: &crate::Client,
    policy: &RetryPolicy,
    request: reqwest::Request,
    tokens: Option<&TokenCache>,
) -> Result<reqwest::Response, Error> {
    let exchange = auth0_http::Exchange {
        http: progenitor_client::ClientInfo::client(client.raw()),
        policy,
        repeat: Repeat::for_method(request.method()),
        operation,
        clock: &*client.shared().clock,
    };
    let mut attempts = Attempts {
        request: Some(request),
        tokens,
        sent_with: None,
        replacement: None,
    };
    let response = auth0_http::send(&exchange, &mut attempts)
        .await
        .map_err(|e| Error::from_send(operation, e))?;
    if !response.status().is_success() {
        let status = response.status();
        let headers = response.headers().clone();
        let body = auth0_http::read_prefix(response, auth0_http::ERROR_BODY_PREFIX).await;
        return Err(Error::from_answer(operation, status, headers, body));
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

/// Percent-encodes a path value as one segment ([`auth0_http::encode_segment`]).
pub(crate) fn encode_path(value: &str) -> String {
    auth0_http::encode_segment(value)
}

/// Refuses a path value that is empty, `.` or `..` ([`auth0_http::check_segment`]): the
/// request, token included, would go to another endpoint.
pub(crate) fn path_value(operation: &'static str, name: &str, value: &str) -> Result<(), Error> {
    auth0_http::check_segment(value).map_err(|_| Error::InvalidRequest {
        operation,
        message: format!("the path parameter `{name}` cannot be {value:?}"),
    })
}

/// Decodes a success body, naming the JSON path of a mismatch and quoting none of its values.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, Error> {
    auth0_http::decode_json(body).map_err(|source| Error::Decode {
        operation,
        path: source.path().unwrap_or(".").to_owned(),
        source,
        body: bytes::Bytes::copy_from_slice(body),
    })
}
