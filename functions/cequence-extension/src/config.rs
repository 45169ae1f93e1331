//! The extension's settings, from its environment (the function's environment in Lambda).

use std::time::Duration;

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    /// `CEQUENCE_GATEWAY_URL`: base URL of the OTLP/HTTP receiver (`/v1/logs` is appended). Unset:
    /// records are still read and counted, but nothing is shipped.
    pub(crate) gateway_url: Option<String>,
    /// `CEQUENCE_API_KEY_HEADER` (default `authorization`): the header carrying the API key;
    /// `authorization` sends `Bearer <key>`, any other header the bare key.
    pub(crate) api_key_header: String,
    /// `CEQUENCE_TELEMETRY_BIND` (default `0.0.0.0`; Lambda pushes to `sandbox.localdomain`).
    pub(crate) bind: String,
    /// `CEQUENCE_TELEMETRY_PORT` (default 9003): the Telemetry API listener.
    pub(crate) port: u16,
    /// `CEQUENCE_BUFFER_MAX_RECORDS` (10000): records held while the receiver is unreachable.
    pub(crate) max_records: usize,
    /// `CEQUENCE_BUFFER_MAX_BYTES` (8 MiB): the same bound in bytes.
    pub(crate) max_bytes: usize,
    /// `CEQUENCE_BATCH_MAX_RECORDS` (500): records per request; a full batch also triggers a flush.
    pub(crate) batch_records: usize,
    /// `CEQUENCE_REQUEST_TIMEOUT_MS` (1500): one HTTP request.
    pub(crate) request_timeout: Duration,
    /// `CEQUENCE_FLUSH_DEADLINE_MS` (2000): one flush on INVOKE, retries included; it only adds
    /// to the extension's own time, never to the function's response.
    pub(crate) flush_deadline: Duration,
    /// `CEQUENCE_SHUTDOWN_DEADLINE_MS` (1500): the final flush; Lambda allows extensions ~2 s.
    pub(crate) shutdown_deadline: Duration,
    /// `CEQUENCE_REPORT_WAIT_MS` (1500): how long a record waits for its `platform.report`.
    pub(crate) report_wait: Duration,
    /// `CEQUENCE_MAX_RECORD_AGE_SECONDS` (900): records older than this are dropped (counted).
    pub(crate) max_age: Duration,
}

fn number(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    problems: &mut Vec<String>,
) -> u64 {
    match env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        None => default,
        Some(raw) => raw.parse().unwrap_or_else(|_| {
            problems.push(format!("{name} must be a whole number (got `{raw}`)"));
            default
        }),
    }
}

impl Config {
    /// Reads the settings; problems are returned together.
    pub(crate) fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let gateway_url = env("CEQUENCE_GATEWAY_URL")
            .map(|v| v.trim().trim_end_matches('/').to_owned())
            .filter(|v| !v.is_empty());
        if let Some(url) = &gateway_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            problems.push("CEQUENCE_GATEWAY_URL must be an http(s) URL".to_owned());
        }
        let config = Self {
            gateway_url,
            api_key_header: env("CEQUENCE_API_KEY_HEADER")
                .map(|v| v.trim().to_ascii_lowercase())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "authorization".into()),
            bind: env("CEQUENCE_TELEMETRY_BIND")
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "0.0.0.0".into()),
            port: number(env, "CEQUENCE_TELEMETRY_PORT", 9003, &mut problems) as u16,
            max_records: number(env, "CEQUENCE_BUFFER_MAX_RECORDS", 10_000, &mut problems).max(1)
                as usize,
            max_bytes: number(env, "CEQUENCE_BUFFER_MAX_BYTES", 8 << 20, &mut problems).max(1024)
                as usize,
            batch_records: number(env, "CEQUENCE_BATCH_MAX_RECORDS", 500, &mut problems)
                .clamp(1, 10_000) as usize,
            request_timeout: Duration::from_millis(number(
                env,
                "CEQUENCE_REQUEST_TIMEOUT_MS",
                1500,
                &mut problems,
            )),
            flush_deadline: Duration::from_millis(number(
                env,
                "CEQUENCE_FLUSH_DEADLINE_MS",
                2000,
                &mut problems,
            )),
            shutdown_deadline: Duration::from_millis(number(
                env,
                "CEQUENCE_SHUTDOWN_DEADLINE_MS",
                1500,
                &mut problems,
            )),
            report_wait: Duration::from_millis(number(
                env,
                "CEQUENCE_REPORT_WAIT_MS",
                1500,
                &mut problems,
            )),
            max_age: Duration::from_secs(number(
                env,
                "CEQUENCE_MAX_RECORD_AGE_SECONDS",
                900,
                &mut problems,
            )),
        };
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_problems() {
        let config = Config::from_lookup(&|_| None).unwrap();
        assert_eq!(
            (
                config.port,
                config.api_key_header.as_str(),
                config.gateway_url
            ),
            (9003, "authorization", None)
        );
        let problems = Config::from_lookup(&|k| match k {
            "CEQUENCE_GATEWAY_URL" => Some("ftp://x".into()),
            "CEQUENCE_TELEMETRY_PORT" => Some("many".into()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(problems.len(), 2);
    }
}
