//! Starting a stand-in is cheap: measured against starting a bare axum server on 127.0.0.1
//! in the same run (rounds alternate; medians compared). The process's signing key is made
//! by a first start, before the rounds.

use std::time::{Duration, Instant};

use auth0_standin::Standin;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stand_in_starts_within_twice_a_bare_axum_server() {
    drop(Standin::start().await.unwrap());
    let (mut bare, mut standin) = (Vec::new(), Vec::new());
    for round in 0..41 {
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
    println!("start: bare axum {b:?}, stand-in {s:?} (median of 41): {ratio:.2}x");
    assert!(
        ratio <= 2.0,
        "the stand-in took {ratio:.2}x a bare axum server to start"
    );
}
