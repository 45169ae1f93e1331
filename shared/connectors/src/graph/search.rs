//! One search request over drive items and list items, ranked, deduplicated by URL.

use std::collections::HashSet;

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use super::render::hit;
use super::wire::SearchAnswer;
use super::{Graph, filters};
use crate::connector::Search;
use crate::query::dialect::{self, Pass};
use crate::query::{Filter, Plan, Planned};
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
        let restriction = filters::restriction(&plan.filters);
        let Some(strict) = restriction.and(dialect::kql(plan, Pass::Strict)) else {
            let hits = self.query(token, &plan.original, limit, deadline).await?;
            return Ok(Planned::pass_through(hits, &plan.original));
        };
        let applied = restriction.applied.clone();
        let mut planned = if restriction.matches_nothing {
            // No site has the ids asked for: nothing to ask Graph.
            Planned::pass_through(Vec::new(), &strict)
        } else {
            let relaxed = || {
                restriction
                    .and(dialect::kql(plan, Pass::Relaxed))
                    .map(|kql| (kql.clone(), kql))
            };
            let applied = &applied;
            Planned::both_passes(
                plan,
                limit,
                &strict,
                self.filtered(token, &strict, limit, deadline, plan, applied),
                relaxed,
                |kql: String| async move {
                    self.filtered(token, &kql, limit, deadline, plan, applied)
                        .await
                },
            )
            .await?
        };
        planned.applied = applied;
        Ok(planned)
    }
}

impl Graph {
    /// [`Self::query`], keeping the hits that pass the `applied` filters as far as they say.
    async fn filtered(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
        plan: &Plan,
        applied: &[Filter],
    ) -> Result<Vec<SearchHit>, SourceError> {
        let mut hits = self.query(token, query, limit, deadline).await?;
        hits.retain(|hit| plan.filters.passes(applied, hit));
        Ok(hits)
    }

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
