//! What every request builder has besides its operation's parameters: the answer's status,
//! headers and rate limit (`send_with_response`), the client's custom domain on the
//! operations that declare `Auth0-Custom-Domain`, extra headers and query parameters.

use std::time::{Duration, UNIX_EPOCH};

use auth0_mgmt::{Client, Error, HttpError, types};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::setup;

fn verify_email_body() -> types::VerifyEmailTicketRequestContent {
    serde_json::from_value(json!({"user_id": "auth0|1"})).expect("a ticket request")
}

#[tokio::test]
async fn send_with_response_gives_status_headers_and_rate_limit() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles/rol_1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "50")
                .insert_header("x-ratelimit-remaining", "48")
                .insert_header("x-ratelimit-reset", "1700000000")
                .insert_header("set-cookie", "did=secret-cookie")
                .set_body_json(json!({"id": "rol_1", "name": "admin"})),
        )
        .mount(&server)
        .await;

    let answer = client
        .roles()
        .get("rol_1")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.body().name.as_deref(), Some("admin"));
    assert_eq!(answer.headers()["x-ratelimit-remaining"], "48");
    let limit = answer
        .rate_limit()
        .expect("the answer reported its rate limit");
    assert_eq!(limit.limit, Some(50));
    assert_eq!(limit.remaining, Some(48));
    assert_eq!(
        limit.reset,
        Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    );
    let printed = format!("{answer:?}");
    assert!(printed.contains("rol_1"), "{printed}");
    assert!(!printed.contains("secret-cookie"), "{printed}");
    // The headers are as received; `send` gives the same body alone.
    assert_eq!(answer.headers()["set-cookie"], "did=secret-cookie");
    let role = client.roles().get("rol_1").send().await.unwrap();
    assert_eq!(role.id.as_deref(), Some("rol_1"));
}

#[tokio::test]
async fn empty_answers_have_their_status_too() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/roles/rol_1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let answer = client
        .roles()
        .delete("rol_1")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    assert_eq!(answer.rate_limit(), None);
}

#[tokio::test]
async fn the_custom_domain_goes_only_where_the_operation_declares_it() {
    let server = MockServer::start().await;
    let client = Client::builder(server.uri())
        .token("test-token")
        .custom_domain("login.example.com")
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(client.custom_domain(), Some("login.example.com"));
    Mock::given(method("POST"))
        .and(path("/api/v2/tickets/email-verification"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"ticket": "https://t"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles/rol_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "rol_1"})))
        .mount(&server)
        .await;

    client
        .tickets()
        .verify_email()
        .body(verify_email_body())
        .send()
        .await
        .unwrap();
    client
        .tickets()
        .verify_email()
        .body(verify_email_body())
        .auth0_custom_domain("other.example.com")
        .send()
        .await
        .unwrap();
    client.roles().get("rol_1").send().await.unwrap();

    let sent = server.received_requests().await.unwrap();
    let domain = |i: usize| {
        sent[i]
            .headers
            .get("auth0-custom-domain")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(domain(0).as_deref(), Some("login.example.com"));
    assert_eq!(
        domain(1).as_deref(),
        Some("other.example.com"),
        "the request's own wins"
    );
    assert_eq!(domain(2), None, "an operation without the header gets none");

    // Without the setting, nothing is sent.
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"ticket": "https://t"})))
        .mount(&server)
        .await;
    client
        .tickets()
        .verify_email()
        .body(verify_email_body())
        .send()
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    assert!(sent[0].headers.get("auth0-custom-domain").is_none());

    let refused = Client::builder("http://127.0.0.1:1")
        .token("t")
        .custom_domain("bad\ndomain")
        .build();
    assert!(matches!(refused, Err(Error::Config(_))));
}

#[tokio::test]
async fn extra_headers_and_query_parameters_are_sent() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .and(query_param("name_filter", "adm"))
        .and(query_param("include_fields", "true"))
        .and(header("x-request-id", "req-42"))
        .and(header("x-api-key", "k-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let request = client
        .roles()
        .list()
        .name_filter("adm")
        .query("include_fields", "true")
        .header("X-Request-Id", "req-0")
        .header("X-Request-Id", "req-42")
        .header("X-Api-Key", "k-secret");
    let printed = format!("{request:?}");
    assert!(printed.contains("req-42"), "{printed}");
    assert!(!printed.contains("k-secret"), "{printed}");
    request.send().await.unwrap();
    let sent = server.received_requests().await.unwrap();
    let ids: Vec<_> = sent[0].headers.get_all("x-request-id").iter().collect();
    assert_eq!(
        ids.len(),
        1,
        "a header set twice is sent once, the last value"
    );
}

#[tokio::test]
async fn extra_headers_that_cannot_be_sent_fail_the_request() {
    let (server, client) = setup().await;
    for (name, value) in [
        ("Authorization", "Bearer someone-else"),
        ("bad header", "v"),
        ("x-ok", "bad\nvalue"),
    ] {
        let err = client
            .roles()
            .get("rol_1")
            .header(name, value)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Http(HttpError::InvalidRequest { .. })),
            "{name}: {err:?}"
        );
        assert!(!err.to_string().contains("someone-else"), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn credential_query_parameters_are_refused_as_the_authorization_header_is() {
    let (server, client) = setup().await;
    for name in [
        "access_token",
        "accessToken",
        "id_token",
        "refresh_token",
        "client_secret",
        "Client-Secret",
        "api_key",
    ] {
        let request = client.users().get("auth0|1").query(name, "tok-in-the-url");
        let printed = format!("{request:?}");
        assert!(!printed.contains("tok-in-the-url"), "{printed}");
        let err = request.send().await.unwrap_err();
        assert!(
            matches!(err, Error::Http(HttpError::InvalidRequest { .. })),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains("query parameter"), "{err}");
        assert!(!err.to_string().contains("tok-in-the-url"), "{err}");
        assert!(!format!("{err:?}").contains("tok-in-the-url"), "{err:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn request_builders_print_no_secret_of_a_free_form_body() {
    let client = Client::builder("http://127.0.0.1:1")
        .token("t")
        .build()
        .unwrap();
    let secrets: std::collections::HashMap<String, String> = [
        ("SLACK_WEBHOOK".to_owned(), "hook-value-1".to_owned()),
        ("DB".to_owned(), "hook-value-2".to_owned()),
    ]
    .into();
    let create = client.hooks().secrets().create("h1").body(secrets.clone());
    let update = client.hooks().secrets().update("h1").body(secrets);
    for printed in [format!("{create:?}"), format!("{update:?}")] {
        assert!(!printed.contains("hook-value"), "{printed}");
        assert!(printed.contains("SLACK_WEBHOOK"), "{printed}");
        assert!(printed.contains("\"h1\""), "{printed}");
    }
    // Typed bodies keep their own redaction and print the rest.
    let user = client
        .users()
        .create()
        .body(types::CreateUserRequestContent {
            connection: "db".into(),
            password: "pw-value".into(),
            ..Default::default()
        });
    let printed = format!("{user:?}");
    assert!(!printed.contains("pw-value"), "{printed}");
    assert!(printed.contains("\"db\""), "{printed}");
}

#[tokio::test]
async fn the_token_blacklist_the_document_omits_is_reachable() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/blacklists/tokens"))
        .and(wiremock::matchers::body_json(
            json!({"aud": "api-1", "jti": "tok-1"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/blacklists/tokens"))
        .and(query_param("aud", "api-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"aud": "api-1", "jti": "tok-1"}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let body: types::CreateBlacklistedTokenRequestContent =
        serde_json::from_value(json!({"aud": "api-1", "jti": "tok-1"})).unwrap();
    client
        .blacklists()
        .create()
        .body(body)
        .send()
        .await
        .unwrap();
    let listed = client
        .blacklists()
        .list()
        .aud("api-1")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].jti.as_deref(), Some("tok-1"));
    assert_eq!(listed[0].aud.as_deref(), Some("api-1"));
}

#[tokio::test]
async fn a_list_query_parameter_repeats_and_one_that_cannot_be_sent_names_its_operation() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    client
        .connections()
        .list()
        .strategy(vec![
            types::ConnectionStrategyEnum::Auth0,
            types::ConnectionStrategyEnum::GoogleOauth2,
        ])
        .include_totals(false)
        .send()
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(
        sent[0].url.query(),
        Some("include_totals=false&strategy=auth0&strategy=google-oauth2"),
        "the document's order, a list as the parameter repeated, a boolean as text"
    );

    // A header parameter's value that cannot be a header value: refused before anything is
    // sent, by the operation's one name.
    let err = client
        .tickets()
        .verify_email()
        .body(verify_email_body())
        .auth0_custom_domain("bad\ndomain")
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Http(HttpError::InvalidRequest { operation, message }) => {
            assert_eq!(*operation, "tickets.verify_email");
            assert!(message.contains("auth0-custom-domain"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with("tickets.verify_email: "),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
