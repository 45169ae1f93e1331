//! Notion objects as readable text: pages as search hits, blocks as lines.

use super::wire::{Block, Page, plain};
use crate::SearchHit;

/// A search hit from a page object; `None` for partial objects and non-pages.
pub(super) fn page_hit(page: &Page) -> Option<SearchHit> {
    if page.object != "page" {
        return None;
    }
    let url = page.url.as_ref()?;
    // The title property's name varies (`title` for pages, the column name for database rows).
    let title = page
        .properties
        .as_ref()?
        .values()
        .find(|p| p.kind == "title")
        .map(|p| plain(&p.title))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "(untitled)".to_owned());
    Some(SearchHit {
        item_id: page.id.clone(),
        title,
        url: url.clone(),
        snippet: String::new(),
        modified_time: page.last_edited_time.clone(),
        author: None,
        created_time: page.created_time.clone(),
        owner: None,
        item_type: Some(crate::query::ItemType::Page),
        media_type: None,
        details: None,
    })
}

/// The number a block gets in a numbered list: one more than the previous block's when it is a
/// numbered list item, else 0 (any other block ends the list).
pub(super) fn next_number(block: &Block, previous: usize) -> usize {
    if block.kind == "numbered_list_item" {
        previous.saturating_add(1)
    } else {
        0
    }
}

/// Appends one block as a line of readable text.
pub(super) fn render_block(block: &Block, depth: usize, number: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let body = &block.body;
    let text = plain(&body.rich_text);
    let line = match block.kind.as_str() {
        "heading_1" => format!("# {text}"),
        "heading_2" => format!("## {text}"),
        "heading_3" => format!("### {text}"),
        "bulleted_list_item" => format!("{indent}- {text}"),
        "numbered_list_item" => format!("{indent}{number}. {text}"),
        "to_do" => {
            let mark = if body.checked { "x" } else { " " };
            format!("{indent}[{mark}] {text}")
        }
        "toggle" => format!("{indent}▸ {text}"),
        "quote" => format!("{indent}> {text}"),
        "callout" => format!("{indent}Note: {text}"),
        "code" => {
            let language = body.language.as_deref().unwrap_or_default();
            format!("```{language}\n{text}\n```")
        }
        "child_page" | "child_database" => {
            let title = body.title.as_deref().unwrap_or_default();
            let what = if block.kind == "child_page" {
                "page"
            } else {
                "database"
            };
            format!("{indent}[{what}: {title}]")
        }
        "table_row" => {
            let cells: Vec<String> = body.cells.iter().map(|c| plain(c)).collect();
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn page(value: Value) -> Option<SearchHit> {
        serde_json::from_value::<Page>(value)
            .ok()
            .and_then(|p| page_hit(&p))
    }

    #[test]
    fn the_title_property_is_found_by_type_and_partial_objects_are_skipped() {
        let row = json!({"object": "page", "id": "p1", "url": "https://www.notion.so/p1",
            "properties": {"Owner": {"type": "rich_text", "rich_text": []},
                           "Name": {"type": "title", "title": [{"plain_text": "Budget "}, {"plain_text": "FAQ"}]}}});
        assert_eq!(page(row).unwrap().title, "Budget FAQ");
        assert!(page(json!({"object": "page", "id": "p2"})).is_none());
        assert!(page(json!({"object": "data_source", "id": "d", "url": "u"})).is_none());
    }

    #[test]
    fn blocks_render_as_readable_text() {
        let mut out = String::new();
        let block = |kind: &str, body: Value| -> Block {
            serde_json::from_value(
                json!({"id": "b", "type": kind, kind: body, "has_children": false}),
            )
            .unwrap()
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
