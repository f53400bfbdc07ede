//! How a request builder finishes: with [`Client`](crate::Client), `send()` gives a future;
//! with the blocking client (`blocking::Client`, feature `blocking`), the answer itself. The
//! builders are the same types, generic over the client they were made from.

use std::fmt::Debug;
use std::future::Future;

use futures::stream::BoxStream;

use crate::Error;

/// The client a request builder was made from, which decides what its `send`, `pages` and
/// `items` return ([`Output`](Mode::Output), [`Stream`](Mode::Stream)). Implemented by
/// [`Client`](crate::Client) and `blocking::Client` only.
pub trait Mode: sealed::Sealed + Clone + Debug + Send + Sync {
    /// What `send()` and its siblings return for the future `F` of the call: `F` itself
    /// (`.await` it), or, from the blocking client, its output.
    type Output<F: Future>;

    /// What `pages()` and `items()` return for a walk yielding `T`s: a
    /// [`Stream`](futures::Stream) of `Result<T, Error>`, or, from the blocking client, an
    /// [`Iterator`] of them.
    type Stream<'a, T: 'a>
    where
        Self: 'a;

    /// The async client under it.
    #[doc(hidden)]
    fn client(&self) -> &crate::Client;

    /// Finishes a call.
    #[doc(hidden)]
    fn run<F: Future>(&self, future: F) -> Self::Output<F>;

    /// Finishes a walk.
    #[doc(hidden)]
    fn stream<'a, T: 'a>(&'a self, stream: BoxStream<'a, Result<T, Error>>) -> Self::Stream<'a, T>;
}

impl Mode for crate::Client {
    type Output<F: Future> = F;
    type Stream<'a, T: 'a> = BoxStream<'a, Result<T, Error>>;

    #[inline]
    fn client(&self) -> &crate::Client {
        self
    }

    #[inline]
    fn run<F: Future>(&self, future: F) -> F {
        future
    }

    #[inline]
    fn stream<'a, T: 'a>(&'a self, stream: BoxStream<'a, Result<T, Error>>) -> Self::Stream<'a, T> {
        stream
    }
}

pub(crate) mod sealed {
    /// Only this crate's clients are modes.
    pub trait Sealed {}
    impl Sealed for crate::Client {}
    #[cfg(feature = "blocking")]
    impl Sealed for crate::blocking::Client {}
}

/// The resource accessors' `Clone`, `Copy` and `Debug` (they hold a reference to the client,
/// whatever it is).
macro_rules! accessor {
    ($name:ident) => {
        impl<C> ::std::clone::Clone for $name<'_, C> {
            #[inline]
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<C> ::std::marker::Copy for $name<'_, C> {}
        impl<C: ::std::fmt::Debug> ::std::fmt::Debug for $name<'_, C> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("client", &self.client)
                    .finish()
            }
        }
    };
}
pub(crate) use accessor;
