//! What KQL (Keyword Query Language, syntax in [`crate::kql`]) means to SharePoint search over
//! documents: free words and phrases match the title and text, and these properties restrict
//! (names without regard to case, as SharePoint's managed properties):
//! - `LastModifiedTime` and `Created` compared with a date (`>=2026-03-01`: from that day's start
//!   in UTC; `<=` and `:` take the whole day) or an exact UTC time (`>=2026-03-01T09:30:00Z`);
//!   a value that is neither matches nothing;
//! - `Author:"Alice Nguyen"`: the words, in order, in the creator's display name;
//! - `FileType:docx`: the file name's extension;
//! - `SiteId:<guid>` and `WebId:<guid>`: the site collection and web holding the item.
//!
//! Other properties (`IsDocument:true`) are accepted and ignored, as before. No stemming, no
//! synonyms: words match whole tokens.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime};

use super::site;
use crate::corpus::{Document, tokens};

/// Which time a date restriction reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Modified,
    Created,
}

/// Which site id a restriction reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SiteField {
    Collection,
    Web,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kql {
    And(Vec<Kql>),
    Or(Vec<Kql>),
    Not(Box<Kql>),
    /// Lowercase tokens that must occur in this order (one token: a free word).
    Words(Vec<String>),
    /// `LastModifiedTime` or `Created` `op value`.
    Time(When, String, String),
    /// `Author:` words, in order, in the creator's name.
    Author(Vec<String>),
    /// `FileType:` an extension, lower case.
    FileType(String),
    /// `SiteId:` / `WebId:` a GUID, lower case.
    Site(SiteField, String),
    /// Any other property restriction: matches everything.
    Ignored,
}

impl crate::kql::Dialect for Kql {
    fn phrase(words: Vec<String>) -> Self {
        Self::Words(words)
    }

    fn word(word: &str) -> Self {
        Self::Words(tokens(word))
    }

    fn property(name: &str, op: &str, value: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "lastmodifiedtime" => Self::Time(When::Modified, op.to_owned(), value.to_owned()),
            "created" => Self::Time(When::Created, op.to_owned(), value.to_owned()),
            "author" => Self::Author(tokens(value)),
            "filetype" => Self::FileType(value.to_ascii_lowercase()),
            "siteid" => Self::Site(SiteField::Collection, value.to_ascii_lowercase()),
            "webid" => Self::Site(SiteField::Web, value.to_ascii_lowercase()),
            _ => Self::Ignored,
        })
    }

    fn and(items: Vec<Self>) -> Self {
        Self::And(items)
    }

    fn or(items: Vec<Self>) -> Self {
        Self::Or(items)
    }

    fn not(item: Self) -> Self {
        Self::Not(Box::new(item))
    }

    fn ignored() -> Self {
        Self::Ignored
    }
}

/// Parses a query string (see [`crate::kql`]).
pub(crate) fn parse(query: &str) -> Kql {
    crate::kql::parse(query)
}

impl Kql {
    /// How well `doc` matches (title words count three times; 1 for a match on properties
    /// alone), 0 when it does not.
    pub(crate) fn score(&self, doc: &Document) -> usize {
        let counts = counts(doc);
        let text = tokens(&format!("{} {}", doc.title, doc.text));
        self.eval(doc, &counts, &text).map_or(0, |s| s + 1)
    }

    /// The free words, for highlighting.
    pub(crate) fn words(&self) -> Vec<String> {
        match self {
            Self::And(items) | Self::Or(items) => items.iter().flat_map(Self::words).collect(),
            Self::Words(w) => w.clone(),
            Self::Not(_)
            | Self::Time(..)
            | Self::Author(_)
            | Self::FileType(_)
            | Self::Site(..)
            | Self::Ignored => Vec::new(),
        }
    }

    /// `Some(score)` when `doc` matches: a match with no free word scores 1.
    fn eval(
        &self,
        doc: &Document,
        counts: &HashMap<String, usize>,
        text: &[String],
    ) -> Option<usize> {
        match self {
            Self::And(items) => items
                .iter()
                .map(|i| i.eval(doc, counts, text))
                .sum::<Option<usize>>(),
            Self::Or(items) => {
                let scores: Vec<usize> = items
                    .iter()
                    .filter_map(|i| i.eval(doc, counts, text))
                    .collect();
                (!scores.is_empty()).then(|| scores.iter().sum())
            }
            Self::Not(inner) => match inner.eval(doc, counts, text) {
                Some(_) => None,
                None => Some(0),
            },
            Self::Words(words) if words.is_empty() => Some(0),
            Self::Words(words) if words.len() == 1 => counts.get(&words[0]).copied(),
            Self::Words(words) => {
                let n = text
                    .windows(words.len())
                    .filter(|w| *w == words.as_slice())
                    .count();
                (n > 0).then_some(n * words.len())
            }
            Self::Time(when, op, value) => {
                let at = match when {
                    When::Modified => site::modified(doc),
                    When::Created => Some(site::created(doc)),
                };
                at.is_some_and(|at| compare(at, op, value)).then_some(0)
            }
            Self::Author(words) => {
                let name = tokens(&doc.owner_name);
                let found =
                    !words.is_empty() && name.windows(words.len()).any(|w| w == words.as_slice());
                found.then_some(0)
            }
            Self::FileType(ext) => doc
                .title
                .rsplit_once('.')
                .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
                .then_some(0),
            Self::Site(field, id) => {
                let site = site::of(doc);
                let own = match field {
                    SiteField::Collection => site.collection,
                    SiteField::Web => site.web,
                };
                (own == id.trim_matches(['{', '}'])).then_some(0)
            }
            Self::Ignored => Some(0),
        }
    }
}

/// `at op value`, where `value` is a date (the whole UTC day: `>=` from its start, `>` after
/// its end, `<` before its start, `<=` to its end, `:`/`=` within it) or an exact RFC 3339 time.
/// A value that is neither compares false.
fn compare(at: OffsetDateTime, op: &str, value: &str) -> bool {
    let (start, end) = if let Ok(exact) = OffsetDateTime::parse(value, &Rfc3339) {
        (exact, exact)
    } else if let Ok(day) = Date::parse(value, format_description!("[year]-[month]-[day]")) {
        let start = day.midnight().assume_utc();
        (start, start + Duration::DAY)
    } else {
        return false;
    };
    let exact = start == end;
    match op {
        ">=" => at >= start,
        ">" if exact => at > start,
        ">" => at >= end,
        "<" => at < start,
        "<=" if exact => at <= start,
        "<=" => at < end,
        _ if exact => at == start,
        _ => at >= start && at < end,
    }
}

fn counts(doc: &Document) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for t in tokens(&doc.text) {
        *counts.entry(t).or_default() += 1;
    }
    for t in tokens(&doc.title) {
        *counts.entry(t).or_default() += 3;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, text: &str, modified: &str) -> Document {
        let mut d: Document = serde_json::from_value(serde_json::json!({
            "source": "sharepoint", "id": "x", "title": title, "text": text, "owner": "o@x",
            "owner_name": "O", "modified": modified, "acl": ["all"]
        }))
        .unwrap();
        d.title = title.into();
        d
    }

    #[test]
    fn free_words_are_anded_and_or_is_an_operator() {
        let d = doc(
            "Remote work policy",
            "Work from home two days a week.",
            "2026-03-21T09:00:00Z",
        );
        assert!(parse("remote policy").score(&d) > 0);
        assert_eq!(parse("remote vacation").score(&d), 0);
        assert!(parse("(wfh OR remote) AND policy").score(&d) > 0);
        assert!(parse("\"work from home\"").score(&d) > 0);
        assert_eq!(parse("\"home from work\"").score(&d), 0);
        assert_eq!(parse("remote NOT policy").score(&d), 0);
        assert_eq!(
            parse("policy or vacation").score(&d),
            0,
            "lower-case or is a word"
        );
    }

    #[test]
    fn times_restrict_by_day_or_exactly_and_other_properties_are_ignored() {
        let d = doc("Remote work policy.docx", "", "2026-03-21T09:00:00Z");
        assert!(
            parse("policy LastModifiedTime>=2026-03-01 AND LastModifiedTime<2026-04-01").score(&d)
                > 0
        );
        assert_eq!(parse("policy LastModifiedTime>=2026-04-01").score(&d), 0);
        assert!(
            parse("policy LastModifiedTime<=2026-03-21").score(&d) > 0,
            "the whole day"
        );
        assert_eq!(parse("policy LastModifiedTime>2026-03-21").score(&d), 0);
        assert!(parse("policy LastModifiedTime>=2026-03-21T09:00:00Z").score(&d) > 0);
        assert_eq!(
            parse("policy LastModifiedTime<2026-03-21T09:00:00Z").score(&d),
            0,
            "an exact time is exact"
        );
        assert_eq!(parse("policy LastModifiedTime>=yesterday").score(&d), 0);
        // Created: the tenant's set-up (2026-01-05 09:00), or the last change when earlier.
        assert!(parse("Created>=2026-01-05T09:00:00Z AND Created<2026-01-06").score(&d) > 0);
        let old = doc("Old notes.md", "", "2025-03-05T09:00:00Z");
        assert!(parse("Created<2026-01-01").score(&old) > 0);
        assert!(parse("policy IsDocument:true").score(&d) > 0);
        assert!(parse("LastModifiedTime>=2026-03-01").score(&d) > 0);
        for odd in ["", "(", ")", "AND", "\"", "a:\"b", "OR OR (NOT"] {
            let _ = parse(odd).score(&d);
        }
    }

    #[test]
    fn author_file_type_and_site_restrict() {
        let mut d = doc("Budget plan.DOCX", "budget", "2026-03-21T09:00:00Z");
        d.owner = "alice@acme.example".into();
        d.owner_name = "Alice Nguyen".into();
        assert!(parse("budget Author:\"alice nguyen\"").score(&d) > 0);
        assert!(parse("Author:Nguyen").score(&d) > 0, "words of the name");
        assert_eq!(parse("Author:\"Nguyen Alice\"").score(&d), 0);
        assert_eq!(parse("Author:\"Bob Martins\"").score(&d), 0);
        assert!(parse("(FileType:pdf OR FileType:docx)").score(&d) > 0);
        assert_eq!(parse("FileType:xlsx").score(&d), 0);
        let finance = site::FINANCE;
        assert!(
            parse(&format!(
                "SiteId:{} AND WebId:{}",
                finance.collection, finance.web
            ))
            .score(&d)
                > 0
        );
        assert!(parse(&format!("SiteId:{{{}}}", finance.collection.to_uppercase())).score(&d) > 0);
        assert_eq!(
            parse(&format!("SiteId:{}", site::COMPANY.collection)).score(&d),
            0
        );
    }
}
