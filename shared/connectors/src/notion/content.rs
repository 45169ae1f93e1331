//! A page's text: the block tree, depth-first, bounded in depth, block count and characters, kept
//! in the per-container cache (`crate::text_cache`) by page id and `last_edited_time`.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Notion;
use super::render::{next_number, page_hit, render_block};
use super::wire::Page;
use crate::connector::Read;
use crate::id::NotionId;
use crate::text::cut_chars;
use crate::text_cache::Rendered;
use crate::upstream::Auth;
use crate::{BoxFuture, Content, SearchHit, SourceError};

/// Deepest nesting rendered.
const MAX_DEPTH: usize = 6;
/// Most blocks read for one page.
const MAX_BLOCKS: usize = 2_000;

/// How much of the block tree to read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// The whole tree, to [`MAX_DEPTH`] (a fetch).
    Whole,
    /// The page's own blocks only: one request per 100 blocks, none per nested block. Enough
    /// for a snippet, and what keeps an uncached snippet to one round trip.
    TopLevel,
}

/// What rendering may still spend.
struct Budget {
    /// Levels of blocks read: [`MAX_DEPTH`] for a fetch, 1 for a snippet.
    depth: usize,
    blocks: usize,
    chars: usize,
    truncated: bool,
}

impl Read for Notion {
    type Id = NotionId;

    const READS_HITS: bool = true;

    async fn content_with(
        &self,
        token: &SecretString,
        page_id: &NotionId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        // The page `GET` checks, with the caller's token, that the page is theirs to read, and
        // names its edition: only then may the cache answer.
        let url = self.base_url.join(&["v1", "pages", page_id.as_str()]);
        let page: Page = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
            .await?;
        let hit = page_hit(&page).ok_or(SourceError::NotFound)?;
        let rendered = self
            .rendered(
                token,
                page_id,
                hit.modified_time.as_deref(),
                Depth::Whole,
                max_chars,
                deadline,
            )
            .await?;
        let (text, cut) = cut_chars(&rendered.text, max_chars);
        Ok(Content {
            title: hit.title,
            url: hit.url,
            text: text.to_owned(),
            truncated: cut || !rendered.complete,
            unavailable_reason: None,
            details: None,
        })
    }

    async fn hit_text_with(
        &self,
        token: &SecretString,
        hit: &SearchHit,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Option<String>, SourceError> {
        let Ok(page_id) = NotionId::parse(&hit.item_id) else {
            return Ok(None);
        };
        let rendered = self
            .rendered(
                token,
                &page_id,
                hit.modified_time.as_deref(),
                Depth::TopLevel,
                max_chars,
                deadline,
            )
            .await?;
        Ok(Some(rendered.text).filter(|t| !t.trim().is_empty()))
    }
}

impl Notion {
    /// The page's text, from the cache when this edition is there (and, for `Depth::Whole`, is a
    /// full render, whole or at least `max_chars` long), else rendered to `depth` and kept.
    ///
    /// A fetch never takes a shallow (top-level) render from the snippet phase, even a long one:
    /// every page of a fetch must be cut from one full render, or the nested blocks at a page
    /// boundary would be lost.
    async fn rendered(
        &self,
        token: &SecretString,
        page_id: &NotionId,
        edited: Option<&str>,
        depth: Depth,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Rendered, SourceError> {
        if let Some(edited) = edited
            && let Some(cached) = self
                .cache
                .get(page_id.as_str(), edited, depth == Depth::TopLevel)
                .await
            && (depth == Depth::TopLevel
                || (!cached.shallow
                    && (cached.complete || cached.text.chars().count() > max_chars)))
        {
            return Ok(cached);
        }
        let mut out = String::new();
        let mut budget = Budget {
            depth: match depth {
                Depth::Whole => MAX_DEPTH,
                Depth::TopLevel => 1,
            },
            blocks: MAX_BLOCKS,
            chars: max_chars.saturating_add(1),
            truncated: false,
        };
        self.render(token, page_id, 0, &mut out, &mut budget, deadline)
            .await?;
        let rendered = Rendered {
            complete: !budget.truncated && out.chars().count() <= max_chars,
            // A top-level render that left nothing out is the page's full text too.
            shallow: depth == Depth::TopLevel && budget.truncated,
            unreadable: false,
            text: out,
        };
        if let Some(edited) = edited {
            self.cache.put(page_id.as_str(), edited, rendered.clone());
        }
        Ok(rendered)
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
                            Ok(child) if depth + 1 < budget.depth => {
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
