//! The runtime the blocking verifiers fetch keys on: one thread, started on first use. Its
//! own module, below the verifiers that use it and the blocking API built on them.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use crate::error::{JwksError, TokenValidationError};

/// A lazily started one-thread runtime for JWKS fetches.
#[derive(Default)]
pub(crate) struct BlockingRuntime {
    runtime: OnceLock<Result<tokio::runtime::Runtime, Arc<std::io::Error>>>,
}

impl BlockingRuntime {
    pub(crate) fn run<F>(&self, future: F) -> Result<F::Output, TokenValidationError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = self.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("auth0-verify-jwks")
                .enable_all()
                .build()
                .map_err(Arc::new)
        });
        let runtime = match runtime {
            Ok(r) => r,
            Err(e) => {
                return Err(JwksError::Runtime {
                    source: Arc::clone(e),
                }
                .into());
            }
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv().map_err(|_| {
            JwksError::Runtime {
                source: Arc::new(std::io::Error::other("the JWKS fetch task stopped")),
            }
            .into()
        })
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        if let Some(Ok(runtime)) = self.runtime.take() {
            // A plain drop may block, which panics inside async code.
            runtime.shutdown_background();
        }
    }
}
