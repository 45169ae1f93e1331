//! Each source's query language, written from a [`Plan`].
//!
//! Terms are alphanumeric words by construction ([`super::words`]), but every value still goes
//! through its dialect's escaping, so that a future change to tokenizing cannot open a way out of
//! a quoted string.

use super::dates::{DateRange, ymd};
use super::{Group, Plan};
use crate::drive::search::escape_query;

/// Which pass of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Every concept, within the date range.
    Strict,
    /// Any concept or correction, no date range.
    Relaxed,
}

/// Title queries sent to Notion at most per pass (they run concurrently).
pub const MAX_TITLE_QUERIES: usize = 4;

fn relaxed_terms(plan: &Plan) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for g in &plan.groups {
        for t in g.terms.iter().chain(&g.corrections) {
            if !out.contains(&t.as_str()) {
                out.push(t);
            }
        }
    }
    out
}

/// Drive `q` (without the trashed/folder filters, which the connector adds): `fullText contains`
/// per term, a phrase in inner double quotes; `or` within a concept, `and` between concepts in
/// the strict pass, `or` throughout the relaxed one; `modifiedTime` for a date range. `None`
/// when there is nothing to ask for.
pub fn drive(plan: &Plan, pass: Pass) -> Option<String> {
    let term = |t: &str| {
        if t.contains(' ') {
            format!("fullText contains '\"{}\"'", escape_query(t))
        } else {
            format!("fullText contains '{}'", escape_query(t))
        }
    };
    let any = |terms: &[&str]| {
        let inner: Vec<String> = terms.iter().map(|t| term(t)).collect();
        format!("({})", inner.join(" or "))
    };
    let mut parts: Vec<String> = Vec::new();
    match pass {
        Pass::Strict => {
            for g in &plan.groups {
                parts.push(any(&group_terms(g)));
            }
            if let Some(range) = plan.range {
                parts.push(drive_range(range));
            }
        }
        Pass::Relaxed => {
            let terms = relaxed_terms(plan);
            if !terms.is_empty() {
                parts.push(any(&terms));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

fn drive_range(range: DateRange) -> String {
    format!(
        "modifiedTime >= '{}T00:00:00' and modifiedTime < '{}T00:00:00'",
        escape_query(&ymd(range.from)),
        escape_query(&ymd(range.until))
    )
}

/// What a source's filters add to a KQL query (SharePoint's Microsoft Search, Outlook's
/// `$search`), and what that stands for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KqlRestriction {
    /// KQL to AND to the query's words; `None` when no filter has a clause.
    pub kql: Option<String>,
    /// The filters applied, upstream or by the connector's check of its hits.
    pub applied: Vec<super::Filter>,
    /// Whether no item can pass (a type the source does not hold, a malformed container), so the
    /// upstream need not be asked.
    pub matches_nothing: bool,
}

impl KqlRestriction {
    /// `words` with the restriction ANDed to it; the restriction alone when there are no words;
    /// `None` when there is neither.
    pub fn and(&self, words: Option<String>) -> Option<String> {
        match (words, &self.kql) {
            (Some(words), Some(kql)) => Some(format!("{words} AND {kql}")),
            (words, kql) => words.or_else(|| kql.clone()),
        }
    }
}

/// A KQL string value: words stay bare, a phrase is double-quoted. Anything that is not a letter,
/// digit or space is dropped, so nothing can close the quote or add an operator or property.
pub fn kql_value(term: &str) -> String {
    let clean: String = term
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = clean.split_whitespace().collect();
    // KQL operators are upper case; a bare AND/OR/NOT word would be one.
    let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    match words.len() {
        0 => String::new(),
        1 => words[0].clone(),
        _ => format!("\"{}\"", words.join(" ")),
    }
}

/// Graph KQL: `OR` within a concept, `AND` between concepts in the strict pass, `OR` throughout
/// the relaxed one; `LastModifiedTime` restrictions for a date range.
pub fn kql(plan: &Plan, pass: Pass) -> Option<String> {
    let any = |terms: &[&str]| {
        let inner: Vec<String> = terms
            .iter()
            .map(|t| kql_value(t))
            .filter(|v| !v.is_empty())
            .collect();
        (!inner.is_empty()).then(|| format!("({})", inner.join(" OR ")))
    };
    let mut parts: Vec<String> = Vec::new();
    match pass {
        Pass::Strict => {
            parts.extend(plan.groups.iter().filter_map(|g| any(&group_terms(g))));
            if let Some(range) = plan.range {
                parts.push(format!(
                    "LastModifiedTime>={} AND LastModifiedTime<{}",
                    ymd(range.from),
                    ymd(range.until)
                ));
            }
        }
        Pass::Relaxed => parts.extend(any(&relaxed_terms(plan))),
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// Notion title queries. Strict: the concepts together, then with one concept swapped for each of
/// its alternatives. Relaxed: single concepts and corrections alone. At most
/// [`MAX_TITLE_QUERIES`] per pass; the strict ones are left out of the relaxed pass.
pub fn notion_titles(plan: &Plan, pass: Pass) -> Vec<String> {
    let typed: Vec<&str> = plan.groups.iter().map(Group::typed).collect();
    let mut strict: Vec<String> = Vec::new();
    if !typed.is_empty() {
        strict.push(typed.join(" "));
    }
    'outer: for (i, g) in plan.groups.iter().enumerate() {
        for alt in g.terms.iter().skip(1) {
            if strict.len() >= MAX_TITLE_QUERIES {
                break 'outer;
            }
            let mut words = typed.clone();
            words[i] = alt;
            push_unique(&mut strict, words.join(" "));
        }
    }
    strict.truncate(MAX_TITLE_QUERIES);
    if pass == Pass::Strict {
        return strict;
    }
    let mut relaxed: Vec<String> = Vec::new();
    if let Some(fixed) = plan.corrected() {
        push_unique(&mut relaxed, fixed);
    }
    // Round-robin over concepts, so that every concept gets a title query before any second one.
    let depth = plan
        .groups
        .iter()
        .map(|g| g.terms.len() + g.corrections.len())
        .max()
        .unwrap_or(0);
    for level in 0..depth {
        for g in &plan.groups {
            let all: Vec<&String> = g.corrections.iter().chain(&g.terms).collect();
            if let Some(t) = all.get(level)
                && t.chars().count() >= 3
                && !strict.contains(t)
            {
                push_unique(&mut relaxed, (*t).clone());
            }
        }
    }
    relaxed.truncate(MAX_TITLE_QUERIES);
    relaxed
}

fn group_terms(g: &Group) -> Vec<&str> {
    g.terms.iter().map(String::as_str).collect()
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !item.is_empty() && !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn plan(q: &str) -> Plan {
        Plan::new(q, date!(2026 - 11 - 05))
    }

    #[test]
    fn drive_ands_concepts_and_ors_variants() {
        let q = drive(&plan("budget policies"), Pass::Strict).unwrap();
        assert!(
            q.starts_with("(fullText contains 'budget' or fullText contains 'budgets'"),
            "{q}"
        );
        assert!(
            q.contains(") and (fullText contains 'policies' or fullText contains 'policy')"),
            "{q}"
        );
        let q = drive(&plan("sso"), Pass::Strict).unwrap();
        assert!(q.contains("fullText contains '\"single sign on\"'"), "{q}");
        let q = drive(&plan("outage in October"), Pass::Strict).unwrap();
        assert!(
            q.ends_with(
                "modifiedTime >= '2026-10-01T00:00:00' and modifiedTime < '2026-11-01T00:00:00'"
            ),
            "{q}"
        );
        let q = drive(&plan("outage in October"), Pass::Relaxed).unwrap();
        assert!(!q.contains("modifiedTime") && !q.contains(" and "), "{q}");
    }

    #[test]
    fn kql_uses_upper_case_operators_and_dates() {
        let q = kql(&plan("login slow last week"), Pass::Strict).unwrap();
        assert!(q.starts_with("(login OR logins OR \"log in\""), "{q}");
        assert!(q.contains(") AND (slow OR slows OR latency"), "{q}");
        assert!(
            q.ends_with("LastModifiedTime>=2026-10-26 AND LastModifiedTime<2026-11-02"),
            "{q}"
        );
        assert_eq!(kql_value("a\" OR b:c"), "\"a or b c\"");
        assert_eq!(kql_value("AND"), "and");
    }

    #[test]
    fn notion_gets_a_few_title_queries() {
        let strict = notion_titles(&plan("work from home policy"), Pass::Strict);
        assert_eq!(strict[0], "work from home policy");
        assert!(
            strict.contains(&"remote work policy".to_owned()),
            "{strict:?}"
        );
        assert!(strict.len() <= MAX_TITLE_QUERIES);
        let relaxed = notion_titles(&plan("onbording checklist"), Pass::Relaxed);
        assert_eq!(relaxed[0], "onboarding checklist");
        assert!(relaxed.len() <= MAX_TITLE_QUERIES);
    }
}
