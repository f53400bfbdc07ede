//! The DPoP replay cache in Redis (feature `redis`), against a real `redis-server` started by
//! each test (auth0-auth's `tests/redis/server.rs`, one helper for both crates' fleet tests):
//! instances of an API, each with its own connection, share it.

#[path = "../it/common.rs"]
mod common;
#[path = "../../../auth0-auth/tests/redis/server.rs"]
#[allow(dead_code)] // `skip` serves auth0-auth's tests that need no server.
mod server;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth0_verify::dpop::{DpopOptions, RedisReplayCache, ReplayCache as _, jwk_thumbprint};
use auth0_verify::protect::{AuthLayer, Authenticated};
use auth0_verify::{AccessTokenVerifier, Redis, RedisError, SymmetricSignatureVerifier};
use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use common::*;
use server::RedisServer;

/// Where clients call the API: every instance behind the same origin, as behind a load
/// balancer.
const ORIGIN: &str = "https://api.example.test";
const HTU: &str = "https://api.example.test/private";

/// A `jti` no other proof of the run has.
fn jti() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos}-{}", N.fetch_add(1, Ordering::Relaxed))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A client's ES256 key pair and the tokens bound to it.
struct Client {
    private: EncodingKey,
    public: Value,
    token: String,
}

impl Client {
    fn new() -> Client {
        let private = ec_p256();
        let mut public = jwk(&private, Algorithm::ES256, "unused", false);
        for member in ["kid", "use"] {
            public.as_object_mut().unwrap().remove(member);
        }
        let jkt = jwk_thumbprint(public.as_object().unwrap()).unwrap();
        let token = hs256(&with(
            access_claims(),
            json!({"iat": now() - 10, "exp": now() + 3600, "cnf": {"jkt": jkt}}),
        ));
        Client {
            private,
            public,
            token,
        }
    }

    /// A fresh proof for `GET /private`.
    fn proof(&self) -> String {
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.public});
        let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            self.token.as_bytes(),
        ));
        let payload = json!({
            "jti": jti(), "htm": "GET", "htu": HTU,
            "iat": now(), "ath": ath,
        });
        sign_raw(
            Algorithm::ES256,
            &self.private,
            header.to_string().as_bytes(),
            payload.to_string().as_bytes(),
        )
    }
}

/// An instance of the API, on 127.0.0.1, with its own connection to `redis`: its base URL.
async fn instance(redis: &str, timeout: Duration) -> String {
    let redis = Redis::builder(redis).timeout(timeout).build().unwrap();
    let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API);
    let options = DpopOptions::new()
        .public_origin(ORIGIN)
        .unwrap()
        .replay_cache(RedisReplayCache::new(redis));
    let app = Router::new()
        .route(
            "/private",
            get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
        )
        .layer(AuthLayer::new(verifier).dpop(options));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// `GET /private` with the client's token and `proof`: the status and `WWW-Authenticate`.
async fn call(base: &str, client: &Client, proof: &str) -> (u16, String) {
    let answer = reqwest::Client::new()
        .get(format!("{base}/private"))
        .header("authorization", format!("DPoP {}", client.token))
        .header("dpop", proof)
        .send()
        .await
        .unwrap();
    let challenge = answer
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect::<Vec<_>>()
        .join(", ");
    (answer.status().as_u16(), challenge)
}

#[tokio::test]
async fn a_proof_accepted_by_one_instance_is_refused_by_another() {
    let Some(redis) = RedisServer::start("a_proof_accepted_by_one_instance_is_refused_by_another")
    else {
        return;
    };
    let a = instance(&redis.url(), Duration::from_secs(1)).await;
    let b = instance(&redis.url(), Duration::from_secs(1)).await;
    let client = Client::new();
    let proof = client.proof();
    assert_eq!(
        call(&a, &client, &proof).await.0,
        200,
        "the first use, at A"
    );
    let (status, challenge) = call(&b, &client, &proof).await;
    assert_eq!(status, 401, "the same proof at B");
    assert!(challenge.contains("invalid_dpop_proof"), "{challenge}");
    assert_eq!(call(&a, &client, &proof).await.0, 401, "and again at A");
    assert_eq!(
        call(&b, &client, &client.proof()).await.0,
        200,
        "a new proof at B"
    );
}

#[tokio::test]
async fn instances_racing_for_one_proof_accept_it_once() {
    let Some(redis) = RedisServer::start("instances_racing_for_one_proof_accept_it_once") else {
        return;
    };
    // Eight instances, each with its own connection, receive each proof at the same moment.
    let caches: Vec<RedisReplayCache> = (0..8)
        .map(|_| RedisReplayCache::new(Redis::new(&redis.url()).unwrap()))
        .collect();
    let until = SystemTime::now() + Duration::from_secs(60);
    for round in 0..25 {
        let key = format!("thumbprint:jti-{round}");
        let mut racing = tokio::task::JoinSet::new();
        for cache in &caches {
            let (cache, key) = (cache.clone(), key.clone());
            racing.spawn(async move { cache.first_use(&key, until).await });
        }
        let firsts = racing.join_all().await.into_iter().filter(|f| *f).count();
        assert_eq!(
            firsts, 1,
            "round {round}: exactly one instance accepts the proof"
        );
    }
}

#[tokio::test]
async fn a_proof_is_remembered_until_its_window_ends() {
    let Some(redis) = RedisServer::start("a_proof_is_remembered_until_its_window_ends") else {
        return;
    };
    let cache = RedisReplayCache::new(Redis::new(&redis.url()).unwrap());
    let until = SystemTime::now() + Duration::from_millis(1200);
    assert!(cache.try_first_use("k:1", until).await.unwrap());
    assert!(
        !cache.try_first_use("k:1", until).await.unwrap(),
        "a replay"
    );
    // The key expires with the window, measured here, not on Redis's clock.
    let plain = Redis::new(&redis.url()).unwrap();
    let left: i64 = plain
        .query(redis::cmd("PTTL").arg("auth0:dpop:k:1"))
        .await
        .unwrap();
    assert!((1..=1200).contains(&left), "PTTL {left}");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let later = SystemTime::now() + Duration::from_secs(5);
    assert!(
        cache.try_first_use("k:1", later).await.unwrap(),
        "forgotten once its window ended"
    );
    // Windows beyond ten years: kept without expiry.
    assert!(
        cache
            .try_first_use(
                "k:2",
                SystemTime::now() + Duration::from_secs(400 * 24 * 3600 * 30)
            )
            .await
            .unwrap()
    );
    let left: i64 = plain
        .query(redis::cmd("PTTL").arg("auth0:dpop:k:2"))
        .await
        .unwrap();
    assert_eq!(left, -1, "no expiry");
}

#[tokio::test]
async fn with_redis_down_proofs_are_refused_within_the_timeout_and_accepted_when_it_is_back() {
    let Some(mut redis) = RedisServer::start(
        "with_redis_down_proofs_are_refused_within_the_timeout_and_accepted_when_it_is_back",
    ) else {
        return;
    };
    let timeout = Duration::from_millis(500);
    let api = instance(&redis.url(), timeout).await;
    let cache = RedisReplayCache::new(
        Redis::builder(redis.url())
            .timeout(timeout)
            .build()
            .unwrap(),
    );
    let client = Client::new();
    assert_eq!(call(&api, &client, &client.proof()).await.0, 200);
    assert!(cache.try_first_use("before", far()).await.unwrap());

    redis.stop();
    for attempt in 0..3 {
        let started = Instant::now();
        let e = cache.try_first_use(&format!("down-{attempt}"), far()).await;
        let took = started.elapsed();
        assert!(
            matches!(e, Err(RedisError::Timeout(_) | RedisError::Redis(_))),
            "attempt {attempt}: {e:?}"
        );
        assert!(took < timeout * 3, "attempt {attempt}: {took:?}");
        let started = Instant::now();
        assert!(
            !cache
                .first_use(&format!("down-trait-{attempt}"), far())
                .await,
            "fails closed"
        );
        assert!(started.elapsed() < timeout * 3);
        // Through the API: a valid, fresh proof is refused, and the answer comes in time.
        let started = Instant::now();
        let (status, challenge) = call(&api, &client, &client.proof()).await;
        assert_eq!(status, 401, "attempt {attempt}");
        assert!(challenge.contains("invalid_dpop_proof"), "{challenge}");
        assert!(started.elapsed() < timeout * 3, "{:?}", started.elapsed());
    }

    // Back, on the same port (empty: no persistence): the same cache and API work again,
    // with no restart.
    redis.resume();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut round = 0;
    loop {
        round += 1;
        if cache
            .try_first_use(&format!("back-{round}"), far())
            .await
            .is_ok()
        {
            break;
        }
        assert!(Instant::now() < deadline, "the cache did not reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if call(&api, &client, &client.proof()).await.0 == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the API did not reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let proof = client.proof();
    assert_eq!(call(&api, &client, &proof).await.0, 200);
    assert_eq!(
        call(&api, &client, &proof).await.0,
        401,
        "replays refused again"
    );
}

fn far() -> SystemTime {
    SystemTime::now() + Duration::from_secs(300)
}
