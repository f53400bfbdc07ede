//! Splitting a compact JWS and reading its header and payload.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

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
    pub(crate) header: Header,
}

pub(crate) struct Header {
    pub(crate) alg: String,
    pub(crate) kid: Option<String>,
}

/// The header as sent; `Some(Value::Null)` records a parameter that is present but `null`.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default, deserialize_with = "present")]
    kid: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    crit: Option<Value>,
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
        let mut parts = token.splitn(4, '.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenValidationError::malformed(format!(
                "expected 3 dot-separated parts, found {}",
                token.split('.').count()
            )));
        };
        if header.is_empty() || payload.is_empty() {
            return Err(TokenValidationError::malformed(
                "expected a non-empty header and payload",
            ));
        }
        if signature.is_empty() {
            return Err(TokenValidationError::malformed(
                "expected a signature, found an unsigned token",
            ));
        }
        if header.len() > MAX_HEADER_LEN {
            return Err(TokenValidationError::malformed(format!(
                "expected a header of at most {MAX_HEADER_LEN} bytes, found {}",
                header.len()
            )));
        }
        let header_bytes = URL_SAFE_NO_PAD
            .decode(header)
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
        let header = Header {
            alg: header.alg,
            kid,
        };
        let message = &token[..token.len() - signature.len() - 1];
        Ok(RawToken {
            message,
            payload,
            signature,
            header,
        })
    }

    /// Decodes the payload into a JSON object. Call only after the signature has been verified.
    pub(crate) fn claims(&self) -> Result<Map<String, Value>, TokenValidationError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(self.payload)
            .map_err(|e| TokenValidationError::malformed_by("payload is not base64url", e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| TokenValidationError::malformed_by("payload is not a JSON object", e))
    }
}
