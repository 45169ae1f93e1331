//! `search_threads` for a plan: one hit per thread, short pages followed.

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use super::wire::ThreadPage;
use super::{Gmail, MAX_PAGE_SIZE, MAX_PAGES, render};
use crate::query::dialect::{Pass, kql_value};
use crate::query::mail::{concepts, gmail, gmail_filters};
use crate::query::{Plan, Planned};
use crate::{SearchHit, SourceError};

impl Gmail {
    /// Searches for what the caller typed, each word a plain value (nothing typed is an operator).
    pub(crate) async fn search_text(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let words: Vec<String> = query
            .split_whitespace()
            .map(kql_value)
            .filter(|w| !w.is_empty())
            .collect();
        let concepts: Vec<Vec<String>> = words.iter().map(|w| vec![w.clone()]).collect();
        self.query(token, &words.join(" "), &concepts, limit, deadline)
            .await
    }

    /// The strict pass of `plan`, then the relaxed one when it found too little.
    pub(crate) async fn search_planned(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        // The caller's filters narrow both passes (the service checks each hit's own fields).
        let filters = gmail_filters(&plan.filters);
        let with_filters = |q: String| match &filters {
            Some(f) => format!("{q} {f}"),
            None => q,
        };
        let Some(strict) = gmail(plan, Pass::Strict) else {
            let hits = match &filters {
                // Nothing to search for but the filters: every message they admit.
                Some(q) => self.query(token, q, &[], limit, deadline).await?,
                None => {
                    self.search_text(token, &plan.original, limit, deadline)
                        .await?
                }
            };
            return Ok(Planned::pass_through(hits, &plan.original));
        };
        let strict = with_filters(strict);
        let terms: Vec<Vec<String>> = concepts(plan).iter().map(|g| g.terms.clone()).collect();
        let relaxed =
            || gmail(plan, Pass::Relaxed).map(|q| (with_filters(q.clone()), with_filters(q)));
        let terms = &terms;
        Planned::both_passes(
            plan,
            limit,
            &strict,
            self.query(token, &strict, terms, limit, deadline),
            relaxed,
            |q: String| async move { self.query(token, &q, terms, limit, deadline).await },
        )
        .await
    }

    /// One search: pages until `limit` threads, no next page, or [`MAX_PAGES`]. `concepts` pick
    /// each thread's message ([`render::representative`]).
    async fn query(
        &self,
        token: &SecretString,
        q: &str,
        concepts: &[Vec<String>],
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let size = limit.clamp(1, MAX_PAGE_SIZE);
        let mut hits: Vec<SearchHit> = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut arguments = json!({"query": q, "pageSize": size});
            if let Some(t) = &page_token {
                arguments["pageToken"] = json!(t);
            }
            let page: ThreadPage = self
                .server
                .call_tool(token, "search_threads", arguments, deadline)
                .await?
                .parse(self.server.product())?;
            for thread in &page.threads {
                let known = hits
                    .iter()
                    .any(|h| h.item_id.split('/').next() == Some(thread.id.as_str()));
                if hits.len() < limit
                    && !known
                    && let Some(hit) = render::representative(thread, concepts)
                        .and_then(|m| render::hit(thread, m))
                {
                    hits.push(hit);
                }
            }
            match page.next_page_token {
                Some(t) if hits.len() < limit && !t.is_empty() => page_token = Some(t),
                _ => break,
            }
        }
        Ok(hits)
    }
}
