//! Rate-limit settings.

use std::time::Duration;

/// A sustained rate with a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Sustained requests per second.
    pub rate: f64,
    /// Requests admitted at once from idle.
    pub burst: u32,
}

/// What to do when DynamoDB cannot answer in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Admit the call (logged and counted).
    Open,
    /// Reject the call.
    Closed,
}

/// Every setting, read once at cold start.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    /// `RATE_LIMIT_TABLE`: the DynamoDB table (partition key `pk`, TTL attribute `expires_at`).
    pub table: String,
    /// `RATE_LIMIT_USER_RPS` (10) and `RATE_LIMIT_USER_BURST` (20): per principal, the seed's
    /// policy. A call is charged by the work it may do (one token for a small search, up to 15
    /// for a search with `max_results` 50 and `include_content`), and the burst holds the most
    /// expensive call.
    pub user: Limit,
    /// `RATE_LIMIT_CLIENT_RPS` (50) and `RATE_LIMIT_CLIENT_BURST` (100): per OAuth client.
    pub client: Limit,
    /// `RATE_LIMIT_GLOBAL_RPS` (500) and `RATE_LIMIT_GLOBAL_BURST` (1000): the whole service.
    pub global: Limit,
    /// `RATE_LIMIT_GLOBAL_SHARDS` (4, 1..=256): keys the global limit is spread over.
    pub global_shards: u32,
    /// `RATE_LIMIT_TIMEOUT_MS` (200, 10..=5000): deadline of one check.
    pub timeout: Duration,
    /// `RATE_LIMIT_FAILURE_POLICY` (`open`): `open` or `closed`.
    pub failure_policy: FailurePolicy,
    /// `RATE_LIMIT_FAIL_OPEN_PER_MINUTE` (60, 0..=100000): with the `open` policy, at most this
    /// many calls a minute per container are admitted while DynamoDB does not answer; past it
    /// they are rejected, so an outage cannot become unlimited traffic.
    pub fail_open_per_minute: u32,
    /// `RATE_LIMIT_LEASE_SIZE` (10, 1..=1000): the most tokens a container leases from one shared
    /// bucket in one conditional write, and then spends locally with no round trip. A lease never
    /// exceeds a quarter of the limit's burst (at least 1), and starts at 1 for a key a container
    /// has not served recently (it doubles while leases run out before they expire). `1` restores
    /// one write per limit per call.
    pub lease_size: u32,
    /// `RATE_LIMIT_LEASE_MS` (1000, 0..=60000): how long leased tokens stay usable. Tokens a
    /// container has not spent by then are dropped (never handed back), so at most
    /// `containers × lease size` tokens of a key are withheld from other containers at any moment,
    /// each for at most this long.
    pub lease_lifetime: Duration,
}

impl RateLimitConfig {
    /// Reads the settings; `Ok(None)` when `RATE_LIMIT_TABLE` is unset (rate limiting off). Every
    /// problem is reported as `(setting, message)`.
    pub fn from_lookup(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, Vec<(&'static str, String)>> {
        let get = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(table) = get("RATE_LIMIT_TABLE") else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        let mut number = |name: &'static str, default: f64, min: f64, max: f64| match get(name) {
            None => default,
            Some(raw) => match raw.parse::<f64>() {
                Ok(v) if v.is_finite() && (min..=max).contains(&v) => v,
                _ => {
                    problems.push((
                        name,
                        format!("must be a number from {min} to {max} (got `{raw}`)"),
                    ));
                    default
                }
            },
        };
        let user = Limit {
            rate: number("RATE_LIMIT_USER_RPS", 10.0, 0.001, 100_000.0),
            burst: number("RATE_LIMIT_USER_BURST", 20.0, 1.0, 1_000_000.0) as u32,
        };
        let client = Limit {
            rate: number("RATE_LIMIT_CLIENT_RPS", 50.0, 0.001, 100_000.0),
            burst: number("RATE_LIMIT_CLIENT_BURST", 100.0, 1.0, 1_000_000.0) as u32,
        };
        let global = Limit {
            rate: number("RATE_LIMIT_GLOBAL_RPS", 500.0, 0.001, 1_000_000.0),
            burst: number("RATE_LIMIT_GLOBAL_BURST", 1000.0, 1.0, 10_000_000.0) as u32,
        };
        let global_shards = number("RATE_LIMIT_GLOBAL_SHARDS", 4.0, 1.0, 256.0) as u32;
        let timeout =
            Duration::from_millis(number("RATE_LIMIT_TIMEOUT_MS", 200.0, 10.0, 5000.0) as u64);
        let fail_open_per_minute =
            number("RATE_LIMIT_FAIL_OPEN_PER_MINUTE", 60.0, 0.0, 100_000.0) as u32;
        let lease_size = number("RATE_LIMIT_LEASE_SIZE", 10.0, 1.0, 1000.0) as u32;
        let lease_lifetime =
            Duration::from_millis(number("RATE_LIMIT_LEASE_MS", 1000.0, 0.0, 60_000.0) as u64);
        let failure_policy = match get("RATE_LIMIT_FAILURE_POLICY").as_deref() {
            None | Some("open") => FailurePolicy::Open,
            Some("closed") => FailurePolicy::Closed,
            Some(other) => {
                problems.push((
                    "RATE_LIMIT_FAILURE_POLICY",
                    format!("must be open or closed (got `{other}`)"),
                ));
                FailurePolicy::Open
            }
        };
        if problems.is_empty() {
            Ok(Some(Self {
                table,
                user,
                client,
                global,
                global_shards,
                timeout,
                failure_policy,
                fail_open_per_minute,
                lease_size,
                lease_lifetime,
            }))
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_policy_and_problems_are_named() {
        assert_eq!(RateLimitConfig::from_lookup(&|_| None), Ok(None));
        let config =
            RateLimitConfig::from_lookup(&|k| (k == "RATE_LIMIT_TABLE").then(|| "t".to_owned()))
                .unwrap()
                .unwrap();
        assert_eq!(
            config.user,
            Limit {
                rate: 10.0,
                burst: 20
            }
        );
        assert_eq!(config.failure_policy, FailurePolicy::Open);
        assert_eq!(config.fail_open_per_minute, 60);
        assert_eq!(config.lease_size, 10);
        assert_eq!(config.lease_lifetime, Duration::from_secs(1));
        let problems = RateLimitConfig::from_lookup(&|k| match k {
            "RATE_LIMIT_TABLE" => Some("t".into()),
            "RATE_LIMIT_USER_RPS" => Some("fast".into()),
            "RATE_LIMIT_FAILURE_POLICY" => Some("maybe".into()),
            "RATE_LIMIT_LEASE_SIZE" => Some("0".into()),
            _ => None,
        })
        .unwrap_err();
        let names: Vec<_> = problems.iter().map(|p| p.0).collect();
        assert_eq!(
            names,
            [
                "RATE_LIMIT_USER_RPS",
                "RATE_LIMIT_LEASE_SIZE",
                "RATE_LIMIT_FAILURE_POLICY"
            ]
        );
    }
}
