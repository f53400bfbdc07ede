//! Waiting for jobs and reading users exports, against a local server: a job that completes
//! after a few looks, one that fails, one that never ends; an export file gzip-compressed
//! as Auth0 serves it.

use std::io::Write as _;
use std::time::Duration;

use auth0_mgmt::{Error, HttpError, types};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::setup;

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

async fn job_answers(server: &MockServer, answers: &[Value]) {
    for (i, answer) in answers.iter().enumerate() {
        let mock = Mock::given(method("GET")).and(path("/api/v2/jobs/job_1"));
        // The last answer stays; the ones before are given once each, in order.
        let mock = if i + 1 < answers.len() {
            mock.respond_with(ResponseTemplate::new(200).set_body_json(answer))
                .up_to_n_times(1)
                .with_priority(1 + i as u8)
        } else {
            mock.respond_with(ResponseTemplate::new(200).set_body_json(answer))
                .with_priority(100)
        };
        mock.mount(server).await;
    }
}

#[tokio::test]
async fn wait_returns_the_completed_job_and_read_streams_its_users() {
    let (server, client) = setup().await;
    let location = format!("{}/exports/users.json.gz", server.uri());
    job_answers(
        &server,
        &[
            json!({"id": "job_1", "type": "users_export", "status": "pending"}),
            json!({"id": "job_1", "type": "users_export", "status": "processing", "percentage_done": 50}),
            json!({"id": "job_1", "type": "users_export", "status": "completed",
                   "format": "json", "location": location}),
        ],
    )
    .await;
    // Two users, a blank line, CRLF endings, and a last line without a newline; members the
    // document does not list are kept.
    let file = "{\"user_id\":\"auth0|1\",\"email\":\"a@example.com\",\"favourite\":\"tea\"}\r\n\n\
                {\"user_id\":\"auth0|2\",\"email\":\"b@example.com\"}\n\
                {\"user_id\":\"auth0|3\"}";
    Mock::given(method("GET"))
        .and(path("/exports/users.json.gz"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/gzip")
                .set_body_bytes(gzip(file)),
        )
        .mount(&server)
        .await;

    let job = client
        .jobs()
        .wait("job_1")
        .interval(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    assert_eq!(job.status.as_deref(), Some("completed"));
    let looks = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/v2/jobs/job_1")
        .count();
    assert_eq!(looks, 3, "pending, processing, completed");

    let users: Vec<types::UserResponseSchema> = client
        .jobs()
        .users_exports()
        .read(&job)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = users.iter().filter_map(|u| u.user_id.as_deref()).collect();
    assert_eq!(ids, ["auth0|1", "auth0|2", "auth0|3"]);
    assert_eq!(users[0].extra.get("favourite"), Some(&json!("tea")));

    // The file is fetched without the client's token.
    let sent = server.received_requests().await.unwrap();
    let export = sent
        .iter()
        .find(|r| r.url.path() == "/exports/users.json.gz")
        .unwrap();
    assert!(export.headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_failed_job_is_an_error_with_its_details() {
    let (server, client) = setup().await;
    job_answers(
        &server,
        &[
            json!({"id": "job_1", "status": "processing"}),
            json!({"id": "job_1", "status": "failed", "status_details": "bad file"}),
        ],
    )
    .await;
    let err = client
        .jobs()
        .wait("job_1")
        .interval(Duration::from_millis(1))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Job {
            id,
            status,
            details,
        } => {
            assert_eq!(id, "job_1");
            assert_eq!(status, "failed");
            assert_eq!(details.as_deref(), Some("bad file"));
        }
        other => panic!("expected Error::Job, got {other:?}"),
    }
    assert_eq!(err.to_string(), "job job_1: failed (bad file)");
}

#[tokio::test]
async fn a_job_that_does_not_end_stops_the_wait_at_its_timeout() {
    let (server, client) = setup().await;
    job_answers(&server, &[json!({"id": "job_1", "status": "pending"})]).await;
    let started = std::time::Instant::now();
    let err = client
        .jobs()
        .wait("job_1")
        .interval(Duration::from_millis(5))
        .max_interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(150))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::JobTimeout { status, .. } if status == "pending"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let looks = server.received_requests().await.unwrap().len();
    // 5, 10, 20, 20, ... ms pauses within 150 ms: several looks, each interval capped.
    assert!((4..=30).contains(&looks), "{looks} looks");
}

#[tokio::test]
async fn exports_that_cannot_be_read_are_errors() {
    let (server, client) = setup().await;
    let job = |extra: Value| -> types::GetJobResponseContent {
        let mut job = json!({"id": "job_1", "status": "completed", "format": "json"});
        job.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(job).unwrap()
    };
    let read = |job: types::GetJobResponseContent| {
        let client = client.clone();
        async move {
            client
                .jobs()
                .users_exports()
                .read::<Value>(&job)
                .try_collect::<Vec<_>>()
                .await
        }
    };
    // No location, CSV, plain http to another host.
    for bad in [
        json!({}),
        json!({"location": format!("{}/x.gz", server.uri()), "format": "csv"}),
        json!({"location": "http://exports.example.com/x.gz"}),
    ] {
        let err = read(job(bad.clone())).await.unwrap_err();
        assert!(
            matches!(err, Error::Http(HttpError::InvalidRequest { .. })),
            "{bad}: {err:?}"
        );
    }

    Mock::given(method("GET"))
        .and(path("/plain.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"user_id\":\"x\"}\n"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone.gz"))
        .respond_with(ResponseTemplate::new(403).set_body_string("<Error>expired</Error>"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/moved.gz"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/x"),
        )
        .mount(&server)
        .await;
    let cut = gzip("{\"user_id\":\"x\"}\n{\"user_id\":\"y\"}\n");
    Mock::given(method("GET"))
        .and(path("/cut.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(cut[..cut.len() - 12].to_vec()))
        .mount(&server)
        .await;
    let at = |p: &str| json!({"location": format!("{}{p}", server.uri())});
    let err = read(job(at("/plain.gz"))).await.unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    let err = read(job(at("/gone.gz"))).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http(HttpError::Api(e)) if e.status() == 403),
        "{err:?}"
    );
    let err = read(job(at("/moved.gz"))).await.unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Redirect { .. })),
        "{err:?}"
    );
    let err = read(job(at("/cut.gz"))).await.unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    // None of these carried the token.
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.iter()
            .all(|r| r.headers.get("authorization").is_none())
    );
}

#[tokio::test]
async fn an_export_file_that_is_busy_is_fetched_again_by_the_one_retry_rule() {
    let server = MockServer::start().await;
    let client = auth0_mgmt::Client::builder(server.uri())
        .token("test-token")
        .retry_policy(
            auth0_mgmt::RetryPolicy::default()
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/busy.gz"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/busy.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(gzip("{\"user_id\":\"x\"}\n")))
        .with_priority(2)
        .mount(&server)
        .await;
    let job: types::GetJobResponseContent = serde_json::from_value(json!({
        "id": "job_1", "status": "completed", "format": "json",
        "location": format!("{}/busy.gz", server.uri()),
    }))
    .unwrap();
    let users: Vec<Value> = client
        .jobs()
        .users_exports()
        .read(&job)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users, [json!({"user_id": "x"})]);
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2, "the 503 was retried once");
    assert!(
        sent.iter()
            .all(|r| r.headers.get("authorization").is_none())
    );
}

/// A gzip file of `head`, then `filler` repeated to `size` bytes, then `tail`: a few KiB that
/// inflate to `size`.
fn gzip_bomb(head: &str, filler: &[u8], size: usize, tail: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(head.as_bytes()).unwrap();
    let block: Vec<u8> = filler.iter().copied().cycle().take(1 << 16).collect();
    for _ in 0..size / block.len() {
        encoder.write_all(&block).unwrap();
    }
    encoder.write_all(tail.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Reads the export file `file` under a 256 KiB cap; returns what the stream gave and the
/// most memory the reading held at once.
async fn read_export(file: Vec<u8>) -> (Result<Vec<Value>, Error>, usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/bomb.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(file))
        .mount(&server)
        .await;
    let client = auth0_mgmt::Client::builder(server.uri())
        .token("test-token")
        .max_body_size(256 << 10)
        .build()
        .unwrap();
    let job: types::GetJobResponseContent = serde_json::from_value(json!({
        "id": "job_1", "status": "completed", "format": "json",
        "location": format!("{}/bomb.gz", server.uri()),
    }))
    .unwrap();
    let from = crate::common::held::start();
    let users = client
        .jobs()
        .users_exports()
        .read::<Value>(&job)
        .try_collect::<Vec<_>>()
        .await;
    (users, crate::common::held::peak_since(from))
}

#[tokio::test(flavor = "current_thread")]
async fn an_export_bomb_of_one_endless_line_ends_at_the_cap_without_being_held() {
    // 32 KiB of gzip, 32 MiB of one line.
    let bomb = gzip_bomb("{\"user_id\":\"", b"a", 32 << 20, "\"}\n");
    assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
    let (users, peak) = read_export(bomb).await;
    let err = users.unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert!(err.to_string().contains("262144"), "{err}");
    assert!(peak < 4 << 20, "reading held {peak} bytes at once");
}

#[tokio::test(flavor = "current_thread")]
async fn blank_and_short_lines_of_an_export_bomb_are_not_held() {
    for filler in [&b"\n"[..], b" \r\n", b"\n\n \n"] {
        let bomb = gzip_bomb(
            "{\"user_id\":\"x\"}\n",
            filler,
            32 << 20,
            "{\"user_id\":\"y\"}\n",
        );
        let (users, peak) = read_export(bomb).await;
        assert_eq!(
            users.unwrap(),
            [json!({"user_id": "x"}), json!({"user_id": "y"})]
        );
        assert!(peak < 4 << 20, "reading held {peak} bytes at once");
    }
}

/// A pre-signed link as Auth0 gives it: its query is the credential to download every user.
const SIGNATURE: &str = "X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123456789abcdef";

#[tokio::test]
async fn a_jobs_debug_prints_its_export_link_without_the_signature() {
    let job: types::GetJobResponseContent = serde_json::from_value(json!({
        "id": "job_1", "status": "completed", "format": "json",
        "location": format!("https://exports.example/u/users.json.gz?{SIGNATURE}#part"),
        "a_link_url": format!("https://user:pass@exports.example/more?{SIGNATURE}"),
    }))
    .unwrap();
    let printed = format!("{job:?}");
    for secret in ["AKIAEXAMPLE", "0123456789abcdef", "#part", "pass"] {
        assert!(!printed.contains(secret), "{secret}: {printed}");
    }
    assert!(
        printed.contains("https://exports.example/u/users.json.gz?[redacted]"),
        "{printed}"
    );
    assert!(
        printed.contains("https://exports.example/more?[redacted]"),
        "{printed}"
    );
    // The link itself is kept whole.
    assert!(job.location.as_deref().unwrap().ends_with("#part"));
}

#[tokio::test(flavor = "current_thread")]
async fn errors_and_logs_of_fetching_an_export_do_not_print_its_signature() {
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/moved.gz"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("https://elsewhere.example/x.gz?{SIGNATURE}").as_str(),
        ))
        .mount(&server)
        .await;
    // A port held for the whole test and never listened on: connections are refused.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = held.local_addr().unwrap().port();
    let clock = auth0_mgmt::http::ManualClock::new();
    let client = auth0_mgmt::Client::builder(server.uri())
        .token("test-token")
        .clock(clock.shared())
        .build()
        .unwrap();
    let read = |location: String| {
        let job: types::GetJobResponseContent = serde_json::from_value(json!({
            "id": "job_1", "status": "completed", "format": "json", "location": location,
        }))
        .unwrap();
        let client = client.clone();
        async move {
            client
                .jobs()
                .users_exports()
                .read::<Value>(&job)
                .try_collect::<Vec<_>>()
                .await
                .unwrap_err()
        }
    };
    let refused = read(format!("http://127.0.0.1:{closed}/x.gz?{SIGNATURE}")).await;
    assert!(
        matches!(refused, Error::Http(HttpError::Connection { .. })),
        "{refused:?}"
    );
    assert!(
        !clock.slept().is_empty(),
        "the failed connection was retried"
    );
    let redirected = read(format!("{}/moved.gz?{SIGNATURE}", server.uri())).await;
    assert!(
        matches!(redirected, Error::Http(HttpError::Redirect { .. })),
        "{redirected:?}"
    );

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "{logs}");
    for err in [&refused, &redirected] {
        let mut printed = format!("{err} / {err:?}");
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            printed.push_str(&format!(" / {s} / {s:?}"));
            source = s.source();
        }
        assert!(
            printed.contains("x.gz"),
            "the link is still named: {printed}"
        );
        for text in [&printed, &logs] {
            assert!(!text.contains("AKIAEXAMPLE"), "{text}");
            assert!(!text.contains("0123456789abcdef"), "{text}");
        }
    }
}
