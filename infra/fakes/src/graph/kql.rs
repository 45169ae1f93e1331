//! What KQL (Keyword Query Language, syntax in [`crate::kql`]) means to SharePoint search over
//! documents: free words and phrases match the title and text, and `LastModifiedTime` restrictions
//! are applied to the document's modification time; other properties (`filetype:docx`) are
//! accepted and ignored, as before. No stemming, no synonyms: words match whole tokens.

use std::collections::HashMap;

use crate::corpus::{Document, tokens};

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kql {
    And(Vec<Kql>),
    Or(Vec<Kql>),
    Not(Box<Kql>),
    /// Lowercase tokens that must occur in this order (one token: a free word).
    Words(Vec<String>),
    /// `LastModifiedTime op YYYY-MM-DD...`.
    Modified(String, String),
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
        Some(if name.eq_ignore_ascii_case("LastModifiedTime") {
            Self::Modified(op.to_owned(), value.to_owned())
        } else {
            Self::Ignored
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
            Self::Not(_) | Self::Modified(..) | Self::Ignored => Vec::new(),
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
            Self::Modified(op, value) => {
                let (a, b) = (
                    &doc.modified[..doc.modified.len().min(10)],
                    &value[..value.len().min(10)],
                );
                let ok = match op.as_str() {
                    ">=" => a >= b,
                    ">" => a > b,
                    "<=" => a <= b,
                    "<" => a < b,
                    _ => a == b,
                };
                ok.then_some(0)
            }
            Self::Ignored => Some(0),
        }
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
    fn last_modified_time_restricts_and_other_properties_are_ignored() {
        let d = doc("Remote work policy", "", "2026-03-21T09:00:00Z");
        assert!(
            parse("policy LastModifiedTime>=2026-03-01 AND LastModifiedTime<2026-04-01").score(&d)
                > 0
        );
        assert_eq!(parse("policy LastModifiedTime>=2026-04-01").score(&d), 0);
        assert!(parse("policy filetype:docx").score(&d) > 0);
        assert!(parse("LastModifiedTime>=2026-03-01").score(&d) > 0);
        for odd in ["", "(", ")", "AND", "\"", "a:\"b", "OR OR (NOT"] {
            let _ = parse(odd).score(&d);
        }
    }
}
