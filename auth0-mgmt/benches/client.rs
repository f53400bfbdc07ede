//! Speed of the Management client against a local server, compared in the same run with a
//! bare `reqwest` + `serde_json` loop: sequential `users().get(id)` through the full client
//! (token, telemetry, retry policy, tolerant decoding) against the loop fetching the same
//! payload over keep-alive and decoding it into the same type. (Decoding alone is measured by
//! the `decode` benchmark.) The bare loop is measured twice: as one would write it (the URL a
//! string parsed by each request, `bearer_auth` formatting the header), and at its leanest
//! (the URL parsed and the `Authorization` value built once, copied into each request).
//!
//! Then the same under load: 64 concurrent tasks on a two-worker runtime (the server's one
//! worker shares the two cores), requests/s of the client against the bare loop.
//!
//! `cargo bench -p auth0-mgmt --bench client` prints criterion's figures, then summaries of
//! interleaved rounds (median) with the ratios. `-- --concurrent-only` runs the concurrent
//! rounds alone; `-- --bare-same-headers` has the bare loop send the client's `Accept` and
//! `Auth0-Client` headers too (the same request on the wire; the server shares the cores, so
//! each header it reads counts); `-- --only-client` / `--only-bare` / `--only-prebuilt` (with
//! `--per-task N`) run one side, for a profiler.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use auth0_mgmt::{Client, types};
use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group};

mod common;

use common::{median, user};

struct Server {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

/// An HTTP/1.1 server on 127.0.0.1 answering every `GET /api/v2/users/{id}` with one user.
fn server() -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let body = serde_json::to_vec(&user(7)).expect("json");
    let addr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = Router::new().route(
            "/api/v2/users/{id}",
            get(move || {
                let body = body.clone();
                async move { ([("content-type", "application/json")], body) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    Server {
        addr,
        _runtime: runtime,
    }
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    client: Client,
    http: reqwest::Client,
    url: String,
    /// The same URL parsed once, and the `Authorization` value built once, for the leanest
    /// bare loop.
    parsed: reqwest::Url,
    authorization: reqwest::header::HeaderValue,
    /// `--bare-same-headers`: the bare loop sends the headers the client sends (`Accept`,
    /// `Auth0-Client`) besides the token, so that both put the same request on the wire.
    same_headers: bool,
    telemetry: reqwest::header::HeaderValue,
    _server: Server,
}

fn setup() -> Setup {
    setup_on(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
    )
}

fn setup_on(runtime: tokio::runtime::Runtime) -> Setup {
    let server = server();
    let base = format!("http://{}", server.addr);
    let client = Client::builder(base.as_str())
        .token("bench-token")
        .build()
        .expect("client");
    Setup {
        runtime,
        client,
        http: reqwest::Client::new(),
        url: format!("{base}/api/v2/users/auth0%7C7"),
        parsed: format!("{base}/api/v2/users/auth0%7C7")
            .parse()
            .expect("url"),
        authorization: reqwest::header::HeaderValue::from_static("Bearer bench-token"),
        same_headers: std::env::args().any(|a| a == "--bare-same-headers"),
        telemetry: auth0_http::Telemetry::for_crate("auth0-mgmt").header_value(),
        _server: server,
    }
}

async fn via_client(s: &Setup) -> types::GetUserResponseContent {
    s.client.users().get("auth0|7").send().await.expect("user")
}

async fn via_reqwest(s: &Setup) -> types::GetUserResponseContent {
    let mut request = s.http.get(&s.url).bearer_auth("bench-token");
    if s.same_headers {
        request = request
            .header(reqwest::header::ACCEPT, "application/json")
            .header(auth0_http::TELEMETRY_HEADER, s.telemetry.clone());
    }
    let bytes = request
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

/// The bare loop with nothing made per request that could be made once: the URL parsed and
/// the `Authorization` value built before the loop, the request made without a builder.
async fn via_reqwest_prebuilt(s: &Setup) -> types::GetUserResponseContent {
    let mut request = reqwest::Request::new(reqwest::Method::GET, s.parsed.clone());
    let headers = request.headers_mut();
    headers.insert(reqwest::header::AUTHORIZATION, s.authorization.clone());
    if s.same_headers {
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        headers.insert(auth0_http::TELEMETRY_HEADER, s.telemetry.clone());
    }
    let bytes = s
        .http
        .execute(request)
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

fn benches(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("users_get_sequential");
    group.bench_function("auth0_mgmt_client", |b| {
        b.iter(|| black_box(s.runtime.block_on(via_client(&s))))
    });
    group.bench_function("bare_reqwest_serde_json", |b| {
        b.iter(|| black_box(s.runtime.block_on(via_reqwest(&s))))
    });
    group.bench_function("bare_reqwest_serde_json_prebuilt", |b| {
        b.iter(|| black_box(s.runtime.block_on(via_reqwest_prebuilt(&s))))
    });
    group.finish();
}

/// Requests per second of `n` sequential calls.
fn rate<F: Fn() -> R, R>(n: usize, f: F) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn summary() {
    let s = setup();
    // Warm up the connections and caches.
    for _ in 0..200 {
        s.runtime.block_on(via_client(&s));
        s.runtime.block_on(via_reqwest(&s));
        s.runtime.block_on(via_reqwest_prebuilt(&s));
    }
    let (mut ours, mut bare, mut prebuilt) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        ours.push(rate(2000, || s.runtime.block_on(via_client(&s))));
        bare.push(rate(2000, || s.runtime.block_on(via_reqwest(&s))));
        prebuilt.push(rate(2000, || s.runtime.block_on(via_reqwest_prebuilt(&s))));
    }
    let (ours, bare, prebuilt) = (median(ours), median(bare), median(prebuilt));
    println!("\n== summary (median of 5 interleaved rounds of 2,000 sequential requests) ==");
    println!("users().get(id) through auth0-mgmt: {ours:>9.0} requests/s");
    println!("bare reqwest + serde_json:          {bare:>9.0} requests/s");
    println!("bare, URL and Authorization prebuilt: {prebuilt:>7.0} requests/s");
    println!("ratio: {:.3}x of the bare loop", ours / bare);
    println!(
        "ratio: {:.3}x of the bare loop with URL and Authorization prebuilt",
        ours / prebuilt
    );
}

/// Tasks sending at once in the concurrent rounds.
const TASKS: usize = 64;

/// Interleaved rounds of the concurrent summary.
const ROUNDS: usize = 9;

/// Requests per second of `TASKS` tasks each making `per_task` calls of `call`.
fn concurrent_rate<F, Fut>(s: &std::sync::Arc<Setup>, per_task: usize, call: F) -> f64
where
    F: Fn(std::sync::Arc<Setup>) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = types::GetUserResponseContent> + Send,
{
    let start = Instant::now();
    s.runtime.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let s = std::sync::Arc::clone(s);
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        black_box(call(std::sync::Arc::clone(&s)).await);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
    });
    (TASKS * per_task) as f64 / start.elapsed().as_secs_f64()
}

fn concurrent_summary() {
    let s = std::sync::Arc::new(setup_on(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    ));
    let ours = |s: std::sync::Arc<Setup>| async move { via_client(&s).await };
    let bare = |s: std::sync::Arc<Setup>| async move { via_reqwest(&s).await };
    let prebuilt = |s: std::sync::Arc<Setup>| async move { via_reqwest_prebuilt(&s).await };
    concurrent_rate(&s, 50, ours);
    concurrent_rate(&s, 50, bare);
    concurrent_rate(&s, 50, prebuilt);
    // `--only-client` / `--only-bare` / `--only-prebuilt`: one side alone, for a profiler
    // (`--per-task N`: N requests per task in each of the 5 rounds instead of 400).
    let per_task = std::env::args()
        .skip_while(|a| a != "--per-task")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    for (flag, side) in [
        ("--only-client", Side::Client),
        ("--only-bare", Side::Bare),
        ("--only-prebuilt", Side::Prebuilt),
    ] {
        if std::env::args().any(|a| a == flag) {
            let rate = (0..5)
                .map(|_| match side {
                    Side::Client => concurrent_rate(&s, per_task, ours),
                    Side::Bare => concurrent_rate(&s, per_task, bare),
                    Side::Prebuilt => concurrent_rate(&s, per_task, prebuilt),
                })
                .fold(0.0, f64::max);
            println!("{flag}: best of 5 rounds {rate:.0} requests/s");
            return;
        }
    }
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    // Nine rounds, the order of the sides reversed every other round (so that of each two
    // sides, each goes first as often): on this shared machine consecutive rounds differ by
    // several percent.
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            a.push(concurrent_rate(&s, 400, ours));
            b.push(concurrent_rate(&s, 400, bare));
            c.push(concurrent_rate(&s, 400, prebuilt));
        } else {
            c.push(concurrent_rate(&s, 400, prebuilt));
            b.push(concurrent_rate(&s, 400, bare));
            a.push(concurrent_rate(&s, 400, ours));
        }
    }
    let ratios: Vec<f64> = a.iter().zip(&b).map(|(a, b)| a / b).collect();
    let prebuilt_ratios: Vec<f64> = a.iter().zip(&c).map(|(a, c)| a / c).collect();
    let prebuilt_ratio = median(prebuilt_ratios);
    let prebuilt = median(c);
    let (ours, bare, ratio) = (median(a), median(b), median(ratios));
    println!(
        "\n== concurrent summary (median of {ROUNDS} interleaved rounds, {TASKS} tasks x 400 requests, two workers) =="
    );
    println!("users().get(id) through auth0-mgmt: {ours:>9.0} requests/s");
    if s.same_headers {
        println!("bare loop sending the client's headers: {bare:>9.0} requests/s");
    } else {
        println!("bare reqwest + serde_json:          {bare:>9.0} requests/s");
    }
    println!("bare, URL and Authorization prebuilt: {prebuilt:>7.0} requests/s");
    println!(
        "ratio: {:.3}x of the bare loop (medians); median of the rounds' ratios {ratio:.3}x",
        ours / bare
    );
    println!(
        "ratio: {:.3}x of the bare loop with URL and Authorization prebuilt (medians); median of the rounds' ratios {prebuilt_ratio:.3}x",
        ours / prebuilt
    );
}

/// The side `--only-*` runs.
#[derive(Clone, Copy)]
enum Side {
    Client,
    Bare,
    Prebuilt,
}

criterion_group! {
    name = group;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}

fn main() {
    // `--concurrent-only` (and `--only-client` / `--only-bare`, `--per-task`,
    // `--bare-same-headers`) skips criterion and the sequential rounds.
    let ours = [
        "--concurrent-only",
        "--only-",
        "--per-task",
        "--bare-same-headers",
    ];
    if !std::env::args().any(|a| ours.iter().any(|flag| a.starts_with(flag))) {
        group();
        Criterion::default().configure_from_args().final_summary();
        summary();
    }
    concurrent_summary();
}
