//! What KQL (syntax in [`crate::kql`]) means to Outlook's `$search` on messages: free words
//! (whole tokens in subject, body, people and attachment names), phrases, and the message
//! properties `from: to: cc: participants: subject: body:
//! attachment: hasattachments:` and `received`/`sent` compared with a date (`received>=2026-12-01`).
//! Unknown properties are searched as text. Nothing here is an error: KQL is forgiving.

use time::format_description::well_known::Rfc3339;

use crate::corpus::tokens;
use crate::mailbox::{Expr, Field, value_words};

/// Parses a `$search` value (outer quotes already removed; syntax in [`crate::kql`]).
pub(crate) fn parse(query: &str) -> Expr {
    crate::kql::parse(query)
}

impl crate::kql::Dialect for Expr {
    fn phrase(words: Vec<String>) -> Self {
        Self::Text(words)
    }

    fn word(word: &str) -> Self {
        let words = tokens(word);
        if words.is_empty() {
            Self::All
        } else {
            Self::Text(words)
        }
    }

    /// A message property; an unknown one is searched as text.
    fn property(name: &str, op: &str, value: &str) -> Option<Self> {
        let field = |f| Some(Self::In(f, value_words(value)));
        match name.to_ascii_lowercase().as_str() {
            "from" => field(Field::From),
            "to" => field(Field::To),
            "cc" => field(Field::Cc),
            "participants" => field(Field::Participants),
            "subject" => field(Field::Subject),
            "body" => field(Field::Body),
            "attachment" => field(Field::Attachment),
            "hasattachments" | "hasattachment" => {
                Some(Self::HasAttachment(value.eq_ignore_ascii_case("true")))
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
                    ">=" => Self::After(start),
                    ">" => Self::After(end),
                    "<" => Self::Before(start),
                    "<=" => Self::Before(end),
                    _ => Self::And(vec![Self::After(start), Self::Before(end)]),
                })
            }
            _ => None,
        }
    }

    fn and(items: Vec<Self>) -> Self {
        if items.is_empty() {
            Self::All
        } else {
            Self::And(items)
        }
    }

    fn or(items: Vec<Self>) -> Self {
        Self::Or(items)
    }

    fn not(item: Self) -> Self {
        Self::Not(Box::new(item))
    }

    fn ignored() -> Self {
        Self::All
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
