//! Time as the clients see it: the real clock, or one that tests move by hand.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// The future [`Clock::sleep`] returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the clients read the time and how they wait: backoff before a retry, token renewal,
/// the cache lifetimes of keys and tokens.
///
/// [`SystemClock`] is the real one. [`ManualClock`] lets tests run backoff, renewal and expiry
/// without real waiting.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Monotonic time, for durations and deadlines.
    fn now(&self) -> Instant;
    /// Wall-clock time, for the server's dates (`Retry-After`, `X-RateLimit-Reset`).
    fn system_time(&self) -> SystemTime;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: `Instant::now()`, `SystemTime::now()`, `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The real clock, shared.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock that moves only when told: [`advance`](ManualClock::advance) moves it, and
/// [`Clock::sleep`] moves it by the time asked and returns at once (recording the wait, see
/// [`slept`](ManualClock::slept)). Clones share one time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    start: Instant,
    wall_start: SystemTime,
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug, Default)]
struct ManualState {
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl ManualClock {
    /// A clock starting at the current time.
    pub fn new() -> Self {
        ManualClock {
            start: Instant::now(),
            wall_start: SystemTime::now(),
            state: Arc::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state();
        state.elapsed = state.elapsed.saturating_add(by);
    }

    /// How far the clock has moved since it was made.
    pub fn elapsed(&self) -> Duration {
        self.state().elapsed
    }

    /// Every wait asked of [`Clock::sleep`], in order.
    pub fn slept(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }

    /// This clock as the shared handle the clients take.
    pub fn shared(&self) -> Arc<dyn Clock> {
        Arc::new(self.clone())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let elapsed = self.elapsed();
        self.start.checked_add(elapsed).unwrap_or(self.start)
    }

    fn system_time(&self) -> SystemTime {
        let elapsed = self.elapsed();
        self.wall_start
            .checked_add(elapsed)
            .unwrap_or(self.wall_start)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        {
            let mut state = self.state();
            state.elapsed = state.elapsed.saturating_add(duration);
            state.sleeps.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_moves_when_told() {
        let clock = ManualClock::new();
        let t0 = clock.now();
        let w0 = clock.system_time();
        clock.advance(Duration::from_secs(5));
        clock.sleep(Duration::from_secs(2)).await;
        assert_eq!(clock.now() - t0, Duration::from_secs(7));
        assert_eq!(
            clock.system_time().duration_since(w0).unwrap(),
            Duration::from_secs(7)
        );
        assert_eq!(clock.slept(), vec![Duration::from_secs(2)]);
        let shared = clock.shared();
        shared.sleep(Duration::from_secs(1)).await;
        assert_eq!(clock.elapsed(), Duration::from_secs(8));
    }
}
