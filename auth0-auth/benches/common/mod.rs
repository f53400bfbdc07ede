//! What the web benches share: the user's login at the stand-in (the fleet tests' own), the HTTP/1.1 load of 32
//! keep-alive connections written and read by hand, and the median of a run's figures.

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Keep-alive connections of a load, each one request at a time.
pub const CONNECTIONS: usize = 32;

pub const EMAIL: &str = "zoe@example.com";
pub const PASSWORD: &str = "correct horse battery staple";

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[path = "../../tests/redis/login.rs"]
pub mod login;

/// Logs the user in as a browser would and returns the `Cookie` value of the session.
pub async fn log_in(app: &str, tenant: &str) -> String {
    login::log_in(app, tenant, EMAIL, PASSWORD).await
}

/// What the connections of a load share: whether it still warms up, whether it stopped, and
/// the answers counted since the warm-up.
#[derive(Default)]
pub struct Counter {
    warm: AtomicBool,
    stop: AtomicBool,
    count: AtomicU64,
}

impl Counter {
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// One more answer (counted once the warm-up is over).
    pub fn answered(&self) {
        if !self.warm.load(Ordering::Relaxed) {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Answers per second over `measure`, after half a second of warm-up, from [`CONNECTIONS`]
/// connections to `address`, each served by `connection` until the counter stops.
pub async fn load<F, Fut>(address: SocketAddr, measure: Duration, connection: F) -> f64
where
    F: Fn(TcpStream, Arc<Counter>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let counter = Arc::new(Counter {
        warm: AtomicBool::new(true),
        ..Counter::default()
    });
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let stream = TcpStream::connect(address).await.unwrap();
        stream.set_nodelay(true).unwrap();
        tasks.push(tokio::spawn(connection(stream, counter.clone())));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    counter.warm.store(false, Ordering::SeqCst);
    let started = Instant::now();
    tokio::time::sleep(measure).await;
    let done = counter.count.load(Ordering::SeqCst);
    let elapsed = started.elapsed();
    counter.stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    done as f64 / elapsed.as_secs_f64()
}

/// Sends `request` and reads its whole answer into `buffer`, which must be a `200` with a
/// `Content-Length`: where its body is in `buffer`.
pub async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> Range<usize> {
    let mut chunk = [0u8; 4096];
    stream.write_all(request).await.unwrap();
    buffer.clear();
    let (head_end, body_len) = loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).unwrap();
            assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .expect("a content-length");
            break (end + 4, length);
        }
    };
    while buffer.len() < head_end + body_len {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
    }
    head_end..head_end + body_len
}
