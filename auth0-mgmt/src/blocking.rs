//! The blocking Management client (feature `blocking`), for programs without an async
//! runtime: the same resource accessors and request builders as [`crate::Client`], whose
//! `send()` returns the answer instead of a future, and whose `pages()` and `items()` are
//! iterators.
//!
//! ```no_run
//! # fn run() -> Result<(), auth0_mgmt::Error> {
//! let mgmt = auth0_mgmt::Client::builder("my-tenant.auth0.com")
//!     .client_credentials("CLIENT_ID", "CLIENT_SECRET")
//!     .build_blocking()?;
//! let user = mgmt.users().get("auth0|123").fields("email,name").send()?;
//! println!("{:?}", user.email);
//! for user in mgmt.users().list().per_page(100).items() {
//!     println!("{:?}", user?.email);
//! }
//! # Ok(()) }
//! ```
//!
//! The client owns a runtime: one thread, shared by its clones and stopped when the last one
//! is dropped, that drives its connections and timers. A call runs on the thread that makes
//! it and blocks that thread until the answer is read; it works from any thread, a worker of
//! a tokio runtime included (which it then blocks: from async code, prefer
//! [`crate::Client`]). Nothing of it panics inside an async context, dropping included.

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::Error;

/// The blocking Management API client: cheap to clone (clones share the connection pool, the
/// token cache and the runtime's thread), `Send + Sync`. Made by
/// [`ClientBuilder::build_blocking`](crate::ClientBuilder::build_blocking).
#[derive(Clone, Debug)]
pub struct Client {
    client: crate::Client,
    runtime: auth0_http::blocking::Runtime,
}

impl Client {
    pub(crate) fn new(client: crate::Client, runtime: auth0_http::blocking::Runtime) -> Self {
        Self { client, runtime }
    }

    /// The async client under this one (sharing its pool and tokens). Its futures are
    /// driven by whatever runtime awaits them, not by this client's.
    pub fn as_async(&self) -> &crate::Client {
        &self.client
    }

    /// The custom domain sent as `Auth0-Custom-Domain`, if one was set.
    pub fn custom_domain(&self) -> Option<&str> {
        self.client.custom_domain()
    }

    /// The base URL requests go to (ends in `/api/v2`).
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// Runs a future on this client's runtime, blocking until it ends: for what the builders
    /// give as an async value, such as the byte stream of a streamed answer or a handwritten
    /// async helper (`client.block_on(mgmt.as_async().jobs().wait(id).send())`).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl crate::Mode for Client {
    type Output<F: std::future::Future> = F::Output;
    type Stream<'a, T: 'a> = Iter<'a, T>;

    #[inline]
    fn client(&self) -> &crate::Client {
        &self.client
    }

    #[inline]
    fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    #[inline]
    fn stream<'a, T: 'a>(&'a self, stream: BoxStream<'a, Result<T, Error>>) -> Iter<'a, T> {
        Iter {
            runtime: &self.runtime,
            stream,
        }
    }
}

/// The pages or items of a list, fetched as the iteration reaches them (`pages()` and
/// `items()` of the blocking client's builders); ends after the last one, or after yielding
/// an error.
#[must_use = "an iterator fetches nothing until iterated"]
pub struct Iter<'a, T> {
    runtime: &'a auth0_http::blocking::Runtime,
    stream: BoxStream<'a, Result<T, Error>>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.runtime.block_on(self.stream.next())
    }
}

impl<T> std::fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}
