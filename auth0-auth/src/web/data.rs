//! [`SessionData`], what a session holds, and its byte encoding: what a session cookie
//! seals and what a [`SessionStore`](super::SessionStore) keeps.
//!
//! The encoding is length-prefixed fields behind a version byte, so that reading a session on
//! every request scans no JSON and copies each token once.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::http::{AccessToken, IdToken, RefreshToken};

/// The version byte of the encoding.
const VERSION: u8 = 1;

/// The most access tokens one session keeps (one per audience).
pub(crate) const MAX_AUDIENCES: usize = 32;

/// An access token a session holds, with what it is for.
#[derive(Clone)]
pub(crate) struct StoredToken {
    /// The API it is for; `None` when the login named none.
    pub(crate) audience: Option<String>,
    pub(crate) token: AccessToken,
    /// Seconds since the Unix epoch; `0` when the server gave no lifetime.
    pub(crate) expires_at: u64,
    pub(crate) scope: Option<String>,
    pub(crate) token_type: Option<String>,
}

/// What a session holds: the user's ID token (whose claims are the [`User`](super::User)),
/// the session id Auth0 gave (`sid`), the refresh token, the access tokens per audience, and
/// when the session began and was last active.
///
/// A [`SessionStore`](super::SessionStore) keeps these; [`to_bytes`](Self::to_bytes) and
/// [`from_bytes`](Self::from_bytes) are its encoding for stores that keep bytes. `Debug`
/// shows no token.
#[derive(Clone)]
pub struct SessionData {
    pub(crate) created_at: u64,
    pub(crate) touched_at: u64,
    pub(crate) sub: String,
    pub(crate) sid: Option<String>,
    /// The API the login asked a token for (`None`: none named).
    pub(crate) audience: Option<String>,
    pub(crate) id_token: IdToken,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) tokens: Vec<StoredToken>,
}

impl fmt::Debug for SessionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionData")
            .field("sub", &self.sub)
            .field("sid", &self.sid)
            .field("audience", &self.audience)
            .field("created_at", &self.created_at)
            .field("touched_at", &self.touched_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "access_tokens",
                &self
                    .tokens
                    .iter()
                    .map(|t| t.audience.as_deref().unwrap_or("(none)"))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub(crate) fn from_unix(secs: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH)
}

/// Why bytes are not a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the bytes are not an encoded session: {0}")]
pub struct DecodeSessionError(&'static str);

impl SessionData {
    /// The user id (`sub` of the ID token).
    pub fn sub(&self) -> &str {
        &self.sub
    }

    /// The session id Auth0 gave the login (`sid` of the ID token), if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The ID token of the login (or of the latest refresh).
    pub fn id_token(&self) -> &IdToken {
        &self.id_token
    }

    /// The API the login asked an access token for, if it named one.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// Whether the session has a refresh token.
    pub fn has_refresh_token(&self) -> bool {
        self.refresh_token.is_some()
    }

    /// When the user logged in.
    pub fn created_at(&self) -> SystemTime {
        from_unix(self.created_at)
    }

    /// When the session was last renewed (its rolling expiry counts from here).
    pub fn touched_at(&self) -> SystemTime {
        from_unix(self.touched_at)
    }

    pub(crate) fn token(&self, audience: Option<&str>) -> Option<&StoredToken> {
        self.tokens
            .iter()
            .find(|t| t.audience.as_deref() == audience)
    }

    pub(crate) fn put_token(&mut self, token: StoredToken) {
        match self
            .tokens
            .iter_mut()
            .find(|t| t.audience == token.audience)
        {
            Some(slot) => *slot = token,
            None => {
                if self.tokens.len() >= MAX_AUDIENCES {
                    // The oldest other audience than the login's makes room.
                    if let Some(i) = self.tokens.iter().position(|t| t.audience != self.audience) {
                        self.tokens.remove(i);
                    }
                }
                self.tokens.push(token);
            }
        }
    }

    /// The encoding: a version byte, then the fields length-prefixed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let strings = self.sub.len()
            + self.sid.as_ref().map_or(0, String::len)
            + self.audience.as_ref().map_or(0, String::len)
            + self.id_token.expose_secret().len()
            + self
                .refresh_token
                .as_ref()
                .map_or(0, |t| t.expose_secret().len())
            + self
                .tokens
                .iter()
                .map(|t| {
                    t.token.expose_secret().len()
                        + t.audience.as_ref().map_or(0, String::len)
                        + t.scope.as_ref().map_or(0, String::len)
                        + t.token_type.as_ref().map_or(0, String::len)
                        + 32
                })
                .sum::<usize>();
        let mut w = Writer(Vec::with_capacity(strings + 48));
        w.0.push(VERSION);
        w.u64(self.created_at);
        w.u64(self.touched_at);
        w.str(&self.sub);
        w.opt(self.sid.as_deref());
        w.opt(self.audience.as_deref());
        w.str(self.id_token.expose_secret());
        w.opt(self.refresh_token.as_ref().map(RefreshToken::expose_secret));
        // At most MAX_AUDIENCES tokens: the count fits a byte.
        w.0.push(self.tokens.len().min(MAX_AUDIENCES) as u8);
        for t in self.tokens.iter().take(MAX_AUDIENCES) {
            w.opt(t.audience.as_deref());
            w.str(t.token.expose_secret());
            w.u64(t.expires_at);
            w.opt(t.scope.as_deref());
            w.opt(t.token_type.as_deref());
        }
        w.0
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<SessionData, DecodeSessionError> {
        let mut r = Reader(bytes);
        if r.byte()? != VERSION {
            return Err(DecodeSessionError("unknown version"));
        }
        let created_at = r.u64()?;
        let touched_at = r.u64()?;
        let sub = r.str()?.to_owned();
        let sid = r.opt()?.map(str::to_owned);
        let audience = r.opt()?.map(str::to_owned);
        let id_token = IdToken::new(r.str()?);
        let refresh_token = r.opt()?.map(RefreshToken::new);
        let count = usize::from(r.byte()?);
        if count > MAX_AUDIENCES {
            return Err(DecodeSessionError("too many access tokens"));
        }
        let mut tokens = Vec::with_capacity(count);
        for _ in 0..count {
            tokens.push(StoredToken {
                audience: r.opt()?.map(str::to_owned),
                token: AccessToken::new(r.str()?),
                expires_at: r.u64()?,
                scope: r.opt()?.map(str::to_owned),
                token_type: r.opt()?.map(str::to_owned),
            });
        }
        if !r.0.is_empty() {
            return Err(DecodeSessionError("bytes after the end"));
        }
        Ok(SessionData {
            created_at,
            touched_at,
            sub,
            sid,
            audience,
            id_token,
            refresh_token,
            tokens,
        })
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        // Longer strings are cut: no token or claim comes near 4 GiB.
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_le_bytes());
        self.0.extend_from_slice(&s.as_bytes()[..len as usize]);
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeSessionError> {
        if self.0.len() < n {
            return Err(DecodeSessionError("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, DecodeSessionError> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> Result<u64, DecodeSessionError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn str(&mut self) -> Result<&'a str, DecodeSessionError> {
        let b = self.take(4)?;
        let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        std::str::from_utf8(self.take(len)?)
            .map_err(|_| DecodeSessionError("a string is not UTF-8"))
    }

    fn opt(&mut self) -> Result<Option<&'a str>, DecodeSessionError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            _ => Err(DecodeSessionError("an optional field has a bad tag")),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn sample() -> SessionData {
        SessionData {
            created_at: 1_700_000_000,
            touched_at: 1_700_000_100,
            sub: "auth0|user1".into(),
            sid: Some("sid-1".into()),
            audience: None,
            id_token: IdToken::new("h.p.s"),
            refresh_token: Some(RefreshToken::new("rt_1")),
            tokens: vec![StoredToken {
                audience: None,
                token: AccessToken::new("at_1"),
                expires_at: 1_700_086_400,
                scope: Some("openid profile".into()),
                token_type: Some("Bearer".into()),
            }],
        }
    }

    fn same(a: &SessionData, b: &SessionData) -> bool {
        a.to_bytes() == b.to_bytes()
    }

    #[test]
    fn debug_shows_no_token() {
        let text = format!("{:?}", sample());
        assert!(text.contains("auth0|user1"));
        for secret in ["h.p.s", "rt_1", "at_1"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn truncated_or_extended_bytes_are_refused() {
        let bytes = sample().to_bytes();
        for n in 0..bytes.len() {
            assert!(SessionData::from_bytes(&bytes[..n]).is_err(), "{n} bytes");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(SessionData::from_bytes(&longer).is_err());
        let mut other_version = bytes;
        other_version[0] = 2;
        assert!(SessionData::from_bytes(&other_version).is_err());
    }

    #[test]
    fn a_token_per_audience_is_kept_and_replaced() {
        let mut data = sample();
        let token = |aud: Option<&str>, t: &str| StoredToken {
            audience: aud.map(str::to_owned),
            token: AccessToken::new(t),
            expires_at: 1,
            scope: None,
            token_type: None,
        };
        data.put_token(token(Some("https://api"), "a"));
        data.put_token(token(None, "b"));
        data.put_token(token(Some("https://api"), "c"));
        assert_eq!(data.tokens.len(), 2);
        assert_eq!(data.token(None).unwrap().token.expose_secret(), "b");
        assert_eq!(
            data.token(Some("https://api"))
                .unwrap()
                .token
                .expose_secret(),
            "c"
        );
        for i in 0..40 {
            data.put_token(token(Some(&format!("https://api/{i}")), "x"));
        }
        assert_eq!(data.tokens.len(), MAX_AUDIENCES);
        assert!(data.token(None).is_some(), "the login's audience stays");
        assert!(data.token(Some("https://api/39")).is_some());
        assert!(SessionData::from_bytes(&data.to_bytes()).is_ok());
    }

    fn opt_string() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(".{0,40}")
    }

    prop_compose! {
        fn any_session()(
            created_at in any::<u64>(),
            touched_at in any::<u64>(),
            sub in ".{0,40}",
            sid in opt_string(),
            audience in opt_string(),
            id_token in "[A-Za-z0-9._-]{0,300}",
            refresh_token in opt_string(),
            tokens in proptest::collection::vec(
                (opt_string(), ".{0,80}", any::<u64>(), opt_string(), opt_string()),
                0..5,
            ),
        ) -> SessionData {
            SessionData {
                created_at,
                touched_at,
                sub,
                sid,
                audience,
                id_token: IdToken::new(id_token),
                refresh_token: refresh_token.map(RefreshToken::new),
                tokens: tokens
                    .into_iter()
                    .map(|(audience, token, expires_at, scope, token_type)| StoredToken {
                        audience,
                        token: AccessToken::new(token),
                        expires_at,
                        scope,
                        token_type,
                    })
                    .collect(),
            }
        }
    }

    proptest! {
        #[test]
        fn sessions_round_trip(data in any_session()) {
            let back = SessionData::from_bytes(&data.to_bytes()).unwrap();
            prop_assert!(same(&data, &back));
            prop_assert_eq!(back.sub(), data.sub());
            prop_assert_eq!(back.sid(), data.sid());
            prop_assert_eq!(back.id_token().expose_secret(), data.id_token().expose_secret());
        }

        #[test]
        fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = SessionData::from_bytes(&bytes);
        }
    }
}
