//! The shared cache: sealed values by keyed name, read within a deadline, written off the
//! critical path.

use std::io::Read as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use flate2::Compression;
use flate2::read::{DeflateDecoder, DeflateEncoder};
use tokio::task::JoinHandle;

use crate::Part;
use crate::config::CacheConfig;
use crate::keyring::Keyring;
use crate::stats::{Event, PartStats, Stats};
use crate::store::{CacheStore, DynamoCacheStore, Item};

/// DynamoDB's item limit is 400 KB, attribute names and the key included; sealed values above
/// this are not written (counted as skipped).
pub const MAX_SEALED_BYTES: usize = 380_000;
/// The most a value may inflate to: the largest text a connector keeps (8 MiB) with room.
const MAX_PLAIN_BYTES: u64 = 9 * 1024 * 1024;
/// Values shorter than this are stored as they are (a token does not compress).
const COMPRESS_FROM: usize = 512;
const RAW: u8 = 0;
const DEFLATE: u8 = 1;

/// The cache shared by every container (see the crate's documentation). Cheap to clone.
#[derive(Clone)]
pub struct SharedCache {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn CacheStore>,
    keys: Keyring,
    config: CacheConfig,
    stats: Stats,
    /// Writes and deletes not yet awaited; [`SharedCache::flush`] awaits them before the
    /// response, so Lambda does not freeze a container with a write in flight.
    pending: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCache")
            .field("config", &self.inner.config)
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What the seal binds besides the value: the item's name, part and expiry.
fn aad(pk: &str, part: Part, expires: u64) -> Vec<u8> {
    format!("{pk}\0{}\0{expires}", part.as_str()).into_bytes()
}

fn pack(value: &[u8]) -> Vec<u8> {
    if value.len() >= COMPRESS_FROM {
        let mut packed = vec![DEFLATE];
        let mut encoder = DeflateEncoder::new(value, Compression::fast());
        if encoder.read_to_end(&mut packed).is_ok() && packed.len() < value.len() {
            return packed;
        }
    }
    let mut packed = Vec::with_capacity(value.len() + 1);
    packed.push(RAW);
    packed.extend_from_slice(value);
    packed
}

fn unpack(packed: &[u8]) -> Option<Vec<u8>> {
    let (&format, body) = packed.split_first()?;
    match format {
        RAW => Some(body.to_vec()),
        DEFLATE => {
            let mut value = Vec::new();
            DeflateDecoder::new(body)
                .take(MAX_PLAIN_BYTES + 1)
                .read_to_end(&mut value)
                .ok()?;
            (value.len() as u64 <= MAX_PLAIN_BYTES).then_some(value)
        }
        _ => None,
    }
}

impl SharedCache {
    /// A cache over `store`.
    pub fn new(store: Arc<dyn CacheStore>, keys: Keyring, config: CacheConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                keys,
                config,
                stats: Stats::default(),
                pending: Mutex::default(),
            }),
        }
    }

    /// A cache in the DynamoDB table `config.table`, each request bounded by `config.timeout`
    /// (per attempt and per operation, retries included).
    pub fn dynamodb(aws: &aws_config::SdkConfig, keys: Keyring, config: CacheConfig) -> Self {
        let store = DynamoCacheStore::from_sdk(aws, &config);
        Self::new(Arc::new(store), keys, config)
    }

    /// Whether `part` is switched on.
    pub fn enabled(&self, part: Part) -> bool {
        match part {
            Part::Token => self.inner.config.tokens,
            Part::Text => self.inner.config.text,
        }
    }

    /// How long a text entry is kept.
    pub fn text_ttl(&self) -> Duration {
        self.inner.config.text_ttl
    }

    /// `part`'s value for `fields` and when it expires, if cached, unexpired, sealed by a key
    /// still listed and unaltered. Any fault is a miss, within the deadline.
    pub async fn get(&self, part: Part, fields: &[&str]) -> Option<(Vec<u8>, SystemTime)> {
        if !self.enabled(part) {
            return None;
        }
        let inner = &self.inner;
        let pk = inner.keys.item_key(part, fields);
        inner.stats.count(part, Event::Read);
        let item = match tokio::time::timeout(inner.config.timeout, inner.store.get(&pk)).await {
            Ok(Ok(item)) => item?,
            Ok(Err(err)) => {
                inner.stats.count(part, Event::Fault);
                tracing::warn!(part = part.as_str(), error = %err, "shared cache read failed; going upstream");
                return None;
            }
            Err(_) => {
                inner.stats.count(part, Event::Fault);
                tracing::warn!(
                    part = part.as_str(),
                    "shared cache read passed its deadline; going upstream"
                );
                return None;
            }
        };
        let now = unix(SystemTime::now());
        if item.part != part || item.expires <= now {
            return None;
        }
        let bytes = item.sealed.ciphertext.len();
        let packed = inner
            .keys
            .open(&aad(&pk, part, item.expires), item.sealed)?;
        let value = unpack(&packed)?;
        inner.stats.count(part, Event::Hit(bytes));
        Some((
            value,
            SystemTime::UNIX_EPOCH + Duration::from_secs(item.expires),
        ))
    }

    /// Keeps `value` as `part`'s for `fields` until `expires`, in the background. With
    /// `fingerprint`, the entry can later be deleted only while it still holds this value.
    pub fn put(
        &self,
        part: Part,
        fields: &[&str],
        value: &[u8],
        expires: SystemTime,
        fingerprint: bool,
    ) {
        if !self.enabled(part) {
            return;
        }
        let inner = Arc::clone(&self.inner);
        let pk = inner.keys.item_key(part, fields);
        let expires = unix(expires);
        let fingerprint = fingerprint.then(|| inner.keys.fingerprint(value));
        let packed = pack(value);
        self.spawn(async move {
            let sealed = match inner.keys.seal(&aad(&pk, part, expires), packed) {
                Ok(sealed) => sealed,
                Err(err) => {
                    inner.stats.count(part, Event::Fault);
                    tracing::warn!(part = part.as_str(), error = %err, "shared cache write not sealed");
                    return;
                }
            };
            let bytes = sealed.ciphertext.len();
            if bytes > MAX_SEALED_BYTES {
                inner.stats.count(part, Event::Skipped);
                return;
            }
            inner.stats.count(part, Event::Write(bytes));
            let item = Item { part, expires, sealed, fingerprint };
            match tokio::time::timeout(inner.config.timeout, inner.store.put(&pk, item)).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    inner.stats.count(part, Event::Fault);
                    tracing::warn!(part = part.as_str(), error = %err, "shared cache write failed");
                }
                Err(_) => {
                    inner.stats.count(part, Event::Fault);
                    tracing::warn!(part = part.as_str(), "shared cache write passed its deadline");
                }
            }
        });
    }

    /// Forgets `part`'s value for `fields`; with `only_if`, only while the entry still holds that
    /// value (a value another container wrote since is kept). Awaited, not in the background: the
    /// caller is about to look again (a refused token is replaced next), and must not read back
    /// what it is deleting.
    pub async fn delete(&self, part: Part, fields: &[&str], only_if: Option<&[u8]>) {
        if !self.enabled(part) {
            return;
        }
        let inner = &self.inner;
        let pk = inner.keys.item_key(part, fields);
        let fingerprint = only_if.map(|value| inner.keys.fingerprint(value));
        inner.stats.count(part, Event::Delete);
        let delete = inner.store.delete(&pk, fingerprint.as_deref());
        if !matches!(
            tokio::time::timeout(inner.config.timeout, delete).await,
            Ok(Ok(()))
        ) {
            inner.stats.count(part, Event::Fault);
            tracing::warn!(
                part = part.as_str(),
                "shared cache delete failed; the entry expires on its own"
            );
        }
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut pending = self
            .inner
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pending.retain(|handle| !handle.is_finished());
        pending.push(tokio::spawn(task));
    }

    /// Waits for the writes and deletes started so far (each is bounded by the deadline
    /// already), so none is in flight when Lambda freezes the container after the response.
    pub async fn flush(&self) {
        let pending = std::mem::take(
            &mut *self
                .inner
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for handle in pending {
            let _ = handle.await;
        }
    }

    /// `part`'s counters since the container started.
    pub fn stats(&self, part: Part) -> PartStats {
        self.inner.stats.snapshot(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_compresses_text() {
        for value in [
            &b""[..],
            b"tok",
            &[b'a'; 600],
            "é".repeat(10_000).as_bytes(),
        ] {
            assert_eq!(unpack(&pack(value)).unwrap(), value);
        }
        assert!(pack(&[b'a'; 100_000]).len() < 1_000);
        assert_eq!(pack(b"tok")[0], RAW);
        assert_eq!(unpack(&[9, 1, 2]), None);
        assert_eq!(unpack(&[]), None);
    }

    #[test]
    fn a_value_that_inflates_past_the_bound_is_a_miss() {
        let mut bomb = vec![DEFLATE];
        let zeros = vec![0u8; (MAX_PLAIN_BYTES + 10) as usize];
        DeflateEncoder::new(&zeros[..], Compression::best())
            .read_to_end(&mut bomb)
            .unwrap();
        assert_eq!(unpack(&bomb), None);
    }
}
