//! Caps on reading Office and PDF files, read once at cold start:
//!
//! | variable | default | range | what it caps |
//! |---|---|---|---|
//! | `CONTENT_MAX_DOWNLOAD_BYTES` | 20 971 520 (20 MiB) | 1 024 ..= 104 857 600 | bytes downloaded for one file; a larger Office or PDF file is not parsed (a ZIP or PDF cannot be read from a prefix) |
//! | `EXTRACT_MAX_DECOMPRESSED_BYTES` | 67 108 864 (64 MiB) | 1 024 ..= 1 073 741 824 | bytes inflated from one file (ZIP bombs) |
//! | `EXTRACT_MAX_PAGES` | 500 | 1 ..= 10 000 | PDF pages, slides or sheets read |
//! | `EXTRACT_TIME_BUDGET_MS` | 5 000 | 100 ..= 25 000 | wall time of one extraction, never past the call's deadline |
//! | `EXTRACT_MAX_MEMORY_BYTES` | 41 943 040 (40 MiB) | 4 194 304 ..= 1 073 741 824 | memory one extraction may hold (parts, parser tables, text); see `workplace_extract::Limits::max_memory_bytes` |
//! | `SNIPPET_MAX_DOWNLOAD_BYTES` | 2 097 152 (2 MiB) | 0 ..= 104 857 600 | bytes downloaded of an Office or PDF file to make a search snippet; a larger file gets no snippet (0: no snippets from Office and PDF files) |
//! | `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (set by Lambda) | 512 | 128 ..= 10 240 | the function's memory in MB, which sizes how many extractions run at once |
//!
//! Extractions at once in one container (snippet reads and `include_content`/fetch alike) are
//! `(memory − RESERVED_MB) / (EXTRACT_MAX_MEMORY_BYTES + PARSER_SLACK_MB + CONTENT_MAX_DOWNLOAD_BYTES)`,
//! at least one: with the defaults and 512 MB, (512 − 128) / (40 + 16 + 20) = 5. The arithmetic
//! is in `docs/SECURITY.md`, "Extraction memory budget".
//!
//! Over a cap after some text: that text, `truncated`. Before any text: a precise
//! `content_error` (see `workplace-extract`).

use std::time::Duration;

use tokio::time::Instant;
use workplace_extract::Limits;

use crate::ConfigProblem;

/// How much of a file the connectors download and parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentLimits {
    /// `CONTENT_MAX_DOWNLOAD_BYTES`.
    pub max_download_bytes: usize,
    /// `EXTRACT_MAX_DECOMPRESSED_BYTES`.
    pub max_decompressed_bytes: u64,
    /// `EXTRACT_MAX_PAGES`.
    pub max_pages: usize,
    /// `EXTRACT_TIME_BUDGET_MS`.
    pub time_budget: Duration,
    /// `EXTRACT_MAX_MEMORY_BYTES`.
    pub max_memory_bytes: u64,
    /// `SNIPPET_MAX_DOWNLOAD_BYTES`.
    pub max_snippet_download_bytes: usize,
    /// How many extractions may run at once in this container, from
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (see the module documentation).
    pub max_concurrent_extractions: usize,
}

/// Memory of the function not given to extractions: the runtime, the idle process (about 20
/// MB), HTTP buffers, caches, and the responses being built.
pub(crate) const RESERVED_MB: u64 = 128;
/// What an extraction may use beyond its memory budget: the parsers' working memory outside
/// what is counted (measured at most 4 MiB over the budget on the hostile files of
/// `workplace-extract`'s `tests/memory_budget.rs`; 16 leaves room).
pub(crate) const PARSER_SLACK_MB: u64 = 16;
/// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` when it is not set (outside Lambda): the template's
/// `MemorySize`.
pub(crate) const DEFAULT_FUNCTION_MEMORY_MB: u64 = 512;

/// How many extractions fit at once in `memory_mb` of function memory, each holding its download
/// (`download_bytes`), its memory budget and the parsers' slack: at least one.
pub(crate) fn concurrent_extractions(
    memory_mb: u64,
    memory_bytes: u64,
    download_bytes: u64,
) -> usize {
    const MIB: u64 = 1024 * 1024;
    let each = memory_bytes.div_ceil(MIB) + PARSER_SLACK_MB + download_bytes.div_ceil(MIB);
    let n = memory_mb.saturating_sub(RESERVED_MB) / each.max(1);
    usize::try_from(n.max(1)).unwrap_or(1)
}

impl Default for ContentLimits {
    fn default() -> Self {
        Self {
            max_download_bytes: 20 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_pages: 500,
            time_budget: Duration::from_millis(5_000),
            max_memory_bytes: 40 * 1024 * 1024,
            max_snippet_download_bytes: 2 * 1024 * 1024,
            max_concurrent_extractions: concurrent_extractions(
                DEFAULT_FUNCTION_MEMORY_MB,
                40 * 1024 * 1024,
                20 * 1024 * 1024,
            ),
        }
    }
}

impl ContentLimits {
    /// Reads the settings through `get` (trimmed, empty as absent), recording each bad value.
    pub(crate) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Self {
        let defaults = Self::default();
        let mut number = |setting: &'static str, min: u64, max: u64, default: u64| -> u64 {
            let Some(raw) = get(setting) else {
                return default;
            };
            match raw.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    problems.push(ConfigProblem {
                        setting,
                        problem: format!(
                            "must be a whole number from {min} to {max} (got `{raw}`)"
                        ),
                    });
                    default
                }
            }
        };
        let download = number(
            "CONTENT_MAX_DOWNLOAD_BYTES",
            1024,
            100 * 1024 * 1024,
            defaults.max_download_bytes as u64,
        );
        let decompressed = number(
            "EXTRACT_MAX_DECOMPRESSED_BYTES",
            1024,
            1024 * 1024 * 1024,
            defaults.max_decompressed_bytes,
        );
        let pages = number("EXTRACT_MAX_PAGES", 1, 10_000, defaults.max_pages as u64);
        let time = number(
            "EXTRACT_TIME_BUDGET_MS",
            100,
            25_000,
            defaults.time_budget.as_millis() as u64,
        );
        let memory = number(
            "EXTRACT_MAX_MEMORY_BYTES",
            4 * 1024 * 1024,
            1024 * 1024 * 1024,
            defaults.max_memory_bytes,
        );
        let snippet_download = number(
            "SNIPPET_MAX_DOWNLOAD_BYTES",
            0,
            100 * 1024 * 1024,
            defaults.max_snippet_download_bytes as u64,
        );
        let function_mb = number(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            128,
            10_240,
            DEFAULT_FUNCTION_MEMORY_MB,
        );
        Self {
            max_download_bytes: usize::try_from(download).unwrap_or(defaults.max_download_bytes),
            max_decompressed_bytes: decompressed,
            max_pages: usize::try_from(pages).unwrap_or(defaults.max_pages),
            time_budget: Duration::from_millis(time),
            max_memory_bytes: memory,
            max_snippet_download_bytes: usize::try_from(snippet_download)
                .unwrap_or(defaults.max_snippet_download_bytes),
            max_concurrent_extractions: concurrent_extractions(function_mb, memory, download),
        }
    }

    /// The extractor's caps for one file: at most `max_chars` characters (one more, so a cut is
    /// seen), and no more time than is left before `deadline`.
    pub(crate) fn for_extraction(&self, max_chars: usize, deadline: Instant) -> Limits {
        let left = deadline.saturating_duration_since(Instant::now());
        Limits {
            max_input_bytes: self.max_download_bytes,
            max_decompressed_bytes: self.max_decompressed_bytes,
            max_pages: self.max_pages,
            max_output_chars: max_chars.saturating_add(1),
            time_budget: self.time_budget.min(left),
            max_memory_bytes: self.max_memory_bytes,
            ..Limits::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> (ContentLimits, Vec<ConfigProblem>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let mut problems = Vec::new();
        let limits = ContentLimits::from_lookup(&|k| map.get(k).cloned(), &mut problems);
        (limits, problems)
    }

    #[test]
    fn defaults_apply_and_bad_values_are_named() {
        assert_eq!(load(&[]), (ContentLimits::default(), Vec::new()));
        let (limits, problems) = load(&[
            ("CONTENT_MAX_DOWNLOAD_BYTES", "2048"),
            ("EXTRACT_TIME_BUDGET_MS", "0"),
            ("EXTRACT_MAX_PAGES", "lots"),
        ]);
        assert_eq!(limits.max_download_bytes, 2048);
        let settings: Vec<_> = problems.iter().map(|p| p.setting).collect();
        assert_eq!(settings, ["EXTRACT_MAX_PAGES", "EXTRACT_TIME_BUDGET_MS"]);
    }

    #[test]
    fn concurrency_follows_the_function_memory() {
        assert_eq!(ContentLimits::default().max_concurrent_extractions, 5);
        let at = |mb: &str| load(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", mb)]).0;
        assert_eq!(at("256").max_concurrent_extractions, 1);
        assert_eq!(at("512").max_concurrent_extractions, 5);
        assert_eq!(at("1024").max_concurrent_extractions, 11);
        assert_eq!(at("128").max_concurrent_extractions, 1);
        let (_, problems) = load(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots")]);
        assert_eq!(problems[0].setting, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    }

    #[tokio::test]
    async fn extraction_never_outlives_the_deadline() {
        let limits = ContentLimits::default().for_extraction(10, Instant::now());
        assert_eq!(limits.time_budget, Duration::ZERO);
        assert_eq!(limits.max_output_chars, 11);
    }
}
