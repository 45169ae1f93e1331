//! The extension's settings, from its environment (the function's environment in Lambda).
//!
//! A bad setting never stops the extension: [`Config::from_lookup`] always returns settings, with
//! shipping turned off when anything was wrong, and the problems to log once. An extension that
//! exited before registering would fail the Init of the function it runs in.

use std::time::Duration;

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    /// `CEQUENCE_GATEWAY_URL`: base URL of the OTLP/HTTP receiver (`/v1/logs` is appended). Unset
    /// (or any setting invalid): the extension stays idle, with no telemetry subscription and no
    /// buffer.
    pub(crate) gateway_url: Option<String>,
    /// `CEQUENCE_API_KEY_HEADER` (default `authorization`): the header carrying the API key;
    /// `authorization` sends `Bearer <key>`, any other header the bare key.
    pub(crate) api_key_header: String,
    /// `CEQUENCE_TELEMETRY_BIND` (default `0.0.0.0`; Lambda pushes to `sandbox.localdomain`).
    pub(crate) bind: String,
    /// `CEQUENCE_TELEMETRY_PORT` (default 9003, 1024..=65535): the Telemetry API listener.
    pub(crate) port: u16,
    /// `CEQUENCE_BUFFER_MAX_RECORDS` (10000, 1..=100000): records held while the receiver is away.
    pub(crate) max_records: usize,
    /// `CEQUENCE_BUFFER_MAX_BYTES` (8 MiB, 1 KiB..=64 MiB): the same bound in bytes.
    pub(crate) max_bytes: usize,
    /// `CEQUENCE_BATCH_MAX_RECORDS` (500, 1..=10000): records per request; a full batch also
    /// triggers a flush.
    pub(crate) batch_records: usize,
    /// `CEQUENCE_REQUEST_TIMEOUT_MS` (1500, 50..=10000): one HTTP request (never past a flush's
    /// own budget).
    pub(crate) request_timeout: Duration,
    /// `CEQUENCE_FLUSH_DEADLINE_MS` (300, 10..=2000): the budget of one flush on INVOKE or of an
    /// early flush. The environment serves no request while the extension flushes on INVOKE, so
    /// the budget is short; what does not fit waits for a later invocation or SHUTDOWN.
    pub(crate) flush_deadline: Duration,
    /// `CEQUENCE_SHUTDOWN_DEADLINE_MS` (1500, 100..=1900): the final flush, never past the
    /// SHUTDOWN event's own deadline (Lambda gives extensions about 2 s).
    pub(crate) shutdown_deadline: Duration,
    /// `CEQUENCE_REPORT_WAIT_MS` (1500, 0..=60000): how long a record waits for its
    /// `platform.report`.
    pub(crate) report_wait: Duration,
    /// `CEQUENCE_MAX_RECORD_AGE_SECONDS` (900, 1..=86400): older records are dropped (counted).
    pub(crate) max_age: Duration,
    /// `CEQUENCE_BREAKER_MAX_MS` (30000, 100..=600000): the longest the circuit breaker stays open
    /// after failures (it starts at one second and doubles).
    pub(crate) breaker_max: Duration,
    /// `CEQUENCE_KEY_TIMEOUT_MS` (3000, 100..=30000): one load of the API key.
    pub(crate) key_timeout: Duration,
    /// `CEQUENCE_KEY_REFRESH_MIN_MS` (30000, 0..=3600000): the least time between two loads of the
    /// key after the receiver refused it.
    pub(crate) key_refresh_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            gateway_url: None,
            api_key_header: "authorization".into(),
            bind: "0.0.0.0".into(),
            port: 9003,
            max_records: 10_000,
            max_bytes: 8 << 20,
            batch_records: 500,
            request_timeout: Duration::from_millis(1500),
            flush_deadline: Duration::from_millis(300),
            shutdown_deadline: Duration::from_millis(1500),
            report_wait: Duration::from_millis(1500),
            max_age: Duration::from_secs(900),
            breaker_max: Duration::from_secs(30),
            key_timeout: Duration::from_millis(3000),
            key_refresh_interval: Duration::from_secs(30),
        }
    }
}

/// Reads one whole number in `range`, or notes the problem and keeps `default`.
fn number(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    problems: &mut Vec<String>,
) -> u64 {
    let Some(raw) = env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return default;
    };
    match raw.parse::<u64>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            problems.push(format!(
                "{name} must be a whole number in {}..={} (got `{raw}`)",
                range.start(),
                range.end()
            ));
            default
        }
    }
}

fn millis(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: Duration,
    range: std::ops::RangeInclusive<u64>,
    problems: &mut Vec<String>,
) -> Duration {
    Duration::from_millis(number(
        env,
        name,
        default.as_millis() as u64,
        range,
        problems,
    ))
}

/// Why `CEQUENCE_GATEWAY_URL` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GatewayUrlError {
    #[error("CEQUENCE_GATEWAY_URL is not a URL")]
    NotAUrl,
    #[error("CEQUENCE_GATEWAY_URL must be an https URL with a host")]
    NotHttps,
    /// Plain `http://` carries the API key in the clear; it is allowed only to this machine, for
    /// local tests (the Python harness and the unit tests run their receiver on 127.0.0.1).
    #[error(
        "CEQUENCE_GATEWAY_URL must use https; plain http is allowed only to a loopback address (got host `{0}`)"
    )]
    PlainHttpOffLoopback(String),
    #[error("CEQUENCE_GATEWAY_URL must not have a query or fragment")]
    QueryOrFragment,
    #[error("CEQUENCE_GATEWAY_URL must not carry credentials")]
    Credentials,
}

/// Whether `host` (as [`reqwest::Url::host_str`] gives it) is this machine: `localhost`,
/// 127.0.0.0/8 or `::1`. Only a literal address (or the `localhost` name) counts; a DNS name that
/// happens to resolve to loopback does not.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A valid `https://` URL (or `http://` to a loopback address, for local tests) without
/// credentials, query or fragment. The API key travels in a header on every request, so a
/// plain-http gateway off this machine would hand it to anyone on the path.
pub(crate) fn gateway(raw: &str) -> Result<String, GatewayUrlError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|_| GatewayUrlError::NotAUrl)?;
    let Some(host) = url.host_str() else {
        return Err(GatewayUrlError::NotHttps);
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => return Err(GatewayUrlError::PlainHttpOffLoopback(host.to_string())),
        _ => return Err(GatewayUrlError::NotHttps),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(GatewayUrlError::QueryOrFragment);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(GatewayUrlError::Credentials);
    }
    Ok(trimmed.to_owned())
}

impl Config {
    /// Reads the settings. Always returns settings; when there are problems (listed for one log
    /// line) shipping is off.
    pub(crate) fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> (Self, Vec<String>) {
        let mut problems = Vec::new();
        let d = Self::default();
        let gateway_url = env("CEQUENCE_GATEWAY_URL")
            .filter(|v| !v.trim().is_empty())
            .and_then(|raw| gateway(&raw).map_err(|p| problems.push(p.to_string())).ok());
        let mut config = Self {
            gateway_url,
            api_key_header: env("CEQUENCE_API_KEY_HEADER")
                .map(|v| v.trim().to_ascii_lowercase())
                .filter(|v| !v.is_empty())
                .unwrap_or(d.api_key_header),
            bind: env("CEQUENCE_TELEMETRY_BIND")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or(d.bind),
            port: number(
                env,
                "CEQUENCE_TELEMETRY_PORT",
                u64::from(d.port),
                1024..=65_535,
                &mut problems,
            ) as u16,
            max_records: number(
                env,
                "CEQUENCE_BUFFER_MAX_RECORDS",
                d.max_records as u64,
                1..=100_000,
                &mut problems,
            ) as usize,
            max_bytes: number(
                env,
                "CEQUENCE_BUFFER_MAX_BYTES",
                d.max_bytes as u64,
                1024..=(64 << 20),
                &mut problems,
            ) as usize,
            batch_records: number(
                env,
                "CEQUENCE_BATCH_MAX_RECORDS",
                d.batch_records as u64,
                1..=10_000,
                &mut problems,
            ) as usize,
            request_timeout: millis(
                env,
                "CEQUENCE_REQUEST_TIMEOUT_MS",
                d.request_timeout,
                50..=10_000,
                &mut problems,
            ),
            flush_deadline: millis(
                env,
                "CEQUENCE_FLUSH_DEADLINE_MS",
                d.flush_deadline,
                10..=2_000,
                &mut problems,
            ),
            shutdown_deadline: millis(
                env,
                "CEQUENCE_SHUTDOWN_DEADLINE_MS",
                d.shutdown_deadline,
                100..=1_900,
                &mut problems,
            ),
            report_wait: millis(
                env,
                "CEQUENCE_REPORT_WAIT_MS",
                d.report_wait,
                0..=60_000,
                &mut problems,
            ),
            max_age: Duration::from_secs(number(
                env,
                "CEQUENCE_MAX_RECORD_AGE_SECONDS",
                d.max_age.as_secs(),
                1..=86_400,
                &mut problems,
            )),
            breaker_max: millis(
                env,
                "CEQUENCE_BREAKER_MAX_MS",
                d.breaker_max,
                100..=600_000,
                &mut problems,
            ),
            key_timeout: millis(
                env,
                "CEQUENCE_KEY_TIMEOUT_MS",
                d.key_timeout,
                100..=30_000,
                &mut problems,
            ),
            key_refresh_interval: millis(
                env,
                "CEQUENCE_KEY_REFRESH_MIN_MS",
                d.key_refresh_interval,
                0..=3_600_000,
                &mut problems,
            ),
        };
        if !problems.is_empty() {
            config.gateway_url = None;
        }
        (config, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let (config, problems) = Config::from_lookup(&|_| None);
        assert_eq!(config, Config::default());
        assert!(problems.is_empty());
    }

    #[test]
    fn any_problem_turns_shipping_off_and_all_are_named() {
        let (config, problems) = Config::from_lookup(&|k| match k {
            "CEQUENCE_GATEWAY_URL" => Some("https://collector.acme.test/".into()),
            "CEQUENCE_TELEMETRY_PORT" => Some("many".into()),
            "CEQUENCE_FLUSH_DEADLINE_MS" => Some("99999".into()),
            _ => None,
        });
        assert_eq!(config.gateway_url, None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("CEQUENCE_TELEMETRY_PORT"));
        assert_eq!(config.port, 9003, "the default stays usable");

        for bad in [
            "ftp://x",
            "not a url",
            "https://c.test/?a=1",
            "http://",
            "http://c.test",
        ] {
            let (config, problems) =
                Config::from_lookup(&|k| (k == "CEQUENCE_GATEWAY_URL").then(|| bad.to_owned()));
            assert_eq!((config.gateway_url, problems.len()), (None, 1), "{bad}");
        }
        let (config, _) = Config::from_lookup(&|k| {
            (k == "CEQUENCE_GATEWAY_URL").then(|| " https://c.test/otlp/ ".to_owned())
        });
        assert_eq!(config.gateway_url.as_deref(), Some("https://c.test/otlp"));
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        assert_eq!(
            gateway("http://evil.example"),
            Err(GatewayUrlError::PlainHttpOffLoopback("evil.example".into()))
        );
        // A name that merely resolves to loopback is not loopback.
        assert!(gateway("http://127.0.0.1.nip.io:4318").is_err());
        assert!(gateway("http://10.0.0.1:4318").is_err());
        assert_eq!(
            gateway("https://user:pw@c.test"),
            Err(GatewayUrlError::Credentials)
        );
        for local in [
            "http://127.0.0.1:4318",
            "http://127.0.0.2:1",
            "http://[::1]:4318",
            "http://localhost:4318",
            "https://collector.acme.test",
        ] {
            assert_eq!(gateway(local).as_deref(), Ok(local), "{local}");
        }
        let (config, problems) = Config::from_lookup(&|k| {
            (k == "CEQUENCE_GATEWAY_URL").then(|| "http://evil.example".to_owned())
        });
        assert_eq!(config.gateway_url, None);
        assert!(problems[0].contains("https"), "{problems:?}");
    }
}
