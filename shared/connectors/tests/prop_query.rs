//! The query planner on any input: it never panics, and what it writes in each dialect cannot
//! break out of a quoted value (Drive `q`), add an operator or property (KQL), or exceed its
//! bounds (Notion title queries).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use time::macros::date;
use workplace_connectors::query::Plan;
use workplace_connectors::query::dialect::{self, MAX_TITLE_QUERIES, Pass};

/// A Drive `q` value is safe when, outside quoted strings, only the planner's own vocabulary
/// appears, and every quoted string ends: scanned like Drive's lexer.
fn drive_is_well_formed(q: &str) -> bool {
    let mut outside = String::new();
    let mut chars = q.chars();
    while let Some(c) = chars.next() {
        if c == '\'' {
            loop {
                match chars.next() {
                    None => return false,
                    Some('\\') => {
                        if !matches!(chars.next(), Some('\'' | '\\')) {
                            return false;
                        }
                    }
                    Some('\'') => break,
                    Some(_) => {}
                }
            }
            outside.push_str(" V ");
        } else {
            outside.push(c);
        }
    }
    outside
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .all(|w| {
            matches!(
                w,
                "fullText" | "contains" | "or" | "and" | "V" | "modifiedTime" | ">=" | "<"
            )
        })
}

fn kql_is_well_formed(q: &str) -> bool {
    // Quotes pair up, and outside quotes only words, parentheses, the planner's own `AND`/`OR`
    // and its LastModifiedTime restrictions appear (terms are lower-cased, so a caller's `AND`
    // arrives as the word `and`, which `kql_value` guarantees and the unit tests check).
    if !q.matches('"').count().is_multiple_of(2) {
        return false;
    }
    q.split('"').enumerate().all(|(i, part)| {
        if i % 2 == 1 {
            return part.chars().all(|c| c.is_alphanumeric() || c == ' ');
        }
        part.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .all(|w| {
                matches!(w, "AND" | "OR")
                    || w.starts_with("LastModifiedTime>=")
                    || w.starts_with("LastModifiedTime<")
                    || (w.chars().all(char::is_alphanumeric) && w != "NOT")
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_dialect_stays_well_formed(query in "\\PC{0,120}") {
        let plan = Plan::new(&query, date!(2026 - 10 - 28));
        for pass in [Pass::Strict, Pass::Relaxed] {
            if let Some(q) = dialect::drive(&plan, pass) {
                prop_assert!(drive_is_well_formed(&q), "{q}");
            }
            if let Some(q) = dialect::kql(&plan, pass) {
                prop_assert!(kql_is_well_formed(&q), "{q}");
            }
            let titles = dialect::notion_titles(&plan, pass);
            prop_assert!(titles.len() <= MAX_TITLE_QUERIES);
        }
        let _ = plan.corrected();
    }

    #[test]
    fn hostile_quotes_and_operators_stay_inside(words in proptest::collection::vec(
        prop_oneof![
            Just("'".to_owned()), Just("\\".to_owned()), Just("\"".to_owned()),
            Just(" OR ".to_owned()), Just("AND".to_owned()), Just(":".to_owned()),
            Just("LastModifiedTime>=1".to_owned()), Just("sso".to_owned()),
            Just("in October".to_owned()), Just("(".to_owned()), Just(")".to_owned()),
            "[a-zA-Zé]{1,8}",
        ], 0..16)) {
        let query = words.concat();
        let plan = Plan::new(&query, date!(2026 - 10 - 28));
        for pass in [Pass::Strict, Pass::Relaxed] {
            if let Some(q) = dialect::drive(&plan, pass) {
                prop_assert!(drive_is_well_formed(&q), "{q}");
            }
            if let Some(q) = dialect::kql(&plan, pass) {
                prop_assert!(kql_is_well_formed(&q), "{q}");
            }
        }
    }
}
