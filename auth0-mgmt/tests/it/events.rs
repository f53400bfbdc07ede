//! `GET /events` as a stream of typed events, against a small server that speaks
//! `text/event-stream` connection by connection: events split across writes, a connection
//! that closes, one that goes silent, reconnections carrying `Last-Event-ID`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth0_mgmt::{Client, Error, EventStreamSettings, HttpError};
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::setup;

/// What one connection does after the answer's head: writes each part (pausing a little
/// between), then closes, or stays open and silent. A connection `unanswered` reads the
/// request and stays silent without an answer's head.
#[derive(Default)]
struct Script {
    parts: Vec<String>,
    then_hold: bool,
    unanswered: bool,
}

fn parts(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

/// A server that answers its n-th connection with the n-th script, and records each
/// request's head.
async fn server(scripts: Vec<Script>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    tokio::spawn(async move {
        for script in scripts {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).to_lowercase());
                if script.unanswered {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                          connection: close\r\n\r\n",
                    )
                    .await;
                for part in &script.parts {
                    let _ = socket.write_all(part.as_bytes()).await;
                    let _ = socket.flush().await;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if script.then_hold {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    (base, heads)
}

fn offset(event: &auth0_mgmt::types::EventStreamSubscribeEventsResponseContent) -> String {
    let json = serde_json::to_value(event).unwrap();
    json["offset"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn events_arrive_typed_and_the_stream_reconnects_with_the_last_event_id() {
    let (base, heads) = server(vec![
        // Two events, the second split mid-line across writes; then the server closes.
        Script {
            parts: parts(&[
                "retry: 10\n: hello\n\nid: 1\ndata: {\"type\":\"offset-only\",\"offset\":\"o1\"}\n\n",
                "id: 2\ndata: {\"type\":\"offset-",
                "only\",\"offset\":\"o2\"}\r\n\r\n",
            ]),
            ..Script::default()
        },
        // A keep-alive, then silence past the idle timeout.
        Script {
            parts: parts(&[": keep-alive\n\n"]),
            then_hold: true,
            ..Script::default()
        },
        Script {
            parts: parts(&["id: 3\ndata: {\"type\":\"offset-only\",\"offset\":\"o3\"}\n\n"]),
            then_hold: true,
            ..Script::default()
        },
    ])
    .await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .build()
        .unwrap();
    let settings = EventStreamSettings::default()
        .idle_timeout(Duration::from_millis(300))
        .reconnect_delay(Duration::from_millis(10));
    let events: Vec<_> = client
        .events()
        .subscribe()
        .events_with(settings)
        .take(3)
        .try_collect()
        .await
        .unwrap();
    let offsets: Vec<_> = events.iter().map(offset).collect();
    assert_eq!(offsets, ["o1", "o2", "o3"]);

    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 3, "three connections: {heads:?}");
    assert!(heads[0].starts_with("get /api/v2/events "), "{}", heads[0]);
    assert!(!heads[0].contains("last-event-id"));
    assert!(heads[1].contains("last-event-id: 2\r\n"), "{}", heads[1]);
    assert!(heads[2].contains("last-event-id: 2\r\n"), "{}", heads[2]);
    assert!(
        heads
            .iter()
            .all(|h| h.contains("authorization: bearer test-token"))
    );
}

#[tokio::test]
async fn an_error_answer_ends_the_stream() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/events"))
        .respond_with(ResponseTemplate::new(410).set_body_json(
            serde_json::json!({"statusCode": 410, "error": "Gone", "message": "expired"}),
        ))
        .mount(&server)
        .await;
    let items: Vec<_> = client.events().subscribe().events().collect().await;
    assert_eq!(items.len(), 1);
    assert!(
        matches!(&items[0], Err(Error::Http(HttpError::Api(e))) if e.status() == 410),
        "{:?}",
        items[0]
    );
}

#[tokio::test]
async fn a_stream_that_cannot_be_kept_up_ends_with_an_error() {
    // Every connection closes at once without an event.
    let scripts = (0..4).map(|_| Script::default()).collect();
    let (base, heads) = server(scripts).await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .build()
        .unwrap();
    let settings = EventStreamSettings::default()
        .reconnect_delay(Duration::from_millis(1))
        .max_reconnects(2);
    let items: Vec<_> = client
        .events()
        .subscribe()
        .events_with(settings)
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(
        matches!(&items[0], Err(Error::Stream { .. })),
        "{:?}",
        items[0]
    );
    assert_eq!(heads.lock().unwrap().len(), 3, "the first try and two more");
}

const EVENT_1: &str = "id: 1\ndata: {\"type\":\"offset-only\",\"offset\":\"o1\"}\n\n";
const EVENT_2: &str = "id: 2\ndata: {\"type\":\"offset-only\",\"offset\":\"o2\"}\n\n";

/// The stream's items until it ends (or `limit` of them), within a bound that only stops a
/// stream that would not end.
async fn items(
    client: &Client,
    settings: EventStreamSettings,
    limit: usize,
) -> Vec<Result<String, Error>> {
    let reading = client
        .events()
        .subscribe()
        .events_with(settings)
        .map(|item| item.map(|event| offset(&event)))
        .take(limit)
        .collect::<Vec<_>>();
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("the stream ends or yields")
}

#[tokio::test]
async fn an_endless_line_ends_the_stream_at_the_clients_body_cap() {
    // An event, then a line of 2 MiB (and counting) under a 64 KiB cap.
    let mut parts = vec![EVENT_1.to_owned(), "data: ".to_owned()];
    parts.extend((0..32).map(|_| "a".repeat(64 << 10)));
    let (base, _) = server(vec![Script {
        parts,
        then_hold: true,
        ..Script::default()
    }])
    .await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .max_body_size(64 << 10)
        .build()
        .unwrap();
    let items = items(&client, EventStreamSettings::default(), 10).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), "o1");
    let err = items[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert!(err.to_string().contains("65536"), "{err}");
}

#[tokio::test]
async fn data_lines_without_end_end_the_stream_at_the_clients_body_cap() {
    // Short `data:` lines, 2 MiB of them, and never the blank line that ends the event.
    let line = format!("data: {}\n", "b".repeat(1000));
    let mut parts = vec![EVENT_1.to_owned()];
    parts.extend((0..32).map(|_| line.repeat(64)));
    let (base, _) = server(vec![Script {
        parts,
        then_hold: true,
        ..Script::default()
    }])
    .await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .max_body_size(64 << 10)
        .build()
        .unwrap();
    let items = items(&client, EventStreamSettings::default(), 10).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), "o1");
    let err = items[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert!(err.to_string().contains("65536"), "{err}");
}

#[tokio::test]
async fn a_servers_retry_is_taken_up_to_30_s() {
    let (base, heads) = server(vec![
        Script {
            parts: parts(&["retry: 86400000\n", EVENT_1]),
            ..Script::default()
        },
        Script {
            parts: parts(&[EVENT_2]),
            then_hold: true,
            ..Script::default()
        },
    ])
    .await;
    let clock = auth0_mgmt::http::ManualClock::new();
    let client = Client::builder(base.as_str())
        .token("test-token")
        .clock(clock.shared())
        .build()
        .unwrap();
    let items = items(&client, EventStreamSettings::default(), 2).await;
    let offsets: Vec<_> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(offsets, ["o1", "o2"]);
    assert_eq!(heads.lock().unwrap().len(), 2);
    let slept = clock.slept();
    assert!(!slept.is_empty());
    assert!(
        slept.iter().all(|s| *s <= Duration::from_secs(30)),
        "{slept:?}"
    );
}

#[tokio::test]
async fn an_answer_that_does_not_come_is_given_up_after_the_idle_timeout() {
    let (base, heads) = server(vec![
        // The request is read, and no answer comes.
        Script {
            unanswered: true,
            ..Script::default()
        },
        Script {
            parts: parts(&[EVENT_1]),
            then_hold: true,
            ..Script::default()
        },
    ])
    .await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .build()
        .unwrap();
    let settings = EventStreamSettings::default()
        .idle_timeout(Duration::from_millis(300))
        .reconnect_delay(Duration::from_millis(10));
    let items = items(&client, settings, 1).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap(), "o1");
    assert_eq!(heads.lock().unwrap().len(), 2, "connected again");
}

#[tokio::test]
async fn answers_that_never_come_end_the_stream_with_a_timeout() {
    let scripts = (0..3)
        .map(|_| Script {
            unanswered: true,
            ..Script::default()
        })
        .collect();
    let (base, heads) = server(scripts).await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .build()
        .unwrap();
    let settings = EventStreamSettings::default()
        .idle_timeout(Duration::from_millis(200))
        .reconnect_delay(Duration::from_millis(1))
        .max_reconnects(2);
    let items = items(&client, settings, 10).await;
    assert_eq!(items.len(), 1);
    let err = items[0].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Timeout { .. })),
        "{err:?}"
    );
    assert_eq!(heads.lock().unwrap().len(), 3, "the first try and two more");
}
