//! The few HTML pages: the login form, error pages, the `form_post` answer and the logout
//! page. Every value written into them is escaped.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `text` with the characters HTML gives a meaning escaped, for element content and quoted
/// attribute values alike.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page; `title` is escaped here, `body` must be escaped already.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>{}</title></head>\n<body>\n{body}\n</body>\n</html>\n",
        escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Like Auth0's pages, never shown in another site's frame.
    headers.insert("x-frame-options", HeaderValue::from_static("deny"));
    response
}

/// An error page: what `/authorize` and the logout endpoints answer when they cannot send
/// the browser back (unknown client, a URL not registered).
pub(crate) fn error_page(status: StatusCode, code: &str, description: &str) -> Response {
    let body = format!(
        "<main>\n<h1>Something went wrong</h1>\n<p id=\"error\">{}</p>\n\
         <p id=\"error_description\">{}</p>\n</main>",
        escape(code),
        escape(description)
    );
    page(status, "Error", &body)
}

/// What the login page shows besides the form.
pub(crate) struct LoginPage<'a> {
    /// The transaction's id: the form's hidden `state`.
    pub(crate) state: &'a str,
    pub(crate) application: &'a str,
    /// The organization's display name, when logging in to one.
    pub(crate) organization: Option<&'a str>,
    /// What the username field holds: the login hint, the invited address or what was typed.
    pub(crate) username: &'a str,
    /// Why the last attempt failed.
    pub(crate) error: Option<&'a str>,
    /// An invitation: someone new may choose a password here.
    pub(crate) invitation: bool,
}

/// The login page: a form POSTing `state`, `username` and `password` to `/u/login`.
pub(crate) fn login_page(status: StatusCode, p: &LoginPage<'_>) -> Response {
    let mut body = String::from("<main>\n<h1>Log in</h1>\n");
    body.push_str(&format!(
        "<p>Log in to continue to {}.</p>\n",
        escape(p.application)
    ));
    if let Some(org) = p.organization {
        body.push_str(&format!(
            "<p id=\"organization\">Organization: {}</p>\n",
            escape(org)
        ));
    }
    if p.invitation {
        body.push_str(
            "<p id=\"invitation\">You were invited. Log in, or choose a password to sign \
             up.</p>\n",
        );
    }
    if let Some(error) = p.error {
        body.push_str(&format!(
            "<p id=\"error\" role=\"alert\">{}</p>\n",
            escape(error)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/u/login\">\n\
         <input type=\"hidden\" name=\"state\" value=\"{}\">\n\
         <label>Email address <input name=\"username\" value=\"{}\" type=\"text\" \
         inputmode=\"email\" autocomplete=\"username\" required autofocus></label>\n\
         <label>Password <input name=\"password\" type=\"password\" \
         autocomplete=\"current-password\" required></label>\n\
         <button type=\"submit\">Continue</button>\n</form>\n</main>",
        escape(p.state),
        escape(p.username)
    ));
    page(status, &format!("Log in | {}", p.application), &body)
}

/// The `form_post` answer: a page that POSTs `params` to `action` as soon as it loads (a
/// button does it without scripts).
pub(crate) fn form_post(action: &str, params: &[(&str, String)]) -> Response {
    let mut body = format!("<form method=\"post\" action=\"{}\">\n", escape(action));
    for (name, value) in params {
        body.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            escape(name),
            escape(value)
        ));
    }
    body.push_str(
        "<noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n\
         <script>document.forms[0].submit();</script>",
    );
    page(StatusCode::OK, "Submit This Form", &body)
}

/// What the logout endpoints show when there is nowhere to send the browser.
pub(crate) fn logged_out_page() -> Response {
    page(
        StatusCode::OK,
        "Logged out",
        "<main>\n<h1>You are logged out.</h1>\n</main>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_gives_a_meaning() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("plain text"), "plain text");
    }
}
