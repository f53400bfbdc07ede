//! Requests per second through axum servers on 127.0.0.1, at `CONNECTIONS` (32) concurrent
//! keep-alive connections for `SECONDS` (5) after a second of warm-up, `ROUNDS` (2) rounds,
//! the order of the runs reversed every other round (so that of two runs compared, each goes
//! first as often):
//!
//! - an unprotected route (axum 0.8, and axum 0.7 for jwt-authorizer's own baseline);
//! - the route behind `auth0_verify::protect::AuthLayer` (verified tokens cached; the issuer
//!   accepted by an `IssuerResolver`, so the payload is read before the signature to choose the
//!   keys; two `ClaimRule`s on the layer and one on the route, checked on every request) with
//!   one token repeated, with a token not in the cache on every request (a pool of distinct
//!   tokens larger than the cache, cycled), and DPoP-bound (one token, a new proof every
//!   request);
//! - the same route behind jwt-authorizer 0.15 (axum 0.7) with the repeated token and the pool.
//!
//! Tokens are RS256, signed by the local stand-in tenant, whose JWKS both verifiers fetch.
//! Every answer, warm-up included, must be a 200: any other status makes the run fail.
//!
//! Each ratio printed at the end is the median of the ratios of the rounds (the two runs
//! compared in one round ran close together), not a ratio of figures taken from different
//! rounds.
//!
//! ```sh
//! cargo run --release --manifest-path auth0-verify/benches/axum-server/Cargo.toml
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use auth0_auth::DpopKey;
use auth0_standin::Standin;
use auth0_verify::dpop::{DpopOptions, MemoryReplayCache};
use auth0_verify::protect::{AuthLayer, Authenticated, require_claim};
use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier, ClaimRule, IssuerResolver};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{AUTHORIZATION, HOST, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use serde_json::json;

const AUDIENCE: &str = "https://api.example.com";
/// How many verified tokens `AuthLayer`'s verifier keeps.
const CACHE: usize = 4_096;
/// How many distinct tokens the "fresh token" runs cycle through: more than the cache holds,
/// so that none is found there.
const POOL: usize = 12_000;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The headers of each request of a run: cycled, or each used once (DPoP proofs).
struct Source {
    requests: Vec<Vec<(HeaderName, HeaderValue)>>,
    cycle: bool,
    next: AtomicUsize,
}

impl Source {
    fn new(requests: Vec<Vec<(HeaderName, HeaderValue)>>, cycle: bool) -> Arc<Self> {
        Arc::new(Source {
            requests,
            cycle,
            next: AtomicUsize::new(0),
        })
    }

    fn none() -> Arc<Self> {
        Source::new(vec![Vec::new()], true)
    }

    fn next(&self) -> Option<&[(HeaderName, HeaderValue)]> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if self.cycle {
            self.requests.get(i % self.requests.len())
        } else {
            // The last one is kept for the probe.
            self.requests[..self.requests.len().saturating_sub(1)].get(i)
        }
        .map(Vec::as_slice)
    }
}

struct Target {
    name: &'static str,
    addr: SocketAddr,
    path: &'static str,
    source: Arc<Source>,
}

struct Figures {
    ok: u64,
    seconds: f64,
}

#[derive(Clone, Copy)]
struct Settings {
    connections: usize,
    warmup: Duration,
    measure: Duration,
}

/// One connection's loop: requests one after the other until the deadline (or the source is
/// used up), counting the answers that finish inside the measured window. Any answer but a
/// 200, in the warm-up too, ends it with an error.
async fn connection(
    target: Arc<Target>,
    measured: (Instant, Instant),
) -> Result<(u64, Instant), Error> {
    let stream = tokio::net::TcpStream::connect(target.addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let host = HeaderValue::from_str(&target.addr.to_string())?;
    let (start, end) = measured;
    let (mut ok, mut last) = (0, start);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        let Some(headers) = target.source.next() else {
            break;
        };
        let mut request = hyper::Request::get(target.path)
            .header(HOST, host.clone())
            .body(Empty::<Bytes>::new())?;
        for (name, value) in headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        sender.ready().await?;
        let answer = sender.send_request(request).await?;
        let status = answer.status();
        let body = answer.into_body().collect().await?.to_bytes();
        if status != hyper::StatusCode::OK {
            let phase = if Instant::now() < start {
                "warm-up"
            } else {
                "measured window"
            };
            return Err(format!(
                "{}: a {status} answer in the {phase} (every answer must be a 200): {}",
                target.name,
                String::from_utf8_lossy(&body)
            )
            .into());
        }
        let done = Instant::now();
        if done >= start && done < end {
            last = done;
            ok += 1;
        }
    }
    Ok((ok, last))
}

async fn run(target: Arc<Target>, settings: Settings) -> Result<Figures, Error> {
    let start = Instant::now() + settings.warmup;
    let end = start + settings.measure;
    let tasks: Vec<_> = (0..settings.connections)
        .map(|_| tokio::spawn(connection(target.clone(), (start, end))))
        .collect();
    let (mut ok, mut last) = (0, start);
    for task in tasks {
        let (o, l) = task.await??;
        ok += o;
        last = last.max(l);
    }
    // A source used up before the deadline ends the window early.
    let seconds = if target.source.cycle {
        settings.measure.as_secs_f64()
    } else {
        (last - start).as_secs_f64()
    };
    Ok(Figures { ok, seconds })
}

/// The checks one request through each protected route must pass before any load.
async fn probe(target: &Target, expect: &str) -> Result<(), Error> {
    let stream = tokio::net::TcpStream::connect(target.addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut request = hyper::Request::get(target.path)
        .header(HOST, target.addr.to_string())
        .body(Empty::<Bytes>::new())?;
    if let Some(headers) = target.source.requests.last() {
        for (name, value) in headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let answer = sender.send_request(request).await?;
    let status = answer.status();
    let body = answer.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body);
    if status != hyper::StatusCode::OK || !body.contains(expect) {
        return Err(format!("{}: {status} {body}", target.name).into());
    }
    Ok(())
}

fn bearer(token: &str) -> Vec<(HeaderName, HeaderValue)> {
    let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("a token is ASCII");
    vec![(AUTHORIZATION, value)]
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => xs[n / 2],
        _ => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Error> {
    let settings = Settings {
        connections: env_number("CONNECTIONS", 32) as usize,
        warmup: Duration::from_secs(1),
        measure: Duration::from_secs(env_number("SECONDS", 5)),
    };
    let rounds = env_number("ROUNDS", 2);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // The servers and the load share the machine: each runtime gets every core, as a server
    // and a load generator started separately would.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .thread_name("server")
        .enable_all()
        .build()?;
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .thread_name("load")
        .enable_all()
        .build()?;

    let standin = server.block_on(Standin::start())?;
    let issuer = standin.issuer();
    let (ours, theirs) = server.block_on(servers(&standin))?;
    let base = format!("http://{ours}");

    eprintln!("minting {POOL} tokens…");
    let mint = |i: usize| {
        standin.mint_access_token(
            AUDIENCE,
            &json!({
                "sub": format!("auth0|user-{i}"), "scope": "openid read:messages",
                "azp": "bench-client", "https://example.com/tenant": "acme",
            }),
        )
    };
    let token = mint(0)?;
    let mint = &mint;
    let pool = std::thread::scope(|s| {
        let half = POOL / 2;
        let first = s.spawn(move || {
            (0..half)
                .map(|i| mint(i + 1))
                .collect::<Result<Vec<_>, _>>()
        });
        let second = (half..POOL)
            .map(|i| mint(i + 1))
            .collect::<Result<Vec<_>, _>>();
        first
            .join()
            .expect("minting does not panic")
            .and_then(|mut a| {
                a.extend(second?);
                Ok(a)
            })
    })?;
    let pool: Vec<_> = pool.iter().map(|t| bearer(t)).collect();

    let key = DpopKey::generate()?;
    let bound = standin.mint_access_token(
        AUDIENCE,
        &json!({
            "sub": "auth0|dpop-user", "scope": "openid read:messages", "azp": "bench-client",
            "https://example.com/tenant": "acme", "cnf": {"jkt": key.thumbprint()},
        }),
    )?;
    let bound_authorization = HeaderValue::from_str(&format!("DPoP {bound}"))?;
    let dpop = HeaderName::from_static("dpop");
    let private_url = format!("{base}/api/private");
    // Enough proofs for the window at any rate seen here; a run stops early when they run out.
    let proofs = env_number("PROOFS", 120_000) as usize;
    let make_proofs = || -> Result<Arc<Source>, Error> {
        let requests = (0..proofs)
            .map(|_| {
                let proof = key.proof("GET", &private_url, Some(&bound), None)?;
                Ok(vec![
                    (AUTHORIZATION, bound_authorization.clone()),
                    (dpop.clone(), HeaderValue::from_str(&proof)?),
                ])
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Source::new(requests, false))
    };

    let target = |name, addr, path, source| {
        Arc::new(Target {
            name,
            addr,
            path,
            source,
        })
    };
    let fixed = Source::new(vec![bearer(&token)], true);
    let cycled = || Source::new(pool.clone(), true);

    println!(
        "{} connections, {} s per run after 1 s of warm-up, {rounds} rounds, {cores} cores; issuer {issuer}",
        settings.connections,
        settings.measure.as_secs()
    );
    let names = [
        "unprotected (axum 0.8)",
        "auth0-verify, one token repeated",
        "auth0-verify, a token not cached each request",
        "auth0-verify, DPoP (one token, a new proof each request)",
        "unprotected (axum 0.7)",
        "jwt-authorizer 0.15, one token repeated",
        "jwt-authorizer 0.15, a different token each request",
    ];
    // The ratios printed at the end: (numerator, denominator) runs.
    const RATIOS: [(usize, usize); 4] = [(1, 0), (2, 6), (2, 5), (3, 1)];
    let mut rates = vec![Vec::new(); names.len()];
    let mut ratios = vec![Vec::new(); RATIOS.len()];
    for round in 1..=rounds {
        let targets = [
            target(names[0], ours, "/api/public", Source::none()),
            target(names[1], ours, "/api/private", fixed.clone()),
            target(names[2], ours, "/api/private", cycled()),
            target(names[3], ours, "/api/private", make_proofs()?),
            target(names[4], theirs, "/api/public", Source::none()),
            target(names[5], theirs, "/api/private", fixed.clone()),
            target(names[6], theirs, "/api/private", cycled()),
        ];
        let mut order: Vec<usize> = (0..targets.len()).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        let mut this_round = vec![0.0; names.len()];
        for i in order {
            let t = &targets[i];
            let expect = if t.path == "/api/public" {
                "public"
            } else {
                "auth0|"
            };
            // The probe of a DPoP run uses its last proof, which the run never reaches.
            load.block_on(probe(t, expect))?;
            let figures = load.block_on(run(t.clone(), settings))?;
            let rate = figures.ok as f64 / figures.seconds;
            println!("round {round}: {:<58} {rate:>9.0} requests/s", t.name);
            rates[i].push(rate);
            this_round[i] = rate;
        }
        let round_ratios: Vec<String> = RATIOS
            .iter()
            .zip(&mut ratios)
            .map(|(&(a, b), all)| {
                let ratio = this_round[a] / this_round[b];
                all.push(ratio);
                format!("{ratio:.2}x")
            })
            .collect();
        println!(
            "round {round} ratios (repeated / unprotected, not cached / jwt-authorizer different, not cached / jwt-authorizer repeated, DPoP / Bearer): {}",
            round_ratios.join(", ")
        );
    }

    println!("\nmedian of {rounds} rounds:");
    for (i, name) in names.iter().enumerate() {
        println!("  {name:<58} {:>9.0} requests/s", median(rates[i].clone()));
    }
    let ratio = |i: usize| median(ratios[i].clone());
    println!("\nratios: the median of the {rounds} rounds' ratios");
    println!(
        "repeated token / unprotected: {:.2}x (target at least 0.8x)",
        ratio(0)
    );
    println!(
        "tokens not cached / jwt-authorizer, different tokens: {:.2}x (target at least 1.0x)",
        ratio(1)
    );
    println!(
        "tokens not cached / jwt-authorizer, repeated token: {:.2}x",
        ratio(2)
    );
    println!("DPoP / repeated Bearer token: {:.2}x", ratio(3));
    Ok(())
}

/// Starts the two servers: auth0-verify's on axum 0.8, jwt-authorizer's on axum 0.7, both
/// with `/api/public` and `/api/private` (answering the token's `sub`). auth0-verify's takes
/// the stand-in's issuer through an `IssuerResolver` and checks claim rules (the layer's: the
/// scope and the tenant claim; the route's: the application).
async fn servers(standin: &Standin) -> Result<(SocketAddr, SocketAddr), Error> {
    let public = || async { axum::Json(json!({"message": "public"})) };
    let (issuer, jwks_url) = (standin.issuer(), standin.jwks_url());
    let resolver = IssuerResolver::new(move |iss: &str| {
        (iss == issuer).then(|| AsymmetricSignatureVerifier::new(jwks_url.clone()))
    });
    let verifier = AccessTokenVerifier::with_resolver(resolver, AUDIENCE).cache(CACHE);
    // Every proof of every round stays in the replay cache for its window (5 minutes and
    // the leeway): room for all of them, so that no proof is refused for want of room.
    let replay = MemoryReplayCache::new(2_000_000);
    let layer = AuthLayer::new(verifier)
        .dpop(DpopOptions::new().replay_cache(replay))
        .claim_rule(ClaimRule::includes("scope", ["read:messages"]))
        .claim_rule(ClaimRule::equals("https://example.com/tenant", "acme"));
    let app = axum::Router::new()
        .route(
            "/api/private",
            axum::routing::get(
                |who: Authenticated| async move { axum::Json(json!({"sub": who.sub})) },
            )
            .route_layer(require_claim(ClaimRule::equals("azp", "bench-client"))),
        )
        .layer(layer)
        .route("/api/public", axum::routing::get(public));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let ours = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    use jwt_authorizer::{IntoLayer, JwtAuthorizer, JwtClaims, RegisteredClaims, Validation};
    let authorizer = JwtAuthorizer::<RegisteredClaims>::from_jwks_url(&standin.jwks_url())
        .validation(Validation::new().iss(&[standin.issuer()]).aud(&[AUDIENCE]))
        .build()
        .await?;
    let app = axum07::Router::new()
        .route(
            "/api/private",
            axum07::routing::get(
                |JwtClaims(claims): JwtClaims<RegisteredClaims>| async move {
                    axum07::Json(json!({"sub": claims.sub}))
                },
            ),
        )
        .layer(authorizer.into_layer())
        .route(
            "/api/public",
            axum07::routing::get(|| async { axum07::Json(json!({"message": "public"})) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let theirs = listener.local_addr()?;
    tokio::spawn(async move { axum07::serve(listener, app).await });
    Ok((ours, theirs))
}
