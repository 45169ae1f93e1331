//! The cache's settings, read once at cold start.

use std::time::Duration;

/// `CACHE_TIMEOUT_MS` when unset: a DynamoDB read in the same region answers in a few
/// milliseconds; one that has not answered by then is skipped, and the call goes upstream.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);
/// `CACHE_TEXT_TTL_SECONDS` when unset: as long as the per-container text cache trusts an entry.
const DEFAULT_TEXT_TTL: Duration = Duration::from_secs(600);

/// Which parts of the shared cache are on, where it lives and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// `CACHE_TABLE`: the DynamoDB table (partition key `pk`, TTL attribute `expires`).
    pub table: String,
    /// `CACHE_TOKENS` (`on`|`off`, default `on`): upstream access tokens per user and source.
    pub tokens: bool,
    /// `CACHE_TEXT` (`on`|`off`, default `on`): extracted text per item and version.
    pub text: bool,
    /// `CACHE_TIMEOUT_MS` (1–2000, default 100): the most a read or a write may take, retries
    /// included; past it the cache is skipped for this call.
    pub timeout: Duration,
    /// `CACHE_TEXT_TTL_SECONDS` (60–86400, default 600): how long extracted text is kept. An
    /// item's version is in its key, so an edit is a miss at once; the TTL bounds sources whose
    /// version is coarse (Notion's `last_edited_time` is to the minute).
    pub text_ttl: Duration,
}

/// A setting and what is wrong with it.
pub type Problem = (&'static str, String);

impl CacheConfig {
    /// The settings from `env`; `Ok(None)` when `CACHE_TABLE` is unset (the shared cache is off).
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, Vec<Problem>> {
        let get = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(table) = get("CACHE_TABLE") else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        let mut switch = |name: &'static str| match get(name).as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                problems.push((name, format!("must be `on` or `off` (got `{other}`)")));
                false
            }
        };
        let (tokens, text) = (switch("CACHE_TOKENS"), switch("CACHE_TEXT"));
        let mut number = |name: &'static str, min: u64, max: u64| match get(name) {
            None => None,
            Some(raw) => match raw.parse::<u64>() {
                Ok(v) if (min..=max).contains(&v) => Some(v),
                _ => {
                    problems.push((
                        name,
                        format!("must be a whole number from {min} to {max} (got `{raw}`)"),
                    ));
                    None
                }
            },
        };
        let timeout =
            number("CACHE_TIMEOUT_MS", 1, 2000).map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        let text_ttl = number("CACHE_TEXT_TTL_SECONDS", 60, 86_400)
            .map_or(DEFAULT_TEXT_TTL, Duration::from_secs);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Some(Self {
            table,
            tokens,
            text,
            timeout,
            text_ttl,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Option<CacheConfig>, Vec<Problem>> {
        let env = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        CacheConfig::from_lookup(&env)
    }

    #[test]
    fn off_without_a_table_and_on_with_defaults_with_one() {
        assert_eq!(load(&[]).unwrap(), None);
        assert_eq!(load(&[("CACHE_TABLE", "  ")]).unwrap(), None);
        let config = load(&[("CACHE_TABLE", "cache")]).unwrap().unwrap();
        assert!(config.tokens && config.text);
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        assert_eq!(config.text_ttl, DEFAULT_TEXT_TTL);
    }

    #[test]
    fn each_part_switches_off_and_bad_values_are_named() {
        let config = load(&[
            ("CACHE_TABLE", "c"),
            ("CACHE_TOKENS", "off"),
            ("CACHE_TIMEOUT_MS", "20"),
        ])
        .unwrap()
        .unwrap();
        assert!(!config.tokens && config.text);
        assert_eq!(config.timeout, Duration::from_millis(20));
        let problems = load(&[
            ("CACHE_TABLE", "c"),
            ("CACHE_TEXT", "yes"),
            ("CACHE_TIMEOUT_MS", "0"),
            ("CACHE_TEXT_TTL_SECONDS", "10"),
        ])
        .unwrap_err();
        let named: Vec<_> = problems.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            named,
            ["CACHE_TEXT", "CACHE_TIMEOUT_MS", "CACHE_TEXT_TTL_SECONDS"]
        );
    }
}
