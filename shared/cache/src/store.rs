//! Where cached items live: a small trait and its one implementation, a DynamoDB table.

use std::future::Future;
use std::pin::Pin;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::Part;
use crate::keyring::Sealed;

/// A boxed future, so the store can sit behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One cached item as stored: nothing in it is readable but its part and its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it holds (plain, so the table's reads and writes can be attributed).
    pub part: Part,
    /// When it expires, in Unix seconds (the table's TTL attribute).
    pub expires: u64,
    /// The sealed value.
    pub sealed: Sealed,
    /// A keyed fingerprint of the value, for a delete that must not remove a newer value.
    pub fingerprint: Option<String>,
}

/// A store failure; the cache treats both as a miss (or a skipped write) and counts them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The table answered with an error (missing table, access denied, throttled, item too large).
    #[error("the cache table refused the request: {0}")]
    Refused(String),
    /// No usable answer: a timeout, a connection failure, a 5xx or an unreadable item.
    #[error("the cache table is unavailable: {0}")]
    Unavailable(String),
}

/// The cache's storage.
pub trait CacheStore: Send + Sync {
    /// The item at `pk`, if any (expired or not: the caller checks).
    fn get<'a>(&'a self, pk: &'a str) -> BoxFuture<'a, Result<Option<Item>, StoreError>>;
    /// Stores `item` at `pk`, replacing what was there.
    fn put<'a>(&'a self, pk: &'a str, item: Item) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Deletes the item at `pk` if its fingerprint is `fingerprint` (any item when `None`).
    fn delete<'a>(
        &'a self,
        pk: &'a str,
        fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The cache table in DynamoDB: partition key `pk` (S), TTL attribute `expires` (N).
#[derive(Debug, Clone)]
pub struct DynamoCacheStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoCacheStore {
    /// A store for `config.table` whose every request is bounded by `config.timeout`, per
    /// attempt and per operation (retries included).
    pub fn from_sdk(aws: &aws_config::SdkConfig, config: &crate::CacheConfig) -> Self {
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .operation_timeout(config.timeout)
            .operation_attempt_timeout(config.timeout)
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(aws)
                .timeout_config(timeouts)
                .build(),
        );
        Self::new(client, config.table.clone())
    }

    /// A store for `table`; `client` carries the timeouts.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn store_error<E: ProvideErrorMetadata, R>(err: SdkError<E, R>) -> StoreError {
    match &err {
        SdkError::ServiceError(service) => StoreError::Refused(
            service
                .err()
                .code()
                .unwrap_or("an unnamed service error")
                .to_owned(),
        ),
        SdkError::TimeoutError(_) => StoreError::Unavailable("timed out".into()),
        SdkError::DispatchFailure(_) => StoreError::Unavailable("no connection".into()),
        _ => StoreError::Unavailable(err.to_string()),
    }
}

fn string(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

fn blob(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> Option<Vec<u8>> {
    Some(item.get(name)?.as_b().ok()?.as_ref().to_vec())
}

/// The item in `attributes`, or `None` if it is not one of ours (a miss, never an error).
fn parse(attributes: &std::collections::HashMap<String, AttributeValue>) -> Option<Item> {
    Some(Item {
        part: Part::parse(&string(attributes, "part")?)?,
        expires: attributes.get("expires")?.as_n().ok()?.parse().ok()?,
        sealed: Sealed {
            key_id: string(attributes, "k")?,
            nonce: blob(attributes, "n")?,
            ciphertext: blob(attributes, "c")?,
        },
        fingerprint: string(attributes, "f"),
    })
}

impl CacheStore for DynamoCacheStore {
    fn get<'a>(&'a self, pk: &'a str) -> BoxFuture<'a, Result<Option<Item>, StoreError>> {
        Box::pin(async move {
            let answer = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(pk.to_owned()))
                .send()
                .await
                .map_err(store_error)?;
            Ok(answer.item().and_then(parse))
        })
    }

    fn put<'a>(&'a self, pk: &'a str, item: Item) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut request = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(pk.to_owned()))
                .item("part", AttributeValue::S(item.part.as_str().to_owned()))
                .item("expires", AttributeValue::N(item.expires.to_string()))
                .item("k", AttributeValue::S(item.sealed.key_id))
                .item("n", AttributeValue::B(Blob::new(item.sealed.nonce)))
                .item("c", AttributeValue::B(Blob::new(item.sealed.ciphertext)));
            if let Some(fingerprint) = item.fingerprint {
                request = request.item("f", AttributeValue::S(fingerprint));
            }
            request.send().await.map_err(store_error)?;
            Ok(())
        })
    }

    fn delete<'a>(
        &'a self,
        pk: &'a str,
        fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut request = self
                .client
                .delete_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(pk.to_owned()));
            if let Some(fingerprint) = fingerprint {
                request = request
                    .condition_expression("f = :f")
                    .expression_attribute_values(":f", AttributeValue::S(fingerprint.to_owned()));
            }
            match request.send().await {
                Ok(_) => Ok(()),
                // Another container already replaced the value: keep it.
                Err(SdkError::ServiceError(e))
                    if e.err().is_conditional_check_failed_exception() =>
                {
                    Ok(())
                }
                Err(err) => Err(store_error(err)),
            }
        })
    }
}
