//! Flushing: batches leave the buffer in order, are retried with capped, jittered backoff (or the
//! receiver's `Retry-After`) within a deadline, and go back to the front of the buffer when the
//! deadline passes, so an outage shorter than the buffer's capacity loses nothing.
//!
//! Delivery is exactly once for refusals (429, 5xx) and for an unreachable receiver: the batch was
//! not taken. After a *timeout* the receiver may have taken the batch; it is sent again (at least
//! once) and every log record carries `log.record.uid` = the request id so the receiver can drop
//! the duplicate.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::buffer::{Buffer, Drops};
use crate::config::Config;
use crate::otlp;
use crate::sink::{SendError, Sink};
use crate::telemetry::Parsed;

/// The first backoff ceiling, doubled per attempt up to [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// Owns the buffer and the sink.
pub(crate) struct Shipper {
    pub(crate) buffer: Mutex<Buffer>,
    /// Drops already published as the `ExtensionDroppedRecords` metric.
    published: Mutex<u64>,
    sink: Option<Sink>,
    config: Config,
    resource: Map<String, Value>,
    flushing: Mutex<()>,
}

impl Shipper {
    pub(crate) fn new(
        config: Config,
        sink: Option<Sink>,
        resource: Map<String, Value>,
    ) -> Arc<Self> {
        Arc::new(Self {
            buffer: Mutex::new(Buffer::new(config.max_records, config.max_bytes)),
            sink,
            config,
            resource,
            flushing: Mutex::new(()),
            published: Mutex::new(0),
        })
    }

    /// Takes in one telemetry batch. Never ships: it only queues, so the Telemetry API push is
    /// answered at once. Returns whether a full batch is waiting (then the caller may flush early).
    pub(crate) async fn ingest(&self, parsed: Parsed) -> bool {
        let now = Instant::now();
        let mut buffer = self.buffer.lock().await;
        buffer.drops.malformed += parsed.malformed as u64;
        buffer.drops_ever += parsed.malformed as u64;
        for record in parsed.invocations {
            buffer.push(record, now);
        }
        for report in parsed.reports {
            buffer.attach(report);
        }
        buffer.len() >= self.config.batch_records
    }

    /// Ships what is ready until the buffer is drained or `deadline` passes. `all` ships records
    /// still waiting for their report (at shutdown).
    pub(crate) async fn flush(&self, deadline: Instant, all: bool) {
        self.publish_drop_metric().await;
        let Some(sink) = &self.sink else {
            // Shipping is off; the buffer stays bounded and drops are counted.
            return;
        };
        let _one_flush_at_a_time = self.flushing.lock().await;
        loop {
            let (batch, drops) = {
                let mut buffer = self.buffer.lock().await;
                buffer.expire(Instant::now(), self.config.max_age);
                let batch = buffer.take(
                    self.config.batch_records,
                    Instant::now(),
                    self.config.report_wait,
                    all,
                );
                (batch, buffer.drops.clone())
            };
            if batch.is_empty() && drops.total() == 0 {
                return;
            }
            let body = otlp::encode(&batch, &drops, &self.resource);
            match self.send_with_retries(sink, &body, deadline).await {
                Ok(()) => {
                    let mut buffer = self.buffer.lock().await;
                    if drops.total() > 0 {
                        tracing::warn!(
                            dropped = drops.total(),
                            buffer_full = drops.buffer_full,
                            rejected = drops.rejected,
                            expired = drops.expired,
                            malformed = drops.malformed,
                            "records were dropped; reported to the receiver"
                        );
                        subtract(&mut buffer.drops, &drops);
                    }
                    if batch.is_empty() {
                        return;
                    }
                }
                Err(SendError::Rejected(status)) => {
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
                Err(err) => {
                    tracing::warn!(error = %err, records = batch.len(), "shipping deferred to the next flush");
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

    async fn send_with_retries(
        &self,
        sink: &Sink,
        body: &Value,
        deadline: Instant,
    ) -> Result<(), SendError> {
        let mut attempt: u32 = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(SendError::Retryable {
                    reason: "flush deadline reached".into(),
                    retry_after: None,
                });
            }
            match sink.send(body, self.config.request_timeout.min(left)).await {
                Err(SendError::Retryable {
                    reason,
                    retry_after,
                }) => {
                    attempt += 1;
                    let ceiling = BACKOFF_BASE
                        .saturating_mul(1 << attempt.min(6))
                        .min(BACKOFF_CAP);
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
}
