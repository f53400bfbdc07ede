//! `auth0-standin --port PORT [--config FILE]`: a stand-in Auth0 tenant on 127.0.0.1 for tests
//! and front ends in any language. Prints `auth0-standin listening on http://127.0.0.1:PORT`
//! first (port 0: a free port, the one chosen printed), then serves until stopped.

#![forbid(unsafe_code)]

use std::process::ExitCode;

const USAGE: &str = "usage: auth0-standin --port PORT [--config FILE]";

fn main() -> ExitCode {
    let mut port: Option<u16> = None;
    let mut config: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = Some(p),
                None => return fail("--port needs a number from 0 to 65535"),
            },
            "--config" => match args.next() {
                Some(path) => config = Some(path),
                None => return fail("--config needs a file"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return fail(&format!("unknown argument {other:?}")),
        }
    }
    let Some(port) = port else {
        return fail("--port is required");
    };
    let mut builder = auth0_standin::Standin::builder().port(port);
    if let Some(path) = config {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return fail(&format!("cannot read {path}: {e}")),
        };
        builder = match builder.config(&text) {
            Ok(b) => b,
            Err(e) => return fail(&format!("{path}: {e}")),
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async {
        let tenant = match builder.start().await {
            Ok(t) => t,
            Err(e) => return fail(&e.to_string()),
        };
        println!("auth0-standin listening on {}", tenant.url());
        std::future::pending::<()>().await;
        ExitCode::SUCCESS
    })
}

fn fail(why: &str) -> ExitCode {
    eprintln!("auth0-standin: {why}\n{USAGE}");
    ExitCode::from(2)
}
