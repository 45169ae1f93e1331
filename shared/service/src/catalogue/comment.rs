//! `add_comment` in MCP `Tool` shape.

use serde_json::{Value, json};
use workplace_connectors::MAX_COMMENT_CHARS;

use super::ADD_COMMENT;
use crate::tool_result::with_error_branch;

/// The tool: a write, so not read-only; it adds and never removes or overwrites, so not
/// destructive; calling it twice adds two comments, so not idempotent; it reaches the user's
/// workplace apps, so open world.
pub(super) fn add_comment() -> Value {
    json!({
        "name": ADD_COMMENT,
        "title": "Add comment",
        "description": "Add a comment to one Google Drive file or Notion page, as the user, by the `id` that \
            `workplace_search` or `search` returned. It posts a new comment each time it is called: call it once \
            per comment, and only when the user asked for one. Needs the `workplace:write:comments` scope and \
            the source's read scope. SharePoint/OneDrive files cannot be commented on (Microsoft Graph has no \
            API for it). The answer has the comment's `comment_id` and a `url` that opens the document.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "description": "A result `id` from workplace_search, e.g. \"google_drive:1a2b...\" or \"notion:1f2e...\"."
                },
                "text": {
                    "type": "string", "minLength": 1, "maxLength": MAX_COMMENT_CHARS,
                    "description": "The comment, in plain text."
                }
            },
            "required": ["id", "text"],
            "additionalProperties": false
        },
        "outputSchema": with_error_branch(json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "The item commented on."},
                "source": {"type": "string", "enum": ["google_drive", "notion"]},
                "comment_id": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string", "description": "Opens the document (Drive: at the comment)."},
                "created_time": {"type": ["string", "null"]}
            },
            "required": ["id", "source", "comment_id", "title", "url"]
        })),
        "annotations": {
            "title": "Add comment",
            "readOnlyHint": false,
            "destructiveHint": false,
            "idempotentHint": false,
            "openWorldHint": true,
        },
    })
}
