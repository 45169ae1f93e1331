//! Query-aware snippets, a bounded phase after the fan-out.
//!
//! Drive has no snippet API and Notion's search matches titles only, so their hits arrive
//! without text around the query. Once every source has answered (the search itself is as fast
//! as its slowest source), the top hits of those sources are read at once
//! ([`workplace_connectors::Source::hit_text`]: one export or download per Drive file, the
//! page's own blocks per Notion page; either from the per-container cache when the item's edition
//! is there) and each snippet becomes the
//! passage that best matches the query ([`workplace_connectors::passage::best_passage`]). The
//! phase ends at its budget (`SNIPPET_BUDGET_MS`) or the request's deadline, whichever is first;
//! a hit not read by then keeps the snippet its source gave and says so
//! (`enrichment_skipped: true`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use workplace_connectors::passage::best_passage;
use workplace_connectors::{SearchHit, Source, SourceKind, UserContext};

use super::SearchResult;

/// Characters of a document read to find its best passage.
const HIT_TEXT_CHARS: usize = 20_000;

/// How much the enrichment phase may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnippetSettings {
    /// `SNIPPET_BUDGET_MS` (default 1000, 0..=10000; 0 turns enrichment off): the most the phase
    /// adds to a search.
    pub budget: Duration,
    /// `SNIPPET_HITS` (default 50, 0..=50): at most how many of the top results are enriched.
    /// The default is the largest `max_results`, so every hit a search returns gets a
    /// query-aware snippet; the reads run at once, so this costs upstream calls, not time.
    pub hits: usize,
}

impl Default for SnippetSettings {
    fn default() -> Self {
        Self {
            budget: Duration::from_millis(1_000),
            hits: crate::arguments::MAX_RESULTS as usize,
        }
    }
}

/// Replaces the snippets of the top `settings.hits` results of sources that read hits with the
/// passage of their text that best matches `query`, reading them concurrently until the budget
/// or `until` runs out. `lists` are the per-source hits `results` were merged from.
pub(super) async fn enrich(
    sources: &HashMap<SourceKind, Arc<dyn Source>>,
    user: &UserContext,
    query: &str,
    lists: &[(SourceKind, Vec<SearchHit>)],
    results: &mut [SearchResult],
    settings: SnippetSettings,
    until: Instant,
) {
    let deadline = until.min(Instant::now() + settings.budget);
    let mut chosen: Vec<(usize, Arc<dyn Source>, &SearchHit)> = Vec::new();
    for (index, result) in results.iter().enumerate() {
        if chosen.len() >= settings.hits {
            break;
        }
        let Some(source) = sources.get(&result.source).filter(|s| s.reads_hits()) else {
            continue;
        };
        let hit = lists
            .iter()
            .filter(|(kind, _)| *kind == result.source)
            .flat_map(|(_, hits)| hits)
            .find(|hit| result.id == format!("{}:{}", result.source, hit.item_id));
        if let Some(hit) = hit {
            chosen.push((index, source.clone(), hit));
        }
    }
    if chosen.is_empty() {
        return;
    }
    if settings.budget.is_zero() {
        for (index, _, _) in chosen {
            results[index].enrichment_skipped = Some(true);
        }
        return;
    }
    // Built eagerly into a Vec, as in `attach_content`, to keep the handler future `Send`.
    let jobs: Vec<_> = chosen
        .iter()
        .map(|(_, source, hit)| {
            tokio::time::timeout_at(
                deadline,
                source.hit_text(user, hit, HIT_TEXT_CHARS, deadline),
            )
        })
        .collect();
    let read = futures::future::join_all(jobs).await;
    for ((index, _, _), outcome) in chosen.iter().zip(read) {
        let result = &mut results[*index];
        match outcome {
            Ok(Ok(Some(text))) => {
                if let Some(passage) = best_passage(&text, query) {
                    result.snippet = passage;
                }
            }
            // No text to show (an image, an encrypted file): the source's snippet is all there is.
            Ok(Ok(None)) => {}
            // Not read in time, or the read failed: the snippet is not query-aware.
            Ok(Err(_)) | Err(_) => result.enrichment_skipped = Some(true),
        }
    }
}
