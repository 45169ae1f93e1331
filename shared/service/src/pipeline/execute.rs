//! Stage 5: running the tool.

use super::{Caller, Exchange};
use crate::tools::{self, PreparedCall, ToolResult};
use workplace_record::Outcome;

impl Exchange {
    /// Runs a validated call; counts, per-source statuses and `tool_error` go into the record.
    pub async fn execute(&self, caller: &Caller, call: &PreparedCall) -> ToolResult {
        let (result, summary) = tools::run(&caller.parts.engine, call, &caller.principal).await;
        self.record.update(|r| {
            r.result_count = Some(summary.result_count);
            r.source_status = summary.source_status.iter().copied().collect();
            if let Some(failed) = r.failed_sources() {
                r.reason = Some(failed);
            }
            r.outcome = if result.is_error {
                Outcome::ToolError
            } else {
                Outcome::Ok
            };
        });
        result
    }
}
