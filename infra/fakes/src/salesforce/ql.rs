//! What SOQL and SOSL share: tokens, `WHERE` conditions and their evaluation, `ORDER BY`.
//!
//! Enough of the languages for what a client sends (and for refusing what it must not): field
//! lists, `WHERE` with `AND`/`OR`/`NOT`, parentheses, `= != < <= > >=`, `IN (...)`, quoted
//! strings with backslash escapes, numbers, `true`/`false`/`null`, unquoted date and datetime
//! literals; `ORDER BY` one field; `LIMIT`, `OFFSET`.

use std::cmp::Ordering;

use serde_json::Value;

use super::data::{Org, OrgRecord, OrgUser};

/// A statement Salesforce refuses: its `errorCode` and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QlError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl QlError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The answer to a field the user cannot select.
    pub(crate) fn no_such_column(object: &str, field: &str) -> Self {
        Self::new(
            "INVALID_FIELD",
            format!(
                "\n{field}\n^\nERROR at Row:1:Column:1\nNo such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
            ),
        )
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// A name or keyword (`Account.Name`, `WHERE`).
    Word(String),
    /// A quoted string, unescaped.
    Text(String),
    /// An unquoted literal: a number, a date or a datetime.
    Bare(String),
    Comma,
    Open,
    Close,
    Op(&'static str),
}

/// Splits a statement (without SOSL's `FIND {...}`) into tokens.
pub(crate) fn tokens(s: &str, code: &'static str) -> Result<Vec<Token>, QlError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(QlError::new(code, "unterminated string literal")),
                        Some('\\') => {
                            let escaped = chars
                                .get(i + 1)
                                .ok_or_else(|| QlError::new(code, "unterminated string literal"))?;
                            text.push(match escaped {
                                'n' => '\n',
                                'r' => '\r',
                                't' => '\t',
                                other => *other,
                            });
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            text.push(*other);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Text(text));
            }
            '=' => {
                out.push(Token::Op("="));
                i += 1;
            }
            '!' | '<' | '>' => {
                let two = chars.get(i + 1) == Some(&'=');
                let op = match (c, two) {
                    ('!', true) => "!=",
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    _ => return Err(QlError::new(code, format!("unexpected token: '{c}'"))),
                };
                out.push(Token::Op(op));
                i += if two { 2 } else { 1 };
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], ':' | '.' | '+' | '-'))
                {
                    i += 1;
                }
                out.push(Token::Bare(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '.'))
                {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(QlError::new(code, format!("unexpected token: '{other}'"))),
        }
    }
    Ok(out)
}

/// A cursor over tokens.
pub(crate) struct Cursor {
    tokens: Vec<Token>,
    at: usize,
    pub(crate) code: &'static str,
}

impl Cursor {
    pub(crate) fn new(tokens: Vec<Token>, code: &'static str) -> Self {
        Self {
            tokens,
            at: 0,
            code,
        }
    }

    pub(crate) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    pub(crate) fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    pub(crate) fn done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    /// Whether the next token is the keyword `kw` (any case); consumes it if so.
    pub(crate) fn keyword(&mut self, kw: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn expect_keyword(&mut self, kw: &str) -> Result<(), QlError> {
        if self.keyword(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub(crate) fn unexpected(&self) -> QlError {
        let what = match self.peek() {
            None => "end of statement".to_owned(),
            Some(Token::Word(w) | Token::Bare(w)) => w.clone(),
            Some(Token::Text(t)) => format!("'{t}'"),
            Some(Token::Comma) => ",".into(),
            Some(Token::Open) => "(".into(),
            Some(Token::Close) => ")".into(),
            Some(Token::Op(op)) => (*op).into(),
        };
        QlError::new(self.code, format!("unexpected token: '{what}'"))
    }

    /// A field name.
    pub(crate) fn field(&mut self) -> Result<String, QlError> {
        match self.next() {
            Some(Token::Word(w)) if !is_keyword(&w) => Ok(w),
            _ => {
                self.at = self.at.saturating_sub(1);
                Err(self.unexpected())
            }
        }
    }

    /// A non-negative integer (`LIMIT`, `OFFSET`).
    pub(crate) fn integer(&mut self) -> Result<usize, QlError> {
        match self.next() {
            Some(Token::Bare(n)) => n
                .parse()
                .map_err(|_| QlError::new(self.code, format!("unexpected token: '{n}'"))),
            _ => {
                self.at = self.at.saturating_sub(1);
                Err(self.unexpected())
            }
        }
    }
}

fn is_keyword(w: &str) -> bool {
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "ORDER",
        "BY",
        "LIMIT",
        "OFFSET",
        "ASC",
        "DESC",
        "NULLS",
        "RETURNING",
        "FIND",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(w))
}

/// A literal in a condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
    /// A date or datetime, normalised to `YYYY-MM-DDTHH:MM:SS` (or the date alone).
    Moment(String),
}

/// A `WHERE` condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Compare(String, &'static str, Literal),
    In(String, Vec<Literal>),
}

/// A datetime as stored (`2026-11-20T10:00:00.000+0000`) or written (`2026-11-01T00:00:00Z`),
/// comparable as text.
fn moment(s: &str) -> String {
    s.chars().take(19).collect()
}

fn literal(cursor: &mut Cursor) -> Result<Literal, QlError> {
    match cursor.next() {
        Some(Token::Text(t)) => Ok(Literal::Text(t)),
        Some(Token::Bare(b)) => Ok(match b.parse::<f64>() {
            Ok(n) => Literal::Number(n),
            Err(_) if b.len() >= 10 && b.as_bytes()[4] == b'-' => Literal::Moment(moment(&b)),
            _ => {
                return Err(QlError::new(
                    cursor.code,
                    format!("unexpected token: '{b}'"),
                ));
            }
        }),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
        _ => {
            cursor.at = cursor.at.saturating_sub(1);
            Err(cursor.unexpected())
        }
    }
}

fn atom(cursor: &mut Cursor) -> Result<Condition, QlError> {
    if matches!(cursor.peek(), Some(Token::Open)) {
        cursor.next();
        let inner = or(cursor)?;
        return match cursor.next() {
            Some(Token::Close) => Ok(inner),
            _ => Err(cursor.unexpected()),
        };
    }
    if cursor.keyword("NOT") {
        return Ok(Condition::Not(Box::new(atom(cursor)?)));
    }
    let field = cursor.field()?;
    if cursor.keyword("IN") {
        if cursor.next() != Some(Token::Open) {
            return Err(cursor.unexpected());
        }
        let mut values = vec![literal(cursor)?];
        while matches!(cursor.peek(), Some(Token::Comma)) {
            cursor.next();
            values.push(literal(cursor)?);
        }
        if cursor.next() != Some(Token::Close) {
            return Err(cursor.unexpected());
        }
        return Ok(Condition::In(field, values));
    }
    let Some(Token::Op(op)) = cursor.next() else {
        cursor.at = cursor.at.saturating_sub(1);
        return Err(cursor.unexpected());
    };
    Ok(Condition::Compare(field, op, literal(cursor)?))
}

fn and(cursor: &mut Cursor) -> Result<Condition, QlError> {
    let mut left = atom(cursor)?;
    while cursor.keyword("AND") {
        left = Condition::And(Box::new(left), Box::new(atom(cursor)?));
    }
    Ok(left)
}

/// A condition (after `WHERE`).
pub(crate) fn or(cursor: &mut Cursor) -> Result<Condition, QlError> {
    let mut left = and(cursor)?;
    while cursor.keyword("OR") {
        left = Condition::Or(Box::new(left), Box::new(and(cursor)?));
    }
    Ok(left)
}

impl Condition {
    /// The fields the condition reads.
    pub(crate) fn fields(&self) -> Vec<&str> {
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                let mut out = a.fields();
                out.extend(b.fields());
                out
            }
            Self::Not(a) => a.fields(),
            Self::Compare(f, _, _) | Self::In(f, _) => vec![f],
        }
    }

    /// Whether `record` satisfies the condition, as `user` reads it.
    pub(crate) fn holds(&self, org: &Org, user: &OrgUser, record: &OrgRecord) -> bool {
        match self {
            Self::And(a, b) => a.holds(org, user, record) && b.holds(org, user, record),
            Self::Or(a, b) => a.holds(org, user, record) || b.holds(org, user, record),
            Self::Not(a) => !a.holds(org, user, record),
            Self::Compare(field, op, literal) => {
                let value = scalar(&org.value(user, record, field), field);
                let Some(order) = compare(&value, literal) else {
                    return *op == "!=" && !matches!(literal, Literal::Null);
                };
                match *op {
                    "=" => order == Ordering::Equal,
                    "!=" => order != Ordering::Equal,
                    "<" => order == Ordering::Less,
                    "<=" => order != Ordering::Greater,
                    ">" => order == Ordering::Greater,
                    _ => order != Ordering::Less,
                }
            }
            Self::In(field, literals) => {
                let value = scalar(&org.value(user, record, field), field);
                literals
                    .iter()
                    .any(|l| compare(&value, l) == Some(Ordering::Equal))
            }
        }
    }
}

/// The scalar a field path reads: a relationship's field out of its nested object.
pub(crate) fn scalar(value: &Value, path: &str) -> Value {
    match path.split_once('.') {
        Some((_, field)) => value.get(field).cloned().unwrap_or(Value::Null),
        None => value.clone(),
    }
}

/// How a record's value compares with a literal; `None` when they cannot be compared.
pub(crate) fn compare(value: &Value, literal: &Literal) -> Option<Ordering> {
    match (value, literal) {
        (Value::Null, Literal::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Literal::Null) => None,
        (Value::String(s), Literal::Text(t)) => Some(s.to_lowercase().cmp(&t.to_lowercase())),
        (Value::String(s), Literal::Moment(m)) => Some(moment(s).as_str().cmp(m.as_str())),
        (Value::Number(n), Literal::Number(m)) => n.as_f64()?.partial_cmp(m),
        (Value::Bool(b), Literal::Bool(c)) => Some(b.cmp(c)),
        _ => None,
    }
}

/// Sorts records by `field` as `user` reads it; nulls first ascending, last descending.
pub(crate) fn order(
    records: &mut [&OrgRecord],
    org: &Org,
    user: &OrgUser,
    field: &str,
    descending: bool,
) {
    let key = |r: &OrgRecord| scalar(&org.value(user, r, field), field);
    records.sort_by(|a, b| {
        let (a, b) = (key(a), key(b));
        let ordering = match (&a, &b) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
            _ => a
                .to_string()
                .to_lowercase()
                .cmp(&b.to_string().to_lowercase()),
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

/// `ORDER BY field [ASC|DESC] [NULLS FIRST|LAST]`, when present.
pub(crate) fn order_by(cursor: &mut Cursor) -> Result<Option<(String, bool)>, QlError> {
    if !cursor.keyword("ORDER") {
        return Ok(None);
    }
    cursor.expect_keyword("BY")?;
    let field = cursor.field()?;
    let descending = if cursor.keyword("DESC") {
        true
    } else {
        cursor.keyword("ASC");
        false
    };
    if cursor.keyword("NULLS") && !(cursor.keyword("FIRST") || cursor.keyword("LAST")) {
        return Err(cursor.unexpected());
    }
    Ok(Some((field, descending)))
}
