//! The blocking client against the stand-in tenant: plain `#[test]`s with no runtime of their
//! own (the stand-in is served by one the test makes), and calls from inside a tokio runtime.

use auth0_auth::blocking::Client;
use auth0_standin::{Standin, User};

/// A stand-in with one user, served by a runtime of its own (dropped after it).
struct Tenant {
    standin: Standin,
    _runtime: tokio::runtime::Runtime,
}

fn tenant() -> Tenant {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let standin = runtime
        .block_on(
            Standin::builder()
                .user(User::new("ana@example.com", "Passw0rd!").id("auth0|ana"))
                .start(),
        )
        .unwrap();
    Tenant {
        standin,
        _runtime: runtime,
    }
}

fn client(tenant: &Tenant, secret: &str) -> Client {
    auth0_auth::Client::builder(tenant.standin.url())
        .client_id(auth0_standin::CLIENT_ID)
        .client_secret(secret)
        .build_blocking()
        .unwrap()
}

#[test]
fn grants_and_userinfo_without_a_runtime() {
    let tenant = tenant();
    let auth = client(&tenant, auth0_standin::CLIENT_SECRET);

    let tokens = auth
        .client_credentials()
        .audience(tenant.standin.management_audience())
        .send()
        .unwrap();
    assert_eq!(tokens.token_type.as_deref(), Some("Bearer"));
    assert!(tokens.expires_at().is_some());

    let tokens = auth
        .password_grant("ana@example.com", "Passw0rd!")
        .realm(auth0_standin::CONNECTION)
        .scope("openid profile email")
        .send()
        .unwrap();
    let profile = auth.userinfo(tokens.access_token.clone()).send().unwrap();
    assert_eq!(profile.sub, "auth0|ana");
    assert_eq!(profile.email.as_deref(), Some("ana@example.com"));

    // The async client of the same configuration, awaited on the blocking client's runtime.
    let again = auth
        .block_on(auth.to_async().userinfo(tokens.access_token).send())
        .unwrap();
    assert_eq!(again.sub, "auth0|ana");
}

#[test]
fn an_error_answer_is_a_typed_error() {
    let tenant = tenant();
    let auth = client(&tenant, auth0_standin::CLIENT_SECRET);
    let err = auth
        .password_grant("ana@example.com", "not-her-password")
        .realm(auth0_standin::CONNECTION)
        .send()
        .unwrap_err();
    assert!(
        matches!(err, auth0_auth::Error::Http(auth0_auth::HttpError::Api(_))),
        "{err:?}"
    );
    assert_eq!(err.error(), Some("invalid_grant"));

    let wrong = client(&tenant, "not-the-secret");
    let err = wrong
        .client_credentials()
        .audience(tenant.standin.management_audience())
        .send()
        .unwrap_err();
    assert_eq!(err.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
}

/// From inside a current-thread runtime (the attribute's default): the call blocks the test's
/// one thread, so the stand-in is served by its own runtime; the client is made, used and
/// dropped in async code without a panic.
#[tokio::test]
async fn works_and_drops_inside_a_current_thread_runtime() {
    let tenant = std::thread::spawn(tenant).join().unwrap();
    let auth = client(&tenant, auth0_standin::CLIENT_SECRET);
    let tokens = auth
        .client_credentials()
        .audience(tenant.standin.management_audience())
        .send()
        .unwrap();
    assert!(!tokens.access_token.expose_secret().is_empty());
    drop(auth);
    // The tenant's runtime is dropped on a plain thread: tokio refuses that in async code.
    std::thread::spawn(move || drop(tenant)).join().unwrap();
}
