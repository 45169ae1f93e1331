//! The caller's filters in Outlook's `$search` KQL, ANDed to the words of both passes.
//!
//! Graph allows no `$filter` beside `$search` (400), so everything goes into the KQL: `sent`
//! bounds for `modified_*` (a hit's time is when its message was sent), `received` bounds for
//! `created_*` (when it arrived in this mailbox), and `from:"..."` for the owner (the sender, by
//! address or name). KQL compares dates by whole days, so a bound inside a day is widened to the
//! day upstream and then checked to the second on each hit ([`Filters::passes`]), as is the sender (`from:`
//! matches words of a name; the filter means the whole name or the address). Every message is
//! an email, so a type filter that names email is met by all of them. Mail folders are not
//! offered as containers: a container filter is left to the service (which reports it).

use time::{Duration, OffsetDateTime, UtcOffset};

use crate::query::dates::ymd;
use crate::query::{Filter, Filters, ItemType};

pub(super) use crate::query::dialect::KqlRestriction as Restriction;

/// The UTC day holding `at` (for a lower bound) or, for an upper bound, the first day wholly
/// after it (the same day when `at` is its midnight): KQL dates only widen the bound.
fn day(at: OffsetDateTime, upper: bool) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let date = at.date();
    let date = if upper && at.time() != time::Time::MIDNIGHT {
        date + Duration::DAY
    } else {
        date
    };
    ymd(date)
}

/// An address or a name as a double-quoted KQL value: letters, digits, spaces and `@.'-_+`
/// only, so it can neither close its quotes nor add an operator or a property.
fn quoted_person(person: &str) -> Option<String> {
    let clean: String = person
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '@' | '.' | '\'' | '-' | '_' | '+') {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = clean.split_whitespace().collect();
    (!words.is_empty()).then(|| format!("\"{}\"", words.join(" ")))
}

/// The KQL for `filters`.
pub(super) fn restriction(filters: &Filters) -> Restriction {
    let mut out = Restriction::default();
    let mut parts: Vec<String> = Vec::new();
    let mut bound = |filter, property: &str, op: &str, at: Option<OffsetDateTime>, upper| {
        if let Some(at) = at {
            parts.push(format!("{property}{op}{}", day(at, upper)));
            out.applied.push(filter);
        }
    };
    bound(
        Filter::ModifiedAfter,
        "sent",
        ">=",
        filters.modified_after,
        false,
    );
    bound(
        Filter::ModifiedBefore,
        "sent",
        "<",
        filters.modified_before,
        true,
    );
    bound(
        Filter::CreatedAfter,
        "received",
        ">=",
        filters.created_after,
        false,
    );
    bound(
        Filter::CreatedBefore,
        "received",
        "<",
        filters.created_before,
        true,
    );
    if let Some(owner) = &filters.owner {
        if let Some(person) = quoted_person(owner) {
            parts.push(format!("from:{person}"));
        }
        out.applied.push(Filter::Owner);
    }
    if !filters.types.is_empty() {
        out.matches_nothing |= !filters.types.contains(&ItemType::Email);
        out.applied.push(Filter::Type);
    }
    out.kql = (!parts.is_empty()).then(|| parts.join(" AND "));
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::SourceKind;

    #[test]
    fn bounds_widen_to_whole_days() {
        let filters = Filters {
            modified_after: Some(datetime!(2026-11-20 23:30 -02:00)),
            modified_before: Some(datetime!(2026-12-01 0:00 UTC)),
            created_before: Some(datetime!(2026-12-01 0:00:01 UTC)),
            ..Filters::default()
        };
        let r = restriction(&filters);
        assert_eq!(
            r.kql.as_deref(),
            Some("sent>=2026-11-21 AND sent<2026-12-01 AND received<2026-12-02")
        );
        assert_eq!(
            r.applied,
            [
                Filter::ModifiedAfter,
                Filter::ModifiedBefore,
                Filter::CreatedBefore
            ]
        );
    }

    #[test]
    fn senders_types_and_containers() {
        let filters = Filters {
            owner: Some("Alice\" OR to:ceo (x)".into()),
            types: vec![ItemType::Email, ItemType::Pdf],
            containers: [(SourceKind::OutlookMail, vec!["inbox".into()])].into(),
            ..Filters::default()
        };
        let r = restriction(&filters);
        assert_eq!(r.kql.as_deref(), Some("from:\"Alice OR to ceo x\""));
        assert_eq!(r.applied, [Filter::Owner, Filter::Type], "no containers");
        assert!(!r.matches_nothing);
        let r = restriction(&Filters {
            owner: Some("alice@acme.example".into()),
            types: vec![ItemType::Pdf],
            ..Filters::default()
        });
        assert_eq!(r.kql.as_deref(), Some("from:\"alice@acme.example\""));
        assert!(r.matches_nothing);
        assert_eq!(
            r.and(Some("(a OR b)".into())).as_deref(),
            Some("(a OR b) AND from:\"alice@acme.example\"")
        );
    }
}
