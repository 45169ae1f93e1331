//! The `workplace_search` orchestration: fan out to every requested source at once, each under its
//! own deadline, merge by reciprocal rank fusion, then attach content when asked.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use workplace_connectors::{Access, SearchHit, Source, SourceError, SourceKind, UserContext};

use crate::config::SearchSettings;

/// The constant of reciprocal rank fusion (Cormack et al., 2009): large enough that one list's top
/// hit does not drown the others, the value the paper and most engines use.
const RRF_K: f64 = 60.0;

/// The configured sources and how to search them. Built once per container.
pub struct SearchEngine {
    sources: HashMap<SourceKind, Arc<dyn Source>>,
    settings: SearchSettings,
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
    /// Reciprocal-rank-fusion score; higher is better; comparable within one response only.
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

impl SearchEngine {
    /// An engine over `sources`.
    pub fn new(sources: Vec<Arc<dyn Source>>, settings: SearchSettings) -> Self {
        Self {
            sources: sources.into_iter().map(|s| (s.kind(), s)).collect(),
            settings,
        }
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

    /// Searches `sources` concurrently as `user` and merges the answers.
    pub async fn search(
        &self,
        user: &UserContext,
        query: &str,
        sources: &[SourceKind],
        max_results: usize,
        include_content: bool,
    ) -> SearchOutcome {
        let deadline = self.settings.source_timeout;
        let answers = futures::future::join_all(
            sources
                .iter()
                .map(|&kind| self.search_one(kind, user, query, max_results, deadline)),
        )
        .await;

        let mut reports = Vec::with_capacity(answers.len());
        let mut lists = Vec::with_capacity(answers.len());
        for (kind, answer) in sources.iter().copied().zip(answers) {
            let access = self.access(kind);
            match answer {
                Ok(hits) => {
                    reports.push(SourceReport {
                        source: kind,
                        status: SourceStatus::Ok,
                        count: hits.len(),
                        access,
                        retry_after_seconds: None,
                        message: None,
                    });
                    lists.push((kind, hits));
                }
                Err(err) => reports.push(report_failure(kind, access, &err, deadline)),
            }
        }

        let mut results = merge(lists, max_results);
        if include_content {
            self.attach_content(user, &mut results).await;
        }
        SearchOutcome {
            total_count: results.len(),
            results,
            sources: reports,
        }
    }

    async fn search_one(
        &self,
        kind: SourceKind,
        user: &UserContext,
        query: &str,
        limit: usize,
        deadline: Duration,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let source = self
            .sources
            .get(&kind)
            .ok_or(SourceError::NotConfigured(kind.display_name()))?;
        match tokio::time::timeout(deadline, source.search(user, query, limit)).await {
            Ok(result) => result.map(|mut hits| {
                hits.truncate(limit);
                hits
            }),
            Err(_) => Err(SourceError::Timeout),
        }
    }

    async fn attach_content(&self, user: &UserContext, results: &mut [SearchResult]) {
        let max_chars = self.settings.content_max_chars;
        let deadline = self.settings.source_timeout;
        // The futures are built eagerly into a Vec: a stream that maps with a closure would make the
        // whole handler future fail the higher-ranked `Send` bound the Lambda runtime asks for.
        let jobs: Vec<_> = results
            .iter()
            .map(|r| {
                let source = self.sources.get(&r.source).cloned();
                let item = r.id.split_once(':').map(|(_, item)| item.to_owned());
                fetch_content(source, item, user, max_chars, deadline)
            })
            .collect();
        let fetched: Vec<_> = futures::stream::iter(jobs)
            .buffered(self.settings.content_concurrency)
            .collect()
            .await;

        for (result, content) in results.iter_mut().zip(fetched) {
            match content {
                Ok(content) => {
                    let (text, cut) = truncate_chars(&content.text, max_chars);
                    result.truncated = Some(cut || content.truncated);
                    result.content_error = content.unavailable_reason;
                    result.content = Some(text.to_owned());
                }
                Err(err) => {
                    result.truncated = Some(false);
                    result.content_error = Some(failure_message(&err, deadline));
                }
            }
        }
    }
}

async fn fetch_content(
    source: Option<Arc<dyn Source>>,
    item: Option<String>,
    user: &UserContext,
    max_chars: usize,
    deadline: Duration,
) -> Result<workplace_connectors::Content, SourceError> {
    let (Some(source), Some(item)) = (source, item) else {
        return Err(SourceError::NotFound);
    };
    match tokio::time::timeout(deadline, source.content(user, &item, max_chars)).await {
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

fn report_failure(
    kind: SourceKind,
    access: Access,
    err: &SourceError,
    deadline: Duration,
) -> SourceReport {
    let (status, retry_after) = match err {
        SourceError::Timeout => (SourceStatus::Timeout, None),
        SourceError::RateLimited { retry_after } => (
            SourceStatus::RateLimited,
            Some(retry_after.map_or(1, |d| d.as_secs().max(1))),
        ),
        SourceError::ReauthRequired { .. } => (SourceStatus::ReauthRequired, None),
        _ => (SourceStatus::Error, None),
    };
    SourceReport {
        source: kind,
        status,
        count: 0,
        access,
        retry_after_seconds: retry_after,
        message: Some(failure_message(err, deadline)),
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

/// Merges per-source rankings by reciprocal rank fusion: each hit scores `1 / (60 + rank)` in its
/// own list, hits sharing a URL are one result (their scores add up, the best-ranked copy's fields
/// win), and ties keep a stable order (better rank first, then the order sources were requested).
pub fn merge(lists: Vec<(SourceKind, Vec<SearchHit>)>, max_results: usize) -> Vec<SearchResult> {
    struct Entry {
        result: SearchResult,
        best_rank: usize,
        list: usize,
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();

    for (list, (kind, hits)) in lists.into_iter().enumerate() {
        for (index, hit) in hits.into_iter().enumerate() {
            let rank = index + 1;
            let score = 1.0 / (RRF_K + rank as f64);
            let key = url_key(&hit.url);
            if let Some(&at) = by_url.get(&key) {
                let entry = &mut entries[at];
                entry.result.score += score;
                if rank < entry.best_rank {
                    entry.best_rank = rank;
                }
                continue;
            }
            by_url.insert(key, entries.len());
            entries.push(Entry {
                result: SearchResult {
                    id: format!("{kind}:{}", hit.item_id),
                    source: kind,
                    title: hit.title,
                    url: hit.url,
                    snippet: hit.snippet,
                    modified_time: hit.modified_time,
                    author: hit.author,
                    score,
                    content: None,
                    truncated: None,
                    content_error: None,
                },
                best_rank: rank,
                list,
            });
        }
    }

    entries.sort_by(|a, b| {
        b.result
            .score
            .total_cmp(&a.result.score)
            .then(a.best_rank.cmp(&b.best_rank))
            .then(a.list.cmp(&b.list))
    });
    entries
        .into_iter()
        .take(max_results)
        .map(|mut e| {
            e.result.score = (e.result.score * 1e6).round() / 1e6;
            e.result
        })
        .collect()
}

/// URLs that differ only by a trailing slash or the case of scheme and host are the same document.
fn url_key(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(parsed) => parsed.as_str().trim_end_matches('/').to_owned(),
        Err(_) => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, url: &str) -> SearchHit {
        SearchHit {
            item_id: id.into(),
            title: id.to_uppercase(),
            url: url.into(),
            snippet: String::new(),
            modified_time: None,
            author: None,
        }
    }

    #[test]
    fn interleaves_sources_by_rank() {
        let merged = merge(
            vec![
                (
                    SourceKind::GoogleDrive,
                    vec![hit("d1", "https://d/1"), hit("d2", "https://d/2")],
                ),
                (
                    SourceKind::Notion,
                    vec![hit("n1", "https://n/1"), hit("n2", "https://n/2")],
                ),
            ],
            10,
        );
        let ids: Vec<_> = merged.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "google_drive:d1",
                "notion:n1",
                "google_drive:d2",
                "notion:n2"
            ]
        );
        assert!(merged[0].score > merged[2].score);
    }

    #[test]
    fn duplicates_by_url_are_merged_and_rise() {
        let merged = merge(
            vec![
                (
                    SourceKind::GoogleDrive,
                    vec![hit("d1", "https://a/1"), hit("d2", "https://x/shared")],
                ),
                (SourceKind::Sharepoint, vec![hit("s1", "HTTPS://X/shared/")]),
            ],
            10,
        );
        assert_eq!(merged.len(), 2);
        assert_eq!(
            merged[0].id, "google_drive:d2",
            "found twice, so ranked first"
        );
        assert_eq!(merged[1].id, "google_drive:d1");
    }

    #[test]
    fn cut_to_max_results() {
        let hits: Vec<_> = (0..30)
            .map(|i| hit(&format!("d{i}"), &format!("https://d/{i}")))
            .collect();
        let merged = merge(vec![(SourceKind::GoogleDrive, hits)], 7);
        assert_eq!(merged.len(), 7);
        assert_eq!(merged[6].id, "google_drive:d6");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate_chars("héllo", 2), ("hé", true));
        assert_eq!(truncate_chars("héllo", 5), ("héllo", false));
        assert_eq!(truncate_chars("", 0), ("", false));
    }
}
