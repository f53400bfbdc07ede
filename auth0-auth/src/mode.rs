//! How a request finishes: from a [`Client`](crate::Client), `send()` gives a future; from a
//! blocking client (`blocking::Client`, feature `blocking`), the answer itself. The request
//! builders are the same types, generic over the client's mode.

use std::fmt::Debug;
use std::future::Future;

/// What a client's requests return from `send()` ([`Output`](Mode::Output)). Implemented by
/// [`Async`] and, with the feature `blocking`, `blocking::Blocking` only.
pub trait Mode: sealed::Sealed + Clone + Debug + Send + Sync + 'static {
    /// What `send()` returns for the future `F` of the call: `F` itself (`.await` it), or,
    /// from the blocking client, its output.
    type Output<F: Future>;

    /// Finishes a call.
    #[doc(hidden)]
    fn run<F: Future>(&self, future: F) -> Self::Output<F>;
}

/// The mode of [`Client`](crate::Client): `send()` returns a future.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Async;

impl Mode for Async {
    type Output<F: Future> = F;

    #[inline]
    fn run<F: Future>(&self, future: F) -> F {
        future
    }
}

pub(crate) mod sealed {
    /// Only this crate's modes are modes.
    pub trait Sealed {}
    impl Sealed for super::Async {}
    #[cfg(feature = "blocking")]
    impl Sealed for crate::blocking::Blocking {}
}
