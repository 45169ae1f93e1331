//! Google Drive v3: `files.list` with `fullText contains`, over My Drive and shared drives.
//!
//! - The query is `fullText contains '<escaped>' and trashed = false and mimeType != folder`,
//!   escaping `\` before `'`; `corpora=allDrives`, `includeItemsFromAllDrives` and
//!   `supportsAllDrives` are sent on every call, and never `orderBy` (Drive refuses it with
//!   `fullText`; results already come by relevance) (`search.rs`).
//! - Drive has no snippet API: the search's snippet is the file's description, else a line saying
//!   what the file is and who owns it (`render.rs`); the service then replaces it with the passage
//!   of the file's text that best matches the query, within its enrichment budget.
//! - Content: Docs and Slides exported as `text/plain`, Sheets as `text/csv`, text-like files
//!   downloaded with `alt=media`; uploaded Office and PDF files downloaded with `alt=media` (up to
//!   `CONTENT_MAX_DOWNLOAD_BYTES`) and extracted by `workplace-extract`; a file over Drive's 10 MB
//!   export limit, or one that is encrypted, scanned or damaged, comes back without text and says
//!   why (`content.rs`). The same read serves query-aware snippets (`Source::hit_text`); text is
//!   kept per container by file id and `modifiedTime`, so a file found again is not read again.
//!   Every search and metadata request asks for `capabilities/canDownload`: a caller Drive does
//!   not let download a file (a viewer of a `copyRequiresWriterPermission` file) gets a reason
//!   instead of its text, and never the text another caller's read left in the cache.
//! - Comments: `comments.create` as the user, with a token carrying the `drive` scope
//!   (`comment.rs`).
//!
//! With `GOOGLE_DRIVE_TRANSPORT=mcp` the same source reaches Drive through Google's Drive MCP
//! server instead (`mcp/`).

mod comment;
mod content;
mod dialect;
pub(crate) mod filters;
pub(crate) mod id;
pub(crate) mod mcp;
mod render;
pub(crate) mod search;
pub(crate) mod settings;
mod wire;

use crate::ContentLimits;
use crate::endpoint::BaseUrl;
use crate::upstream::Upstream;

pub use comment::DRIVE_WRITE_SCOPE;
pub use search::escape_query;
pub use settings::DriveTransport;

/// Google Drive's registry entry ([`crate::registry`]).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: crate::SourceKind::GoogleDrive,
    mode_setting: "GOOGLE_DRIVE_MODE",
    template_parameter: "GoogleDriveMode",
    deployed_settings: &["GOOGLE_WORKSPACE_DOMAINS", settings::TRANSPORT_SETTING],
    on_by_default: true,
    base_url_settings: &["GOOGLE_API_BASE_URL"],
    endpoint_settings: &[(settings::MCP_URL_SETTING, "/drivemcp/mcp/v1")],
    secret_keys: &[settings::SERVICE_ACCOUNT_KEY],
    // Domain-wide delegation impersonates each caller: per user, not shared.
    shared_service_credential: false,
    comments: true,
    lists_events: false,
    item_types: &[
        crate::query::ItemType::Document,
        crate::query::ItemType::Spreadsheet,
        crate::query::ItemType::Presentation,
        crate::query::ItemType::Pdf,
    ],
    upstream_scopes: &[settings::GOOGLE_SCOPE, DRIVE_WRITE_SCOPE],
    settings: settings::settings,
    example_id: "1AcmeDrv001x7Hq2LmZ9pR4tW",
};

const REAUTH: &str = "Reconnect Google Drive to workplace-mcp and try again.";

/// The Drive source.
pub struct Drive {
    upstream: Upstream,
    base_url: BaseUrl,
    limits: ContentLimits,
    /// Files' text by id and `modifiedTime` (`crate::text_cache`).
    cache: crate::text_cache::TextCache,
}

impl Drive {
    /// Drive at `base_url`, reading files within `limits`.
    pub(crate) fn new(http: reqwest::Client, base_url: BaseUrl, limits: ContentLimits) -> Self {
        Self {
            upstream: Upstream::new(http, dialect::API, REAUTH)
                .with_headers(&[("accept", "application/json")]),
            base_url,
            limits,
            cache: crate::text_cache::TextCache::default(),
        }
    }

    /// Shares extracted text with the other containers through `cache` (none: this container's
    /// own cache only).
    pub(crate) fn with_shared_cache(mut self, cache: Option<workplace_cache::SharedCache>) -> Self {
        self.cache = crate::text_cache::TextCache::with_shared(
            cache,
            crate::SourceKind::GoogleDrive.as_str(),
        );
        self
    }
}
