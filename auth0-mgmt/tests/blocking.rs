//! The blocking client against the stand-in tenant: plain `#[test]`s with no runtime of their
//! own (the stand-in is served by one the test makes), and calls from inside tokio runtimes.

use auth0_mgmt::blocking::Client;
use auth0_standin::{Standin, User};

/// A stand-in with three users besides its own two, served by a runtime of its own (dropped after it).
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
                .user(User::new("bo@example.com", "Passw0rd!").id("auth0|bo"))
                .user(User::new("cy@example.com", "Passw0rd!").id("auth0|cy"))
                .start(),
        )
        .unwrap();
    Tenant {
        standin,
        _runtime: runtime,
    }
}

fn client(tenant: &Tenant) -> Client {
    auth0_mgmt::Client::builder(tenant.standin.url())
        .client_credentials(auth0_standin::CLIENT_ID, auth0_standin::CLIENT_SECRET)
        .build_blocking()
        .unwrap()
}

#[test]
fn gets_lists_and_walks_users_without_a_runtime() {
    let tenant = tenant();
    let mgmt = client(&tenant);
    // The first call fetches a client-credentials token, then reads the user.
    let user = mgmt.users().get("auth0|bo").send().unwrap();
    assert_eq!(user.email.as_deref(), Some("bo@example.com"));

    let answer = mgmt.users().get("auth0|ana").send_with_response().unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.body().user_id.as_deref(), Some("auth0|ana"));

    let page = mgmt
        .users()
        .list()
        .per_page(2)
        .include_totals(true)
        .send_page()
        .unwrap();
    assert_eq!((page.items.len(), page.total), (2, Some(5)));

    // Pages of two: the iterator fetches each when it gets there.
    let pages: Vec<_> = mgmt
        .users()
        .list()
        .per_page(2)
        .pages()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    let ids: Vec<String> = mgmt
        .users()
        .list()
        .per_page(2)
        .items()
        .map(|u| u.unwrap().user_id.unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    for id in ["auth0|ana", "auth0|bo", "auth0|cy"] {
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }

    // A clone shares the runtime and the token; the original dropped, it still works.
    let clone = mgmt.clone();
    drop(mgmt);
    let user = clone.users().get("auth0|cy").send().unwrap();
    assert_eq!(user.email.as_deref(), Some("cy@example.com"));
}

#[test]
fn an_error_answer_is_a_typed_error() {
    let tenant = tenant();
    let mgmt = client(&tenant);
    let err = mgmt.users().get("auth0|nobody").send().unwrap_err();
    assert!(
        matches!(err, auth0_mgmt::Error::Http(auth0_mgmt::HttpError::Api(_))),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(reqwest::StatusCode::NOT_FOUND));

    // A path value that cannot be one is refused before any request.
    let err = mgmt.users().get("..").send().unwrap_err();
    assert!(
        matches!(
            err,
            auth0_mgmt::Error::Http(auth0_mgmt::HttpError::InvalidRequest { .. })
        ),
        "{err:?}"
    );

    // Wrong credentials: the token request's refusal, not a panic.
    let wrong = auth0_mgmt::Client::builder(tenant.standin.url())
        .client_credentials(auth0_standin::CLIENT_ID, "not-the-secret")
        .build_blocking()
        .unwrap();
    assert!(wrong.users().get("auth0|ana").send().is_err());
}

/// From inside a current-thread runtime (the attribute's default): the call blocks the test's
/// one thread, so the stand-in is served by its own runtime; the client is made, used and
/// dropped in async code without a panic.
#[tokio::test]
async fn works_and_drops_inside_a_current_thread_runtime() {
    let tenant = std::thread::spawn(tenant).join().unwrap();
    let mgmt = client(&tenant);
    let user = mgmt.users().get("auth0|ana").send().unwrap();
    assert_eq!(user.email.as_deref(), Some("ana@example.com"));
    let n = mgmt.users().list().items().count();
    assert_eq!(n, 5);
    drop(mgmt);
    // The tenant's runtime is dropped on a plain thread: tokio refuses that in async code.
    std::thread::spawn(move || drop(tenant)).join().unwrap();
}

/// From a worker of a multi-thread runtime that also serves the stand-in: the other worker
/// serves it while this one is blocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_worker_of_the_runtime_serving_the_tenant() {
    let standin = Standin::builder()
        .user(User::new("ana@example.com", "Passw0rd!").id("auth0|ana"))
        .start()
        .await
        .unwrap();
    let mgmt = auth0_mgmt::Client::builder(standin.url())
        .client_credentials(auth0_standin::CLIENT_ID, auth0_standin::CLIENT_SECRET)
        .build_blocking()
        .unwrap();
    let user = mgmt.users().get("auth0|ana").send().unwrap();
    assert_eq!(user.user_id.as_deref(), Some("auth0|ana"));
}

/// Under another executor (`futures`'s, which refuses to be nested in itself) and from several
/// threads at once.
#[test]
fn works_under_another_executor_and_from_several_threads() {
    let tenant = tenant();
    let mgmt = client(&tenant);
    let email =
        futures::executor::block_on(async { mgmt.users().get("auth0|ana").send().unwrap().email });
    assert_eq!(email.as_deref(), Some("ana@example.com"));

    std::thread::scope(|s| {
        let calls: Vec<_> = ["auth0|ana", "auth0|bo", "auth0|cy"]
            .into_iter()
            .map(|id| {
                let mgmt = &mgmt;
                s.spawn(move || mgmt.users().get(id).send().unwrap().user_id)
            })
            .collect();
        for (call, id) in calls.into_iter().zip(["auth0|ana", "auth0|bo", "auth0|cy"]) {
            assert_eq!(call.join().unwrap().as_deref(), Some(id));
        }
    });
}
