//! Notion payloads, as far as the connector reads them.

use std::collections::HashMap;

use serde::Deserialize;

use crate::wire::skip_invalid;

/// A paginated list (`/v1/search`, `/v1/blocks/{id}/children`).
#[derive(Deserialize)]
pub(crate) struct List<T: serde::de::DeserializeOwned> {
    #[serde(default = "Vec::new", deserialize_with = "skip_invalid")]
    pub(crate) results: Vec<T>,
    #[serde(default)]
    pub(crate) next_cursor: Option<String>,
    #[serde(default)]
    pub(crate) has_more: bool,
}

impl<T: serde::de::DeserializeOwned> List<T> {
    /// The cursor of the next page, when there is one.
    pub(crate) fn next(&self) -> Option<&str> {
        self.next_cursor.as_deref().filter(|_| self.has_more)
    }
}

/// A page object (search results are pages, or partial objects the caller skips).
#[derive(Deserialize)]
pub(crate) struct Page {
    pub(crate) object: String,
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) last_edited_time: Option<String>,
    #[serde(default)]
    pub(crate) created_time: Option<String>,
    /// By property name; the title property's name varies (`title`, or a database column name).
    /// Absent on partial objects.
    #[serde(default)]
    pub(crate) properties: Option<HashMap<String, Property>>,
}

/// One page property; only the title's text is read.
#[derive(Deserialize)]
pub(crate) struct Property {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) title: Vec<RichText>,
}

/// A run of rich text.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct RichText {
    #[serde(default)]
    pub(crate) plain_text: String,
}

/// Concatenated plain text of rich-text runs.
pub(crate) fn plain(runs: &[RichText]) -> String {
    runs.iter().map(|r| r.plain_text.as_str()).collect()
}

/// A block. Its content is under a key named after its type, read into [`BlockBody`].
#[derive(Deserialize)]
#[serde(try_from = "RawBlock")]
pub(crate) struct Block {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) has_children: bool,
    pub(crate) body: BlockBody,
}

#[derive(Deserialize)]
struct RawBlock {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    has_children: bool,
    #[serde(flatten)]
    rest: HashMap<String, serde_json::Value>,
}

impl TryFrom<RawBlock> for Block {
    type Error = serde_json::Error;

    fn try_from(mut raw: RawBlock) -> Result<Self, Self::Error> {
        let body = match raw.rest.remove(&raw.kind) {
            Some(value) => serde_json::from_value(value)?,
            None => BlockBody::default(),
        };
        Ok(Self {
            id: raw.id,
            kind: raw.kind,
            has_children: raw.has_children,
            body,
        })
    }
}

/// What rendering reads of any block type; fields a type lacks stay empty.
#[derive(Deserialize, Default)]
pub(crate) struct BlockBody {
    #[serde(default)]
    pub(crate) rich_text: Vec<RichText>,
    /// `to_do`.
    #[serde(default)]
    pub(crate) checked: bool,
    /// `code`.
    #[serde(default)]
    pub(crate) language: Option<String>,
    /// `child_page`, `child_database`.
    #[serde(default)]
    pub(crate) title: Option<String>,
    /// `table_row`: one rich-text list per cell.
    #[serde(default)]
    pub(crate) cells: Vec<Vec<RichText>>,
}
