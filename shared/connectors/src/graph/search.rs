//! One search request over drive items and list items, ranked, deduplicated by URL.

use std::collections::HashSet;

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use super::Graph;
use super::render::hit;
use super::wire::SearchAnswer;
use crate::connector::Search;
use crate::query::dialect::{self, Pass};
use crate::query::{Plan, Planned};
use crate::upstream::Auth;
use crate::{SearchHit, SourceError, SourceKind};

impl Search for Graph {
    const KIND: SourceKind = SourceKind::Sharepoint;

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        self.query(token, query, limit, deadline).await
    }

    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        let Some(strict) = dialect::kql(plan, Pass::Strict) else {
            let hits = self.query(token, &plan.original, limit, deadline).await?;
            return Ok(Planned::pass_through(hits, &plan.original));
        };
        let hits = self.query(token, &strict, limit, deadline).await?;
        let relaxed = || dialect::kql(plan, Pass::Relaxed).map(|kql| (kql.clone(), kql));
        Ok(Planned::pass_through(hits, &strict)
            .relax_once(plan, limit, relaxed, |kql: String| async move {
                self.query(token, &kql, limit, deadline).await
            })
            .await)
    }
}

impl Graph {
    /// One `search/query` request for a KQL `query_string`.
    async fn query(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let url = self.base_url.join(&["v1.0", "search", "query"]);
        let mut request = json!({
            "entityTypes": ["driveItem", "listItem"],
            "query": {"queryString": query},
            "from": 0,
            "size": limit.clamp(1, 500),
        });
        if let Some(region) = &self.region {
            request["region"] = json!(region);
        }
        let body = json!({"requests": [request]});
        let answer: SearchAnswer = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| {
                http.post(url.clone()).json(&body)
            })
            .await?;
        let response = answer.value.first().ok_or_else(|| {
            SourceError::InvalidResponse("Graph answered without value[0].hitsContainers".into())
        })?;
        let mut raw: Vec<_> = response
            .hits_containers
            .iter()
            .flat_map(|c| &c.hits)
            .collect();
        // Best rank first; of equal rank, the drive item (downloadable) before its list item.
        raw.sort_by_key(|h| (h.rank.unwrap_or(u64::MAX), h.resource.is_list_item()));
        let mut seen = HashSet::new();
        let mut hits: Vec<SearchHit> = raw
            .into_iter()
            .map(hit)
            .filter(|h| seen.insert(h.url.to_lowercase()))
            .collect();
        hits.truncate(limit);
        Ok(hits)
    }
}
