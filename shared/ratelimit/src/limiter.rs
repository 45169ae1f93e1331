//! The limiter: up to three limits per call, taken in order, under a deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::decision::{Decision, LimitKind};
use sha2::{Digest, Sha256};

use crate::dynamo::{DynamoStore, StoreError, Take};
use crate::{FailurePolicy, Gcra, Limit, RateLimitConfig};

/// Where time comes from; tests control it.
pub trait Clock: Send + Sync {
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }
}

/// Checks calls against the configured limits.
pub struct RateLimiter {
    store: DynamoStore,
    config: RateLimitConfig,
    clock: Box<dyn Clock>,
    bypassed: AtomicU64,
    fail_open: FailOpenBudget,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One limit to take a slot from.
struct Check {
    kind: LimitKind,
    key: String,
    gcra: Gcra,
}

/// How a check ended when the store did not give a verdict.
enum Failure {
    Refused(String),
    Unavailable(String),
}

impl RateLimiter {
    /// A limiter over `client` with `config`.
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        config: RateLimitConfig,
        clock: Box<dyn Clock>,
    ) -> Self {
        Self {
            store: DynamoStore::new(client, config.table.clone()),
            fail_open: FailOpenBudget::new(config.fail_open_per_minute),
            config,
            clock,
            bypassed: AtomicU64::new(0),
        }
    }

    /// Calls admitted because DynamoDB failed and the policy is fail-open, since cold start.
    pub fn bypassed(&self) -> u64 {
        self.bypassed.load(Ordering::Relaxed)
    }

    /// The partition key of a principal's limit: a SHA-256 of the `sub`, so keys have a fixed
    /// size whatever the identity provider puts in the claim, and hold no identifiers.
    pub fn user_key(subject: &str) -> String {
        format!("user#{}", hex_sha256(subject))
    }

    /// The partition key of an OAuth client's limit (SHA-256 of the client id).
    pub fn client_key(client_id: &str) -> String {
        format!("client#{}", hex_sha256(client_id))
    }

    /// Opens the connection to the table with one read of a key no limit uses, so the first
    /// call's check does not pay for DNS, TCP and TLS. Failures are logged, never fatal: the
    /// check path has its own failure policy.
    pub async fn warm(&self) {
        let read = tokio::time::timeout(self.config.timeout, self.store.warm());
        match read.await {
            Ok(Ok(())) => tracing::debug!("rate-limit table connection warmed"),
            Ok(Err(err)) => tracing::warn!(error = %err, "could not warm the rate-limit table"),
            Err(_) => tracing::warn!("warming the rate-limit table timed out"),
        }
    }

    /// Checks one call by `subject` through `client_id`.
    ///
    /// The limits are taken one after another, user first, then client, then global: a call the
    /// user limit rejects never touches the client's or the service's budget, so one abusive
    /// token cannot push other users into rejections. A call a later limit rejects gives back
    /// what the earlier ones took.
    pub async fn check(&self, subject: &str, client_id: Option<&str>) -> Decision {
        let now = self.clock.now_ms();
        let checks = self.checks(subject, client_id);
        match tokio::time::timeout(self.config.timeout, self.take_all(&checks, now)).await {
            Ok(Ok(decision)) => decision,
            Ok(Err(Failure::Refused(why))) => self.refused(&why),
            Ok(Err(Failure::Unavailable(why))) => self.unavailable(&why, now),
            Err(_) => self.unavailable("timed out", now),
        }
    }

    fn checks(&self, subject: &str, client_id: Option<&str>) -> Vec<Check> {
        let shards = self.config.global_shards.max(1);
        let shard = if shards > 1 {
            rand::random_range(0..shards)
        } else {
            0
        };
        let global = Limit {
            rate: self.config.global.rate / f64::from(shards),
            burst: (f64::from(self.config.global.burst) / f64::from(shards))
                .ceil()
                .max(1.0) as u32,
        };
        let mut checks = vec![Check {
            kind: LimitKind::User,
            key: Self::user_key(subject),
            gcra: Gcra::new(self.config.user),
        }];
        if let Some(client) = client_id {
            checks.push(Check {
                kind: LimitKind::Client,
                key: Self::client_key(client),
                gcra: Gcra::new(self.config.client),
            });
        }
        checks.push(Check {
            kind: LimitKind::Global,
            key: format!("global#{shard}"),
            gcra: Gcra::new(global),
        });
        checks
    }

    async fn take_all(&self, checks: &[Check], now: u64) -> Result<Decision, Failure> {
        let mut most_constrained: Option<Decision> = None;
        let mut fewest = u32::MAX;
        for (taken, check) in checks.iter().enumerate() {
            let outcome = match self.store.take(&check.key, check.gcra, now).await {
                Ok(outcome) => outcome,
                Err(err) => {
                    self.refund(&checks[..taken], now).await;
                    return Err(match err {
                        StoreError::Refused(why) => Failure::Refused(why),
                        StoreError::Unavailable(why) => Failure::Unavailable(why),
                    });
                }
            };
            match outcome {
                Take::Rejected(tat) => {
                    self.refund(&checks[..taken], now).await;
                    return Ok(Decision::Limited {
                        policy: check.kind,
                        quota: check.gcra.burst,
                        window: check.gcra.window_seconds(),
                        retry_after: check.gcra.wait_ms(tat, now).div_ceil(1000).max(1),
                        unavailable: false,
                    });
                }
                Take::Admitted(tat) => {
                    let remaining = check.gcra.remaining(tat, now);
                    if remaining < fewest {
                        fewest = remaining;
                        most_constrained = Some(Decision::Allowed {
                            policy: check.kind,
                            quota: check.gcra.burst,
                            window: check.gcra.window_seconds(),
                            remaining,
                            reset: tat.saturating_sub(now).div_ceil(1000),
                            bypassed: false,
                        });
                    }
                }
            }
        }
        Ok(most_constrained.unwrap_or_else(|| self.refused("no limit was checked")))
    }

    /// Best effort: a refund that fails leaves the limit stricter than it should be, never looser.
    async fn refund(&self, taken: &[Check], now: u64) {
        for check in taken {
            if let Err(err) = self.store.refund(&check.key, check.gcra, now).await {
                tracing::debug!(error = %err, limit = check.kind.as_str(), "refund failed");
            }
        }
    }

    /// DynamoDB refused the request: it would refuse the next one too, so admitting would turn
    /// limiting off. Rejected whatever the failure policy says.
    fn refused(&self, why: &str) -> Decision {
        tracing::error!(
            reason = why,
            "rate-limit table refused the request; rejecting (fail-closed)"
        );
        self.limiter_down()
    }

    fn unavailable(&self, why: &str, now: u64) -> Decision {
        let user = Gcra::new(self.config.user);
        if self.config.failure_policy == FailurePolicy::Open && self.fail_open.spend(now) {
            let total = self.bypassed.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(
                reason = why,
                bypassed_total = total,
                "rate limiter unavailable; admitting (fail-open)"
            );
            return Decision::Allowed {
                policy: LimitKind::User,
                quota: user.burst,
                window: user.window_seconds(),
                remaining: 0,
                reset: 0,
                bypassed: true,
            };
        }
        tracing::warn!(
            reason = why,
            "rate limiter unavailable; rejecting (fail-closed, or the fail-open budget is spent)"
        );
        self.limiter_down()
    }

    fn limiter_down(&self) -> Decision {
        let user = Gcra::new(self.config.user);
        Decision::Limited {
            policy: LimitKind::User,
            quota: user.burst,
            window: user.window_seconds(),
            retry_after: 1,
            unavailable: true,
        }
    }
}

/// At most `per_minute` fail-open admissions per container in any one-minute window.
struct FailOpenBudget {
    per_minute: u32,
    window: Mutex<(u64, u32)>,
}

impl FailOpenBudget {
    fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            window: Mutex::new((0, 0)),
        }
    }

    /// Spends one admission at `now` (ms); false when this minute's budget is gone.
    fn spend(&self, now: u64) -> bool {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let minute = now / 60_000;
        if window.0 != minute {
            *window = (minute, 0);
        }
        if window.1 >= self.per_minute {
            return false;
        }
        window.1 += 1;
        true
    }
}

fn hex_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_size_hashes() {
        let long = "c".repeat(3000);
        let key = RateLimiter::client_key(&long);
        assert_eq!(key.len(), "client#".len() + 64);
        assert!(!key.contains("ccc"));
        assert_eq!(
            RateLimiter::user_key("alice"),
            "user#2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90"
        );
    }

    #[test]
    fn the_fail_open_budget_resets_each_minute() {
        let budget = FailOpenBudget::new(2);
        assert!(budget.spend(60_000));
        assert!(budget.spend(60_500));
        assert!(!budget.spend(119_999));
        assert!(budget.spend(120_000));
        assert!(!FailOpenBudget::new(0).spend(0));
    }
}
