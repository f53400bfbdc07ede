//! URL builders: `/authorize`, `/v2/logout`, `/oidc/logout` (no request is made).

use std::collections::BTreeMap;
use std::time::Duration;

use auth0_auth::{Client, Pkce};
use base64::Engine as _;
use sha2::Digest as _;

fn client() -> Client {
    Client::builder("tenant.example.com")
        .client_id("cid")
        .build()
        .unwrap()
}

fn query(url: &url::Url) -> BTreeMap<String, String> {
    url.query_pairs().into_owned().collect()
}

#[test]
fn authorize_url_with_everything() {
    let pkce = Pkce::new();
    let url = client()
        .authorize_url("https://app.example.com/callback")
        .scope("openid profile")
        .audience("https://api")
        .state("st 1")
        .nonce("nn")
        .connection("github")
        .organization("org_1")
        .invitation("inv_1")
        .pkce(&pkce)
        .prompt("login")
        .login_hint("ana@example.com")
        .max_age(Duration::from_secs(3600))
        .param("screen_hint", "signup")
        .build();
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("tenant.example.com"));
    assert_eq!(url.path(), "/authorize");
    let q = query(&url);
    let expected: BTreeMap<String, String> = [
        ("client_id", "cid"),
        ("response_type", "code"),
        ("redirect_uri", "https://app.example.com/callback"),
        ("scope", "openid profile"),
        ("audience", "https://api"),
        ("state", "st 1"),
        ("nonce", "nn"),
        ("connection", "github"),
        ("organization", "org_1"),
        ("invitation", "inv_1"),
        ("code_challenge", pkce.challenge()),
        ("code_challenge_method", "S256"),
        ("prompt", "login"),
        ("login_hint", "ana@example.com"),
        ("max_age", "3600"),
        ("screen_hint", "signup"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(q, expected);
    // The challenge is base64url(SHA-256(verifier)).
    let digest = sha2::Sha256::digest(pkce.verifier().expose_secret());
    assert_eq!(
        pkce.challenge(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    );
    // The verifier is not in the URL.
    assert!(!url.as_str().contains(pkce.verifier().expose_secret()));
}

#[test]
fn logout_urls() {
    let c = client();
    let url = c
        .logout_url()
        .return_to("https://app/bye")
        .federated()
        .build();
    assert_eq!(
        url.as_str(),
        "https://tenant.example.com/v2/logout?returnTo=https%3A%2F%2Fapp%2Fbye&client_id=cid&federated"
    );
    let url = c.logout_url().include_client_id(false).build();
    assert_eq!(url.as_str(), "https://tenant.example.com/v2/logout");

    let url = c
        .oidc_logout_url()
        .id_token_hint(&"eyJ.id.token".into())
        .post_logout_redirect_uri("https://app/bye")
        .state("s")
        .build();
    assert_eq!(url.path(), "/oidc/logout");
    let q = query(&url);
    assert_eq!(q["client_id"], "cid");
    assert_eq!(q["id_token_hint"], "eyJ.id.token");
    assert_eq!(q["post_logout_redirect_uri"], "https://app/bye");
    assert_eq!(q["state"], "s");
    assert!(!q.contains_key("federated"));
    assert!(
        c.oidc_logout_url()
            .federated()
            .build()
            .as_str()
            .ends_with("&federated")
    );
}

#[test]
fn base_url_with_a_path_prefix() {
    let c = Client::builder("http://127.0.0.1:9/auth0")
        .client_id("cid")
        .build()
        .unwrap();
    assert_eq!(c.issuer(), "http://127.0.0.1:9/auth0/");
    assert!(
        c.authorize_url("https://a/cb")
            .build()
            .as_str()
            .starts_with("http://127.0.0.1:9/auth0/authorize?")
    );
}
