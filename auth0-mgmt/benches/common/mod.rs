//! What the benchmarks share: the payload and the measuring helpers.

#![allow(dead_code, reason = "each benchmark uses part of it")]

pub mod decode;

use std::process::Command;

use serde_json::{Value, json};

/// One user as `GET /api/v2/users/{id}` answers it: profile, one identity, metadata.
pub fn user(i: usize) -> Value {
    json!({
        "user_id": format!("auth0|{i:024}"),
        "email": format!("user{i}@example.com"),
        "email_verified": i.is_multiple_of(2),
        "name": format!("User Number {i}"),
        "nickname": format!("user{i}"),
        "picture": "https://s.gravatar.com/avatar/abcdef0123456789?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fus.png",
        "created_at": "2026-01-02T03:04:05.678Z",
        "updated_at": "2026-11-20T10:11:12.131Z",
        "last_login": "2026-11-20T10:11:12.131Z",
        "last_ip": "203.0.113.7",
        "logins_count": i * 3,
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0",
                        "user_id": format!("{i:024}"), "isSocial": false}],
        "app_metadata": {"plan": "pro", "roles": ["admin", "billing"]},
        "user_metadata": {"theme": "dark", "locale": "fr-FR"},
    })
}

/// A `GET /api/v2/users` answer of `n` users, as bytes.
pub fn users_json(n: usize) -> Vec<u8> {
    serde_json::to_vec(&Value::Array((0..n).map(user).collect())).expect("json")
}

/// The median of a set of measurements.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Seconds per `json.loads` of the list in CPython, if `python3` is there.
pub fn python_json_loads(bytes: &[u8]) -> Option<(f64, String)> {
    let dir = std::env::temp_dir().join("auth0-mgmt-bench");
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join("users.json");
    std::fs::write(&file, bytes).ok()?;
    let script = format!(
        "import json, sys, timeit\n\
         data = open({:?}, 'rb').read()\n\
         n = 20\n\
         median = sorted(timeit.repeat(lambda: json.loads(data), number=n, repeat=15))[7] / n\n\
         print(median, sys.version.split()[0])",
        file.display().to_string()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next()?.parse().ok()?;
    Some((secs, parts.next().unwrap_or("?").to_string()))
}
