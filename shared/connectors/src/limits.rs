//! Caps on reading Office and PDF files, read once at cold start:
//!
//! | variable | default | range | what it caps |
//! |---|---|---|---|
//! | `CONTENT_MAX_DOWNLOAD_BYTES` | 20 971 520 (20 MiB) | 1 024 ..= 104 857 600 | bytes downloaded for one file; a larger Office or PDF file is not parsed (a ZIP or PDF cannot be read from a prefix) |
//! | `EXTRACT_MAX_DECOMPRESSED_BYTES` | 67 108 864 (64 MiB) | 1 024 ..= 1 073 741 824 | bytes inflated from one file (ZIP bombs) |
//! | `EXTRACT_MAX_PAGES` | 500 | 1 ..= 10 000 | PDF pages, slides or sheets read |
//! | `EXTRACT_TIME_BUDGET_MS` | 5 000 | 100 ..= 25 000 | wall time of one extraction, never past the call's deadline |
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
}

impl Default for ContentLimits {
    fn default() -> Self {
        Self {
            max_download_bytes: 20 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_pages: 500,
            time_budget: Duration::from_millis(5_000),
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
        Self {
            max_download_bytes: usize::try_from(download).unwrap_or(defaults.max_download_bytes),
            max_decompressed_bytes: decompressed,
            max_pages: usize::try_from(pages).unwrap_or(defaults.max_pages),
            time_budget: Duration::from_millis(time),
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

    #[tokio::test]
    async fn extraction_never_outlives_the_deadline() {
        let limits = ContentLimits::default().for_extraction(10, Instant::now());
        assert_eq!(limits.time_budget, Duration::ZERO);
        assert_eq!(limits.max_output_chars, 11);
    }
}
