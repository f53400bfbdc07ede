//! Requests per second to an axum route that reads the user's session, three ways: a
//! stateless session cookie opened by `auth0_auth::web` (a real login's at the stand-in
//! tenant: ID token, access token for an API, refresh token), no session at all, and a
//! `tower-sessions` in-memory session holding the same values. A fourth variant sends the
//! session cookie to the route without a session: what the cookie's bytes cost alone.
//!
//! ```sh
//! cargo bench -p auth0-auth --bench web_session --features axum [-- --rounds 12 --seconds 1.5]
//! ```
//!
//! The servers share one two-worker runtime on 127.0.0.1; a client thread of 32 keep-alive
//! connections (one request at a time each, HTTP/1.1 written and read by hand so that the
//! client costs little) counts the answers for `--seconds` after half a second of warm-up.
//! Every answer must be `200` with the user's name. A round measures each variant once; the
//! order changes from round to round (each variant first in turn, and reversed every other
//! round), and the ratios are taken within a round. The medians of those ratios are printed
//! last; the machine is shared, so only ratios of one run mean anything.

mod common;

use common::{CONNECTIONS, EMAIL, PASSWORD, log_in, median};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use auth0_auth::web::{User, WebAuth};
use auth0_standin::{Api, Application, Standin};
use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

const NAME: &str = "Zoë O'Brien";
const AUDIENCE: &str = "https://api.example.com/";

/// What the `tower-sessions` variant keeps: what the stateless session holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    user: User,
    id_token: String,
    access_token: String,
    expires_at: u64,
    refresh_token: String,
}

/// The variants, in the order of [`Variant`]'s values (the servers' order too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// The route without a session layer, the request without a cookie.
    Plain = 0,
    /// The same, the request carrying the session cookie (read by nothing): what the
    /// cookie's bytes cost by themselves.
    Sent = 1,
    /// The route reading the user from the stateless session cookie.
    Cookie = 2,
    /// The route reading the same from a `tower-sessions` in-memory session.
    TowerSessions = 3,
}

const VARIANTS: [Variant; 4] = [
    Variant::Plain,
    Variant::Sent,
    Variant::Cookie,
    Variant::TowerSessions,
];

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::Plain => "no session",
            Variant::Sent => "no session, cookie sent",
            Variant::Cookie => "session cookie",
            Variant::TowerSessions => "tower-sessions",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Sent => "sent",
            Variant::Cookie => "cookie",
            Variant::TowerSessions => "tower",
        }
    }
}

struct Target {
    address: SocketAddr,
    /// The request, whole.
    request: Vec<u8>,
}

fn main() {
    let mut rounds = 12;
    let mut seconds = 1.5_f64;
    // `--only plain|sent|cookie|tower`: that variant alone, for a profiler.
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seconds),
            "--only" => only = args.next(),
            _ => {} // `cargo bench` passes `--bench`.
        }
    }
    let measure = Duration::from_secs_f64(seconds);

    // The servers: their own runtime, two workers (the machine's cores).
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (targets, cookie_len, _standin) = servers.block_on(set_up());
    println!(
        "session cookie: {cookie_len} bytes (ID token, access token, refresh token); \
         {CONNECTIONS} connections; {rounds} rounds of {seconds} s per variant"
    );

    // The client: one thread of its own.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Some(name) = only {
        let i = VARIANTS
            .iter()
            .position(|v| v.short() == name)
            .expect("--only plain, sent, cookie or tower");
        let rate = client.block_on(load(&targets[i], measure));
        println!("{}: {rate:.0}/s", VARIANTS[i].label());
        return;
    }
    let mut per_round = Vec::new();
    for round in 0..rounds {
        // Each variant goes first in turn, and the order is reversed every other round.
        let mut order: Vec<usize> = (0..VARIANTS.len()).collect();
        order.rotate_left(round / 2 % VARIANTS.len());
        if round % 2 == 1 {
            order.reverse();
        }
        let mut rates = [0.0; VARIANTS.len()];
        for &i in &order {
            rates[i] = client.block_on(load(&targets[i], measure));
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
        "(no session, cookie sent / no session: {:.2}x: the cookie's bytes alone)",
        ratio(Variant::Sent, Variant::Plain)
    );
    println!(
        "session cookie / no session: {:.2}x (target 0.8x)",
        ratio(Variant::Cookie, Variant::Plain)
    );
    println!(
        "session cookie / tower-sessions: {:.2}x (target 1.0x)",
        ratio(Variant::Cookie, Variant::TowerSessions)
    );
}

async fn serve(router: Router) -> (SocketAddr, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (address, format!("http://{address}"))
}

/// The three servers, each with the route at `/`, and the requests to send them.
async fn set_up() -> ([Target; 4], usize, Standin) {
    // No session.
    let plain = Router::new().route("/", get(|| async { NAME }));
    let (plain_address, _) = serve(plain).await;

    // The stateless session cookie, from a real login at a stand-in tenant.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cookie_address = listener.local_addr().unwrap();
    let base = format!("http://{cookie_address}");
    let standin = Standin::builder()
        .application(
            Application::new("bench-app", "bench-secret").callback(format!("{base}/auth/callback")),
        )
        .user(auth0_standin::User::new(EMAIL, PASSWORD).name(NAME))
        .api(Api::new(AUDIENCE).scopes(["read:messages", "write:messages"]))
        .start()
        .await
        .unwrap();
    let auth = WebAuth::builder(standin.url())
        .client_id("bench-app")
        .client_secret("bench-secret")
        .base_url(&base)
        .secret(auth0_auth::random_string())
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let with_cookie = Router::new()
        .route(
            "/",
            get(|user: User| async move { user.name.unwrap_or_default() }),
        )
        .merge(auth.router())
        .layer(auth.layer());
    tokio::spawn(async move { axum::serve(listener, with_cookie).await.unwrap() });
    let cookie = log_in(&base, &standin.url()).await;

    // tower-sessions, in memory, holding the same values.
    let store = tower_sessions::MemoryStore::default();
    let tower = Router::new()
        .route(
            "/",
            get(|session: tower_sessions::Session| async move {
                match session.get::<Stored>("session").await {
                    Ok(Some(s)) => s.user.name.unwrap_or_default(),
                    _ => String::new(),
                }
            }),
        )
        .route(
            "/login",
            post(
                |session: tower_sessions::Session, body: axum::Json<Stored>| async move {
                    session.insert("session", body.0).await.unwrap();
                },
            ),
        )
        .layer(tower_sessions::SessionManagerLayer::new(store).with_secure(false));
    let (tower_address, tower_base) = serve(tower).await;
    let opened = auth
        .session(&header_map(&cookie))
        .await
        .unwrap()
        .expect("the login's session");
    let token = opened.access_token().await.unwrap();
    let stored = Stored {
        user: opened.user().unwrap(),
        id_token: opened.id_token().expose_secret().to_owned(),
        access_token: token.expose_secret().to_owned(),
        expires_at: token
            .expires_at()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs()),
        refresh_token: auth0_auth::random_string(),
    };
    let answer = reqwest::Client::new()
        .post(format!("{tower_base}/login"))
        .json(&stored)
        .send()
        .await
        .unwrap();
    let tower_cookie = common::login::cookies(&answer, "id=")
        .into_iter()
        .next()
        .expect("the tower-sessions cookie");

    let request = |cookie: Option<&str>| {
        let mut r = String::from(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\
             User-Agent: web_session bench\r\n",
        );
        if let Some(c) = cookie {
            r.push_str(&format!("Cookie: {c}\r\n"));
        }
        r.push_str("\r\n");
        r.into_bytes()
    };
    let targets = [
        Target {
            address: plain_address,
            request: request(None),
        },
        Target {
            address: plain_address,
            request: request(Some(&cookie)),
        },
        Target {
            address: cookie_address,
            request: request(Some(&cookie)),
        },
        Target {
            address: tower_address,
            request: request(Some(&tower_cookie)),
        },
    ];
    (targets, cookie.len(), standin)
}

fn header_map(cookie: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::COOKIE, cookie.parse().unwrap());
    headers
}

/// Requests per second over `measure`, after a warm-up, from 32 connections.
async fn load(target: &Target, measure: Duration) -> f64 {
    let request: Arc<[u8]> = target.request.clone().into();
    common::load(target.address, measure, move |mut stream, counter| {
        let request = request.clone();
        async move {
            let mut buffer = Vec::with_capacity(4096);
            while !counter.stopped() {
                let body = common::exchange(&mut stream, &request, &mut buffer).await;
                assert_eq!(&buffer[body], NAME.as_bytes());
                counter.answered();
            }
        }
    })
    .await
}
