//! SOSL: `FIND {term} [IN ALL|NAME FIELDS] RETURNING Object(fields [WHERE ...] [ORDER BY ...]
//! [LIMIT n] [OFFSET n]), ... [LIMIT n]`.
//!
//! The search term follows SOSL's rules: a backslash makes the next character literal; `"..."`
//! is a phrase; `AND`, `OR`, `AND NOT` and parentheses combine terms (adjacent terms are ANDed);
//! a trailing `*` is a wildcard; any other reserved character left unescaped is refused with
//! `MALFORMED_SEARCH`, so a client that forgets to escape is caught. Matching is by words: a term
//! matches a record when its words appear in that order in one of the record's text fields.
//!
//! Rows are cut to the `LIMIT`s *before* sharing removes the ones the user may not see, as
//! Salesforce does, so an answer can hold fewer rows than asked for.

use serde_json::Value;

use super::data::{Org, OrgRecord, OrgUser, fields_of, name_fields};
use super::ql::{self, Condition, Cursor, QlError, Token};

const CODE: &str = "MALFORMED_SEARCH";
/// SOSL's most rows, and largest `OFFSET`.
pub(crate) const MAX_ROWS: usize = 2_000;

/// A search term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Term {
    /// Words in sequence; `wildcard`: the last one is a prefix.
    Words {
        words: Vec<String>,
        wildcard: bool,
    },
    And(Box<Term>, Box<Term>),
    Or(Box<Term>, Box<Term>),
    AndNot(Box<Term>, Box<Term>),
}

/// Lowercase alphanumeric words.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Word {
        text: String,
        wildcard: bool,
        bare: bool,
    },
    Open,
    Close,
}

/// The raw term between the braces, escapes kept, and the rest of the statement.
fn split_find(statement: &str) -> Result<(String, &str), QlError> {
    let missing = || {
        QlError::new(
            CODE,
            "No search term found. The search term must be enclosed in braces.",
        )
    };
    let trimmed = statement.trim_start();
    let rest = trimmed
        .get(..4)
        .filter(|k| k.eq_ignore_ascii_case("FIND"))
        .map(|_| trimmed[4..].trim_start())
        .ok_or_else(missing)?;
    let rest = rest.strip_prefix('{').ok_or_else(missing)?;
    let mut raw = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                raw.push('\\');
                if let Some((_, next)) = chars.next() {
                    raw.push(next);
                }
            }
            '}' => return Ok((raw, &rest[i + 1..])),
            c => raw.push(c),
        }
    }
    Err(missing())
}

fn lex(raw: &str) -> Result<Vec<Lexeme>, QlError> {
    let mut out = Vec::new();
    let mut chars = raw.chars().peekable();
    let mut word = String::new();
    let mut wildcard = false;
    let flush = |word: &mut String, wildcard: &mut bool, out: &mut Vec<Lexeme>| {
        if !word.is_empty() || *wildcard {
            out.push(Lexeme::Word {
                text: std::mem::take(word),
                wildcard: std::mem::take(wildcard),
                bare: true,
            });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            c if c.is_whitespace() => flush(&mut word, &mut wildcard, &mut out),
            '(' => {
                flush(&mut word, &mut wildcard, &mut out);
                out.push(Lexeme::Open);
            }
            ')' => {
                flush(&mut word, &mut wildcard, &mut out);
                out.push(Lexeme::Close);
            }
            '*' | '?' => wildcard = true,
            '"' => {
                flush(&mut word, &mut wildcard, &mut out);
                let mut phrase = String::new();
                let mut closed = false;
                while let Some(p) = chars.next() {
                    match p {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                phrase.push(next);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        p => phrase.push(p),
                    }
                }
                if !closed {
                    return Err(QlError::new(CODE, "unterminated phrase: missing '\"'"));
                }
                out.push(Lexeme::Word {
                    text: phrase,
                    wildcard: false,
                    bare: false,
                });
            }
            '&' | '|' | '!' | '{' | '}' | '[' | ']' | '^' | '~' | ':' | '\'' | '+' | '-' => {
                return Err(QlError::new(
                    CODE,
                    format!(
                        "line 1:{}, mismatched character '{c}': reserved characters in a search term must be escaped with a backslash",
                        raw.len()
                    ),
                ));
            }
            c => word.push(c),
        }
    }
    flush(&mut word, &mut wildcard, &mut out);
    Ok(out)
}

fn is_op(l: Option<&Lexeme>, op: &str) -> bool {
    matches!(l, Some(Lexeme::Word { text, bare: true, wildcard: false }) if text.eq_ignore_ascii_case(op))
}

struct TermParser {
    lexemes: Vec<Lexeme>,
    at: usize,
}

impl TermParser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn or(&mut self) -> Result<Term, QlError> {
        let mut left = self.and()?;
        while is_op(self.peek(), "OR") {
            self.at += 1;
            left = Term::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Term, QlError> {
        let mut left = self.atom()?;
        loop {
            if is_op(self.peek(), "AND") {
                self.at += 1;
                if is_op(self.peek(), "NOT") {
                    self.at += 1;
                    left = Term::AndNot(Box::new(left), Box::new(self.atom()?));
                } else {
                    left = Term::And(Box::new(left), Box::new(self.atom()?));
                }
            } else if matches!(self.peek(), Some(Lexeme::Word { .. } | Lexeme::Open))
                && !is_op(self.peek(), "OR")
            {
                left = Term::And(Box::new(left), Box::new(self.atom()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn atom(&mut self) -> Result<Term, QlError> {
        let unexpected = |what: &str| QlError::new(CODE, format!("unexpected token: '{what}'"));
        match self.lexemes.get(self.at).cloned() {
            Some(Lexeme::Open) => {
                self.at += 1;
                let inner = self.or()?;
                match self.lexemes.get(self.at) {
                    Some(Lexeme::Close) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(unexpected("end of search term")),
                }
            }
            Some(Lexeme::Word {
                text,
                wildcard,
                bare,
            }) => {
                if bare
                    && ["AND", "OR", "NOT"]
                        .iter()
                        .any(|op| text.eq_ignore_ascii_case(op))
                {
                    return Err(unexpected(&text));
                }
                self.at += 1;
                Ok(Term::Words {
                    words: words(&text),
                    wildcard,
                })
            }
            Some(Lexeme::Close) => Err(unexpected(")")),
            None => Err(unexpected("end of search term")),
        }
    }
}

/// Parses a search term (the text between the braces, escapes included).
pub(crate) fn parse_term(raw: &str) -> Result<Term, QlError> {
    let lexemes = lex(raw)?;
    if lexemes.is_empty() {
        return Err(QlError::new(
            CODE,
            "search term must be longer than one character",
        ));
    }
    let mut parser = TermParser { lexemes, at: 0 };
    let term = parser.or()?;
    if parser.at < parser.lexemes.len() {
        return Err(QlError::new(CODE, "unexpected token: ')'"));
    }
    Ok(term)
}

impl Term {
    /// Whether the term matches a record whose searched fields have `fields` words.
    pub(crate) fn matches(&self, fields: &[Vec<String>]) -> bool {
        match self {
            Self::And(a, b) => a.matches(fields) && b.matches(fields),
            Self::Or(a, b) => a.matches(fields) || b.matches(fields),
            Self::AndNot(a, b) => a.matches(fields) && !b.matches(fields),
            // A term of punctuation alone (escaped) names no word: it restricts nothing.
            Self::Words { words, .. } if words.is_empty() => true,
            Self::Words { words, wildcard } => fields.iter().any(|field| {
                field.windows(words.len()).any(|window| {
                    window
                        .iter()
                        .zip(words)
                        .enumerate()
                        .all(|(i, (have, want))| {
                            if *wildcard && i + 1 == words.len() {
                                have.starts_with(want.as_str())
                            } else {
                                have == want
                            }
                        })
                })
            }),
        }
    }
}

/// One object of `RETURNING`.
#[derive(Debug)]
pub(crate) struct Returning {
    pub(crate) object: String,
    pub(crate) fields: Vec<String>,
    pub(crate) filter: Option<Condition>,
    pub(crate) order: Option<(String, bool)>,
    pub(crate) limit: Option<usize>,
    pub(crate) offset: Option<usize>,
}

/// A parsed statement.
#[derive(Debug)]
pub(crate) struct Search {
    pub(crate) term: Term,
    pub(crate) name_fields_only: bool,
    pub(crate) returning: Vec<Returning>,
    pub(crate) limit: usize,
}

fn returning(cursor: &mut Cursor) -> Result<Returning, QlError> {
    let object = cursor.field()?;
    let mut spec = Returning {
        object,
        fields: vec!["Id".into()],
        filter: None,
        order: None,
        limit: None,
        offset: None,
    };
    if !matches!(cursor.peek(), Some(Token::Open)) {
        return Ok(spec);
    }
    cursor.next();
    spec.fields = vec![cursor.field()?];
    while matches!(cursor.peek(), Some(Token::Comma)) {
        cursor.next();
        spec.fields.push(cursor.field()?);
    }
    if cursor.keyword("WHERE") {
        spec.filter = Some(ql::or(cursor)?);
    }
    spec.order = ql::order_by(cursor)?;
    if cursor.keyword("LIMIT") {
        spec.limit = Some(cursor.integer()?);
    }
    if cursor.keyword("OFFSET") {
        spec.offset = Some(cursor.integer()?);
    }
    match cursor.next() {
        Some(Token::Close) => Ok(spec),
        _ => {
            let err = cursor.unexpected();
            Err(err)
        }
    }
}

/// Parses a whole statement.
pub(crate) fn parse(statement: &str) -> Result<Search, QlError> {
    let (raw, rest) = split_find(statement)?;
    let term = parse_term(&raw)?;
    let mut cursor = Cursor::new(ql::tokens(rest, CODE)?, CODE);
    let mut name_fields_only = false;
    if cursor.keyword("IN") {
        name_fields_only = if cursor.keyword("NAME") {
            true
        } else {
            cursor.expect_keyword("ALL")?;
            false
        };
        cursor.expect_keyword("FIELDS")?;
    }
    let mut specs = Vec::new();
    if cursor.keyword("RETURNING") {
        specs.push(returning(&mut cursor)?);
        while matches!(cursor.peek(), Some(Token::Comma)) {
            cursor.next();
            specs.push(returning(&mut cursor)?);
        }
    }
    let limit = if cursor.keyword("LIMIT") {
        cursor.integer()?
    } else {
        MAX_ROWS
    };
    if !cursor.done() {
        return Err(cursor.unexpected());
    }
    if specs.len() > 1 && specs.iter().any(|s| s.offset.is_some()) {
        return Err(QlError::new(
            CODE,
            "OFFSET can be used only when searching a single object",
        ));
    }
    if specs.iter().any(|s| s.offset.is_some_and(|o| o > MAX_ROWS)) {
        return Err(QlError::new(CODE, "maximum SOSL offset allowed is 2000"));
    }
    Ok(Search {
        term,
        name_fields_only,
        returning: specs,
        limit: limit.min(MAX_ROWS),
    })
}

/// The words of a record's searched fields.
fn searched(record: &OrgRecord, name_only: bool) -> Vec<Vec<String>> {
    let names = name_fields(&record.object);
    record
        .fields
        .iter()
        .filter(|(k, _)| !k.ends_with("Id") && !k.ends_with("Date") && k.as_str() != "Id")
        .filter(|(k, _)| !name_only || names.contains(&k.as_str()))
        .filter_map(|(_, v)| v.as_str().map(words))
        .collect()
}

/// Runs a statement as `user`: the `searchRecords` Salesforce answers.
pub(crate) fn run(org: &Org, user: &OrgUser, statement: &str) -> Result<Vec<Value>, QlError> {
    let search = parse(statement)?;
    let specs = if search.returning.is_empty() {
        ["Account", "Contact", "Opportunity", "Case"]
            .iter()
            .map(|o| Returning {
                object: (*o).into(),
                fields: vec!["Id".into()],
                filter: None,
                order: None,
                limit: None,
                offset: None,
            })
            .collect()
    } else {
        search.returning
    };
    let mut rows: Vec<(&Returning, &OrgRecord)> = Vec::new();
    for spec in &specs {
        if fields_of(&spec.object).is_none() {
            return Err(QlError::new(
                "INVALID_TYPE",
                format!("sObject type '{}' is not supported.", spec.object),
            ));
        }
        let read = spec
            .fields
            .iter()
            .map(String::as_str)
            .chain(spec.filter.iter().flat_map(Condition::fields))
            .chain(spec.order.iter().map(|(f, _)| f.as_str()));
        for field in read {
            Org::check_field(user, &spec.object, field)
                .map_err(|e| QlError::no_such_column(&e.object, &e.field))?;
        }
        let mut found: Vec<&OrgRecord> = org
            .records
            .iter()
            .filter(|r| r.object == spec.object)
            .filter(|r| search.term.matches(&searched(r, search.name_fields_only)))
            .filter(|r| spec.filter.as_ref().is_none_or(|c| c.holds(org, user, r)))
            .collect();
        match &spec.order {
            Some((field, descending)) => ql::order(&mut found, org, user, field, *descending),
            // Relevance: a match in the record's name first.
            None => found.sort_by_key(|r| !search.term.matches(&searched(r, true))),
        }
        let found = found
            .into_iter()
            .skip(spec.offset.unwrap_or(0))
            .take(spec.limit.unwrap_or(MAX_ROWS));
        rows.extend(found.map(|r| (spec, r)));
    }
    // The limits cut first; sharing removes what the user may not see from what is left.
    rows.truncate(search.limit);
    Ok(rows
        .into_iter()
        .filter(|(_, r)| Org::visible(user, r))
        .map(|(spec, r)| org.project(user, r, &spec.fields))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_words(text: &str) -> Vec<Vec<String>> {
        vec![words(text)]
    }

    #[test]
    fn escaped_reserved_characters_are_literal_and_unescaped_ones_refused() {
        let term = parse_term(r"globex\} AND RETURNING AND User\(Id\) AND \-\-").unwrap();
        assert!(matches!(term, Term::And(..)));
        assert!(!term.matches(&record_words("Globex renewal")));
        for bad in [
            "a:b", "x' OR 'y", "a -b", "a+b", "[x]", "a & b", "~x", "\"open",
        ] {
            assert_eq!(parse_term(bad).map(|_| ()).unwrap_err().code, CODE, "{bad}");
        }
        // A closing brace ends the term: what follows is parsed as the statement.
        let err = parse("FIND {globex} RETURNING User(Id, Email)} IN ALL FIELDS").unwrap_err();
        assert_eq!(err.code, CODE);
    }

    #[test]
    fn operators_phrases_and_wildcards() {
        let doc = record_words("Globex renewal FY2027");
        for (term, expected) in [
            ("globex renewal", true),
            ("globex AND nothing", false),
            ("nothing OR renewal", true),
            ("globex AND NOT renewal", false),
            ("(nothing OR globex) AND fy2027", true),
            ("\"globex renewal\"", true),
            ("\"renewal globex\"", false),
            ("renew*", true),
            ("\"or\" globex", false),
        ] {
            assert_eq!(parse_term(term).unwrap().matches(&doc), expected, "{term}");
        }
    }

    #[test]
    fn statements_parse_per_object() {
        let search = parse("FIND {globex} IN ALL FIELDS RETURNING Opportunity(Id, Name WHERE LastModifiedDate >= 2026-11-01T00:00:00Z LIMIT 5), Case(Id) LIMIT 10").unwrap();
        assert_eq!(search.returning.len(), 2);
        assert_eq!(search.returning[0].limit, Some(5));
        assert_eq!(search.limit, 10);
        assert!(parse("FIND {x} RETURNING Account(Id OFFSET 5), Case(Id)").is_err());
        assert!(parse("FIND {x} RETURNING Account(Id OFFSET 2001)").is_err());
        assert_eq!(parse("FIND {x} LIMIT 5000").unwrap().limit, MAX_ROWS);
    }
}
