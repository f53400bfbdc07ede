//! The runtime a blocking client owns (feature `blocking`): one thread per client, shared by
//! its clones and ended when the last one is dropped, running a tokio current-thread runtime
//! that drives the client's connections, timers and name lookups.
//!
//! A blocking call runs its future on the calling thread, with that runtime entered (sockets
//! and timers made by the call belong to it) and tokio's cooperative budget lifted, and parks
//! the thread between polls; the runtime's thread wakes it. So a call works the same from a
//! plain thread and from inside a tokio runtime: it never panics, it blocks the thread that
//! calls it (from async code, a worker of that runtime; a server on the same current-thread
//! runtime is not served meanwhile). Dropping the last clone from anywhere stops the thread.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A client-owned runtime: cheap to clone (clones share the thread).
#[derive(Clone)]
pub struct Runtime {
    owned: Arc<Owned>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field(
                "thread",
                &self.owned.thread.as_ref().map(|t| t.thread().id()),
            )
            .finish()
    }
}

/// The thread and how to stop it; dropped with the last clone.
struct Owned {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A task of the runtime holding the last clone cannot wait for its own thread.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl Runtime {
    /// Starts the runtime's thread (named `auth0-blocking`).
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("auth0-blocking".into())
            .spawn(move || {
                // Either a stop or the last sender dropped.
                let _ = runtime.block_on(stopped);
                // Name lookups still running are left to finish on their own.
                runtime.shutdown_background();
            })?;
        Ok(Self {
            owned: Arc::new(Owned {
                handle,
                stop: Some(stop),
                thread: Some(thread),
            }),
        })
    }

    /// Runs `future` to its end on the calling thread, within this runtime; see the module's
    /// documentation for the rule.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = self.owned.handle.enter();
        park_on(tokio::task::unconstrained(future))
    }

    /// The runtime's handle (to spawn onto it, say).
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.owned.handle
    }
}

/// Wakes a parked thread.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between polls. (`futures::executor::block_on`
/// would panic when called under another `futures` executor.)
fn park_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A spurious wake polls again, which is harmless.
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn runs_timers_and_tasks_from_a_plain_thread() {
        let rt = Runtime::new().unwrap();
        let spawned = rt.handle().spawn(async { 7 });
        let got = rt.block_on(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            spawned.await.unwrap()
        });
        assert_eq!(got, 7);
    }

    #[tokio::test]
    async fn runs_inside_a_tokio_runtime_and_stops_when_dropped_there() {
        let rt = Runtime::new().unwrap();
        let got = rt.block_on(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            "done"
        });
        assert_eq!(got, "done");
        // A task that never ends tells when it is dropped: at the runtime's shutdown.
        struct Tell(std::sync::mpsc::Sender<()>);
        impl Drop for Tell {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (tell, told) = std::sync::mpsc::channel();
        let tell = Tell(tell);
        rt.handle().spawn(async move {
            let _tell = tell;
            std::future::pending::<()>().await
        });
        let clone = rt.clone();
        drop(rt);
        assert!(told.try_recv().is_err(), "a clone keeps the runtime");
        drop(clone);
        // The last drop has stopped the thread and waited for it.
        assert!(told.try_recv().is_ok());
    }
}
