//! The parts of the clients' errors they share: the error answer, its body, decode errors
//! that quote no value, text safe to log.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::secret::MfaToken;
use crate::secret_names::{is_link_name, is_secret_name};

/// Marks the headers that carry credentials as sensitive, so that `Debug` of the map prints
/// `Sensitive` for them: `Set-Cookie`, `Cookie`, `Authorization`, `Proxy-Authorization`,
/// `DPoP`, and any header whose name is a secret's (`X-Api-Key`, `X-Access-Token`).
pub fn mark_sensitive(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        if is_credential_header(name.as_str()) {
            value.set_sensitive(true);
        }
    }
}

fn is_credential_header(name: &str) -> bool {
    matches!(
        name,
        "set-cookie" | "cookie" | "authorization" | "proxy-authorization" | "dpop"
    ) || is_secret_name(name)
}

/// Text from a server, made safe to print on one log line: control characters (newlines,
/// escape sequences) are written as escapes (`\n`, `\u{1b}`).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A response body, kept whatever its form (JSON, HTML, text, empty).
///
/// `Debug` and [`redacted`](Body::redacted) replace the values of secret JSON members
/// (`access_token`, `mfa_token`, `client_secret`, …) with `[redacted]`;
/// [`as_bytes`](Body::as_bytes) gives the body unchanged.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Body(Bytes);

impl Body {
    /// Wraps a body.
    pub fn new(bytes: Bytes) -> Self {
        Body(bytes)
    }

    /// The body as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The body as received, as shared bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }

    /// The body's length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The body as text, as received (lossy for non-UTF-8 bodies). It may hold secrets.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// The body as text, with secret JSON members replaced by `[redacted]`. A body that is
    /// not JSON is returned as text, as received, unless it names a secret member (a cut-off
    /// token answer, say): then only its length is told.
    pub fn redacted(&self) -> String {
        match serde_json::from_slice::<Value>(&self.0) {
            Ok(mut v) => {
                redact(&mut v);
                v.to_string()
            }
            Err(_) => {
                let text = self.text();
                if names_a_secret(&text) {
                    format!(
                        "[{} bytes, not JSON, withheld: they name a secret]",
                        self.0.len()
                    )
                } else {
                    text
                }
            }
        }
    }
}

/// Whether a text that is not JSON holds a quoted member name that is a secret's.
fn names_a_secret(text: &str) -> bool {
    text.split('"')
        .skip(1)
        .step_by(2)
        .any(|quoted| quoted.len() < 64 && is_secret_name(quoted))
}

/// Replaces the values of secret members, at any depth, with `"[redacted]"`, and cuts the
/// query of links ([`is_link_name`], [`redact_link`](crate::redact_link)).
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_name(k) && !v.is_null() {
                    *v = Value::String("[redacted]".to_owned());
                } else if let (true, Value::String(link)) = (is_link_name(k), &mut *v) {
                    if let std::borrow::Cow::Owned(cut) = crate::redact_link(link) {
                        *link = cut;
                    }
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// A body's length printed in its place (`[42 bytes, not shown]`), for `Debug` output of
/// success bodies that may carry secrets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Withheld(pub usize);

impl fmt::Debug for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} bytes, not shown]", self.0)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body(bytes)
    }
}

/// An error answer from an Auth0 API, with everything the server said (its body up to a
/// bounded prefix).
#[derive(Clone, Debug)]
pub struct ApiError {
    operation: &'static str,
    status: StatusCode,
    error: Option<String>,
    error_code: Option<String>,
    message: Option<String>,
    mfa_token: Option<MfaToken>,
    body: Body,
    headers: HeaderMap,
    /// What the client that received the answer knows of its cause.
    hint: Option<Box<str>>,
}

fn text_member(object: &serde_json::Map<String, Value>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| object.get(*n).and_then(Value::as_str).map(str::to_owned))
}

impl ApiError {
    /// Reads an error answer: Auth0's `error` (or a database connection's `name`), its
    /// `errorCode` / `error_code` / `code`, its `error_description` / `message` /
    /// `description`, and an `mfa_token`. Credential headers are marked sensitive.
    pub fn new(
        operation: &'static str,
        status: StatusCode,
        mut headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        mark_sensitive(&mut headers);
        let parsed = serde_json::from_slice::<Value>(&body).ok();
        let object = parsed.as_ref().and_then(Value::as_object);
        let (error, error_code, message, mfa_token) = match object {
            Some(o) => (
                text_member(o, &["error", "name"]),
                text_member(o, &["errorCode", "error_code", "code"]),
                text_member(o, &["error_description", "message", "description"]),
                text_member(o, &["mfa_token"]).map(MfaToken::new),
            ),
            None => (None, None, None, None),
        };
        ApiError {
            operation,
            status,
            error,
            error_code,
            message,
            mfa_token,
            body: Body::new(body),
            headers,
            hint: None,
        }
    }

    /// Adds what the client that received the answer knows of its cause (a 403's missing
    /// scopes, say), printed after Auth0's message in place of any general hint.
    pub fn set_hint(&mut self, hint: impl Into<String>) {
        self.hint = Some(hint.into().into_boxed_str());
    }

    /// What to check, where the cause of the answer is known (the application's credentials
    /// on a 401 from `oauth/token`, the scopes an operation accepts on a 403 from the
    /// Management API).
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref().or_else(|| self.known_hint())
    }

    /// The operation that failed (e.g. `oauth/token`, `get_users_by_id`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Auth0's `error` (e.g. `invalid_grant`, `Not Found`); for database-connection answers,
    /// their `name` (e.g. `PasswordStrengthError`).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Auth0's `errorCode`, `error_code` or `code` (e.g. `inexistent_user`).
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }

    /// Auth0's `error_description`, `message` or textual `description`.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The same as [`message`](Self::message), by its OAuth name.
    pub fn error_description(&self) -> Option<&str> {
        self.message()
    }

    /// The `mfa_token` of an `mfa_required` answer.
    pub fn mfa_token(&self) -> Option<&MfaToken> {
        self.mfa_token.as_ref()
    }

    /// The body (a bounded prefix of a long one).
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The body as text, as received (lossy for non-UTF-8 bodies). It may hold secrets.
    pub fn body_text(&self) -> String {
        self.body.text()
    }

    /// The response headers (credential headers marked sensitive).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// When a rate limit resets (`X-RateLimit-Reset`), if the answer said.
    pub fn rate_limit_reset(&self) -> Option<std::time::SystemTime> {
        crate::retry::rate_limit_reset(&self.headers)
    }

    /// The rate-limit state the answer reported, if any.
    pub fn rate_limit(&self) -> Option<crate::RateLimit> {
        crate::RateLimit::from_headers(&self.headers)
    }
}

impl fmt::Display for ApiError {
    /// `users.get answered 404 Not Found (inexistent_user): The user does not exist.`: the
    /// status once (Auth0's `error` is left out when it only repeats the status's reason),
    /// Auth0's codes, its message, and a hint where the cause is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered {}", self.operation, self.status)?;
        let reason = self.status.canonical_reason();
        let repeats_status = |text: &str| reason.is_some_and(|r| r.eq_ignore_ascii_case(text));
        let error = self
            .error
            .as_deref()
            .filter(|e| !repeats_status(e))
            .map(printable);
        let code = self.error_code.as_deref().map(printable);
        match (&error, &code) {
            (Some(e), Some(c)) if e != c => write!(f, " ({e}, {c})")?,
            (Some(e), _) => write!(f, " ({e})")?,
            (None, Some(c)) => write!(f, " ({c})")?,
            (None, None) => {}
        }
        match &self.message {
            Some(m) if !repeats_status(m) => write!(f, ": {}", printable(m))?,
            Some(_) => {}
            None if self.error.is_none() && !self.body.is_empty() => {
                let text: String = self.body.redacted().chars().take(200).collect();
                write!(f, ": {}", printable(&text))?;
            }
            None => {}
        }
        if let Some(hint) = self.hint() {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// What to check, where the status and Auth0's code tell the cause.
    fn known_hint(&self) -> Option<&'static str> {
        let token_endpoint = self.operation == "oauth/token";
        let refused_client = matches!(
            self.error.as_deref(),
            Some("access_denied" | "invalid_client" | "unauthorized_client")
        );
        (token_endpoint && self.status == StatusCode::UNAUTHORIZED && refused_client).then_some(
            "the application's credentials were refused: check the client id and the client \
             secret (or the key of the client assertion) and that the application is allowed \
             this grant",
        )
    }
}

/// A body that does not match its type, described without quoting any value of it: serde's
/// message with the values it quotes left out (`invalid type: string, expected u64`), and the
/// position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeDetails>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct DecodeDetails {
    message: String,
    path: Option<String>,
    line: usize,
    column: usize,
}

impl DecodeError {
    /// Describes a serde_json error met decoding `body`, with the JSON path where it was met
    /// and without the values it quotes.
    pub fn in_body(body: &[u8], error: &serde_json::Error) -> Self {
        let mut e = DecodeError::from_serde(error);
        e.0.path = Some(crate::json_path::at_error(body, error));
        e
    }

    /// Describes a serde_json error without the values it quotes.
    pub fn from_serde(error: &serde_json::Error) -> Self {
        let text = error.to_string();
        // serde_json adds " at line L column C" when it knows the position.
        let message = match text.rfind(" at line ") {
            Some(at) if error.line() > 0 => &text[..at],
            _ => text.as_str(),
        };
        DecodeError(Box::new(DecodeDetails {
            message: without_values(message),
            path: None,
            line: error.line(),
            column: error.column(),
        }))
    }

    /// What did not match.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The JSON path of the mismatch (`identities[0].isSocial`, `.` for the whole body), when
    /// the body was at hand.
    pub fn path(&self) -> Option<&str> {
        self.0.path.as_deref()
    }

    /// The line of the mismatch (1-based; 0 when unknown).
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// The column of the mismatch (1-based; 0 when unknown).
    pub fn column(&self) -> usize {
        self.0.column
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)?;
        if self.0.line > 0 {
            write!(f, " at line {} column {}", self.0.line, self.0.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

impl From<serde_json::Error> for DecodeError {
    fn from(error: serde_json::Error) -> Self {
        DecodeError::from_serde(&error)
    }
}

/// Decodes a JSON body, checking UTF-8 once for the whole body rather than once per string. A
/// mismatch is described by [`DecodeError::in_body`]. (Only the text decoder is instantiated
/// for each type: a second one would cost build time for the rare body that is not UTF-8.)
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text).map_err(|e| DecodeError::in_body(body, &e)),
        Err(e) => Err(DecodeError(Box::new(DecodeDetails {
            message: format!("the body is not UTF-8 (from byte {})", e.valid_up_to()),
            path: None,
            line: 0,
            column: 0,
        }))),
    }
}

/// serde's message without the values it quotes: what comes before `, expected` is the
/// value's part (`invalid type: string "hunter2"`, ``unknown variant `x` ``), where quoted
/// text is left out, except a field's name (``missing field `email` ``); what comes after
/// names the type's expectations and is kept.
fn without_values(message: &str) -> String {
    let (head, tail) = match message.find(", expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = head;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[start] as char;
        let before = &rest[..start];
        let after = &rest[start + 1..];
        let end = match quote {
            // serde quotes a string with Rust's escapes; a `"` inside is `\"`.
            '"' => find_closing_quote(after),
            _ => after.find('`'),
        };
        let Some(end) = end else {
            // An unclosed quote: the rest may be a value.
            out.push_str(before.trim_end());
            rest = "";
            break;
        };
        let quoted = &after[..end];
        if before.ends_with("field ") && quote == '`' {
            out.push_str(before);
            out.push('`');
            out.push_str(quoted);
            out.push('`');
        } else {
            out.push_str(before.trim_end());
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out.push_str(tail);
    out
}

fn find_closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(operation: &'static str, status: u16, body: &'static str) -> String {
        ApiError::new(
            operation,
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            Bytes::from_static(body.as_bytes()),
        )
        .to_string()
    }

    #[test]
    fn api_errors_say_the_status_once_and_give_a_hint_where_the_cause_is_known() {
        assert_eq!(
            api(
                "users.get",
                404,
                r#"{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}"#
            ),
            "users.get answered 404 Not Found (inexistent_user): The user does not exist."
        );
        assert_eq!(
            api(
                "roles.get",
                404,
                r#"{"statusCode":404,"error":"Not Found","message":"Not Found"}"#
            ),
            "roles.get answered 404 Not Found"
        );
        assert_eq!(
            api(
                "users.list",
                400,
                r#"{"error":"Bad Request","message":"q is invalid","errorCode":"invalid_query_string"}"#
            ),
            "users.list answered 400 Bad Request (invalid_query_string): q is invalid"
        );
        let refused = api(
            "oauth/token",
            401,
            r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
        );
        assert!(
            refused.starts_with("oauth/token answered 401 Unauthorized (access_denied)"),
            "{refused}"
        );
        assert!(refused.contains("hint: "), "{refused}");
        assert!(
            refused.contains("client id and the client secret"),
            "{refused}"
        );
        // A refused user (not the application) gets no such hint.
        let user = api(
            "oauth/token",
            403,
            r#"{"error":"invalid_grant","error_description":"Wrong email or password."}"#,
        );
        assert!(!user.contains("hint"), "{user}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Target {
        count: u64,
        kind: Kind,
        email: String,
    }

    #[derive(Debug, serde::Deserialize)]
    enum Kind {
        A,
    }

    fn decode_message(json: &str) -> String {
        let e = serde_json::from_str::<Target>(json).unwrap_err();
        DecodeError::from_serde(&e).to_string()
    }

    #[test]
    fn bodies_print_links_without_their_query() {
        let body = Body::new(Bytes::from_static(
            br#"{"location":"https://x.example/u.gz?sig=s3cr3t","name":"a?b","n":{"logoUrl":"https://x.example/l.png#f"}}"#,
        ));
        let printed = body.redacted();
        assert!(
            !printed.contains("s3cr3t") && !printed.contains("#f"),
            "{printed}"
        );
        assert!(
            printed.contains("https://x.example/u.gz?[redacted]"),
            "{printed}"
        );
        assert!(printed.contains(r#""name":"a?b""#), "not a link: {printed}");
        assert!(body.text().contains("s3cr3t"), "the body itself is kept");
    }

    #[test]
    fn decode_errors_quote_no_value() {
        for (json, value) in [
            (r#"{"count":"hunter2","kind":"A","email":"x"}"#, "hunter2"),
            (r#"{"count":1,"kind":"sekrit","email":"x"}"#, "sekrit"),
            (r#"{"count":1,"kind":"A","email":12345}"#, "12345"),
            (r#"{"count":-7777,"kind":"A","email":"x"}"#, "7777"),
            (r#"{"count":1.25,"kind":"A","email":"x"}"#, "1.25"),
            (
                r#"{"count":"with \"quote\" inside","kind":"A","email":"x"}"#,
                "quote",
            ),
        ] {
            let text = decode_message(json);
            assert!(!text.contains(value), "{text}");
            assert!(text.contains("line 1 column"), "{text}");
        }
        let text = decode_message(r#"{"count":1,"kind":"A"}"#);
        assert!(text.contains("missing field `email`"), "{text}");
        let text = decode_message(r#"{"count":"x","kind":"A","email":"x"}"#);
        assert!(
            text.starts_with("invalid type: string, expected u64"),
            "{text}"
        );
        let text = decode_message(r#"{"count":1,"kind":"B","email":"x"}"#);
        assert!(text.contains("expected `A`"), "{text}");
        let body = br#"{"count":1,"kind":"A","email":["hunter2"]}"#;
        let e = decode_json::<Target>(body).unwrap_err();
        assert_eq!(e.path(), Some("email"));
        assert!(!e.to_string().contains("hunter2"));
        let e = decode_json::<Target>(b"{\"count\":\xff}").unwrap_err();
        assert!(e.message().contains("not UTF-8"), "{e}");
    }

    #[test]
    fn bodies_redact_every_secret_name() {
        let body = Body::new(Bytes::from_static(
            br#"{"error":"mfa_required","mfa_token":"Fe26.abc","nested":[{"accessToken":"x"}],"ticket":"https://t/x#"}"#,
        ));
        let text = format!("{body:?}");
        for secret in ["Fe26.abc", "\\\"x\\\"", "https://t/x#"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("mfa_required"));
        let cut = Body::new(Bytes::from_static(
            br#"{"access_token":"eyJhbGciOi.secret","expires_in":864"#,
        ));
        assert!(!format!("{cut:?}").contains("eyJhbGciOi"));
        assert!(
            cut.text().contains("eyJhbGciOi"),
            "the raw text stays reachable"
        );
        let html = Body::new(Bytes::from_static(b"<html>Bad Gateway</html>"));
        assert_eq!(html.redacted(), "<html>Bad Gateway</html>");
    }

    #[test]
    fn error_answers_escape_control_characters_and_hide_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert("set-cookie", "did=s%3Av0%3A1234".parse().unwrap());
        headers.insert("x-api-key", "k-123".parse().unwrap());
        headers.insert("x-request-id", "r-1".parse().unwrap());
        let e = ApiError::new(
            "op",
            StatusCode::BAD_REQUEST,
            headers,
            Bytes::from_static(br#"{"error":"bad\nINFO forged","message":"a\u001b[2Jb"}"#),
        );
        let shown = e.to_string();
        assert!(
            !shown.contains('\n') && !shown.contains('\u{1b}'),
            "{shown}"
        );
        assert!(shown.contains("bad\\nINFO forged"), "{shown}");
        let debug = format!("{e:?}");
        assert!(
            !debug.contains("s%3Av0") && !debug.contains("k-123"),
            "{debug}"
        );
        assert!(debug.contains("r-1"), "{debug}");
    }

    #[test]
    fn reads_database_connection_errors() {
        let e = ApiError::new(
            "dbconnections/signup",
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            Bytes::from_static(
                br#"{"name":"PasswordStrengthError","message":"Password is too weak","code":"invalid_password","description":{"rules":[]},"statusCode":400}"#,
            ),
        );
        assert_eq!(e.error(), Some("PasswordStrengthError"));
        assert_eq!(e.error_code(), Some("invalid_password"));
        assert_eq!(e.error_description(), Some("Password is too weak"));
    }
}
