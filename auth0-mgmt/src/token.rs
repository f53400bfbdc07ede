//! Management API access tokens: where they come from, and the cache that shares one token
//! (and one request for a new one) among every clone of a [`Client`](crate::Client).
//!
//! The cache is `auth0-auth`'s [`Tokens`]: client-credentials tokens come from an
//! [`auth0_auth::TokenCache`] for the Management API's audience, and a [`TokenSource`] of
//! your own goes through the same [`Tokens`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth0_auth::tokens::Tokens;
use auth0_http::{AccessToken, Clock};

use crate::Error;

/// A Management API access token and how long it stays valid ([`Token::new`]).
pub use auth0_auth::tokens::Token;
pub(crate) use auth0_auth::tokens::{Bearer, TokenId};

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Token, Error>> + Send + 'a>>;

/// Somewhere Management API tokens come from (client credentials, a secret store, ...).
///
/// The client asks for a token on first use, caches it, and asks again shortly before it
/// expires or after the API rejects it with 401; concurrent callers share one request.
pub trait TokenSource: Send + Sync + 'static {
    /// Fetches a fresh token.
    fn fetch(&self) -> TokenFuture<'_>;
}

/// A fixed token (no refresh).
pub(crate) struct StaticToken(pub(crate) AccessToken);

impl TokenSource for StaticToken {
    fn fetch(&self) -> TokenFuture<'_> {
        let token = Token::new(self.0.clone(), None);
        Box::pin(async move { Ok(token) })
    }
}

/// A [`TokenSource`] as `auth0-auth`'s cache takes it: its errors carried as
/// [`auth0_auth::Error::TokenSource`], and given back as they were by [`TokenCache`].
struct Source(Arc<dyn TokenSource>);

impl auth0_auth::tokens::TokenSource for Source {
    fn fetch(&self) -> auth0_auth::tokens::TokenFuture<'_> {
        Box::pin(async move {
            self.0
                .fetch()
                .await
                .map_err(|e| auth0_auth::Error::TokenSource(Box::new(e)))
        })
    }

    fn retry_after(&self, error: &auth0_auth::Error, now: SystemTime) -> Option<Duration> {
        let headers = match error {
            auth0_auth::Error::TokenSource(e) => e.downcast_ref::<Error>()?.api()?.headers(),
            other => other.api()?.headers(),
        };
        auth0_http::server_wait(headers, now)
    }
}

/// The client's token: `auth0-auth`'s [`Tokens`], and whether a rejected token may be
/// replaced by asking again.
pub(crate) struct TokenCache {
    tokens: Tokens,
    refreshable: bool,
}

impl TokenCache {
    /// Client-credentials tokens of `auth` for the Management API (`audience`).
    pub(crate) fn client_credentials(auth: auth0_auth::Client, audience: String) -> Self {
        TokenCache {
            tokens: auth0_auth::TokenCache::new(auth).audience(audience),
            refreshable: true,
        }
    }

    /// Tokens from `source`.
    pub(crate) fn from_source(
        source: Arc<dyn TokenSource>,
        refreshable: bool,
        clock: Arc<dyn Clock>,
    ) -> Self {
        TokenCache {
            tokens: Tokens::from_source(Source(source), clock),
            refreshable,
        }
    }

    /// Whether a rejected token may be replaced by asking the source again.
    pub(crate) fn refreshable(&self) -> bool {
        self.refreshable
    }

    /// The `Authorization` header to use now, fetching a token when none is fresh
    /// ([`Tokens::bearer`]: one request shared by concurrent callers, a backoff after a
    /// failure, [`Error::TokenShared`] for the callers that did not make the request).
    pub(crate) async fn authorization(&self) -> Result<Bearer, Error> {
        self.tokens.bearer().await.map_err(token_error)
    }

    /// The API rejected the token `rejected` with 401: whether to try again with another
    /// ([`Tokens::reject`]).
    pub(crate) async fn reject(&self, rejected: TokenId) -> bool {
        self.tokens.reject(rejected).await
    }

    /// The token at hand if it needs no renewing yet, without waiting.
    pub(crate) fn fresh(&self) -> Option<Bearer> {
        self.tokens.current()
    }
}

/// A failure to get a token as this crate's [`Error`]: a source's own error as it was, a
/// shared failure as [`Error::TokenShared`], the client-credentials grant's as
/// [`Error::Token`].
fn token_error(e: auth0_auth::Error) -> Error {
    match e {
        auth0_auth::Error::TokenShared(message) => Error::TokenShared(message),
        auth0_auth::Error::TokenSource(source) => match source.downcast::<Error>() {
            Ok(own) => *own,
            Err(other) => Error::Token(Box::new(auth0_auth::Error::TokenSource(other))),
        },
        other => Error::Token(Box::new(other)),
    }
}
