//! A cache shared by every container of every function: upstream access tokens and extracted
//! text, in DynamoDB, so a user's first call in a new container costs what a warm one does.
//!
//! # What the table holds
//! Nothing readable. An item's name (`pk`) is an HMAC of its part and fields under a key derived
//! from the secret's `query_hash_key` ([`Keyring`]); its value is sealed with AES-256-GCM under
//! the secret's `cache_keys` and bound to its name and expiry. The only plain attributes are the
//! part (`token` or `text`, to attribute the table's traffic), the expiry (`expires`, the TTL
//! attribute), the sealing key's id and, for tokens, a keyed fingerprint for conditional deletes.
//!
//! # Never on the critical path
//! A read is bounded by `CACHE_TIMEOUT_MS`; a fault, a timeout, an expired, retired-key or
//! altered item is a miss, and the call goes upstream as if there were no cache. Writes and
//! deletes run in the background and are awaited (each bounded) before the response, so a
//! miss costs one read and nothing else.
//!
//! # Who may be served
//! The cache decides nothing about access: its callers do. Tokens are named by user, upstream
//! and acting identity; text is served by the connectors only after the caller's own upstream
//! request in this call proved access to the item, exactly as the per-container caches are.

mod config;
mod keyring;
mod shared;
mod stats;
mod store;

pub use config::{CacheConfig, Problem};
pub use keyring::{KeyError, Keyring, Sealed};
pub use shared::{MAX_SEALED_BYTES, SharedCache};
pub use stats::PartStats;
pub use store::{BoxFuture, CacheStore, DynamoCacheStore, Item, StoreError};

/// What a cache entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// An upstream access token of one user for one upstream.
    Token,
    /// An item's extracted text at one version.
    Text,
}

impl Part {
    /// The name stored in the item's `part` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Text => "text",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "token" => Some(Self::Token),
            "text" => Some(Self::Text),
            _ => None,
        }
    }
}
