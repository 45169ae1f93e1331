//! Drive v3 payloads, as far as the connector reads them.

use serde::Deserialize;

use crate::wire::skip_invalid;

/// `files.list` answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileList {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) files: Vec<File>,
    /// Present while more pages exist; only its absence ends the list.
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// One file of a listing, or a file's metadata (`files.get`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct File {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) mime_type: String,
    #[serde(default)]
    pub(crate) web_view_link: Option<String>,
    #[serde(default)]
    pub(crate) modified_time: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// Set for files in a shared drive.
    #[serde(default)]
    pub(crate) drive_id: Option<String>,
    #[serde(default)]
    pub(crate) owners: Vec<Owner>,
}

/// A file owner.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    #[serde(default)]
    pub(crate) display_name: Option<String>,
}
