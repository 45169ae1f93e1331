//! Stage 5: running the tool.

use super::{Caller, Exchange};
use crate::tools::{self, Confirmation, PreparedCall, ToolResult};
use workplace_record::Outcome;

impl Exchange {
    /// Runs a validated call; counts, per-source statuses and `tool_error` go into the record.
    pub async fn execute(&self, caller: &Caller, call: &PreparedCall) -> ToolResult {
        self.execute_confirmed(caller, call, Confirmation::NotAsked)
            .await
    }

    /// [`Self::execute`], saying whether a person confirmed the call through the client.
    pub async fn execute_confirmed(
        &self,
        caller: &Caller,
        call: &PreparedCall,
        confirmation: Confirmation,
    ) -> ToolResult {
        let (result, summary) =
            tools::run_confirmed(&caller.parts.engine, call, &caller.principal, confirmation).await;
        // The shared cache's writes (a fetched token, extracted text) ran beside the call; none
        // may be in flight when Lambda freezes the container after the response.
        if let Some(cache) = &caller.parts.shared_cache {
            cache.flush().await;
        }
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
