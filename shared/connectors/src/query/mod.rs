//! Query planning: from what the user typed to what each upstream can answer.
//!
//! No upstream understands a question. Drive's `fullText contains` matches whole tokens of one
//! string, Notion's search compares titles, Graph's KQL ANDs free words; none stems, none knows
//! that SSO is single sign-on. A [`Plan`] is the query taken apart once, for every source:
//! keywords without question and stop words ([`words`]), quoted phrases kept, date words turned
//! into a range ([`dates`]), acronyms and synonyms from a small fixed dictionary
//! ([`synonyms`]), plural and stem variants, and spelling corrections for relaxation only
//! ([`typo`]). [`dialect`] writes it in each source's language, escaped for that language.
//!
//! A plan has two passes. The *strict* pass asks for every concept (a concept being any of its
//! variants) within the date range; the *relaxed* pass asks for any concept, without the range,
//! with corrections. A connector runs the relaxed pass only when the strict pass returned fewer
//! hits than asked for, so a search costs one round trip, or two when it relaxes.

pub mod dates;
pub mod dialect;
pub mod filters;
pub mod mail;
pub mod synonyms;
pub mod typo;
pub mod words;

use std::future::Future;

use time::Date;

pub use dates::DateRange;
pub use filters::{Filter, Filters, ItemType};

use crate::{SearchHit, SourceError};

/// What a source answered to a plan, and what it actually asked its upstream.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The hits, the strict pass's first.
    pub hits: Vec<SearchHit>,
    /// How many of `hits` (from the front) the strict pass found: they have every concept.
    pub strict: usize,
    /// The query sent upstream in the strict pass, in the source's dialect. Returned to the caller
    /// only: it is query text, so it is never logged or recorded (see `LOG_QUERY_TEXT`).
    pub query: String,
    /// The relaxed pass's query, when the strict pass found too little and relaxing asked for more.
    pub relaxed_query: Option<String>,
    /// Whether the relaxed pass searched for spelling corrections.
    pub corrected: bool,
    /// The filters of the plan the source applied itself, in its query or on its own results;
    /// the service checks the others on each hit where it can and reports the rest as not
    /// applied (see [`filters`]).
    pub applied: Vec<Filter>,
}

impl Planned {
    /// The answer of a source that searched for the query as typed (no planning).
    pub fn pass_through(hits: Vec<SearchHit>, query: &str) -> Self {
        Self {
            strict: hits.len(),
            hits,
            query: query.to_owned(),
            relaxed_query: None,
            corrected: false,
            applied: Vec::new(),
        }
    }

    /// Adds the relaxed pass's hits that the strict pass did not find, up to `limit` in all.
    pub fn relax(&mut self, query: String, hits: Vec<SearchHit>, corrected: bool, limit: usize) {
        let mut seen: std::collections::HashSet<String> =
            self.hits.iter().map(|h| h.item_id.clone()).collect();
        self.hits
            .extend(hits.into_iter().filter(|h| seen.insert(h.item_id.clone())));
        self.hits.truncate(limit);
        self.relaxed_query = Some(query);
        self.corrected = corrected;
    }

    /// The strict and the relaxed pass at the same time: when `plan` can relax and `relaxed`
    /// writes a relaxed query (`(what the caller is shown, what the upstream is sent)`), `run`
    /// sends it while `strict` (whose query the caller is shown as `shown`) is in flight, and its
    /// hits are added exactly as [`Self::relax_once`] adds them: only if the strict pass found
    /// fewer than `limit`. One round trip instead of two. At the default depth (20 per source)
    /// the strict pass of a query that can relax almost always finds fewer, so the relaxed
    /// request was going to be sent anyway; it is wasted only when the strict pass fills the
    /// page. A failed relaxed pass keeps what the strict pass found; a failed strict pass fails
    /// the search, as before.
    pub async fn both_passes<S, Q, Fut>(
        plan: &Plan,
        limit: usize,
        shown: &str,
        strict: S,
        relaxed: impl FnOnce() -> Option<(String, Q)>,
        run: impl FnOnce(Q) -> Fut,
    ) -> Result<Self, SourceError>
    where
        S: Future<Output = Result<Vec<SearchHit>, SourceError>>,
        Fut: Future<Output = Result<Vec<SearchHit>, SourceError>>,
    {
        let relaxed = if plan.can_relax() { relaxed() } else { None };
        let Some((relaxed_shown, query)) = relaxed else {
            return Ok(Self::pass_through(strict.await?, shown));
        };
        let (strict, relaxed) = tokio::join!(strict, run(query));
        let mut planned = Self::pass_through(strict?, shown);
        if planned.hits.len() < limit
            && let Ok(hits) = relaxed
        {
            planned.relax(relaxed_shown, hits, plan.corrected().is_some(), limit);
        }
        Ok(planned)
    }

    /// The second pass, after the strict one, for the sources whose relaxed pass depends on what
    /// the strict one found (Salesforce relaxes only when it found nothing) or costs nothing
    /// upstream (the calendars filter what they already read): only when the strict pass found fewer
    /// than `limit` hits and `plan` can relax, and only when `relaxed` writes a relaxed query
    /// (`(what the caller is shown, what the upstream is sent)`, in the source's dialect); `run`
    /// sends it. A failed relaxation keeps what the strict pass found: the caller gets fewer
    /// hits, never an error for a pass it did not ask for.
    pub async fn relax_once<Q, Fut>(
        mut self,
        plan: &Plan,
        limit: usize,
        relaxed: impl FnOnce() -> Option<(String, Q)>,
        run: impl FnOnce(Q) -> Fut,
    ) -> Self
    where
        Fut: Future<Output = Result<Vec<SearchHit>, SourceError>>,
    {
        if self.hits.len() >= limit || !plan.can_relax() {
            return self;
        }
        if let Some((shown, query)) = relaxed()
            && let Ok(hits) = run(query).await
        {
            self.relax(shown, hits, plan.corrected().is_some(), limit);
        }
        self
    }
}

/// Characters of the query the planner reads; the tool's own bound is lower.
const MAX_QUERY_CHARS: usize = 1_000;
/// Concepts kept, in the order typed: every upstream query stays small and bounded.
const MAX_GROUPS: usize = 6;
/// Variants kept per concept.
const MAX_TERMS: usize = 6;

/// One concept of the query: the user's word or phrase and what else means the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The terms, the user's own form first. Each is lowercase alphanumeric words joined by
    /// single spaces; a term of several words is a phrase.
    pub terms: Vec<String>,
    /// The dictionary word the user's form is probably a misspelling of, with its variants;
    /// empty when the word is fine. Used by the relaxed pass only.
    pub corrections: Vec<String>,
}

impl Group {
    /// The user's own form.
    pub fn typed(&self) -> &str {
        self.terms.first().map_or("", String::as_str)
    }

    fn new(mut terms: Vec<String>) -> Self {
        dedup(&mut terms);
        terms.truncate(MAX_TERMS);
        Self {
            terms,
            corrections: Vec::new(),
        }
    }
}

/// What the planner made of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The query as the caller sent it (bounded): what the pass-through baseline searches for.
    pub original: String,
    /// The concepts, in the order typed.
    pub groups: Vec<Group>,
    /// The date range the query named, if any.
    pub range: Option<DateRange>,
    /// The caller's filters: unlike `range`, both passes apply them.
    pub filters: Filters,
}

impl Plan {
    /// Plans `query`, reading date words relative to `today`.
    pub fn new(query: &str, today: Date) -> Self {
        let original: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let (phrases, rest) = split_quoted(&original);
        let tokens = words::tokens(&rest);
        let date = dates::find(&tokens, today);
        let used = date.as_ref().map(|d| d.used.clone()).unwrap_or_default();
        let mut groups: Vec<Group> = phrases
            .iter()
            .map(|p| Group::new(vec![p.clone()]))
            .collect();
        let mut i = 0;
        while i < tokens.len() {
            if used.contains(&i) {
                i += 1;
                continue;
            }
            if let Some((len, term)) = dictionary_phrase(&tokens[i..], &used, i) {
                let mut terms = vec![term.clone()];
                terms.extend(synonyms::synonyms(&term).into_iter().map(str::to_owned));
                groups.push(Group::new(terms));
                i += len;
                continue;
            }
            let word = &tokens[i];
            i += 1;
            if words::is_stop_word(word) {
                continue;
            }
            groups.push(word_group(word));
        }
        if groups.is_empty() && date.is_none() {
            // Nothing but stop words ("what is it"): search for them rather than for nothing.
            groups = words::tokens(&original)
                .iter()
                .map(|w| Group::new(vec![w.clone()]))
                .collect();
        }
        groups.dedup_by(|a, b| a.terms == b.terms);
        groups.truncate(MAX_GROUPS);
        Self {
            original,
            groups,
            range: date.map(|d| d.range),
            filters: Filters::default(),
        }
    }

    /// The same plan with the caller's filters.
    #[must_use]
    pub fn with_filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }

    /// The keywords as typed, one per concept: "searched for" when nothing was corrected.
    pub fn keywords(&self) -> String {
        self.groups
            .iter()
            .map(Group::typed)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The keywords with every correction applied, when there is one: "searched for `onboarding
    /// checklist`" instead of what was typed.
    pub fn corrected(&self) -> Option<String> {
        if self.groups.iter().all(|g| g.corrections.is_empty()) {
            return None;
        }
        Some(
            self.groups
                .iter()
                .map(|g| g.corrections.first().map_or(g.typed(), String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// Whether the relaxed pass asks for anything the strict one did not.
    pub fn can_relax(&self) -> bool {
        self.groups.len() > 1
            || self.range.is_some()
            || self.groups.iter().any(|g| !g.corrections.is_empty())
    }
}

/// The group for one word: its plural/stem variants, the synonyms of any of them, and, when the
/// word is in no dictionary, its likely correction.
fn word_group(word: &str) -> Group {
    let mut terms = words::variants(word);
    let mut extra: Vec<String> = Vec::new();
    for t in &terms {
        extra.extend(synonyms::synonyms(t).into_iter().map(str::to_owned));
    }
    let known = !extra.is_empty();
    terms.extend(extra);
    let mut group = Group::new(terms);
    if !known && let Some(fix) = typo::correct(word) {
        let mut corrections = vec![fix.to_owned()];
        corrections.extend(synonyms::synonyms(fix).into_iter().map(str::to_owned));
        dedup(&mut corrections);
        corrections.truncate(MAX_TERMS);
        group.corrections = corrections;
    }
    group
}

/// The longest dictionary term of several words starting at `tokens[0]` (index `at` in the
/// query), not crossing a date word: `(words used, term)`.
fn dictionary_phrase(tokens: &[String], used: &[usize], at: usize) -> Option<(usize, String)> {
    (2..=synonyms::MAX_TERM_WORDS.min(tokens.len()))
        .rev()
        .filter(|&n| !(at..at + n).any(|i| used.contains(&i)))
        .map(|n| (n, tokens[..n].join(" ")))
        .find(|(_, term)| synonyms::is_known(term))
}

/// Double-quoted phrases (as planner terms) and the text outside them. An unmatched quote is
/// ordinary text.
fn split_quoted(query: &str) -> (Vec<String>, String) {
    let mut phrases = Vec::new();
    let mut rest = String::new();
    let mut parts = query.split('"');
    if let Some(first) = parts.next() {
        rest.push_str(first);
    }
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        let closed = i + 1 < parts.len();
        if i % 2 == 0 && closed {
            let phrase = words::tokens(part).join(" ");
            if !phrase.is_empty() {
                phrases.push(phrase);
            }
        } else {
            rest.push(' ');
            rest.push_str(part);
        }
    }
    (phrases, rest)
}

fn dedup(terms: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| !t.is_empty() && seen.insert(t.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 05);

    fn typed(plan: &Plan) -> Vec<&str> {
        plan.groups.iter().map(Group::typed).collect()
    }

    #[test]
    fn questions_become_keywords() {
        let plan = Plan::new("what caused the search outage in October?", TODAY);
        assert_eq!(typed(&plan), ["search", "outage"]);
        assert_eq!(plan.range.map(|r| r.from), Some(date!(2026 - 10 - 01)));
        assert!(plan.groups[1].terms.contains(&"incident".to_owned()));
    }

    #[test]
    fn dictionary_phrases_win_over_stop_words() {
        let plan = Plan::new("am I allowed to work from home", TODAY);
        assert_eq!(typed(&plan), ["work from home"]);
        assert!(plan.groups[0].terms.contains(&"remote work".to_owned()));
        let plan = Plan::new("single sign-on review", TODAY);
        assert_eq!(typed(&plan), ["single sign on", "review"]);
        assert!(plan.groups[0].terms.contains(&"sso".to_owned()));
    }

    #[test]
    fn quoted_phrases_are_kept_whole() {
        let plan = Plan::new(r#"notes "staff meeting" budget"#, TODAY);
        assert_eq!(typed(&plan), ["staff meeting", "notes", "budget"]);
        let plan = Plan::new(r#"unterminated "quote"#, TODAY);
        assert_eq!(typed(&plan), ["unterminated", "quote"]);
    }

    #[test]
    fn corrections_are_offered_not_imposed() {
        let plan = Plan::new("onbording checklist", TODAY);
        assert_eq!(typed(&plan), ["onbording", "checklist"]);
        assert_eq!(plan.corrected().as_deref(), Some("onboarding checklist"));
        assert!(
            Plan::new("onboarding checklist", TODAY)
                .corrected()
                .is_none()
        );
    }

    #[test]
    fn only_stop_words_still_search() {
        assert_eq!(typed(&Plan::new("what is it", TODAY)), ["what", "is", "it"]);
        assert!(Plan::new("?!", TODAY).groups.is_empty());
        let plan = Plan::new("last week", TODAY);
        assert!(plan.groups.is_empty() && plan.range.is_some());
    }
}
