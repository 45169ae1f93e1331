//! A page's text: the block tree, depth-first, bounded in depth, block count and characters.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Notion;
use super::render::{next_number, page_hit, render_block};
use super::wire::Page;
use crate::connector::Read;
use crate::id::NotionId;
use crate::text::cut_chars;
use crate::upstream::Auth;
use crate::{BoxFuture, Content, SourceError};

/// Deepest nesting rendered.
const MAX_DEPTH: usize = 6;
/// Most blocks read for one page.
const MAX_BLOCKS: usize = 2_000;

/// What rendering may still spend.
struct Budget {
    blocks: usize,
    chars: usize,
    truncated: bool,
}

impl Read for Notion {
    type Id = NotionId;

    fn parse_id(item_id: &str) -> Result<NotionId, SourceError> {
        NotionId::parse(item_id).map_err(|_| SourceError::NotFound)
    }

    async fn content_with(
        &self,
        token: &SecretString,
        page_id: &NotionId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let url = self.base_url.join(&["v1", "pages", page_id.as_str()]);
        let page: Page = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
            .await?;
        let hit = page_hit(&page).ok_or(SourceError::NotFound)?;
        let mut out = String::new();
        let mut budget = Budget {
            blocks: MAX_BLOCKS,
            chars: max_chars.saturating_add(1),
            truncated: false,
        };
        self.render(token, page_id, 0, &mut out, &mut budget, deadline)
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
}

impl Notion {
    /// Renders `parent`'s children (depth-first), within `budget`.
    fn render<'a>(
        &'a self,
        token: &'a SecretString,
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
                for block in &page.results {
                    if budget.blocks == 0 || out.chars().count() >= budget.chars {
                        budget.truncated = true;
                        return Ok(());
                    }
                    budget.blocks -= 1;
                    number = next_number(block, number);
                    render_block(block, depth, number, out);
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
                cursor = page.next().map(str::to_owned);
                if cursor.is_none() {
                    return Ok(());
                }
            }
        })
    }
}
