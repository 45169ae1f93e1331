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

use crate::broker::{TokenBroker, begin};
use crate::endpoint::BaseUrl;
use crate::id::GraphItemId;
use crate::upstream::{Api, Upstream};
use crate::{Access, BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext};

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

impl Source for Graph {
    fn kind(&self) -> SourceKind {
        SourceKind::Sharepoint
    }

    fn access(&self) -> Access {
        self.access
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.search_hits(&token, query, limit, deadline).await
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        item_id: &'a str,
        max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            // An id Graph could not have issued names nothing this user can see; list items
            // have no file content.
            let item = GraphItemId::parse(item_id).map_err(|_| SourceError::NotFound)?;
            if item.is_list_item() {
                return Err(SourceError::NotFound);
            }
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.item_text(&token, &item, max_chars, deadline).await
        })
    }
}
