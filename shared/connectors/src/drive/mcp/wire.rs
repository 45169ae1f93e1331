//! The Drive MCP server's results (`search_files`, `get_file_metadata`, `read_file_content`), as
//! far as the source reads them. Google's tool reference: `File` has `title` (not `name`),
//! `viewUrl`, `owner` as an email and `fileSize` as an int64 string.

use serde::Deserialize;

use crate::wire::skip_invalid;

/// `search_files`: an empty answer (`{}`) is a last page without files.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileList {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(super) files: Vec<File>,
    /// Present while more pages may exist.
    #[serde(default)]
    pub(super) next_page_token: Option<String>,
}

/// One file (`search_files` entry or `get_file_metadata`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct File {
    pub(super) id: String,
    #[serde(default)]
    pub(super) title: Option<String>,
    #[serde(default)]
    pub(super) mime_type: String,
    #[serde(default)]
    pub(super) view_url: Option<String>,
    #[serde(default)]
    pub(super) modified_time: Option<String>,
    #[serde(default)]
    pub(super) created_time: Option<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    /// A query-aware excerpt of the file's text (unless `excludeContentSnippets`).
    #[serde(default)]
    pub(super) content_snippet: Option<String>,
    /// The owner's email.
    #[serde(default)]
    pub(super) owner: Option<String>,
}

/// `read_file_content`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileContent {
    #[serde(default)]
    pub(super) file_content: String,
}
