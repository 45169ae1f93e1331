//! Spelling correction without an index: the nearest word of a fixed dictionary.
//!
//! The dictionary is the synonym dictionary's words plus `WORDS`, a built-in list of common
//! workplace words. It never learns from results, other users' queries or anything a user was
//! shown: a correction can only ever name a word that is in this file or `synonyms.rs`.

use super::synonyms::CLASSES;

/// Common words of workplace documents that a query is likely to misspell.
const WORDS: &[&str] = &[
    "access",
    "account",
    "accounts",
    "agenda",
    "allocation",
    "analysis",
    "announcement",
    "api",
    "approval",
    "architecture",
    "assumptions",
    "audit",
    "benefits",
    "board",
    "bonus",
    "budget",
    "buddy",
    "business",
    "calendar",
    "calibration",
    "certificate",
    "change",
    "checklist",
    "cloud",
    "code",
    "company",
    "compliance",
    "conduct",
    "contract",
    "customer",
    "dashboard",
    "data",
    "deadline",
    "deck",
    "decision",
    "delays",
    "deployment",
    "design",
    "document",
    "draft",
    "employee",
    "engineering",
    "enrollment",
    "escalation",
    "estimate",
    "expense",
    "explanations",
    "export",
    "feedback",
    "finance",
    "forecast",
    "guide",
    "guidelines",
    "handbook",
    "headcount",
    "health",
    "hiring",
    "holiday",
    "incident",
    "information",
    "insurance",
    "interview",
    "invoice",
    "latency",
    "leadership",
    "legal",
    "madrid",
    "maintenance",
    "management",
    "marketing",
    "meeting",
    "migration",
    "minutes",
    "notes",
    "office",
    "offsite",
    "onboarding",
    "operations",
    "outage",
    "overview",
    "partner",
    "password",
    "payment",
    "payroll",
    "performance",
    "permission",
    "pipeline",
    "planning",
    "platform",
    "policy",
    "postmortem",
    "pricing",
    "priorities",
    "process",
    "procurement",
    "product",
    "program",
    "project",
    "proposal",
    "quarterly",
    "recruiting",
    "release",
    "remote",
    "report",
    "requirements",
    "retention",
    "retrieval",
    "retro",
    "review",
    "roadmap",
    "salary",
    "sales",
    "schedule",
    "search",
    "security",
    "setup",
    "spending",
    "strategy",
    "summary",
    "support",
    "sync",
    "targets",
    "team",
    "template",
    "timeline",
    "tracker",
    "training",
    "travel",
    "variance",
    "vendor",
    "versioning",
    "webhook",
    "welcome",
    "workplace",
    "benefit",
    "enrolment",
    "schedule",
    "certificates",
    "reimbursement",
    "guideline",
    "handbooks",
    "vacation",
    "compensation",
    "objectives",
    "results",
];

/// The closest dictionary word to `word` (lowercase), when `word` is not itself a dictionary
/// word and one is close enough: one edit for words of 4-6 letters, two from 7. Words shorter
/// than 4 letters and words with digits are never corrected (acronyms, `q3`, years).
pub fn correct(word: &str) -> Option<&'static str> {
    let len = word.chars().count();
    if !(4..=40).contains(&len) || word.chars().any(|c| !c.is_ascii_lowercase()) {
        return None;
    }
    if dictionary().any(|w| w == word) {
        return None;
    }
    let max = if len >= 7 { 2 } else { 1 };
    let mut best: Option<(usize, &'static str)> = None;
    for candidate in dictionary() {
        if candidate.len().abs_diff(len) > max {
            continue;
        }
        let d = distance(word, candidate);
        if d <= max && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, w)| w)
}

fn dictionary() -> impl Iterator<Item = &'static str> {
    WORDS.iter().copied().chain(
        CLASSES
            .iter()
            .flat_map(|c| c.iter())
            .flat_map(|t| t.split(' ')),
    )
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), on bytes: both
/// words are ASCII by the time this is called.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    if let Some(first) = rows.first_mut() {
        for (j, cell) in first.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_misspellings_are_corrected() {
        assert_eq!(correct("onbording"), Some("onboarding"));
        assert_eq!(correct("checklsit"), Some("checklist"));
        assert_eq!(correct("budegt"), Some("budget"));
        assert_eq!(correct("incidnet"), Some("incident"));
        assert_eq!(correct("polcy"), Some("policy"));
    }

    #[test]
    fn known_short_and_far_words_are_left_alone() {
        assert_eq!(correct("onboarding"), None);
        assert_eq!(correct("sso"), None);
        assert_eq!(correct("q3"), None);
        assert_eq!(correct("zebra"), None);
        assert_eq!(correct("ÉTÉ"), None);
    }

    #[test]
    fn distance_counts_transpositions_once() {
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
    }
}
