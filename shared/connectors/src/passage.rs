//! Query-aware snippets: the passage of a document's text that best matches a query's terms.
//!
//! Drive has no snippet API and Notion's search matches titles only, so their hits carry no text
//! around the query. Given the document's text, [`best_passage`] picks the run of lines (at most
//! [`SNIPPET_CHARS`] characters, starting at a line with a term) holding the most distinct query
//! terms, then the most occurrences, earliest first; a text without any term gives its beginning, which still says
//! more than a file description.

use crate::text::cut_chars;

/// Snippet length in characters.
pub const SNIPPET_CHARS: usize = 240;

/// Words too common to say anything about a match.
const STOP_WORDS: [&str; 16] = [
    "a", "an", "and", "are", "at", "by", "for", "in", "is", "of", "on", "or", "the", "to", "with",
    "from",
];

/// The query's distinct terms: lowercase runs of letters and digits, stop words dropped.
pub fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if !STOP_WORDS.contains(&word.as_str()) && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The passage of `text` that best matches `query`, as one line of plain text, with `…` where it
/// was cut; `None` when `text` has no words.
pub fn best_passage(text: &str, query: &str) -> Option<String> {
    let lines: Vec<String> = text
        .lines()
        .map(clean_line)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return None;
    }
    let terms = terms(query);
    let lower: Vec<String> = lines.iter().map(|l| l.to_lowercase()).collect();
    let mut best = (0, 0, 0usize); // (distinct terms, occurrences, first line)
    // A passage starts at a line holding a term, so it opens on the match.
    for start in (0..lines.len()).filter(|&i| terms.iter().any(|t| lower[i].contains(t.as_str()))) {
        let (mut chars, mut found, mut hits) = (0, vec![false; terms.len()], 0);
        for line in &lower[start..] {
            if chars > 0 && chars + line.chars().count() > SNIPPET_CHARS {
                break;
            }
            chars += line.chars().count() + 1;
            for (i, term) in terms.iter().enumerate() {
                let n = line.matches(term.as_str()).count();
                found[i] |= n > 0;
                hits += n;
            }
        }
        let distinct = found.iter().filter(|f| **f).count();
        if (distinct, hits) > (best.0, best.1) {
            best = (distinct, hits, start);
        }
    }
    let start = best.2;
    let joined = lines[start..].join(" ");
    // A first line longer than the snippet is cut around its first term, not at its start.
    let from = if lines[start].chars().count() > SNIPPET_CHARS {
        let first = terms
            .iter()
            .filter_map(|t| lower[start].find(t.as_str()))
            .min()
            .unwrap_or(0);
        let chars_before = lower[start][..first].chars().count();
        chars_before.saturating_sub(SNIPPET_CHARS / 4)
    } else {
        0
    };
    let rest: String = joined.chars().skip(from).collect();
    let (passage, cut) = cut_chars(&rest, SNIPPET_CHARS);
    let lead = if start > 0 || from > 0 { "…" } else { "" };
    let tail = if cut { "…" } else { "" };
    Some(format!("{lead}{}{tail}", passage.trim()))
}

/// A line without the Markdown the renderers add (`#`, `-`, `>`, table pipes and rules) and with
/// its whitespace collapsed.
fn clean_line(line: &str) -> String {
    let line = line.trim();
    if line.starts_with("```") || line.chars().all(|c| matches!(c, '-' | '|' | ' ' | ':')) {
        return String::new();
    }
    let line = line.trim_start_matches('#').trim_start();
    let line = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("> "))
        .unwrap_or(line);
    line.split(|c: char| c.is_whitespace() || c == '|')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_distinct_lowercase_words_without_stop_words() {
        assert_eq!(
            terms("The Budget, for Q3: budget plan"),
            ["budget", "q3", "plan"]
        );
    }

    #[test]
    fn the_passage_with_most_distinct_terms_wins() {
        let text = "# Intro\nNothing here.\n\n## Costs\n- cloud spend rose\n\nThe travel budget for Q3 is set.\nQ3 travel budget approved.\n";
        let got = best_passage(text, "Q3 travel budget").unwrap();
        assert!(
            got.starts_with("…The travel budget for Q3 is set."),
            "{got}"
        );
        // No term at all: the beginning of the text.
        assert_eq!(
            best_passage(text, "zebra").unwrap(),
            "Intro Nothing here. Costs cloud spend rose The travel budget for Q3 is set. Q3 travel budget approved."
        );
        assert_eq!(best_passage(" \n|---|\n", "x"), None);
    }

    #[test]
    fn a_long_line_is_cut_around_its_first_term() {
        let text = format!("{} needle {}", "hay ".repeat(200), "straw ".repeat(100));
        let got = best_passage(&text, "needle").unwrap();
        assert!(got.starts_with('…') && got.ends_with('…'), "{got}");
        assert!(got.contains("needle"), "{got}");
        assert!(got.chars().count() <= SNIPPET_CHARS + 2);
    }
}
