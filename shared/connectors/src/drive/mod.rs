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

use crate::broker::{TokenBroker, begin};
use crate::endpoint::BaseUrl;
use crate::id::DriveFileId;
use crate::upstream::{Api, Upstream};
use crate::{Access, BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext};

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

impl Source for Drive {
    fn kind(&self) -> SourceKind {
        SourceKind::GoogleDrive
    }

    /// Both modes act as the user: their own token, or delegation impersonating them.
    fn access(&self) -> Access {
        Access::PerUser
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.search_files(&token, query, limit, deadline).await
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        item_id: &'a str,
        max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            // An id Drive could not have issued names nothing this user can see.
            let id = DriveFileId::parse(item_id).map_err(|_| SourceError::NotFound)?;
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.file_text(&token, &id, max_chars, deadline).await
        })
    }
}
