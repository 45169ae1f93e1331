//! SharePoint and OneDrive through Microsoft Graph search (`POST /v1.0/search/query`).
//!
//! - One search request with `entityTypes` `driveItem` and `listItem`; a file comes back as both,
//!   so hits are deduplicated by URL, keeping the `driveItem` (it can be downloaded) (`search.rs`).
//! - `region` is sent when configured; Graph requires it for app-only tokens.
//! - Summaries' `<c0>` highlight tags and `<ddd/>` markers become plain text (`render.rs`).
//! - Content: `GET /drives/{d}/items/{i}/content` answers 302 to a pre-authenticated URL, which is
//!   fetched *without* the bearer token (the shared HTTP client follows no redirects by itself).
//!   Text-like files are returned as text; Office and PDF files have no plain-text conversion in
//!   Graph and are reported as unavailable (`content.rs`).

mod content;
mod render;
mod search;
mod wire;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::connector::Connector;
use crate::endpoint::BaseUrl;
use crate::id::GraphItemId;
use crate::upstream::{Api, Upstream};
use crate::{Content, SearchHit, SourceError, SourceKind};

const REAUTH: &str = "Reconnect Microsoft 365 to workplace-mcp and try again.";

/// The SharePoint source.
pub struct Graph {
    upstream: Upstream,
    base_url: BaseUrl,
    region: Option<String>,
}

impl Graph {
    /// Graph at `base_url`; `region` is sent with searches (app-only search needs it).
    pub(crate) fn new(http: reqwest::Client, base_url: BaseUrl, region: Option<String>) -> Self {
        Self {
            upstream: Upstream::new(http, Api::Graph, REAUTH).with_redirects_as_answers(),
            base_url,
            region,
        }
    }
}

impl Connector for Graph {
    type Id = GraphItemId;
    const KIND: SourceKind = SourceKind::Sharepoint;

    /// List items have no file content: their ids parse but name nothing to read.
    fn parse_id(item_id: &str) -> Result<GraphItemId, SourceError> {
        GraphItemId::parse(item_id)
            .ok()
            .filter(|item| !item.is_list_item())
            .ok_or(SourceError::NotFound)
    }

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        self.search_hits(token, query, limit, deadline).await
    }

    async fn content_with(
        &self,
        token: &SecretString,
        id: &GraphItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        self.item_text(token, id, max_chars, deadline).await
    }
}
