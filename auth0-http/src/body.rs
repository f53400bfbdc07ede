//! Reading answer bodies with a cap.

use bytes::{Bytes, BytesMut};

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The answer is larger than the cap.
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The connection failed while reading.
    #[error("the answer could not be read")]
    Read(#[source] reqwest::Error),
}

/// The default cap of a client's success answers (16 MiB); each client may set its own.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How much of an error answer's body is kept (64 KiB).
pub const ERROR_BODY_PREFIX: usize = 64 * 1024;

/// Reads a whole body of at most `limit` bytes. An answer that says (or turns out) to be
/// longer is refused once the cap is passed: nothing past it is read.
pub async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(BodyError::TooLarge { limit });
        }
        match &first {
            // Most bodies arrive as one chunk: kept as it is, not copied.
            None => first = Some(chunk),
            Some(head) => {
                if rest.is_empty() {
                    rest.extend_from_slice(head);
                }
                rest.extend_from_slice(&chunk);
            }
        }
    }
    Ok(if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        rest.freeze()
    })
}

/// Reads at most the first `limit` bytes of an error answer's body; never fails (what could
/// be read is kept; a broken connection ends the body).
pub async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Bytes {
    let mut body = BytesMut::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            _ => break,
        }
    }
    body.freeze()
}
