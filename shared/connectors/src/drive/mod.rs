//! Google Drive v3: `files.list` with `fullText contains`, over My Drive and shared drives.
//!
//! - The query is `fullText contains '<escaped>' and trashed = false and mimeType != folder`,
//!   escaping `\` before `'`; `corpora=allDrives`, `includeItemsFromAllDrives` and
//!   `supportsAllDrives` are sent on every call, and never `orderBy` (Drive refuses it with
//!   `fullText`; results already come by relevance) (`search.rs`).
//! - Drive has no snippet API: the snippet is the file's description, else a line saying what the
//!   file is and who owns it (`render.rs`). Full text comes from `fetch`/`include_content`.
//! - Content: Docs and Slides exported as `text/plain`, Sheets as `text/csv`, text-like files
//!   downloaded with `alt=media`; a file over Drive's 10 MB export limit comes back without text
//!   and says so (`content.rs`).
//! - Comments: `comments.create` as the user, with a token carrying the `drive` scope
//!   (`comment.rs`).

mod comment;
mod content;
mod render;
mod search;
mod wire;

use crate::endpoint::BaseUrl;
use crate::upstream::{Api, Upstream};

pub use comment::DRIVE_WRITE_SCOPE;
pub use search::escape_query;

const REAUTH: &str = "Reconnect Google Drive to workplace-mcp and try again.";

/// The Drive source.
pub struct Drive {
    upstream: Upstream,
    base_url: BaseUrl,
}

impl Drive {
    /// Drive at `base_url`.
    pub(crate) fn new(http: reqwest::Client, base_url: BaseUrl) -> Self {
        Self {
            upstream: Upstream::new(http, Api::Google, REAUTH)
                .with_headers(&[("accept", "application/json")]),
            base_url,
        }
    }
}
