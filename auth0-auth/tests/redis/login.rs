//! A user's login at the stand-in as a browser makes it, for the tests and benches of a web
//! app: the login route, the login page, its form, the callback.

/// `name=value` of each `Set-Cookie` whose name starts with `name` and that sets a value.
pub fn cookies(response: &reqwest::Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(name) && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .collect()
}

/// Logs `email` in at the app `app` served by the stand-in `tenant`, and returns the
/// `Cookie` value of the session.
pub async fn log_in(app: &str, tenant: &str, email: &str, password: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http.get(format!("{app}/auth/login")).send().await.unwrap();
    let transaction = cookies(&login, "auth0_txn.")
        .into_iter()
        .next()
        .expect("a transaction cookie");
    let authorize = login.headers()["location"].to_str().unwrap().to_owned();
    let page = http
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let state = page
        .split("name=\"state\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login form's state")
        .to_owned();
    let submitted = http
        .post(format!("{tenant}/u/login"))
        .form(&[
            ("state", state.as_str()),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let callback = submitted.headers()["location"].to_str().unwrap().to_owned();
    let done = http
        .get(&callback)
        .header("cookie", transaction)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 302, "the callback completes the login");
    let mut session = cookies(&done, "appSession");
    assert!(!session.is_empty(), "a session cookie");
    session.sort();
    session.join("; ")
}
