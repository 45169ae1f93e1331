//! Salesforce's query languages, written from a [`Plan`] and escaped for each.
//!
//! - SOSL `FIND {...}`: every character SOSL reserves (`? & | ! { } [ ] ( ) ^ ~ * : \ " ' + -`)
//!   is escaped with a backslash, and a bare `and`, `or` or `not` becomes a quoted phrase, so a
//!   caller's words can neither close the braces (and add `RETURNING User(...)`), nor add a
//!   wildcard, nor become an operator.
//! - SOQL string literals: `\` and `'` escaped, every other control character refused by the
//!   callers (only record ids, whose alphabet has none, are ever written into one).
//!
//! The planner's terms are already alphanumeric words, so for them the escaping is a second lock;
//! for a query searched as typed ([`find_raw`]) it is the only one.
//!
//! Words that name a record's fields (`status`, `stage`, `amount`...) are how people ask about a
//! record ("what is the status of the Globex renewal?"), not words the record contains: the CRM
//! dialect leaves them out of `FIND`, so that question is one search for `globex AND renewal`.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::filters::Restriction;
use super::id::SObject;
use crate::query::dates::{DateRange, ymd};
use crate::query::{Group, Plan};

/// Characters SOSL reserves in a search term.
const RESERVED: &[char] = &[
    '?', '&', '|', '!', '{', '}', '[', ']', '(', ')', '^', '~', '*', ':', '\\', '"', '\'', '+', '-',
];

/// SOSL's most rows per search.
pub(crate) const MAX_ROWS: usize = 2_000;

/// Longest `FIND` search term sent (SOSL refuses longer ones).
const MAX_FIND_CHARS: usize = 4_000;

/// Words that ask about a record's fields rather than name what it contains.
const FIELD_WORDS: &[&str] = &[
    "status",
    "statuses",
    "stage",
    "stages",
    "amount",
    "amounts",
    "value",
    "owner",
    "owners",
    "priority",
    "close",
    "closing",
    "date",
    "state",
    "progress",
    "update",
    "updates",
    "record",
    "records",
    "details",
    "info",
    "information",
    "salesforce",
    "crm",
];

/// Escapes one SOSL search term.
pub(crate) fn escape_find(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if RESERVED.contains(&c) {
            out.push('\\');
        }
        // A line break or other control character has no place in a search term.
        if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a SOQL string literal's content (the caller adds the quotes).
pub(crate) fn escape_soql(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One term of a `FIND`: a word escaped; a phrase (or an operator word) in double quotes.
fn term(t: &str) -> String {
    let words: Vec<&str> = t.split_whitespace().collect();
    let operator = |w: &str| matches!(w.to_ascii_lowercase().as_str(), "and" | "or" | "not");
    match words.as_slice() {
        [] => String::new(),
        [word] if !operator(word) => escape_find(word),
        _ => format!("\"{}\"", escape_find(&words.join(" "))),
    }
}

fn any(terms: &[&str]) -> Option<String> {
    let inner: Vec<String> = terms
        .iter()
        .map(|t| term(t))
        .filter(|t| !t.is_empty())
        .collect();
    match inner.len() {
        0 => None,
        1 => inner.into_iter().next(),
        _ => Some(format!("({})", inner.join(" OR "))),
    }
}

/// The groups worth searching for: those naming content, unless that leaves none.
fn content_groups(plan: &Plan) -> Vec<&Group> {
    let content: Vec<&Group> = plan
        .groups
        .iter()
        .filter(|g| !FIELD_WORDS.contains(&g.typed()))
        .collect();
    if content.is_empty() {
        plan.groups.iter().collect()
    } else {
        content
    }
}

/// The strict `FIND` term: every concept (`AND`), any variant of each (`OR`).
pub(crate) fn find_strict(plan: &Plan) -> Option<String> {
    let parts: Vec<String> = content_groups(plan)
        .iter()
        .filter_map(|g| any(&g.terms.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect();
    bounded((!parts.is_empty()).then(|| parts.join(" AND ")))
}

/// The relaxed `FIND` term: any variant or correction of any concept.
pub(crate) fn find_relaxed(plan: &Plan) -> Option<String> {
    let mut terms: Vec<&str> = Vec::new();
    for g in content_groups(plan) {
        for t in g.terms.iter().chain(&g.corrections) {
            if !terms.contains(&t.as_str()) {
                terms.push(t);
            }
        }
    }
    bounded(any(&terms).map(|t| {
        t.strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .map_or(t.clone(), str::to_owned)
    }))
}

/// A query searched as typed: its words, escaped, all required.
pub(crate) fn find_raw(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split_whitespace()
        .map(term)
        .filter(|t| !t.is_empty())
        .collect();
    bounded((!words.is_empty()).then(|| words.join(" AND ")))
}

fn bounded(find: Option<String>) -> Option<String> {
    find.filter(|f| f.chars().count() <= MAX_FIND_CHARS)
}

/// What one object's `RETURNING` clause selects, in that order.
pub(crate) fn fields(object: SObject) -> &'static [&'static str] {
    match object {
        SObject::Opportunity => &[
            "Id",
            "Name",
            "StageName",
            "Amount",
            "CloseDate",
            "Account.Name",
            "Owner.Name",
            "LastModifiedDate",
            "CreatedDate",
            "Owner.Email",
        ],
        SObject::Account => &[
            "Id",
            "Name",
            "Industry",
            "Type",
            "Owner.Name",
            "LastModifiedDate",
            "CreatedDate",
            "Owner.Email",
        ],
        SObject::Case => &[
            "Id",
            "CaseNumber",
            "Subject",
            "Status",
            "Priority",
            "Account.Name",
            "Owner.Name",
            "LastModifiedDate",
            "CreatedDate",
            "Owner.Email",
        ],
        SObject::Contact => &[
            "Id",
            "Name",
            "Title",
            "Email",
            "Account.Name",
            "Owner.Name",
            "LastModifiedDate",
            "CreatedDate",
            "Owner.Email",
        ],
    }
}

/// Fields the user may not read (field-level security), as Salesforce named them.
pub(crate) type Hidden = HashSet<(SObject, String)>;

/// The whole SOSL statement: `FIND {find} IN ALL FIELDS RETURNING ... LIMIT n`, each object
/// restricted to `range` when given and by the filters' `restriction` (its conditions, and only
/// its objects), without the `hidden` fields.
pub(crate) fn search(
    find: &str,
    range: Option<DateRange>,
    restriction: &Restriction,
    limit: usize,
    hidden: &Hidden,
) -> String {
    let mut sosl = format!("FIND {{{find}}} IN ALL FIELDS RETURNING ");
    for (i, object) in restriction.objects().into_iter().enumerate() {
        if i > 0 {
            sosl.push_str(", ");
        }
        let selected: Vec<&str> = fields(object)
            .iter()
            .copied()
            .filter(|f| !hidden.contains(&(object, (*f).to_owned())))
            .collect();
        let _ = write!(sosl, "{object}({}", selected.join(", "));
        let mut conditions: Vec<String> = Vec::new();
        if let Some(range) = range {
            // Datetime literals are unquoted in SOQL and SOSL.
            conditions.push(format!(
                "LastModifiedDate >= {}T00:00:00Z AND LastModifiedDate < {}T00:00:00Z",
                ymd(range.from),
                ymd(range.until)
            ));
        }
        conditions.extend(restriction.conditions.iter().cloned());
        if !conditions.is_empty() {
            let _ = write!(sosl, " WHERE {}", conditions.join(" AND "));
        }
        sosl.push(')');
    }
    let _ = write!(sosl, " LIMIT {}", limit.clamp(1, MAX_ROWS));
    sosl
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn plan(q: &str) -> Plan {
        Plan::new(q, date!(2026 - 12 - 04))
    }

    #[test]
    fn every_reserved_character_is_escaped() {
        assert_eq!(
            escape_find(r#"a?&|!{}[]()^~*:\"'+-b"#),
            r#"a\?\&\|\!\{\}\[\]\(\)\^\~\*\:\\\"\'\+\-b"#
        );
        assert_eq!(escape_find("line\nbreak"), "line break");
        assert_eq!(escape_soql(r"O'Brien \ co"), r"O\'Brien \\ co");
    }

    #[test]
    fn a_raw_query_cannot_leave_the_braces() {
        let find = find_raw("globex} IN ALL FIELDS RETURNING User(Id, Email) LIMIT 1 --").unwrap();
        assert_eq!(
            find,
            r"globex\} AND IN AND ALL AND FIELDS AND RETURNING AND User\(Id, AND Email\) AND LIMIT AND 1 AND \-\-"
        );
        // The only unescaped braces of the statement are its own.
        let sosl = search(&find, None, &Restriction::default(), 5, &Hidden::new());
        let unescaped = sosl
            .char_indices()
            .filter(|(i, c)| matches!(c, '{' | '}') && !sosl[..*i].ends_with('\\'))
            .count();
        assert_eq!(unescaped, 2, "{sosl}");
        assert_eq!(find_raw(r#"a "or" b"#).unwrap(), r#"a AND \"or\" AND b"#);
        assert_eq!(find_raw("x or y").unwrap(), r#"x AND "or" AND y"#);
    }

    #[test]
    fn field_words_are_questions_not_search_terms() {
        let find = find_strict(&plan("what is the status of the Globex renewal?")).unwrap();
        assert_eq!(find, "(globex OR globexes) AND (renewal OR renewals)");
        // A query of field words alone still searches for them.
        assert_eq!(
            find_strict(&plan("status")).unwrap(),
            "(status OR statuses)"
        );
    }

    #[test]
    fn relaxed_ors_everything() {
        let find = find_relaxed(&plan("globex sso login")).unwrap();
        assert!(!find.contains(" AND "), "{find}");
        assert!(find.contains("\"single sign on\""), "{find}");
    }

    #[test]
    fn statements_select_per_object_and_leave_hidden_fields_out() {
        let hidden: Hidden = [(SObject::Opportunity, "Amount".to_owned())].into();
        let range = plan("globex last month").range;
        let sosl = search("globex", range, &Restriction::default(), 5000, &hidden);
        assert!(
            sosl.starts_with(
                "FIND {globex} IN ALL FIELDS RETURNING Opportunity(Id, Name, StageName, CloseDate,"
            ),
            "{sosl}"
        );
        assert!(
            sosl.contains("Case(Id, CaseNumber, Subject, Status, Priority"),
            "{sosl}"
        );
        assert!(sosl.contains(" WHERE LastModifiedDate >= 2026-11-01T00:00:00Z AND LastModifiedDate < 2026-12-01T00:00:00Z)"), "{sosl}");
        assert!(sosl.ends_with(" LIMIT 2000"), "{sosl}");
    }
}
