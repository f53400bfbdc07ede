//! The blocking Authentication API client (feature `blocking`), for programs without an async
//! runtime: the same [`Client`](crate::Client) methods and request builders, whose `send()`
//! returns the answer instead of a future.
//!
//! ```no_run
//! # fn run() -> Result<(), auth0_auth::Error> {
//! let auth = auth0_auth::Client::builder("my-tenant.auth0.com")
//!     .client_id("CLIENT_ID")
//!     .client_secret("CLIENT_SECRET")
//!     .build_blocking()?;
//! let tokens = auth
//!     .client_credentials()
//!     .audience("https://api.example.com/")
//!     .send()?;
//! println!("expires at {:?}", tokens.expires_at());
//! # Ok(()) }
//! ```
//!
//! The client owns a runtime: one thread, shared by its clones and stopped when the last one
//! is dropped, that drives its connections and timers. A call runs on the thread that makes
//! it and blocks that thread until the answer is read; it works from any thread, a worker of
//! a tokio runtime included (which it then blocks: from async code, prefer the async
//! [`Client`](crate::Client)). Nothing of it panics inside an async context, dropping
//! included.

/// The blocking client: [`Client`](crate::Client) in the [`Blocking`] mode. Made by
/// [`ClientBuilder::build_blocking`](crate::ClientBuilder::build_blocking).
pub type Client = crate::Client<Blocking>;

/// The mode of the blocking client: `send()` runs the request on the client's runtime and
/// returns its answer.
#[derive(Clone, Debug)]
pub struct Blocking {
    runtime: auth0_http::blocking::Runtime,
}

impl Blocking {
    pub(crate) fn new(runtime: auth0_http::blocking::Runtime) -> Self {
        Self { runtime }
    }
}

impl crate::Mode for Blocking {
    type Output<F: std::future::Future> = F::Output;

    #[inline]
    fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl crate::Client<Blocking> {
    /// Runs a future on this client's runtime, blocking until it ends: for what is only
    /// async, such as [`TokenResponse::verify_id_token`](crate::TokenResponse::verify_id_token).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.mode.runtime.block_on(future)
    }
}
