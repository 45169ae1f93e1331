//! The token cache every broker shares: one entry per key (a user, or the app), single-flight.
//!
//! [`TokenCache::get_or_fetch`] returns a cached token while it has more than [`EARLY_REFRESH`]
//! left, so a token is never handed out in its last minute. On a miss, the first caller for a key
//! fetches while later callers for the same key wait for it and reuse its token: a burst of
//! concurrent searches by one user makes one token request, not one each. A failed fetch is not
//! cached; the next waiter tries itself. If the fetching caller is cancelled (its deadline passed)
//! the slot is released and the next waiter fetches.
//!
//! With a [`SharedCache`], a miss here reads the token another container fetched before fetching
//! one (a user's first call in a new container then costs what a warm one does), a fetched token
//! is written for the other containers, and an evicted one is deleted there too (only if the
//! shared entry still holds that token). The shared entry is named by the same three parts as the
//! key, plus the broker's namespace: its kind and what it asks for (the scopes), so two brokers
//! of one app that ask for different scopes (Drive's reading and commenting brokers) never share
//! an entry, as their per-container caches never do.
//!
//! Time is `tokio::time::Instant`, so tests drive expiry with paused time; the shared cache's
//! expiries are wall-clock times.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use workplace_cache::{Part, SharedCache};

use crate::SourceError;

/// Tokens are refreshed this long before they expire.
pub(crate) const EARLY_REFRESH: Duration = Duration::from_secs(60);
/// At most this many keys per broker (one per user).
const CAPACITY: usize = 10_000;

/// Whose token a cache entry is: the upstream (an app id or a scope), the caller's subject and
/// the identity the token actually acts as (the subject for Descope, the impersonated email for
/// delegation). All three are in the key, so no change in one of them can reuse a token fetched
/// for another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    upstream: String,
    subject: String,
    identity: String,
}

impl TokenKey {
    /// The shared cache's fields for this key under a broker of `namespace`.
    fn fields<'a>(&'a self, namespace: &'a str) -> [&'a str; 4] {
        [namespace, &self.upstream, &self.subject, &self.identity]
    }

    /// The key of `subject`'s token for `upstream`, acting as `identity`.
    pub(crate) fn new(upstream: &str, subject: &str, identity: &str) -> Self {
        Self {
            upstream: upstream.to_owned(),
            subject: subject.to_owned(),
            identity: identity.to_owned(),
        }
    }
}

/// One key's token and when it expires; `None` until fetched.
type Slot = Arc<tokio::sync::Mutex<Option<(SecretString, Instant)>>>;

/// Cached tokens by key, each with its expiry.
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Slot>>,
    /// The cache shared across containers, and the broker's namespace there.
    shared: Option<(SharedCache, String)>,
}

fn fresh(entry: Option<&(SecretString, Instant)>) -> Option<SecretString> {
    entry
        .filter(|(_, expires)| Instant::now() + EARLY_REFRESH < *expires)
        .map(|(token, _)| token.clone())
}

impl TokenCache {
    /// A cache that also reads and writes `shared`, naming entries by the broker's `namespace`
    /// (its kind and the scopes it asks for), so no two brokers that would get different tokens
    /// share an entry.
    pub(crate) fn with_shared(shared: Option<SharedCache>, namespace: String) -> Self {
        Self {
            slots: Mutex::default(),
            shared: shared.map(|cache| (cache, namespace)),
        }
    }

    /// The token another container cached for `key`, if it has more than [`EARLY_REFRESH`] left,
    /// with the time it has left.
    async fn shared_token(&self, key: &TokenKey) -> Option<(SecretString, Duration)> {
        let (cache, namespace) = self.shared.as_ref()?;
        let (value, expires) = cache.get(Part::Token, &key.fields(namespace)).await?;
        let left = expires.duration_since(SystemTime::now()).ok()?;
        let token = String::from_utf8(value).ok()?;
        (left > EARLY_REFRESH).then(|| (SecretString::from(token), left))
    }

    /// The cached token for `key`, or the one `fetch` gets (with its lifetime), fetched once
    /// however many callers miss at the same time.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: &TokenKey,
        fetch: F,
    ) -> Result<SecretString, SourceError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, Duration), SourceError>>,
    {
        let slot = self.slot(key);
        let mut entry = slot.lock().await;
        if let Some(token) = fresh(entry.as_ref()) {
            return Ok(token);
        }
        if let Some((token, left)) = self.shared_token(key).await {
            *entry = Some((token.clone(), Instant::now() + left));
            return Ok(token);
        }
        let (token, lifetime) = fetch().await?;
        *entry = Some((token.clone(), Instant::now() + lifetime));
        if let Some((cache, namespace)) = &self.shared {
            cache.put(
                Part::Token,
                &key.fields(namespace),
                token.expose_secret().as_bytes(),
                SystemTime::now() + lifetime,
                true,
            );
        }
        Ok(token)
    }

    /// Forgets `key`'s token if it is still `stale` (an upstream refused it before it expired:
    /// revoked, or its grant changed), so the next [`Self::get_or_fetch`] fetches a new one. A
    /// token another caller already replaced is kept: evicting it would only cost a fetch.
    pub(crate) async fn evict(&self, key: &TokenKey, stale: &SecretString) {
        if let Some((cache, namespace)) = &self.shared {
            cache
                .delete(
                    Part::Token,
                    &key.fields(namespace),
                    Some(stale.expose_secret().as_bytes()),
                )
                .await;
        }
        let slot = {
            let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.get(key).cloned()
        };
        let Some(slot) = slot else { return };
        let mut entry = slot.lock().await;
        if entry
            .as_ref()
            .is_some_and(|(token, _)| token.expose_secret() == stale.expose_secret())
        {
            *entry = None;
        }
    }

    fn slot(&self, key: &TokenKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        if slots.len() >= CAPACITY {
            // Keep what is in use or still fresh; drop the rest.
            slots.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot
                        .try_lock()
                        .map_or(true, |entry| fresh(entry.as_ref()).is_some())
            });
        }
        let slot = Slot::default();
        if slots.len() < CAPACITY {
            slots.insert(key.clone(), slot.clone());
        }
        slot
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A fetch that counts itself and then waits until `gate` has a permit (it gives it back).
    async fn fetch_counted(
        fetches: &AtomicUsize,
        gate: &tokio::sync::Semaphore,
        lifetime: Duration,
    ) -> Result<(SecretString, Duration), SourceError> {
        let n = fetches.fetch_add(1, Ordering::SeqCst);
        let _permit = gate.acquire().await;
        Ok((SecretString::from(format!("token-{n}")), lifetime))
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_misses_for_one_key_make_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let (cache, fetches, gate) = (cache.clone(), fetches.clone(), gate.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_fetch(&TokenKey::new("app", "alice", "alice"), || {
                            fetch_counted(&fetches, &gate, Duration::from_secs(3600))
                        })
                        .await
                })
            })
            .collect();
        // Let every caller reach the cache while the first fetch is held, then open the gate:
        // a cache without single flight would have started a fetch per caller by now.
        while fetches.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        for _ in 0..64 {
            tokio::task::yield_now().await;
        }
        gate.add_permits(1);
        for caller in callers {
            let token = caller.await.unwrap().unwrap();
            assert_eq!(token.expose_secret(), "token-0");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // Another key is another fetch.
        let bob = cache
            .get_or_fetch(&TokenKey::new("app", "bob", "bob"), || {
                fetch_counted(&fetches, &gate, Duration::from_secs(3600))
            })
            .await
            .unwrap();
        assert_eq!(bob.expose_secret(), "token-1");
    }

    #[tokio::test(start_paused = true)]
    async fn entries_expire_a_minute_before_the_token() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let gate = tokio::sync::Semaphore::new(1);
        let key = TokenKey::new("app", "", "app");
        let get = || {
            cache.get_or_fetch(&key, || {
                fetch_counted(&fetches, &gate, Duration::from_secs(600))
            })
        };
        get().await.unwrap();
        tokio::time::advance(Duration::from_secs(539)).await;
        get().await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "still 61 s left");
        tokio::time::advance(Duration::from_secs(1)).await;
        let token = get().await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "60 s left: refreshed");
        assert_eq!(token.expose_secret(), "token-1");
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_reused_only_for_the_same_upstream_subject_and_identity() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let gate = tokio::sync::Semaphore::new(1);
        let hour = Duration::from_secs(3600);
        let keys = [
            TokenKey::new("drive.readonly", "batch-job", "alice@acme.example"),
            TokenKey::new("drive.readonly", "batch-job", "bob@acme.example"),
            TokenKey::new("drive.readonly", "U2alice", "alice@acme.example"),
            TokenKey::new("drive", "batch-job", "alice@acme.example"),
        ];
        let mut tokens = Vec::new();
        for key in &keys {
            let token = cache
                .get_or_fetch(key, || fetch_counted(&fetches, &gate, hour))
                .await
                .unwrap();
            tokens.push(token.expose_secret().to_owned());
        }
        assert_eq!(tokens, ["token-0", "token-1", "token-2", "token-3"]);
        let again = cache
            .get_or_fetch(&keys[1], || fetch_counted(&fetches, &gate, hour))
            .await
            .unwrap();
        assert_eq!(again.expose_secret(), "token-1");
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn eviction_forgets_only_the_refused_token() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let gate = tokio::sync::Semaphore::new(1);
        let hour = Duration::from_secs(3600);
        let key = TokenKey::new("google-drive", "U2alice", "U2alice");
        let get = || cache.get_or_fetch(&key, || fetch_counted(&fetches, &gate, hour));
        let first = get().await.unwrap();
        // Another token than the cached one: someone already refreshed, nothing is evicted.
        cache.evict(&key, &SecretString::from("token-other")).await;
        assert_eq!(get().await.unwrap().expose_secret(), "token-0");
        cache.evict(&key, &first).await;
        assert_eq!(get().await.unwrap().expose_secret(), "token-1");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        // Evicting a key never fetched is harmless.
        cache
            .evict(&TokenKey::new("x", "y", "z"), &SecretString::from("t"))
            .await;
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_not_cached() {
        let cache = TokenCache::default();
        let err = cache
            .get_or_fetch(&TokenKey::new("app", "carol", "carol"), || async {
                Err(SourceError::Timeout)
            })
            .await;
        assert_eq!(err.unwrap_err(), SourceError::Timeout);
        let ok = cache
            .get_or_fetch(&TokenKey::new("app", "carol", "carol"), || async {
                Ok((SecretString::from("t"), Duration::from_secs(3600)))
            })
            .await
            .unwrap();
        assert_eq!(ok.expose_secret(), "t");
    }
}
