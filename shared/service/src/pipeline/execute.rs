//! Stage 5: running the tool.

use super::{Caller, Exchange};
use crate::tools::{self, Confirmation, PreparedCall, ToolResult};
use workplace_cache::{Part, PartStats, SharedCache};
use workplace_record::{CachePartUse, CacheUse, Outcome};

/// Both parts' counters of `cache` now.
fn counters(cache: &SharedCache) -> [PartStats; 2] {
    [cache.stats(Part::Token), cache.stats(Part::Text)]
}

/// What the cache did between two readings of its counters; `None` if nothing.
fn used(before: [PartStats; 2], after: [PartStats; 2]) -> Option<CacheUse> {
    let part = |b: PartStats, a: PartStats| CachePartUse {
        reads: a.reads.saturating_sub(b.reads),
        hits: a.hits.saturating_sub(b.hits),
        writes: (a.writes + a.deletes).saturating_sub(b.writes + b.deletes),
        faults: a.faults.saturating_sub(b.faults),
        bytes_read: a.bytes_read.saturating_sub(b.bytes_read),
        bytes_written: a.bytes_written.saturating_sub(b.bytes_written),
    };
    let used = CacheUse {
        token: part(before[0], after[0]),
        text: part(before[1], after[1]),
    };
    (used != CacheUse::default()).then_some(used)
}

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
        let cache = caller.parts.shared_cache.as_ref();
        let before = cache.map(counters);
        let (result, summary) =
            tools::run_confirmed(&caller.parts.engine, call, &caller.principal, confirmation).await;
        // The shared cache's writes (a fetched token, extracted text) ran beside the call; none
        // may be in flight when Lambda freezes the container after the response. (A container
        // serves one call at a time, so the counters' difference is this call's.)
        let cache_use = match (cache, before) {
            (Some(cache), Some(before)) => {
                cache.flush().await;
                used(before, counters(cache))
            }
            _ => None,
        };
        self.record.update(|r| {
            r.result_count = Some(summary.result_count);
            r.cache = cache_use;
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
