//! The KQL Outlook's `$search` reads on messages: free words (whole tokens in subject, body,
//! people and attachment names), `"quoted phrases"`, `AND`, `OR`, `NOT` (upper case), parentheses,
//! implicit AND, and the message properties `from: to: cc: participants: subject: body:
//! attachment: hasattachments:` and `received`/`sent` compared with a date (`received>=2026-12-01`).
//! Unknown properties are searched as text. Nothing here is an error: KQL is forgiving.

use time::format_description::well_known::Rfc3339;

use crate::corpus::tokens;
use crate::mailbox::{Expr, Field, value_words};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Term(Expr),
}

/// Parses a `$search` value (outer quotes already removed).
pub(crate) fn parse(query: &str) -> Expr {
    let mut parser = Parser {
        toks: lex(query),
        at: 0,
    };
    let mut items = Vec::new();
    while parser.at < parser.toks.len() {
        items.push(parser.or());
    }
    match items.len() {
        0 => Expr::All,
        1 => items.remove(0),
        _ => Expr::And(items),
    }
}

fn lex(input: &str) -> Vec<Tok> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
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
            out.push(Tok::Term(Expr::Text(tokens(&phrase))));
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')') {
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
                _ => Tok::Term(property(&word).unwrap_or_else(|| {
                    let words = tokens(&word);
                    if words.is_empty() {
                        Expr::All
                    } else {
                        Expr::Text(words)
                    }
                })),
            });
        }
    }
    out
}

/// `name<op>value` when `name` is a message property.
fn property(word: &str) -> Option<Expr> {
    let at = word.find([':', '=', '<', '>'])?;
    let (name, rest) = word.split_at(at);
    let op_len = rest
        .chars()
        .take_while(|c| matches!(c, ':' | '=' | '<' | '>'))
        .count();
    let (op, value) = rest.split_at(op_len);
    let value = value.trim_matches('"');
    let field = |f| Some(Expr::In(f, value_words(value)));
    match name.to_ascii_lowercase().as_str() {
        "from" => field(Field::From),
        "to" => field(Field::To),
        "cc" => field(Field::Cc),
        "participants" => field(Field::Participants),
        "subject" => field(Field::Subject),
        "body" => field(Field::Body),
        "attachment" => field(Field::Attachment),
        "hasattachments" | "hasattachment" => {
            Some(Expr::HasAttachment(value.eq_ignore_ascii_case("true")))
        }
        "received" | "sent" => {
            let day = time::Date::parse(
                value.get(..10)?,
                &time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()?;
            let start = day.midnight().assume_utc().unix_timestamp();
            let end = start + 86_400;
            Some(match op {
                ">=" => Expr::After(start),
                ">" => Expr::After(end),
                "<" => Expr::Before(start),
                "<=" => Expr::Before(end),
                _ => Expr::And(vec![Expr::After(start), Expr::Before(end)]),
            })
        }
        _ => None,
    }
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn or(&mut self) -> Expr {
        let mut items = vec![self.and()];
        while self.toks.get(self.at) == Some(&Tok::Or) {
            self.at += 1;
            items.push(self.and());
        }
        if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        }
    }

    fn and(&mut self) -> Expr {
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
            Expr::And(items)
        }
    }

    fn unary(&mut self) -> Expr {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        match tok {
            Some(Tok::Not) => Expr::Not(Box::new(self.unary())),
            Some(Tok::Open) => {
                let inner = self.or();
                if self.toks.get(self.at) == Some(&Tok::Close) {
                    self.at += 1;
                }
                inner
            }
            Some(Tok::Term(t)) => t,
            _ => Expr::All,
        }
    }
}

/// An RFC 3339 time as Graph writes it (`2026-12-01T09:12:00Z`).
pub(crate) fn graph_time(date: &str) -> String {
    time::OffsetDateTime::parse(date, &Rfc3339)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| date.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_dates_and_operators() {
        assert_eq!(
            parse("(globex OR acme) AND from:hank"),
            Expr::And(vec![
                Expr::Or(vec![
                    Expr::Text(vec!["globex".into()]),
                    Expr::Text(vec!["acme".into()])
                ]),
                Expr::In(Field::From, vec!["hank".into()]),
            ])
        );
        assert_eq!(parse("received>=2026-12-01"), Expr::After(1_796_083_200));
        assert_eq!(
            parse("\"sso login\" NOT pilot"),
            Expr::And(vec![
                Expr::Text(vec!["sso".into(), "login".into()]),
                Expr::Not(Box::new(Expr::Text(vec!["pilot".into()]))),
            ])
        );
        for odd in ["", "(", "AND", "\"", "received>=x", "OR OR (NOT"] {
            let _ = parse(odd);
        }
    }
}
