//! `POST /v1/search` for pages (titles only). One round trip per search page and nothing else:
//! snippets are the service's enrichment phase (`Source::hit_text`), after every source answered.

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use super::Notion;
use super::render::page_hit;
use super::wire::{List, Page};
use crate::connector::Search;
use crate::upstream::Auth;
use crate::{SearchHit, SourceError, SourceKind};

/// Search pages read at most.
const MAX_PAGES: usize = 3;

impl Search for Notion {
    const KIND: SourceKind = SourceKind::Notion;

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let url = self.base_url.join(&["v1", "search"]);
        let mut hits = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut body = json!({"query": query, "filter": {"property": "object", "value": "page"}, "page_size": limit.clamp(1, 100)});
            if let Some(c) = &cursor {
                body["start_cursor"] = json!(c);
            }
            let page: List<Page> = self
                .upstream
                .json(Auth::Bearer(token), deadline, |http| {
                    http.post(url.clone()).json(&body)
                })
                .await?;
            // Partial objects (`{"object":"page","id":...}`) and data sources are skipped, not fatal.
            hits.extend(page.results.iter().filter_map(page_hit));
            cursor = page.next().map(str::to_owned);
            if hits.len() >= limit || cursor.is_none() {
                break;
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }
}
