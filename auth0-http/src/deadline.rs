//! Deadlines of requests in flight, watched by one thread for the whole process instead of a
//! timer each.
//!
//! A tokio timer per request takes the runtime's one timer lock twice (to register it and to
//! cancel it) from every worker thread, and may wake the thread that waits on the timers:
//! under load from several threads that lock is contended. Here a request's deadline goes into
//! one of a few tables of its client's [`Watchdog`], chosen by the thread the request starts on
//! (a lock that thread mostly has to itself). A client with deadlines pending is listed with
//! one thread of the process, `auth0-deadlines`, which looks over the tables of the clients
//! listed every [`TICK`] and wakes, once, the work whose deadline has passed; a client leaves
//! the list when none of its deadlines is pending, and the thread sleeps (parked) while the
//! list is empty. A request that outlives its deadline ends about a tick after it.
//!
//! The thread belongs to no async runtime: a deadline holds whatever becomes of the runtimes a
//! client is used from (one shut down with requests in flight, a current-thread runtime idle
//! between `block_on` calls as a blocking wrapper leaves it), and under any executor.
//! Deadlines pass in real time (`std::time::Instant`; a paused tokio clock does not hold them
//! back). Should the thread fail to start, work waits on a tokio timer of its own instead.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::thread::Thread;
use std::time::Duration;

use tokio::time::Instant;

/// How often the deadlines are looked over while some are pending.
pub const TICK: Duration = Duration::from_millis(10);

/// Tables of deadlines; threads are spread over them.
const TABLES: usize = 8;

/// The deadlines of one client's requests in flight. Cheap to clone (clones share them).
#[derive(Clone, Default)]
pub struct Watchdog {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchdog")
            .field("in_flight", &self.inner.in_flight())
            .field("watching", &self.inner.watching.load(Ordering::Relaxed))
            .finish()
    }
}

/// A deadline passed before the work it bounded ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the deadline passed")]
pub struct Elapsed;

#[derive(Default)]
struct Inner {
    tables: [Mutex<Table>; TABLES],
    /// Whether the client is listed with the watching thread. Changed only under the lock of
    /// [`LISTING`]; set only while the thread runs.
    watching: AtomicBool,
    /// Lists nothing, as when the watching thread cannot be started.
    #[cfg(test)]
    unlisted: AtomicBool,
}

impl Inner {
    fn table(&self, index: usize) -> MutexGuard<'_, Table> {
        // A panic while holding a table leaves it consistent (no update is partial).
        self.tables[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn in_flight(&self) -> usize {
        (0..TABLES).map(|i| self.table(i).live).sum()
    }

    /// Deadlines not passed when last looked at.
    fn pending(&self) -> usize {
        (0..TABLES).map(|i| self.table(i).pending).sum()
    }

    /// Marks the work whose deadline is `now` or earlier as woken and collects its wakers;
    /// returns the deadlines still pending.
    fn late(&self, now: std::time::Instant, late: &mut Vec<Waker>) -> usize {
        let mut pending = 0;
        for index in 0..TABLES {
            let mut table = self.table(index);
            let table = &mut *table;
            if table.pending > 0 {
                for entry in table.entries.iter_mut().flatten() {
                    if !entry.woken && entry.deadline <= now {
                        // Marked first: a waker that panics when copied is not tried again.
                        entry.woken = true;
                        table.pending -= 1;
                        late.push(entry.waker.clone());
                    }
                }
            }
            pending += table.pending;
        }
        pending
    }
}

#[derive(Default)]
struct Table {
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    /// Entries in use.
    live: usize,
    /// Entries not yet woken.
    pending: usize,
}

struct Entry {
    deadline: std::time::Instant,
    waker: Waker,
    /// Woken once its deadline passed: the work ends at its next poll.
    woken: bool,
}

impl Table {
    fn insert(&mut self, entry: Entry) -> usize {
        self.live += 1;
        self.pending += 1;
        match self.free.pop() {
            Some(slot) => {
                self.entries[slot] = Some(entry);
                slot
            }
            None => {
                self.entries.push(Some(entry));
                self.entries.len() - 1
            }
        }
    }

    fn remove(&mut self, slot: usize) {
        if let Some(entry) = self.entries.get_mut(slot).and_then(Option::take) {
            self.live -= 1;
            if !entry.woken {
                self.pending -= 1;
            }
            self.free.push(slot);
        }
    }
}

/// The table of the current thread.
fn this_threads_table() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static TABLE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % TABLES;
    }
    // During the thread's teardown its number is gone: any table serves.
    TABLE.try_with(|t| *t).unwrap_or(0)
}

impl Watchdog {
    /// A watchdog with no deadline in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` until it ends or `deadline` passes, whichever comes first. Nothing is
    /// registered for work that ends on its first poll.
    ///
    /// The deadline holds on any runtime or executor, whatever becomes of the others the
    /// watchdog is used from: the thread that watches deadlines belongs to none of them.
    pub async fn within<F: Future>(
        &self,
        deadline: Instant,
        work: F,
    ) -> Result<F::Output, Elapsed> {
        let deadline = deadline.into_std();
        let mut work = std::pin::pin!(work);
        let mut watched = Watched {
            inner: &self.inner,
            slot: None,
            waker: None,
            timer: None,
        };
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            // Not yet watched: the deadline was set just now, no clock is read for it.
            if watched.slot.is_some() && std::time::Instant::now() >= deadline {
                return Poll::Ready(Err(Elapsed));
            }
            if watched.watch(deadline, cx) {
                return Poll::Ready(Err(Elapsed));
            }
            Poll::Pending
        })
        .await
    }
}

/// The entry of one piece of work, removed when the work ends or is dropped.
struct Watched<'a> {
    inner: &'a Arc<Inner>,
    /// Its table and slot, once registered.
    slot: Option<(usize, usize)>,
    /// The waker in the entry.
    waker: Option<Waker>,
    /// A timer of its own, when the watching thread could not be started.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Watched<'_> {
    /// Registers the deadline, or the waker to wake when it passes; `true` when the work's own
    /// timer says it has passed.
    fn watch(&mut self, deadline: std::time::Instant, cx: &mut Context<'_>) -> bool {
        let waker = cx.waker();
        match self.slot {
            None => {
                let table = this_threads_table();
                let slot = self.inner.table(table).insert(Entry {
                    deadline,
                    waker: waker.clone(),
                    woken: false,
                });
                self.slot = Some((table, slot));
                self.waker = Some(waker.clone());
            }
            Some((table, slot)) => {
                if !self.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    if let Some(Some(entry)) = self.inner.table(table).entries.get_mut(slot) {
                        entry.waker = waker.clone();
                    }
                    self.waker = Some(waker.clone());
                }
            }
        }
        // Read first: the flag changes only when the client is listed or leaves the list.
        if self.timer.is_none()
            && !self.inner.watching.load(Ordering::SeqCst)
            && !list(self.inner)
            && tokio::runtime::Handle::try_current().is_ok()
        {
            // No thread watches: a timer of the runtime (which, like the HTTP client's own
            // timeouts, needs the runtime's timers enabled). Without a runtime, the work
            // tries the thread again at its next poll.
            self.timer = Some(Box::pin(tokio::time::sleep_until(Instant::from_std(
                deadline,
            ))));
        }
        self.timer
            .as_mut()
            .is_some_and(|timer| timer.as_mut().poll(cx).is_ready())
    }
}

impl Drop for Watched<'_> {
    fn drop(&mut self) {
        if let Some((table, slot)) = self.slot {
            self.inner.table(table).remove(slot);
        }
    }
}

/// The clients listed with the watching thread, and the thread.
struct Listing {
    /// Clients listed since the thread last took the list.
    clients: Vec<Weak<Inner>>,
    thread: Option<Thread>,
}

static LISTING: Mutex<Listing> = Mutex::new(Listing {
    clients: Vec::new(),
    thread: None,
});

fn listing() -> MutexGuard<'static, Listing> {
    LISTING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Lists the client with the watching thread (starting the thread when none runs yet), unless
/// it already is; `false` when the thread could not be started.
fn list(inner: &Arc<Inner>) -> bool {
    let mut listing = listing();
    if inner.watching.load(Ordering::SeqCst) {
        return true;
    }
    #[cfg(test)]
    if inner.unlisted.load(Ordering::SeqCst) {
        return false;
    }
    let thread = match &listing.thread {
        Some(thread) => thread.clone(),
        None => {
            let started = std::thread::Builder::new()
                .name("auth0-deadlines".to_owned())
                .spawn(watch);
            match started {
                Ok(handle) => listing.thread.insert(handle.thread().clone()).clone(),
                Err(error) => {
                    tracing::warn!(
                        %error,
                        "the thread that watches deadlines could not start; requests wait on timers of their own"
                    );
                    return false;
                }
            }
        }
    };
    listing.clients.push(Arc::downgrade(inner));
    inner.watching.store(true, Ordering::SeqCst);
    drop(listing);
    thread.unpark();
    true
}

/// The watching thread: every tick, wakes the work whose deadline has passed, of every client
/// listed; parks while none is.
fn watch() {
    let mut clients: Vec<Weak<Inner>> = Vec::new();
    let mut late = Vec::new();
    loop {
        clients.append(&mut listing().clients);
        if clients.is_empty() {
            // Listing a client unparks the thread (also when it comes before this).
            std::thread::park();
            continue;
        }
        let now = std::time::Instant::now();
        // Wakers are code of others: a panic in one must not end the watching of every
        // client. A client whose look-over panicked stays listed.
        clients.retain(|client| {
            catch_unwind(AssertUnwindSafe(|| look_over(client, now, &mut late))).unwrap_or(true)
        });
        for waker in late.drain(..) {
            let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
        }
        std::thread::sleep(TICK);
    }
}

/// Collects the client's late work; whether the client stays listed.
fn look_over(client: &Weak<Inner>, now: std::time::Instant, late: &mut Vec<Waker>) -> bool {
    let Some(inner) = client.upgrade() else {
        return false;
    };
    if inner.late(now, late) > 0 {
        return true;
    }
    let _listing = listing();
    inner.watching.store(false, Ordering::SeqCst);
    // Work registered after the count read the flag still set and listed nothing: keep the
    // client listed for it.
    let keep = inner.pending() > 0;
    if keep {
        inner.watching.store(true, Ordering::SeqCst);
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits (a bounded while) for the client to leave the watching thread's list.
    async fn unlisted(watchdog: &Watchdog) -> bool {
        for _ in 0..200 {
            if !watchdog.inner.watching.load(Ordering::SeqCst) {
                return true;
            }
            tokio::time::sleep(TICK).await;
        }
        false
    }

    #[tokio::test]
    async fn work_that_ends_in_time_keeps_its_output_and_leaves_no_entry() {
        let watchdog = Watchdog::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let out = watchdog
            .within(deadline, async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                7
            })
            .await;
        assert_eq!(out, Ok(7));
        assert_eq!(watchdog.inner.in_flight(), 0);
        assert_eq!(watchdog.inner.pending(), 0);
        // Ready at once: nothing registered, nothing listed.
        let fresh = Watchdog::new();
        assert_eq!(fresh.within(deadline, async { 1 }).await, Ok(1));
        assert!(!fresh.inner.watching.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn work_that_never_ends_stops_at_its_deadline() {
        let watchdog = Watchdog::new();
        let started = std::time::Instant::now();
        let deadline = Instant::now() + Duration::from_millis(50);
        let out = watchdog
            .within(deadline, std::future::pending::<()>())
            .await;
        assert_eq!(out, Err(Elapsed));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(50), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert_eq!(watchdog.inner.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_deadline_already_passed_ends_the_work_at_the_next_tick() {
        let watchdog = Watchdog::new();
        let started = std::time::Instant::now();
        let out = watchdog
            .within(Instant::now(), std::future::pending::<()>())
            .await;
        assert_eq!(out, Err(Elapsed));
        assert!(started.elapsed() < Duration::from_secs(2));
        // Work that is ready at once keeps its output, whatever the deadline.
        assert_eq!(watchdog.within(Instant::now(), async { 3 }).await, Ok(3));
    }

    #[tokio::test]
    async fn a_client_leaves_the_list_when_nothing_is_pending_and_comes_back() {
        let watchdog = Watchdog::new();
        let soon = || Instant::now() + Duration::from_millis(30);
        assert_eq!(
            watchdog.within(soon(), std::future::pending::<()>()).await,
            Err(Elapsed)
        );
        // The thread sees the empty tables at its next tick and lets the client go.
        assert!(unlisted(&watchdog).await);
        // A later deadline lists it again.
        assert_eq!(
            watchdog.within(soon(), std::future::pending::<()>()).await,
            Err(Elapsed)
        );
    }

    #[tokio::test]
    async fn work_woken_and_never_polled_again_keeps_no_client_listed() {
        let watchdog = Watchdog::new();
        let deadline = Instant::now() + Duration::from_millis(30);
        let mut abandoned = Box::pin(watchdog.within(deadline, std::future::pending::<()>()));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(abandoned.as_mut().poll(&mut cx).is_pending());
        assert!(watchdog.inner.watching.load(Ordering::SeqCst));
        // Woken once when its deadline passed: the thread has nothing more to do for it.
        assert!(unlisted(&watchdog).await);
        assert_eq!(watchdog.inner.in_flight(), 1);
        assert_eq!(watchdog.inner.pending(), 0);
        // Polled at last, it ends.
        assert_eq!(abandoned.as_mut().poll(&mut cx), Poll::Ready(Err(Elapsed)));
        drop(abandoned);
        assert_eq!(watchdog.inner.in_flight(), 0);
    }

    #[tokio::test]
    async fn without_the_thread_work_waits_on_a_timer_of_its_own() {
        let watchdog = Watchdog::new();
        watchdog.inner.unlisted.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_millis(50);
        let out = tokio::select! {
            biased;
            () = tokio::time::sleep(Duration::from_secs(5)) => None,
            out = watchdog.within(deadline, std::future::pending::<()>()) => Some(out),
        };
        assert_eq!(out, Some(Err(Elapsed)));
        assert!(!watchdog.inner.watching.load(Ordering::SeqCst));
        assert_eq!(watchdog.inner.in_flight(), 0);
    }

    /// A waker that panics when used.
    struct Panics;

    impl std::task::Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }

    #[tokio::test]
    async fn a_waker_that_panics_ends_no_watching() {
        let broken = Watchdog::new();
        let mut work = Box::pin(broken.within(Instant::now(), std::future::pending::<()>()));
        let waker = Waker::from(Arc::new(Panics));
        assert!(
            work.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        assert!(unlisted(&broken).await, "woken (and panicked) once");
        // The thread still watches other clients' deadlines.
        let watchdog = Watchdog::new();
        let deadline = Instant::now() + Duration::from_millis(30);
        let out = tokio::select! {
            biased;
            () = tokio::time::sleep(Duration::from_secs(5)) => None,
            out = watchdog.within(deadline, std::future::pending::<()>()) => Some(out),
        };
        assert_eq!(out, Some(Err(Elapsed)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_at_once_from_several_threads() {
        let watchdog = Watchdog::new();
        let tasks: Vec<_> = (0..200u64)
            .map(|i| {
                let watchdog = watchdog.clone();
                tokio::spawn(async move {
                    let deadline = Instant::now() + Duration::from_millis(100);
                    if i % 2 == 0 {
                        watchdog
                            .within(deadline, std::future::pending::<u64>())
                            .await
                    } else {
                        watchdog
                            .within(deadline, async move {
                                tokio::time::sleep(Duration::from_millis(i % 20)).await;
                                i
                            })
                            .await
                    }
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            let out = task.await.unwrap();
            if i % 2 == 0 {
                assert_eq!(out, Err(Elapsed));
            } else {
                assert_eq!(out, Ok(i as u64));
            }
        }
        assert_eq!(watchdog.inner.in_flight(), 0);
        assert_eq!(watchdog.inner.pending(), 0);
    }

    #[tokio::test]
    async fn dropped_work_leaves_no_entry() {
        let watchdog = Watchdog::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let cancelled = tokio::time::timeout(
            Duration::from_millis(20),
            watchdog.within(deadline, std::future::pending::<()>()),
        )
        .await;
        assert!(cancelled.is_err());
        assert_eq!(watchdog.inner.in_flight(), 0);
        assert_eq!(watchdog.inner.pending(), 0);
        assert!(unlisted(&watchdog).await);
    }
}
