//! `max_tokens`: an answer with `include_content` sized for the model that reads it.
//!
//! Fifty results with 20,000 characters each is a quarter of a million tokens, ten times what
//! Claude Code accepts from one tool call. The budget is spent on content in rank order, after
//! what the rest of the answer costs: the best results keep their text, the next is shortened,
//! the rest say they were left out and that `fetch` reads them. Tokens are estimated as a quarter
//! of the characters, the usual rule for English text and JSON; the estimate bounds each of the
//! answer's two forms (`structuredContent` and the text), which carry the same content.

use serde::Serialize;

use super::{SearchOutcome, truncate_chars};

/// Characters per token, as estimated.
pub(crate) const CHARS_PER_TOKEN: usize = 4;
/// The most a cut adds to one result: its `content_error` or `truncated`.
const NOTE_CHARS: usize = 110;

/// What the budget cut, when it cut anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentBudget {
    /// The budget, in estimated tokens.
    pub max_tokens: usize,
    /// Results whose content was cut short to fit (their `truncated` is true).
    pub shortened: usize,
    /// Results whose content was left out (their `content_error` says so).
    pub omitted: usize,
}

impl ContentBudget {
    /// One sentence for the text rendering.
    pub fn summary(&self) -> String {
        format!(
            "content cut to stay within max_tokens = {}: {} result(s) shortened, {} left out; fetch reads them whole",
            self.max_tokens, self.shortened, self.omitted
        )
    }
}

/// Cuts the content of `outcome`'s results, best first, so the answer stays within `max_tokens`;
/// records what was cut in `outcome.content_budget`.
pub fn apply(outcome: &mut SearchOutcome, max_tokens: usize) {
    let contents: Vec<Option<String>> = outcome
        .results
        .iter_mut()
        .map(|r| r.content.take())
        .collect();
    // What the answer costs without any content (the text rendering is about as long again, and
    // bounded the same way).
    let base = serde_json::to_string(&*outcome).map_or(0, |s| s.chars().count());
    // Room for what cutting adds: a `content_error` or `truncated` per result, and the note.
    let reserve = 100 + NOTE_CHARS * contents.iter().flatten().count();
    let mut left = (max_tokens * CHARS_PER_TOKEN).saturating_sub(base + reserve);
    let (mut shortened, mut omitted) = (0, 0);
    for (result, content) in outcome.results.iter_mut().zip(contents) {
        let Some(content) = content else { continue };
        let chars = content.chars().count();
        if chars <= left {
            left -= chars;
            result.content = Some(content);
        } else if left >= 200 {
            // Worth showing: the start of the document, marked as cut.
            let (kept, _) = truncate_chars(&content, left);
            result.content = Some(kept.to_owned());
            result.truncated = Some(true);
            left = 0;
            shortened += 1;
        } else {
            result.truncated = Some(false);
            result.content_error = Some(format!(
                "left out to stay within max_tokens ({max_tokens}); call fetch with this id"
            ));
            omitted += 1;
        }
    }
    if shortened + omitted > 0 {
        outcome.content_budget = Some(ContentBudget {
            max_tokens,
            shortened,
            omitted,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchResult;
    use workplace_connectors::SourceKind;

    fn result(n: usize, content: &str) -> SearchResult {
        SearchResult {
            id: format!("notion:{n}"),
            source: SourceKind::Notion,
            title: format!("T{n}"),
            url: format!("https://n.example/{n}"),
            snippet: String::new(),
            modified_time: None,
            author: None,
            details: None,
            score: 1.0,
            content: Some(content.to_owned()),
            truncated: Some(false),
            content_error: None,
            enrichment_skipped: None,
        }
    }

    fn outcome(results: Vec<SearchResult>) -> SearchOutcome {
        SearchOutcome {
            total_count: results.len(),
            results,
            sources: Vec::new(),
            searched_for: None,
            next_cursor: None,
            next_offset: None,
            content_budget: None,
        }
    }

    #[test]
    fn the_best_results_keep_their_text_and_the_cut_is_reported() {
        let mut answer = outcome(vec![
            result(1, &"a".repeat(3_000)),
            result(2, &"b".repeat(3_000)),
            result(3, &"c".repeat(3_000)),
        ]);
        apply(&mut answer, 1_500);
        let sizes: Vec<usize> = answer
            .results
            .iter()
            .map(|r| r.content.as_deref().map_or(0, str::len))
            .collect();
        assert_eq!(sizes[0], 3_000);
        assert!(sizes[1] > 200 && sizes[1] < 3_000, "{sizes:?}");
        assert_eq!(sizes[2], 0);
        assert_eq!(answer.results[1].truncated, Some(true));
        assert!(
            answer.results[2]
                .content_error
                .as_deref()
                .unwrap()
                .contains("fetch")
        );
        assert_eq!(
            answer.content_budget,
            Some(ContentBudget {
                max_tokens: 1_500,
                shortened: 1,
                omitted: 1
            })
        );
        let whole = serde_json::to_string(&answer).unwrap().len();
        assert!(whole <= 1_500 * 4, "{whole} bytes");
    }

    #[test]
    fn an_answer_within_budget_is_untouched() {
        let mut answer = outcome(vec![result(1, "short")]);
        let before = answer.clone();
        apply(&mut answer, 20_000);
        assert_eq!(answer, before);
    }
}
