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

/// The most pages one walk fetches; past it the walk ends with [`Error::Paging`]. (Auth0's
/// offset lists stop at 1,000 items; a longer walk is a server that does not end it.)
pub const MAX_PAGES: u32 = 10_000;

/// One answer as a page: the request builders' `send_page`. A combinator rather than an
/// `async` block, so that no operation has a future of its own.
#[inline]
pub(crate) fn page<A, T>(
    answer: impl Future<Output = Result<A, Error>>,
    extract: fn(A) -> Result<Page<T>, Error>,
) -> impl Future<Output = Result<Page<T>, Error>> {
    futures::FutureExt::map(answer, move |answer| answer.and_then(extract))
}

/// Pages of an operation paged by `page` (from `first`) and `per_page`.
///
/// The walk ends after a short or empty page, or when `total` is reached. A page the walk has
/// already seen (a server that repeats one full page), or more than [`MAX_PAGES`] pages, end
/// it with [`Error::Paging`]: the pages so far are kept, and the stop is not silent.
pub(crate) fn offset_pages<'a, R, T>(
    request: R,
    first: i64,
    per_page: i64,
    fetch: fn(R, i64, i64) -> PageFuture<'a, T>,
) -> Pages<'a, T>
where
    R: Clone + Send + 'a,
    T: serde::Serialize + Send + 'a,
{
    let per_page = per_page.max(1);
    let walk = Walk {
        request,
        at: first.max(0),
        seen_items: 0u64,
        fetched: 0,
        seen_pages: HashSet::new(),
    };
    stream::unfold(Some(Step::Fetch(walk)), move |state| async move {
        let mut walk = match state? {
            Step::Fetch(walk) => walk,
            Step::Fail(e) => return Some((Err(e), None)),
        };
        let page = walk.at;
        match fetch(walk.request.clone(), page, per_page).await {
            Err(e) => Some((Err(e), None)),
            Ok(p) => {
                let got = p.items.len() as u64;
                walk.seen_items = walk.seen_items.saturating_add(got);
                walk.fetched += 1;
                // Items up to the end of this page, if that can be counted.
                let through = (page as u64)
                    .checked_add(1)
                    .and_then(|pages| pages.checked_mul(per_page as u64));
                let last = got == 0
                    || got < per_page as u64
                    || p.total
                        .is_some_and(|total| through.is_none_or(|t| t >= total))
                    || p.total.is_some_and(|total| walk.seen_items >= total);
                if last {
                    return Some((Ok(p), None));
                }
                if !walk.seen_pages.insert(fingerprint(&p.items)) {
                    let e = format!("page {page} repeats a page already seen; the walk stops");
                    return Some((Err(Error::Paging(e)), None));
                }
                let next = match page.checked_add(1) {
                    None => None,
                    Some(_) if walk.fetched >= MAX_PAGES => Some(Step::Fail(Error::Paging(
                        format!("more than {MAX_PAGES} pages; the walk stops"),
                    ))),
                    Some(next) => {
                        walk.at = next;
                        Some(Step::Fetch(walk))
                    }
                };
                Some((Ok(p), next))
            }
        }
    })
    .boxed()
}

/// What an offset walk does next.
enum Step<R> {
    Fetch(Walk<R>),
    /// Yield this error and end.
    Fail(Error),
}

/// The state of an offset walk.
struct Walk<R> {
    request: R,
    at: i64,
    seen_items: u64,
    fetched: u32,
    /// Fingerprints of the full pages seen.
    seen_pages: HashSet<u64>,
}

/// A page's fingerprint: its length and its first and last items as JSON.
fn fingerprint<T: serde::Serialize>(items: &[T]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    items.len().hash(&mut h);
    for item in [items.first(), items.last()].into_iter().flatten() {
        serde_json::to_vec(item).unwrap_or_default().hash(&mut h);
    }
    h.finish()
}

/// Pages of an operation paged by checkpoint: `from` (absent: the start) and `take`.
///
/// The walk ends on a page without a next checkpoint, an empty page, or a checkpoint seen
/// before; more than [`MAX_PAGES`] pages end it with [`Error::Paging`].
pub(crate) fn checkpoint_pages<'a, R, T>(
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
    stream::unfold(
        Some((request, from, visited, 0u32)),
        move |state| async move {
            let (request, from, mut visited, fetched) = state?;
            if fetched >= MAX_PAGES {
                let e = Error::Paging(format!("more than {MAX_PAGES} pages; the walk stops"));
                return Some((Err(e), None));
            }
            match fetch(request.clone(), from, take).await {
                Err(e) => Some((Err(e), None)),
                Ok(p) => {
                    let next = match &p.next {
                        // An empty checkpoint is none; one seen before would loop for ever.
                        Some(n)
                            if !p.items.is_empty()
                                && !n.is_empty()
                                && visited.insert(n.clone()) =>
                        {
                            Some((request, Some(n.clone()), visited, fetched + 1))
                        }
                        _ => None,
                    };
                    Some((Ok(p), next))
                }
            }
        },
    )
    .boxed()
}

/// The items of every page, in order; an error ends the stream after being yielded.
pub(crate) fn items<'a, T: Send + 'a>(pages: Pages<'a, T>) -> Items<'a, T> {
    pages
        .flat_map(|page| match page {
            Ok(p) => stream::iter(p.items.into_iter().map(Ok).collect::<Vec<_>>()),
            Err(e) => stream::iter(vec![Err(e)]),
        })
        .boxed()
}
