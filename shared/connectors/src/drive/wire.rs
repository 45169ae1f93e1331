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
    pub(crate) created_time: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// Set for files in a shared drive.
    #[serde(default)]
    pub(crate) drive_id: Option<String>,
    #[serde(default)]
    pub(crate) owners: Vec<Owner>,
    /// What the caller may do with the file, as Drive decides it for their token.
    #[serde(default)]
    pub(crate) capabilities: Option<Capabilities>,
}

impl File {
    /// Whether Drive said, for this caller, that they may download (or export) the file. A
    /// viewer or commenter of a file whose owner set `copyRequiresWriterPermission` may see it
    /// but not download it; so may only a caller Drive answered `canDownload: true` for be
    /// given its text, read now or cached. Missing means no.
    pub(crate) fn can_download(&self) -> bool {
        self.capabilities
            .as_ref()
            .and_then(|c| c.can_download)
            .unwrap_or(false)
    }
}

/// `capabilities`, as far as the connector reads them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Capabilities {
    #[serde(default)]
    pub(crate) can_download: Option<bool>,
}

/// A file owner.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    #[serde(default)]
    pub(crate) email_address: Option<String>,
}
