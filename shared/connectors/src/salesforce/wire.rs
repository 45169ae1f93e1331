//! Salesforce REST payloads, as far as the source reads them.
//!
//! Records are read as JSON objects rather than one struct per object: which fields come back
//! depends on what was selected and on what field-level security lets the user see (a hidden
//! field is simply absent from a record read), and relationship fields arrive nested
//! (`"Account": {"attributes": {...}, "Name": "Globex Corporation"}`).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::id::{RecordId, SObject};

/// `GET /search/?q=` answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchAnswer {
    #[serde(default)]
    pub(crate) search_records: Vec<Record>,
}

/// `GET /query?q=` (and `nextRecordsUrl`) answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryAnswer {
    #[serde(default)]
    pub(crate) done: bool,
    #[serde(default)]
    pub(crate) next_records_url: Option<String>,
    #[serde(default)]
    pub(crate) records: Vec<Record>,
}

/// One record: its fields by API name.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(transparent)]
pub(crate) struct Record(pub(crate) Map<String, Value>);

impl Record {
    /// A field as text; `path` may name a relationship's field (`Account.Name`). Numbers are
    /// written as Salesforce sent them, booleans as `true`/`false`; null and absent are `None`.
    pub(crate) fn text(&self, path: &str) -> Option<String> {
        let mut parts = path.split('.');
        let mut value = self.0.get(parts.next()?)?;
        for part in parts {
            value = value.get(part)?;
        }
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The record's object (`attributes.type`), when it is one this source knows.
    pub(crate) fn object(&self) -> Option<SObject> {
        self.0
            .get("attributes")
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str)
            .and_then(SObject::from_api_name)
    }

    /// The record's id, when it is a well-formed id of its object.
    pub(crate) fn id(&self) -> Option<RecordId> {
        RecordId::parse(&self.text("Id")?).ok()
    }
}
