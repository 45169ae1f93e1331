//! One ranking across sources, on the text we hold.
//!
//! Reciprocal rank fusion alone trusts every source's order equally: a weak fifth Drive hit
//! outranks Notion's exact title match. Here every candidate is scored on what the response
//! carries anyway: how many of the query's concepts its title and snippet hold (a concept being
//! any of its variants, see `workplace_connectors::query`), whether its source found it in the
//! strict pass (every concept present), whether the title holds the query's words in order,
//! whether it falls in (or names a day in) the query's date range, and the source's own rank as
//! a small RRF term that breaks ties. The weights were tuned on the relevance benchmark
//! (`tests/test_relevance.rs`); `docs/RELEVANCE.md` records each one's measured effect.

use std::collections::HashMap;

use workplace_connectors::query::words::tokens;
use workplace_connectors::query::{Group, Plan, Planned};
use workplace_connectors::{SearchHit, SourceKind};

use super::SearchResult;
use super::merge::url_key;

/// The weights of the features; see `docs/RELEVANCE.md` for how each was chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Share of concepts in the title.
    pub title: f64,
    /// Share of concepts in the snippet.
    pub snippet: f64,
    /// Found by the strict pass (every concept in the document, by the source's own matching).
    pub strict: f64,
    /// The title holds the query's keywords in order.
    pub phrase: f64,
    /// Modified in, or names a day in, the query's date range.
    pub date: f64,
    /// Multiplies `60 / (60 + rank)`, the source's own order (1 for its top hit).
    pub rrf: f64,
}

/// The tuned weights.
pub const WEIGHTS: Weights = Weights {
    title: 3.0,
    snippet: 1.0,
    strict: 1.0,
    phrase: 1.0,
    date: 1.5,
    rrf: 0.5,
};

const RRF_K: f64 = 60.0;

/// Whether `group` (any of its terms or corrections) occurs in `toks`.
fn has(toks: &[String], group: &Group) -> bool {
    group.terms.iter().chain(&group.corrections).any(|term| {
        let words: Vec<&str> = term.split(' ').collect();
        toks.windows(words.len())
            .any(|w| w.iter().zip(&words).all(|(a, b)| a == b))
    })
}

fn share(toks: &[String], plan: &Plan) -> f64 {
    if plan.groups.is_empty() {
        return 0.0;
    }
    let n = plan.groups.iter().filter(|g| has(toks, g)).count();
    n as f64 / plan.groups.len() as f64
}

/// The score of one hit at `rank` (1-based) in its source's answer.
pub fn score(hit: &SearchHit, rank: usize, strict: bool, plan: &Plan, w: &Weights) -> f64 {
    let title = tokens(&hit.title);
    let snippet = tokens(&hit.snippet);
    let typed: Vec<String> = tokens(&plan.keywords());
    let phrase = !typed.is_empty()
        && title
            .windows(typed.len())
            .any(|win| win == typed.as_slice());
    let date = plan.range.is_some_and(|r| {
        hit.modified_time
            .as_deref()
            .is_some_and(|t| r.contains_rfc3339(t))
            || r.mentioned_in(&hit.title)
            || r.mentioned_in(&hit.snippet)
    });
    w.title * share(&title, plan)
        + w.snippet * share(&snippet, plan)
        + w.strict * f64::from(u8::from(strict))
        + w.phrase * f64::from(u8::from(phrase))
        + w.date * f64::from(u8::from(date))
        + w.rrf * RRF_K / (RRF_K + rank as f64)
}

/// Re-scores `results` after the snippet phase replaced some snippets with the passage of the
/// document that best matches the query: the snippet term is recomputed on the passage (text the
/// source's own snippet did not show), then the list is re-sorted, ties keeping their order.
/// `before` holds each result's snippet as it was scored.
pub fn rescore_snippets(results: &mut [SearchResult], before: &[String], plan: &Plan, w: &Weights) {
    for (result, old) in results.iter_mut().zip(before) {
        if result.snippet != *old {
            let delta = share(&tokens(&result.snippet), plan) - share(&tokens(old), plan);
            result.score = ((result.score + w.snippet * delta) * 1e6).round() / 1e6;
        }
    }
    results.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// Scores every hit of every source, merges hits sharing a URL (best score kept, plus a small
/// bonus for being found twice) and returns the best `max_results`, ties in source order.
pub fn rank(
    answers: Vec<(SourceKind, Planned)>,
    plan: &Plan,
    max_results: usize,
    w: &Weights,
) -> Vec<SearchResult> {
    let mut results: Vec<(SearchResult, usize)> = Vec::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();
    let mut order = 0;
    for (kind, planned) in answers {
        for (index, hit) in planned.hits.into_iter().enumerate() {
            let s = score(&hit, index + 1, index < planned.strict, plan, w);
            let key = url_key(&hit.url);
            if let Some(&at) = by_url.get(&key) {
                let entry = &mut results[at].0;
                entry.score = entry.score.max(s) + 0.1;
                continue;
            }
            by_url.insert(key, results.len());
            order += 1;
            results.push((
                SearchResult {
                    id: format!("{kind}:{}", hit.item_id),
                    source: kind,
                    title: hit.title,
                    url: hit.url,
                    snippet: hit.snippet,
                    modified_time: hit.modified_time,
                    author: hit.author,
                    details: hit.details,
                    score: s,
                    content: None,
                    truncated: None,
                    content_error: None,
                    enrichment_skipped: None,
                },
                order,
            ));
        }
    }
    results.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.cmp(&b.1)));
    results
        .into_iter()
        .take(max_results)
        .map(|(mut r, _)| {
            r.score = (r.score * 1e6).round() / 1e6;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn hit(id: &str, title: &str) -> SearchHit {
        SearchHit {
            item_id: id.into(),
            title: title.into(),
            url: format!("https://x/{id}"),
            snippet: String::new(),
            modified_time: Some("2026-10-02T00:00:00Z".into()),
            author: None,
            created_time: None,
            owner: None,
            item_type: None,
            media_type: None,
            details: None,
        }
    }

    #[test]
    fn an_exact_title_beats_a_better_ranked_weak_hit() {
        let plan = Plan::new("single sign-on review", date!(2026 - 11 - 05));
        let drive = Planned::pass_through(
            vec![
                hit("b", "Benefits enrollment guide"),
                hit("o", "Onboarding"),
            ],
            "q",
        );
        let notion = Planned::pass_through(vec![hit("s", "Security review: SSO rollout")], "q");
        let ranked = rank(
            vec![
                (SourceKind::GoogleDrive, drive),
                (SourceKind::Notion, notion),
            ],
            &plan,
            10,
            &WEIGHTS,
        );
        assert_eq!(ranked[0].id, "notion:s");
    }
}
