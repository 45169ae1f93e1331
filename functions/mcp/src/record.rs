//! The invocation record of one MCP HTTP request, shared by the layer and the tool handler.
//!
//! The layer starts the record (route, caller, JSON-RPC method) and emits it once the response is
//! known; the tool handler, which alone knows the sources, the query and whether the tool failed,
//! fills those fields in between through a [`RecordHandle`] carried in the request extensions.

use std::sync::{Arc, Mutex, PoisonError};

use workplace_service::record::InvocationRecord;
use workplace_service::tools::CallSummary;

/// A shared, mutable record. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct RecordHandle(Arc<Mutex<InvocationRecord>>);

impl RecordHandle {
    /// Wraps a started record.
    pub fn new(record: InvocationRecord) -> Self {
        Self(Arc::new(Mutex::new(record)))
    }

    /// Changes the record. A poisoned lock still yields the record: records are best effort and
    /// must never turn into a failed request.
    pub fn update(&self, change: impl FnOnce(&mut InvocationRecord)) {
        let mut record = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut record);
    }

    /// A copy of the record as it is now.
    pub fn snapshot(&self) -> InvocationRecord {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Notes a tool that ran: counts, per-source statuses, and `tool_error` when it failed.
    pub fn summarize(&self, summary: &CallSummary, is_error: bool) {
        self.update(|record| {
            record.result_count = Some(summary.result_count);
            record.source_status = summary.source_status.iter().copied().collect();
            let failed: Vec<String> = summary
                .source_status
                .iter()
                .filter(|(_, status)| *status != "ok")
                .map(|(source, status)| format!("{source}:{status}"))
                .collect();
            if !failed.is_empty() {
                record.reason = Some(failed.join(","));
            }
            record.outcome = if is_error { "tool_error" } else { "ok" };
        });
    }

    /// Notes a call that was refused before running, with its outcome and error code.
    pub fn refuse(&self, outcome: &'static str, code: &str) {
        self.update(|record| {
            record.outcome = outcome;
            record.error_code = Some(code.to_owned());
        });
    }
}
