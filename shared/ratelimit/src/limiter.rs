//! The limiter: up to three limits per call, the user's first, under a deadline.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::decision::{Decision, LimitKind};
use crate::dynamo::{DynamoStore, StoreError};
use crate::fail_open::FailOpenBudget;
use crate::lease::{Acquired, Leases};
use crate::{FailurePolicy, Gcra, Limit, RateLimitConfig};

/// Checks calls against the configured limits.
pub struct RateLimiter {
    store: DynamoStore,
    config: RateLimitConfig,
    clock: Box<dyn Clock>,
    bypassed: AtomicU64,
    fail_open: FailOpenBudget,
    leases: Leases,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A charge no limit could ever admit: more tokens than a limit's burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this call costs {cost} rate-limit tokens, more than the {} limit's burst of {burst}", policy.as_str())]
pub struct CostExceedsBurst {
    /// The tokens the call would take.
    pub cost: u32,
    /// The limit it can never fit.
    pub policy: LimitKind,
    /// That limit's burst.
    pub burst: u32,
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
            leases: Leases::new(
                config.lease_size,
                u64::try_from(config.lease_lifetime.as_millis()).unwrap_or(u64::MAX),
            ),
            config,
            clock,
            bypassed: AtomicU64::new(0),
        }
    }

    /// Conditional writes sent to the table since cold start (leases, including refused ones):
    /// with leasing, far fewer than calls.
    pub fn writes(&self) -> u64 {
        self.store.writes()
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
    /// The user's limit is taken first, then the client's and the global one at once: a call the
    /// user limit rejects never touches the client's or the service's budget, so one abusive
    /// token cannot push other users into rejections. When several refuse, the first in that
    /// order (user, client, global) is the one reported; a call any limit rejects gives back what
    /// the others took.
    ///
    /// Each limit is taken from this container's lease of it (see [`crate::lease`]): most calls
    /// spend only local tokens and wait for no write; the call that finds a lease empty takes the
    /// next one in one conditional write. Never more calls are admitted, across containers, than
    /// the shared buckets gave out.
    pub async fn check(&self, subject: &str, client_id: Option<&str>) -> Decision {
        self.check_under(None, subject, client_id).await
    }

    /// [`Self::check`] under `user` instead of the configured per-user limit when it is given
    /// (an organisation's own limit).
    pub async fn check_under(
        &self,
        user: Option<Limit>,
        subject: &str,
        client_id: Option<&str>,
    ) -> Decision {
        // One token never exceeds a burst (bursts are at least 1).
        self.charge_under(user, subject, client_id, 1)
            .await
            .unwrap_or_else(|_| self.limiter_down())
    }

    /// Charges `cost` tokens at once to each limit (a call that may do `cost` times the work of
    /// the cheapest one), atomically: all of them or none, per limit, and a later limit's refusal
    /// gives back what the earlier ones took. A charge larger than a limit's burst could never
    /// be admitted, however long the caller waits: it is refused at once with
    /// [`CostExceedsBurst`] instead of a `Retry-After` that would be a lie.
    pub async fn charge(
        &self,
        subject: &str,
        client_id: Option<&str>,
        cost: u32,
    ) -> Result<Decision, CostExceedsBurst> {
        self.charge_under(None, subject, client_id, cost).await
    }

    /// [`Self::charge`] under `user` instead of the configured per-user limit when it is given.
    pub async fn charge_under(
        &self,
        user: Option<Limit>,
        subject: &str,
        client_id: Option<&str>,
        cost: u32,
    ) -> Result<Decision, CostExceedsBurst> {
        let cost = cost.max(1);
        let now = self.clock.now_ms();
        let checks = self.checks(user, subject, client_id);
        fits(&checks, cost)?;
        Ok(self.decide(&checks, now, cost).await)
    }

    /// Whether a call costing `cost` tokens in all (made through `client_id`) can ever be
    /// admitted: every limit's burst holds it. A caller charging a call in parts (admission, then
    /// the rest) asks this with the whole cost first, or the parts could each fit while the whole
    /// never does.
    pub fn fits(&self, client_id: Option<&str>, cost: u32) -> Result<(), CostExceedsBurst> {
        self.fits_under(None, client_id, cost)
    }

    /// [`Self::fits`] under `user` instead of the configured per-user limit when it is given.
    pub fn fits_under(
        &self,
        user: Option<Limit>,
        client_id: Option<&str>,
        cost: u32,
    ) -> Result<(), CostExceedsBurst> {
        fits(&self.checks(user, "", client_id), cost.max(1))
    }

    /// The largest charge every limit can admit at all: the smallest burst (the global one per
    /// shard). Cold start compares it with the most expensive call.
    pub fn max_cost(&self) -> u32 {
        self.checks(None, "", Some(""))
            .iter()
            .map(|c| c.gcra.burst)
            .min()
            .unwrap_or(1)
    }

    async fn decide(&self, checks: &[Check], now: u64, cost: u32) -> Decision {
        match tokio::time::timeout(self.config.timeout, self.take_all(checks, now, cost)).await {
            Ok(Ok(decision)) => decision,
            Ok(Err(Failure::Refused(why))) => self.refused(&why),
            Ok(Err(Failure::Unavailable(why))) => self.unavailable(&why, now),
            Err(_) => self.unavailable("timed out", now),
        }
    }

    fn checks(&self, user: Option<Limit>, subject: &str, client_id: Option<&str>) -> Vec<Check> {
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
            gcra: Gcra::new(user.unwrap_or(self.config.user)),
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

    /// Takes the user's limit, then the others at once: a call the user's limit rejects touches
    /// nothing else, and a container's first call waits for two lease writes, not three.
    async fn take_all(&self, checks: &[Check], now: u64, cost: u32) -> Result<Decision, Failure> {
        let Some((user, rest)) = checks.split_first() else {
            return Ok(self.refused("no limit was checked"));
        };
        let first = self.take(user, now, cost).await;
        let mut outcomes = vec![first];
        if matches!(outcomes[0], Ok(Acquired::Admitted { .. })) {
            outcomes.extend(
                futures::future::join_all(rest.iter().map(|check| self.take(check, now, cost)))
                    .await,
            );
        }
        // Every limit that admitted the call, with the lease generation its tokens came from.
        let held: Vec<(&Check, u64)> = checks
            .iter()
            .zip(&outcomes)
            .filter_map(|(check, outcome)| match outcome {
                Ok(Acquired::Admitted { generation, .. }) => Some((check, *generation)),
                _ => None,
            })
            .collect();
        // The first limit in order that failed or refused decides, as if they had been taken one
        // after another; what the others took goes back.
        for (check, outcome) in checks.iter().zip(&outcomes) {
            let failure = match outcome {
                Ok(Acquired::Admitted { .. }) => continue,
                Ok(Acquired::Rejected(tat)) => Ok(Decision::Limited {
                    policy: check.kind,
                    quota: check.gcra.burst,
                    window: check.gcra.window_seconds(),
                    retry_after: check
                        .gcra
                        .wait_ms_for(*tat, now, cost)
                        .div_ceil(1000)
                        .max(1),
                    unavailable: false,
                }),
                Err(StoreError::Refused(why)) => Err(Failure::Refused(why.clone())),
                Err(StoreError::Unavailable(why)) => Err(Failure::Unavailable(why.clone())),
            };
            self.give_back(&held, now, cost).await;
            return failure;
        }
        // Admitted by all: report the limit with the fewest tokens left.
        let tightest = checks
            .iter()
            .zip(&outcomes)
            .filter_map(|(check, outcome)| match outcome {
                Ok(Acquired::Admitted {
                    remaining,
                    reset_ms,
                    ..
                }) => Some((check, *remaining, *reset_ms)),
                _ => None,
            })
            .min_by_key(|(_, remaining, _)| *remaining);
        Ok(match tightest {
            Some((check, remaining, reset_ms)) => Decision::Allowed {
                policy: check.kind,
                quota: check.gcra.burst,
                window: check.gcra.window_seconds(),
                remaining,
                reset: reset_ms.div_ceil(1000),
                bypassed: false,
            },
            None => self.refused("no limit was checked"),
        })
    }

    async fn take(&self, check: &Check, now: u64, cost: u32) -> Result<Acquired, StoreError> {
        self.leases
            .acquire(&self.store, &check.key, check.gcra, now, cost)
            .await
    }

    /// Returns the tokens the `held` limits spent to their leases: local, no write.
    async fn give_back(&self, held: &[(&Check, u64)], now: u64, cost: u32) {
        for (check, generation) in held {
            self.leases
                .give_back(&check.key, *generation, now, cost)
                .await;
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

/// The first limit among `checks` whose burst is smaller than `cost`, as an error.
fn fits(checks: &[Check], cost: u32) -> Result<(), CostExceedsBurst> {
    match checks.iter().find(|c| cost > c.gcra.burst) {
        Some(check) => Err(CostExceedsBurst {
            cost,
            policy: check.kind,
            burst: check.gcra.burst,
        }),
        None => Ok(()),
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
}
