//! Attempt deadlines hold whatever happens to the other runtimes a client is used from: a
//! runtime shut down with a request in flight, a current-thread runtime left idle between
//! `block_on` calls (as a blocking wrapper leaves it), no tokio runtime at all. Requests go to a
//! server on 127.0.0.1 that takes connections and never answers.

use std::convert::Infallible;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use auth0_http::{
    Attempts, Deadline, Elapsed, Exchange, ManualClock, Repeat, RetryPolicy, SendError, Watchdog,
    send_within,
};
use tokio::runtime::{Builder, Runtime};
use tokio::time::Instant;

/// Longer than any deadline here by far: a call still running then has none.
const HANG: Duration = Duration::from_secs(5);

/// A server that takes every connection and never answers (the connections stay open).
fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().flatten() {
            open.push(stream);
        }
    });
    addr
}

/// A GET to the server, the same for every attempt.
struct Get(String);

impl Attempts for Get {
    type Error = Infallible;

    async fn request(&mut self, _attempt: u32) -> Result<reqwest::Request, Infallible> {
        Ok(reqwest::Request::new(
            reqwest::Method::GET,
            self.0.parse().expect("url"),
        ))
    }
}

/// One attempt of a GET to `server` that may take `timeout`, watched by `watchdog`.
async fn call(
    watchdog: &Watchdog,
    http: &reqwest::Client,
    server: SocketAddr,
    timeout: Duration,
) -> Result<reqwest::StatusCode, SendError<Infallible>> {
    let policy = RetryPolicy::disabled();
    let clock = ManualClock::new();
    let exchange = Exchange {
        http,
        policy: &policy,
        repeat: Repeat::Once,
        operation: "test",
        clock: &clock,
        deadline: Some(Deadline { watchdog, timeout }),
    };
    let mut get = Get(format!("http://{server}/api/v2/users/1"));
    send_within(&exchange, &mut get)
        .await
        .map(|(response, _)| response.status())
}

/// `call` on `runtime`, given `HANG` at most: `None` when it was still running then.
fn call_on(
    runtime: &Runtime,
    watchdog: &Watchdog,
    server: SocketAddr,
    timeout: Duration,
) -> Option<Result<reqwest::StatusCode, SendError<Infallible>>> {
    // An HTTP client of this runtime's own: the connections of another are not this test's.
    let http = reqwest::Client::new();
    runtime.block_on(guarded(call(watchdog, &http, server, timeout)))
}

/// `work`'s output, or `None` when it was still running after `HANG`. (Not
/// `tokio::time::timeout`: it polls the work once more when its time is up, and the work
/// would find its own deadline passed then.)
async fn guarded<F: Future>(work: F) -> Option<F::Output> {
    tokio::select! {
        biased;
        () = tokio::time::sleep(HANG) => None,
        out = work => Some(out),
    }
}

fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn assert_timed_out(
    out: Option<Result<reqwest::StatusCode, SendError<Infallible>>>,
    timeout: Duration,
) {
    match out {
        Some(Err(SendError::Timeout { after })) => assert_eq!(after, timeout),
        None => panic!("a call with a {timeout:?} deadline still ran after {HANG:?}"),
        Some(other) => panic!("expected a timeout, got {other:?}"),
    }
}

/// Polls `future` once.
async fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    let mut future = Some(future);
    std::future::poll_fn(|cx| Poll::Ready(future.take().expect("polled once").poll(cx))).await
}

#[test]
fn a_runtime_shut_down_with_a_request_in_flight_leaves_the_deadlines_of_the_client() {
    let server = silent_server();
    let watchdog = Watchdog::new();
    let first = current_thread();
    let http = reqwest::Client::new();
    first.block_on(async {
        let mut call = pin!(call(&watchdog, &http, server, Duration::from_secs(60)));
        assert!(poll_once(call.as_mut()).await.is_pending());
    });
    drop(first);

    let timeout = Duration::from_millis(300);
    for runtime in [multi_thread(), current_thread()] {
        assert_timed_out(call_on(&runtime, &watchdog, server, timeout), timeout);
    }
}

#[test]
fn a_runtime_shut_down_with_work_in_flight_leaves_the_deadlines_of_the_watchdog() {
    let watchdog = Watchdog::new();
    let first = current_thread();
    let far = Instant::now() + Duration::from_secs(60);
    // Work polled once (it registers its deadline), then the runtime goes, with whatever it
    // had not run yet.
    first.block_on(async {
        let mut work = pin!(watchdog.within(far, std::future::pending::<()>()));
        assert!(poll_once(work.as_mut()).await.is_pending());
    });
    drop(first);

    let second = multi_thread();
    let out = second.block_on(async {
        let deadline = Instant::now() + Duration::from_millis(300);
        guarded(watchdog.within(deadline, std::future::pending::<()>())).await
    });
    assert_eq!(out, Some(Err(Elapsed)), "no deadline after {HANG:?}");
}

#[test]
fn a_current_thread_runtime_left_idle_holds_up_no_deadline_of_another() {
    let server = silent_server();
    let watchdog = Watchdog::new();
    // A blocking wrapper's runtime: driven only during its `block_on` calls.
    let idle = current_thread();
    let short = Duration::from_millis(100);
    assert_timed_out(call_on(&idle, &watchdog, server, short), short);

    let timeout = Duration::from_millis(300);
    let other = multi_thread();
    assert_timed_out(call_on(&other, &watchdog, server, timeout), timeout);
    // Another thread's blocking call, while the first runtime still idles.
    let out = std::thread::scope(|s| {
        s.spawn(|| call_on(&current_thread(), &watchdog, server, timeout))
            .join()
            .expect("no panic")
    });
    assert_timed_out(out, timeout);
    // The idle runtime's own next call too.
    assert_timed_out(call_on(&idle, &watchdog, server, short), short);
}

#[test]
fn an_idle_runtime_holding_a_request_in_flight_holds_up_no_deadline_of_another() {
    let server = silent_server();
    let watchdog = Watchdog::new();
    let idle = current_thread();
    let http = reqwest::Client::new();
    // A request in flight on the idle runtime's task, which runs only while it is driven.
    let pending = idle.spawn({
        let watchdog = watchdog.clone();
        async move { call(&watchdog, &http, server, Duration::from_secs(60)).await }
    });
    idle.block_on(async {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    });

    let timeout = Duration::from_millis(300);
    assert_timed_out(
        call_on(&multi_thread(), &watchdog, server, timeout),
        timeout,
    );
    pending.abort();
}

/// Wakes the thread that polls.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

#[test]
fn a_deadline_holds_on_an_executor_that_is_not_tokio() {
    let watchdog = Watchdog::new();
    let deadline = Instant::now() + Duration::from_millis(100);
    let mut work = pin!(watchdog.within(deadline, std::future::pending::<()>()));
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let started = std::time::Instant::now();
    let out = loop {
        if let Poll::Ready(out) = work.as_mut().poll(&mut cx) {
            break out;
        }
        std::thread::park_timeout(HANG);
        // Polled again, the work would find its deadline passed: only a wake counts.
        assert!(started.elapsed() < HANG, "not woken after {HANG:?}");
    };
    assert_eq!(out, Err(Elapsed));
    assert!(started.elapsed() >= Duration::from_millis(100));
}
