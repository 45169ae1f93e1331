//! The connector's Notion parsing and rendering without HTTP, for the fuzz targets of `fuzz/`
//! (feature `fuzzing`, never enabled by the workspace).
//!
//! Bodies are read with the same wire types the connector uses (a malformed entry is skipped, as
//! there) and rendered with the same functions, so a fuzz finding is a finding in production code.

use super::render::{next_number, page_hit, render_block};
use super::wire::{Block, List, Page};
use crate::passage::best_passage;

/// What one `GET /v1/blocks/{id}/children` body renders to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedChildren {
    /// The blocks as lines of text, as `fetch` shows them.
    pub text: String,
    /// The query-aware snippet the search would show for these blocks (query "budget plan").
    pub snippet: String,
    /// How many entries were readable blocks.
    pub blocks: usize,
    /// An upper bound on `text`'s length in bytes: what each block could contribute, so rendering
    /// never amplifies its input beyond indentation and fixed markers.
    pub bound: usize,
    /// The next cursor the connector would follow.
    pub next_cursor: Option<String>,
}

/// Renders a block-children body at `depth`, as the connector does for one page of children.
/// `None` when the body is not a list at all (the connector's request fails then).
pub fn render_children(body: &[u8], depth: usize) -> Option<RenderedChildren> {
    let list: List<Block> = serde_json::from_slice(body).ok()?;
    let mut text = String::new();
    let mut number = 0;
    let mut bound = 0usize;
    for block in &list.results {
        number = next_number(block, number);
        render_block(block, depth, number, &mut text);
        bound = bound.saturating_add(block_bound(block, depth, number));
    }
    Some(RenderedChildren {
        snippet: best_passage(&text, "budget plan").unwrap_or_default(),
        blocks: list.results.len(),
        bound,
        next_cursor: list.next().map(str::to_owned),
        text,
    })
}

/// The titles of the pages a search body would yield as hits (`None` when it is not a list).
pub fn search_titles(body: &[u8]) -> Option<Vec<String>> {
    let list: List<Page> = serde_json::from_slice(body).ok()?;
    Some(
        list.results
            .iter()
            .filter_map(page_hit)
            .map(|hit| hit.title)
            .collect(),
    )
}

/// The most bytes [`render_block`] may append for `block`: its text, the title, language and
/// cells it shows, the indent, the list number and a fixed allowance for markers and newlines.
fn block_bound(block: &Block, depth: usize, number: usize) -> usize {
    let body = &block.body;
    let runs =
        |runs: &[super::wire::RichText]| runs.iter().map(|r| r.plain_text.len()).sum::<usize>();
    let cells: usize = body.cells.iter().map(|c| runs(c) + 3).sum();
    runs(&body.rich_text)
        + body.title.as_deref().map_or(0, str::len)
        + body.language.as_deref().map_or(0, str::len)
        + cells
        + 2 * depth
        + number.to_string().len()
        + 32
}
