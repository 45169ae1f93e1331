//! Per-container token leases: tokens taken from a shared bucket in one conditional write and
//! then spent locally, so most calls cost no round trip and far fewer writes than calls.
//!
//! # Why this never admits more than the limit
//! A lease takes its tokens from the shared bucket *before* any of them is spent (one
//! conditional `UpdateItem`, exact under concurrency like a single take), and a container only
//! admits a call against a token it holds. Across all containers, the calls admitted are
//! therefore never more than the tokens the bucket gave out, which GCRA bounds by the burst plus
//! the rate. The one difference from taking a token per call is *when* a token is spent: up to
//! the lease lifetime after it left the bucket, so a window's calls may be spread up to that
//! much later than the bucket's own accounting says; the total is unchanged. Stated as GCRA's
//! bound: over any window of `w` seconds, at most `burst + rate × (w + lifetime)` calls (exactly
//! `burst + rate × w` with a lease size of 1, or when the clock stands still, as in a burst).
//!
//! # What unused leases cost (the under-admission bound)
//! Tokens a container has leased and not yet spent are withheld from the other containers:
//! at most `lease size` per key per container, so at most `containers × lease size` per key in
//! all, each for at most the lease lifetime. When a lease expires its unspent tokens are dropped,
//! not handed back (a write that would buy little); the bucket refills them at its own rate, like
//! tokens of calls that were made. Two things keep the waste small: a lease is at most a quarter
//! of the limit's burst, and its size adapts — a key starts at one token per lease, doubles while
//! leases run out before they expire, and falls back to what was spent when one expires unspent,
//! so a key a container serves rarely never ties up more than it uses.
//!
//! # Refill when exhausted, not in the background
//! The caller who finds the lease empty takes the next one, while holding the key's slot: calls
//! that arrive meanwhile wait for that one write instead of each sending their own, which keeps
//! the 200-way burst exact. Every other call spends a local token and pays nothing. A background
//! refill when the lease runs low would be wrong for Lambda: between invocations the execution
//! environment is frozen, so a refill started after the response may not run until the next
//! invocation thaws it (racing the call it was meant to serve, on a connection that may have gone
//! stale), and a refill nobody uses only withholds more tokens. Refilling on exhaustion costs one
//! round trip per lease, on the call that needs it, and nothing on the others.
//!
//! # Charges of several tokens
//! A call may cost more than one token (the service charges by the work a call may do). Its
//! tokens are spent together or not at all: from the lease when it holds them all, otherwise
//! from a new lease of at least that many, taken in one conditional write that takes none when
//! the bucket has fewer (`DynamoStore::lease_at_least`). A charge is never split between two
//! leases; the old lease's leftover is dropped, which only ever under-admits.
//!
//! # Rejections are cheap too
//! When the bucket has no token, the stored TAT says when it will have one; until then calls are
//! refused locally, with the same `Retry-After`, instead of each paying a failed write (an
//! abusive caller costs no writes). Tokens given back by a call a later limit rejected return to
//! the lease they came from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::Gcra;
use crate::dynamo::{DynamoStore, Grant, StoreError};

/// Keys with local state kept before idle ones (no live lease) are forgotten.
const MAX_KEYS: usize = 10_000;

/// What asking a key for one token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Acquired {
    /// A token was spent.
    Admitted {
        /// The lease it came from, for [`Leases::give_back`].
        generation: u64,
        /// Calls the shared bucket still admits, counting this container's unspent tokens.
        remaining: u32,
        /// Milliseconds until the bucket has fully refilled.
        reset_ms: u64,
    },
    /// The bucket has no token; its stored TAT.
    Rejected(u64),
}

/// The local state of one key.
#[derive(Debug, Default)]
struct Slot {
    /// Unspent tokens of the current lease.
    tokens: u32,
    /// Tokens of the current lease spent so far (sizes the next lease).
    spent: u32,
    /// Tokens the current lease took.
    size: u32,
    /// The last millisecond the current lease may be spent in.
    expires: u64,
    /// The bucket's TAT right after the current lease was taken.
    tat: u64,
    /// Which lease this is (0: none yet), so a token given back returns only to its own lease.
    generation: u64,
    /// The stored TAT when the bucket last had no token.
    empty: Option<u64>,
}

impl Slot {
    fn live(&self, now: u64) -> bool {
        self.generation != 0 && now <= self.expires
    }

    /// Spends `cost` local tokens at once, if the lease is live and has them.
    fn spend(&mut self, now: u64, gcra: Gcra, cost: u32) -> Option<Acquired> {
        if !self.live(now) || self.tokens < cost {
            return None;
        }
        self.tokens -= cost;
        self.spent += cost;
        // The bucket as it would stand had this container taken only what it has spent.
        let tat = self
            .tat
            .saturating_sub(u64::from(self.tokens) * gcra.interval_ms);
        Some(Acquired::Admitted {
            generation: self.generation,
            remaining: gcra.remaining(tat, now),
            reset_ms: tat.saturating_sub(now),
        })
    }

    /// The stored TAT, while the bucket last seen short still has fewer than `cost` tokens at
    /// `now`.
    fn still_short(&self, now: u64, gcra: Gcra, cost: u32) -> Option<u64> {
        self.empty.filter(|&tat| gcra.available(tat, now) < cost)
    }

    /// The bucket's TAT as this container last saw it.
    fn seen(&self) -> Option<u64> {
        self.empty.or((self.generation != 0).then_some(self.tat))
    }

    /// How many tokens the next lease asks for.
    fn next_size(&self, now: u64, max: u32) -> u32 {
        let size = if self.generation == 0 {
            1
        } else if self.live(now) {
            // Spent before it expired: the key is busy here.
            self.size.saturating_mul(2)
        } else {
            self.spent
        };
        size.clamp(1, max)
    }

    fn install(&mut self, count: u32, tat: u64, now: u64, lifetime_ms: u64) {
        *self = Self {
            tokens: count,
            spent: 0,
            size: count,
            expires: now.saturating_add(lifetime_ms),
            tat,
            generation: self.generation + 1,
            empty: None,
        };
    }

    fn give_back(&mut self, generation: u64, now: u64, count: u32) {
        if self.generation == generation && self.live(now) {
            let count = count.min(self.spent);
            self.tokens += count;
            self.spent -= count;
        }
    }
}

/// The leases of one container, per key.
#[derive(Debug)]
pub(crate) struct Leases {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
    max_size: u32,
    lifetime_ms: u64,
}

impl Leases {
    /// Leases of at most `max_size` tokens, usable for `lifetime_ms`.
    pub(crate) fn new(max_size: u32, lifetime_ms: u64) -> Self {
        Self {
            slots: Mutex::default(),
            max_size: max_size.max(1),
            lifetime_ms,
        }
    }

    /// Spends `cost` tokens of `key` at once: local ones if the lease has them all, otherwise
    /// from a new lease of at least `cost` tokens taken from `store` in one conditional write
    /// (see the module documentation). All or nothing: a charge is never split between the old
    /// lease and a new one (the old lease's leftover is dropped, which only ever under-admits).
    /// `cost` must not exceed the burst; the limiter refuses such a call before asking.
    pub(crate) async fn acquire(
        &self,
        store: &DynamoStore,
        key: &str,
        gcra: Gcra,
        now: u64,
        cost: u32,
    ) -> Result<Acquired, StoreError> {
        let cost = cost.clamp(1, gcra.burst);
        let slot = self.slot(key, now);
        let mut slot = slot.lock().await;
        if let Some(admitted) = slot.spend(now, gcra, cost) {
            return Ok(admitted);
        }
        if let Some(tat) = slot.still_short(now, gcra, cost) {
            return Ok(Acquired::Rejected(tat));
        }
        let max = self.max_size.min((gcra.burst / 4).max(1));
        let (size, seen) = (slot.next_size(now, max).max(cost), slot.seen());
        match store
            .lease_at_least(key, gcra, now, size, cost, seen)
            .await?
        {
            Grant::Leased { count, tat } => {
                slot.install(count, tat, now, self.lifetime_ms);
                Ok(slot
                    .spend(now, gcra, cost)
                    .unwrap_or(Acquired::Rejected(tat)))
            }
            Grant::Rejected(tat) => {
                slot.empty = Some(tat);
                Ok(Acquired::Rejected(tat))
            }
        }
    }

    /// Returns `count` tokens spent from lease `generation` of `key` (a later limit rejected the
    /// call). A lease that has since expired or been replaced keeps nothing: they are dropped.
    pub(crate) async fn give_back(&self, key: &str, generation: u64, now: u64, count: u32) {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned();
        if let Some(slot) = slot {
            slot.lock().await.give_back(generation, now, count);
        }
    }

    fn slot(&self, key: &str, now: u64) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() >= MAX_KEYS && !slots.contains_key(key) {
            // Forget keys nobody is using and whose lease is over: their unspent tokens are
            // dropped, which only ever under-admits.
            slots.retain(|_, slot| {
                Arc::strong_count(slot) > 1 || slot.try_lock().is_ok_and(|s| s.live(now))
            });
        }
        slots.entry(key.to_owned()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limit;

    fn gcra() -> Gcra {
        Gcra::new(Limit {
            rate: 10.0,
            burst: 20,
        })
    }

    #[test]
    fn a_lease_is_spent_locally_until_empty_or_expired() {
        let mut slot = Slot::default();
        let now = 1_000_000;
        assert_eq!(slot.spend(now, gcra(), 1), None, "no lease yet");
        slot.install(3, now + 300, now, 1000);
        let Some(Acquired::Admitted { remaining, .. }) = slot.spend(now, gcra(), 1) else {
            panic!("a live lease spends");
        };
        assert_eq!(
            remaining, 19,
            "the headers count unspent leased tokens as available"
        );
        assert!(
            slot.spend(now + 1000, gcra(), 1).is_some(),
            "usable to its last ms"
        );
        assert_eq!(slot.spend(now + 1001, gcra(), 1), None, "expired");
        assert_eq!(slot.tokens, 1, "the expired token is never spent");
    }

    #[test]
    fn lease_sizes_double_while_busy_and_fall_back_to_use() {
        let mut slot = Slot::default();
        let now = 1_000_000;
        assert_eq!(slot.next_size(now, 8), 1, "a new key starts small");
        let mut size = 1;
        for expected in [2, 4, 8, 8] {
            slot.install(size, now, now, 1000);
            while slot.spend(now, gcra(), 1).is_some() {}
            size = slot.next_size(now, 8);
            assert_eq!(size, expected);
        }
        slot.install(8, now, now, 1000);
        slot.spend(now, gcra(), 1);
        slot.spend(now, gcra(), 1);
        assert_eq!(slot.next_size(now + 1001, 8), 2, "expired: what was spent");
        slot.install(8, now, now, 1000);
        assert_eq!(slot.next_size(now + 1001, 8), 1, "never below one");
    }

    #[test]
    fn a_token_given_back_returns_only_to_its_live_lease() {
        let mut slot = Slot::default();
        let now = 1_000_000;
        slot.install(2, now, now, 1000);
        let Some(Acquired::Admitted { generation, .. }) = slot.spend(now, gcra(), 1) else {
            panic!("spends");
        };
        slot.give_back(generation, now, 1);
        assert_eq!(slot.tokens, 2);
        slot.give_back(generation, now, 1);
        assert_eq!(slot.tokens, 2, "never more than the lease took");
        slot.spend(now, gcra(), 1);
        slot.install(1, now, now, 1000);
        slot.give_back(generation, now, 1);
        assert_eq!(slot.tokens, 1, "a replaced lease takes nothing back");
    }

    #[test]
    fn an_empty_bucket_is_refused_locally_until_it_refills() {
        let mut slot = Slot::default();
        let now = 1_000_000;
        let full = now + 2000; // 20 × 100 ms: no token until now + 100.
        slot.empty = Some(full);
        assert_eq!(slot.still_short(now, gcra(), 1), Some(full));
        assert_eq!(slot.still_short(now + 99, gcra(), 1), Some(full));
        assert_eq!(slot.still_short(now + 100, gcra(), 1), None);
    }

    #[test]
    fn a_charge_of_several_tokens_is_spent_whole_or_not_at_all() {
        let mut slot = Slot::default();
        let now = 1_000_000;
        slot.install(5, now + 500, now, 1000);
        assert_eq!(slot.spend(now, gcra(), 6), None, "never part of a charge");
        assert_eq!(slot.tokens, 5);
        let Some(Acquired::Admitted { generation, .. }) = slot.spend(now, gcra(), 4) else {
            panic!("four of five");
        };
        assert_eq!((slot.tokens, slot.spent), (1, 4));
        slot.give_back(generation, now, 4);
        assert_eq!(
            (slot.tokens, slot.spent),
            (5, 0),
            "the whole charge returns"
        );
        slot.empty = Some(now + 1900); // One token free at `now`.
        assert_eq!(slot.still_short(now, gcra(), 1), None);
        assert_eq!(slot.still_short(now, gcra(), 2), Some(now + 1900));
    }
}
