//! The generated client against a local server: what leaves (method, path, query, headers,
//! body) and how answers are read (tolerant decoding, kept bodies, errors).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_mgmt::{Client, Error, HttpError, types};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{last_body, setup};

#[test]
fn the_client_is_cheap_to_share() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Client>();
}

#[tokio::test]
async fn get_sends_path_query_and_token_and_reads_the_user() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/auth0%7C123"))
        .and(query_param("fields", "email,name"))
        .and(query_param("include_fields", "true"))
        .and(header("authorization", "Bearer test-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user_id": "auth0|123",
            "email": "ana@example.com",
            "logins_count": 3,
            "identities": [{"provider": "auth0", "user_id": "123", "connection": "db", "isSocial": false}],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let user = client
        .users()
        .get("auth0|123")
        .fields("email,name")
        .include_fields(true)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_id.as_deref(), Some("auth0|123"));
    assert_eq!(user.email.as_deref(), Some("ana@example.com"));
    assert_eq!(user.logins_count, Some(3));
    assert_eq!(user.identities.as_ref().map(Vec::len), Some(1));
}

#[tokio::test]
async fn path_parameters_take_str_and_string_and_are_encoded() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let owned: String = "google-oauth2|1 2/3".to_string();
    client.users().delete(owned).send().await.unwrap();
    client
        .users()
        .roles()
        .delete("auth0|x")
        .body(types::DeleteUserRolesRequestContent {
            roles: vec!["rol_1".into()],
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    // All but the unreserved characters inside a parameter are escaped (`|`, `/`, spaces).
    assert_eq!(
        requests[0].url.path(),
        "/api/v2/users/google-oauth2%7C1%202%2F3"
    );
    assert_eq!(requests[1].url.path(), "/api/v2/users/auth0%7Cx/roles");
    assert_eq!(last_body(&requests), json!({"roles": ["rol_1"]}));
}

#[tokio::test]
async fn path_values_cannot_walk_to_another_endpoint() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    // A backslash would read as `/` (so `..` after it would climb); it is escaped.
    client.users().delete("ad|a\\..\\..").send().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.path(), "/api/v2/users/ad%7Ca%5C..%5C..");
    // Dot segments cannot be escaped at all, and an empty value leaves the segment out:
    // refused before anything is sent, whatever the parameter's type.
    for id in ["..", ".", ""] {
        let err = client.users().delete(id).send().await.unwrap_err();
        assert!(
            matches!(err, Error::Http(HttpError::InvalidRequest { .. })),
            "{err:?}"
        );
        assert!(err.to_string().contains("`id`"), "{err}");
        let err = client
            .users()
            .identities()
            .delete("auth0|1", id, "x")
            .send()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("`provider`"), "{err}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn enum_path_parameters_accept_plain_strings() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/prompts/login/custom-text/fr"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": {"title": "Bonjour"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let texts = client
        .prompts()
        .custom_text()
        .get("login", String::from("fr"))
        .send()
        .await
        .unwrap();
    assert_eq!(texts["login"]["title"], "Bonjour");
}

#[tokio::test]
async fn responses_are_read_tolerantly() {
    let (server, client) = setup().await;
    // Unknown fields, nulls where the document promises values, an enum value it does not
    // list, and a missing field it calls required.
    Mock::given(method("GET"))
        .and(path("/api/v2/custom-domains/cd_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "custom_domain_id": "cd_1",
            "domain": null,
            "primary": null,
            "status": "migrating_to_new_edge",
            "brand_new_field": {"nested": [1, 2, 3]},
        })))
        .mount(&server)
        .await;
    let domain = client.custom_domains().get("cd_1").send().await.unwrap();
    assert_eq!(domain.custom_domain_id.as_deref(), Some("cd_1"));
    assert_eq!(domain.domain, None);
    assert_eq!(domain.primary, None);
    let status = domain.status.expect("status kept");
    assert_eq!(
        status,
        types::CustomDomainStatusFilterEnum::Other("migrating_to_new_edge".into())
    );
    assert_eq!(status.to_string(), "migrating_to_new_edge");
    // A listed value still reads as its variant, and serializes back as sent.
    let ready: types::CustomDomainStatusFilterEnum = serde_json::from_str("\"ready\"").unwrap();
    assert_eq!(ready, types::CustomDomainStatusFilterEnum::Ready);
    assert_eq!(
        serde_json::to_string(&status).unwrap(),
        "\"migrating_to_new_edge\""
    );
}

#[tokio::test]
async fn null_collections_and_a_list_or_page_answer_both_read() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("include_totals", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "start": 0, "limit": 50, "length": 1, "total": 1,
            "users": [{"user_id": "auth0|1", "identities": null, "multifactor": null}],
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"user_id": "auth0|2"}])))
        .mount(&server)
        .await;
    match client
        .users()
        .list()
        .include_totals(true)
        .send()
        .await
        .unwrap()
    {
        types::ListUsersResponseContent::ListUsersOffsetPaginatedResponseContent(page) => {
            assert_eq!(page.total, Some(1.0));
            let users = page.users.unwrap();
            assert_eq!(users[0].user_id.as_deref(), Some("auth0|1"));
            assert!(users[0].identities.is_none());
        }
        other => panic!("expected a page, got {other:?}"),
    }
    match client.users().list().send().await.unwrap() {
        types::ListUsersResponseContent::Array(users) => {
            assert_eq!(users[0].user_id.as_deref(), Some("auth0|2"))
        }
        other => panic!("expected a plain list, got {other:?}"),
    }
}

#[tokio::test]
async fn request_bodies_carry_exactly_what_was_set() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .and(body_json(
            json!({"connection": "db", "email": "ana@example.com"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"user_id": "auth0|9"})))
        .expect(1)
        .mount(&server)
        .await;
    let created = client
        .users()
        .create()
        .body(types::CreateUserRequestContent {
            connection: "db".into(),
            email: "ana@example.com".into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.user_id.as_deref(), Some("auth0|9"));

    // An empty list is sent (it clears), an unset one is not.
    Mock::given(method("PATCH"))
        .and(path("/api/v2/clients/cl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "cl_1"})))
        .mount(&server)
        .await;
    client
        .clients()
        .update("cl_1")
        .body(types::UpdateClientRequestContent {
            callbacks: vec![].into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(last_body(&requests), json!({"callbacks": []}));
}

#[tokio::test]
async fn a_missing_required_body_is_refused_before_sending() {
    let (server, client) = setup().await;
    let err = client.users().create().send().await.unwrap_err();
    match &err {
        Error::Http(HttpError::InvalidRequest { operation, message }) => {
            assert_eq!(*operation, "users.create");
            assert!(message.contains("request body"), "{message}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn bodies_the_document_does_not_declare_are_kept() {
    let (server, client) = setup().await;
    // POST /roles/{id}/users documents a 200 without a body; whatever comes is kept.
    Mock::given(method("POST"))
        .and(path("/api/v2/roles/rol_1/users"))
        .and(body_json(json!({"users": ["auth0|1"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"assigned": 1})))
        .mount(&server)
        .await;
    let body = types::AssignRoleUsersRequestContent {
        users: vec!["auth0|1".into()],
        ..Default::default()
    };
    let answer = client
        .roles()
        .users()
        .assign("rol_1")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer, json!({"assigned": 1}));

    // The same operation answering with no body at all reads as null, not as an error.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let answer = client
        .roles()
        .users()
        .assign("rol_1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer, serde_json::Value::Null);
}

#[tokio::test]
async fn the_overlay_types_the_created_network_acl() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/network-acls"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "acl_1", "description": "block", "active": true, "priority": 2,
            "rule": {"action": {"block": true}, "scope": "tenant", "match": {"asns": [1]}}
        })))
        .mount(&server)
        .await;
    let body: types::CreateNetworkAclRequestContent = serde_json::from_value(json!({
        "description": "block", "active": true, "priority": 2,
        "rule": {"action": {"block": true}, "scope": "tenant", "match": {"asns": [1]}}
    }))
    .unwrap();
    let created = client
        .network_acls()
        .create()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("acl_1"));
    assert_eq!(created.priority, Some(2.0));
}

#[tokio::test]
async fn api_errors_keep_auth0_fields_and_the_raw_body() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "statusCode": 404, "error": "Not Found",
            "message": "The user does not exist.", "errorCode": "inexistent_user"
        })))
        .mount(&server)
        .await;
    let err = client.users().get("missing").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let api = err.api().expect("an API error");
    assert_eq!(api.error(), Some("Not Found"));
    assert_eq!(api.error_code(), Some("inexistent_user"));
    assert_eq!(api.message(), Some("The user does not exist."));
    assert_eq!(api.operation(), "users.get");
    assert!(err.to_string().contains("inexistent_user"), "{err}");
}

#[tokio::test]
async fn non_json_and_empty_error_bodies_are_kept_as_text() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/html"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_raw("<html><body>upstream exploded</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/empty"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let err = client.users().get("html").send().await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 500);
    assert_eq!(
        api.body_text(),
        "<html><body>upstream exploded</body></html>"
    );
    assert_eq!(
        api.headers().get("content-type").unwrap().to_str().unwrap(),
        "text/html"
    );
    assert!(err.to_string().contains("upstream exploded"));

    let err = client.users().get("empty").send().await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 502);
    assert!(api.body().is_empty());
    assert_eq!(api.message(), None);
}

#[tokio::test]
async fn rate_limits_carry_the_reset_time_when_given() {
    let (server, client) = setup().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 30;
    Mock::given(path("/api/v2/users/limited"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-limit", "10")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({"statusCode": 429, "error": "Too Many Requests",
                                      "message": "Global limit has been reached"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/users/limited-no-header"))
        .respond_with(ResponseTemplate::new(429).set_body_string("slow down"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/users/limited-bad-header"))
        .respond_with(ResponseTemplate::new(429).insert_header("x-ratelimit-reset", "soon"))
        .mount(&server)
        .await;

    match client.users().get("limited").send().await.unwrap_err() {
        Error::Http(HttpError::RateLimited {
            reset: Some(at),
            error,
        }) => {
            assert_eq!(at, UNIX_EPOCH + Duration::from_secs(reset));
            assert_eq!(error.message(), Some("Global limit has been reached"));
        }
        other => panic!("expected RateLimited with a reset, got {other:?}"),
    }
    for id in ["limited-no-header", "limited-bad-header"] {
        match client.users().get(id).send().await.unwrap_err() {
            Error::Http(HttpError::RateLimited { reset: None, error }) => {
                assert_eq!(error.status().as_u16(), 429)
            }
            other => panic!("expected RateLimited without a reset, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_names_the_operation_and_json_path() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/odd"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user_id": "auth0|odd", "identities": [{"provider": "auth0", "isSocial": "yes"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/cut"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"user_id\": \"auth0|cu", "application/json"),
        )
        .mount(&server)
        .await;
    match client.users().get("odd").send().await.unwrap_err() {
        Error::Http(HttpError::Decode {
            operation,
            path,
            body,
            ..
        }) => {
            assert_eq!(operation, "users.get");
            assert_eq!(path, "identities[0].isSocial");
            assert!(!body.is_empty());
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(matches!(
        client.users().get("cut").send().await.unwrap_err(),
        Error::Http(HttpError::Decode { .. })
    ));
}

#[tokio::test]
async fn a_success_status_the_document_does_not_list_is_still_a_success() {
    let (server, client) = setup().await;
    // `POST /users` is documented as 201; a 200 means the user was created all the same.
    Mock::given(method("POST"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "auth0|new"})))
        .mount(&server)
        .await;
    let user = client
        .users()
        .create()
        .body(types::CreateUserRequestContent {
            connection: "db".into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_id.as_deref(), Some("auth0|new"));
}

#[test]
fn credentials_in_answers_are_redacted_in_debug_output() {
    let app: types::GetClientResponseContent = auth0_mgmt::from_json(
        br#"{"client_id": "cid-visible", "name": "app", "client_secret": "s3cr3t-value"}"#,
    )
    .unwrap();
    assert_eq!(app.client_secret.as_deref(), Some("s3cr3t-value"), "kept");
    let debug = format!("{app:?}");
    assert!(!debug.contains("s3cr3t-value"), "{debug}");
    assert!(debug.contains("client_secret: Some([redacted])"), "{debug}");
    assert!(debug.contains("cid-visible"), "{debug}");

    let identity: types::UserIdentitySchema =
        auth0_mgmt::from_json(br#"{"provider": "github", "access_token": "gho_abc"}"#).unwrap();
    let debug = format!("{identity:?}");
    assert!(!debug.contains("gho_abc"), "{debug}");
    assert!(debug.contains("refresh_token: None"), "{debug}");
}

#[tokio::test]
async fn debug_output_of_a_decode_error_withholds_the_answer() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/clients"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "client_id": "cid", "client_secret": "s3cr3t-value", "is_first_party": "yes"
        })))
        .mount(&server)
        .await;
    let err = client
        .clients()
        .create()
        .body(auth0_mgmt::types::CreateClientRequestContent {
            name: "app".into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap_err();
    let Error::Http(HttpError::Decode { path, body, .. }) = &err else {
        panic!("expected Decode, got {err:?}")
    };
    assert_eq!(path, "is_first_party");
    assert!(
        String::from_utf8_lossy(body.as_bytes()).contains("s3cr3t-value"),
        "kept"
    );
    let debug = format!("{err:?}");
    assert!(!debug.contains("s3cr3t-value"), "{debug}");
    assert!(debug.contains("bytes, not shown"), "{debug}");
}

#[tokio::test]
async fn a_slow_server_hits_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("t")
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.users().get("slow").send().await.unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Timeout { .. })),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn one_request_can_set_its_own_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"user_id": "slow"}))
                .set_delay(Duration::from_millis(2000)),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("t")
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .users()
        .get("slow")
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Timeout { .. })),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
    // The client's own timeout still holds for the next request.
    let user = client.users().get("slow").send().await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("slow"));
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .token("t")
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.users().get("x").send().await.unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Connection { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn users_import_boundaries_are_random() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/jobs/users-imports"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "job_1"})))
        .mount(&server)
        .await;
    // A file holding the boundaries a fixed sequence would try.
    let hostile: Vec<u8> = (0..2000u32)
        .flat_map(|n| format!("auth0-mgmt-boundary-{n:08x}\n").into_bytes())
        .collect();
    for _ in 0..2 {
        client
            .jobs()
            .users_imports()
            .create()
            .users(hostile.clone(), "users.json")
            .connection_id("con_1")
            .send()
            .await
            .unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    let boundary = |i: usize| {
        requests[i].headers["content-type"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(boundary(0), boundary(1));
    assert!(!boundary(0).contains("boundary-0"));
}

#[tokio::test]
async fn the_users_import_is_a_real_multipart_upload() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/jobs/users-imports"))
        .and(header("authorization", "Bearer test-token"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "job_1", "type": "users_import", "status": "pending",
            "connection_id": "con_1", "created_at": "2026-11-27T00:00:00.000Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let file = br#"[{"email": "ana@example.com"}]"#.to_vec();
    let job = client
        .jobs()
        .users_imports()
        .create()
        .users(file, "users.json")
        .connection_id("con_1")
        .upsert(true)
        .external_id("batch-7")
        .send()
        .await
        .unwrap();
    assert_eq!(job.id.as_deref(), Some("job_1"));
    assert_eq!(job.status.as_deref(), Some("pending"));

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a multipart body");
    // Random: no file can be made to contain it in advance.
    assert_eq!(boundary.len(), "auth0-mgmt-".len() + 32, "{boundary}");
    let body = String::from_utf8(request.body.clone()).unwrap();
    let parts: Vec<&str> = body.split(&format!("--{boundary}")).collect();
    let part = |name: &str| {
        parts
            .iter()
            .find(|p| p.contains(&format!("name=\"{name}\"")))
            .unwrap_or_else(|| panic!("no `{name}` part in {body}"))
            .to_string()
    };
    let users = part("users");
    assert!(users.contains("filename=\"users.json\""));
    assert!(users.contains("Content-Type: application/json"));
    assert!(users.contains(r#"[{"email": "ana@example.com"}]"#));
    assert!(part("connection_id").contains("\r\n\r\ncon_1\r\n"));
    assert!(part("upsert").contains("\r\n\r\ntrue\r\n"));
    assert!(part("external_id").contains("\r\n\r\nbatch-7\r\n"));
    assert!(
        !body.contains("send_completion_email"),
        "unset fields are not sent"
    );
}

#[tokio::test]
async fn a_rate_limited_users_import_is_sent_again() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/jobs/users-imports"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/jobs/users-imports"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "job_2"})))
        .mount(&server)
        .await;
    // A file name with a quote, and a file that holds the first boundary tried.
    let file = b"[] auth0-mgmt-boundary-00000000".to_vec();
    let job = client
        .jobs()
        .users_imports()
        .create()
        .users(file.clone(), "a\"b.json")
        .connection_id("con_1")
        .retry_policy(auth0_mgmt::RetryPolicy::default().max_retries(1))
        .send()
        .await
        .unwrap();
    assert_eq!(job.id.as_deref(), Some("job_2"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body, "the same upload twice");
    let body = String::from_utf8_lossy(&requests[1].body).into_owned();
    assert!(body.contains("filename=\"a%22b.json\""), "{body}");
    let content_type = requests[1].headers["content-type"].to_str().unwrap();
    let boundary = content_type.rsplit("boundary=").next().unwrap();
    assert_eq!(
        body.matches(boundary).count(),
        3,
        "two parts and the end: {body}"
    );
}

#[tokio::test]
async fn the_users_import_needs_a_file_and_a_connection() {
    let (server, client) = setup().await;
    let err = client
        .jobs()
        .users_imports()
        .create()
        .connection_id("con_1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::InvalidRequest { .. })),
        "{err:?}"
    );
    let err = client
        .jobs()
        .users_imports()
        .create()
        .users(b"[]".to_vec(), "u.json")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connection_id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn building_needs_a_domain_and_credentials() {
    assert!(matches!(
        Client::builder("").token("t").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder("tenant.auth0.com").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder("tenant.auth0.com")
            .token("bad\ntoken")
            .build(),
        Err(Error::Config(_))
    ));
    let client = Client::builder("tenant.auth0.com")
        .token("t")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://tenant.auth0.com/api/v2");
}
