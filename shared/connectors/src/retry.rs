//! One retry policy for every upstream call: which failures to retry (classification lives with
//! each API's error mapping) and how long to wait (here).
//!
//! At most [`MAX_RETRIES`] retries; the wait is the upstream's `Retry-After` when it sent one,
//! otherwise capped exponential backoff with full jitter; and never a wait that would end past the
//! caller's deadline: then the last error is returned at once, so the orchestration can report it.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::SourceError;

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 2;
/// The first backoff ceiling; doubled per attempt.
const BASE: Duration = Duration::from_millis(250);
/// The largest backoff ceiling.
const CAP: Duration = Duration::from_secs(4);

/// A failure with the wait the upstream asked for.
#[derive(Debug)]
pub struct Failure {
    /// The classified error.
    pub error: SourceError,
    /// `Retry-After`, when sent.
    pub retry_after: Option<Duration>,
}

impl From<SourceError> for Failure {
    fn from(error: SourceError) -> Self {
        let retry_after = match &error {
            SourceError::RateLimited { retry_after } => *retry_after,
            _ => None,
        };
        Self { error, retry_after }
    }
}

/// The wait before retry number `attempt` (1-based): full jitter over `min(CAP, BASE * 2^attempt)`.
pub fn backoff(attempt: u32) -> Duration {
    jittered(attempt, rand::random::<f64>())
}

/// The wait for `attempt` at `fraction` (in `[0, 1)`) of its ceiling.
fn jittered(attempt: u32, fraction: f64) -> Duration {
    let ceiling = BASE.saturating_mul(1 << attempt.min(8)).min(CAP);
    ceiling.mul_f64(fraction.clamp(0.0, 1.0))
}

/// Runs `call` until it succeeds, fails with something not retryable, runs out of retries, or the
/// next wait would pass `deadline`.
pub async fn with_retries<T, F, Fut>(deadline: Instant, mut call: F) -> Result<T, SourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut attempt = 0;
    loop {
        let failure = match call().await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        attempt += 1;
        if !failure.error.is_retryable() || attempt > MAX_RETRIES {
            return Err(failure.error);
        }
        let wait = failure.retry_after.unwrap_or_else(|| backoff(attempt));
        if Instant::now() + wait >= deadline {
            return Err(failure.error);
        }
        tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %failure.error, "retrying upstream call");
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn throttled(after: u64) -> Failure {
        SourceError::RateLimited {
            retry_after: Some(Duration::from_secs(after)),
        }
        .into()
    }

    #[tokio::test(start_paused = true)]
    async fn retries_twice_honouring_retry_after() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let result: Result<(), _> = with_retries(started + Duration::from_secs(30), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(throttled(3))
        })
        .await;
        assert!(matches!(result, Err(SourceError::RateLimited { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(started.elapsed(), Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn never_waits_past_the_deadline() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let result: Result<(), _> = with_retries(started + Duration::from_secs(5), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(throttled(10))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn succeeds_after_a_server_error_and_skips_what_is_not_retryable() {
        let calls = AtomicU32::new(0);
        let result = with_retries(Instant::now() + Duration::from_secs(30), || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(Failure::from(SourceError::Upstream {
                    status: Some(503),
                    message: "busy".into(),
                    retryable: true,
                })),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(result, Ok(7));

        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            with_retries(Instant::now() + Duration::from_secs(30), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure::from(SourceError::NotFound))
            })
            .await;
        assert_eq!(result, Err(SourceError::NotFound));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn backoff_doubles_per_attempt_up_to_the_cap() {
        assert_eq!(jittered(1, 1.0), Duration::from_millis(500));
        assert_eq!(jittered(2, 1.0), Duration::from_millis(1000));
        assert_eq!(jittered(3, 0.5), Duration::from_millis(1000));
        assert_eq!(jittered(5, 1.0), CAP);
        assert_eq!(jittered(30, 1.0), CAP);
        assert_eq!(jittered(2, 0.0), Duration::ZERO);
    }

    #[test]
    fn backoff_is_jittered_under_the_cap() {
        let waits: std::collections::HashSet<Duration> = (0..64).map(|_| backoff(3)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(2)));
        // Full jitter spreads retries: 64 draws of a continuous fraction are never all equal.
        assert!(waits.len() > 1, "{waits:?}");
        for attempt in 1..20 {
            assert!(backoff(attempt) <= CAP);
        }
    }
}
