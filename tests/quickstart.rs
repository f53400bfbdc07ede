//! The quickstart's steps against the local stand-in tenant.

#![cfg(all(feature = "verify", feature = "auth", feature = "mgmt"))]

#[path = "../examples/quickstart/flow.rs"]
mod flow;

use std::error::Error;

#[tokio::test]
async fn the_quickstart_runs_against_the_standin() {
    let standin = auth0_standin::Standin::start().await.unwrap();
    let before = standin.user_count();
    let mut lines = Vec::new();
    let outcome = flow::run(&flow::Tenant::standin(&standin), &mut |l| lines.push(l))
        .await
        .unwrap_or_else(|e| panic!("the quickstart failed: {e}\n{}", lines.join("\n")));

    assert!(outcome.user_id.starts_with("auth0|"));
    assert!(outcome.listed, "the new user was listed");
    assert!(outcome.pages >= 2, "several pages: {}", outcome.pages);
    assert_eq!(outcome.roles.as_deref(), Some(&["admin".to_string()][..]));
    assert_eq!(outcome.id_token_subject, outcome.user_id);
    assert!(
        outcome
            .userinfo_email
            .as_deref()
            .is_some_and(|e| e.starts_with("quickstart-"))
    );
    let connections = outcome.connections.expect("the connections were listed");
    assert!(
        connections.iter().any(|c| c == auth0_standin::CONNECTION),
        "{connections:?}"
    );
    let renamed = outcome.renamed.expect("the connection was renamed");
    assert!(renamed.starts_with("Quickstart "), "{renamed}");
    let (members, left) = outcome.members.expect("the members were managed");
    assert_eq!(members.len(), 1, "{members:?}");
    assert!(members[0].starts_with("auth0|"), "{members:?}");
    assert_eq!(left, 0);
    // The users are gone again, and so is the organization; the connection has its old name.
    assert_eq!(standin.user_count(), before);
    let text = lines.join("\n");
    let before = text
        .split_once("display_name ")
        .and_then(|(_, rest)| rest.split_once(" -> "))
        .map(|(before, _)| before)
        .expect("the rename line");
    assert!(
        text.contains(&format!("put back: display_name {before}\n")),
        "{text}"
    );

    for step in 1..=11 {
        assert!(
            text.contains(&format!("\n{step}. ")),
            "step {step} in:\n{text}"
        );
    }
    assert!(text.contains("<- the new user"), "{text}");
    assert!(text.contains("reading it again answers 404"), "{text}");
}

#[tokio::test]
async fn a_wrong_client_secret_stops_at_the_first_step_with_a_clear_message() {
    let standin = auth0_standin::Standin::start().await.unwrap();
    let mut tenant = flow::Tenant::standin(&standin);
    tenant.client_secret = "not-the-secret".into();
    let before = standin.user_count();
    let err = flow::run(&tenant, &mut |_| {}).await.unwrap_err();
    assert!(err.step.starts_with("1. "), "{err}");
    assert!(err.hint.is_some());
    let text = err.to_string();
    assert!(text.contains("Unauthorized"), "{text}");
    assert!(
        !text.contains("not-the-secret"),
        "the secret is not shown: {text}"
    );
    // The Display is whole; source() goes on below it.
    let _ = err.source();
    assert_eq!(standin.user_count(), before);
}

#[tokio::test]
async fn a_step_failing_after_the_user_was_created_still_deletes_it() {
    let standin = auth0_standin::Standin::start().await.unwrap();
    standin.allow_password_grant(false);
    let before = standin.user_count();
    let mut lines = Vec::new();
    let err = flow::run(&flow::Tenant::standin(&standin), &mut |l| lines.push(l))
        .await
        .unwrap_err();
    assert!(err.step.starts_with("5. "), "{err}");
    let text = err.to_string();
    assert!(text.contains("not allowed for the client"), "{text}");
    assert!(text.contains("hint: "), "{text}");
    assert!(lines.join("\n").contains("reading it again answers 404"));
    assert_eq!(standin.user_count(), before);
}

#[tokio::test]
async fn an_unknown_connection_stops_at_the_create_step() {
    let standin = auth0_standin::Standin::start().await.unwrap();
    let mut tenant = flow::Tenant::standin(&standin);
    tenant.connection = "no-such-connection".into();
    let before = standin.user_count();
    let err = flow::run(&tenant, &mut |_| {}).await.unwrap_err();
    assert!(err.step.starts_with("2. "), "{err}");
    assert!(err.to_string().contains("connection"), "{err}");
    assert_eq!(standin.user_count(), before);
}
