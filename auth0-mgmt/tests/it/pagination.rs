//! `.pages()` and `.items()` against a local server: offset and checkpoint pagination, the
//! last page, errors mid-way, rate limits on the way.

use std::time::Duration;

use auth0_mgmt::{Client, Error, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn users(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| json!({"user_id": format!("auth0|{i}"), "email": format!("u{i}@example.com")}))
        .collect()
}

async fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .token("t")
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .build()
        .unwrap()
}

async fn page_of_users(server: &MockServer, page: usize, items: Vec<Value>, total: usize) {
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("page", page.to_string().as_str()))
        .and(query_param("per_page", "2"))
        .and(query_param("include_totals", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "start": page * 2, "limit": 2, "length": items.len(), "total": total, "users": items
        })))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn offset_items_walk_every_page_and_stop_at_the_total() {
    let server = MockServer::start().await;
    page_of_users(&server, 0, users(0..2), 5).await;
    page_of_users(&server, 1, users(2..4), 5).await;
    page_of_users(&server, 2, users(4..5), 5).await;
    let client = client(&server).await;
    let all: Vec<_> = client
        .users()
        .list()
        .per_page(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().filter_map(|u| u.user_id.as_deref()).collect();
    assert_eq!(ids, ["auth0|0", "auth0|1", "auth0|2", "auth0|3", "auth0|4"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_full_last_page_ends_the_walk_when_the_total_is_reached() {
    let server = MockServer::start().await;
    page_of_users(&server, 0, users(0..2), 4).await;
    page_of_users(&server, 1, users(2..4), 4).await;
    let client = client(&server).await;
    let pages: Vec<_> = client
        .users()
        .list()
        .per_page(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].total, Some(4));
    // No third request: the total says there is nothing more.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn plain_list_answers_stop_at_a_short_page() {
    let server = MockServer::start().await;
    // A server that ignores include_totals and answers plain arrays.
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .and(query_param("page", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "rol_1", "name": "a"}, {"id": "rol_2", "name": "b"}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": "rol_3", "name": "c"}])),
        )
        .mount(&server)
        .await;
    let client = client(&server).await;
    let roles: Vec<_> = client
        .roles()
        .list()
        .per_page(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(roles.len(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn checkpoint_items_follow_next_until_it_is_gone() {
    let server = MockServer::start().await;
    let base = "/api/v2/users/auth0%7C1/connected-accounts";
    Mock::given(method("GET"))
        .and(path(base))
        .and(query_param_is_missing("from"))
        .and(query_param("take", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "connected_accounts": [{"id": "ca_1"}, {"id": "ca_2"}], "next": "cp-2"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(base))
        .and(query_param("from", "cp-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "connected_accounts": [{"id": "ca_3"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server).await;
    let accounts: Vec<_> = client
        .users()
        .connected_accounts()
        .list("auth0|1")
        .take(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = accounts.iter().filter_map(|a| a.id.as_deref()).collect();
    assert_eq!(ids, ["ca_1", "ca_2", "ca_3"]);
}

#[tokio::test]
async fn where_both_exist_items_walk_by_checkpoint_past_a_thousand_records() {
    // Role users: offset paging stops at the 1,000th record, checkpoints do not. `.items()`
    // follows `next`, with `per_page` as the page size and no `page` or `per_page` sent.
    let server = MockServer::start().await;
    let base = "/api/v2/roles/rol_1/users";
    let users = |from: usize, n: usize| -> Vec<Value> {
        (from..from + n)
            .map(|i| json!({"user_id": format!("auth0|{i}")}))
            .collect()
    };
    Mock::given(method("GET"))
        .and(path(base))
        .and(query_param_is_missing("from"))
        .and(query_param_is_missing("page"))
        .and(query_param_is_missing("per_page"))
        .and(query_param("take", "600"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"users": users(0, 600), "next": "cp-600"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(base))
        .and(query_param("from", "cp-600"))
        .and(query_param("take", "600"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"users": users(600, 600), "next": "cp-1200"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(base))
        .and(query_param("from", "cp-1200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": users(1200, 3)})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server).await;
    let all: Vec<_> = client
        .roles()
        .users()
        .list("rol_1")
        .per_page(600)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1203);
    assert_eq!(all[1202].user_id.as_deref(), Some("auth0|1202"));
}

#[tokio::test]
async fn where_both_exist_pages_and_a_page_set_walk_by_offset() {
    let server = MockServer::start().await;
    let base = "/api/v2/roles/rol_1/users";
    for (page, ids) in [(2, vec!["auth0|a", "auth0|b"]), (3, vec!["auth0|c"])] {
        let users: Vec<Value> = ids.iter().map(|id| json!({"user_id": id})).collect();
        Mock::given(method("GET"))
            .and(path(base))
            .and(query_param("page", page.to_string()))
            .and(query_param("per_page", "2"))
            .and(query_param_is_missing("from"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "users": users, "start": page * 2, "limit": 2, "total": 7
            })))
            .mount(&server)
            .await;
    }
    let client = client(&server).await;
    let request = client.roles().users().list("rol_1").per_page(2).page(2);
    let by_items: Vec<_> = request.clone().items().try_collect().await.unwrap();
    let pages: Vec<_> = request.pages().try_collect().await.unwrap();
    assert_eq!(by_items.len(), 3);
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].items.len(), 2);
}

#[tokio::test]
async fn checkpoints_that_come_back_or_are_empty_end_the_walk() {
    let server = MockServer::start().await;
    let base = "/api/v2/users/auth0%7C1/connected-accounts";
    for (from, id, next) in [(None, "ca_1", "cp-b"), (Some("cp-b"), "ca_2", "cp-a")] {
        let mock = Mock::given(method("GET")).and(path(base));
        let mock = match from {
            Some(f) => mock.and(query_param("from", f)),
            None => mock.and(query_param_is_missing("from")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "connected_accounts": [{"id": id}], "next": next
        })))
        .mount(&server)
        .await;
    }
    // `cp-a` leads back to `cp-b`, already visited.
    Mock::given(method("GET"))
        .and(path(base))
        .and(query_param("from", "cp-a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "connected_accounts": [{"id": "ca_3"}], "next": "cp-b"
        })))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let walk = |from: Option<&str>| {
        let request = client.users().connected_accounts().list("auth0|1");
        let request = match from {
            Some(f) => request.from(f),
            None => request,
        };
        request.items().try_collect::<Vec<_>>()
    };
    assert_eq!(walk(None).await.unwrap().len(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // An empty `next` is no next page.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(base))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "connected_accounts": [{"id": "ca_1"}], "next": ""
        })))
        .mount(&server)
        .await;
    assert_eq!(walk(Some("x")).await.unwrap().len(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_error_mid_way_is_yielded_after_the_items_before_it_and_ends_the_stream() {
    let server = MockServer::start().await;
    page_of_users(&server, 0, users(0..2), 10).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let results: Vec<Result<_, Error>> = client.users().list().per_page(2).items().collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.api().unwrap().body_text(), "<html>oops</html>");
}

#[tokio::test]
async fn a_rate_limited_page_is_retried_and_the_walk_goes_on() {
    let server = MockServer::start().await;
    page_of_users(&server, 0, users(0..2), 3).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    page_of_users(&server, 1, users(2..3), 3).await;
    let client = client(&server).await;
    let all: Vec<_> = client
        .users()
        .list()
        .per_page(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_server_repeating_one_full_page_ends_the_walk_with_an_error() {
    let server = MockServer::start().await;
    // Every page is the same full page, without a total.
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(users(0..2))))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let results: Vec<_> = client.users().list().per_page(2).pages().collect().await;
    assert_eq!(results.len(), 2, "one page, then the error");
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(Error::Paging(m)) if m.contains("repeats")),
        "{:?}",
        results[1]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_last_page_number_does_not_overflow() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "start": 0, "limit": 2, "length": 2, "total": 10, "users": users(0..2)
        })))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let results: Vec<_> = client
        .users()
        .list()
        .page(i64::MAX)
        .per_page(2)
        .include_totals(true)
        .pages()
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_ok());
}

#[tokio::test]
async fn send_page_gives_the_items_whatever_shape_the_answer_takes() {
    let (server, client) = crate::common::setup().await;
    let user = |id: &str| json!({"user_id": id, "email": format!("{id}@example.com")});
    // A page object with its total, when totals are asked for.
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("include_totals", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "start": 0, "limit": 2, "length": 2, "total": 7,
            "users": [user("a"), user("b")]
        })))
        .mount(&server)
        .await;
    // A bare list otherwise.
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user("c")])))
        .mount(&server)
        .await;
    let page = client
        .users()
        .list()
        .include_totals(true)
        .send_page()
        .await
        .unwrap();
    let ids: Vec<_> = page
        .items
        .iter()
        .map(|u| u.user_id.clone().unwrap())
        .collect();
    assert_eq!(
        (ids, page.total),
        (vec!["a".to_owned(), "b".to_owned()], Some(7))
    );

    let page = client.users().list().send_page().await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].user_id.as_deref(), Some("c"));
    assert_eq!(page.total, None);

    // An answer of a shape no variant documents is an error that keeps it.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("not a list")))
        .mount(&server)
        .await;
    let err = client.roles().list().send_page().await.unwrap_err();
    assert!(
        matches!(err, auth0_mgmt::Error::UnexpectedAnswer { .. }),
        "{err:?}"
    );
}
