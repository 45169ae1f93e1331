//! Google Drive v3: `files.list` with `fullText contains`, over My Drive and shared drives.
//!
//! - The query is `fullText contains '<escaped>' and trashed = false and mimeType != folder`,
//!   escaping `\` before `'`; `corpora=allDrives`, `includeItemsFromAllDrives` and
//!   `supportsAllDrives` are sent on every call, and never `orderBy` (Drive refuses it with
//!   `fullText`; results already come by relevance) ([`search`]).
//! - Drive has no snippet API: the snippet is the file's description, else a line saying what the
//!   file is and who owns it ([`render`]). Full text comes from `fetch`/`include_content`.
//! - Content: Docs and Slides exported as `text/plain`, Sheets as `text/csv`, text-like files
//!   downloaded with `alt=media`; a file over Drive's 10 MB export limit comes back without text
//!   and says so ([`content`]).

mod content;
mod render;
mod search;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::broker::TokenBroker;
use crate::connector::Connector;
use crate::endpoint::BaseUrl;
use crate::id::DriveFileId;
use crate::upstream::{Api, Upstream};
use crate::{Access, BoxFuture, Content, SearchHit, SourceError, SourceKind};

pub use search::escape_query;

const REAUTH: &str = "Reconnect Google Drive to workplace-mcp and try again.";

/// The Drive source.
pub struct Drive {
    upstream: Upstream,
    base_url: BaseUrl,
    broker: Arc<dyn TokenBroker>,
    timeout: Duration,
}

impl Drive {
    /// Drive at `base_url`, with tokens from `broker`, each call bounded by `timeout`.
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: BaseUrl,
        broker: Arc<dyn TokenBroker>,
        timeout: Duration,
    ) -> Self {
        Self {
            upstream: Upstream::new(http, Api::Google, REAUTH)
                .with_headers(&[("accept", "application/json")]),
            base_url,
            broker,
            timeout,
        }
    }
}

impl Connector for Drive {
    type Id = DriveFileId;
    const KIND: SourceKind = SourceKind::GoogleDrive;

    fn parse_id(item_id: &str) -> Result<DriveFileId, SourceError> {
        DriveFileId::parse(item_id).map_err(|_| SourceError::NotFound)
    }

    /// Both modes act as the user: their own token, or delegation impersonating them.
    fn access(&self) -> Access {
        Access::PerUser
    }

    fn broker(&self) -> &dyn TokenBroker {
        self.broker.as_ref()
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn search_with<'a>(
        &'a self,
        token: &'a SecretString,
        query: &'a str,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(self.search_files(token, query, limit, deadline))
    }

    fn content_with<'a>(
        &'a self,
        token: &'a SecretString,
        id: &'a DriveFileId,
        max_chars: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(self.file_text(token, id, max_chars, deadline))
    }
}
