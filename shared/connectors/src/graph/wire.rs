//! Microsoft Graph payloads, as far as the connector reads them.

use serde::Deserialize;

use crate::wire::skip_invalid;

/// `POST /search/query` answer.
#[derive(Deserialize)]
pub(crate) struct SearchAnswer {
    pub(crate) value: Vec<SearchResponse>,
}

/// The answer to one search request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchResponse {
    pub(crate) hits_containers: Vec<HitsContainer>,
}

/// One container of hits; `hits` is absent, not empty, when nothing matched.
#[derive(Deserialize)]
pub(crate) struct HitsContainer {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) hits: Vec<Hit>,
}

/// One hit.
#[derive(Deserialize)]
pub(crate) struct Hit {
    #[serde(default)]
    pub(crate) rank: Option<u64>,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    pub(crate) resource: Resource,
}

/// The `driveItem` or `listItem` a hit is about.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Resource {
    #[serde(rename = "@odata.type", default)]
    pub(crate) odata_type: Option<String>,
    pub(crate) id: String,
    pub(crate) web_url: String,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) last_modified_date_time: Option<String>,
    #[serde(default)]
    pub(crate) created_date_time: Option<String>,
    #[serde(default)]
    pub(crate) parent_reference: Option<ParentReference>,
    #[serde(default)]
    pub(crate) last_modified_by: Option<IdentitySet>,
    #[serde(default)]
    pub(crate) created_by: Option<IdentitySet>,
}

impl Resource {
    /// Whether this is a list item (no drive, no downloadable content).
    pub(crate) fn is_list_item(&self) -> bool {
        self.odata_type.as_deref() == Some("#microsoft.graph.listItem")
    }
}

/// Where a drive item lives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ParentReference {
    #[serde(default)]
    pub(crate) drive_id: Option<String>,
}

/// `lastModifiedBy` / `createdBy`.
#[derive(Deserialize)]
pub(crate) struct IdentitySet {
    #[serde(default)]
    pub(crate) user: Option<Identity>,
}

/// A user in an [`IdentitySet`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identity {
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    #[serde(default)]
    pub(crate) email: Option<String>,
}

/// A drive item's metadata (`GET /drives/{d}/items/{i}`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DriveItem {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) web_url: String,
}
