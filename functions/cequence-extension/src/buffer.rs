//! The bounded, ordered queue of records waiting to be shipped, and the count of what was dropped.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;
use workplace_record::InvocationRecord;

use crate::telemetry::Report;

/// One invocation record, with its report once it arrived.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) record: InvocationRecord,
    pub(crate) report: Option<Report>,
    pub(crate) received: Instant,
    bytes: usize,
}

/// Records dropped since the last successful shipment, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Drops {
    /// The buffer was full when the record arrived.
    pub(crate) buffer_full: u64,
    /// The receiver refused the batch (a 4xx other than 429).
    pub(crate) rejected: u64,
    /// The record outlived `CEQUENCE_MAX_RECORD_AGE_SECONDS` while the receiver was unreachable.
    pub(crate) expired: u64,
    /// Telemetry entries that could not be parsed.
    pub(crate) malformed: u64,
    /// Records Lambda itself dropped before delivering them (`platform.logsDropped`: the
    /// extension did not take them in fast enough).
    pub(crate) telemetry_api: u64,
}

impl Drops {
    pub(crate) fn total(&self) -> u64 {
        self.buffer_full + self.rejected + self.expired + self.malformed + self.telemetry_api
    }
}

/// The queue. Order is kept: a batch that failed goes back to the front.
#[derive(Debug)]
pub(crate) struct Buffer {
    entries: VecDeque<Entry>,
    bytes: usize,
    orphan_reports: HashMap<String, Report>,
    max_records: usize,
    max_bytes: usize,
    /// Drops not yet reported to the receiver.
    pub(crate) drops: Drops,
    /// Every drop since start, for the CloudWatch metric.
    pub(crate) drops_ever: u64,
}

/// Reports kept for records that have not arrived yet.
const MAX_ORPHAN_REPORTS: usize = 1_000;

impl Buffer {
    pub(crate) fn new(max_records: usize, max_bytes: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            bytes: 0,
            orphan_reports: HashMap::new(),
            max_records,
            max_bytes,
            drops: Drops::default(),
            drops_ever: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds a record, or counts it as dropped when the buffer is full.
    pub(crate) fn push(&mut self, record: InvocationRecord, now: Instant) {
        // What it costs to hold and to ship: its size as JSON.
        let bytes = serde_json::to_vec(&record).map_or(0, |json| json.len());
        if self.entries.len() >= self.max_records || self.bytes + bytes > self.max_bytes {
            self.drops.buffer_full += 1;
            self.drops_ever += 1;
            return;
        }
        let report = self.orphan_reports.remove(record.request_id.as_str());
        self.bytes += bytes;
        self.entries.push_back(Entry {
            record,
            report,
            received: now,
            bytes,
        });
    }

    /// Attaches a platform report to its record (or keeps it until the record arrives).
    pub(crate) fn attach(&mut self, report: Report) {
        let entry = self
            .entries
            .iter_mut()
            .rev()
            .find(|e| e.report.is_none() && e.record.request_id == report.request_id);
        match entry {
            Some(entry) => entry.report = Some(report),
            None => {
                if self.orphan_reports.len() >= MAX_ORPHAN_REPORTS {
                    self.orphan_reports.clear();
                }
                self.orphan_reports
                    .insert(report.request_id.clone(), report);
            }
        }
    }

    /// Drops records older than `max_age`, counting them.
    pub(crate) fn expire(&mut self, now: Instant, max_age: Duration) {
        while self
            .entries
            .front()
            .is_some_and(|e| now.duration_since(e.received) > max_age)
        {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.bytes;
                self.drops.expired += 1;
                self.drops_ever += 1;
            }
        }
    }

    /// Takes up to `max` records from the front that are ready: their report arrived, they waited
    /// `report_wait` for it, or `all` (at shutdown).
    pub(crate) fn take(
        &mut self,
        max: usize,
        now: Instant,
        report_wait: Duration,
        all: bool,
    ) -> Vec<Entry> {
        let mut batch = Vec::new();
        while batch.len() < max {
            let ready = self.entries.front().is_some_and(|e| {
                all || e.report.is_some() || now.duration_since(e.received) >= report_wait
            });
            if !ready {
                break;
            }
            if let Some(entry) = self.entries.pop_front() {
                self.bytes -= entry.bytes;
                batch.push(entry);
            }
        }
        batch
    }

    /// Puts a batch that could not be shipped back at the front, in order.
    pub(crate) fn requeue(&mut self, batch: Vec<Entry>) {
        for entry in batch.into_iter().rev() {
            self.bytes += entry.bytes;
            self.entries.push_front(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> InvocationRecord {
        InvocationRecord {
            request_id: id.into(),
            ..InvocationRecord::default()
        }
    }

    fn report(id: &str) -> Report {
        Report {
            request_id: id.into(),
            status: "success".into(),
            duration_ms: Some(1.0),
            billed_duration_ms: None,
            max_memory_used_mb: None,
            init_duration_ms: None,
        }
    }

    #[test]
    fn bounded_with_counted_drops_and_ordered_requeue() {
        let now = Instant::now();
        let mut buffer = Buffer::new(2, 1 << 20);
        for id in ["a", "b", "c"] {
            buffer.push(record(id), now);
        }
        assert_eq!((buffer.len(), buffer.drops.buffer_full), (2, 1));
        buffer.attach(report("a"));
        let batch = buffer.take(10, now, Duration::from_secs(5), false);
        assert_eq!(batch.len(), 1, "b waits for its report");
        buffer.requeue(batch);
        let all = buffer.take(10, now, Duration::from_secs(5), true);
        let ids: Vec<_> = all.iter().map(|e| e.record.request_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn reports_may_arrive_first_and_old_records_expire() {
        let now = Instant::now();
        let mut buffer = Buffer::new(10, 1 << 20);
        buffer.attach(report("x"));
        buffer.push(record("x"), now);
        assert!(
            buffer.take(1, now, Duration::from_secs(5), false)[0]
                .report
                .is_some()
        );
        buffer.push(record("y"), now);
        buffer.expire(now + Duration::from_secs(100), Duration::from_secs(10));
        assert_eq!((buffer.len(), buffer.drops.expired), (0, 1));
    }
}
