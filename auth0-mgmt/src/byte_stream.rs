//! [`ByteStream`]: an answer handed over as it arrives (`events().subscribe()`).

use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;

/// The stream a [`ByteStream`] wraps: the answer's body in chunks, as they come.
type InnerByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send + Sync>>;

/// An answer's body as a stream of byte chunks, read at the caller's pace: not capped, and
/// bounded by the request's timeout as a whole (the exchange, body included).
pub struct ByteStream(InnerByteStream);

impl ByteStream {
    /// Wraps a stream of chunks (a test's canned answer, say).
    pub fn new(inner: InnerByteStream) -> Self {
        Self(inner)
    }

    /// The body of a received answer.
    pub(crate) fn of(response: reqwest::Response) -> Self {
        Self(Box::pin(response.bytes_stream()))
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> InnerByteStream {
        self.0
    }
}

impl Deref for ByteStream {
    type Target = InnerByteStream;

    fn deref(&self) -> &InnerByteStream {
        &self.0
    }
}

impl DerefMut for ByteStream {
    fn deref_mut(&mut self) -> &mut InnerByteStream {
        &mut self.0
    }
}

impl Stream for ByteStream {
    type Item = reqwest::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream").finish_non_exhaustive()
    }
}
