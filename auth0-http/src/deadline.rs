//! Deadlines of requests in flight, watched by one task per client instead of a timer each.
//!
//! A tokio timer per request takes the runtime's one timer lock twice (to register it and to
//! cancel it) from every worker thread, and may wake the thread that waits on the timers:
//! under load from several threads that lock is contended. Here a request's deadline goes into
//! one of a few tables chosen by the thread the request starts on (a lock that thread mostly
//! has to itself), and one task per [`Watchdog`] looks over the tables every [`TICK`] while
//! requests are in flight, waking those whose deadline has passed; it ends when none is left.
//! A request that outlives its deadline ends at most a tick after it.
//!
//! The watching task runs on the runtime of the request that started it (the one in flight
//! when none was), as the HTTP client's own connection tasks do.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::time::Instant;

/// How often the deadlines are looked over while requests are in flight.
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
    /// Whether a task watches the tables.
    watching: AtomicBool,
}

impl Inner {
    fn table(&self, index: usize) -> MutexGuard<'_, Table> {
        // A panic while holding a table leaves it consistent (no update is partial).
        self.tables[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn in_flight(&self) -> usize {
        (0..TABLES).map(|i| self.table(i).live).sum()
    }
}

#[derive(Default)]
struct Table {
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    live: usize,
}

struct Entry {
    deadline: Instant,
    waker: Waker,
}

impl Table {
    fn insert(&mut self, entry: Entry) -> usize {
        self.live += 1;
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
        if self.entries.get_mut(slot).and_then(Option::take).is_some() {
            self.live -= 1;
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
    pub async fn within<F: Future>(
        &self,
        deadline: Instant,
        work: F,
    ) -> Result<F::Output, Elapsed> {
        let mut work = std::pin::pin!(work);
        let mut watched = Watched {
            inner: &self.inner,
            slot: None,
            waker: None,
        };
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            // Not yet watched: the deadline was set just now, no clock is read for it.
            if watched.slot.is_some() && Instant::now() >= deadline {
                return Poll::Ready(Err(Elapsed));
            }
            watched.watch(deadline, cx.waker());
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
}

impl Watched<'_> {
    fn watch(&mut self, deadline: Instant, waker: &Waker) {
        if self.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return;
        }
        self.waker = Some(waker.clone());
        match self.slot {
            Some((table, slot)) => {
                if let Some(Some(entry)) = self.inner.table(table).entries.get_mut(slot) {
                    entry.waker = waker.clone();
                }
            }
            None => {
                let table = this_threads_table();
                let slot = self.inner.table(table).insert(Entry {
                    deadline,
                    waker: waker.clone(),
                });
                self.slot = Some((table, slot));
                // Read first: the flag is written only when the watching task starts or ends.
                if !self.inner.watching.load(Ordering::SeqCst)
                    && !self.inner.watching.swap(true, Ordering::SeqCst)
                {
                    start_watching(self.inner);
                }
            }
        }
    }
}

impl Drop for Watched<'_> {
    fn drop(&mut self) {
        if let Some((table, slot)) = self.slot {
            self.inner.table(table).remove(slot);
        }
    }
}

fn start_watching(inner: &Arc<Inner>) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(watch(Arc::downgrade(inner)));
        }
        // No runtime to run on (the HTTP client needs one, so no request is in flight):
        // the next deadline tries again.
        Err(_) => inner.watching.store(false, Ordering::SeqCst),
    }
}

/// The watching task: every tick, wakes the work whose deadline has passed; ends when no work
/// is in flight, or when the watchdog is gone.
async fn watch(inner: Weak<Inner>) {
    /// Clears the flag however the task ends (also when its runtime shuts down and drops it),
    /// so that the next deadline starts a new task.
    struct Stopped(Weak<Inner>);
    impl Drop for Stopped {
        fn drop(&mut self) {
            if let Some(inner) = self.0.upgrade() {
                inner.watching.store(false, Ordering::SeqCst);
            }
        }
    }
    let mut stopped = Stopped(inner.clone());
    loop {
        tokio::time::sleep(TICK).await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut live = 0;
        for index in 0..TABLES {
            let table = inner.table(index);
            live += table.live;
            for entry in table.entries.iter().flatten() {
                if entry.deadline <= now {
                    entry.waker.wake_by_ref();
                }
            }
        }
        if live > 0 {
            continue;
        }
        inner.watching.store(false, Ordering::SeqCst);
        // Work registered after the count saw the flag still set and started no task: look
        // again, and keep watching unless another task has started meanwhile.
        if inner.in_flight() == 0 || inner.watching.swap(true, Ordering::SeqCst) {
            // The flag is already clear, or another task's.
            stopped.0 = Weak::new();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Ready at once: nothing registered, no task started.
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
    async fn the_watching_task_ends_when_nothing_is_in_flight_and_starts_again() {
        let watchdog = Watchdog::new();
        let soon = || Instant::now() + Duration::from_millis(30);
        assert_eq!(
            watchdog.within(soon(), std::future::pending::<()>()).await,
            Err(Elapsed)
        );
        // The task sees the empty tables at its next tick and ends.
        for _ in 0..100 {
            if !watchdog.inner.watching.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(TICK).await;
        }
        assert!(!watchdog.inner.watching.load(Ordering::SeqCst));
        // A later deadline starts a new one.
        assert_eq!(
            watchdog.within(soon(), std::future::pending::<()>()).await,
            Err(Elapsed)
        );
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
    }
}
