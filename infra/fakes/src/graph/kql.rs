//! The part of KQL (Keyword Query Language) SharePoint search answers that connectors send: free
//! words and `"quoted phrases"`, `AND`, `OR`, `NOT` (upper case only, as in KQL; lower-case
//! `and` is a word), parentheses, implicit `AND` between adjacent terms, and property
//! restrictions `Prop:value`, `Prop=value`, `Prop>=value` ... . `LastModifiedTime` restrictions
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Term(Kql),
}

fn lex(input: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .map_or(chars.len(), |p| i + 1 + p);
            let phrase: String = chars[i + 1..end].iter().collect();
            out.push(Tok::Term(Kql::Words(tokens(&phrase))));
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')') {
                // A quoted property value (`Path:"https://x y"`) belongs to the word.
                if chars[i] == '"' {
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        i += 1;
                    }
                }
                i += 1;
            }
            let word: String = chars[start..i.min(chars.len())].iter().collect();
            out.push(match word.as_str() {
                "AND" => Tok::And,
                "OR" => Tok::Or,
                "NOT" => Tok::Not,
                _ => Tok::Term(property(&word).unwrap_or_else(|| Kql::Words(tokens(&word)))),
            });
        }
    }
    out
}

/// `Prop<op>value`, when `word` is a property restriction.
fn property(word: &str) -> Option<Kql> {
    let at = word.find([':', '=', '<', '>'])?;
    let (name, rest) = word.split_at(at);
    if name.is_empty() || !name.chars().all(char::is_alphanumeric) {
        return None;
    }
    let op_len = rest
        .chars()
        .take_while(|c| matches!(c, ':' | '=' | '<' | '>'))
        .count();
    let (op, value) = rest.split_at(op_len);
    if name.eq_ignore_ascii_case("LastModifiedTime") {
        Some(Kql::Modified(
            op.to_owned(),
            value.trim_matches('"').to_owned(),
        ))
    } else {
        Some(Kql::Ignored)
    }
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn or(&mut self) -> Kql {
        let mut items = vec![self.and()];
        while self.toks.get(self.at) == Some(&Tok::Or) {
            self.at += 1;
            items.push(self.and());
        }
        if items.len() == 1 {
            items.remove(0)
        } else {
            Kql::Or(items)
        }
    }

    fn and(&mut self) -> Kql {
        let mut items = vec![self.unary()];
        loop {
            match self.toks.get(self.at) {
                Some(Tok::And) => {
                    self.at += 1;
                    items.push(self.unary());
                }
                Some(Tok::Open | Tok::Not | Tok::Term(_)) => items.push(self.unary()),
                _ => break,
            }
        }
        if items.len() == 1 {
            items.remove(0)
        } else {
            Kql::And(items)
        }
    }

    fn unary(&mut self) -> Kql {
        match self.toks.get(self.at).cloned() {
            Some(Tok::Not) => {
                self.at += 1;
                Kql::Not(Box::new(self.unary()))
            }
            Some(Tok::Open) => {
                self.at += 1;
                let inner = self.or();
                if self.toks.get(self.at) == Some(&Tok::Close) {
                    self.at += 1;
                }
                inner
            }
            Some(Tok::Term(t)) => {
                self.at += 1;
                t
            }
            // A dangling operator or parenthesis: KQL ignores it.
            _ => {
                self.at += 1;
                Kql::Ignored
            }
        }
    }
}

/// Parses a query string. KQL is forgiving: nothing here is an error.
pub(crate) fn parse(query: &str) -> Kql {
    let mut parser = Parser {
        toks: lex(query),
        at: 0,
    };
    let mut items = Vec::new();
    while parser.at < parser.toks.len() {
        items.push(parser.or());
    }
    if items.len() == 1 {
        items.remove(0)
    } else {
        Kql::And(items)
    }
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
