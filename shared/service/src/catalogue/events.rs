//! `list_events` in MCP `Tool` shape.

use serde_json::{Value, json};

use super::{LIST_EVENTS, annotations, described};
use crate::arguments::{DEFAULT_EVENTS, MAX_EVENTS, MAX_QUERY_CHARS, MAX_SOURCES, MAX_WINDOW_DAYS};
use crate::tool_result::with_error_branch;

/// The tool: reads only, the same answer for the same calendars, and it reaches the user's
/// workplace apps.
pub(super) fn list_events() -> Value {
    let calendars: Vec<&str> = workplace_connectors::registry::calendars()
        .map(|k| k.as_str())
        .collect();
    json!({
        "name": LIST_EVENTS,
        "title": "List calendar events",
        "icons": super::icons::icons(super::icons::CALENDAR),
        "description": described(&format!("List the user's meetings in a time window across their Google and Outlook \
            calendars at once, live, with their own permissions: e.g. \"what meetings do I have with Globex next \
            week?\" is one call with `start`/`end` bounding the week and `query` \"Globex\". Events are sorted by \
            start; each has its time, place, organizer, attendees with their answers and call link, and an `id` \
            to pass to `fetch` for the description. The window is at most {MAX_WINDOW_DAYS} days; times are RFC \
            3339 with an offset (answers are in UTC). The `sources` report says which calendars answered; one \
            that timed out, was rate limited or needs the user to reconnect is named there, and the others' \
            events are still returned. To find a meeting by words alone, `workplace_search` searches calendars too.")),
        "inputSchema": {
            "type": "object",
            "properties": {
                "start": {
                    "type": "string", "format": "date-time",
                    "description": "Start of the window, RFC 3339 with an offset (e.g. \"2026-12-07T00:00:00Z\"). Events ending after it are listed."
                },
                "end": {
                    "type": "string", "format": "date-time",
                    "description": "End of the window (exclusive), after `start` and at most 62 days later. Events starting before it are listed."
                },
                "query": {
                    "type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS,
                    "description": "Keep only events with every one of these words in the title, description, place or people (e.g. a customer's name)."
                },
                "sources": {
                    "type": "array",
                    "items": {"type": "string", "enum": calendars},
                    "minItems": 1, "maxItems": MAX_SOURCES, "uniqueItems": true,
                    "description": "Which calendars to list. Omit to list every calendar you are authorized for."
                },
                "max_results": {
                    "type": "integer", "minimum": 1, "maximum": MAX_EVENTS, "default": DEFAULT_EVENTS,
                    "description": "Most events to return, earliest first."
                }
            },
            "required": ["start", "end"],
            "additionalProperties": false
        },
        "outputSchema": with_error_branch(crate::tools::events_output_schema()),
        "annotations": annotations("List calendar events"),
    })
}
