//! SharePoint and OneDrive through Microsoft Graph search (`POST /v1.0/search/query`).
//!
//! - One search request with `entityTypes` `driveItem` and `listItem`; a file comes back as both,
//!   so hits are deduplicated by URL, keeping the `driveItem` (it can be downloaded) (`search.rs`).
//! - `region` is sent when configured; Graph requires it for app-only tokens.
//! - Filters become KQL ANDed to both passes (`LastModifiedTime`, `Created`, `Author`, `FileType`,
//!   `SiteId`/`WebId`), then are checked exactly on each hit where it says (`filters.rs`).
//! - Summaries' `<c0>` highlight tags and `<ddd/>` markers become plain text (`render.rs`).
//! - Content: `GET /drives/{d}/items/{i}/content` answers 302 to a pre-authenticated URL, which is
//!   fetched *without* the bearer token (the shared HTTP client follows no redirects by itself),
//!   and only when it is an `https` URL on a Microsoft download host ([`DownloadHosts`]): a
//!   redirect elsewhere (instance metadata, an internal host, `file://`) is not fetched and the
//!   item says why in `content_error`.
//!   Text-like files are returned as text; Office and PDF files (Graph has no plain-text
//!   conversion) are downloaded up to `CONTENT_MAX_DOWNLOAD_BYTES` and extracted by
//!   `workplace-extract`, off the async workers; encrypted, scanned or damaged files say why they
//!   have no text (`content.rs`).

mod comment;
mod content;
pub(crate) mod dialect;
mod filters;
pub(crate) mod id;
mod render;
mod search;
pub(crate) mod settings;
mod wire;

use crate::ContentLimits;
use crate::endpoint::{BaseUrl, DownloadHosts};
use crate::upstream::Upstream;

/// SharePoint's registry entry ([`crate::registry`]).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: crate::SourceKind::Sharepoint,
    mode_setting: "SHAREPOINT_MODE",
    template_parameter: "SharepointMode",
    deployed_settings: &["MICROSOFT_TENANT_ID", "MICROSOFT_CLIENT_ID", "GRAPH_REGION"],
    on_by_default: true,
    base_url_settings: &["GRAPH_BASE_URL", "MICROSOFT_LOGIN_BASE_URL"],
    endpoint_settings: &[],
    secret_keys: &[settings::CLIENT_SECRET_KEY],
    shared_service_credential: true,
    comments: false,
    lists_events: false,
    item_types: &[
        crate::query::ItemType::Document,
        crate::query::ItemType::Spreadsheet,
        crate::query::ItemType::Presentation,
        crate::query::ItemType::Pdf,
        crate::query::ItemType::Page,
    ],
    upstream_scopes: &settings::MICROSOFT_SCOPES,
    settings: settings::settings,
    example_id: "b!Lq2wJ4a0Acme/01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K",
};

const REAUTH: &str = "Reconnect Microsoft 365 to workplace-mcp and try again.";

/// The SharePoint source.
pub struct Graph {
    upstream: Upstream,
    base_url: BaseUrl,
    region: Option<String>,
    limits: ContentLimits,
    downloads: DownloadHosts,
}

impl Graph {
    /// Graph at `base_url`; `region` is sent with searches (app-only search needs it); files are
    /// read within `limits`, downloaded only from `downloads`.
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: BaseUrl,
        region: Option<String>,
        limits: ContentLimits,
        downloads: DownloadHosts,
    ) -> Self {
        Self {
            upstream: Upstream::new(http, dialect::API, REAUTH).with_redirects_as_answers(),
            base_url,
            region,
            limits,
            downloads,
        }
    }
}
