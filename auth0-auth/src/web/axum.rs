//! The axum side (feature `axum`): the routes as a [`Router`] to merge, the session layer
//! that opens sessions for the extractors and writes changed ones back, the login-required
//! layer, and the extractors [`User`], [`Session`] and [`AccessToken`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::axum::Router;
use ::axum::body::Body;
use ::axum::extract::{FromRequestParts, OptionalFromRequestParts, Request};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{get, post};
use http::HeaderMap;
use http::request::Parts;
use tower_layer::Layer;
use tower_service::Service;

use super::flow::{CallbackParams, LoginOptions, WebResponse};
use super::session::Opened;
use super::store::StoreError;
use super::{AccessToken, Session, User, WebAuth, WebError};

/// The largest back-channel logout or `form_post` body read.
const MAX_FORM_BODY: usize = 64 * 1024;

impl IntoResponse for WebResponse {
    fn into_response(self) -> Response {
        WebResponse::into_response::<Body>(self)
    }
}

impl WebAuth {
    /// The routes, to `merge` into the application's router: `GET` login, `GET` and `POST`
    /// callback, `GET` logout and `POST` back-channel logout, at the configured paths
    /// (`/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/backchannel-logout`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use auth0_auth::web::{AccessToken, User, WebAuth};
    /// use axum::{Json, Router, routing::get};
    ///
    /// let auth = WebAuth::builder("my-tenant.us.auth0.com")
    ///     .client_id("CLIENT_ID")
    ///     .client_secret("CLIENT_SECRET")
    ///     .base_url("http://localhost:3000")
    ///     .secret("at least 32 bytes of randomness, from the environment")
    ///     .build()?;
    /// let app: Router = Router::new()
    ///     .route("/", get(|user: Option<User>| async move { format!("{:?}", user.map(|u| u.sub)) }))
    ///     .route(
    ///         "/profile",
    ///         get(|user: User| async move { Json(user) }).route_layer(auth.require_login()),
    ///     )
    ///     .route("/api/token", get(|t: AccessToken| async move { t.expose_secret().to_owned() }))
    ///     .merge(auth.router())
    ///     .layer(auth.layer());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// axum::serve(listener, app).await?;
    /// # Ok(()) }
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let paths = &self.inner.paths;
        let login = {
            let auth = self.clone();
            move |request: Request| {
                let auth = auth.clone();
                async move {
                    let options = LoginOptions::from_query(request.uri().query().unwrap_or(""));
                    auth.login(&options, request.headers())
                }
            }
        };
        let callback = {
            let auth = self.clone();
            move |request: Request| {
                let auth = auth.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let params = if parts.method == http::Method::POST {
                        match ::axum::body::to_bytes(body, MAX_FORM_BODY).await {
                            Ok(b) => CallbackParams::from_urlencoded(&b),
                            Err(_) => CallbackParams::default(),
                        }
                    } else {
                        CallbackParams::from_urlencoded(parts.uri.query().unwrap_or("").as_bytes())
                    };
                    auth.callback(&params, &parts.headers).await
                }
            }
        };
        let logout = {
            let auth = self.clone();
            move |request: Request| {
                let auth = auth.clone();
                async move {
                    let return_to =
                        url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
                            .find(|(k, _)| k == "returnTo")
                            .map(|(_, v)| v.into_owned());
                    auth.logout(return_to.as_deref(), request.headers()).await
                }
            }
        };
        let backchannel = {
            let auth = self.clone();
            move |request: Request| {
                let auth = auth.clone();
                async move {
                    match ::axum::body::to_bytes(request.into_body(), MAX_FORM_BODY).await {
                        Ok(body) => auth.backchannel_logout(&body).await,
                        Err(_) => auth.backchannel_logout(b"").await,
                    }
                }
            }
        };
        Router::new()
            .route(&paths.login, get(login))
            .route(&paths.callback, get(callback.clone()).post(callback))
            .route(&paths.logout, get(logout))
            .route(&paths.backchannel_logout, post(backchannel))
    }

    /// The session layer, around the whole application (`.layer(auth.layer())`): the
    /// extractors open the request's session through it (once per request, only when one is
    /// asked for), and a session that changed (a token refreshed, its expiry renewed) is
    /// written back into the response's `Set-Cookie`; a refused session cookie is removed.
    pub fn layer(&self) -> SessionLayer {
        SessionLayer {
            auth: self.clone(),
            required: false,
        }
    }

    /// The login-required layer, on the routes that need a user (`.route_layer(..)`): a
    /// request without a session is sent to the login route with `returnTo` its path, when it
    /// comes from a browser (`Accept: text/html`), and answered `401` otherwise. Works alone
    /// or under [`layer`](Self::layer).
    pub fn require_login(&self) -> SessionLayer {
        SessionLayer {
            auth: self.clone(),
            required: true,
        }
    }
}

/// The layer of [`WebAuth::layer`] and [`WebAuth::require_login`].
#[derive(Clone, Debug)]
pub struct SessionLayer {
    auth: WebAuth,
    required: bool,
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> SessionService<S> {
        SessionService {
            inner,
            auth: self.auth.clone(),
            required: self.required,
        }
    }
}

/// The service of a [`SessionLayer`].
#[derive(Clone, Debug)]
pub struct SessionService<S> {
    inner: S,
    auth: WebAuth,
    required: bool,
}

/// What a request's session slot holds once opened.
enum OpenState {
    Opened(Opened),
    Failed(String),
}

/// The request's session, opened at most once, shared by the layers and extractors of one
/// request.
#[derive(Clone)]
struct Slot(Arc<SlotInner>);

struct SlotInner {
    auth: WebAuth,
    state: tokio::sync::OnceCell<OpenState>,
}

impl Slot {
    fn new(auth: WebAuth) -> Self {
        Slot(Arc::new(SlotInner {
            auth,
            state: tokio::sync::OnceCell::new(),
        }))
    }

    async fn open(&self, headers: &HeaderMap) -> Result<Option<Session>, WebError> {
        let state = self
            .0
            .state
            .get_or_init(|| async {
                match self.0.auth.open(headers).await {
                    Ok(o) => OpenState::Opened(o),
                    Err(e) => OpenState::Failed(e.to_string()),
                }
            })
            .await;
        match state {
            OpenState::Opened(o) => Ok(o.session.clone()),
            OpenState::Failed(message) => Err(WebError::Store(StoreError::new(message.clone()))),
        }
    }

    /// Adds the `Set-Cookie` values of a changed session, or those removing a refused one.
    async fn write_back(&self, response: &mut Response) {
        let Some(OpenState::Opened(opened)) = self.0.state.get() else {
            return;
        };
        let auth = &self.0.auth;
        // A route that wrote the session cookie itself (a login's callback, a logout) has the
        // last word.
        let name = auth.session_cookie_name();
        let written = response
            .headers()
            .get_all(http::header::SET_COOKIE)
            .iter()
            .any(|v| {
                v.as_bytes()
                    .strip_prefix(name.as_bytes())
                    .is_some_and(|rest| rest.first().is_some_and(|b| *b == b'=' || *b == b'.'))
            });
        if written {
            return;
        }
        let mut cookies = Vec::new();
        match &opened.session {
            Some(session) if session.is_changed() => match auth.save_session(session).await {
                Ok(c) => cookies = c,
                Err(e) => tracing::warn!(error = %e, "a changed session could not be saved"),
            },
            Some(_) => {}
            None if opened.refused() => auth.clear_present(opened.present, &mut cookies),
            None => {}
        }
        for c in cookies {
            response.headers_mut().append(http::header::SET_COOKIE, c);
        }
    }
}

impl<S, B> Service<http::Request<B>> for SessionService<S>
where
    S: Service<http::Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let (slot, owner) = match request.extensions().get::<Slot>() {
            Some(slot) => (slot.clone(), false),
            None => {
                let slot = Slot::new(self.auth.clone());
                request.extensions_mut().insert(slot.clone());
                (slot, true)
            }
        };
        // The service that was made ready is the one called; a clone stays for next time.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let required = self.required;
        Box::pin(async move {
            if required {
                let refusal = match slot.open(request.headers()).await {
                    Ok(Some(_)) => None,
                    Ok(None) => Some(slot.0.auth.login_required(
                        request.uri().path_and_query().map_or("/", |p| p.as_str()),
                        request.headers(),
                    )),
                    Err(e) => Some(WebResponse::error_json(e, Vec::new())),
                };
                if let Some(refusal) = refusal {
                    let mut response = refusal.into_response();
                    if owner {
                        slot.write_back(&mut response).await;
                    }
                    return Ok(response);
                }
            }
            let mut response = inner.call(request).await?;
            if owner {
                slot.write_back(&mut response).await;
            }
            Ok(response)
        })
    }
}

/// The answer of an extractor that found no session (or no usable token): like
/// [`WebAuth::require_login`], a redirect to the login for browsers and `401` otherwise;
/// `502`/`503` when the tenant or the session store could not be reached.
#[derive(Debug)]
pub struct LoginRejection {
    response: WebResponse,
}

impl LoginRejection {
    fn new(auth: &WebAuth, parts: &Parts, error: WebError) -> Self {
        let response = if error.is_login_required() {
            auth.login_required(
                parts.uri.path_and_query().map_or("/", |p| p.as_str()),
                &parts.headers,
            )
        } else {
            WebResponse::error_json(error, Vec::new())
        };
        LoginRejection { response }
    }

    fn no_layer() -> Self {
        tracing::error!(
            "a session extractor is used without the session layer: add `.layer(auth.layer())` \
             (or `.route_layer(auth.require_login())`)"
        );
        LoginRejection {
            response: WebResponse::error_json(
                WebError::config("the session layer is missing: add `.layer(auth.layer())`"),
                Vec::new(),
            ),
        }
    }

    /// The answer it gives.
    pub fn response(&self) -> &WebResponse {
        &self.response
    }
}

impl IntoResponse for LoginRejection {
    fn into_response(self) -> Response {
        self.response.into_response()
    }
}

async fn session_of(parts: &Parts) -> Result<(Slot, Option<Session>), LoginRejection> {
    let slot = parts
        .extensions
        .get::<Slot>()
        .cloned()
        .ok_or_else(LoginRejection::no_layer)?;
    match slot.open(&parts.headers).await {
        Ok(session) => Ok((slot, session)),
        Err(e) => Err(LoginRejection::new(&slot.0.auth, parts, e)),
    }
}

async fn required_session(parts: &Parts) -> Result<(Slot, Session), LoginRejection> {
    match session_of(parts).await? {
        (slot, Some(session)) => Ok((slot, session)),
        (slot, None) => Err(LoginRejection::new(
            &slot.0.auth,
            parts,
            WebError::LoginRequired,
        )),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = LoginRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, LoginRejection> {
        Ok(required_session(parts).await?.1)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = LoginRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, LoginRejection> {
        Ok(session_of(parts).await?.1)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = LoginRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, LoginRejection> {
        let (slot, session) = required_session(parts).await?;
        session
            .user()
            .map_err(|e| LoginRejection::new(&slot.0.auth, parts, e))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for User {
    type Rejection = LoginRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, LoginRejection> {
        Ok(session_of(parts).await?.1.and_then(|s| s.user().ok()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AccessToken {
    type Rejection = LoginRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, LoginRejection> {
        let (slot, session) = required_session(parts).await?;
        session
            .access_token()
            .await
            .map_err(|e| LoginRejection::new(&slot.0.auth, parts, e))
    }
}
