//! Tenant documents in DynamoDB: versioned writes, each with its audit entry in the same
//! transaction, so no change is ever stored without a record of who made it and what it changed.
//!
//! One table, partition key `pk`: `tenant#<id>` holds the document (`doc`, JSON) and its
//! `version`; `audit#<id>#<version>` holds what that version changed, who wrote it and when.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::Serialize;
use serde_json::Value;

use crate::TenantDocument;

/// A stored document and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The document.
    pub document: TenantDocument,
    /// Starts at 1; every write adds one.
    pub version: u64,
    /// Who wrote this version.
    pub updated_by: String,
    /// When (RFC 3339).
    pub updated_at: String,
}

/// One change, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Change {
    /// A JSON pointer into the document.
    pub path: String,
    /// The value before (absent: the field was not set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value after (absent: the field was removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// One version's audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// The tenant.
    pub tenant: String,
    /// The version this entry made.
    pub version: u64,
    /// Who (the caller's AWS identity, as the CLI resolved it).
    pub actor: String,
    /// When (RFC 3339).
    pub at: String,
    /// What changed.
    pub changes: Vec<Change>,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else wrote the tenant since it was read: read it again and retry.
    #[error(
        "tenant `{0}` changed since it was read (another administrator?); read it again and retry"
    )]
    Conflict(String),
    /// No such tenant.
    #[error("no tenant `{0}`")]
    NotFound(String),
    /// DynamoDB refused or failed.
    #[error("the tenants table could not be used: {0}")]
    Table(String),
    /// An item in the table is not a tenant document this version can read.
    #[error("the stored tenant `{0}` cannot be read: {1}")]
    Corrupt(String, String),
}

/// The tenants table.
#[derive(Debug, Clone)]
pub struct TenantStore {
    client: Client,
    table: String,
}

fn tenant_key(id: &str) -> String {
    format!("tenant#{id}")
}

fn audit_key(id: &str, version: u64) -> String {
    format!("audit#{id}#{version:010}")
}

fn table_error<E: ProvideErrorMetadata + std::fmt::Debug>(
    err: aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    let text = err
        .as_service_error()
        .and_then(|e| e.message().map(str::to_owned))
        .unwrap_or_else(|| format!("{err}"));
    StoreError::Table(text)
}

impl TenantStore {
    /// The store over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// One tenant, if it exists.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(tenant_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(table_error)?
            .item;
        item.map(|item| stored(id, &item)).transpose()
    }

    /// Every tenant (a scan: the table holds one item per tenant and per change).
    pub async fn list(&self) -> Result<Vec<Stored>, StoreError> {
        let mut tenants = Vec::new();
        for item in self.scan_prefix("tenant#").await? {
            let id = item
                .get("pk")
                .and_then(|v| v.as_s().ok())
                .and_then(|pk| pk.strip_prefix("tenant#"))
                .unwrap_or_default()
                .to_owned();
            tenants.push(stored(&id, &item)?);
        }
        tenants.sort_by(|a, b| a.document.id.cmp(&b.document.id));
        Ok(tenants)
    }

    /// Every item whose key starts with `prefix`, all pages.
    async fn scan_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :prefix)")
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(table_error)?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Writes `document` as the version after `read` (`None`: a new tenant), with its audit
    /// entry, in one transaction; refused with [`StoreError::Conflict`] when the stored version is
    /// no longer `read`'s. The caller validates first.
    pub async fn put(
        &self,
        document: &TenantDocument,
        read: Option<&Stored>,
        actor: &str,
        at: &str,
    ) -> Result<AuditEntry, StoreError> {
        let id = &document.id;
        let version = read.map_or(1, |r| r.version + 1);
        let before = read.map(|r| to_value(&r.document));
        let after = to_value(document);
        let changes = diff(before.as_ref(), &after);
        let json = serde_json::to_string(document)
            .map_err(|e| StoreError::Corrupt(id.clone(), e.to_string()))?;
        let mut tenant = Put::builder()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(tenant_key(id)))
            .item("doc", AttributeValue::S(json))
            .item("version", AttributeValue::N(version.to_string()))
            .item("updated_by", AttributeValue::S(actor.to_owned()))
            .item("updated_at", AttributeValue::S(at.to_owned()));
        tenant = match read {
            None => tenant.condition_expression("attribute_not_exists(pk)"),
            Some(r) => tenant
                .condition_expression("version = :read")
                .expression_attribute_values(":read", AttributeValue::N(r.version.to_string())),
        };
        let entry = AuditEntry {
            tenant: id.clone(),
            version,
            actor: actor.to_owned(),
            at: at.to_owned(),
            changes,
        };
        let changes_json = serde_json::to_string(&entry.changes)
            .map_err(|e| StoreError::Corrupt(id.clone(), e.to_string()))?;
        let audit = Put::builder()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(audit_key(id, version)))
            .item("tenant", AttributeValue::S(id.clone()))
            .item("version", AttributeValue::N(version.to_string()))
            .item("actor", AttributeValue::S(actor.to_owned()))
            .item("at", AttributeValue::S(at.to_owned()))
            .item("changes", AttributeValue::S(changes_json))
            .condition_expression("attribute_not_exists(pk)");
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Table(e.to_string());
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(tenant.build().map_err(build)?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(audit.build().map_err(build)?)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(entry),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_transaction_canceled_exception()) =>
            {
                Err(StoreError::Conflict(id.clone()))
            }
            Err(err) => Err(table_error(err)),
        }
    }

    /// A tenant's audit trail, oldest first.
    pub async fn audit(&self, id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries = Vec::new();
        for item in self.scan_prefix(&format!("audit#{id}#")).await? {
            let text = |name: &str| text(&item, name).unwrap_or_default();
            let version = number(&item, "version").unwrap_or_default();
            let changes = serde_json::from_str(&text("changes"))
                .map_err(|e| StoreError::Corrupt(id.to_owned(), e.to_string()))?;
            entries.push(AuditEntry {
                tenant: text("tenant"),
                version,
                actor: text("actor"),
                at: text("at"),
                changes,
            });
        }
        entries.sort_by_key(|e| e.version);
        Ok(entries)
    }
}

fn to_value(document: &TenantDocument) -> Value {
    serde_json::to_value(document).unwrap_or(Value::Null)
}

fn stored(id: &str, item: &HashMap<String, AttributeValue>) -> Result<Stored, StoreError> {
    let corrupt = |why: &str| StoreError::Corrupt(id.to_owned(), why.to_owned());
    let doc = text(item, "doc").ok_or_else(|| corrupt("no `doc`"))?;
    let document: TenantDocument =
        serde_json::from_str(&doc).map_err(|e| corrupt(&e.to_string()))?;
    let version = number(item, "version").ok_or_else(|| corrupt("no `version`"))?;
    Ok(Stored {
        document,
        version,
        updated_by: text(item, "updated_by").unwrap_or_default(),
        updated_at: text(item, "updated_at").unwrap_or_default(),
    })
}

/// A string attribute of an item.
fn text(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

/// A whole-number attribute of an item.
fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

/// The leaves that differ between two documents, as JSON pointers (objects are walked; arrays
/// and scalars compare whole).
pub(crate) fn diff(before: Option<&Value>, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    walk("", before, Some(after), &mut changes);
    changes
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<Change>) {
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                walk(&format!("{path}/{escaped}"), a.get(key), b.get(key), out);
            }
        }
        (None, Some(Value::Object(b))) => {
            for (key, value) in b {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                walk(&format!("{path}/{escaped}"), None, Some(value), out);
            }
        }
        (a, b) if a != b => out.push(Change {
            path: path.to_owned(),
            before: a.cloned(),
            after: b.cloned(),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_diff_names_each_changed_leaf() {
        let before = json!({"id": "acme", "policy": {"read_only": false, "tools": ["a"]}});
        let after = json!({"id": "acme", "policy": {"read_only": true, "ip_allowlist": ["10.0.0.0/8"], "tools": ["a"]}, "limits": {"user_rps": 1}});
        let paths: Vec<(String, Option<Value>, Option<Value>)> = diff(Some(&before), &after)
            .into_iter()
            .map(|c| (c.path, c.before, c.after))
            .collect();
        assert_eq!(
            paths,
            [
                ("/limits/user_rps".into(), None, Some(json!(1))),
                (
                    "/policy/ip_allowlist".into(),
                    None,
                    Some(json!(["10.0.0.0/8"]))
                ),
                (
                    "/policy/read_only".into(),
                    Some(json!(false)),
                    Some(json!(true))
                ),
            ]
        );
        // A new tenant: every leaf is a change.
        assert_eq!(diff(None, &json!({"a": {"b": 1}, "c": 2})).len(), 2);
    }
}
