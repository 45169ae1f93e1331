//! The limiter: three limits per call, checked concurrently, under a deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::decision::{Decision, LimitKind};
use crate::dynamo::{DynamoStore, Take};
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
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
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
            config,
            clock,
            bypassed: AtomicU64::new(0),
        }
    }

    /// Calls admitted because DynamoDB failed and the policy is fail-open, since cold start.
    pub fn bypassed(&self) -> u64 {
        self.bypassed.load(Ordering::Relaxed)
    }

    /// Checks one call by `subject` through `client_id`.
    pub async fn check(&self, subject: &str, client_id: Option<&str>) -> Decision {
        let now = self.clock.now_ms();
        let shard = if self.config.global_shards > 1 {
            rand::random_range(0..self.config.global_shards)
        } else {
            0
        };
        let shards = f64::from(self.config.global_shards);
        let global = Limit {
            rate: self.config.global.rate / shards,
            burst: (f64::from(self.config.global.burst) / shards)
                .ceil()
                .max(1.0) as u32,
        };
        let mut checks = vec![(LimitKind::User, format!("user#{subject}"), self.config.user)];
        if let Some(client) = client_id {
            checks.push((
                LimitKind::Client,
                format!("client#{client}"),
                self.config.client,
            ));
        }
        checks.push((LimitKind::Global, format!("global#{shard}"), global));

        let work = futures::future::join_all(checks.iter().map(|(kind, key, limit)| async move {
            let gcra = Gcra::new(*limit);
            (*kind, gcra, self.store.take(key, gcra, now).await)
        }));
        let Ok(outcomes) = tokio::time::timeout(self.config.timeout, work).await else {
            return self.unavailable("timed out");
        };

        let mut most_constrained: Option<Decision> = None;
        let mut fewest = u32::MAX;
        for (kind, gcra, outcome) in outcomes {
            match outcome {
                Err(err) => return self.unavailable(&err.to_string()),
                Ok(Take::Rejected(tat)) => {
                    let retry_after = gcra.wait_ms(tat, now).div_ceil(1000).max(1);
                    let decision = Decision::Limited {
                        policy: kind,
                        quota: gcra.burst,
                        window: gcra.window_seconds(),
                        retry_after,
                        unavailable: false,
                    };
                    // Report the longest wait among the limits that rejected.
                    match &most_constrained {
                        Some(Decision::Limited {
                            retry_after: prev, ..
                        }) if *prev >= retry_after => {}
                        _ => most_constrained = Some(decision),
                    }
                }
                Ok(Take::Admitted(tat)) => {
                    if matches!(most_constrained, Some(Decision::Limited { .. })) {
                        continue;
                    }
                    let remaining = gcra.remaining(tat, now);
                    if remaining < fewest {
                        fewest = remaining;
                        let reset = tat.saturating_sub(now).div_ceil(1000);
                        most_constrained = Some(Decision::Allowed {
                            policy: kind,
                            quota: gcra.burst,
                            window: gcra.window_seconds(),
                            remaining,
                            reset,
                            bypassed: false,
                        });
                    }
                }
            }
        }
        most_constrained.unwrap_or_else(|| self.unavailable("no limit was checked"))
    }

    fn unavailable(&self, why: &str) -> Decision {
        let user = Gcra::new(self.config.user);
        match self.config.failure_policy {
            FailurePolicy::Open => {
                let total = self.bypassed.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(
                    reason = why,
                    bypassed_total = total,
                    "rate limiter unavailable; admitting (fail-open)"
                );
                Decision::Allowed {
                    policy: LimitKind::User,
                    quota: user.burst,
                    window: user.window_seconds(),
                    remaining: 0,
                    reset: 0,
                    bypassed: true,
                }
            }
            FailurePolicy::Closed => {
                tracing::warn!(
                    reason = why,
                    "rate limiter unavailable; rejecting (fail-closed)"
                );
                Decision::Limited {
                    policy: LimitKind::User,
                    quota: user.burst,
                    window: user.window_seconds(),
                    retry_after: 1,
                    unavailable: true,
                }
            }
        }
    }
}
