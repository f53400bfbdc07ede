//! A `redis-server` of the test's own, on a free port of 127.0.0.1, with no persistence: started
//! per test, stopped and started again on the same port for the fault tests, killed when
//! dropped.
//!
//! Needs `redis-server` on `PATH` (Debian: `apt-get install -y redis-server`). Without it each
//! test prints `SKIPPED: …` and passes, unless `AUTH0_REQUIRE_REDIS` or `CI` is set: then it
//! fails.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a missing `redis-server` fails the test instead of skipping it: `.ci/run` sets `CI`.
fn required() -> bool {
    ["AUTH0_REQUIRE_REDIS", "CI"].iter().any(|name| {
        std::env::var(name)
            .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    })
}

/// A running `redis-server`.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// A server for `test`, or `None` (the test then returns) when `redis-server` is not
    /// installed and no variable requires it.
    pub fn start(test: &str) -> Option<RedisServer> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                !required(),
                "{test}: redis-server is not on PATH; AUTH0_REQUIRE_REDIS or CI is set, so the \
                 Redis tests must run (Debian: apt-get install -y redis-server)"
            );
            // Straight to the process's stderr: the harness keeps a passing test's output.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test}: redis-server is not on PATH (Debian: apt-get install -y \
                 redis-server; set AUTH0_REQUIRE_REDIS=1 to make this a failure)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = RedisServer { port, child: None };
        server.resume();
        Some(server)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (its data goes with it).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, and waits until it answers.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--dir", &std::env::temp_dir().to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server answers `PING` with `+PONG`.
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
