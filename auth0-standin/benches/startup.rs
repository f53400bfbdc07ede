//! What starting a stand-in costs, against starting a bare axum server on 127.0.0.1 in the same
//! run (rounds alternate; medians compared), and the line it is held to: at most 2x. The
//! process's signing key is made by a first start, before the rounds.
//!
//! ```sh
//! cargo bench -p auth0-standin --bench startup [-- --rounds N]
//! ```

use std::time::{Duration, Instant};

use auth0_standin::Standin;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The line the issue holds the stand-in to.
const AT_MOST: f64 = 2.0;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut rounds = 41;
    while let Some(arg) = args.next() {
        if arg == "--rounds" {
            rounds = args
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--rounds N");
        }
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(measure(rounds));
}

async fn measure(rounds: usize) {
    drop(Standin::start().await.unwrap());
    let (mut bare, mut standin) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let measure_bare = || async {
            let started = Instant::now();
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .unwrap();
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            let took = started.elapsed();
            task.abort();
            took
        };
        let measure_standin = || async {
            let started = Instant::now();
            let s = Standin::start().await.unwrap();
            let took = started.elapsed();
            drop(s);
            took
        };
        if round % 2 == 0 {
            bare.push(measure_bare().await);
            standin.push(measure_standin().await);
        } else {
            standin.push(measure_standin().await);
            bare.push(measure_bare().await);
        }
    }
    let (b, s) = (median(bare), median(standin));
    let ratio = s.as_secs_f64() / b.as_secs_f64();
    let verdict = if ratio <= AT_MOST { "within" } else { "OVER" };
    println!(
        "start: bare axum {b:?}, stand-in {s:?} (medians of {rounds}): {ratio:.2}x, {verdict} \
         the {AT_MOST}x line"
    );
}
