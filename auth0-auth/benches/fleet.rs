//! What sharing state in Redis costs a request, in one run: requests per second to
//!
//! - a DPoP-protected route (`auth0_verify`'s `AuthLayer`, a stand-in access token bound to the
//!   client's key, a fresh ES256 proof per request), its replay cache in memory or in Redis;
//! - a route reading the user's session (`auth0_auth::web`, a real login at the stand-in): a
//!   stateless session cookie, the same with the logout record in Redis, and the session itself
//!   in Redis (the cookie holds its id) with the logout record there too;
//!
//! and, for the shared client-credentials tokens (`RedisTokenStore`), reads of the token in
//! Redis per second, first tokens of new instances (a `TokenCache` made and its token taken
//! from Redis) and tokens at hand, with `PING`s per second through the same kind of
//! connection for reference.
//!
//! ```sh
//! cargo bench -p auth0-auth --bench fleet --features axum,redis [-- --rounds 8 --seconds 1.5]
//! ```
//!
//! Needs `redis-server` on `PATH` (Debian: `apt-get install -y redis-server`): the bench starts
//! its own, on a free port of 127.0.0.1, without persistence. The servers share one two-worker
//! runtime; a client thread of 32 keep-alive connections (HTTP/1.1 written and read by hand)
//! counts the answers for `--seconds` after half a second of warm-up, every answer checked
//! (`200`, the expected body). The proofs a DPoP measurement sends are signed before it starts.
//! Each round measures each variant once, in an order that changes; ratios are taken within a
//! round and their medians printed last.

#[path = "../tests/redis/server.rs"]
#[allow(dead_code)] // The bench starts the server; it never stops and resumes it.
mod server;

mod common;

use common::{CONNECTIONS, EMAIL, PASSWORD, log_in, median};

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use auth0_auth::DpopKey;
use auth0_auth::tokens::{RedisTokenStore, TokenCache, TokenStore};
use auth0_auth::web::{Redis, RedisLogoutRecord, RedisSessionStore, User, WebAuth, WebAuthBuilder};
use auth0_standin::{Api, Application, Standin};
use auth0_verify::dpop::{DpopMode, DpopOptions, MemoryReplayCache, RedisReplayCache};
use auth0_verify::protect::{AuthLayer, Authenticated};
use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

const NAME: &str = "Zoë O'Brien";
const AUDIENCE: &str = "https://api.example.com/";
/// Where the DPoP clients call the API (the proofs' `htu`).
const API_ORIGIN: &str = "http://api.example.test";
const SUB: &str = "auth0|bench-user";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    DpopMemory = 0,
    DpopRedis = 1,
    Cookie = 2,
    CookieRecord = 3,
    Stored = 4,
}

const VARIANTS: [Variant; 5] = [
    Variant::DpopMemory,
    Variant::DpopRedis,
    Variant::Cookie,
    Variant::CookieRecord,
    Variant::Stored,
];

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::DpopMemory => "DPoP, replays in memory",
            Variant::DpopRedis => "DPoP, replays in Redis",
            Variant::Cookie => "session cookie",
            Variant::CookieRecord => "session cookie, logout record in Redis",
            Variant::Stored => "session in Redis",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Variant::DpopMemory => "dpop-memory",
            Variant::DpopRedis => "dpop-redis",
            Variant::Cookie => "cookie",
            Variant::CookieRecord => "cookie-record",
            Variant::Stored => "stored",
        }
    }
}

/// What a connection sends.
enum Requests {
    /// The same request every time.
    Same(Vec<u8>),
    /// Each request once (fresh DPoP proofs), taken in turn by the connections.
    Each(Arc<Vec<Vec<u8>>>, Arc<AtomicUsize>),
}

struct Target {
    address: SocketAddr,
    /// The answer's body.
    expect: &'static str,
    /// For the DPoP variants: the client's key and token, to sign proofs with.
    dpop: Option<(Arc<DpopKey>, String)>,
    /// For the others: the request.
    request: Vec<u8>,
}

fn main() {
    let mut rounds = 8;
    let mut seconds = 1.5_f64;
    let mut proofs = 40_000;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seconds),
            // Proofs signed per DPoP measurement: more than its requests.
            "--proofs" => proofs = args.next().and_then(|v| v.parse().ok()).unwrap_or(proofs),
            // One variant alone, for a profiler.
            "--only" => only = args.next(),
            _ => {} // `cargo bench` passes `--bench`.
        }
    }
    let measure = Duration::from_secs_f64(seconds);
    let Some(redis) = server::RedisServer::start("fleet bench") else {
        return;
    };

    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (targets, _standin) = servers.block_on(set_up(&redis.url()));
    println!(
        "{CONNECTIONS} connections; {rounds} rounds of {seconds} s per variant; Redis {} on \
         127.0.0.1",
        redis_version()
    );

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Some(name) = only {
        let i = VARIANTS
            .iter()
            .position(|v| v.short() == name)
            .expect("--only dpop-memory, dpop-redis, cookie, cookie-record or stored");
        let rate = client.block_on(load(&targets[i], measure, proofs));
        println!("{}: {rate:.0}/s", VARIANTS[i].label());
        return;
    }
    let mut per_round = Vec::new();
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..VARIANTS.len()).collect();
        order.rotate_left(round / 2 % VARIANTS.len());
        if round % 2 == 1 {
            order.reverse();
        }
        let mut rates = [0.0; VARIANTS.len()];
        for &i in &order {
            rates[i] = client.block_on(load(&targets[i], measure, proofs));
        }
        let line: Vec<String> = VARIANTS
            .iter()
            .zip(rates)
            .map(|(v, r)| format!("{} {r:.0}/s", v.label()))
            .collect();
        println!(
            "round {:>2}: {} (first: {})",
            round + 1,
            line.join(", "),
            VARIANTS[order[0]].label()
        );
        per_round.push(rates);
    }
    let (pings, gets, cold, warm) = servers.block_on(store_rates(&redis.url(), measure));
    println!(
        "Redis, {CONNECTIONS} tasks at a time through one connection: PING {pings:.0}/s; \
         RedisTokenStore::get {gets:.0}/s; a new instance's first token (from Redis) \
         {cold:.0}/s; TokenCache::token() with the token at hand {warm:.0}/s"
    );
    let medians: Vec<String> = VARIANTS
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let m = median(per_round.iter().map(|r| r[i]).collect());
            format!("{} {m:.0}", v.label())
        })
        .collect();
    println!("median requests/s: {}", medians.join(", "));
    let ratio = |a: Variant, b: Variant| {
        let (a, b) = (a as usize, b as usize);
        median(per_round.iter().map(|r| r[a] / r[b]).collect())
    };
    println!(
        "DPoP, replays in Redis / in memory: {:.2}x",
        ratio(Variant::DpopRedis, Variant::DpopMemory)
    );
    println!(
        "session cookie, logout record in Redis / session cookie: {:.2}x",
        ratio(Variant::CookieRecord, Variant::Cookie)
    );
    println!(
        "session in Redis / session cookie: {:.2}x",
        ratio(Variant::Stored, Variant::Cookie)
    );
}

fn redis_version() -> String {
    std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| {
            v.split_whitespace()
                .find_map(|w| w.strip_prefix("v=").map(str::to_owned))
        })
        .unwrap_or_default()
}

async fn serve(listener: TcpListener, router: Router) -> SocketAddr {
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// The five servers and what to send them.
async fn set_up(redis_url: &str) -> (Vec<Target>, Standin) {
    let connect = || Redis::new(redis_url).unwrap();
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let bases: Vec<String> = listeners
        .iter()
        .map(|l| format!("http://{}", l.local_addr().unwrap()))
        .collect();
    let mut application = Application::new("bench-app", "bench-secret");
    for base in &bases {
        application = application.callback(format!("{base}/auth/callback"));
    }
    let standin = Standin::builder()
        .application(application)
        .user(auth0_standin::User::new(EMAIL, PASSWORD).name(NAME))
        .api(Api::new(AUDIENCE).scopes(["read:messages"]))
        .start()
        .await
        .unwrap();

    // The DPoP-protected API, twice.
    let key = Arc::new(DpopKey::generate().unwrap());
    let token = standin
        .mint_access_token(
            AUDIENCE,
            &serde_json::json!({"sub": SUB, "cnf": {"jkt": key.thumbprint()}}),
        )
        .unwrap();
    let verifier = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(standin.jwks_url()),
        standin.issuer(),
        AUDIENCE,
    )
    .cache(1_000);
    let api = |options: DpopOptions| {
        Router::new()
            .route(
                "/api",
                get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
            )
            .layer(AuthLayer::new(verifier.clone()).dpop(options))
    };
    let dpop = DpopOptions::new()
        .mode(DpopMode::Required)
        .public_origin(API_ORIGIN)
        .unwrap();
    // Room for every proof of the run: a full cache would refuse them.
    let memory = serve(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        api(dpop
            .clone()
            .replay_cache(MemoryReplayCache::new(10_000_000))),
    )
    .await;
    let in_redis = serve(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        api(dpop.replay_cache(RedisReplayCache::new(connect()))),
    )
    .await;

    // The session routes: one login each.
    let builder = |base: &str| -> WebAuthBuilder {
        WebAuth::builder(standin.url())
            .client_id("bench-app")
            .client_secret("bench-secret")
            .base_url(base)
            .secret("a cookie secret of more than thirty-two bytes")
            .audience(AUDIENCE)
    };
    let auths = [
        builder(&bases[0]).build().unwrap(),
        builder(&bases[1])
            .logout_record(RedisLogoutRecord::new(connect()))
            .build()
            .unwrap(),
        builder(&bases[2])
            .session_store(RedisSessionStore::new(connect()))
            .logout_record(RedisLogoutRecord::new(connect()))
            .build()
            .unwrap(),
    ];
    let mut session_targets = Vec::new();
    for ((listener, auth), base) in listeners.into_iter().zip(&auths).zip(&bases) {
        let router = Router::new()
            .route(
                "/",
                get(|user: User| async move { user.name.unwrap_or_default() }),
            )
            .merge(auth.router())
            .layer(auth.layer());
        let address = serve(listener, router).await;
        let cookie = log_in(base, &standin.url()).await;
        session_targets.push(Target {
            address,
            expect: NAME,
            dpop: None,
            request: request("/", Some(&cookie), None),
        });
    }
    let mut targets = vec![
        Target {
            address: memory,
            expect: SUB,
            dpop: Some((key.clone(), token.clone())),
            request: Vec::new(),
        },
        Target {
            address: in_redis,
            expect: SUB,
            dpop: Some((key, token)),
            request: Vec::new(),
        },
    ];
    targets.extend(session_targets);
    (targets, standin)
}

fn request(path: &str, cookie: Option<&str>, dpop: Option<(&str, &str)>) -> Vec<u8> {
    let mut r = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\
         User-Agent: fleet bench\r\n"
    );
    if let Some(c) = cookie {
        r.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some((token, proof)) = dpop {
        r.push_str(&format!("Authorization: DPoP {token}\r\nDPoP: {proof}\r\n"));
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// Calls per second of `call`, 32 tasks at a time, after half a second of warm-up.
async fn rate<F, Fut>(measure: Duration, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (call, stop, count) = (call.clone(), stop.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            let mut calls = 0u32;
            while !stop.load(Ordering::Relaxed) {
                call().await;
                count.fetch_add(1, Ordering::Relaxed);
                // A call answered at once never yields: let the timers run.
                calls = calls.wrapping_add(1);
                if calls.is_multiple_of(64) {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (before, started) = (count.load(Ordering::SeqCst), Instant::now());
    tokio::time::sleep(measure).await;
    let done = count.load(Ordering::SeqCst) - before;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    done as f64 / elapsed.as_secs_f64()
}

/// `PING`s, token reads from a `RedisTokenStore`, first tokens of new instances (a
/// `TokenCache` made, its token read from Redis) and tokens at hand, per second.
async fn store_rates(url: &str, measure: Duration) -> (f64, f64, f64, f64) {
    let redis = Redis::new(url).unwrap();
    let pings = {
        let redis = redis.clone();
        rate(measure, move || {
            let redis = redis.clone();
            async move { redis.ping().await.unwrap() }
        })
        .await
    };
    // A token endpoint that answers once: every later token comes from the store.
    let tenant = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issued = Arc::new(AtomicU64::new(0));
    let endpoint = {
        let issued = issued.clone();
        Router::new().route(
            "/oauth/token",
            axum::routing::post(move || async move {
                issued.fetch_add(1, Ordering::SeqCst);
                axum::Json(serde_json::json!({
                    "access_token": "a-service-token", "token_type": "Bearer",
                    "expires_in": 86400,
                }))
            }),
        )
    };
    let tenant = format!("http://{}", serve(tenant, endpoint).await);
    let store: Arc<dyn TokenStore> = Arc::new(RedisTokenStore::new(redis));
    // One client (its HTTP client made once); each `TokenCache` a new instance's.
    let client = auth0_auth::Client::builder(&tenant)
        .client_id("service")
        .client_secret("service-secret")
        .build()
        .unwrap();
    let instance = {
        let store = store.clone();
        move || {
            TokenCache::builder(client.clone())
                .store(store.clone())
                .build()
        }
    };
    let first = instance();
    first.token(AUDIENCE).await.unwrap();
    let key = {
        // The key the cache wrote (its name is the store's, under the default prefix).
        let redis = Redis::new(url).unwrap();
        let keys: Vec<String> = redis
            .query(redis::cmd("KEYS").arg("auth0:token:*"))
            .await
            .unwrap();
        assert_eq!(keys.len(), 1, "{keys:?}");
        keys[0].clone()
    };
    let gets = {
        let store = store.clone();
        rate(measure, move || {
            let (store, key) = (store.clone(), key.clone());
            async move {
                assert!(store.get(&key).await.unwrap().is_some());
            }
        })
        .await
    };
    let cold = rate(measure, {
        let instance = instance.clone();
        move || {
            let cache = instance();
            async move {
                cache.token(AUDIENCE).await.unwrap();
            }
        }
    })
    .await;
    let warm = rate(measure, move || {
        let tokens = first.audience(AUDIENCE);
        async move {
            tokens.token().await.unwrap();
        }
    })
    .await;
    assert_eq!(issued.load(Ordering::SeqCst), 1, "one token request in all");
    (pings, gets, cold, warm)
}

/// Requests per second over `measure`, after a warm-up, from 32 connections.
async fn load(target: &Target, measure: Duration, proofs: usize) -> f64 {
    let requests = match &target.dpop {
        None => Arc::new(Requests::Same(target.request.clone())),
        Some((key, token)) => {
            // Signed before the measurement: the client's signing is not what is measured.
            let each: Vec<Vec<u8>> = (0..proofs)
                .map(|_| {
                    let proof = key
                        .proof("GET", &format!("{API_ORIGIN}/api"), Some(token), None)
                        .unwrap();
                    request("/api", None, Some((token, &proof)))
                })
                .collect();
            Arc::new(Requests::Each(Arc::new(each), Arc::default()))
        }
    };
    let expect = target.expect;
    let each = requests.clone();
    let rate = common::load(target.address, measure, move |mut stream, counter| {
        let requests = each.clone();
        async move {
            let mut buffer = Vec::with_capacity(4096);
            while !counter.stopped() {
                let request = match &*requests {
                    Requests::Same(r) => r.as_slice(),
                    Requests::Each(each, next) => {
                        match each.get(next.fetch_add(1, Ordering::Relaxed)) {
                            Some(r) => r.as_slice(),
                            None => return,
                        }
                    }
                };
                let body = common::exchange(&mut stream, request, &mut buffer).await;
                assert_eq!(&buffer[body], expect.as_bytes());
                counter.answered();
            }
        }
    })
    .await;
    if let Requests::Each(each, next) = &*requests {
        assert!(
            next.load(Ordering::SeqCst) < each.len(),
            "every proof was sent before the end: raise --proofs"
        );
    }
    rate
}
