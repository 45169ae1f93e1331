//! What the cache did, per part, since the container started: hit rate, bytes, and the faults
//! it absorbed.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Part;

/// One part's counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    reads: AtomicU64,
    hits: AtomicU64,
    faults: AtomicU64,
    writes: AtomicU64,
    deletes: AtomicU64,
    skipped: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
}

/// One part's counters, read at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PartStats {
    /// Reads sent to the table.
    pub reads: u64,
    /// Reads that returned a usable value.
    pub hits: u64,
    /// Reads, writes and deletes that failed or passed the deadline (the call went on without).
    pub faults: u64,
    /// Writes sent.
    pub writes: u64,
    /// Deletes sent (a refused token evicted).
    pub deletes: u64,
    /// Values not written because they exceed DynamoDB's item size even compressed.
    pub skipped: u64,
    /// Sealed bytes read in hits.
    pub bytes_read: u64,
    /// Sealed bytes written.
    pub bytes_written: u64,
}

/// Both parts' counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    token: Counters,
    text: Counters,
}

/// Which counter to add to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    Read,
    Hit(usize),
    Fault,
    Write(usize),
    Delete,
    Skipped,
}

impl Stats {
    pub(crate) fn count(&self, part: Part, event: Event) {
        let c = match part {
            Part::Token => &self.token,
            Part::Text => &self.text,
        };
        let add = |counter: &AtomicU64, n: usize| {
            counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
        };
        match event {
            Event::Read => add(&c.reads, 1),
            Event::Hit(bytes) => {
                add(&c.hits, 1);
                add(&c.bytes_read, bytes);
            }
            Event::Fault => add(&c.faults, 1),
            Event::Write(bytes) => {
                add(&c.writes, 1);
                add(&c.bytes_written, bytes);
            }
            Event::Delete => add(&c.deletes, 1),
            Event::Skipped => add(&c.skipped, 1),
        }
    }

    pub(crate) fn snapshot(&self, part: Part) -> PartStats {
        let c = match part {
            Part::Token => &self.token,
            Part::Text => &self.text,
        };
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        PartStats {
            reads: get(&c.reads),
            hits: get(&c.hits),
            faults: get(&c.faults),
            writes: get(&c.writes),
            deletes: get(&c.deletes),
            skipped: get(&c.skipped),
            bytes_read: get(&c.bytes_read),
            bytes_written: get(&c.bytes_written),
        }
    }
}
