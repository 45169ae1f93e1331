//! Rate limits in DynamoDB, exact under concurrency.
//!
//! Three limits apply to every call: per principal (`sub`), per OAuth client (`azp`), and global.
//! Each is GCRA (the generic cell rate algorithm, equivalent to a token bucket): a sustained rate
//! plus a burst. The state of one limit is one item holding its *theoretical arrival time* (TAT);
//! a call is admitted by a single conditional `UpdateItem` that advances the TAT only if the limit
//! allows it, so concurrent Lambdas can never admit more than the limit. Items carry `expires_at`
//! for DynamoDB TTL clean-up.
//!
//! # Leases keep DynamoDB off the critical path
//! A container does not write once per call: it leases a small batch of tokens of each key in one
//! such conditional write and admits calls locally until the lease is spent or expires
//! (`RATE_LIMIT_LEASE_SIZE`, `RATE_LIMIT_LEASE_MS`). Tokens leave the shared bucket before they
//! are spent, so the limit still holds across containers; unspent tokens are withheld from other
//! containers — at most `containers × lease size` per key, each for at most the lease lifetime.
//! See [`lease`] for the bound, the adaptive lease size and why refills happen on exhaustion.
//!
//! # The global limit is sharded
//! One DynamoDB partition accepts about 1,000 write units per second (AWS's documented
//! per-partition limit), and every lease (or refused lease) writes its key. A single global key
//! would cap the whole service at ~1,000 calls/s and turn into a hot partition long before. The
//! global limit is therefore split over `N` keys (`global#0` … `global#N-1`); each call picks one
//! at random, and each shard enforces `rate / N` with a burst of `burst / N`. Size `N` so that
//! `peak calls per second / N` stays well under 1,000 (say under 500, leaving room for retries):
//! for a peak of 2,000 calls/s, `N = 4` or more (leases divide the writes by up to the lease
//! size, which leaves more headroom). Random assignment makes the global limit
//! approximate at small `N` (a shard may reject while another has room); the per-user and
//! per-client limits, one key each, are exact.
//!
//! # When DynamoDB is slow or failing
//! Each check has a deadline (`RATE_LIMIT_TIMEOUT_MS`, default 200 ms), within which the SDK's own
//! retries absorb DynamoDB throttling. Past it, or on an error, `RATE_LIMIT_FAILURE_POLICY` decides:
//! `open` (default) admits the call, logs a warning and counts it; `closed` rejects it.

mod clock;
mod config;
mod decision;
mod dynamo;
mod fail_open;
mod gcra;
pub mod lease;
mod limiter;

pub use clock::{Clock, SystemClock};
pub use config::{FailurePolicy, Limit, RateLimitConfig};
pub use decision::{Decision, LimitKind};
pub use dynamo::{DynamoStore, Grant, StoreError, Take};
pub use gcra::Gcra;
pub use limiter::{CostExceedsBurst, RateLimiter};
