//! What every generated operation runs through: a token, the shared send loop of
//! `auth0-http`, and turning the answer into the typed body or an [`Error`].

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use auth0_http::{Clock, HttpError, Repeat, RetryPolicy};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::Error;
use crate::token::{Bearer, TokenCache, TokenId};

/// What one request may set for itself instead of taking the client's settings (the
/// builders' `timeout` and `retry_policy`), and what it adds (`header`, `query`). Its `Debug`
/// hides the values of credential-named query parameters and headers.
#[derive(Clone, Default, PartialEq, Eq)]
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

    /// Adds a query parameter; a credential-named one (`access_token`, `client_secret`, ...)
    /// is refused, as the `Authorization` header is: a URL ends up in logs, and the client
    /// authorizes every request itself.
    pub(crate) fn query(&mut self, name: &str, value: &str) {
        if auth0_http::is_secret_name(name) {
            self.refused.get_or_insert_with(|| {
                format!(
                    "the query parameter `{}` would carry a credential in the URL: set a token on \
                     the client instead",
                    auth0_http::printable(name)
                )
            });
            return;
        }
        self.query.push((name.to_owned(), value.to_owned()));
    }

    /// Adds the extra headers and query parameters to a built request.
    fn apply(&self, operation: &'static str, request: &mut reqwest::Request) -> Result<(), Error> {
        if let Some(why) = &self.refused {
            return Err(Error::invalid(operation, why.clone()));
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
        impl<C> $name<'_, C> {
            /// Adds a header to this request, replacing one of the same name the operation
            /// sets. `Authorization` cannot be set here (the client authorizes every request);
            /// a name or value that is not one fails the request with
            /// [`HttpError::InvalidRequest`]($crate::HttpError::InvalidRequest). Values of
            /// credential-like names are kept out of `Debug` output.
            #[inline]
            pub fn header(mut self, name: &str, value: &str) -> Self {
                self.options.header(name, value);
                self
            }

            /// Adds a query parameter to this request, after the operation's own (prefer the
            /// typed setter where the operation has one: both would be sent). A
            /// credential-named parameter (`access_token`, `client_secret`, ...) fails the
            /// request with [`HttpError::InvalidRequest`]($crate::HttpError::InvalidRequest), as an
            /// `Authorization` header does: a URL ends up in logs.
            #[inline]
            pub fn query(mut self, name: &str, value: &str) -> Self {
                self.options.query(name, value);
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

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Query<'a>(&'a [(String, String)]);
        impl std::fmt::Debug for Query<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut list = f.debug_list();
                for (name, value) in self.0 {
                    if auth0_http::is_secret_name(name) {
                        list.entry(&(name, Redacted(value)));
                    } else {
                        list.entry(&(name, value));
                    }
                }
                list.finish()
            }
        }
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            // Credential headers are marked sensitive when added, and print as `Sensitive`.
            .field("headers", &self.headers)
            .field("query", &Query(&self.query))
            .field("refused", &self.refused)
            .finish()
    }
}

/// A free-form request body (a map or JSON value, such as hook secrets) in a request builder's
/// `Debug` output: its member names, never its values, which may be secrets under any name.
#[allow(
    dead_code,
    reason = "used by the builders of free-form bodies, which some resource sets lack"
)]
pub(crate) struct MemberNames<'a, T>(pub(crate) &'a Option<T>);

/// The member names of a free-form body.
#[allow(
    dead_code,
    reason = "used by the builders of free-form bodies, which some resource sets lack"
)]
pub(crate) trait Members {
    fn names(&self) -> Vec<&str>;
}

impl<V> Members for std::collections::HashMap<String, V> {
    fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

impl Members for serde_json::Map<String, serde_json::Value> {
    fn names(&self) -> Vec<&str> {
        self.keys().map(String::as_str).collect()
    }
}

impl Members for serde_json::Value {
    fn names(&self) -> Vec<&str> {
        match self {
            serde_json::Value::Object(map) => map.names(),
            _ => Vec::new(),
        }
    }
}

impl<T: Members> std::fmt::Debug for MemberNames<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(body) => f
                .debug_map()
                .entries(body.names().into_iter().map(|n| (n, Redacted(&()))))
                .finish(),
        }
    }
}

/// State every clone of [`crate::Client`] shares.
pub(crate) struct Shared {
    /// The base URL (ending in `/api/v2`), read once: each operation's URL is it with the
    /// operation's path after its own ([`endpoint`]).
    pub(crate) base: reqwest::Url,
    /// [`endpoint_template`] of `base`.
    pub(crate) endpoint_template: reqwest::Url,
    pub(crate) tokens: TokenCache,
    /// `Auth0-Client`, unless telemetry is off.
    pub(crate) telemetry: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    /// The client's timeout of one attempt, which also bounds the wait for a token (`None`:
    /// no deadline of the client's).
    pub(crate) timeout: Option<Duration>,
    /// The attempts' deadlines (watched by one thread of the process, not a timer per request).
    pub(crate) watchdog: auth0_http::Watchdog,
    /// The largest success answer read.
    pub(crate) max_body: usize,
    pub(crate) clock: Arc<dyn Clock>,
    /// Sent as `Auth0-Custom-Domain` where the operation declares it.
    pub(crate) custom_domain: Option<String>,
}

/// Where the requests of the attempts come from.
pub(crate) enum Requests<'a> {
    /// An operation's: the request built for the first attempt, and the operation's builder
    /// to make it again for each attempt after it (nothing is copied up front for retries
    /// that mostly never come).
    Built {
        first: Option<reqwest::Request>,
        again: &'a (dyn Fn() -> Result<reqwest::Request, Error> + Send + Sync),
        /// Where the operations go: the client's base URL.
        base: &'a reqwest::Url,
    },
    /// A request made elsewhere (a users export's file): copies of it, the last attempt that
    /// can be made taking the request itself.
    #[cfg_attr(
        not(feature = "jobs"),
        allow(
            dead_code,
            reason = "only the users export (feature `jobs`) keeps a request"
        )
    )]
    Kept(Option<reqwest::Request>),
}

/// The attempts of one operation, each request with the token current when it is sent; a
/// token the API rejects with 401 is replaced once.
struct Attempts<'a> {
    requests: Requests<'a>,
    /// Whether an attempt may follow the first (retries allowed, or a token to replace):
    /// when not, a kept request is sent itself, not a copy.
    again: bool,
    /// The client's tokens; `None` for a request sent without one (a users export's file).
    tokens: Option<&'a TokenCache>,
    /// The token of the next attempt: the one at hand when the call began, then the new one
    /// after a 401.
    next: Option<Bearer>,
    /// The number of the token the last attempt carried.
    sent_with: Option<TokenId>,
}

impl auth0_http::Attempts for Attempts<'_> {
    type Error = Error;

    async fn request(&mut self, attempt: u32) -> Result<reqwest::Request, Error> {
        let mut request = match &mut self.requests {
            Requests::Built { first, again, .. } => match first.take() {
                Some(first) => first,
                None => again()?,
            },
            Requests::Kept(kept) => {
                let Some(original) = kept else {
                    return Err(Error::invalid(
                        "request",
                        "the request body cannot be sent twice",
                    ));
                };
                let copy = if attempt == 1 && !self.again {
                    None
                } else {
                    auth0_http::copy_request(original)
                };
                match copy {
                    Some(copy) => copy,
                    None => kept.take().expect("checked above"),
                }
            }
        };
        let token = match self.next.take() {
            Some(token) => Some(token),
            // After a wait the token may have been renewed meanwhile; when none can be had
            // now, the one at hand is sent.
            None => match self.tokens {
                Some(tokens) => tokens.authorization().await.ok(),
                None => None,
            },
        };
        self.sent_with = token.as_ref().map(Bearer::id);
        if let Some(token) = token {
            request
                .headers_mut()
                .insert(AUTHORIZATION, token.into_header_value());
        }
        Ok(request)
    }

    fn sent_to(&self) -> Option<&reqwest::Url> {
        match &self.requests {
            Requests::Built { base, .. } => Some(base),
            Requests::Kept(kept) => kept.as_ref().map(reqwest::Request::url),
        }
    }

    async fn unauthorized(&mut self, _response: &reqwest::Response) -> bool {
        let Some(tokens) = self.tokens.filter(|t| t.refreshable()) else {
            return false;
        };
        let retry = match self.sent_with {
            Some(rejected) => tokens.reject(rejected).await,
            None => true,
        };
        if !retry {
            return false;
        }
        match tokens.authorization().await {
            Ok(fresh) => {
                self.next = Some(fresh);
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

/// An operation's request, made by its builder: called for the first attempt and again for
/// each retry (nothing is copied up front for retries that mostly never come). An error is
/// why the request cannot be made (a missing required value, a path value that cannot be
/// one, a value that cannot be sent), named after the operation.
pub type Build<'a> = Box<dyn Fn() -> Result<reqwest::Request, Error> + Send + Sync + 'a>;

/// The request an operation's builder made with the client's HTTP client (the generated code's
/// one way of finishing a request): a value `reqwest` could not write into it (a body that
/// does not serialize, a query value that is not one) is the operation's error.
#[inline]
pub fn finish(
    operation: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Request, Error> {
    request
        .build()
        .map_err(|e| HttpError::from_reqwest(operation, e).into())
}

/// The body of what [`send_json`] and its siblings answer: the builders' `send`. A
/// combinator rather than an `async` block, so that no operation has a future of its own.
pub fn body<T>(
    answer: impl Future<Output = Result<ApiResponse<T>, Error>>,
) -> impl Future<Output = Result<T, Error>> {
    futures::FutureExt::map(answer, |answer| answer.map(ApiResponse::into_body))
}

/// An operation's request as its builder's `call()` makes it, not yet sent: the operation's
/// name, the client, the per-request options and what makes each attempt's request. A named
/// type rather than a future, so that no operation has an opaque type of its own beyond its
/// `send` and `send_with_response`.
pub struct Call<'a> {
    operation: &'static str,
    client: &'a crate::Client,
    options: RequestOptions,
    build: Build<'a>,
}

impl<'a> Call<'a> {
    /// The call of `operation` (`users.get`).
    #[inline]
    pub fn new(
        operation: &'static str,
        client: &'a crate::Client,
        options: RequestOptions,
        build: Build<'a>,
    ) -> Self {
        Call {
            operation,
            client,
            options,
            build,
        }
    }
}

/// Sends an operation's request and decodes its JSON answer: what every generated
/// operation with a JSON answer runs. The sending and reading is one function for all of
/// them ([`send_bytes`]); what each answer type costs is its decoder, in a combinator.
pub fn send_json<'a, T: DeserializeOwned>(
    call: Call<'a>,
) -> impl Future<Output = Result<ApiResponse<T>, Error>> + Send + 'a {
    let operation = call.operation;
    futures::FutureExt::map(send_bytes(call), move |answer| {
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
    })
}

/// Sends a request and reads its success body (capped at the client's limit).
async fn send_bytes(call: Call<'_>) -> Result<(StatusCode, HeaderMap, bytes::Bytes), Error> {
    let (status, headers, response, deadline) = send(&call, Answer::Read).await?;
    let Call {
        operation,
        client,
        options,
        ..
    } = call;
    let shared = client.shared();
    let reading = auth0_http::read_body(response, shared.max_body);
    let body = match deadline {
        Some(deadline) => shared
            .watchdog
            .within(deadline, reading)
            .await
            .map_err(|_| HttpError::Timeout {
                operation,
                source: auth0_http::TimedOut::Deadline {
                    after: options.timeout.or(shared.timeout).unwrap_or(Duration::MAX),
                },
            })?,
        None => reading.await,
    };
    let body = body.map_err(|e| HttpError::from_body(operation, e))?;
    Ok((status, headers, body))
}

/// As [`send_json`], for operations documented without an answer body (any body is ignored).
pub async fn send_empty(call: Call<'_>) -> Result<ApiResponse<()>, Error> {
    let (status, headers, _, _) = send(&call, Answer::Read).await?;
    Ok(ApiResponse {
        body: (),
        status,
        headers,
    })
}

/// As [`send_json`], for answers handed over as a byte stream (not capped: the caller reads
/// it at its own pace).
#[allow(dead_code, reason = "only the features with a streamed answer use it")]
pub async fn send_stream(call: Call<'_>) -> Result<ApiResponse<crate::ByteStream>, Error> {
    let (status, headers, response, _) = send(&call, Answer::Stream).await?;
    Ok(ApiResponse {
        body: crate::ByteStream::of(response),
        status,
        headers,
    })
}

/// How an answer is read, which decides how its time is bounded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Read whole right away: each attempt has a deadline the client's
    /// [`Watchdog`](auth0_http::Watchdog) watches, and the body is read within the last
    /// attempt's.
    Read,
    /// Handed over as a stream: the HTTP client's own timeout bounds the exchange, body
    /// included, as the caller reads it.
    Stream,
}

/// The one sending path of the generated operations: a token at hand (waiting no longer than
/// the request's timeout), the request authorized, sent through [`auth0_http::send_within`],
/// a non-success answer turned into an [`Error`]. With [`Answer::Read`], also the deadline the
/// body is to be read within.
async fn send(
    call: &Call<'_>,
    answer: Answer,
) -> Result<(StatusCode, HeaderMap, reqwest::Response, Option<Instant>), Error> {
    let Call {
        operation,
        client,
        options,
        build,
    } = call;
    let (operation, client) = (*operation, *client);
    let shared = client.shared();
    let timeout = options.timeout.or(shared.timeout);
    // The request of an attempt, all but its token.
    let request = || -> Result<reqwest::Request, Error> {
        let mut request = build()?;
        options.apply(operation, &mut request)?;
        if let Some(telemetry) = &shared.telemetry {
            request
                .headers_mut()
                .insert(auth0_http::TELEMETRY_HEADER, telemetry.clone());
        }
        if answer == Answer::Stream {
            *request.timeout_mut() = timeout;
        }
        Ok(request)
    };
    let first = request()?;
    let token = match shared.tokens.fresh() {
        Some(token) => token,
        None => match timeout {
            Some(timeout) => {
                match tokio::time::timeout(timeout, shared.tokens.authorization()).await {
                    Ok(token) => token?,
                    Err(_) => {
                        return Err(Error::TokenTimeout {
                            operation,
                            after: timeout,
                        });
                    }
                }
            }
            None => shared.tokens.authorization().await?,
        },
    };
    let deadline = timeout.filter(|_| answer == Answer::Read);
    let policy = options.retry.as_ref().unwrap_or(&shared.retry);
    let requests = Requests::Built {
        first: Some(first),
        again: &request,
        base: &shared.base,
    };
    let tokens = Some((&shared.tokens, token));
    let (mut response, deadline) =
        exchange(operation, client, policy, requests, tokens, deadline).await?;
    // The headers are taken, not copied: reading the body does not need them.
    let headers = std::mem::take(response.headers_mut());
    Ok((response.status(), headers, response, deadline))
}

/// Sends a built request through the one send loop (retries, no redirect, a span) and
/// returns a success answer; any other answer is an [`HttpError::Api`](crate::HttpError::Api) with the body's prefix.
/// With `tokens` (the client's, and the token at hand), each attempt carries the token
/// current when it is sent, and a 401 replaces the client's token and tries again. With
/// `timeout`, each attempt has that long, watched by the client's watchdog; the success
/// answer comes with its attempt's deadline, for reading its body.
pub(crate) async fn exchange(
    operation: &'static str,
    client: &crate::Client,
    policy: &RetryPolicy,
    requests: Requests<'_>,
    tokens: Option<(&TokenCache, Bearer)>,
    timeout: Option<Duration>,
) -> Result<(reqwest::Response, Option<Instant>), Error> {
    let shared = client.shared();
    let method = match &requests {
        Requests::Built { first, .. } | Requests::Kept(first) => first.as_ref().map(|r| r.method()),
    };
    let exchange = auth0_http::Exchange {
        http: client.http(),
        policy,
        repeat: method.map_or(Repeat::Once, Repeat::for_method),
        operation,
        clock: &*shared.clock,
        deadline: timeout.map(|timeout| auth0_http::Deadline {
            watchdog: &shared.watchdog,
            timeout,
        }),
    };
    let (tokens, next) = tokens.unzip();
    let mut attempts = Attempts {
        requests,
        again: policy.retries() > 0 || tokens.is_some_and(TokenCache::refreshable),
        tokens,
        next,
        sent_with: None,
    };
    let (response, deadline) = auth0_http::send_within(&exchange, &mut attempts)
        .await
        .map_err(|e| e.into_error(operation))?;
    if !response.status().is_success() {
        let status = response.status();
        let headers = response.headers().clone();
        let reading = auth0_http::read_prefix(response, auth0_http::ERROR_BODY_PREFIX);
        // An error body that has not come by the deadline is left empty: the status and
        // headers still make the error.
        let body = match deadline {
            Some(deadline) => shared
                .watchdog
                .within(deadline, reading)
                .await
                .unwrap_or_default(),
            None => reading.await,
        };
        let mut error = HttpError::from_answer(operation, status, headers, body);
        if let (StatusCode::FORBIDDEN, HttpError::Api(api)) = (status, &mut error) {
            let granted = tokens.and_then(TokenCache::fresh);
            if let Some(hint) = scope_hint(operation, granted.as_ref()) {
                api.set_hint(hint);
            }
        }
        return Err(error.into());
    }
    Ok((response, deadline))
}

/// What a 403 from an operation may mean: the scopes the operation accepts (from the
/// document) and, when the token's `scope` can be read, that it has none of them.
fn scope_hint(operation: &str, token: Option<&Bearer>) -> Option<String> {
    let accepted = crate::generated::scopes::accepted(operation);
    if accepted.is_empty() {
        return None;
    }
    let list = accepted.join(", ");
    let mut hint = if accepted.len() == 1 {
        format!("the operation needs the scope {list}")
    } else {
        format!("the operation needs one of the scopes {list}")
    };
    match token.and_then(|t| granted_scopes(t.header_value())) {
        Some(granted) if !accepted.iter().any(|a| granted.iter().any(|g| g == a)) => {
            hint.push_str("; the token has none of them");
        }
        // The token has the scope: the refusal is about something else (a tenant setting,
        // the object itself); Auth0's message says what.
        Some(_) => return None,
        None => {}
    }
    hint.push_str(
        ": the application is granted scopes on the Management API's Machine to Machine \
         Applications tab in the dashboard",
    );
    Some(hint)
}

/// The `scope` claim of a JWT access token, read without verifying it (the token is the
/// client's own; only a hint depends on it). `None` for an opaque token or no `scope`.
fn granted_scopes(authorization: &HeaderValue) -> Option<Vec<String>> {
    use base64::Engine as _;
    let token = authorization.to_str().ok()?.strip_prefix("Bearer ")?;
    let payload = token.split('.').nth(1)?;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    #[derive(serde::Deserialize)]
    struct Claims {
        scope: Option<String>,
    }
    let scope = serde_json::from_slice::<Claims>(&payload).ok()?.scope?;
    Some(
        scope
            .split_ascii_whitespace()
            .filter(|s| s.chars().all(|c| c.is_ascii_graphic()))
            .map(str::to_owned)
            .collect(),
    )
}

/// A credential field in `Debug` output (see the generated types): `[redacted]`. The value is
/// held, never printed, so that a call site names what it hides.
#[allow(dead_code, reason = "held to name what is hidden, never read")]
pub(crate) struct Redacted<'a, T>(pub(crate) &'a T);

pub(crate) use crate::lossless::RedactedValue;

/// A link field in `Debug` output (see the generated types): without its query and fragment,
/// where a pre-signed link (a users export's `location`) carries its signature
/// ([`auth0_http::redact_link`]).
#[allow(dead_code)]
pub(crate) struct RedactedLink<'a>(pub(crate) &'a String);

impl std::fmt::Debug for RedactedLink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&auth0_http::redact_link(self.0), f)
    }
}

impl<T> std::fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The URL of an operation: the client's base URL with the operation's path (`pieces` joined:
/// `["/users/", "auth0%7C1"]`, path values already encoded) after the base's own path. The
/// base was read when the client was built; only the path is read here, not the whole URL
/// again. The path is written into a copy of [`Shared::endpoint_template`], which has room
/// for it: neither string grows (a growing string is reallocated, and reallocation takes the
/// allocator's lock that threads freeing memory contend for).
#[inline]
pub(crate) fn endpoint(client: &crate::Client, pieces: &[&str]) -> reqwest::Url {
    let shared = client.shared();
    let base = shared.base.path();
    let mut path =
        String::with_capacity(base.len() + pieces.iter().map(|p| p.len()).sum::<usize>());
    path.push_str(base);
    for piece in pieces {
        path.push_str(piece);
    }
    let mut url = shared.endpoint_template.clone();
    url.set_path(&path);
    url
}

/// The base URL with a path of [`ENDPOINT_ROOM`] bytes: what [`endpoint`] copies and writes
/// an operation's path into.
pub(crate) fn endpoint_template(base: &reqwest::Url) -> reqwest::Url {
    let mut template = base.clone();
    template.set_path(&"x".repeat(ENDPOINT_ROOM));
    template
}

/// Room for an operation's path in [`endpoint`]'s copy (a longer path is still written, into
/// a string that grows).
const ENDPOINT_ROOM: usize = 256;

/// The query parameters and headers of an operation's request, added to `reqwest`'s builder
/// (values written by [`crate::query`]: lists as the parameter repeated).
pub(crate) trait QuerySome: Sized {
    /// A required query parameter.
    fn query_value<T: serde::Serialize + ?Sized>(self, name: &str, value: &T) -> Self;
    /// An optional query parameter, added only when it is set (the URL's query is not
    /// rebuilt for an absent one).
    fn query_some<T: serde::Serialize>(self, name: &str, value: &Option<T>) -> Self;
    /// An optional header, added only when it is set ([`header_value`] checked it).
    fn header_some(self, name: &'static str, value: Option<HeaderValue>) -> Self;
}

impl QuerySome for reqwest::RequestBuilder {
    #[inline]
    fn query_value<T: serde::Serialize + ?Sized>(self, name: &str, value: &T) -> Self {
        self.query(&crate::query::Param { name, value })
    }

    #[inline]
    fn query_some<T: serde::Serialize>(self, name: &str, value: &Option<T>) -> Self {
        match value {
            Some(value) => self.query_value(name, value),
            None => self,
        }
    }

    #[inline]
    fn header_some(self, name: &'static str, value: Option<HeaderValue>) -> Self {
        match value {
            Some(value) => self.header(HeaderName::from_static(name), value),
            None => self,
        }
    }
}

/// The value of an operation's header parameter, if it has one, or why it cannot be sent.
#[allow(
    dead_code,
    reason = "only the operations with a header parameter use it"
)]
pub(crate) fn header_value(
    operation: &'static str,
    name: &str,
    value: Option<&str>,
) -> Result<Option<HeaderValue>, Error> {
    value
        .map(|value| {
            HeaderValue::from_str(value).map_err(|_| {
                Error::invalid(
                    operation,
                    format!("the value of the `{name}` header is not a header value"),
                )
            })
        })
        .transpose()
}

/// Percent-encodes a path value as one segment ([`auth0_http::encode_segment`]).
pub(crate) fn encode_path(value: &str) -> String {
    auth0_http::encode_segment(value)
}

/// Refuses a path value that is empty, `.` or `..` ([`auth0_http::check_segment`]): the
/// request, token included, would go to another endpoint.
pub(crate) fn path_value(operation: &'static str, name: &str, value: &str) -> Result<(), Error> {
    auth0_http::check_segment(value).map_err(|_| {
        Error::invalid(
            operation,
            format!("the path parameter `{name}` cannot be {value:?}"),
        )
    })
}

/// Decodes a success body, naming the JSON path of a mismatch and quoting none of its values.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, Error> {
    auth0_http::decode_json(body)
        .map_err(|source| Error::decode(operation, bytes::Bytes::copy_from_slice(body), source))
}
