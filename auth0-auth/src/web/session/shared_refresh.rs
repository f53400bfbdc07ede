//! Refreshing a session kept in a store that several processes share: one process at a time
//! per session, under the store's lock, so that no two spend the same refresh token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::super::data::{SessionData, from_unix, unix};
use super::super::store::{SessionStore, StoreError};
use super::{AccessToken, Outcome, Session, WebError};

/// How long the lock is held at most (a refresh that takes longer loses it), and how long a
/// process waits for it.
const LOCK_HOLD: Duration = Duration::from_secs(15);

/// How often a waiting process tries the lock again.
const POLL: Duration = Duration::from_millis(20);

impl Session {
    /// An access token for `audience`, refreshed under session `id`'s lock in `store`.
    pub(super) async fn token_shared(
        &self,
        store: &Arc<dyn SessionStore>,
        id: &str,
        audience: Option<&str>,
    ) -> Result<AccessToken, WebError> {
        let lease = crate::random_string();
        let started = Instant::now();
        while !store
            .lock_refresh(id, &lease, LOCK_HOLD)
            .await
            .map_err(WebError::Store)?
        {
            if started.elapsed() >= LOCK_HOLD {
                return Err(WebError::Store(StoreError::new(
                    "the session's refresh lock was not released in time",
                )));
            }
            tokio::time::sleep(POLL).await;
        }
        let result = self.refresh_locked(store.as_ref(), id, audience).await;
        if let Err(e) = store.unlock_refresh(id, &lease).await {
            // It ends by itself after LOCK_HOLD.
            tracing::warn!(error = %e, "a session's refresh lock could not be released");
        }
        result
    }

    async fn refresh_locked(
        &self,
        store: &dyn SessionStore,
        id: &str,
        audience: Option<&str>,
    ) -> Result<AccessToken, WebError> {
        let auth = &self.shared.auth;
        // Another process may have refreshed the session while this one waited: the store
        // holds its latest tokens.
        let Some(stored) = store.load(id).await.map_err(WebError::Store)? else {
            tracing::debug!("a session ended while its tokens were being refreshed");
            return Err(WebError::LoginRequired);
        };
        let now = unix(auth.now());
        let leeway = auth.inner.refresh_leeway.as_secs();
        let (refresh_token, own) = {
            let mut state = self.state();
            adopt(&mut state, stored);
            if let Some(t) = state.data.token(audience)
                && (t.expires_at == 0 || t.expires_at > now.saturating_add(leeway))
            {
                return Ok(AccessToken::from_stored(t));
            }
            let own = state.data.audience.as_deref() == audience;
            let refresh_token = state.data.refresh_token.clone();
            (refresh_token.ok_or(WebError::NoRefreshToken)?, own)
        };
        let outcome = auth
            .inner
            .refresher
            .refresh(auth, &refresh_token, audience, own)
            .await;
        let keep = matches!(outcome, Outcome::Done(_) | Outcome::Revoked(_));
        let result = self.apply(outcome, audience);
        if keep {
            // Saved before the lock is released: the next holder reads the rotated refresh
            // token (or that there is none any more).
            let data = SessionData::clone(&self.state().data);
            let expires_at = from_unix(auth.expires_at(&data));
            store
                .save(id, &data, expires_at)
                .await
                .map_err(WebError::Store)?;
        }
        result
    }
}

/// Takes the tokens of the session as the store holds it (the rest is this request's:
/// its renewal of the rolling expiry, say).
fn adopt(state: &mut super::State, stored: SessionData) {
    let data = Arc::make_mut(&mut state.data);
    if stored.id_token.expose_secret() != data.id_token.expose_secret() {
        data.id_token = stored.id_token;
        state.user = None;
    }
    data.refresh_token = stored.refresh_token;
    data.tokens = stored.tokens;
}
