//! A small, reviewed dictionary of workplace acronyms and synonyms.
//!
//! Each line is one class of interchangeable terms; a term is lowercase alphanumeric words
//! separated by spaces (hyphens become spaces, as every upstream tokenizes them). It is static on
//! purpose: expansion draws on nothing another user searched for or was shown, and every entry
//! can be read and tested here. Keep classes tight: a loose synonym costs precision everywhere.

/// The classes. The first term of a class is its canonical form.
pub const CLASSES: &[&[&str]] = &[
    &["sso", "single sign on", "saml"],
    &[
        "wfh",
        "work from home",
        "remote work",
        "remote",
        "working from home",
    ],
    &["pto", "paid time off", "time off", "vacation", "leave"],
    &["okr", "okrs", "objectives and key results"],
    &["q1", "first quarter"],
    &["q2", "second quarter"],
    &["q3", "third quarter"],
    &["q4", "fourth quarter"],
    &["h1", "first half"],
    &["h2", "second half"],
    &["fy", "fiscal year"],
    &[
        "postmortem",
        "post mortem",
        "incident review",
        "retrospective",
    ],
    &["incident", "outage", "downtime"],
    &["slow", "latency", "slowness"],
    &["login", "log in", "sign in", "signin", "logon"],
    &["salary", "salaries", "compensation", "pay"],
    &["expense", "expenses", "reimbursement"],
    &["travel", "trip", "trips"],
    &["laptop", "computer"],
    &["tls", "ssl", "certificate"],
    &["onboarding", "new hire", "first week"],
    &["hiring", "recruiting", "headcount"],
    &["budget", "budgets", "spending"],
    &["rate limiting", "throttling"],
    &["roadmap", "plan"],
    &["conduct", "behaviour", "behavior"],
    &["retention", "deletion"],
    &["security", "infosec"],
    &["perf", "performance"],
    &["cab", "customer advisory board"],
    &["qbr", "quarterly business review"],
    &["api", "application programming interface"],
    &["procurement", "purchasing", "vendor"],
    &["dynamodb", "dynamo"],
    &["retro", "retrospective"],
];

/// The longest number of words in any term (for phrase matching over the query's tokens).
pub const MAX_TERM_WORDS: usize = 4;

/// The other terms of every class `term` belongs to (not `term` itself), canonical first.
pub fn synonyms(term: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for class in CLASSES.iter().filter(|c| c.contains(&term)) {
        for &t in *class {
            if t != term && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// Whether `term` (one or more words) is in the dictionary.
pub fn is_known(term: &str) -> bool {
    CLASSES.iter().any(|c| c.contains(&term))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::words::tokens;

    #[test]
    fn acronyms_expand_both_ways() {
        assert!(synonyms("sso").contains(&"single sign on"));
        assert!(synonyms("single sign on").contains(&"sso"));
        assert!(synonyms("wfh").contains(&"remote work"));
        assert!(synonyms("work from home").contains(&"remote work"));
        assert!(synonyms("pto").contains(&"time off"));
        assert!(synonyms("okr").contains(&"okrs"));
        assert!(synonyms("q3").contains(&"third quarter"));
        assert!(synonyms("unknownword").is_empty());
    }

    #[test]
    fn every_term_is_already_in_planner_form() {
        for class in CLASSES {
            assert!(class.len() >= 2, "{class:?}");
            for term in *class {
                assert_eq!(tokens(term).join(" "), *term, "{term}");
                assert!(tokens(term).len() <= MAX_TERM_WORDS, "{term}");
            }
        }
    }
}
