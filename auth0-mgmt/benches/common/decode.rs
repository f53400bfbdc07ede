//! The decoding benchmark, run by `decode` (the system allocator) and `decode_mimalloc`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use auth0_mgmt::types::ListUsersResponseContent;
use criterion::Criterion;

use super::{median, python_json_loads, users_json};

fn decode(bytes: &[u8]) -> ListUsersResponseContent {
    auth0_mgmt::from_json(bytes).expect("decode")
}

/// Criterion's figures, then the summary against CPython's `json.loads` of the same bytes.
pub fn run(allocator: &str) {
    let list = users_json(1000);
    match decode(&list) {
        ListUsersResponseContent::Array(users) => assert_eq!(users.len(), 1000),
        other => panic!("the list decoded as {other:?}"),
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    c.bench_function(&format!("decode_1000_users/{allocator}"), |b| {
        b.iter(|| black_box(decode(black_box(&list))))
    });
    c.final_summary();

    let rounds = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20 {
                black_box(decode(black_box(&list)));
            }
            start.elapsed().as_secs_f64() / 20.0
        })
        .collect();
    let ours = median(rounds);
    println!("\n== summary ({allocator}; median of 15 rounds of 20 decodings) ==");
    println!(
        "decode 1,000 users ({} bytes) into ListUsersResponseContent: {:.3} ms",
        list.len(),
        ours * 1e3
    );
    match python_json_loads(&list) {
        Some((py, version)) => println!(
            "Python {version} json.loads of the same bytes: {:.3} ms; ratio {:.2}x faster",
            py * 1e3,
            py / ours
        ),
        None => println!("python3 not found: no json.loads baseline"),
    }
}
