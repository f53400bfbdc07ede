//! Verification speed with a warm JWKS cache, against `jsonwebtoken::decode` with a prebuilt
//! `DecodingKey` on the same token.
//!
//! The `*_signature_only` groups compare, on the same signature, how auth0-verify checked it
//! before (a cached `jsonwebtoken::DecodingKey`, which the aws-lc backend turns into an aws-lc
//! key on every call) with how it checks it now (an aws-lc key parsed once per `kid`).
//!
//! `cargo bench -p auth0-verify --bench verify` prints criterion's figures and then a summary
//! in verifications per second. It also writes the tokens and the JWKS it used to
//! `target/auth0-verify-bench/` so `benches/python_baseline.sh` can time another library on
//! the very same tokens.
//!
//! The summary also sets RS256 verification (an ID token, and an access token the verifier
//! has not seen: no verified-token cache) against `openssl speed -seconds 1 rsa2048`'s RSA-2048
//! verifications per second, run in turns with it (when `openssl` is on the `PATH`): each
//! round's ratio, then their median (`ROUNDS` rounds, 7 by default; more give a steadier
//! median on a shared machine). `-- --summary-only` skips criterion; `-- --repeat NAME
//! N` only calls one path `N` times (`id`, `id_blocking`, `access`, `signature`), for
//! `valgrind --tool=callgrind`.

#[path = "../tests/it/common.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth0_verify::{
    AccessTokenVerifier, AsymmetricSignatureVerifier, SymmetricSignatureVerifier, TokenVerifier,
    VerifyOptions,
};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use criterion::{Criterion, criterion_group};
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Value, json};

struct Setup {
    server_runtime: tokio::runtime::Runtime,
    runtime: tokio::runtime::Runtime,
    _server: wiremock::MockServer,
    jwks: Value,
    rs_token: String,
    hs_token: String,
    /// An RS256 access token, verified without a cache of verified tokens.
    access_token: String,
    access_verifier: AccessTokenVerifier,
    rs_verifier: TokenVerifier,
    hs_verifier: TokenVerifier,
    blocking: auth0_verify::blocking::TokenVerifier,
    rs_key: DecodingKey,
    hs_key: DecodingKey,
    rs_validation: Validation,
    hs_validation: Validation,
    /// The RS256 key as auth0-verify cached it before: raw components in a `DecodingKey`.
    rs_raw_key: DecodingKey,
    /// The RS256 key as auth0-verify caches it now.
    rs_parsed: ParsedPublicKey,
    hs_aws_key: aws_lc_rs::hmac::Key,
}

fn setup() -> Setup {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A typical Auth0 ID token.
    let claims = json!({
        "iss": ISS, "sub": "auth0|64f1c0ffee0123456789abcd", "aud": AUD,
        "iat": now, "exp": now + 86_400, "sid": "0a1b2c3d4e5f", "nonce": "abc123",
        "name": "Ana Example", "email": "ana@example.test", "email_verified": true,
        "nickname": "ana", "picture": "https://example.test/ana.png",
        "updated_at": "2024-01-01T00:00:00.000Z",
    });
    let jwks = jwks(&[rsa_a_jwk(), rsa_b_jwk()]);
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (server, url) = server_runtime.block_on(jwks_server(jwks.clone()));
    let keys = AsymmetricSignatureVerifier::new(url);
    let rs_verifier = TokenVerifier::new(keys.clone(), ISS, AUD);
    let hs_verifier = TokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, AUD);
    let blocking = auth0_verify::blocking::TokenVerifier::new(keys.clone(), ISS, AUD);
    let rs_token = rs256(&claims);
    let hs_token = hs256(&claims);
    // A typical Auth0 access token for an API.
    let access_claims = json!({
        "iss": ISS, "sub": "auth0|64f1c0ffee0123456789abcd", "aud": [API, format!("{ISS}userinfo")],
        "iat": now, "exp": now + 86_400, "azp": "Ks7fBzq3WbDzXkHa0x9Yt2mN", "scope": "openid profile read:messages",
        "permissions": ["read:messages", "write:messages"], "org_id": "org_1234567890abcdef",
    });
    let access_token = rs256(&access_claims);
    let access_verifier = AccessTokenVerifier::new(keys.clone(), ISS, API);
    // Warm the cache.
    runtime
        .block_on(rs_verifier.verify(&rs_token, &VerifyOptions::default()))
        .unwrap();
    runtime
        .block_on(hs_verifier.verify(&hs_token, &VerifyOptions::default()))
        .unwrap();
    runtime
        .block_on(access_verifier.verify(&access_token))
        .unwrap();
    blocking
        .verify(&rs_token, &VerifyOptions::default())
        .unwrap();

    let jwk = rsa_a_jwk();
    let rs_key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let hs_key = DecodingKey::from_secret(SECRET.as_bytes());
    let mut rs_validation = Validation::new(jsonwebtoken::Algorithm::RS256);
    rs_validation.set_audience(&[AUD]);
    rs_validation.set_issuer(&[ISS]);
    rs_validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let mut hs_validation = rs_validation.clone();
    hs_validation.algorithms = vec![jsonwebtoken::Algorithm::HS256];
    jsonwebtoken::decode::<Value>(&rs_token, &rs_key, &rs_validation).unwrap();
    jsonwebtoken::decode::<Value>(&hs_token, &hs_key, &hs_validation).unwrap();

    let b64 = |field: &str| {
        URL_SAFE_NO_PAD
            .decode(jwk[field].as_str().unwrap())
            .unwrap()
    };
    let (n, e) = (b64("n"), b64("e"));
    let rs_raw_key = DecodingKey::from_rsa_raw_components(&n, &e);
    let rs_parsed = RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .unwrap();
    let hs_aws_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes());

    Setup {
        server_runtime,
        runtime,
        _server: server,
        jwks,
        rs_token,
        hs_token,
        access_token,
        access_verifier,
        rs_verifier,
        hs_verifier,
        blocking,
        rs_key,
        hs_key,
        rs_validation,
        hs_validation,
        rs_raw_key,
        rs_parsed,
        hs_aws_key,
    }
}

/// `header.payload` and the base64url signature of a compact JWS.
fn split(token: &str) -> (&str, &str) {
    token.rsplit_once('.').unwrap()
}

impl Setup {
    fn ours_rs(&self) {
        let opts = VerifyOptions::default();
        black_box(
            self.runtime
                .block_on(self.rs_verifier.verify(black_box(&self.rs_token), &opts))
                .unwrap(),
        );
    }
    /// `n` verifications of the ID token, awaited in turn on one runtime.
    fn ours_rs_batch(&self, n: u32) {
        let opts = VerifyOptions::default();
        self.runtime.block_on(async {
            for _ in 0..n {
                black_box(
                    self.rs_verifier
                        .verify(black_box(&self.rs_token), &opts)
                        .await
                        .unwrap(),
                );
            }
        });
    }
    /// `n` verifications of the access token, awaited in turn on one runtime.
    fn ours_access_batch(&self, n: u32) {
        self.runtime.block_on(async {
            for _ in 0..n {
                black_box(
                    self.access_verifier
                        .verify(black_box(&self.access_token))
                        .await
                        .unwrap(),
                );
            }
        });
    }
    fn ours_rs_blocking(&self) {
        black_box(
            self.blocking
                .verify(black_box(&self.rs_token), &VerifyOptions::default())
                .unwrap(),
        );
    }
    fn ours_access(&self) {
        black_box(
            self.runtime
                .block_on(self.access_verifier.verify(black_box(&self.access_token)))
                .unwrap(),
        );
    }
    fn jwt_rs(&self) {
        black_box(
            jsonwebtoken::decode::<Value>(
                black_box(&self.rs_token),
                &self.rs_key,
                &self.rs_validation,
            )
            .unwrap(),
        );
    }
    fn ours_hs(&self) {
        let opts = VerifyOptions::default();
        black_box(
            self.runtime
                .block_on(self.hs_verifier.verify(black_box(&self.hs_token), &opts))
                .unwrap(),
        );
    }
    fn jwt_hs(&self) {
        black_box(
            jsonwebtoken::decode::<Value>(
                black_box(&self.hs_token),
                &self.hs_key,
                &self.hs_validation,
            )
            .unwrap(),
        );
    }

    /// Signature only, as auth0-verify did before: `jsonwebtoken::crypto::verify` with the
    /// cached `DecodingKey` (aws-lc builds its RSA key from `n` and `e` on each call).
    fn sig_rs_before(&self) {
        let (message, signature) = split(black_box(&self.rs_token));
        assert!(
            jsonwebtoken::crypto::verify(
                signature,
                message.as_bytes(),
                &self.rs_raw_key,
                jsonwebtoken::Algorithm::RS256
            )
            .unwrap()
        );
    }
    /// Signature only, as auth0-verify does now: the aws-lc key parsed once.
    fn sig_rs_now(&self) {
        let (message, signature) = split(black_box(&self.rs_token));
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        self.rs_parsed
            .verify_sig(message.as_bytes(), &signature)
            .unwrap();
    }
    fn sig_hs_before(&self) {
        let (message, signature) = split(black_box(&self.hs_token));
        assert!(
            jsonwebtoken::crypto::verify(
                signature,
                message.as_bytes(),
                &self.hs_key,
                jsonwebtoken::Algorithm::HS256
            )
            .unwrap()
        );
    }
    fn sig_hs_now(&self) {
        let (message, signature) = split(black_box(&self.hs_token));
        let tag = URL_SAFE_NO_PAD.decode(signature).unwrap();
        aws_lc_rs::hmac::verify(&self.hs_aws_key, message.as_bytes(), &tag).unwrap();
    }

    fn write_artifacts(&self) {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/auth0-verify-bench");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("rs256.jwt"), &self.rs_token).unwrap();
        std::fs::write(dir.join("hs256.jwt"), &self.hs_token).unwrap();
        std::fs::write(dir.join("jwks.json"), self.jwks.to_string()).unwrap();
        let meta = json!({"issuer": ISS, "audience": AUD, "secret": SECRET});
        std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    }
}

fn benches(c: &mut Criterion) {
    let s = setup();
    s.write_artifacts();
    let mut rs = c.benchmark_group("rs256_warm_cache");
    rs.bench_function("auth0_verify", |b| b.iter(|| s.ours_rs()));
    rs.bench_function("auth0_verify_blocking", |b| b.iter(|| s.ours_rs_blocking()));
    rs.bench_function("jsonwebtoken_decode", |b| b.iter(|| s.jwt_rs()));
    rs.bench_function("auth0_verify_access_token", |b| b.iter(|| s.ours_access()));
    rs.finish();
    let mut hs = c.benchmark_group("hs256");
    hs.bench_function("auth0_verify", |b| b.iter(|| s.ours_hs()));
    hs.bench_function("jsonwebtoken_decode", |b| b.iter(|| s.jwt_hs()));
    hs.finish();
    let mut sig = c.benchmark_group("rs256_signature_only");
    sig.bench_function("before_decoding_key", |b| b.iter(|| s.sig_rs_before()));
    sig.bench_function("now_parsed_public_key", |b| b.iter(|| s.sig_rs_now()));
    sig.finish();
    let mut sig = c.benchmark_group("hs256_signature_only");
    sig.bench_function("before_decoding_key", |b| b.iter(|| s.sig_hs_before()));
    sig.bench_function("now_hmac_key", |b| b.iter(|| s.sig_hs_now()));
    sig.finish();
    summary(&s);
    drop(s.server_runtime);
}

/// Verifications per second of `f`, over about `time`.
fn rate(time: Duration, f: impl Fn()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < time {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Interleaved rounds, so both sides see the same machine load; the median round counts.
fn compare(name: &str, ours: impl Fn(), theirs: impl Fn()) {
    compare_as(name, ("auth0-verify", "jsonwebtoken::decode"), ours, theirs);
}

fn compare_as(name: &str, (a_name, b_name): (&str, &str), ours: impl Fn(), theirs: impl Fn()) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..5 {
        a.push(rate(Duration::from_millis(400), &ours));
        b.push(rate(Duration::from_millis(400), &theirs));
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (a, b) = (a[2], b[2]);
    println!(
        "{name}: {a_name} {a:.0}/s, {b_name} {b:.0}/s, ratio {:.3}",
        a / b
    );
}

fn summary(s: &Setup) {
    println!("\n== summary (single thread, verifications per second) ==");
    against_openssl(s);
    compare("RS256 warm cache", || s.ours_rs(), || s.jwt_rs());
    compare(
        "RS256 warm cache (blocking)",
        || s.ours_rs_blocking(),
        || s.jwt_rs(),
    );
    compare("HS256", || s.ours_hs(), || s.jwt_hs());
    compare_as(
        "RS256 signature only",
        ("now (parsed key)", "before (DecodingKey)"),
        || s.sig_rs_now(),
        || s.sig_rs_before(),
    );
    compare_as(
        "HS256 signature only",
        ("now (hmac::Key)", "before (DecodingKey)"),
        || s.sig_hs_now(),
        || s.sig_hs_before(),
    );
}

/// The CPU time this thread has run, from `/proc/thread-self/schedstat` (Linux; `None`
/// elsewhere).
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Verifications per CPU second of `f` (this thread's CPU time, as `openssl speed` counts its
/// own by default), over about `time` of it; per second of wall time where the CPU time cannot
/// be read.
fn cpu_rate(time: Duration, f: impl Fn(u32)) -> f64 {
    let Some(start) = thread_cpu_time() else {
        return rate(time, || f(1));
    };
    let mut n = 0u64;
    loop {
        f(64);
        n += 64;
        let spent = thread_cpu_time().map_or(time, |t| t.saturating_sub(start));
        if spent >= time {
            return n as f64 / spent.as_secs_f64();
        }
    }
}

/// `openssl speed -seconds 1 rsa2048`'s RSA-2048 verifications per second, or `None` when it
/// cannot be run or read (`rsa 2048 bits <sign s> <verify s> <sign/s> <verify/s>`).
fn openssl_verify_rate() -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "1", "rsa2048"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("rsa") && l.contains("2048 bits"))?;
    line.split_whitespace().last()?.parse().ok()
}

/// RS256 verification against the raw RSA-2048 verify rate of `openssl speed`, in turns:
/// each round's ratios and the median of them. Both sides count CPU time (`openssl speed`
/// times its loops by its user time unless given `-elapsed`), so that other work on a shared
/// machine slows neither side's figure.
fn against_openssl(s: &Setup) {
    // `ROUNDS` (7): more rounds, a steadier median on a machine others share.
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(7);
    if openssl_verify_rate().is_none() {
        println!("openssl speed: not available, comparison skipped");
        return;
    }
    // Each path runs a batch of verifications per call: the async ones awaited one after
    // the other inside one `block_on`, as a server's task awaits them (a `block_on` per
    // verification would time entering the runtime as well).
    let paths: [(&str, &dyn Fn(u32)); 4] = [
        ("ID token", &|n| s.ours_rs_batch(n)),
        ("ID token (blocking)", &|n| {
            (0..n).for_each(|_| s.ours_rs_blocking())
        }),
        ("access token (not cached)", &|n| s.ours_access_batch(n)),
        ("signature only (parsed key)", &|n| {
            (0..n).for_each(|_| s.sig_rs_now())
        }),
    ];
    let mut ratios = vec![Vec::new(); paths.len()];
    let mut rates = vec![Vec::new(); paths.len() + 1];
    for round in 1..=rounds {
        let mut line = Vec::new();
        let mut ours = vec![0.0; paths.len()];
        // Each round starts from another path, so that none is always the first timed after
        // `openssl speed` ran.
        for k in 0..paths.len() {
            let i = (k + round - 1) % paths.len();
            let r = cpu_rate(Duration::from_millis(500), paths[i].1);
            rates[i].push(r);
            ours[i] = r;
        }
        let Some(theirs) = openssl_verify_rate() else {
            println!("openssl speed: no figure in round {round}");
            return;
        };
        rates[paths.len()].push(theirs);
        for (i, r) in ours.iter().enumerate() {
            ratios[i].push(r / theirs);
            line.push(format!("{:.3}x", r / theirs));
        }
        println!(
            "round {round}: openssl speed rsa2048 verify {theirs:.0}/s; ours / openssl: {}",
            line.join(", ")
        );
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let clock = if thread_cpu_time().is_some() {
        "per CPU second on both sides"
    } else {
        "ours per second of wall time"
    };
    println!(
        "openssl speed rsa2048 verify: {:.0}/s (median of {rounds} rounds; {clock})",
        median(rates[paths.len()].clone())
    );
    for (i, (name, _)) in paths.iter().enumerate() {
        println!(
            "RS256 {name}: {:.0}/s, median of the rounds' ratios to openssl speed {:.3}x",
            median(rates[i].clone()),
            median(ratios[i].clone())
        );
    }
}

/// `--repeat NAME N`: calls one path `N` times and nothing else (for a profiler).
fn repeat(s: &Setup, name: &str, n: u32) {
    let f: &dyn Fn(u32) = match name {
        "id" => &|n| s.ours_rs_batch(n),
        "id_blocking" => &|n| (0..n).for_each(|_| s.ours_rs_blocking()),
        "access" => &|n| s.ours_access_batch(n),
        "signature" => &|n| (0..n).for_each(|_| s.sig_rs_now()),
        other => panic!("--repeat: unknown path {other:?}"),
    };
    f(n);
}

criterion_group! {
    name = group;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--repeat") {
        let name = args.get(i + 1).expect("--repeat NAME N");
        let n = args
            .get(i + 2)
            .and_then(|n| n.parse::<u32>().ok())
            .expect("--repeat NAME N");
        let s = setup();
        repeat(&s, name, n);
        drop(s.server_runtime);
        return;
    }
    if args.iter().any(|a| a == "--summary-only") {
        let s = setup();
        summary(&s);
        drop(s.server_runtime);
        return;
    }
    group();
    Criterion::default().configure_from_args().final_summary();
}
