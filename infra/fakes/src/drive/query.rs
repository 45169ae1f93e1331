//! Drive's `q` language: enough of the grammar to parse what connectors send and reject what the
//! real API rejects (unterminated strings, unknown fields, dangling operators). Two dialects: the
//! REST API's (`name`, `trashed`, …) and the Drive MCP server's `search_files` (`title` where REST
//! has `name`, plus `owner`, `sharedWithMe`, `parentId`, `createdTime`; no `trashed`).

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

/// Which API's field names a query may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Drive v3 `files.list` `q`.
    Rest,
    /// The Drive MCP server's `search_files` `query`.
    Mcp,
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    dialect: Dialect,
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
            // `'alice@acme.example' in owners` (REST): the value comes first.
            Some(Token::Str(value)) if self.dialect == Dialect::Rest => {
                match (self.next(), self.next()) {
                    (Some(Token::Word(op)), Some(Token::Word(field)))
                        if op == "in" && matches!(field.as_str(), "owners" | "parents") =>
                    {
                        Ok(Query::Term { field, op, value })
                    }
                    _ => Err(format!(
                        "expected `in owners` or `in parents` after '{value}'"
                    )),
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
                const DATES: &[&str] = &["=", "!=", "<", "<=", ">", ">="];
                let allowed: &[&str] = match (self.dialect, field.as_str()) {
                    (_, "fullText") => &["contains"],
                    (Dialect::Rest, "name") | (Dialect::Mcp, "title") => &["contains", "=", "!="],
                    (_, "mimeType") => &["contains", "=", "!="],
                    (Dialect::Rest, "trashed" | "starred") => &["=", "!="],
                    (_, "modifiedTime" | "viewedByMeTime" | "createdTime") => DATES,
                    (Dialect::Mcp, "owner" | "parentId" | "sharedWithMe") => &["=", "!="],
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

/// Parses a REST `q`.
pub(crate) fn parse(q: &str) -> Result<Query, String> {
    parse_in(q, Dialect::Rest)
}

/// Parses `q` in `dialect`.
pub(crate) fn parse_in(q: &str, dialect: Dialect) -> Result<Query, String> {
    let mut parser = Parser {
        tokens: lex(q)?,
        at: 0,
        dialect,
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
        self.matches_for(doc, "")
    }

    /// Whether `doc` matches for the user `me` (whom `owner = 'me'` and `sharedWithMe` name).
    pub(crate) fn matches_for(&self, doc: &Document, me: &str) -> bool {
        match self {
            Self::And(a, b) => a.matches_for(doc, me) && b.matches_for(doc, me),
            Self::Or(a, b) => a.matches_for(doc, me) || b.matches_for(doc, me),
            Self::Not(a) => !a.matches_for(doc, me),
            Self::Term { field, op, value } => term(doc, field, op, value, me),
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

fn term(doc: &Document, field: &str, op: &str, value: &str, me: &str) -> bool {
    let mime = doc.mime.as_deref().unwrap_or("application/octet-stream");
    // The MCP dialect's `title` is REST's `name`.
    let field = if field == "title" { "name" } else { field };
    let equal = op == "=";
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
        // Shared-drive files have no owners.
        ("owners", "in") => doc.drive_id.is_none() && doc.owner.eq_ignore_ascii_case(value),
        ("parents", "in") => {
            (value == "root" && doc.drive_id.is_none()) || doc.drive_id.as_deref() == Some(value)
        }
        ("owner", _) => {
            let owner = if value == "me" { me } else { value };
            doc.owner.eq_ignore_ascii_case(owner) == equal
        }
        ("sharedWithMe", _) => {
            let shared = !doc.owner.eq_ignore_ascii_case(me);
            (shared.to_string() == value) == equal
        }
        // Files outside shared drives sit in the user's My Drive root.
        ("parentId", _) => (value == "root" && doc.drive_id.is_none()) == equal,
        ("modifiedTime" | "createdTime", op) => {
            // Seconds precision; `get` so a multi-byte character never splits.
            let (a, b) = (
                doc.modified.get(..19).unwrap_or(&doc.modified),
                value.get(..19).unwrap_or(value),
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
    fn owners_and_created_time_in_the_rest_dialect() {
        let q = parse("'alice@acme.example' in owners and createdTime >= '2026-01-01T00:00:00Z'")
            .unwrap();
        let Query::And(left, _) = q else { panic!() };
        assert_eq!(
            *left,
            Query::Term {
                field: "owners".into(),
                op: "in".into(),
                value: "alice@acme.example".into()
            }
        );
        assert!(parse("'x' in readers").is_err());
        assert!(parse("'x' owners").is_err());
        assert!(
            parse_in("'x' in owners", Dialect::Mcp).is_err(),
            "not MCP syntax"
        );
    }

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

    #[test]
    fn the_mcp_dialect_says_title_and_knows_no_trash() {
        assert!(parse_in("title contains 'budget' and owner = 'me'", Dialect::Mcp).is_ok());
        assert!(parse_in("sharedWithMe = true and parentId = 'root'", Dialect::Mcp).is_ok());
        for bad in [
            "name contains 'budget'",
            "trashed = false",
            "title contains",
        ] {
            assert!(parse_in(bad, Dialect::Mcp).is_err(), "{bad}");
        }
        assert!(parse("title contains 'budget'").is_err());
        let corpus = crate::corpus::Corpus::demo();
        let doc = corpus
            .documents
            .iter()
            .find(|d| d.title == "FY2027 Q1 Quarterly Budget")
            .unwrap();
        let mine = parse_in("owner = 'me'", Dialect::Mcp).unwrap();
        assert!(mine.matches_for(doc, &doc.owner));
        assert!(!mine.matches_for(doc, "someone@acme.example"));
        let shared = parse_in("sharedWithMe = true", Dialect::Mcp).unwrap();
        assert!(shared.matches_for(doc, "someone@acme.example"));
        assert!(!shared.matches_for(doc, &doc.owner));
        let titled = parse_in("title contains 'quarterly'", Dialect::Mcp).unwrap();
        assert!(titled.matches(doc));
    }
}
