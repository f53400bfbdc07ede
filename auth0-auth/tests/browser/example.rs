//! The example as a program: `cargo run -p auth0-auth --example web_app --features axum`
//! with the stand-in, its printed lines, its settings and its errors.
//!
//! The binary is the one `cargo test` builds beside the tests (`target/<profile>/examples/`);
//! a test run that did not build it (`cargo test --test browser`) skips these tests, or fails
//! them when a browser is required.

use std::io::{BufRead as _, BufReader};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

use serde_json::json;

use crate::driver::{PATIENCE, skip};
use crate::{Tab, app, claims, driver};

/// The settings the example reads: cleared, so that a developer's own do not leak in.
const SETTINGS: &[&str] = &[
    "AUTH0_DOMAIN",
    "AUTH0_CLIENT_ID",
    "AUTH0_CLIENT_SECRET",
    "AUTH0_SECRET",
    "APP_BASE_URL",
    "AUTH0_AUDIENCE",
    "PORT",
    "AUTH0_STANDIN_TOKEN_LIFETIME",
    "REDIS_URL",
];

/// The example's binary, or `None` after saying why the test is skipped.
fn example(test: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/browser-<hash> -> target/<profile>/examples/web_app
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join("web_app"));
    match path {
        Some(p) if p.is_file() => Some(p),
        _ => {
            skip(
                test,
                "the example is not built (cargo test builds it; cargo test --test browser \
                 does not)",
            );
            None
        }
    }
}

fn command(binary: &PathBuf, settings: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary);
    for name in SETTINGS {
        command.env_remove(name);
    }
    command.envs(settings.iter().copied()).stdin(Stdio::null());
    command
}

/// The example, running; killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_example_prints_its_tenant_and_logs_the_user_in() {
    let test = "the_example_prints_its_tenant_and_logs_the_user_in";
    let Some(driver) = driver(test) else { return };
    let Some(binary) = example(test) else { return };
    let port = free_port().to_string();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = command(
        &binary,
        &[
            ("PORT", &port),
            ("APP_BASE_URL", &base),
            ("AUTH0_STANDIN_TOKEN_LIFETIME", "120"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = || {
        lines
            .recv_timeout(PATIENCE)
            .expect("the example printed a line")
    };

    // The two lines of the contract, exactly.
    let tenant = next_line();
    let url = tenant
        .strip_prefix("stand-in tenant at ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{tenant}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{tenant}");
    assert_eq!(
        tenant,
        format!(
            "stand-in tenant at {url}; log in as {} with password {}; organization {}",
            app::USER_EMAIL,
            app::USER_PASSWORD,
            app::ORGANIZATION_ID
        )
    );
    assert_eq!(next_line(), format!("listening on {base}"));

    // A person follows them: opens the application, logs in as told.
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);
    tab.goto(&format!("{base}/")).await;
    tab.wait_for("#login").await.click().await.unwrap();
    tab.wait_for("form[action='/u/login']").await;
    assert!(tab.url().await.as_str().starts_with(&url));
    let (email, password) = tenant
        .split_once("log in as ")
        .and_then(|(_, rest)| rest.split_once(" with password "))
        .and_then(|(email, rest)| Some((email, rest.split_once("; organization ")?.0)))
        .unwrap();
    tab.submit_login(email, password).await;
    tab.wait_for_url(&format!("{base}/")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);

    // Its access tokens are for the default API and live AUTH0_STANDIN_TOKEN_LIFETIME.
    let (status, token) = tab.fetch_json("/api/token").await;
    assert_eq!(status, 200, "{token}");
    let claims = claims(token["access_token"].as_str().unwrap());
    assert!(
        claims["aud"]
            .as_array()
            .is_some_and(|a| a.contains(&json!(app::DEFAULT_AUDIENCE))),
        "{claims}"
    );
    assert_eq!(claims["exp"], token["expires_at"]);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );
    // The organization named in the line is one the user logs in to.
    tab.goto(&format!(
        "{base}/auth/login?organization={}&returnTo=%2Fprofile",
        app::ORGANIZATION_ID
    ))
    .await;
    tab.wait_for_url(&format!("{base}/profile")).await;
    assert_eq!(tab.text("#org_id").await, app::ORGANIZATION_ID);
}

/// Runs the example to its end (it fails at once on these settings).
fn run(binary: &PathBuf, settings: &[(&str, &str)]) -> Output {
    command(binary, settings).output().unwrap()
}

#[test]
fn the_example_refuses_bad_settings_with_a_message() {
    let test = "the_example_refuses_bad_settings_with_a_message";
    let Some(binary) = example(test) else { return };
    let secret = "a-client-secret-that-must-not-show";
    for (settings, message) in [
        (
            vec![("PORT", "http")],
            "web_app: PORT: expected a whole number, found \"http\"",
        ),
        (
            vec![("AUTH0_STANDIN_TOKEN_LIFETIME", "soon")],
            "web_app: AUTH0_STANDIN_TOKEN_LIFETIME: expected a whole number, found \"soon\"",
        ),
        (
            vec![("AUTH0_DOMAIN", "my-tenant.example")],
            "web_app: AUTH0_CLIENT_ID is required with AUTH0_DOMAIN",
        ),
        (
            vec![
                ("AUTH0_DOMAIN", "my-tenant.example"),
                ("AUTH0_CLIENT_ID", "abc"),
                ("AUTH0_CLIENT_SECRET", secret),
            ],
            "web_app: AUTH0_SECRET is required with AUTH0_DOMAIN",
        ),
        (
            vec![
                ("AUTH0_DOMAIN", "my-tenant.example"),
                ("AUTH0_CLIENT_ID", "abc"),
                ("AUTH0_CLIENT_SECRET", secret),
                ("AUTH0_SECRET", "too short"),
            ],
            "cookie secret 1 is shorter than 32 bytes",
        ),
        (
            vec![
                ("AUTH0_DOMAIN", "my-tenant.example"),
                ("AUTH0_CLIENT_ID", "abc"),
                ("AUTH0_CLIENT_SECRET", secret),
                ("AUTH0_SECRET", "0123456789abcdef0123456789abcdef"),
                ("APP_BASE_URL", "http://app.example"),
            ],
            "the base URL must be https",
        ),
    ] {
        let output = run(&binary, &settings);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{settings:?}: {stderr}");
        assert!(stderr.contains(message), "{settings:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{settings:?}: {stderr}");
        assert!(!stderr.contains(secret), "{settings:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{settings:?}");
    }
}
