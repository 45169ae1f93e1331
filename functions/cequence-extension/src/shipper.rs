//! Flushing: batches leave the buffer in order and go to the receiver within a budget; what does
//! not fit waits for a later flush. Failures open a circuit breaker, so while the receiver is down
//! an INVOKE costs nothing; a batch that was not accepted goes back to the front of the buffer,
//! so an outage shorter than the buffer's capacity loses nothing.
//!
//! A 3xx is a failed delivery (redirects are not followed, see `sink`), dropped and counted like a
//! refusal.
//!
//! Delivery is exactly once for refusals (429, 502, 503, 504, 401, 403) and for an unreachable
//! receiver: the batch was not taken. After a *timeout* the receiver may have taken the batch; it
//! is sent again (at least once) and every log record carries `log.record.uid` = the request id so
//! the receiver can drop the duplicate.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::buffer::{Buffer, Drops};
use crate::config::Config;
use crate::key::ApiKey;
use crate::otlp;
use crate::sink::{SendError, Transport};
use crate::telemetry::Parsed;

/// The first backoff ceiling between attempts within one flush, doubled per attempt.
const BACKOFF_BASE: Duration = Duration::from_millis(50);
/// How long the breaker first stays open; doubled per failed flush up to `breaker_max`.
const BREAKER_BASE: Duration = Duration::from_secs(1);

/// Why a flush runs; it decides the breaker and which records are ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// On INVOKE or when a full batch waits: skipped while the breaker is open.
    Routine,
    /// On SHUTDOWN: the last chance, so it ignores the breaker and ships records still waiting
    /// for their report.
    Shutdown,
}

/// Flushes that failed in a row, and until when the next routine flush is skipped.
#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

/// Owns the buffer and the transport.
pub(crate) struct Shipper {
    pub(crate) buffer: Mutex<Buffer>,
    /// Drops already published as the `ExtensionDroppedRecords` metric.
    published: Mutex<u64>,
    transport: Arc<dyn Transport>,
    key: Arc<ApiKey>,
    config: Config,
    resource: Map<String, Value>,
    flushing: Mutex<()>,
    breaker: std::sync::Mutex<Breaker>,
}

impl Shipper {
    pub(crate) fn new(
        config: Config,
        transport: Arc<dyn Transport>,
        key: Arc<ApiKey>,
        resource: Map<String, Value>,
    ) -> Arc<Self> {
        Arc::new(Self {
            buffer: Mutex::new(Buffer::new(config.max_records, config.max_bytes)),
            transport,
            key,
            config,
            resource,
            flushing: Mutex::new(()),
            published: Mutex::new(0),
            breaker: std::sync::Mutex::new(Breaker::default()),
        })
    }

    /// Takes in one telemetry batch. Never ships: it only queues, so the Telemetry API push is
    /// answered at once. Returns whether a full batch is waiting (then the caller may flush early).
    pub(crate) async fn ingest(&self, parsed: Parsed) -> bool {
        let now = Instant::now();
        let mut buffer = self.buffer.lock().await;
        buffer.drops.malformed += parsed.malformed as u64;
        buffer.drops.telemetry_api += parsed.lambda_dropped;
        buffer.drops_ever += parsed.malformed as u64 + parsed.lambda_dropped;
        for record in parsed.invocations {
            buffer.push(record, now);
        }
        for report in parsed.reports {
            buffer.attach(report);
        }
        buffer.len() >= self.config.batch_records
    }

    /// Whether a routine flush would be skipped now.
    pub(crate) fn breaker_open(&self) -> bool {
        let breaker = self
            .breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        breaker.open_until.is_some_and(|t| Instant::now() < t)
    }

    fn record_success(&self) {
        *self
            .breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Breaker::default();
    }

    fn record_failure(&self, retry_after: Option<Duration>) {
        let mut breaker = self
            .breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        breaker.failures = breaker.failures.saturating_add(1);
        let backoff = BREAKER_BASE.saturating_mul(1 << (breaker.failures - 1).min(16));
        let wait = backoff
            .max(retry_after.unwrap_or_default())
            .min(self.config.breaker_max);
        breaker.open_until = Some(Instant::now() + wait);
    }

    /// Ships what is ready until the buffer is drained or `deadline` passes; never later.
    pub(crate) async fn flush(&self, deadline: Instant, mode: Mode) {
        self.publish_drop_metric().await;
        if mode == Mode::Routine && (self.breaker_open() || !self.key.is_loaded()) {
            // The receiver failed recently, or the key is still loading: records wait.
            return;
        }
        // One flush at a time; a flush already running ends by its own (short) deadline, and the
        // shutdown flush waits for it no longer than its own.
        let Ok(_one_flush_at_a_time) =
            tokio::time::timeout_at(deadline, self.flushing.lock()).await
        else {
            return;
        };
        loop {
            let (batch, drops) = {
                let mut buffer = self.buffer.lock().await;
                buffer.expire(Instant::now(), self.config.max_age);
                let batch = buffer.take(
                    self.config.batch_records,
                    Instant::now(),
                    self.config.report_wait,
                    mode == Mode::Shutdown,
                );
                (batch, buffer.drops.clone())
            };
            if batch.is_empty() && drops.total() == 0 {
                return;
            }
            let body = otlp::encode(
                &batch,
                &drops,
                &self.resource,
                time::OffsetDateTime::now_utc(),
            );
            match self.send_with_retries(&body, deadline).await {
                Ok(()) => {
                    self.record_success();
                    let mut buffer = self.buffer.lock().await;
                    if drops.total() > 0 {
                        tracing::warn!(
                            dropped = drops.total(),
                            buffer_full = drops.buffer_full,
                            rejected = drops.rejected,
                            expired = drops.expired,
                            malformed = drops.malformed,
                            telemetry_api = drops.telemetry_api,
                            "records were dropped; reported to the receiver"
                        );
                        subtract(&mut buffer.drops, &drops);
                    }
                    if batch.is_empty() {
                        return;
                    }
                }
                Err(SendError::Rejected(status) | SendError::Redirected(status)) => {
                    // The receiver answered, so it is up: the breaker stays closed.
                    let mut buffer = self.buffer.lock().await;
                    buffer.drops.rejected += batch.len() as u64;
                    buffer.drops_ever += batch.len() as u64;
                    tracing::warn!(
                        status,
                        records = batch.len(),
                        "the receiver refused a batch; dropped and counted"
                    );
                    if batch.is_empty() {
                        // The drop report itself was refused: forget it rather than loop.
                        subtract(&mut buffer.drops, &drops);
                        return;
                    }
                }
                Err(SendError::Encoding) => {
                    let mut buffer = self.buffer.lock().await;
                    buffer.drops.malformed += batch.len() as u64;
                    buffer.drops_ever += batch.len() as u64;
                    tracing::error!(
                        records = batch.len(),
                        "a batch could not be encoded; dropped"
                    );
                    return;
                }
                Err(SendError::Unauthorized(status)) => {
                    tracing::warn!(
                        status,
                        records = batch.len(),
                        "the receiver refused the API key; reloading it, the batch waits"
                    );
                    self.key.request_refresh();
                    self.record_failure(None);
                    self.buffer.lock().await.requeue(batch);
                    return;
                }
                Err(SendError::Retryable {
                    reason,
                    retry_after,
                }) => {
                    tracing::warn!(%reason, records = batch.len(), "shipping deferred to a later flush");
                    self.record_failure(retry_after);
                    self.buffer.lock().await.requeue(batch);
                    return;
                }
            }
            if Instant::now() >= deadline {
                return;
            }
        }
    }

    /// Prints the drops counted since the last call as a CloudWatch EMF line, so the
    /// `ExtensionDroppedRecords` alarm fires even when the receiver never comes back.
    async fn publish_drop_metric(&self) {
        let dropped_total = {
            let buffer = self.buffer.lock().await;
            buffer.drops_ever
        };
        let mut published = self.published.lock().await;
        let new = dropped_total.saturating_sub(*published);
        if new == 0 {
            return;
        }
        *published = dropped_total;
        let function = self
            .resource
            .get("faas.name")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let line = serde_json::json!({
            "_aws": {
                "Timestamp": time::OffsetDateTime::now_utc().unix_timestamp() * 1000,
                "CloudWatchMetrics": [{
                    "Namespace": "WorkplaceMcp",
                    "Dimensions": [[]],
                    "Metrics": [{"Name": "ExtensionDroppedRecords", "Unit": "Count"}],
                }],
            },
            "Function": function,
            "ExtensionDroppedRecords": new,
        });
        // One write of one line to stdout, which Lambda sends to CloudWatch Logs.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    /// Sends with capped, jittered backoff (or the receiver's `Retry-After`) while `deadline`
    /// allows; every attempt ends by the deadline.
    async fn send_with_retries(&self, body: &Value, deadline: Instant) -> Result<(), SendError> {
        let mut attempt: u32 = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(SendError::Retryable {
                    reason: "flush budget spent".into(),
                    retry_after: None,
                });
            }
            let timeout = self.config.request_timeout.min(left);
            let sent = tokio::time::timeout(timeout, self.transport.send(body, timeout))
                .await
                .unwrap_or_else(|_| {
                    Err(SendError::Retryable {
                        reason: "timed out".into(),
                        retry_after: None,
                    })
                });
            match sent {
                Err(SendError::Retryable {
                    reason,
                    retry_after,
                }) => {
                    attempt += 1;
                    let ceiling = BACKOFF_BASE.saturating_mul(1 << attempt.min(6));
                    let wait =
                        retry_after.unwrap_or_else(|| ceiling.mul_f64(rand::random::<f64>()));
                    if Instant::now() + wait >= deadline {
                        return Err(SendError::Retryable {
                            reason,
                            retry_after,
                        });
                    }
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }
}

fn subtract(current: &mut Drops, reported: &Drops) {
    current.buffer_full = current.buffer_full.saturating_sub(reported.buffer_full);
    current.rejected = current.rejected.saturating_sub(reported.rejected);
    current.expired = current.expired.saturating_sub(reported.expired);
    current.malformed = current.malformed.saturating_sub(reported.malformed);
    current.telemetry_api = current.telemetry_api.saturating_sub(reported.telemetry_api);
}

#[cfg(test)]
#[path = "shipper_tests.rs"]
mod tests;
