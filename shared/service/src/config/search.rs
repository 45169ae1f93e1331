//! The search fan-out's settings.

use std::time::Duration;

use super::Lookup;
use super::values::number;

/// Knobs of the search fan-out.
#[derive(Debug, Clone, Copy)]
pub struct SearchSettings {
    /// `SOURCE_TIMEOUT_MS` (default 8000, 100..=25000): each source's deadline, retries included.
    /// API Gateway cuts every call at 30 s, so the ceiling leaves room for content fetching.
    pub source_timeout: Duration,
    /// `CONTENT_MAX_CHARS` (default 20000, 100..=200000): the most characters of one document's text
    /// returned by `include_content`; longer text is cut and marked `truncated`.
    pub content_max_chars: usize,
    /// `CONTENT_CONCURRENCY` (default 4, 1..=16): documents fetched at once for `include_content`.
    pub content_concurrency: usize,
    /// `REQUEST_DEADLINE_MS` (default 25000, 1000..=28000): the most one tool call may take, the
    /// search and every content fetch included. It stays below the functions' 29 s timeout (and
    /// API Gateway's 30 s), so a slow upstream costs a partial answer, never a killed invocation
    /// without a record. What did not finish is reported per source and per result.
    pub request_deadline: Duration,
    /// `SNIPPET_BUDGET_MS`, `SNIPPET_HITS`: the query-aware snippet phase after the fan-out
    /// (`search/enrich.rs`).
    pub snippets: crate::search::SnippetSettings,
    /// `COMMENT_CONFIRMATION` (default `when_supported`): when `add_comment` needs a person to
    /// confirm the exact comment through the client before it is posted.
    pub comment_confirmation: CommentConfirmation,
    /// `CURSOR_TTL_SECONDS` (default 900, 60..=86400): how long a search's `next_cursor` (and
    /// `fetch`'s) may be used (`search/cursor.rs`).
    pub cursor_ttl_seconds: u64,
}

/// When `add_comment` asks a person to confirm (MCP elicitation) before posting.
///
/// A prompt injected through a document could otherwise make the model post data it read to a
/// file the attacker can read; a confirmation puts a person between the model and the write. Only
/// clients on MCP 2026-07-28 that declare form elicitation can be asked: this endpoint is
/// stateless, so older clients cannot receive a server request in the middle of a call, and the
/// REST route has no one to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentConfirmation {
    /// Every comment is confirmed; a client that cannot ask is refused with
    /// `confirmation_required` and nothing is posted.
    Always,
    /// Clients that can ask do; the others post without asking (relying on the host's own
    /// approval of non-read-only tools), and the answer says `confirmation: "not_asked"`.
    #[default]
    WhenSupported,
    /// Never ask (for hosts that already confirm every write themselves).
    Never,
}

impl CommentConfirmation {
    /// Parses the setting's value.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "always" => Some(Self::Always),
            "when_supported" => Some(Self::WhenSupported),
            "never" => Some(Self::Never),
            _ => None,
        }
    }
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            source_timeout: Duration::from_millis(8000),
            content_max_chars: 20_000,
            content_concurrency: 4,
            request_deadline: Duration::from_millis(25_000),
            snippets: crate::search::SnippetSettings::default(),
            comment_confirmation: CommentConfirmation::default(),
            cursor_ttl_seconds: crate::search::cursor::DEFAULT_TTL_SECONDS,
        }
    }
}

impl SearchSettings {
    /// Reads `SOURCE_TIMEOUT_MS`, `CONTENT_MAX_CHARS`, `CONTENT_CONCURRENCY`,
    /// `REQUEST_DEADLINE_MS`, `SNIPPET_BUDGET_MS`, `SNIPPET_HITS` and `CURSOR_TTL_SECONDS`,
    /// reporting each problem.
    pub(super) fn load(env: Lookup<'_>, problem: &mut impl FnMut(&'static str, String)) -> Self {
        let defaults = Self::default();
        let source_timeout = number(env, "SOURCE_TIMEOUT_MS", 100..=25_000, 8_000, problem);
        let content_max_chars = number(
            env,
            "CONTENT_MAX_CHARS",
            100..=200_000,
            defaults.content_max_chars as u64,
            problem,
        );
        let content_concurrency = number(
            env,
            "CONTENT_CONCURRENCY",
            1..=16,
            defaults.content_concurrency as u64,
            problem,
        );
        let request_deadline = number(
            env,
            "REQUEST_DEADLINE_MS",
            1_000..=28_000,
            defaults.request_deadline.as_millis() as u64,
            problem,
        );
        // Query-aware snippets (search/enrich.rs).
        let snippet_budget = number(
            env,
            "SNIPPET_BUDGET_MS",
            0..=10_000,
            defaults.snippets.budget.as_millis() as u64,
            problem,
        );
        let snippet_hits = number(
            env,
            "SNIPPET_HITS",
            0..=50,
            defaults.snippets.hits as u64,
            problem,
        );
        let comment_confirmation = match super::values::non_empty(env, "COMMENT_CONFIRMATION") {
            None => defaults.comment_confirmation,
            Some(raw) => CommentConfirmation::parse(&raw).unwrap_or_else(|| {
                problem(
                    "COMMENT_CONFIRMATION",
                    format!("must be always, when_supported or never (got {raw:?})"),
                );
                defaults.comment_confirmation
            }),
        };
        let cursor_ttl_seconds = number(
            env,
            "CURSOR_TTL_SECONDS",
            60..=86_400,
            defaults.cursor_ttl_seconds,
            problem,
        );
        Self {
            comment_confirmation,
            cursor_ttl_seconds,
            source_timeout: Duration::from_millis(source_timeout),
            content_max_chars: content_max_chars as usize,
            content_concurrency: content_concurrency as usize,
            request_deadline: Duration::from_millis(request_deadline),
            snippets: crate::search::SnippetSettings {
                budget: Duration::from_millis(snippet_budget),
                hits: snippet_hits as usize,
            },
        }
    }
}
