//! Where a request's access token is found: [`TokenSource`] (the `Authorization` header, a
//! cookie, another header, a function of the request) and what each source reads.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::header::{AUTHORIZATION, COOKIE};
use http::request::Parts;
use http::{HeaderMap, HeaderName};

/// Where [`AuthLayer`](super::AuthLayer) finds a request's access token: the `Authorization`
/// header (the default), a cookie, another header or a function of the request; several,
/// tried in order, with [`or`](Self::or). Only the `Authorization` header can carry a
/// DPoP-bound token (`Authorization: DPoP …` with its proof); a token from elsewhere is a
/// bearer token, so a DPoP-bound one is refused there, and so is every one when DPoP is
/// required.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use auth0_verify::protect::TokenSource;
///
/// // A browser's cookie, or the header an API client sends.
/// let source = TokenSource::cookie("access_token").or(TokenSource::authorization());
/// // A header a gateway sets (its value `<token>` or `Bearer <token>`).
/// let forwarded = TokenSource::header(http::HeaderName::from_static("x-forwarded-access-token"));
/// // Anything else: a function of the request (its method, URI, headers, extensions).
/// let from_query = TokenSource::function(|parts: &http::request::Parts| {
///     let query = parts.uri.query()?;
///     query.split('&').find_map(|p| p.strip_prefix("access_token=")).map(str::to_owned)
/// });
/// # let _ = (source, forwarded, from_query);
/// # }
/// ```
#[derive(Clone)]
pub struct TokenSource(Vec<Source>);

/// A function of the request's parts giving a text (a token, an issuer).
pub(super) type TokenFn = dyn Fn(&Parts) -> Option<String> + Send + Sync;

#[derive(Clone)]
enum Source {
    Authorization,
    Header(HeaderName),
    Cookie(String),
    Function(Arc<TokenFn>),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for source in &self.0 {
            match source {
                Source::Authorization => list.entry(&"authorization header"),
                Source::Header(name) => list.entry(&format_args!("header {name}")),
                Source::Cookie(name) => list.entry(&format_args!("cookie {name}")),
                Source::Function(_) => list.entry(&"function"),
            };
        }
        list.finish()
    }
}

impl Default for TokenSource {
    fn default() -> Self {
        TokenSource::authorization()
    }
}

impl TokenSource {
    /// `Authorization: Bearer <token>` (or `DPoP <token>` with its proof): the default.
    pub fn authorization() -> Self {
        TokenSource(vec![Source::Authorization])
    }

    /// The header `name`, whose value is `<token>` or `Bearer <token>`.
    pub fn header(name: HeaderName) -> Self {
        TokenSource(vec![Source::Header(name)])
    }

    /// The cookie `name` (an empty one counts as absent; the same name twice is refused as
    /// a malformed request).
    pub fn cookie(name: impl Into<String>) -> Self {
        TokenSource(vec![Source::Cookie(name.into())])
    }

    /// What `find` returns for the request (`None`: no token).
    pub fn function(find: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static) -> Self {
        TokenSource(vec![Source::Function(Arc::new(find))])
    }

    /// This source, then `other` when this one finds nothing.
    pub fn or(mut self, other: TokenSource) -> Self {
        self.0.extend(other.0);
        self
    }
}

/// The credentials a request carries.
pub(super) enum Credentials<'a> {
    None,
    Bearer(Cow<'a, str>),
    Dpop(&'a str),
    Malformed(&'static str),
}

/// The request's token, from the first source that has one.
pub(super) fn credentials<'a>(
    parts: &'a Parts,
    source: &TokenSource,
    dpop: bool,
) -> Credentials<'a> {
    for source in &source.0 {
        let found = match source {
            Source::Authorization => authorization(&parts.headers, dpop),
            Source::Header(name) => header_token(&parts.headers, name),
            Source::Cookie(name) => cookie_token(&parts.headers, name),
            Source::Function(find) => match find(parts) {
                None => Credentials::None,
                Some(token) => {
                    let trimmed = token.trim();
                    if trimmed.is_empty() {
                        Credentials::None
                    } else if trimmed.contains(char::is_whitespace) {
                        Credentials::Malformed("the access token contains spaces")
                    } else if trimmed.len() == token.len() {
                        Credentials::Bearer(Cow::Owned(token))
                    } else {
                        Credentials::Bearer(Cow::Owned(trimmed.to_owned()))
                    }
                }
            },
        };
        if !matches!(found, Credentials::None) {
            return found;
        }
    }
    Credentials::None
}

/// What the `Authorization` header holds.
fn authorization(headers: &HeaderMap, dpop: bool) -> Credentials<'_> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Credentials::None;
    };
    if values.next().is_some() {
        return Credentials::Malformed("several Authorization headers");
    }
    let Ok(text) = value.to_str() else {
        return Credentials::Malformed("the Authorization header is not text");
    };
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    let bearer = scheme.eq_ignore_ascii_case("bearer");
    let dpop = dpop && scheme.eq_ignore_ascii_case("dpop");
    if !bearer && !dpop {
        // Another scheme: the caller did not know a token is needed (RFC 6750 3.1).
        return Credentials::None;
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(' ') {
        return Credentials::Malformed("expected `Authorization: <scheme> <token>`");
    }
    if bearer {
        Credentials::Bearer(Cow::Borrowed(token))
    } else {
        Credentials::Dpop(token)
    }
}

/// The token in another header: `<token>` or `Bearer <token>`.
fn header_token<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Credentials<'a> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Credentials::None;
    };
    if values.next().is_some() {
        return Credentials::Malformed("several headers carry the access token");
    }
    let Ok(text) = value.to_str() else {
        return Credentials::Malformed("the access token header is not text");
    };
    let text = text.trim();
    let token = match text.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Credentials::Malformed("expected `<token>` or `Bearer <token>`"),
        None => text,
    };
    if token.is_empty() || token.contains(' ') {
        return Credentials::Malformed("expected `<token>` or `Bearer <token>`");
    }
    Credentials::Bearer(Cow::Borrowed(token))
}

/// The token in the cookie `name` of the `Cookie` headers.
fn cookie_token<'a>(headers: &'a HeaderMap, name: &str) -> Credentials<'a> {
    let mut found = None;
    for value in headers.get_all(COOKIE) {
        let Ok(text) = value.to_str() else {
            continue;
        };
        for pair in text.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if key.trim() != name {
                continue;
            }
            if found.is_some() {
                return Credentials::Malformed("several cookies carry the access token");
            }
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            found = Some(value);
        }
    }
    match found {
        None | Some("") => Credentials::None,
        Some(token) => Credentials::Bearer(Cow::Borrowed(token)),
    }
}
