//! Gmail's search-box syntax, as far as the fake needs it: free words (whole tokens, any field),
//! `"quoted phrases"`, `OR` (upper case; `{a b}` is an OR group too), `-` and `NOT` negation,
//! parentheses, implicit AND, and the operators `from: to: cc: subject: label: has:attachment
//! filename: after: before: older_than: newer_than: in:`. `after:`/`before:` take epoch seconds
//! or a date `YYYY/MM/DD` (also `YYYY-MM-DD`), which Gmail reads as midnight Pacific time
//! (UTC-8 in winter, the demo's season). Unknown operators are searched as text, as Gmail does.

use crate::corpus::tokens;
use crate::mailbox::{Expr, Field, value_words};

/// Midnight Pacific standard time, in seconds after midnight UTC.
const PST_OFFSET: i64 = 8 * 3600;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    OpenOr,
    CloseOr,
    Or,
    Not,
    Term(Expr),
}

/// Parses `q` at `now` (epoch seconds, for `newer_than:`). Gmail never refuses a query; what it
/// cannot read matches as text.
pub(crate) fn parse(q: &str, now: i64) -> Expr {
    let toks = lex(q, now);
    let mut parser = Parser { toks, at: 0 };
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

fn lex(q: &str, now: i64) -> Vec<Tok> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '{' => {
                out.push(Tok::OpenOr);
                i += 1;
            }
            '}' => {
                out.push(Tok::CloseOr);
                i += 1;
            }
            '-' => {
                out.push(Tok::Not);
                i += 1;
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .map_or(chars.len(), |p| i + 1 + p);
                let phrase: String = chars[i + 1..end].iter().collect();
                out.push(Tok::Term(Expr::Text(tokens(&phrase))));
                i = end + 1;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '{' | '}')
                {
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
                    "OR" | "|" => Tok::Or,
                    "AND" => continue,
                    "NOT" => Tok::Not,
                    _ => Tok::Term(operator(&word, now).unwrap_or_else(|| text(&word))),
                });
            }
        }
    }
    out
}

fn text(word: &str) -> Expr {
    let words = tokens(word);
    if words.is_empty() {
        Expr::All
    } else {
        Expr::Text(words)
    }
}

/// `name:value` when `name` is an operator the fake knows.
fn operator(word: &str, now: i64) -> Option<Expr> {
    let (name, value) = word.split_once(':')?;
    let value = value.trim_matches('"');
    Some(match name.to_ascii_lowercase().as_str() {
        "from" => Expr::In(Field::From, value_words(value)),
        "to" => Expr::In(Field::To, value_words(value)),
        "cc" => Expr::In(Field::Cc, value_words(value)),
        "subject" => Expr::In(Field::Subject, value_words(value)),
        "filename" => Expr::In(Field::Attachment, value_words(value)),
        "label" => Expr::Label(value.to_owned()),
        "has" if value.eq_ignore_ascii_case("attachment") => Expr::HasAttachment(true),
        "in" if value.eq_ignore_ascii_case("anywhere") => Expr::All,
        "in" => Expr::Label(value.to_owned()),
        "after" => Expr::After(instant(value)?),
        "before" => Expr::Before(instant(value)?),
        "newer_than" => Expr::After(now - age(value)?),
        "older_than" => Expr::Before(now - age(value)?),
        _ => return None,
    })
}

/// Epoch seconds, or a date read as midnight Pacific time.
fn instant(value: &str) -> Option<i64> {
    if let Ok(seconds) = value.parse::<i64>() {
        return Some(seconds);
    }
    let parts: Vec<&str> = value.split(['/', '-']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    let date = time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() + PST_OFFSET)
}

/// `7d`, `2m`, `1y` in seconds.
fn age(value: &str) -> Option<i64> {
    let unit = value.chars().last()?;
    let n: i64 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    let day = 86_400;
    Some(
        n * match unit {
            'd' => day,
            'm' => 30 * day,
            'y' => 365 * day,
            _ => return None,
        },
    )
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
        while matches!(
            self.toks.get(self.at),
            Some(Tok::Open | Tok::OpenOr | Tok::Not | Tok::Term(_))
        ) {
            items.push(self.unary());
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
            Some(Tok::OpenOr) => {
                let mut items = Vec::new();
                while !matches!(self.toks.get(self.at), None | Some(Tok::CloseOr)) {
                    items.push(self.unary());
                }
                self.at += 1;
                Expr::Or(items)
            }
            Some(Tok::Term(t)) => t,
            // A dangling operator or bracket: Gmail ignores it.
            _ => Expr::All,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_words_and_boolean_structure() {
        assert_eq!(
            parse("from:alice budget", 0),
            Expr::And(vec![
                Expr::In(Field::From, vec!["alice".into()]),
                Expr::Text(vec!["budget".into()]),
            ])
        );
        assert_eq!(
            parse("(budget OR spending) -draft", 0),
            Expr::And(vec![
                Expr::Or(vec![
                    Expr::Text(vec!["budget".into()]),
                    Expr::Text(vec!["spending".into()]),
                ]),
                Expr::Not(Box::new(Expr::Text(vec!["draft".into()]))),
            ])
        );
        assert_eq!(
            parse("{a b}", 0),
            Expr::Or(vec![
                Expr::Text(vec!["a".into()]),
                Expr::Text(vec!["b".into()])
            ])
        );
        assert_eq!(
            parse("\"budget is approved\"", 0),
            Expr::Text(vec!["budget".into(), "is".into(), "approved".into()])
        );
        assert_eq!(parse("has:attachment", 0), Expr::HasAttachment(true));
        assert_eq!(parse("after:1796083200", 0), Expr::After(1_796_083_200));
        // 2026-12-01 at midnight Pacific (UTC-8) is 08:00 UTC.
        assert_eq!(parse("after:2026/12/01", 0), Expr::After(1_796_112_000));
        assert_eq!(
            parse("newer_than:2d", 200_000),
            Expr::After(200_000 - 172_800)
        );
        assert_eq!(parse("", 0), Expr::All);
        for odd in [
            "(",
            ")",
            "OR",
            "-",
            "\"",
            "{",
            "a:\"b",
            "OR OR (NOT",
            "after:x",
        ] {
            let _ = parse(odd, 0);
        }
    }
}
