//! Notion: `POST /v1/search` for pages, text from `GET /v1/blocks/{id}/children`.
//!
//! Notion's search API matches **page titles only**, not page text: a query finds pages whose
//! title contains its words. The `Notion-Version` is pinned to [`NOTION_VERSION`] (2026-03-11, the
//! newest: `in_trash` replaces `archived`, search filters on `page`/`data_source`), so an API change
//! reaches us only when we move the pin. A search is one request per result page and nothing else
//! (`search.rs`): its hits have no snippet until the service's enrichment phase reads their text
//! and cuts the passage matching the query (`Source::hit_text`). Content is the whole block tree,
//! recursive but bounded in depth, block count and characters (`content.rs`), rendered as readable
//! text (`render.rs`) and kept per container by page id and `last_edited_time` (`crate::text_cache`), so a
//! page found again needs no second `/v1/blocks/{id}/children` round trip.

mod comment;
mod content;
mod dialect;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub(crate) mod id;
mod render;
mod search;
pub(crate) mod settings;
mod wire;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::SourceError;
use crate::endpoint::BaseUrl;
use crate::id::NotionId;
use crate::upstream::{Auth, Upstream};

use wire::{Block, List};

/// The pinned API version.
pub const NOTION_VERSION: &str = "2026-03-11";
/// Notion's registry entry ([`crate::registry`]).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: crate::SourceKind::Notion,
    mode_setting: "NOTION_MODE",
    template_parameter: "NotionMode",
    deployed_settings: &[],
    on_by_default: true,
    base_url_settings: &["NOTION_API_BASE_URL"],
    endpoint_settings: &[],
    secret_keys: &[settings::TOKEN_KEY],
    shared_service_credential: true,
    comments: true,
    lists_events: false,
    item_types: &[crate::query::ItemType::Page],
    // Notion has no scopes: the integration's capabilities decide what a token may do.
    upstream_scopes: &[],
    settings: settings::settings,
    example_id: "2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab",
};

const REAUTH: &str = "Reconnect Notion to workplace-mcp and share the pages with it.";

/// The Notion source.
pub struct Notion {
    upstream: Upstream,
    base_url: BaseUrl,
    cache: crate::text_cache::TextCache,
}

impl Notion {
    /// Notion at `base_url`.
    pub(crate) fn new(http: reqwest::Client, base_url: BaseUrl) -> Self {
        Self {
            upstream: Upstream::new(http, dialect::API, REAUTH)
                .with_headers(&[("Notion-Version", NOTION_VERSION)]),
            base_url,
            cache: crate::text_cache::TextCache::default(),
        }
    }

    /// Shares extracted text with the other containers through `cache` (none: this container's
    /// own cache only).
    pub(crate) fn with_shared_cache(mut self, cache: Option<workplace_cache::SharedCache>) -> Self {
        self.cache =
            crate::text_cache::TextCache::with_shared(cache, crate::SourceKind::Notion.as_str());
        self
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
