//! Speed of the Management client against a local server, compared in the same run with the
//! baselines the project holds itself to:
//!
//! - sequential `users().get(id)` through the full client (token, telemetry, retry policy,
//!   tolerant decoding) against a bare `reqwest` + `serde_json` loop fetching the same payload
//!   over keep-alive and decoding it into the same type;
//! - decoding a 1,000-user list into the generated types against Python's `json.loads` of the
//!   same bytes (run with the machine's `python3`, if there is one).
//!
//! `cargo bench -p auth0-mgmt --bench client` prints criterion's figures, then a summary of
//! interleaved rounds (median) with the ratios.

use std::hint::black_box;
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use auth0_mgmt::{Client, types};
use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group};
use serde_json::{Value, json};

fn user(i: usize) -> Value {
    json!({
        "user_id": format!("auth0|{i:024}"),
        "email": format!("user{i}@example.com"),
        "email_verified": i.is_multiple_of(2),
        "name": format!("User Number {i}"),
        "nickname": format!("user{i}"),
        "picture": "https://s.gravatar.com/avatar/abcdef0123456789?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fus.png",
        "created_at": "2026-01-02T03:04:05.678Z",
        "updated_at": "2026-11-20T10:11:12.131Z",
        "last_login": "2026-11-20T10:11:12.131Z",
        "last_ip": "203.0.113.7",
        "logins_count": i * 3,
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0",
                        "user_id": format!("{i:024}"), "isSocial": false}],
        "app_metadata": {"plan": "pro", "roles": ["admin", "billing"]},
        "user_metadata": {"theme": "dark", "locale": "fr-FR"},
    })
}

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
    list: Vec<u8>,
    _server: Server,
}

fn setup() -> Setup {
    let server = server();
    let base = format!("http://{}", server.addr);
    let client = Client::builder(base.as_str())
        .token("bench-token")
        .build()
        .expect("client");
    let list = serde_json::to_vec(&Value::Array((0..1000).map(user).collect())).expect("json");
    Setup {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        client,
        http: reqwest::Client::new(),
        url: format!("{base}/api/v2/users/auth0%7C7"),
        list,
        _server: server,
    }
}

async fn via_client(s: &Setup) -> types::GetUserResponseContent {
    s.client.users().get("auth0|7").send().await.expect("user")
}

async fn via_reqwest(s: &Setup) -> types::GetUserResponseContent {
    let bytes = s
        .http
        .get(&s.url)
        .bearer_auth("bench-token")
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

/// What `users().list()` returns for a 1,000-user answer, decoded the way the client does.
fn decode_list(bytes: &[u8]) -> types::ListUsersResponseContent {
    auth0_mgmt::from_json(bytes).expect("decode")
}

fn benches(c: &mut Criterion) {
    let s = setup();
    match decode_list(&s.list) {
        types::ListUsersResponseContent::Array(users) => assert_eq!(users.len(), 1000),
        other => panic!("the list decoded as {other:?}"),
    }
    let mut group = c.benchmark_group("users_get_sequential");
    group.bench_function("auth0_mgmt_client", |b| {
        b.iter(|| black_box(s.runtime.block_on(via_client(&s))))
    });
    group.bench_function("bare_reqwest_serde_json", |b| {
        b.iter(|| black_box(s.runtime.block_on(via_reqwest(&s))))
    });
    group.finish();
    c.bench_function("decode_1000_users", |b| {
        b.iter(|| black_box(decode_list(black_box(&s.list))))
    });
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Requests per second of `n` sequential calls.
fn rate<F: Fn() -> R, R>(n: usize, f: F) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Seconds per `json.loads` of the list in CPython, if `python3` is there.
fn python_json_loads(bytes: &[u8]) -> Option<(f64, String)> {
    let dir = std::env::temp_dir().join("auth0-mgmt-bench");
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join("users.json");
    std::fs::write(&file, bytes).ok()?;
    let script = format!(
        "import json, sys, timeit\n\
         data = open({:?}, 'rb').read()\n\
         n = 200\n\
         median = sorted(timeit.repeat(lambda: json.loads(data), number=n, repeat=5))[2] / n\n\
         print(median, sys.version.split()[0])",
        file.display().to_string()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next()?.parse().ok()?;
    Some((secs, parts.next().unwrap_or("?").to_string()))
}

fn summary() {
    let s = setup();
    // Warm up the connections and caches.
    for _ in 0..200 {
        s.runtime.block_on(via_client(&s));
        s.runtime.block_on(via_reqwest(&s));
    }
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        ours.push(rate(2000, || s.runtime.block_on(via_client(&s))));
        bare.push(rate(2000, || s.runtime.block_on(via_reqwest(&s))));
    }
    let (ours, bare) = (median(ours), median(bare));
    println!("\n== summary (median of 5 interleaved rounds of 2,000 sequential requests) ==");
    println!("users().get(id) through auth0-mgmt: {ours:>9.0} requests/s");
    println!("bare reqwest + serde_json:          {bare:>9.0} requests/s");
    println!("ratio: {:.3}x of the bare loop", ours / bare);

    let mut decode = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..50 {
            black_box(decode_list(black_box(&s.list)));
        }
        decode.push(start.elapsed().as_secs_f64() / 50.0);
    }
    let decode = median(decode);
    println!(
        "\ndecode 1,000 users ({} bytes) into ListUsersResponseContent: {:.3} ms",
        s.list.len(),
        decode * 1e3
    );
    match python_json_loads(&s.list) {
        Some((py, version)) => println!(
            "Python {version} json.loads of the same bytes: {:.3} ms; ratio {:.2}x faster",
            py * 1e3,
            py / decode
        ),
        None => println!("python3 not found: no json.loads baseline"),
    }
}

criterion_group! {
    name = group;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
