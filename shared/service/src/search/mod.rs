//! The `workplace_search` orchestration: plan the query once (`workplace_connectors::query`), fan
//! out to every requested source at once, each under its own deadline and in its own dialect, rank
//! across sources on the text we hold (`rank.rs`; reciprocal rank fusion, `merge.rs`, with the
//! planner off), make the top hits' snippets query-aware within a bounded budget (`enrich.rs`) and
//! re-score on those passages, then attach content when asked. See `docs/RELEVANCE.md`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use tokio::time::Instant;
use workplace_connectors::query::{Plan, Planned};
use workplace_connectors::{
    Access, HitDetails, ItemId, SearchHit, Source, SourceError, SourceKind, UserContext,
};

use crate::config::SearchSettings;

pub mod budget;
pub mod cursor;
mod enrich;
mod merge;
pub mod page;
pub mod rank;

pub use enrich::SnippetSettings;
pub use merge::merge;
pub use page::Page;
use workplace_connectors::query::{Filter, Filters};

/// How queries are planned and results ranked (see `workplace_connectors::query` and
/// [`rank`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    /// Plan each source's query and rank across sources; `false` passes the query through
    /// unchanged and fuses by rank alone (the baseline the relevance benchmark compares with).
    pub planner: bool,
    /// "Today" for date words; `None` reads the clock. The benchmark fixes it.
    pub today: Option<time::Date>,
    /// The ranking weights.
    pub weights: rank::Weights,
    /// Re-score and re-sort after the snippet phase, on the passages it read.
    pub rescore_snippets: bool,
}

impl Default for Relevance {
    fn default() -> Self {
        Self {
            planner: true,
            today: None,
            weights: rank::WEIGHTS,
            rescore_snippets: true,
        }
    }
}

/// The configured sources and how to search them. Built once per container.
pub struct SearchEngine {
    sources: HashMap<SourceKind, Arc<dyn Source>>,
    settings: SearchSettings,
    relevance: Relevance,
    cursors: cursor::Cursors,
}

impl std::fmt::Debug for SearchEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchEngine")
            .field("sources", &self.sources.keys().collect::<Vec<_>>())
            .field("settings", &self.settings)
            .finish()
    }
}

/// One source's outcome, reported in every response so a model knows what it did not see.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceReport {
    /// Which source.
    pub source: SourceKind,
    /// `ok`, `timeout`, `rate_limited`, `reauth_required` or `error`.
    pub status: SourceStatus,
    /// Hits this source contributed before merging.
    pub count: usize,
    /// `shared` when one credential serves every caller, so results are what the integration can
    /// see rather than what this user can: the model and the user must be able to tell. Absent for
    /// the usual per-user access, so the seed's response shape is unchanged.
    #[serde(skip_serializing_if = "is_per_user")]
    pub access: Access,
    /// Seconds the upstream asked us to wait, for `rate_limited`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// What went wrong, for anything but `ok`; never contains credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The query this source actually ran, in its own dialect (Drive `q`, KQL, Notion titles
    /// separated by ` | `). Returned to the caller only: never logged or recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The relaxed query it ran next, when the first found fewer hits than asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relaxed_query: Option<String>,
    /// The requested filters this source's results were not narrowed by (it has no such field,
    /// or its hits did not say): judge those results yourself. Absent when every filter applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters_not_applied: Vec<Filter>,
}

pub use workplace_record::SourceStatus;

fn is_per_user(access: &Access) -> bool {
    *access == Access::PerUser
}

/// One merged result, as the response carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// `<source>:<item id>`; what `fetch` takes.
    pub id: String,
    /// Which source it came from.
    pub source: SourceKind,
    /// Title.
    pub title: String,
    /// Link.
    pub url: String,
    /// Plain-text excerpt.
    pub snippet: String,
    /// Last change, RFC 3339, when known.
    pub modified_time: Option<String>,
    /// Author, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// For an email, an event or a CRM record: its sender and date, time and attendees, or key
    /// fields, so an agent can answer without a `fetch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<HitDetails>,
    /// Relevance score (`rank.rs`; reciprocal rank fusion with the planner off); higher is
    /// better; comparable within one response only.
    pub score: f64,
    /// The document's text, with `include_content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// With `include_content`: whether `content` was cut to the size limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
    /// With `include_content`: why there is no content, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_error: Option<String>,
    /// `true` when this hit's snippet should have been the passage matching the query but its
    /// text was not read within the snippet budget (see `enrich.rs`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrichment_skipped: Option<bool>,
}

/// The outcome of one search: the JSON both the resource text and `structuredContent` carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchOutcome {
    /// Merged results, best first.
    pub results: Vec<SearchResult>,
    /// `results.len()`.
    pub total_count: usize,
    /// One report per searched source, in the order requested.
    pub sources: Vec<SourceReport>,
    /// The corrected keywords searched for when the query as typed found too little and a
    /// likely misspelling was corrected (e.g. `onboarding checklist` for `onbording checklist`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub searched_for: Option<String>,
    /// Pass this back (with the same query, sources and filters) for the next page; absent on
    /// the last page. Set by the caller of the engine, which signs it (see `cursor.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Where the next page starts in the ranking, when there is one.
    #[serde(skip)]
    pub next_offset: Option<usize>,
    /// What `max_tokens` cut from the results' content, when it cut anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_budget: Option<budget::ContentBudget>,
}

impl SearchOutcome {
    /// Whether every searched source failed (then the tool result is an error).
    pub fn all_failed(&self) -> bool {
        !self.sources.is_empty() && self.sources.iter().all(|s| s.status != SourceStatus::Ok)
    }

    /// A one-line account of the sources that failed, e.g. `notion: timed out after 8 s`.
    pub fn failures(&self) -> Option<String> {
        let failed: Vec<String> = self
            .sources
            .iter()
            .filter(|s| s.status != SourceStatus::Ok)
            .map(|s| {
                format!(
                    "{}: {}",
                    s.source,
                    s.message.as_deref().unwrap_or(s.status.as_str())
                )
            })
            .collect();
        (!failed.is_empty()).then(|| failed.join("; "))
    }
}

/// One call of the search: what to look for, where, narrowed how, and which page.
#[derive(Debug, Clone, Copy)]
pub struct SearchRequest<'a> {
    /// The query as the caller typed it.
    pub query: &'a str,
    /// The sources to search, in the caller's order.
    pub sources: &'a [SourceKind],
    /// The caller's filters.
    pub filters: &'a Filters,
    /// Which part of the ranking.
    pub page: Page,
    /// Whether to attach each result's text.
    pub include_content: bool,
}

impl SearchEngine {
    /// An engine over `sources`.
    pub fn new(sources: Vec<Arc<dyn Source>>, settings: SearchSettings) -> Self {
        Self {
            sources: sources.into_iter().map(|s| (s.kind(), s)).collect(),
            cursors: cursor::Cursors::random(settings.cursor_ttl_seconds),
            settings,
            relevance: Relevance::default(),
        }
    }

    /// The same engine signing its cursors with `key` (the secret's `cursor_key`): without it,
    /// a cursor is good only in the container that issued it.
    #[must_use]
    pub fn with_cursor_key(mut self, key: &[u8]) -> Self {
        self.cursors = cursor::Cursors::new(key, self.settings.cursor_ttl_seconds);
        self
    }

    /// Signs and checks page cursors.
    pub fn cursors(&self) -> &cursor::Cursors {
        &self.cursors
    }

    /// The same engine with other relevance settings (the benchmark's planner switch and date).
    #[must_use]
    pub fn with_relevance(mut self, relevance: Relevance) -> Self {
        self.relevance = relevance;
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// Whose permissions `kind`'s results stand for; per-user when it is not configured (nothing
    /// is shared then).
    pub fn access(&self, kind: SourceKind) -> Access {
        self.sources
            .get(&kind)
            .map_or(Access::PerUser, |s| s.access())
    }

    /// The configured source for `kind`.
    pub fn source(&self, kind: SourceKind) -> Option<&Arc<dyn Source>> {
        self.sources.get(&kind)
    }

    /// Searches `sources` concurrently as `user` and merges the answers: the first
    /// `max_results` results, no filters.
    pub async fn search(
        &self,
        user: &UserContext,
        query: &str,
        sources: &[SourceKind],
        max_results: usize,
        include_content: bool,
    ) -> SearchOutcome {
        let request = SearchRequest {
            query,
            sources,
            filters: &Filters::default(),
            page: Page::first(max_results),
            include_content,
        };
        self.search_page(user, &request).await
    }

    /// Searches as `user` and returns one page of the ranking (see [`page`]).
    pub async fn search_page(
        &self,
        user: &UserContext,
        request: &SearchRequest<'_>,
    ) -> SearchOutcome {
        let until = Instant::now() + self.settings.request_deadline;
        let deadline = self
            .settings
            .source_timeout
            .min(self.settings.request_deadline);
        let plan = Plan::new(
            request.query,
            self.relevance
                .today
                .unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
        )
        .with_filters(request.filters.clone());
        let planner = self.relevance.planner;
        let depth = request.page.depth();
        // A source that holds none of the kinds the `type` filter wants is not asked at all.
        let asked: Vec<SourceKind> = request
            .sources
            .iter()
            .copied()
            .filter(|&kind| {
                request
                    .filters
                    .wants_any_of(workplace_connectors::registry::entry(kind).item_types)
            })
            .collect();
        let mut answers = futures::future::join_all(
            asked
                .iter()
                .map(|&kind| self.search_one(kind, user, &plan, depth, deadline)),
        )
        .await
        .into_iter();

        let mut reports = Vec::with_capacity(request.sources.len());
        let mut answered = Vec::with_capacity(asked.len());
        let mut corrected = false;
        let mut more = false;
        for &kind in request.sources {
            let access = self.access(kind);
            if !asked.contains(&kind) {
                reports.push(SourceReport {
                    source: kind,
                    status: SourceStatus::Ok,
                    count: 0,
                    access,
                    retry_after_seconds: None,
                    message: Some("not searched: it holds none of the requested types".into()),
                    query: None,
                    relaxed_query: None,
                    filters_not_applied: Vec::new(),
                });
                continue;
            }
            match answers.next() {
                Some(Ok(planned)) => {
                    corrected |= planned.corrected;
                    let query = Some(planned.query.clone());
                    let relaxed_query = planned.relaxed_query.clone();
                    let filtered = page::filter(kind, planned, request.filters);
                    more |= filtered.returned >= depth && depth < page::MAX_DEPTH;
                    reports.push(SourceReport {
                        source: kind,
                        status: SourceStatus::Ok,
                        count: filtered.hits.len(),
                        access,
                        retry_after_seconds: None,
                        message: None,
                        query,
                        relaxed_query,
                        filters_not_applied: filtered.unapplied.clone(),
                    });
                    answered.push(filtered);
                }
                Some(Err(err)) => reports.push(report_failure(kind, access, &err, deadline)),
                None => {}
            }
        }
        let lists: Vec<(SourceKind, Vec<SearchHit>)> = answered
            .iter()
            .map(|a| (a.kind, a.hits.iter().map(|(_, h)| h.clone()).collect()))
            .collect();
        let mut ranking: Vec<SearchResult> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for window in page::windows(&answered, depth) {
            let ranked = if planner {
                rank::rank(window, &plan, usize::MAX, &self.relevance.weights)
            } else {
                merge(
                    window.into_iter().map(|(k, p)| (k, p.hits)).collect(),
                    usize::MAX,
                )
            };
            // A document two sources share is one result, in the first window it appears in.
            ranking.extend(
                ranked
                    .into_iter()
                    .filter(|r| seen.insert(merge::url_key(&r.url))),
            );
        }
        let Page { offset, size } = request.page;
        more |= ranking.len() > offset + size;
        let mut results: Vec<SearchResult> = ranking.into_iter().skip(offset).take(size).collect();
        let before: Vec<String> = results.iter().map(|r| r.snippet.clone()).collect();
        // After the fan-out, never inside a source's search: bounded by its own budget.
        enrich::enrich(
            &self.sources,
            user,
            request.query,
            &lists,
            &mut results,
            self.settings.snippets,
            until,
        )
        .await;
        if planner && self.relevance.rescore_snippets {
            rank::rescore_snippets(&mut results, &before, &plan, &self.relevance.weights);
        }
        if request.include_content {
            self.attach_content(user, &mut results, until).await;
        }
        let next_offset = (more && !results.is_empty()).then_some(offset + results.len());
        SearchOutcome {
            total_count: results.len(),
            results,
            sources: reports,
            searched_for: plan.corrected().filter(|_| corrected),
            next_cursor: None,
            next_offset,
            content_budget: None,
        }
    }

    async fn search_one(
        &self,
        kind: SourceKind,
        user: &UserContext,
        plan: &Plan,
        limit: usize,
        deadline: Duration,
    ) -> Result<Planned, SourceError> {
        let source = self
            .sources
            .get(&kind)
            .ok_or(SourceError::NotConfigured(kind.display_name()))?;
        let until = tokio::time::Instant::now() + deadline;
        let search = async {
            if self.relevance.planner {
                source.search_plan(user, plan, limit, until).await
            } else {
                let hits = source.search(user, &plan.original, limit, until).await?;
                Ok(Planned::pass_through(hits, &plan.original))
            }
        };
        match tokio::time::timeout(deadline, search).await {
            Ok(result) => result.map(|mut planned| {
                planned.hits.truncate(limit);
                planned.strict = planned.strict.min(limit);
                planned
            }),
            Err(_) => Err(SourceError::Timeout),
        }
    }

    /// Attaches each result's text; every fetch ends by `until` (the request's deadline), and a
    /// result whose text did not arrive by then says so in its `content_error`.
    async fn attach_content(
        &self,
        user: &UserContext,
        results: &mut [SearchResult],
        until: Instant,
    ) {
        let max_chars = self.settings.content_max_chars;
        let deadline = self.settings.source_timeout;
        // The futures are built eagerly into a Vec: a stream that maps with a closure would make the
        // whole handler future fail the higher-ranked `Send` bound the Lambda runtime asks for.
        let jobs: Vec<_> = results
            .iter()
            .map(|r| {
                let source = self.sources.get(&r.source).cloned();
                // The id this result was given from the hit's own; parsed like any `fetch` id.
                let item = ItemId::parse(&r.id).ok();
                tokio::time::timeout_at(
                    until,
                    fetch_content(source, item, user, max_chars, deadline),
                )
            })
            .collect();
        let fetched: Vec<_> = futures::stream::iter(jobs)
            .buffered(self.settings.content_concurrency)
            .collect()
            .await;

        for (result, content) in results.iter_mut().zip(fetched) {
            match content {
                Ok(Ok(content)) => {
                    let (text, cut) = truncate_chars(&content.text, max_chars);
                    result.truncated = Some(cut || content.truncated);
                    result.content_error = content.unavailable_reason;
                    result.content = Some(text.to_owned());
                }
                Ok(Err(err)) => {
                    result.truncated = Some(false);
                    result.content_error = Some(failure_message(&err, deadline));
                }
                Err(_) => {
                    result.truncated = Some(false);
                    result.content_error = Some(format!(
                        "not fetched: the request's deadline ({} s) ran out first; call fetch with this id",
                        self.settings.request_deadline.as_secs()
                    ));
                }
            }
        }
    }
}

async fn fetch_content(
    source: Option<Arc<dyn Source>>,
    item: Option<ItemId>,
    user: &UserContext,
    max_chars: usize,
    deadline: Duration,
) -> Result<workplace_connectors::Content, SourceError> {
    let (Some(source), Some(item)) = (source, item) else {
        return Err(SourceError::NotFound);
    };
    let until = tokio::time::Instant::now() + deadline;
    match tokio::time::timeout_at(until, source.content(user, &item, max_chars, until)).await {
        Ok(result) => result,
        Err(_) => Err(SourceError::Timeout),
    }
}

/// Cuts `text` to at most `max` characters, on a character boundary.
pub fn truncate_chars(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((byte, _)) => (&text[..byte], true),
        None => (text, false),
    }
}

pub(crate) fn report_failure(
    kind: SourceKind,
    access: Access,
    err: &SourceError,
    deadline: Duration,
) -> SourceReport {
    let classified = crate::failure::classify(err);
    SourceReport {
        source: kind,
        status: classified.status,
        count: 0,
        access,
        retry_after_seconds: classified.retry_after_seconds,
        message: Some(failure_message(err, deadline)),
        query: None,
        relaxed_query: None,
        filters_not_applied: Vec::new(),
    }
}

fn failure_message(err: &SourceError, deadline: Duration) -> String {
    match err {
        SourceError::Timeout => format!("timed out after {:.1} s", deadline.as_secs_f64()),
        SourceError::RateLimited {
            retry_after: Some(after),
        } => format!(
            "rate limited by the upstream; retry after {} s",
            after.as_secs().max(1)
        ),
        other => other.to_string(),
    }
}
