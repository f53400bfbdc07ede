//! `GET /events` as a stream of typed events, against a small server that speaks
//! `text/event-stream` connection by connection: events split across writes, a connection
//! that closes, one that goes silent, reconnections carrying `Last-Event-ID`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth0_mgmt::{Client, Error, EventStreamSettings};
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::setup;

/// What one connection does after the answer's head: writes each part (pausing a little
/// between), then closes, or stays open and silent.
struct Script {
    parts: Vec<&'static str>,
    then_hold: bool,
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
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                          connection: close\r\n\r\n",
                    )
                    .await;
                for part in script.parts {
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
            parts: vec![
                "retry: 10\n: hello\n\nid: 1\ndata: {\"type\":\"offset-only\",\"offset\":\"o1\"}\n\n",
                "id: 2\ndata: {\"type\":\"offset-",
                "only\",\"offset\":\"o2\"}\r\n\r\n",
            ],
            then_hold: false,
        },
        // A keep-alive, then silence past the idle timeout.
        Script {
            parts: vec![": keep-alive\n\n"],
            then_hold: true,
        },
        Script {
            parts: vec!["id: 3\ndata: {\"type\":\"offset-only\",\"offset\":\"o3\"}\n\n"],
            then_hold: true,
        },
    ])
    .await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .build()
        .unwrap();
    let settings = EventStreamSettings {
        idle_timeout: Duration::from_millis(300),
        reconnect_delay: Duration::from_millis(10),
        ..EventStreamSettings::default()
    };
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
        matches!(&items[0], Err(Error::Api(e)) if e.status() == 410),
        "{:?}",
        items[0]
    );
}

#[tokio::test]
async fn a_stream_that_cannot_be_kept_up_ends_with_an_error() {
    // Every connection closes at once without an event.
    let scripts = (0..4)
        .map(|_| Script {
            parts: vec![],
            then_hold: false,
        })
        .collect();
    let (base, heads) = server(scripts).await;
    let client = Client::builder(base.as_str())
        .token("test-token")
        .build()
        .unwrap();
    let settings = EventStreamSettings {
        reconnect_delay: Duration::from_millis(1),
        max_reconnects: 2,
        ..EventStreamSettings::default()
    };
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
