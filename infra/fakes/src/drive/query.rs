//! Drive's `q` language: enough of the grammar to parse what connectors send and reject what the
//! real API rejects (unterminated strings, unknown fields, dangling operators).

use crate::corpus::{Document, full_text_score, plain_text, tokens};

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    /// Both sides.
    And(Box<Query>, Box<Query>),
    /// Either side.
    Or(Box<Query>, Box<Query>),
    /// Negation.
    Not(Box<Query>),
    /// `field op value`.
    Term {
        /// `fullText`, `name`, `mimeType`, `trashed`, `modifiedTime`.
        field: String,
        /// `contains`, `=`, `!=`, `<`, `<=`, `>`, `>=`.
        op: String,
        /// The unescaped value.
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Word(String),
    Op(String),
    Open,
    Close,
}

fn lex(input: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '\'' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('\'' | '\\')) => value.push(escaped),
                            _ => return Err("invalid escape".into()),
                        },
                        Some('\'') => break,
                        Some(other) => value.push(other),
                    }
                }
                out.push(Token::Str(value));
            }
            '=' | '!' | '<' | '>' => {
                chars.next();
                let mut op = c.to_string();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    op.push('=');
                }
                if op == "!" {
                    return Err("invalid operator".into());
                }
                out.push(Token::Op(op));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Word(word));
            }
            _ => return Err(format!("unexpected character `{c}`")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Query, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            left = Query::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Query, String> {
        let mut left = self.not()?;
        while self.peek_word("and") {
            self.at += 1;
            left = Query::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Query, String> {
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Query::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Query, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing `)`".into()),
                }
            }
            Some(Token::Word(field)) => {
                let op = match self.next() {
                    Some(Token::Op(op)) => op,
                    Some(Token::Word(w)) if w.eq_ignore_ascii_case("contains") => "contains".into(),
                    _ => return Err(format!("expected an operator after `{field}`")),
                };
                let value = match self.next() {
                    Some(Token::Str(s)) => s,
                    Some(Token::Word(w)) if matches!(w.as_str(), "true" | "false") => w,
                    _ => return Err(format!("expected a value after `{field} {op}`")),
                };
                let allowed: &[&str] = match field.as_str() {
                    "fullText" => &["contains"],
                    "name" => &["contains", "=", "!="],
                    "mimeType" => &["contains", "=", "!="],
                    "trashed" | "starred" => &["=", "!="],
                    "modifiedTime" | "viewedByMeTime" => &["=", "!=", "<", "<=", ">", ">="],
                    _ => return Err(format!("unknown field `{field}`")),
                };
                if !allowed.contains(&op.as_str()) {
                    return Err(format!("operator `{op}` is not valid for `{field}`"));
                }
                Ok(Query::Term { field, op, value })
            }
            _ => Err("expected a query term".into()),
        }
    }
}

/// Parses `q`.
pub(crate) fn parse(q: &str) -> Result<Query, String> {
    let mut parser = Parser {
        tokens: lex(q)?,
        at: 0,
    };
    let query = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err("unexpected trailing input".into());
    }
    Ok(query)
}

impl Query {
    /// Whether the query uses `fullText` anywhere (then `orderBy` is refused).
    pub(crate) fn has_full_text(&self) -> bool {
        match self {
            Self::And(a, b) | Self::Or(a, b) => a.has_full_text() || b.has_full_text(),
            Self::Not(a) => a.has_full_text(),
            Self::Term { field, .. } => field == "fullText",
        }
    }

    /// Whether `doc` matches.
    pub(crate) fn matches(&self, doc: &Document) -> bool {
        match self {
            Self::And(a, b) => a.matches(doc) && b.matches(doc),
            Self::Or(a, b) => a.matches(doc) || b.matches(doc),
            Self::Not(a) => !a.matches(doc),
            Self::Term { field, op, value } => term(doc, field, op, value),
        }
    }

    /// Relevance: the sum of `fullText` term scores.
    pub(crate) fn score(&self, doc: &Document) -> usize {
        match self {
            Self::And(a, b) | Self::Or(a, b) => a.score(doc) + b.score(doc),
            Self::Not(_) => 0,
            Self::Term { field, value, .. } if field == "fullText" => {
                full_text_score(doc, &tokens(value))
            }
            Self::Term { .. } => 0,
        }
    }
}

fn term(doc: &Document, field: &str, op: &str, value: &str) -> bool {
    let mime = doc.mime.as_deref().unwrap_or("application/octet-stream");
    match (field, op) {
        ("fullText", _) => {
            if let Some(phrase) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                let haystack = format!("{} {}", doc.title, plain_text(doc)).to_lowercase();
                return haystack.contains(&phrase.to_lowercase());
            }
            full_text_score(doc, &tokens(value)) > 0
        }
        ("name", "contains") => {
            // Prefix matching on name tokens.
            let name_tokens = tokens(&doc.title);
            tokens(value)
                .iter()
                .all(|v| name_tokens.iter().any(|t| t.starts_with(v.as_str())))
        }
        ("name", "=") => doc.title == value,
        ("name", "!=") => doc.title != value,
        ("mimeType", "=") => mime == value,
        ("mimeType", "!=") => mime != value,
        ("mimeType", "contains") => mime.contains(value),
        ("trashed", "=") => doc.trashed.to_string() == value,
        ("trashed", "!=") => doc.trashed.to_string() != value,
        ("starred", "=") => value == "false",
        ("starred", "!=") => value == "true",
        ("modifiedTime", op) => {
            let (a, b) = (
                &doc.modified[..doc.modified.len().min(19)],
                &value[..value.len().min(19)],
            );
            match op {
                "=" => a == b,
                "!=" => a != b,
                "<" => a < b,
                "<=" => a <= b,
                ">" => a > b,
                _ => a >= b,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_connector_query_with_escapes() {
        let q = parse(r"fullText contains 'quinn\'s paper\\essay' and trashed = false").unwrap();
        let Query::And(left, right) = q else { panic!() };
        assert_eq!(
            *left,
            Query::Term {
                field: "fullText".into(),
                op: "contains".into(),
                value: r"quinn's paper\essay".into()
            }
        );
        assert!(matches!(*right, Query::Term { ref value, .. } if value == "false"));
    }

    #[test]
    fn rejects_what_the_api_rejects() {
        for bad in [
            "fullText contains 'unterminated",
            "fullText contains 'bad\\escape'",
            "fullText = 'x'",
            "owner contains 'x'",
            "name contains",
            "(name contains 'x'",
            "name contains 'x' and",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("(name contains 'a' or not mimeType = 'b') and trashed != true").is_ok());
    }
}
