//! Notion: `POST /v1/search` for pages, text from `GET /v1/blocks/{id}/children`.
//!
//! Notion's search API matches **page titles only**, not page text: a query finds pages whose
//! title contains its words. The `Notion-Version` is pinned to [`NOTION_VERSION`] (2026-03-11, the
//! newest: `in_trash` replaces `archived`, search filters on `page`/`data_source`), so an API change
//! reaches us only when we move the pin. Snippets are the first blocks of each hit (one request per
//! hit, concurrently, bounded) ([`search`]); content is the whole block tree, recursive but bounded
//! in depth, block count and characters ([`content`]), rendered as readable text ([`render`]).

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
use crate::id::NotionId;
use crate::upstream::{Api, Auth, Upstream};
use crate::{Access, BoxFuture, Content, SearchHit, SourceError, SourceKind};

use wire::{Block, List};

/// The pinned API version.
pub const NOTION_VERSION: &str = "2026-03-11";
const REAUTH: &str = "Reconnect Notion to workplace-mcp and share the pages with it.";

/// The Notion source.
pub struct Notion {
    upstream: Upstream,
    base_url: BaseUrl,
    broker: Arc<dyn TokenBroker>,
    timeout: Duration,
    /// Per user (outbound tokens) or shared (the integration's credential).
    access: Access,
}

impl Notion {
    /// Notion at `base_url`, with tokens from `broker`, each call bounded by `timeout`.
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: BaseUrl,
        broker: Arc<dyn TokenBroker>,
        timeout: Duration,
        access: Access,
    ) -> Self {
        Self {
            upstream: Upstream::new(http, Api::Notion, REAUTH)
                .with_headers(&[("Notion-Version", NOTION_VERSION)]),
            base_url,
            broker,
            timeout,
            access,
        }
    }

    /// One page of `block`'s children.
    async fn children(
        &self,
        token: &SecretString,
        block: &NotionId,
        cursor: Option<&str>,
        page_size: usize,
        deadline: Instant,
    ) -> Result<List<Block>, SourceError> {
        let url = self
            .base_url
            .join(&["v1", "blocks", block.as_str(), "children"]);
        let page_size = page_size.to_string();
        self.upstream
            .json(Auth::Bearer(token), deadline, |http| {
                let request = http.get(url.clone()).query(&[("page_size", &page_size)]);
                match cursor {
                    Some(cursor) => request.query(&[("start_cursor", cursor)]),
                    None => request,
                }
            })
            .await
    }
}

impl Connector for Notion {
    type Id = NotionId;
    const KIND: SourceKind = SourceKind::Notion;

    fn parse_id(item_id: &str) -> Result<NotionId, SourceError> {
        NotionId::parse(item_id).map_err(|_| SourceError::NotFound)
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
        Box::pin(self.search_pages(token, query, limit, deadline))
    }

    fn content_with<'a>(
        &'a self,
        token: &'a SecretString,
        id: &'a NotionId,
        max_chars: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(self.page_text(token, id, max_chars, deadline))
    }
}
