//! Splitting a compact JWS and reading its header and payload.

use std::cell::RefCell;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

use crate::error::TokenValidationError;

/// Tokens longer than this are rejected before any decoding.
pub(crate) const MAX_TOKEN_LEN: usize = 256 * 1024;
/// Headers longer than this (base64url) are rejected: real ones are about a hundred bytes.
pub(crate) const MAX_HEADER_LEN: usize = 8 * 1024;

/// The parts of a compact JWS, with its header decoded.
pub(crate) struct RawToken<'a> {
    /// `header.payload`, the signed message.
    pub(crate) message: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) header: Arc<Header>,
}

pub(crate) struct Header {
    pub(crate) alg: String,
    pub(crate) kid: Option<String>,
    /// The media type (`JWT`, `at+jwt`, `logout+jwt`), when given.
    pub(crate) typ: Option<String>,
}

/// The header as sent; `Some(Value::Null)` records a parameter that is present but `null`.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default, deserialize_with = "present")]
    kid: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    crit: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    typ: Option<Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl<'a> RawToken<'a> {
    pub(crate) fn parse(token: &'a str) -> Result<Self, TokenValidationError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenValidationError::malformed(format!(
                "expected at most {MAX_TOKEN_LEN} bytes, found {}",
                token.len()
            )));
        }
        // The dots found with the vectorised search: a token is hundreds of bytes.
        let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(TokenValidationError::malformed(format!(
                "expected 3 dot-separated parts, found {}",
                token.split('.').count()
            )));
        };
        let (header, payload, signature) = (
            &token[..first],
            &token[first + 1..second],
            &token[second + 1..],
        );
        if header.is_empty() || payload.is_empty() {
            return Err(TokenValidationError::malformed(
                "expected a non-empty header and payload",
            ));
        }
        // An unsigned token (`alg: none`, no signature) is refused by the algorithm check,
        // like every other algorithm the verifier was not configured with.
        if header.len() > MAX_HEADER_LEN {
            return Err(TokenValidationError::malformed(format!(
                "expected a header of at most {MAX_HEADER_LEN} bytes, found {}",
                header.len()
            )));
        }
        let header = cached_header(header)?;
        let message = &token[..token.len() - signature.len() - 1];
        Ok(RawToken {
            message,
            payload,
            signature,
            header,
        })
    }
}

thread_local! {
    /// The header last read on this thread, by its text. A tenant's tokens share one header
    /// (the same `alg`, `typ` and `kid` until its keys rotate), so that most tokens skip its
    /// decoding; only headers that were read without error are kept.
    static LAST_HEADER: RefCell<Option<(String, Arc<Header>)>> = const { RefCell::new(None) };
}

/// The header whose base64url text is `text`.
fn cached_header(text: &str) -> Result<Arc<Header>, TokenValidationError> {
    let last = LAST_HEADER.with_borrow(|last| {
        last.as_ref()
            .filter(|(seen, _)| seen == text)
            .map(|(_, header)| Arc::clone(header))
    });
    if let Some(header) = last {
        return Ok(header);
    }
    let header = Arc::new(read_header(text)?);
    LAST_HEADER.set(Some((text.to_owned(), Arc::clone(&header))));
    Ok(header)
}

fn read_header(text: &str) -> Result<Header, TokenValidationError> {
    let header_bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| TokenValidationError::malformed_by("header is not base64url", e))?;
    let header: RawHeader = serde_json::from_slice(&header_bytes).map_err(|e| {
        TokenValidationError::malformed_by("header is not a JSON object with a string `alg`", e)
    })?;
    if let Some(crit) = &header.crit {
        return Err(TokenValidationError::UnsupportedHeader {
            parameter: "crit",
            found: crate::claims::describe(crit),
        });
    }
    let kid = match header.kid {
        None => None,
        Some(Value::String(kid)) => Some(kid),
        Some(other) => {
            return Err(TokenValidationError::malformed(format!(
                "header `kid`: expected a string, found {}",
                crate::claims::describe(&other)
            )));
        }
    };
    let typ = match header.typ {
        None => None,
        Some(Value::String(typ)) => Some(typ),
        Some(other) => {
            return Err(TokenValidationError::malformed(format!(
                "header `typ`: expected a string, found {}",
                crate::claims::describe(&other)
            )));
        }
    };
    Ok(Header {
        alg: header.alg,
        kid,
        typ,
    })
}

/// Which kind of token a verifier takes, by the header's `typ` (RFC 8725 3.11: a token of one
/// kind must not pass as another).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An ID token: `typ` absent or `JWT`.
    Id,
    /// An access token: `typ` absent, `JWT` or `at+jwt` (RFC 9068).
    Access,
    /// A back-channel logout token: `typ` `logout+jwt`.
    Logout,
}

impl Kind {
    pub(crate) fn check(self, typ: Option<&str>) -> Result<(), TokenValidationError> {
        // Media types compare case-insensitively, with or without `application/`.
        let is = |name: &str| {
            typ.is_some_and(|t| {
                let t = match t.get(..12) {
                    Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &t[12..],
                    _ => t,
                };
                t.eq_ignore_ascii_case(name)
            })
        };
        let (ok, expected) = match self {
            Kind::Id => (
                typ.is_none() || is("jwt"),
                "absent or \"JWT\" (an ID token)",
            ),
            Kind::Access => (
                typ.is_none() || is("jwt") || is("at+jwt"),
                "absent, \"JWT\" or \"at+jwt\" (an access token)",
            ),
            Kind::Logout => (is("logout+jwt"), "\"logout+jwt\" (a logout token)"),
        };
        if ok {
            return Ok(());
        }
        Err(TokenValidationError::WrongType {
            expected,
            found: typ.map_or_else(|| "none".to_owned(), |t| format!("{t:?}")),
        })
    }
}
