//! The DynamoDB side: one conditional `UpdateItem` admits a call to one limit.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Gcra;

/// A store failure. The two kinds get different treatment: a request DynamoDB refused will be
/// refused again (a missing table, a key it rejects, a policy that denies access), so admitting
/// it would switch limiting off for good; a store that did not answer may answer the next call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB answered with a client error (4xx: validation, access, missing table, throttling).
    #[error("rate-limit table refused the request: {0}")]
    Refused(String),
    /// No usable answer: a timeout, a connection failure, a 5xx or an unreadable response.
    #[error("rate-limit table unavailable: {0}")]
    Unavailable(String),
}

/// What one attempt to take a slot found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Admitted; the new TAT.
    Admitted(u64),
    /// Rejected; the stored TAT.
    Rejected(u64),
}

/// What one attempt to lease tokens found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `count` tokens (at least 1) were taken from the shared bucket; `tat` is its new TAT.
    Leased {
        /// Tokens taken.
        count: u32,
        /// The TAT after taking them.
        tat: u64,
    },
    /// The bucket has no token now; the stored TAT.
    Rejected(u64),
}

/// The rate-limit table.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    writes: Arc<AtomicU64>,
}

/// Attempts per key before giving up (each failed attempt means the item changed under us).
const MAX_ATTEMPTS: usize = 6;

impl DynamoStore {
    /// A store for `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            writes: Arc::default(),
        }
    }

    /// Conditional writes sent since this store was made (each costs a write unit, admitted or
    /// not): what leasing is meant to keep below one per call.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// Admits one call to `key` at `now` (ms) if `gcra` allows it: a lease of one token.
    pub async fn take(&self, key: &str, gcra: Gcra, now: u64) -> Result<Take, StoreError> {
        Ok(match self.lease(key, gcra, now, 1, None).await? {
            Grant::Leased { tat, .. } => Take::Admitted(tat),
            Grant::Rejected(tat) => Take::Rejected(tat),
        })
    }

    /// Takes up to `want` tokens of `key` at `now` (ms), as many as `gcra` allows, at least one.
    ///
    /// Two conditional writes cover the two states of a limit: idle (`tat <= now`: set it to
    /// `now + want × interval`) and busy (`now < tat`, and room for `want` more: add
    /// `want × interval`). Both are atomic, so concurrent callers never take more than the bucket
    /// holds; taking `n` tokens at once ends where `n` single takes would (see `prop_gcra`). A
    /// failed condition returns the stored item, which says how many tokens are left: none
    /// rejects, fewer than `want` retries with that many, the wrong state retries with the other
    /// write. `seen` is the TAT this container last saw for `key`, if any: it picks the write to
    /// try first, so a lease usually costs one write (two when partial or when another container
    /// changed the state).
    pub async fn lease(
        &self,
        key: &str,
        gcra: Gcra,
        now: u64,
        want: u32,
        seen: Option<u64>,
    ) -> Result<Grant, StoreError> {
        self.lease_at_least(key, gcra, now, want, 1, seen).await
    }

    /// Like [`Self::lease`], but all or nothing below `min`: takes between `min` and `want`
    /// tokens in one conditional write, or none (rejected) when fewer than `min` are available.
    /// This is how a call costing `min` tokens is charged atomically: its tokens leave the bucket
    /// together or not at all. `min` is capped at the burst (a bigger charge could never fit; the
    /// limiter refuses it before asking).
    pub async fn lease_at_least(
        &self,
        key: &str,
        gcra: Gcra,
        now: u64,
        want: u32,
        min: u32,
        seen: Option<u64>,
    ) -> Result<Grant, StoreError> {
        let expires_at = (now + gcra.tolerance_ms + gcra.interval_ms) / 1000 + 60;
        let min = min.clamp(1, gcra.burst);
        let mut want = want.clamp(min, gcra.burst);
        let mut busy = seen.is_some_and(|tat| tat > now);
        for _ in 0..MAX_ATTEMPTS {
            let cost = gcra.interval_ms * u64::from(want);
            let request = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(key.to_owned()))
                .expression_attribute_names("#t", "tat")
                .expression_attribute_values(":now", number(now))
                .expression_attribute_values(":exp", number(expires_at))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
            let request = if busy {
                // Room for `want` more: tat + cost <= now + tolerance + interval.
                let limit = (now + gcra.tolerance_ms + gcra.interval_ms).saturating_sub(cost);
                request
                    .update_expression("SET #t = #t + :cost, expires_at = :exp")
                    .condition_expression("#t > :now AND #t <= :limit")
                    .expression_attribute_values(":cost", number(cost))
                    .expression_attribute_values(":limit", number(limit))
            } else {
                request
                    .update_expression("SET #t = :next, expires_at = :exp")
                    .condition_expression("attribute_not_exists(#t) OR #t <= :now")
                    .expression_attribute_values(":next", number(now + cost))
            };
            self.writes.fetch_add(1, Ordering::Relaxed);
            match request
                .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
                .send()
                .await
            {
                Ok(output) => {
                    let tat = output
                        .attributes()
                        .and_then(|a| a.get("tat"))
                        .and_then(read_number);
                    return Ok(Grant::Leased {
                        count: want,
                        tat: tat.unwrap_or(now + cost),
                    });
                }
                Err(err) => {
                    let SdkError::ServiceError(service) = &err else {
                        return Err(classify(&err));
                    };
                    let UpdateItemError::ConditionalCheckFailedException(failed) = service.err()
                    else {
                        return Err(classify(&err));
                    };
                    let stored = match failed
                        .item()
                        .and_then(|i| i.get("tat"))
                        .and_then(read_number)
                    {
                        Some(tat) => tat,
                        None => self.read(key).await?,
                    };
                    let available = gcra.available(stored, now);
                    if available < min {
                        return Ok(Grant::Rejected(stored));
                    }
                    want = want.min(available);
                    busy = stored > now;
                }
            }
        }
        // The item kept changing: contention this heavy means the limit is nearly exhausted, and
        // rejecting is the side that never over-admits.
        Ok(Grant::Rejected(now + gcra.tolerance_ms + gcra.interval_ms))
    }

    /// One eventually consistent read of a key no limit uses: opens the connection.
    pub async fn warm(&self) -> Result<(), StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S("warm#".to_owned()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }

    async fn read(&self, key: &str) -> Result<u64, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(output
            .item()
            .and_then(|i| i.get("tat"))
            .and_then(read_number)
            .unwrap_or(0))
    }
}

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn read_number(value: &AttributeValue) -> Option<u64> {
    value.as_n().ok()?.parse::<f64>().ok().map(|n| n as u64)
}

impl DynamoStore {
    /// Gives back one call's worth of `key` (the call was rejected by a later limit). Only a TAT
    /// at least one interval in the future is moved back, so a refund never creates credit
    /// beyond an idle limit.
    pub async fn refund(&self, key: &str, gcra: Gcra, now: u64) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .update_expression("SET #t = #t - :interval")
            .condition_expression("#t >= :floor")
            .expression_attribute_names("#t", "tat")
            .expression_attribute_values(":interval", number(gcra.interval_ms))
            .expression_attribute_values(":floor", number(now + gcra.interval_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(classify(&err)),
        }
    }
}

fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> StoreError {
    match err {
        SdkError::TimeoutError(_) => StoreError::Unavailable("timed out".into()),
        SdkError::DispatchFailure(_) => StoreError::Unavailable("could not connect".into()),
        SdkError::ResponseError(_) => StoreError::Unavailable("invalid response".into()),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("service error").to_owned();
            if service.raw().status().is_server_error() {
                StoreError::Unavailable(code)
            } else {
                StoreError::Refused(code)
            }
        }
        _ => StoreError::Unavailable("request failed".into()),
    }
}
