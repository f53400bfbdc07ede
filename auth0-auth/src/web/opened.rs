//! Session cookies opened recently, by their exact text. A browser sends the same session
//! cookie with every request until the session changes, and opening it (base64url, AES-GCM,
//! the encoding, the user's claims) costs more than the rest of a small request: a cookie
//! seen before is compared whole with the one kept and its session copied out instead.
//!
//! What is kept is what the text opened to, so a hit gives what opening it again would;
//! expiry, renewal and the logout record are checked on every request all the same. Only
//! stateless sessions are kept (a store's session may change behind its cookie), at most
//! [`CAPACITY`] of them; sessions this application writes are put in as they are written, so
//! the request after a refresh or a login finds its cookie here too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::data::SessionData;
use super::session::User;

/// How many opened cookies are kept (a few kilobytes each).
pub(crate) const CAPACITY: usize = 1024;
const SHARDS: usize = 8;

/// An opened cookie: its text, its session, the user of its ID token.
pub(crate) struct Entry {
    text: Box<str>,
    pub(crate) data: Arc<SessionData>,
    pub(crate) user: Option<Arc<User>>,
}

/// The cache (one per [`WebAuth`](super::WebAuth): its keys opened these).
#[derive(Default)]
pub(crate) struct Opened {
    shards: [Mutex<HashMap<Box<str>, Arc<Entry>>>; SHARDS],
}

/// The key of a sealed value: its last part, the AES-GCM tag (authenticated, and different
/// for every value sealed); the whole text is compared on a hit.
fn key(text: &str) -> &str {
    text.rsplit('.').next().unwrap_or(text)
}

impl Opened {
    fn shard(&self, key: &str) -> &Mutex<HashMap<Box<str>, Arc<Entry>>> {
        let byte = key.as_bytes().last().copied().unwrap_or(0);
        &self.shards[usize::from(byte) % SHARDS]
    }

    /// What `text` opened to, if it was kept.
    pub(crate) fn get(&self, text: &str) -> Option<Arc<Entry>> {
        let key = key(text);
        let shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shard.get(key).filter(|e| &*e.text == text).cloned()
    }

    /// Keeps what `text` opens to.
    pub(crate) fn put(&self, text: &str, data: Arc<SessionData>, user: Option<Arc<User>>) {
        let key = key(text);
        let entry = Arc::new(Entry {
            text: text.into(),
            data,
            user,
        });
        let mut shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if shard.len() >= CAPACITY / SHARDS
            && let Some(old) = shard.keys().next().cloned()
        {
            // Any one goes: a cookie dropped is opened again when it comes back.
            shard.remove(&old);
        }
        shard.insert(key.into(), entry);
    }

    /// Forgets every cookie (for tests of the path without the cache).
    #[cfg(test)]
    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            shard.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }

    /// How many cookies are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::WebAuth;
    use crate::web::cookie::Present;
    use crate::web::data::tests::sample;
    use crate::web::data::unix;

    #[tokio::test]
    async fn a_cookie_opens_to_the_same_session_from_the_cache_as_without() {
        let auth = WebAuth::builder("tenant.example")
            .client_id("client")
            .client_secret("secret")
            .base_url("http://127.0.0.1:3000")
            .secret("a cookie secret of more than thirty-two bytes")
            .build()
            .unwrap();
        let now = unix(std::time::SystemTime::now());
        let mut data = sample();
        (data.created_at, data.touched_at) = (now, now);
        let mut cookies = Vec::new();
        auth.write_new_session(data, Present::default(), &mut cookies)
            .await
            .unwrap();
        assert_eq!(auth.inner.opened.len(), 1, "a session written is kept");
        let cookie = cookies[0].to_str().unwrap().split(';').next().unwrap();
        let mut request = http::HeaderMap::new();
        request.insert(http::header::COOKIE, cookie.parse().unwrap());

        let cached = auth.session(&request).await.unwrap().unwrap();
        auth.inner.opened.clear();
        let opened = auth.session(&request).await.unwrap().unwrap();
        assert_eq!(cached.data().to_bytes(), opened.data().to_bytes());
        assert_eq!(auth.inner.opened.len(), 1, "a session opened is kept");

        // A cookie altered in one character is not the one kept, and opens to nothing.
        let mut altered = cookie.to_owned().into_bytes();
        let i = altered.len() - 30;
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        request.insert(
            http::header::COOKIE,
            String::from_utf8(altered).unwrap().parse().unwrap(),
        );
        assert!(auth.session(&request).await.unwrap().is_none());
        assert_eq!(auth.inner.opened.len(), 1);
    }

    #[test]
    fn a_cookie_is_found_by_its_whole_text_only() {
        let cache = Opened::default();
        let text = "header..iv.ciphertext.tag1";
        cache.put(text, Arc::new(sample()), None);
        assert!(cache.get(text).is_some());
        // Same tag, other text: not the same cookie.
        assert!(cache.get("header..iv.other.tag1").is_none());
        assert!(cache.get("header..iv.ciphertext.tag2").is_none());
        assert_eq!(cache.get(text).unwrap().data.sub(), sample().sub());
    }

    #[test]
    fn it_keeps_at_most_its_capacity() {
        let cache = Opened::default();
        for i in 0..CAPACITY * 3 {
            cache.put(&format!("h..iv.c.tag{i}"), Arc::new(sample()), None);
        }
        assert!(cache.len() <= CAPACITY, "{}", cache.len());
        assert!(
            cache
                .get(&format!("h..iv.c.tag{}", CAPACITY * 3 - 1))
                .is_some()
        );
    }
}
