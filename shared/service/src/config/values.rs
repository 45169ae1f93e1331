//! Reading one setting: trimmed text, an http(s) URL, a bounded number, a boolean; each problem
//! reported with the setting's name.

use url::Url;

use super::Lookup;

pub(super) fn non_empty(env: Lookup<'_>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn parse_http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a valid URL ({e})"))?;
    match url.scheme() {
        "https" | "http" if url.host().is_some() => Ok(url),
        _ => Err("must be an http(s) URL with a host".into()),
    }
}

pub(super) fn number(
    env: Lookup<'_>,
    name: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    problem: &mut impl FnMut(&'static str, String),
) -> u64 {
    let Some(raw) = non_empty(env, name) else {
        return default;
    };
    match raw.parse::<u64>() {
        Ok(value) if range.contains(&value) => value,
        _ => {
            problem(
                name,
                format!(
                    "must be a whole number from {} to {} (got `{raw}`)",
                    range.start(),
                    range.end()
                ),
            );
            default
        }
    }
}

pub(super) fn boolean(
    env: Lookup<'_>,
    name: &'static str,
    default: bool,
    problem: &mut impl FnMut(&'static str, String),
) -> bool {
    match non_empty(env, name)
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => default,
        Some("true" | "1" | "yes") => true,
        Some("false" | "0" | "no") => false,
        Some(other) => {
            problem(name, format!("must be true or false (got `{other}`)"));
            default
        }
    }
}
