//! `POST /v1/search` for pages (titles only). One round trip per search page and nothing else:
//! snippets are the service's enrichment phase (`Source::hit_text`), after every source answered.

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use super::Notion;
use super::render::page_hit;
use super::wire::{List, Page};
use crate::connector::Search;
use crate::query::dialect::{self, Pass};
use crate::query::{Plan, Planned};
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
        self.titles(token, query, limit, deadline).await
    }

    /// Notion compares titles only, so a plan becomes a few title queries, run concurrently (one
    /// round trip per pass), their hits interleaved best first; a date range filters afterwards
    /// (search has no date filter).
    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let strict = dialect::notion_titles(plan, Pass::Strict);
        let titles = if strict.is_empty() && plan.range.is_some() {
            // Only a date: every page, filtered below.
            vec![String::new()]
        } else if strict.is_empty() {
            vec![plan.original.clone()]
        } else {
            strict
        };
        let strict = async {
            let mut hits = self.many(token, &titles, limit, deadline).await?;
            if let Some(range) = plan.range {
                hits.retain(|h| {
                    h.modified_time
                        .as_deref()
                        .is_some_and(|t| range.contains_rfc3339(t))
                });
            }
            Ok(hits)
        };
        let relaxed = || {
            let titles = dialect::notion_titles(plan, Pass::Relaxed);
            (!titles.is_empty()).then(|| (titles.join(" | "), titles))
        };
        Planned::both_passes(
            plan,
            limit,
            &titles.join(" | "),
            strict,
            relaxed,
            |titles: Vec<String>| async move { self.many(token, &titles, limit, deadline).await },
        )
        .await
    }
}

impl Notion {
    /// Several title searches at once; their hits interleaved by rank, each page once. Fails only
    /// when every search failed.
    async fn many(
        &self,
        token: &SecretString,
        titles: &[String],
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let answers = futures::future::join_all(
            titles
                .iter()
                .map(|t| self.titles(token, t, limit, deadline)),
        )
        .await;
        let mut lists = Vec::new();
        let mut first_error = None;
        for answer in answers {
            match answer {
                Ok(hits) => lists.push(hits.into_iter()),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        if lists.is_empty()
            && let Some(err) = first_error
        {
            return Err(err);
        }
        let mut seen = std::collections::HashSet::new();
        let mut hits = Vec::new();
        loop {
            let mut any = false;
            for list in &mut lists {
                if let Some(hit) = list.next() {
                    any = true;
                    if seen.insert(hit.item_id.clone()) {
                        hits.push(hit);
                    }
                }
            }
            if !any {
                break;
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// `POST /v1/search` for pages whose title matches `query`, paged.
    async fn titles(
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
