//! Several instances of the web app example (`examples/web_app/app.rs`) sharing one Redis
//! (`RedisSessionStore`, `RedisLogoutRecord`), each with its own connection, against the
//! stand-in tenant (which rotates refresh tokens and revokes them all when a retired one is
//! used again) and a real `redis-server` started by each test (`server.rs`).

#[allow(dead_code)] // The tests use the example's router, tenant and settings only.
#[path = "../../examples/web_app/app.rs"]
mod app;
mod login;
mod server;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use auth0_auth::web::{
    LogoutRecord as _, Redis, RedisLogoutRecord, RedisSessionStore, SessionData, SessionStore as _,
    WebAuth,
};
use auth0_standin::Standin;
use http::HeaderMap;
use serde_json::Value;
use server::RedisServer;

/// The instances, behind one public address (the first instance's, as a load balancer's):
/// the tenant's callback and back-channel logout URLs name it.
struct Fleet {
    standin: Standin,
    /// Each instance's base URL and login handling.
    instances: Vec<(String, WebAuth)>,
    redis: RedisServer,
    secret: String,
}

impl Fleet {
    /// `count` instances of the example on one Redis, with access tokens of `lifetime`.
    async fn start(test: &str, count: usize, lifetime: Option<Duration>) -> Option<Fleet> {
        Fleet::start_with(test, count, lifetime, true).await
    }

    /// The same, with the sessions in Redis (`stored`) or in stateless cookies (the logout
    /// record in Redis all the same).
    async fn start_with(
        test: &str,
        count: usize,
        lifetime: Option<Duration>,
        stored: bool,
    ) -> Option<Fleet> {
        let redis = RedisServer::start(test)?;
        let mut listeners = Vec::new();
        for _ in 0..count {
            listeners.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
        }
        let front = format!("http://{}", listeners[0].local_addr().unwrap());
        let standin = app::standin(
            &front,
            auth0_standin::CLIENT_ID,
            auth0_standin::CLIENT_SECRET,
            app::DEFAULT_AUDIENCE,
            lifetime,
        )
        .start()
        .await
        .unwrap();
        let secret = auth0_auth::random_string();
        let mut fleet = Fleet {
            standin,
            instances: Vec::new(),
            redis,
            secret,
        };
        for listener in listeners {
            let base = format!("http://{}", listener.local_addr().unwrap());
            // Each instance its own connection, as separate processes have.
            let settings = fleet.settings(&front);
            let redis = fleet.connect(Duration::from_millis(500));
            let auth = if stored {
                settings.shared_web_auth(&redis).unwrap()
            } else {
                WebAuth::builder(&settings.domain)
                    .client_id(&settings.client_id)
                    .client_secret(settings.client_secret.as_str())
                    .base_url(&settings.base_url)
                    .secret(settings.secret.as_str())
                    .audience(app::DEFAULT_AUDIENCE)
                    .logout_record(RedisLogoutRecord::new(redis))
                    .build()
                    .unwrap()
            };
            let router = app::router(&auth);
            tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
            fleet.instances.push((base, auth));
        }
        Some(fleet)
    }

    fn settings(&self, front: &str) -> app::Settings {
        app::Settings {
            domain: self.standin.url(),
            client_id: auth0_standin::CLIENT_ID.to_owned(),
            client_secret: auth0_standin::CLIENT_SECRET.to_owned(),
            secret: self.secret.clone(),
            base_url: front.to_owned(),
            audience: Some(app::DEFAULT_AUDIENCE.to_owned()),
        }
    }

    fn connect(&self, timeout: Duration) -> Redis {
        Redis::builder(self.redis.url())
            .timeout(timeout)
            .build()
            .unwrap()
    }

    fn url(&self, instance: usize) -> &str {
        &self.instances[instance].0
    }

    /// Logs the user in through instance 0: the `Cookie` value of the session.
    async fn log_in(&self) -> String {
        log_in(self.url(0), &self.standin.url()).await
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Logs the example's user in as a browser would.
async fn log_in(app: &str, tenant: &str) -> String {
    login::log_in(app, tenant, app::USER_EMAIL, app::USER_PASSWORD).await
}

/// `GET path` at `base` with the session cookie, as JSON: the status and the body.
async fn get(base: &str, path: &str, cookie: &str) -> (u16, Value) {
    let answer = http()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// The session a cookie opens at `auth`.
async fn session_data(auth: &WebAuth, cookie: &str) -> SessionData {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::COOKIE, cookie.parse().unwrap());
    auth.session(&headers)
        .await
        .unwrap()
        .expect("a session")
        .data()
}

#[tokio::test]
async fn a_session_begun_on_one_instance_is_served_by_the_others() {
    let Some(fleet) = Fleet::start(
        "a_session_begun_on_one_instance_is_served_by_the_others",
        3,
        None,
    )
    .await
    else {
        return;
    };
    let cookie = fleet.log_in().await;
    // The cookie holds only the session's id, sealed.
    assert!(cookie.len() < 300, "{} bytes", cookie.len());
    for i in 0..3 {
        let (status, profile) = get(fleet.url(i), "/profile", &cookie).await;
        assert_eq!(status, 200, "instance {i}");
        assert_eq!(profile["email"], app::USER_EMAIL, "instance {i}");
    }
    // A logout at one instance ends it at the others.
    let answer = http()
        .get(format!("{}/auth/logout", fleet.url(2)))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    for i in 0..3 {
        assert_eq!(
            get(fleet.url(i), "/profile", &cookie).await.0,
            401,
            "instance {i}"
        );
    }
}

#[tokio::test]
async fn a_backchannel_logout_posted_to_one_instance_ends_the_session_on_the_others() {
    let Some(fleet) = Fleet::start(
        "a_backchannel_logout_posted_to_one_instance_ends_the_session_on_the_others",
        2,
        None,
    )
    .await
    else {
        return;
    };
    let cookie = fleet.log_in().await;
    let other = fleet.log_in().await;
    assert_eq!(get(fleet.url(1), "/profile", &cookie).await.0, 200);
    // The tenant ends the user's sessions: its back-channel logouts go to instance 0 (the
    // front's URL is instance 0's).
    assert_eq!(fleet.standin.end_sessions(app::USER_EMAIL).await, 2);
    let posted = fleet.standin.backchannel_logouts();
    assert_eq!(posted.len(), 2, "{posted:?}");
    for logout in &posted {
        assert_eq!(logout.outcome, Ok(200), "{logout:?}");
        assert!(logout.url.starts_with(fleet.url(0)), "{logout:?}");
    }
    // Instance 1 never received them, and refuses both sessions at their next request.
    assert_eq!(get(fleet.url(1), "/profile", &cookie).await.0, 401);
    assert_eq!(get(fleet.url(1), "/profile", &other).await.0, 401);
    assert_eq!(get(fleet.url(0), "/profile", &cookie).await.0, 401);
    // A new login is not ended by the old logout.
    let again = fleet.log_in().await;
    assert_eq!(get(fleet.url(1), "/profile", &again).await.0, 200);
}

#[tokio::test]
async fn stateless_sessions_are_ended_on_every_instance_by_the_shared_logout_record() {
    let Some(fleet) = Fleet::start_with(
        "stateless_sessions_are_ended_on_every_instance_by_the_shared_logout_record",
        2,
        None,
        false,
    )
    .await
    else {
        return;
    };
    let cookie = fleet.log_in().await;
    // The session is in the cookie (both instances open it: same secret).
    assert!(cookie.len() > 1000, "{} bytes", cookie.len());
    assert_eq!(get(fleet.url(1), "/profile", &cookie).await.0, 200);
    // The back-channel logout reaches instance 0 only; instance 1 refuses the cookie too.
    assert_eq!(fleet.standin.end_sessions(app::USER_EMAIL).await, 1);
    assert_eq!(fleet.standin.backchannel_logouts()[0].outcome, Ok(200));
    assert_eq!(get(fleet.url(1), "/profile", &cookie).await.0, 401);
    assert_eq!(get(fleet.url(0), "/profile", &cookie).await.0, 401);
}

#[tokio::test]
async fn instances_refreshing_one_session_at_once_keep_a_working_refresh_token() {
    // Tokens of 62 s, refreshed within 60 s of expiry: each is handed out for 2 s.
    let Some(fleet) = Fleet::start(
        "instances_refreshing_one_session_at_once_keep_a_working_refresh_token",
        4,
        Some(Duration::from_secs(62)),
    )
    .await
    else {
        return;
    };
    let cookie = fleet.log_in().await;
    let (status, first) = get(fleet.url(1), "/api/token", &cookie).await;
    assert_eq!(status, 200, "{first}");
    let mut seen = BTreeSet::from([first["access_token"].as_str().unwrap().to_owned()]);
    for round in 0..3 {
        tokio::time::sleep(Duration::from_millis(2100)).await;
        // Three requests to each instance at the same moment, every one due to refresh.
        let mut racing = tokio::task::JoinSet::new();
        for i in 0..12 {
            let (base, cookie) = (fleet.url(i % 4).to_owned(), cookie.clone());
            racing.spawn(async move { get(&base, "/api/token", &cookie).await });
        }
        let answers = racing.join_all().await;
        let tokens: BTreeSet<String> = answers
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 200, "round {round}: {body}");
                body["access_token"].as_str().unwrap().to_owned()
            })
            .collect();
        // One refresh for all twelve: one new token, never a reused refresh token (which
        // the tenant would answer by revoking the session's refresh tokens).
        assert_eq!(tokens.len(), 1, "round {round}: {} tokens", tokens.len());
        assert!(
            seen.insert(tokens.into_iter().next().unwrap()),
            "round {round}: a new token"
        );
    }
    // The session still works everywhere.
    assert_eq!(get(fleet.url(3), "/profile", &cookie).await.0, 200);
}

#[tokio::test]
async fn the_stores_keep_end_and_lock_sessions() {
    let Some(fleet) = Fleet::start("the_stores_keep_end_and_lock_sessions", 1, None).await else {
        return;
    };
    let one = session_data(&fleet.instances[0].1, &fleet.log_in().await).await;
    let two = session_data(&fleet.instances[0].1, &fleet.log_in().await).await;
    assert_ne!(one.sid(), two.sid(), "two logins, two Auth0 sessions");
    let a = RedisSessionStore::new(fleet.connect(Duration::from_secs(1)));
    let b = RedisSessionStore::new(fleet.connect(Duration::from_secs(1)));
    let later = std::time::SystemTime::now() + Duration::from_secs(60);

    a.save("one", &one, later).await.unwrap();
    a.save("two", &two, later).await.unwrap();
    let read = b.load("one").await.unwrap().expect("saved by a, read by b");
    assert_eq!(read.to_bytes(), one.to_bytes());
    assert!(b.load("none").await.unwrap().is_none());

    // Expiry.
    a.save(
        "brief",
        &one,
        std::time::SystemTime::now() + Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert!(b.load("brief").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(b.load("brief").await.unwrap().is_none(), "expired");

    // A logout of one Auth0 session ends that session only; a save racing it does not
    // bring it back.
    let logout = auth0_auth::web::Logout::new(
        one.sid().map(str::to_owned),
        None,
        std::time::SystemTime::now() + Duration::from_secs(1),
    );
    b.end(&logout).await.unwrap();
    assert!(a.load("one").await.unwrap().is_none());
    assert!(a.load("two").await.unwrap().is_some());
    a.save("one", &one, later).await.unwrap();
    assert!(a.load("one").await.unwrap().is_none(), "ended stays ended");
    // A user's logout ends every session of the user begun before it.
    b.end(&auth0_auth::web::Logout::new(
        None,
        Some(two.sub().to_owned()),
        std::time::SystemTime::now() + Duration::from_secs(1),
    ))
    .await
    .unwrap();
    assert!(a.load("two").await.unwrap().is_none());
    // A deleted session stays deleted too.
    a.save("three", &one, later).await.unwrap();
    b.delete("three").await.unwrap();
    a.save("three", &one, later).await.unwrap();
    assert!(a.load("three").await.unwrap().is_none());

    // The refresh lock: one holder at a time, released by its own lease only, or in time.
    let hold = Duration::from_millis(300);
    assert!(a.is_shared());
    assert!(a.lock_refresh("s", "lease-a", hold).await.unwrap());
    assert!(!b.lock_refresh("s", "lease-b", hold).await.unwrap());
    b.unlock_refresh("s", "lease-b").await.unwrap();
    assert!(
        !b.lock_refresh("s", "lease-b", hold).await.unwrap(),
        "not b's"
    );
    a.unlock_refresh("s", "lease-a").await.unwrap();
    assert!(b.lock_refresh("s", "lease-b", hold).await.unwrap());
    tokio::time::sleep(hold + Duration::from_millis(100)).await;
    assert!(
        a.lock_refresh("s", "lease-a", hold).await.unwrap(),
        "b's expired"
    );

    // The logout record: a logout of `sid` ends the sessions of that sid begun before it.
    let record_a = RedisLogoutRecord::new(fleet.connect(Duration::from_secs(1)));
    let record_b = RedisLogoutRecord::new(fleet.connect(Duration::from_secs(1)));
    assert!(!record_b.is_ended(&one).await.unwrap());
    record_a
        .record(
            &auth0_auth::web::Logout::new(
                one.sid().map(str::to_owned),
                Some(one.sub().to_owned()),
                std::time::SystemTime::now(),
            ),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(record_b.is_ended(&one).await.unwrap());
    assert!(!record_b.is_ended(&two).await.unwrap(), "another sid");
    // Without a sid: every session of the user begun before it.
    record_a
        .record(
            &auth0_auth::web::Logout::new(
                None,
                Some(two.sub().to_owned()),
                two.created_at() - Duration::from_secs(5),
            ),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(
        !record_b.is_ended(&two).await.unwrap(),
        "begun after the logout"
    );
    record_a
        .record(
            &auth0_auth::web::Logout::new(None, Some(two.sub().to_owned()), two.created_at()),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(record_b.is_ended(&two).await.unwrap());
}

#[tokio::test]
async fn with_redis_down_requests_fail_within_the_timeout_and_work_again_when_it_is_back() {
    let Some(mut fleet) = Fleet::start(
        "with_redis_down_requests_fail_within_the_timeout_and_work_again_when_it_is_back",
        2,
        None,
    )
    .await
    else {
        return;
    };
    let cookie = fleet.log_in().await;
    assert_eq!(get(fleet.url(1), "/profile", &cookie).await.0, 200);

    fleet.redis.stop();
    for i in 0..2 {
        for attempt in 0..2 {
            let started = Instant::now();
            let (status, body) = get(fleet.url(i), "/profile", &cookie).await;
            let took = started.elapsed();
            // Neither served as logged in nor as logged out: unavailable.
            assert_eq!(status, 503, "instance {i}, attempt {attempt}: {body}");
            assert!(took < Duration::from_millis(1500), "{took:?}");
        }
    }
    // The tenant's back-channel logout cannot be recorded: it is told so.
    fleet.standin.end_sessions(app::USER_EMAIL).await;
    let posted = fleet.standin.backchannel_logouts();
    assert!(posted.iter().all(|l| l.outcome != Ok(200)), "{posted:?}");
    // A login cannot be kept either.
    let login = http()
        .get(format!("{}/auth/login", fleet.url(1)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        302,
        "the login starts (its transaction is a cookie)"
    );

    // Back (empty: no persistence): the same instances work again, no restart.
    fleet.redis.resume();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = get(fleet.url(1), "/profile", &cookie).await.0;
        if status == 401 {
            // The session went with Redis's data: the user logs in again.
            break;
        }
        assert_eq!(status, 503);
        assert!(Instant::now() < deadline, "the instance did not reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cookie = fleet.log_in().await;
    for i in 0..2 {
        assert_eq!(
            get(fleet.url(i), "/profile", &cookie).await.0,
            200,
            "instance {i}"
        );
    }
}

/// The example's binary (`target/<profile>/examples/web_app`, built by `cargo test`), or
/// `None` after saying why the test is skipped.
fn example(test: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join("web_app"))
        .filter(|p| p.is_file());
    if path.is_none() {
        server::skip(
            test,
            "the example is not built (cargo test builds it; cargo test --test redis does not)",
        );
    }
    path
}

/// The example, running; killed when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn two_processes_of_the_example_with_redis_url_share_sessions_and_logouts() {
    use std::io::BufRead as _;

    let test = "two_processes_of_the_example_with_redis_url_share_sessions_and_logouts";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let Some(binary) = example(test) else { return };
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let front = format!("http://127.0.0.1:{}", ports[0]);
    let standin = app::standin(
        &front,
        auth0_standin::CLIENT_ID,
        auth0_standin::CLIENT_SECRET,
        app::DEFAULT_AUDIENCE,
        None,
    )
    .start()
    .await
    .unwrap();
    let secret = auth0_auth::random_string();
    let mut running = Vec::new();
    for port in &ports {
        let mut child = std::process::Command::new(&binary)
            .env("AUTH0_DOMAIN", standin.url())
            .env("AUTH0_CLIENT_ID", auth0_standin::CLIENT_ID)
            .env("AUTH0_CLIENT_SECRET", auth0_standin::CLIENT_SECRET)
            .env("AUTH0_SECRET", &secret)
            .env("APP_BASE_URL", &front)
            .env("AUTH0_AUDIENCE", app::DEFAULT_AUDIENCE)
            .env("PORT", port.to_string())
            .env("REDIS_URL", redis.url())
            .env_remove("AUTH0_STANDIN_TOKEN_LIFETIME")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        running.push(Running(child));
        let (lines_tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let next_line = || {
            lines
                .recv_timeout(Duration::from_secs(30))
                .expect("the example printed a line")
        };
        // Its first lines say where the sessions are kept, then where it listens.
        let port_of_redis = redis
            .url()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(
            next_line(),
            format!("sessions and back-channel logouts kept in Redis at 127.0.0.1:{port_of_redis}")
        );
        assert_eq!(next_line(), format!("listening on http://127.0.0.1:{port}"));
    }
    let cookie = log_in(&front, &standin.url()).await;
    let second = format!("http://127.0.0.1:{}", ports[1]);
    let (status, profile) = get(&second, "/profile", &cookie).await;
    assert_eq!(status, 200, "the other process serves the session");
    assert_eq!(profile["email"], app::USER_EMAIL);
    // The tenant's back-channel logout reaches the first process; the second ends the session.
    assert_eq!(standin.end_sessions(app::USER_EMAIL).await, 1);
    assert_eq!(standin.backchannel_logouts()[0].outcome, Ok(200));
    assert_eq!(get(&second, "/profile", &cookie).await.0, 401);
    drop(running);
}

/// A token endpoint issuing a new token (`tok-1`, `tok-2`, …) of `lifetime` seconds per
/// request, after `delay`; the count of tokens it issued.
async fn token_endpoint(
    lifetime: u64,
    delay: Duration,
) -> (
    wiremock::MockServer,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(Arc<AtomicUsize>, u64, Duration);
    impl wiremock::Respond for Counting {
        fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "access_token": format!("tok-{n}"), "token_type": "Bearer",
                    "expires_in": self.1,
                }))
                .set_delay(self.2)
        }
    }
    let server = wiremock::MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/oauth/token"))
        .respond_with(Counting(issued.clone(), lifetime, delay))
        .mount(&server)
        .await;
    (server, issued)
}

/// An instance of a service: its own client and its own connection to Redis.
fn token_instance(
    tenant: &wiremock::MockServer,
    redis: &RedisServer,
    failure: auth0_auth::tokens::StoreFailure,
) -> auth0_auth::tokens::TokenCache {
    let client = auth0_auth::Client::builder(tenant.uri())
        .client_id("service")
        .client_secret("service-secret")
        .build()
        .unwrap();
    let redis = Redis::builder(redis.url())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    auth0_auth::tokens::TokenCache::builder(client)
        .store(std::sync::Arc::new(
            auth0_auth::tokens::RedisTokenStore::new(redis),
        ))
        .store_failure(failure)
        .build()
}

/// `token()` from `callers` tasks on each cache at once: the tokens got.
async fn tokens_at_once(caches: &[auth0_auth::tokens::TokenCache], callers: usize) -> Vec<String> {
    let mut calls = tokio::task::JoinSet::new();
    for cache in caches {
        for _ in 0..callers {
            let tokens = cache.audience("https://orders.example.com");
            calls.spawn(async move { tokens.token().await.unwrap().expose_secret().to_owned() });
        }
    }
    calls.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_make_one_token_request_and_renew_once() {
    use std::sync::atomic::Ordering;

    let Some(redis) =
        RedisServer::start("instances_starting_together_make_one_token_request_and_renew_once")
    else {
        return;
    };
    // Tokens of 20 s, renewed at half their lifetime (10 s, the least a token is used).
    let (tenant, issued) = token_endpoint(20, Duration::from_millis(300)).await;
    let open = auth0_auth::tokens::StoreFailure::Open;
    let fleet: Vec<_> = (0..6)
        .map(|_| token_instance(&tenant, &redis, open))
        .collect();
    let got = tokens_at_once(&fleet, 4).await;
    assert_eq!(
        issued.load(Ordering::SeqCst),
        1,
        "six instances, one request"
    );
    assert!(got.iter().all(|t| t == "tok-1"), "{got:?}");
    // An instance started later takes the token from Redis.
    let late = token_instance(&tenant, &redis, open);
    assert_eq!(tokens_at_once(&[late], 1).await, ["tok-1"]);
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    tokio::time::sleep(Duration::from_millis(10_200)).await;
    let got = tokens_at_once(&fleet, 4).await;
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "one renewal for the fleet"
    );
    assert!(got.iter().all(|t| t == "tok-2"), "{got:?}");
}

#[tokio::test]
async fn with_redis_down_the_token_store_fails_open_or_closed_within_the_timeout() {
    use std::sync::atomic::Ordering;

    let Some(mut redis) = RedisServer::start(
        "with_redis_down_the_token_store_fails_open_or_closed_within_the_timeout",
    ) else {
        return;
    };
    let (tenant, issued) = token_endpoint(86400, Duration::ZERO).await;
    let open = token_instance(&tenant, &redis, auth0_auth::tokens::StoreFailure::Open);
    let closed = token_instance(&tenant, &redis, auth0_auth::tokens::StoreFailure::Closed);
    redis.stop();
    // Open: the instance asks for its own token, in time.
    let started = Instant::now();
    assert_eq!(tokens_at_once(&[open], 1).await, ["tok-1"]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Closed: a typed error, in time, and no request.
    let started = Instant::now();
    let e = closed
        .token("https://orders.example.com")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(e, auth0_auth::Error::TokenStore(_)), "{e:?}");
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // Back: the same instance shares its token again, no restart.
    redis.resume();
    let deadline = Instant::now() + Duration::from_secs(10);
    let token = loop {
        match closed.token("https://orders.example.com").await {
            Ok(token) => break token.expose_secret().to_owned(),
            Err(e) => {
                assert!(Instant::now() < deadline, "no reconnection: {e:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(token, "tok-2");
    let another = token_instance(&tenant, &redis, auth0_auth::tokens::StoreFailure::Closed);
    assert_eq!(tokens_at_once(&[another], 2).await, ["tok-2", "tok-2"]);
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}
