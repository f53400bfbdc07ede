//! Walking list operations page by page: `.pages()` and `.items()` on every request builder of
//! an operation that takes `page`/`per_page` or `from`/`take`.
//!
//! ```no_run
//! # async fn run(mgmt: auth0_mgmt::Client) -> Result<(), auth0_mgmt::Error> {
//! use futures::TryStreamExt;
//! let mut users = mgmt.users().list().per_page(100).items();
//! while let Some(user) = users.try_next().await? {
//!     println!("{:?}", user.email);
//! }
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, BoxStream, StreamExt};

use crate::Error;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The total number of items, when the answer says.
    pub total: Option<u64>,
    /// The checkpoint of the next page (checkpoint pagination), if there is one.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page.
    pub fn new(items: Vec<T>, total: Option<u64>, next: Option<String>) -> Self {
        Self { items, total, next }
    }
}

/// A stream of pages; ends after the last one, or after yielding an error.
pub type Pages<'a, T> = BoxStream<'a, Result<Page<T>, Error>>;

/// A stream of items across pages.
pub type Items<'a, T> = BoxStream<'a, Result<T, Error>>;

/// What fetching one page returns.
pub type PageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send + 'a>>;

/// Pages of an operation paged by `page` (from `first`) and `per_page`.
pub fn offset_pages<'a, R, T>(
    request: R,
    first: i64,
    per_page: i64,
    fetch: fn(R, i64, i64) -> PageFuture<'a, T>,
) -> Pages<'a, T>
where
    R: Clone + Send + 'a,
    T: Send + 'a,
{
    let per_page = per_page.max(1);
    let state = Some((request, first.max(0), 0u64));
    stream::unfold(state, move |state| async move {
        let (request, page, seen) = state?;
        match fetch(request.clone(), page, per_page).await {
            Err(e) => Some((Err(e), None)),
            Ok(p) => {
                let got = p.items.len() as u64;
                let seen = seen + got;
                let last = got == 0
                    || got < per_page as u64
                    || p.total
                        .is_some_and(|total| (page as u64 + 1) * per_page as u64 >= total)
                    || p.total.is_some_and(|total| seen >= total);
                let next = (!last).then_some((request, page + 1, seen));
                Some((Ok(p), next))
            }
        }
    })
    .boxed()
}

/// Pages of an operation paged by checkpoint: `from` (absent: the start) and `take`.
pub fn checkpoint_pages<'a, R, T>(
    request: R,
    from: Option<String>,
    take: i64,
    fetch: fn(R, Option<String>, i64) -> PageFuture<'a, T>,
) -> Pages<'a, T>
where
    R: Clone + Send + 'a,
    T: Send + 'a,
{
    let take = take.max(1);
    let visited: HashSet<String> = from.iter().cloned().collect();
    stream::unfold(Some((request, from, visited)), move |state| async move {
        let (request, from, mut visited) = state?;
        match fetch(request.clone(), from, take).await {
            Err(e) => Some((Err(e), None)),
            Ok(p) => {
                let next = match &p.next {
                    // An empty checkpoint is none; one seen before would loop for ever.
                    Some(n)
                        if !p.items.is_empty() && !n.is_empty() && visited.insert(n.clone()) =>
                    {
                        Some((request, Some(n.clone()), visited))
                    }
                    _ => None,
                };
                Some((Ok(p), next))
            }
        }
    })
    .boxed()
}

/// The items of every page, in order; an error ends the stream after being yielded.
pub fn items<'a, T: Send + 'a>(pages: Pages<'a, T>) -> Items<'a, T> {
    pages
        .flat_map(|page| match page {
            Ok(p) => stream::iter(p.items.into_iter().map(Ok).collect::<Vec<_>>()),
            Err(e) => stream::iter(vec![Err(e)]),
        })
        .boxed()
}
