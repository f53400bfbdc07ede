//! `TokenCache` against a local token endpoint that counts its requests, and against the
//! stand-in tenant: tokens kept and renewed, one request for concurrent callers and for
//! instances sharing a store, a backoff after failures, organizations, the header set on a
//! `reqwest` request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth0_auth::http::{ManualClock, RetryPolicy};
use auth0_auth::tokens::{
    MemoryTokenStore, StoreError, StoreFailure, StoreFuture, StoredToken, TokenCache, TokenKey,
    TokenStore, Tokens,
};
use auth0_auth::{Client, Error, HttpError};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{CLIENT_ID, CLIENT_SECRET};

const API: &str = "https://orders.example.com";

/// Answers each token request with a new token (`tok-1`, `tok-2`, …) that lives `lifetime`
/// seconds, after `delay`.
struct Counting {
    issued: Arc<AtomicUsize>,
    lifetime: u64,
    delay: Duration,
}

impl Respond for Counting {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "access_token": format!("tok-{n}"),
                "token_type": "Bearer",
                "expires_in": self.lifetime,
            }))
            .set_delay(self.delay)
    }
}

/// A token endpoint issuing tokens of `lifetime` seconds after `delay`; the count of tokens
/// it issued.
async fn token_endpoint(lifetime: u64, delay: Duration) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(Counting {
            issued: issued.clone(),
            lifetime,
            delay,
        })
        .mount(&server)
        .await;
    (server, issued)
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .build()
        .unwrap()
}

fn client_on(server: &MockServer, clock: &ManualClock) -> Client {
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .clock(clock.shared())
        .build()
        .unwrap()
}

async fn token_requests(server: &MockServer) -> Vec<std::collections::BTreeMap<String, String>> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .map(|r| url::form_urlencoded::parse(&r.body).into_owned().collect())
        .collect()
}

/// Calls `token()` on each of `tokens` from `callers` tasks each at once; the tokens got.
async fn all_at_once(tokens: &[Tokens], callers: usize) -> Vec<String> {
    let mut calls = tokio::task::JoinSet::new();
    for t in tokens {
        for _ in 0..callers {
            let t = t.clone();
            calls.spawn(async move { t.token().await.unwrap().expose_secret().to_owned() });
        }
    }
    calls.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_token_request() {
    let (server, issued) = token_endpoint(86400, Duration::from_millis(300)).await;
    let cache = TokenCache::new(client(&server));
    let got = all_at_once(&[cache.audience(API)], 16).await;
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    assert!(got.iter().all(|t| t == "tok-1"), "{got:?}");
    // Kept: later calls, through another handle of the same key, ask for nothing.
    assert_eq!(cache.token(API).await.unwrap().expose_secret(), "tok-1");
    let sent = token_requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["grant_type"], "client_credentials");
    assert_eq!(sent[0]["audience"], API);
    assert_eq!(sent[0]["client_id"], CLIENT_ID);
    assert!(!sent[0].contains_key("organization"));
}

#[tokio::test]
async fn a_token_is_renewed_a_minute_before_it_expires() {
    let (server, issued) = token_endpoint(300, Duration::ZERO).await;
    let clock = ManualClock::new();
    let tokens = TokenCache::new(client_on(&server, &clock)).audience(API);
    assert_eq!(tokens.token().await.unwrap().expose_secret(), "tok-1");
    clock.advance(Duration::from_secs(239));
    assert_eq!(tokens.token().await.unwrap().expose_secret(), "tok-1");
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(2));
    assert_eq!(tokens.token().await.unwrap().expose_secret(), "tok-2");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn failures_back_off_doubling_and_honour_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("limited"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "20")
                .set_body_json(json!({"error": "too_many_requests"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"error": "temporarily_unavailable"})),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .clock(clock.shared())
        .token_retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let cache = TokenCache::new(client);
    let tokens = cache.audience(API);
    let asked = || async { token_requests(&server).await.len() };

    // The caller that asked gets the failure itself; the next ones, its message.
    let e = tokens.token().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503), "{e}");
    let e = tokens.token().await.unwrap_err();
    assert!(matches!(e, Error::TokenShared(_)), "{e:?}");
    assert!(e.to_string().contains("temporarily_unavailable"), "{e}");
    assert_eq!(asked().await, 1);
    // One second, then two, then four.
    for (backoff, n) in [(1, 2), (2, 3), (4, 4)] {
        clock.advance(Duration::from_millis(backoff * 1000 - 100));
        tokens.token().await.unwrap_err();
        assert_eq!(asked().await, n - 1, "within {backoff} s");
        clock.advance(Duration::from_millis(200));
        tokens.token().await.unwrap_err();
        assert_eq!(asked().await, n, "after {backoff} s");
    }

    // A `Retry-After` is honoured.
    let limited = cache.audience("https://limited.example.com");
    let e = limited.token().await.unwrap_err();
    assert!(
        matches!(e, Error::Http(HttpError::RateLimited { .. })),
        "{e:?}"
    );
    let before = asked().await;
    clock.advance(Duration::from_secs(19));
    limited.token().await.unwrap_err();
    assert_eq!(asked().await, before);
    clock.advance(Duration::from_secs(2));
    limited.token().await.unwrap_err();
    assert_eq!(asked().await, before + 1);
}

#[tokio::test]
async fn organizations_are_sent_and_kept_apart() {
    let (server, issued) = token_endpoint(86400, Duration::ZERO).await;
    let cache = TokenCache::new(client(&server));
    let acme = cache.tokens(TokenKey::new(API).organization("org_acme"));
    assert_eq!(acme.token().await.unwrap().expose_secret(), "tok-1");
    let again = cache.tokens(TokenKey::new(API).organization("org_acme"));
    assert_eq!(again.token().await.unwrap().expose_secret(), "tok-1");
    let other = cache.tokens(TokenKey::new(API).organization("org_other"));
    assert_eq!(other.token().await.unwrap().expose_secret(), "tok-2");
    assert_eq!(cache.token(API).await.unwrap().expose_secret(), "tok-3");
    assert_eq!(issued.load(Ordering::SeqCst), 3);
    let sent = token_requests(&server).await;
    assert_eq!(sent[0]["organization"], "org_acme");
    assert_eq!(sent[1]["organization"], "org_other");
    assert!(!sent[2].contains_key("organization"));
    assert!(sent.iter().all(|f| f["audience"] == API));
}

#[tokio::test]
async fn authorize_puts_the_token_on_a_reqwest_request() {
    let (server, _) = token_endpoint(86400, Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path("/v1/orders"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let tokens = TokenCache::new(client(&server)).audience(API);
    let http = reqwest::Client::new();
    let request = tokens
        .authorize(http.get(format!("{}/v1/orders", server.uri())))
        .await
        .unwrap();
    assert_eq!(request.send().await.unwrap().status(), 200);
    let bearer = tokens.bearer().await.unwrap();
    assert!(bearer.header_value().is_sensitive());
    let printed = format!("{tokens:?} {bearer:?} {:?}", tokens.token().await.unwrap());
    assert!(!printed.contains("tok-1"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_a_store_make_one_request_together() {
    let (server, issued) = token_endpoint(86400, Duration::from_millis(300)).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    // Four instances: each its own client and cache, one store.
    let instances: Vec<Tokens> = (0..4)
        .map(|_| {
            TokenCache::builder(client(&server))
                .store(store.clone())
                .build()
                .audience(API)
        })
        .collect();
    let got = all_at_once(&instances, 4).await;
    assert_eq!(issued.load(Ordering::SeqCst), 1, "{got:?}");
    assert!(got.iter().all(|t| t == "tok-1"), "{got:?}");
    // An instance started later takes the store's token.
    let late = TokenCache::builder(client(&server))
        .store(store.clone())
        .build();
    assert_eq!(late.token(API).await.unwrap().expose_secret(), "tok-1");
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    // Another API is another key; and so is another application's token for the same API.
    assert_eq!(
        late.token("https://other.example.com")
            .await
            .unwrap()
            .expose_secret(),
        "tok-2"
    );
    let other_app = Client::builder(server.uri())
        .client_id("another-client")
        .client_secret("s")
        .build()
        .unwrap();
    let other_app = TokenCache::builder(other_app).store(store).build();
    assert_eq!(other_app.token(API).await.unwrap().expose_secret(), "tok-3");
}

#[tokio::test]
async fn instances_renew_once_and_take_each_others_renewal() {
    let (server, issued) = token_endpoint(300, Duration::ZERO).await;
    let clock = ManualClock::new();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::with_clock(clock.shared()));
    let instance = || {
        TokenCache::builder(client_on(&server, &clock))
            .store(store.clone())
            .build()
            .audience(API)
    };
    let (a, b) = (instance(), instance());
    assert_eq!(a.token().await.unwrap().expose_secret(), "tok-1");
    assert_eq!(b.token().await.unwrap().expose_secret(), "tok-1");
    clock.advance(Duration::from_secs(241));
    assert_eq!(a.token().await.unwrap().expose_secret(), "tok-2");
    assert_eq!(b.token().await.unwrap().expose_secret(), "tok-2");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_rejected_token_is_replaced_not_taken_again_from_the_store() {
    let (server, issued) = token_endpoint(86400, Duration::ZERO).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let tokens = TokenCache::builder(client(&server))
        .store(store.clone())
        .build()
        .audience(API);
    let first = tokens.bearer().await.unwrap();
    assert!(
        tokens.reject(first.id()).await,
        "the first rejection asks again"
    );
    let second = tokens.bearer().await.unwrap();
    assert_eq!(second.access_token().expose_secret(), "tok-2");
    assert_ne!(second.id(), first.id());
    // The replacement went to the store for the others.
    let other = TokenCache::builder(client(&server))
        .store(store)
        .build()
        .audience(API);
    assert_eq!(other.token().await.unwrap().expose_secret(), "tok-2");
    // Refused again at once: the API refuses this client's tokens; no third request.
    assert!(!tokens.reject(second.id()).await);
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

/// A store that is down.
#[derive(Debug)]
struct Down;

impl TokenStore for Down {
    fn get<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn put<'a>(&'a self, _: &'a str, _: StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn try_begin_renewal<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn end_renewal<'a>(&'a self, _: &'a str, _: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

#[tokio::test]
async fn a_failing_store_fails_open_unless_told_to_fail_closed() {
    let (server, issued) = token_endpoint(86400, Duration::ZERO).await;
    let open = TokenCache::builder(client(&server))
        .store(Arc::new(Down))
        .build();
    assert_eq!(open.token(API).await.unwrap().expose_secret(), "tok-1");
    let closed = TokenCache::builder(client(&server))
        .store(Arc::new(Down))
        .store_failure(StoreFailure::Closed)
        .build();
    let e = closed.token(API).await.unwrap_err();
    assert!(matches!(e, Error::TokenStore(_)), "{e:?}");
    // Said once: the store's own message is the cause, not repeated by the error.
    assert_eq!(e.to_string(), "the token store failed");
    let cause = std::error::Error::source(&e).expect("the store's error");
    assert!(cause.to_string().contains("connection refused"), "{cause}");
    assert_eq!(issued.load(Ordering::SeqCst), 1);
}

/// A memory store that records the keys read.
#[derive(Debug, Default)]
struct Recording(MemoryTokenStore, std::sync::Mutex<Vec<String>>);

impl TokenStore for Recording {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        self.1.lock().unwrap().push(key.to_owned());
        self.0.get(key)
    }
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        self.0.put(key, token)
    }
    fn try_begin_renewal<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        self.0.try_begin_renewal(key, owner, ttl)
    }
    fn end_renewal<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        self.0.end_renewal(key, owner)
    }
}

#[tokio::test]
async fn a_lease_whose_holder_went_away_is_taken_over_when_it_lapses() {
    let (server, issued) = token_endpoint(86400, Duration::ZERO).await;
    // The key of this application's tokens for the API, as every instance names it.
    let learn = Arc::new(Recording::default());
    TokenCache::builder(client(&server))
        .store(learn.clone())
        .build()
        .token(API)
        .await
        .unwrap();
    let key = learn.1.lock().unwrap()[0].clone();
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // An instance took the lease and went away without a token.
    let lease = Duration::from_millis(400);
    let store = Arc::new(MemoryTokenStore::new());
    let started = std::time::Instant::now();
    assert!(store.try_begin_renewal(&key, "lost", lease).await.unwrap());
    let tokens = TokenCache::builder(client(&server))
        .store(store.clone())
        .renewal_lease(lease)
        .build()
        .audience(API);
    assert_eq!(tokens.token().await.unwrap().expose_secret(), "tok-2");
    // Not before the lease lapsed.
    let waited = started.elapsed();
    assert!(waited >= lease, "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    // The lease is free again, and the token is in the store.
    assert!(store.try_begin_renewal(&key, "next", lease).await.unwrap());
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose_secret(), "tok-2");
}

#[tokio::test]
async fn tokens_from_the_standin_pass_its_management_api() {
    let tenant = auth0_standin::Standin::start().await.unwrap();
    let client = Client::builder(tenant.url())
        .client_id(auth0_standin::CLIENT_ID)
        .client_secret(auth0_standin::CLIENT_SECRET)
        .build()
        .unwrap();
    let cache = TokenCache::builder(client)
        .store(Arc::new(MemoryTokenStore::new()))
        .build();
    let management = cache.audience(tenant.management_audience());
    let http = reqwest::Client::new();
    let answer = management
        .authorize(http.get(format!("{}/api/v2/users", tenant.url())))
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    // Without the header the stand-in refuses the call.
    let refused = http
        .get(format!("{}/api/v2/users", tenant.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // An API the tenant does not have: the tenant's refusal.
    let e = cache
        .token("https://nowhere.example.com")
        .await
        .unwrap_err();
    assert_eq!(e.error(), Some("access_denied"), "{e}");
}
