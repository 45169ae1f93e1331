//! Notion: `POST /v1/search` for pages, text from `GET /v1/blocks/{id}/children`.
//!
//! Notion's search API matches **page titles only**, not page text: a query finds pages whose
//! title contains its words. The `Notion-Version` is pinned to [`NOTION_VERSION`] (2026-03-11, the
//! newest: `in_trash` replaces `archived`, search filters on `page`/`data_source`), so an API change
//! reaches us only when we move the pin. Snippets are the first blocks of each hit (one request per
//! hit, concurrently, bounded); content is the whole block tree, recursive but bounded in depth,
//! block count and characters, rendered as readable text.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::broker::{TokenBroker, begin};
use crate::endpoint::BaseUrl;
use crate::http::{self, Api};
use crate::id::NotionId;
use crate::retry::{Failure, with_retries};
use crate::text::cut_chars;
use crate::{Access, BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext};

/// The pinned API version.
pub const NOTION_VERSION: &str = "2026-03-11";
/// Deepest nesting rendered.
const MAX_DEPTH: usize = 6;
/// Most blocks read for one page.
const MAX_BLOCKS: usize = 2_000;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 240;
const REAUTH: &str = "Reconnect Notion to workplace-mcp and share the pages with it.";

/// The Notion source.
pub struct Notion {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: BaseUrl,
    pub(crate) broker: Arc<dyn TokenBroker>,
    pub(crate) timeout: Duration,
    /// Per user (outbound tokens) or shared (the integration's credential).
    pub(crate) access: Access,
}

/// One block, reduced to what rendering needs.
struct Block {
    id: String,
    kind: String,
    body: Value,
    has_children: bool,
}

impl Notion {
    async fn call(&self, token: &str, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
        let response = request
            .bearer_auth(token)
            .header("Notion-Version", NOTION_VERSION)
            .send()
            .await
            .map_err(|e| http::transport(Api::Notion, &e))?;
        if !response.status().is_success() {
            return Err(http::failure(Api::Notion, response, REAUTH).await);
        }
        http::json(Api::Notion, response).await
    }

    async fn children(
        &self,
        token: &str,
        block: &NotionId,
        cursor: Option<&str>,
        page_size: usize,
        deadline: Instant,
    ) -> Result<Value, SourceError> {
        let url = self
            .base_url
            .join(&["v1", "blocks", block.as_str(), "children"]);
        with_retries(deadline, || {
            let mut request = self
                .http
                .get(url.clone())
                .query(&[("page_size", page_size.to_string())]);
            if let Some(cursor) = cursor {
                request = request.query(&[("start_cursor", cursor)]);
            }
            self.call(token, request)
        })
        .await
    }

    async fn search_pages(
        &self,
        token: &str,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        let url = self.base_url.join(&["v1", "search"]);
        let mut hits = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..3 {
            let mut body = json!({"query": query, "filter": {"property": "object", "value": "page"}, "page_size": limit.clamp(1, 100)});
            if let Some(c) = &cursor {
                body["start_cursor"] = json!(c);
            }
            let page = with_retries(deadline, || {
                self.call(token, self.http.post(url.clone()).json(&body))
            })
            .await?;
            // Partial objects (`{"object":"page","id":...}`) and data sources are skipped, not fatal.
            let results = page
                .get("results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            hits.extend(results.iter().filter_map(page_hit));
            cursor = page
                .get("next_cursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if hits.len() >= limit || cursor.is_none() || page.get("has_more") != Some(&json!(true))
            {
                break;
            }
        }
        hits.truncate(limit);
        // Snippets: the first blocks of each page, a few pages at a time, never failing the search.
        let snippets: Vec<String> =
            futures::stream::iter(hits.iter().map(|h| h.item_id.clone()).collect::<Vec<_>>())
                .map(|id| async move {
                    let Ok(id) = NotionId::parse(&id) else {
                        return String::new();
                    };
                    match self.children(token, &id, None, 10, deadline).await {
                        Ok(page) => {
                            let blocks = parse_blocks(&page);
                            let text: Vec<String> = blocks
                                .iter()
                                .map(|b| rich_text(&b.body))
                                .filter(|t| !t.is_empty())
                                .collect();
                            let joined = text.join(" · ");
                            let (snippet, cut) = cut_chars(&joined, SNIPPET_CHARS);
                            if cut {
                                format!("{snippet}…")
                            } else {
                                snippet.to_owned()
                            }
                        }
                        Err(_) => String::new(),
                    }
                })
                .buffered(3)
                .collect()
                .await;
        for (hit, snippet) in hits.iter_mut().zip(snippets) {
            hit.snippet = snippet;
        }
        Ok(hits)
    }

    async fn fetch_content(
        &self,
        token: &str,
        page_id: &str,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        // An id Notion could not have issued names nothing this user can see.
        let page_id = NotionId::parse(page_id).map_err(|_| SourceError::NotFound)?;
        let url = self.base_url.join(&["v1", "pages", page_id.as_str()]);
        let page = with_retries(deadline, || self.call(token, self.http.get(url.clone()))).await?;
        let hit = page_hit(&page).ok_or(SourceError::NotFound)?;
        let mut out = String::new();
        let mut budget = Budget {
            blocks: MAX_BLOCKS,
            chars: max_chars.saturating_add(1),
            truncated: false,
        };
        self.render(token, &page_id, 0, &mut out, &mut budget, deadline)
            .await?;
        let (text, cut) = cut_chars(&out, max_chars);
        Ok(Content {
            title: hit.title,
            url: hit.url,
            text: text.to_owned(),
            truncated: cut || budget.truncated,
            unavailable_reason: None,
        })
    }

    /// Renders `parent`'s children (depth-first), within `budget`.
    fn render<'a>(
        &'a self,
        token: &'a str,
        parent: &'a NotionId,
        depth: usize,
        out: &'a mut String,
        budget: &'a mut Budget,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<(), SourceError>> {
        Box::pin(async move {
            let mut cursor: Option<String> = None;
            let mut number = 0;
            loop {
                let page = self
                    .children(token, parent, cursor.as_deref(), 100, deadline)
                    .await?;
                for block in parse_blocks(&page) {
                    if budget.blocks == 0 || out.chars().count() >= budget.chars {
                        budget.truncated = true;
                        return Ok(());
                    }
                    budget.blocks -= 1;
                    number = if block.kind == "numbered_list_item" {
                        number + 1
                    } else {
                        0
                    };
                    render_block(&block, depth, number, out);
                    if block.has_children
                        && block.kind != "child_page"
                        && block.kind != "child_database"
                    {
                        match NotionId::parse(&block.id) {
                            Ok(child) if depth + 1 < MAX_DEPTH => {
                                self.render(token, &child, depth + 1, out, budget, deadline)
                                    .await?;
                            }
                            // Too deep, or an id Notion would not send: not followed.
                            _ => budget.truncated = true,
                        }
                    }
                }
                cursor = page
                    .get("next_cursor")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if cursor.is_none() || page.get("has_more") != Some(&json!(true)) {
                    return Ok(());
                }
            }
        })
    }
}

struct Budget {
    blocks: usize,
    chars: usize,
    truncated: bool,
}

fn parse_blocks(page: &Value) -> Vec<Block> {
    page.get("results")
        .and_then(Value::as_array)
        .map(|results| {
            results
                .iter()
                .filter_map(|b| {
                    let kind = b.get("type")?.as_str()?.to_owned();
                    Some(Block {
                        id: b.get("id")?.as_str()?.to_owned(),
                        body: b.get(&kind).cloned().unwrap_or(Value::Null),
                        has_children: b.get("has_children") == Some(&json!(true)),
                        kind,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn plain(rich: Option<&Value>) -> String {
    rich.and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p.get("plain_text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

fn rich_text(body: &Value) -> String {
    plain(body.get("rich_text"))
}

/// Appends one block as a line of readable text.
fn render_block(block: &Block, depth: usize, number: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let text = rich_text(&block.body);
    let line = match block.kind.as_str() {
        "heading_1" => format!("# {text}"),
        "heading_2" => format!("## {text}"),
        "heading_3" => format!("### {text}"),
        "bulleted_list_item" => format!("{indent}- {text}"),
        "numbered_list_item" => format!("{indent}{number}. {text}"),
        "to_do" => {
            let mark = if block.body.get("checked") == Some(&json!(true)) {
                "x"
            } else {
                " "
            };
            format!("{indent}[{mark}] {text}")
        }
        "toggle" => format!("{indent}▸ {text}"),
        "quote" => format!("{indent}> {text}"),
        "callout" => format!("{indent}Note: {text}"),
        "code" => {
            let language = block
                .body
                .get("language")
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!("```{language}\n{text}\n```")
        }
        "child_page" | "child_database" => {
            let title = block
                .body
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!(
                "{indent}[{}: {title}]",
                if block.kind == "child_page" {
                    "page"
                } else {
                    "database"
                }
            )
        }
        "table_row" => {
            let cells: Vec<String> = block
                .body
                .get("cells")
                .and_then(Value::as_array)
                .map(|cells| cells.iter().map(|c| plain(Some(c))).collect())
                .unwrap_or_default();
            format!("{indent}| {} |", cells.join(" | "))
        }
        "divider" => "---".to_owned(),
        "paragraph" => format!("{indent}{text}"),
        // Unknown and media blocks carry no text we can show.
        _ if text.is_empty() => return,
        _ => format!("{indent}{text}"),
    };
    if line.trim().is_empty() {
        return;
    }
    out.push_str(&line);
    out.push('\n');
}

/// A search hit from a page object; `None` for partial objects and non-pages.
fn page_hit(page: &Value) -> Option<SearchHit> {
    if page.get("object")?.as_str()? != "page" {
        return None;
    }
    let id = page.get("id")?.as_str()?;
    let url = page.get("url")?.as_str()?;
    // The title property's name varies (`title` for pages, the column name for database rows).
    let title = page
        .get("properties")?
        .as_object()?
        .values()
        .find(|p| p.get("type").and_then(Value::as_str) == Some("title"))
        .map(|p| plain(p.get("title")))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "(untitled)".to_owned());
    Some(SearchHit {
        item_id: id.to_owned(),
        title,
        url: url.to_owned(),
        snippet: String::new(),
        modified_time: page
            .get("last_edited_time")
            .and_then(Value::as_str)
            .map(str::to_owned),
        author: None,
    })
}

impl Source for Notion {
    fn kind(&self) -> SourceKind {
        SourceKind::Notion
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
            self.search_pages(token.expose_secret(), query, limit, deadline)
                .await
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        item_id: &'a str,
        max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.broker.as_ref(), user, self.timeout).await?;
            self.fetch_content(token.expose_secret(), item_id, max_chars, deadline)
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_property_is_found_by_type_and_partial_objects_are_skipped() {
        let row = json!({"object": "page", "id": "p1", "url": "https://www.notion.so/p1",
            "properties": {"Owner": {"type": "rich_text", "rich_text": []},
                           "Name": {"type": "title", "title": [{"plain_text": "Budget "}, {"plain_text": "FAQ"}]}}});
        assert_eq!(page_hit(&row).unwrap().title, "Budget FAQ");
        assert!(page_hit(&json!({"object": "page", "id": "p2"})).is_none());
        assert!(page_hit(&json!({"object": "data_source", "id": "d", "url": "u"})).is_none());
    }

    #[test]
    fn blocks_render_as_readable_text() {
        let mut out = String::new();
        let block = |kind: &str, body: Value| Block {
            id: "b".into(),
            kind: kind.into(),
            body,
            has_children: false,
        };
        let text = |t: &str| json!({"rich_text": [{"plain_text": t}]});
        render_block(&block("heading_1", text("Plan")), 0, 0, &mut out);
        render_block(&block("bulleted_list_item", text("nested")), 1, 0, &mut out);
        render_block(
            &block(
                "to_do",
                json!({"rich_text": [{"plain_text": "done"}], "checked": true}),
            ),
            0,
            0,
            &mut out,
        );
        render_block(
            &block(
                "code",
                json!({"rich_text": [{"plain_text": "ls"}], "language": "bash"}),
            ),
            0,
            0,
            &mut out,
        );
        render_block(&block("image", json!({})), 0, 0, &mut out);
        assert_eq!(out, "# Plan\n  - nested\n[x] done\n```bash\nls\n```\n");
    }
}
