//! Where invocation records go, and the parts of a record only the service can fill in (time,
//! the keyed query hash).
//!
//! The record type itself lives in `workplace-record`, shared with the Cequence extension. Records
//! are written straight to stdout (one `write` of the record and its EMF lines) rather than through
//! `tracing`, so the extension and CloudWatch Logs Insights read a flat, stable schema.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use aws_lc_rs::hmac;
pub use workplace_record::{InvocationRecord, MCP_SERVER};

/// Keys the query hash, so a hash in a log cannot be matched against hashes of guessed queries by
/// anyone who lacks the key.
#[derive(Clone)]
pub struct QueryHasher(hmac::Key);

impl std::fmt::Debug for QueryHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryHasher(..)")
    }
}

impl QueryHasher {
    /// A hasher with `key` (the secret's `query_hash_key`).
    pub fn new(key: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, key))
    }

    /// A hasher with a random key: hashes then correlate repeated queries within one container
    /// only. Used when the secret holds no `query_hash_key`.
    pub fn random() -> Self {
        let key: [u8; 32] = rand::random();
        Self::new(&key)
    }

    /// Records a query's length and keyed hash, and its text only when allowed.
    pub fn apply(&self, record: &mut InvocationRecord, query: &str, log_text: bool) {
        record.query_len = Some(query.chars().count());
        let tag = hmac::sign(&self.0, query.as_bytes());
        record.query_hash = Some(hex::encode(&tag.as_ref()[..8]));
        record.query = log_text.then(|| query.to_owned());
    }
}

/// Where records go.
pub trait RecordSink: Send + Sync {
    /// Writes one record.
    fn emit(&self, record: &InvocationRecord);
}

/// Standard output: what Lambda ships to CloudWatch and the Telemetry API. Each record is followed
/// by its CloudWatch EMF metric lines.
#[derive(Debug, Default)]
pub struct StdoutSink;

impl RecordSink for StdoutSink {
    fn emit(&self, record: &InvocationRecord) {
        let Ok(mut lines) = serde_json::to_vec(record) else {
            return;
        };
        lines.push(b'\n');
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        for doc in crate::metrics::emf_documents(record, u64::try_from(now_ms).unwrap_or(0)) {
            if serde_json::to_writer(&mut lines, &doc).is_ok() {
                lines.push(b'\n');
            }
        }
        // One write for all lines, so concurrent writers cannot interleave within them.
        let _ = std::io::stdout().lock().write_all(&lines);
    }
}

/// Keeps records in memory, for tests that assert on them.
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<InvocationRecord>>);

impl MemorySink {
    /// The records so far.
    pub fn records(&self) -> Vec<InvocationRecord> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl RecordSink for MemorySink {
    fn emit(&self, record: &InvocationRecord) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record.clone());
    }
}

/// One request's record while it is being written. Cloning shares it: on `/mcp` the entry point
/// and the tool handler inside rmcp fill in the same record.
#[derive(Debug, Clone, Default)]
pub struct RecordHandle(Arc<Mutex<InvocationRecord>>);

impl RecordHandle {
    /// Wraps a started record.
    pub fn new(record: InvocationRecord) -> Self {
        Self(Arc::new(Mutex::new(record)))
    }

    /// Changes the record. A poisoned lock still yields the record: records are best effort and
    /// must never turn into a failed request.
    pub fn update<T>(&self, change: impl FnOnce(&mut InvocationRecord) -> T) -> T {
        let mut record = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut record)
    }

    /// A copy of the record as it is now.
    pub fn snapshot(&self) -> InvocationRecord {
        self.update(|record| record.clone())
    }
}

/// Now, formatted for the record.
pub fn timestamp_now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_a_keyed_hash_unless_allowed() {
        let hasher = QueryHasher::new(b"key one");
        let mut record = InvocationRecord::default();
        hasher.apply(&mut record, "quarterly budget", false);
        assert_eq!(record.query_len, Some(16));
        let hash = record.query_hash.clone().unwrap();
        assert_eq!(hash.len(), 16);
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("quarterly"), "{json}");

        // Not the bare SHA-256 of the query, and different under another key.
        use sha2::{Digest, Sha256};
        let bare = hex::encode(&Sha256::digest(b"quarterly budget")[..8]);
        assert_ne!(hash, bare);
        let mut other = InvocationRecord::default();
        QueryHasher::new(b"key two").apply(&mut other, "quarterly budget", false);
        assert_ne!(other.query_hash.unwrap(), hash);
        // Stable under the same key.
        let mut again = InvocationRecord::default();
        hasher.apply(&mut again, "quarterly budget", false);
        assert_eq!(again.query_hash.unwrap(), hash);

        hasher.apply(&mut record, "quarterly budget", true);
        assert!(
            serde_json::to_string(&record)
                .unwrap()
                .contains("quarterly budget")
        );
    }

    #[test]
    fn timestamps_are_rfc3339_with_milliseconds() {
        let ts = timestamp_now();
        assert!(
            time::OffsetDateTime::parse(&ts, &time::format_description::well_known::Rfc3339)
                .is_ok()
        );
        assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
    }
}
