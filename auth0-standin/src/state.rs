//! What logins leave behind: the stand-in's sessions, authorization transactions, codes,
//! refresh-token families, organizations and invitations.

use std::collections::BTreeSet;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Error;

/// The stand-in's own session cookie. Browsers keep cookies by host, not by port, so an
/// application on another port of 127.0.0.1 sees it too: its name is the stand-in's alone.
pub(crate) const SESSION_COOKIE: &str = "auth0_standin_session";
/// How long a stand-in session lasts (Auth0's default absolute session lifetime, 7 days).
pub(crate) const SESSION_SECONDS: u64 = 7 * 86_400;
/// How long the login page of one `/authorize` request can be submitted.
pub(crate) const TRANSACTION_SECONDS: u64 = 3_600;
/// How long an authorization code can be exchanged.
pub(crate) const CODE_SECONDS: u64 = 600;
/// How long an invitation can be accepted (Auth0's default, 7 days).
pub(crate) const INVITATION_SECONDS: u64 = 7 * 86_400;

/// An organization as the tenant holds it.
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_name: String,
    /// User ids.
    pub(crate) members: BTreeSet<String>,
}

/// An invitation to join an organization through an application.
pub(crate) struct Invited {
    pub(crate) organization: String,
    pub(crate) email: String,
    pub(crate) client_id: String,
    pub(crate) expires: u64,
}

/// A browser's session with the stand-in, found by its cookie value.
pub(crate) struct Session {
    /// The session id tokens carry (`sid`); not the cookie value.
    pub(crate) sid: String,
    pub(crate) user_id: String,
    pub(crate) auth_time: u64,
    pub(crate) expires: u64,
    /// The applications that received a code in this session: told when it ends.
    pub(crate) clients: BTreeSet<String>,
}

/// What a user granted an application: the claims of the tokens issued for it.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    /// The scopes granted: OpenID Connect's and the API's.
    pub(crate) scopes: Vec<String>,
    /// The API, when one was asked for.
    pub(crate) audience: Option<String>,
    /// The organization's id and name, when one was asked for.
    pub(crate) organization: Option<(String, String)>,
    pub(crate) sid: String,
    pub(crate) auth_time: u64,
}

/// How the answer of `/authorize` goes back to the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// An `/authorize` request waiting for the user to log in.
#[derive(Clone, Debug)]
pub(crate) struct Transaction {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) response_mode: ResponseMode,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) audience: Option<String>,
    pub(crate) organization: Option<(String, String)>,
    pub(crate) invitation: Option<String>,
    pub(crate) login_hint: Option<String>,
    pub(crate) expires: u64,
}

/// An authorization code.
pub(crate) struct Code {
    pub(crate) grant: Grant,
    pub(crate) redirect_uri: String,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) expires: u64,
    /// Exchanged once already: a second exchange is refused and revokes what the first got.
    pub(crate) used: bool,
    /// The refresh-token family the exchange started.
    pub(crate) family: Option<String>,
}

/// The refresh tokens descending from one login: only the newest (`current`) is live; a
/// retired one used again revokes them all.
pub(crate) struct Family {
    pub(crate) grant: Grant,
    pub(crate) expires: u64,
    pub(crate) current: String,
    pub(crate) revoked: bool,
}

/// A back-channel logout the tenant sent: to which application, at which URL, for which
/// session, and what came of it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BackchannelLogout {
    /// The application told.
    pub client_id: String,
    /// Its back-channel logout URL.
    pub url: String,
    /// The session that ended (`sid` of the logout token).
    pub sid: String,
    /// The user whose session it was (`sub` of the logout token).
    pub sub: String,
    /// The HTTP status the application answered, or why the POST failed.
    pub outcome: Result<u16, String>,
}

/// `bytes` random bytes, base64url encoded.
pub(crate) fn random(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf)
        .map_err(|_| Error::Setup("the random number generator failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// `bytes` random bytes as lower-case hexadecimal digits.
pub(crate) fn random_hex(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf)
        .map_err(|_| Error::Setup("the random number generator failed".into()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The hexadecimal SHA-256 of an email address, lower-cased (the picture's address).
pub(crate) fn email_digest(email: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(email.trim().to_lowercase().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The values of the cookies named `name`, in the order sent.
pub(crate) fn cookies<'h>(headers: &'h HeaderMap, name: &str) -> Vec<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
        .collect()
}

/// The `Set-Cookie` value that keeps the session `value`.
pub(crate) fn session_cookie(value: &str) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn cleared_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "a=1; auth0_standin_session=xyz".parse().unwrap());
        headers.append(COOKIE, "auth0_standin_session=\"q\";b=2".parse().unwrap());
        assert_eq!(cookies(&headers, SESSION_COOKIE), ["xyz", "q"]);
        assert!(cookies(&headers, "auth0_standin").is_empty());
    }

    #[test]
    fn random_values_differ() {
        let a = random(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random(32).unwrap());
        assert_eq!(random_hex(8).unwrap().len(), 16);
    }
}
