//! The one service of the layers: a request passes a [`Check`] (the layer's authentication, a
//! route's requirement) or is answered with its refusal, written by an [`Answer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::request::Parts;
use http::{Request, Response};
use tower_service::Service;

use super::{Answer, Challenge, Json, Refusal};

/// A check a request must pass before the service behind it is called: what
/// [`AuthLayer`](super::AuthLayer) ([`Authenticate`](super::Authenticate)) and
/// [`Require`](super::Require) ([`Requirement`](super::Requirement)) do, and what a check of
/// one's own does under [`Protected`].
pub trait Check: Clone + Send + Sync + 'static {
    /// `Ok` lets the request through (with what the check put in its extensions); a
    /// [`Refusal`] is answered, challenging the caller with the [`Challenge`] in the request's
    /// extensions (the layer's).
    fn check(&self, request: &mut Parts) -> impl Future<Output = Result<(), Refusal>> + Send;
}

/// The service of [`AuthLayer`](super::AuthLayer) ([`Auth`](super::Auth)) and of
/// [`Require`](super::Require) ([`RequireService`](super::RequireService)): calls `S` with the
/// requests that pass the check `C`, and answers the others as `A` writes them ([`Json`] by
/// default, [`Grpc`](super::Grpc)).
#[derive(Clone, Debug)]
pub struct Protected<S, C, A = Json> {
    inner: S,
    check: C,
    answer: A,
}

impl<S, C, A> Protected<S, C, A> {
    /// `inner` behind `check`, refusals written by `answer`.
    pub fn new(inner: S, check: C, answer: A) -> Self {
        Protected {
            inner,
            check,
            answer,
        }
    }
}

/// The future of [`Protected`].
pub type ResponseFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

impl<S, C, A, ReqBody, ResBody> Service<Request<ReqBody>> for Protected<S, C, A>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    C: Check,
    A: Answer<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone of `inner` that was made ready is the one called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let check = self.check.clone();
        let answer = self.answer.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match check.check(&mut parts).await {
                Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                Err(refusal) => {
                    let challenge = parts
                        .extensions
                        .get::<Challenge>()
                        .cloned()
                        .unwrap_or_else(Challenge::default_realm);
                    Ok(answer.answer(&refusal, &challenge))
                }
            }
        })
    }
}
