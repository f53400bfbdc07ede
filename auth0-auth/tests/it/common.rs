use auth0_auth::Client;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const CLIENT_ID: &str = "cid_123";
pub const CLIENT_SECRET: &str = "csecret_456";

pub async fn server() -> MockServer {
    MockServer::start().await
}

/// A confidential client (secret in the body) talking to `server`.
pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .build()
        .unwrap()
}

/// The tenant's base URL as the client sees it (`http://127.0.0.1:PORT/`).
pub fn issuer(server: &MockServer) -> String {
    format!("{}/", server.uri())
}

/// Answers `verb path` with `status` and a JSON body.
pub async fn answer(server: &MockServer, verb: &str, at: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// The one request the server received.
pub async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Checks method, path and that the body is exactly this form: the same parameters, each as
/// many times as expected (a parameter sent twice fails), in any order.
pub fn assert_form(request: &Request, verb: &str, at: &str, expected: &[(&str, &str)]) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), at);
    assert_eq!(
        header(request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let mut got: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    want.sort();
    assert_eq!(got, want, "form body of {verb} {at}");
}

/// Checks method, path and that the body is exactly this JSON.
pub fn assert_json(request: &Request, verb: &str, at: &str, expected: Value) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), at);
    assert_eq!(header(request, "content-type"), Some("application/json"));
    let got: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(got, expected, "JSON body of {verb} {at}");
}

/// Checks method and path of a request without a body.
pub fn assert_bodyless(request: &Request, verb: &str, at: &str) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), at);
    assert!(request.body.is_empty());
    assert_eq!(header(request, "content-type"), None);
}

pub fn token_answer() -> Value {
    serde_json::json!({
        "access_token": "at_1",
        "token_type": "Bearer",
        "expires_in": 86400,
        "scope": "read:things",
    })
}

/// The request a plain client makes with `form` as its body.
async fn posted_form(form: &'static str) -> Request {
    let server = server().await;
    answer(&server, "POST", "/form", 200, Value::Null).await;
    reqwest::Client::new()
        .post(format!("{}/form", server.uri()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    only_request(&server).await
}

#[tokio::test]
async fn assert_form_takes_the_parameters_in_any_order() {
    let request = posted_form("b=2&a=1&a=0").await;
    assert_form(
        &request,
        "POST",
        "/form",
        &[("a", "0"), ("a", "1"), ("b", "2")],
    );
}

#[tokio::test]
#[should_panic(expected = "form body of POST /form")]
async fn assert_form_sees_a_parameter_sent_twice() {
    let request = posted_form("a=1&b=2&a=1").await;
    assert_form(&request, "POST", "/form", &[("a", "1"), ("b", "2")]);
}
