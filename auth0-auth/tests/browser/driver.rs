//! chromedriver and the headless chromium it drives, found on `PATH`.
//!
//! Each test starts its own chromedriver on a free port of 127.0.0.1 and asks it for browser
//! sessions; dropping the [`Driver`] (at the end of the test, or while a failed test
//! unwinds) shuts chromedriver down, which closes the browsers it opened.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

/// How long chromedriver may take to listen, and a page to reach a state a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Whether a missing browser fails the test instead of skipping it: `.ci/run` sets `CI`.
pub fn browser_required() -> bool {
    ["AUTH0_REQUIRE_BROWSER", "CI"].iter().any(|name| {
        std::env::var(name)
            .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    })
}

/// Skips the test (a loud line on stderr), or fails it when a browser is required.
pub fn skip(test: &str, why: &str) {
    assert!(
        !browser_required(),
        "{test}: {why}; AUTH0_REQUIRE_BROWSER or CI is set, so the browser tests must run \
         (Debian: apt-get install -y chromium chromium-driver)"
    );
    // Straight to the process's stderr: the test harness keeps what `eprintln!` writes in
    // a passing test to itself.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {test}: {why} (Debian: apt-get install -y chromium chromium-driver; set \
         AUTH0_REQUIRE_BROWSER=1 to make this a failure)"
    );
}

/// The first of `names` found in a directory of `PATH`.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A running chromedriver.
pub struct Driver {
    child: Child,
    address: SocketAddr,
    chromium: PathBuf,
}

impl Driver {
    /// Starts chromedriver, or says why it cannot (`Err`: nothing to drive).
    pub fn start() -> Result<Driver, String> {
        let chromedriver = on_path(&["chromedriver"]).ok_or("chromedriver is not on PATH")?;
        let chromium = on_path(&["chromium", "chromium-browser", "google-chrome"])
            .ok_or("chromium is not on PATH")?;
        // A free port: taken from the system, let go, given to chromedriver; another process
        // may take it in between, so a few tries.
        let mut last = String::new();
        for _ in 0..3 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("no free port: {e}"))?
                .port();
            let mut child = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("chromedriver could not be started: {e}"))?;
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let started = Instant::now();
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("chromedriver exited at start ({status})");
                    break;
                }
                if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                    return Ok(Driver {
                        child,
                        address,
                        chromium,
                    });
                }
                if started.elapsed() > PATIENCE {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = "chromedriver did not listen in time".to_owned();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Err(last)
    }

    /// A new browser: its own profile, so its own cookies.
    pub async fn browser(&self) -> fantoccini::Client {
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless=new",
                    // CI runs as root, where chromium's sandbox cannot start.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--no-first-run",
                    "--no-proxy-server",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1024,768",
                ],
                // No password manager: nothing offers to save, or checks, the passwords typed.
                "prefs": {
                    "credentials_enable_service": false,
                    "profile.password_manager_enabled": false,
                    "profile.password_manager_leak_detection": false,
                },
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        fantoccini::ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://{}", self.address))
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not open a browser: {e}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver's /shutdown closes its browsers before it exits; a kill would leave
        // them running.
        if let Ok(mut stream) = TcpStream::connect_timeout(&self.address, Duration::from_secs(2)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.write_all(
                format!(
                    "GET /shutdown HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    self.address
                )
                .as_bytes(),
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
