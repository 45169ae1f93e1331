//! SharePoint and OneDrive through Microsoft Graph search (`POST /v1.0/search/query`).
//!
//! - One search request with `entityTypes` `driveItem` and `listItem`; a file comes back as both,
//!   so hits are deduplicated by URL, keeping the `driveItem` (it can be downloaded) ([`search`]).
//! - `region` is sent when configured; Graph requires it for app-only tokens.
//! - Summaries' `<c0>` highlight tags and `<ddd/>` markers become plain text ([`render`]).
//! - Content: `GET /drives/{d}/items/{i}/content` answers 302 to a pre-authenticated URL, which is
//!   fetched *without* the bearer token (the shared HTTP client follows no redirects by itself).
//!   Text-like files are returned as text; Office and PDF files have no plain-text conversion in
//!   Graph and are reported as unavailable ([`content`]).

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
use crate::id::GraphItemId;
use crate::upstream::{Api, Upstream};
use crate::{Access, BoxFuture, Content, SearchHit, SourceError, SourceKind};

const REAUTH: &str = "Reconnect Microsoft 365 to workplace-mcp and try again.";

/// The SharePoint source.
pub struct Graph {
    upstream: Upstream,
    base_url: BaseUrl,
    region: Option<String>,
    broker: Arc<dyn TokenBroker>,
    timeout: Duration,
    /// Per user (outbound tokens) or shared (client credentials).
    access: Access,
}

impl Graph {
    /// Graph at `base_url`, with tokens from `broker`, each call bounded by `timeout`; `region`
    /// is sent with searches (app-only search needs it).
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: BaseUrl,
        region: Option<String>,
        broker: Arc<dyn TokenBroker>,
        timeout: Duration,
        access: Access,
    ) -> Self {
        Self {
            upstream: Upstream::new(http, Api::Graph, REAUTH).with_redirects_as_answers(),
            base_url,
            region,
            broker,
            timeout,
            access,
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

    fn access(&self) -> Access {
        self.access
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
        Box::pin(self.search_hits(token, query, limit, deadline))
    }

    fn content_with<'a>(
        &'a self,
        token: &'a SecretString,
        id: &'a GraphItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(self.item_text(token, id, max_chars, deadline))
    }
}
