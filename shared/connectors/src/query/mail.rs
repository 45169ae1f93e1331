//! A [`Plan`] as mail searches read it: Gmail `q` and Outlook KQL (`$search`).
//!
//! Mail differs from documents in one way the planner cannot know: "find the *email* where the
//! budget was approved" names the kind of item, not a word of it. Mail bodies rarely say "email",
//! so a strict search for it finds nothing. Words that only name mail ([`KIND_WORDS`]) are left
//! out of mail queries (unless they are all the query has).

use super::dates::ymd;
use super::dialect::{Pass, kql_value};
use super::{Group, Plan};

/// Words that say "a mail item" rather than what it is about.
pub const KIND_WORDS: &[&str] = &[
    "email",
    "emails",
    "e-mail",
    "mail",
    "mails",
    "message",
    "messages",
    "thread",
    "threads",
    "inbox",
    "conversation",
    "conversations",
];

/// The plan's concepts without those that only name mail; all of them when nothing else is left.
pub fn concepts(plan: &Plan) -> Vec<&Group> {
    let topical: Vec<&Group> = plan
        .groups
        .iter()
        .filter(|g| !KIND_WORDS.contains(&g.typed()))
        .collect();
    if topical.is_empty() {
        plan.groups.iter().collect()
    } else {
        topical
    }
}

/// The terms of a pass: per concept in the strict pass; one group of every term and correction
/// in the relaxed pass.
fn term_groups(plan: &Plan, pass: Pass) -> Vec<Vec<&str>> {
    let concepts = concepts(plan);
    match pass {
        Pass::Strict => concepts
            .iter()
            .map(|g| g.terms.iter().map(String::as_str).collect())
            .collect(),
        Pass::Relaxed => {
            let mut all: Vec<&str> = Vec::new();
            for g in concepts {
                for t in g.terms.iter().chain(&g.corrections) {
                    if !all.contains(&t.as_str()) {
                        all.push(t);
                    }
                }
            }
            if all.is_empty() {
                Vec::new()
            } else {
                vec![all]
            }
        }
    }
}

fn any(terms: &[&str], or: &str) -> Option<String> {
    let values: Vec<String> = terms
        .iter()
        .map(|t| kql_value(t))
        .filter(|v| !v.is_empty())
        .collect();
    match values.len() {
        0 => None,
        1 => values.into_iter().next(),
        _ => Some(format!("({})", values.join(or))),
    }
}

/// Gmail `q`: a concept is `(a OR b)`, concepts are side by side (Gmail ANDs them), a phrase is
/// double-quoted; a date range is `after:`/`before:` in epoch seconds (a date there would mean
/// midnight Pacific time, not UTC). Values go through [`kql_value`]: letters, digits and spaces
/// only, lower case, so no value can close a quote or become an operator (`OR`, `-`, `from:`).
/// `None` when there is nothing to ask for.
pub fn gmail(plan: &Plan, pass: Pass) -> Option<String> {
    let mut parts: Vec<String> = term_groups(plan, pass)
        .iter()
        .filter_map(|terms| any(terms, " OR "))
        .collect();
    if pass == Pass::Strict
        && let Some(range) = plan.range
    {
        let epoch = |d: time::Date| d.midnight().assume_utc().unix_timestamp();
        parts.push(format!(
            "after:{} before:{}",
            epoch(range.from),
            epoch(range.until)
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The caller's filters in Gmail `q`, for both passes: time bounds as `after:`/`before:` in epoch
/// seconds (a message's date serves both its modified and created time) and `from:` for an owner
/// that is an address or a plain name. They narrow what Gmail returns, message by message; a
/// thread is shown by one message, so the service still checks each hit's own fields and the
/// connector claims none of them applied. `None` when no filter can be written.
pub fn gmail_filters(filters: &super::Filters) -> Option<String> {
    let mut parts = Vec::new();
    let latest = |a: Option<time::OffsetDateTime>, b: Option<time::OffsetDateTime>| a.max(b);
    let earliest = |a: Option<time::OffsetDateTime>, b: Option<time::OffsetDateTime>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(after) = latest(filters.modified_after, filters.created_after) {
        parts.push(format!("after:{}", after.unix_timestamp()));
    }
    if let Some(before) = earliest(filters.modified_before, filters.created_before) {
        parts.push(format!("before:{}", before.unix_timestamp()));
    }
    if let Some(owner) = filters.owner.as_deref() {
        let safe = owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._+- ".contains(c));
        if safe && !owner.trim().is_empty() {
            let owner = owner.trim();
            parts.push(if owner.contains(' ') {
                format!("from:\"{owner}\"")
            } else {
                format!("from:{owner}")
            });
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Outlook KQL for `$search`: `OR` within a concept, `AND` between concepts, `received` bounds
/// for a date range. The caller quotes the whole value for the URL ([`search_value`]).
pub fn outlook(plan: &Plan, pass: Pass) -> Option<String> {
    let mut parts: Vec<String> = term_groups(plan, pass)
        .iter()
        .filter_map(|terms| any(terms, " OR "))
        .collect();
    if pass == Pass::Strict
        && let Some(range) = plan.range
    {
        parts.push(format!(
            "received>={} AND received<{}",
            ymd(range.from),
            ymd(range.until)
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// A KQL query as Graph's `$search` value: the whole query in double quotes, with the quotes of
/// its phrases escaped with a backslash.
pub fn search_value(kql: &str) -> String {
    format!("\"{}\"", kql.replace('\\', "").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn plan(q: &str) -> Plan {
        Plan::new(q, date!(2026 - 12 - 04))
    }

    #[test]
    fn kind_words_are_left_out_of_mail_queries() {
        let q = gmail(
            &plan("find the email where the budget was approved"),
            Pass::Strict,
        )
        .unwrap();
        assert!(!q.contains("email"), "{q}");
        assert!(q.starts_with("(budget OR budgets"), "{q}");
        assert!(q.contains(" (approved OR approve"), "{q}");
        let q = outlook(&plan("email"), Pass::Strict).unwrap();
        assert_eq!(q, "(email OR emails)");
    }

    #[test]
    fn dates_phrases_and_escaping() {
        let q = gmail(&plan("globex renewal last week"), Pass::Strict).unwrap();
        // 2026-11-23 and 2026-11-30 at 00:00 UTC.
        assert!(q.ends_with("after:1795392000 before:1795996800"), "{q}");
        let q = gmail(&plan("globex renewal last week"), Pass::Relaxed).unwrap();
        assert!(!q.contains("after:"), "{q}");
        let q = outlook(&plan("\"sso login\" globex"), Pass::Strict).unwrap();
        assert_eq!(q, "\"sso login\" AND (globex OR globexes)");
        assert_eq!(
            search_value("\"sso login\" AND globex"),
            "\"\\\"sso login\\\" AND globex\""
        );
        let q = outlook(&plan("globex in November"), Pass::Strict).unwrap();
        assert!(
            q.ends_with("received>=2026-11-01 AND received<2026-12-01"),
            "{q}"
        );
        // Nothing a caller types becomes an operator or leaves its quotes.
        let q = gmail(&plan("from:bob -budget OR \"x"), Pass::Strict).unwrap();
        assert!(
            !q.contains(':') && !q.contains('-') && !q.contains("OR bob"),
            "{q}"
        );
    }
}
