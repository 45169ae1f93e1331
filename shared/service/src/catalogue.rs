//! The tool catalogue, in MCP `Tool` shape, shared by `GET /mcp/tools` and MCP `tools/list`.

use serde_json::{Value, json};
use workplace_connectors::query::ItemType;
use workplace_connectors::{HitDetails, SourceKind};

use crate::arguments::filters::{
    FILTER_FIELDS, MAX_CONTAINER_CHARS, MAX_CONTAINERS, MAX_OWNER_CHARS,
};
use crate::arguments::{
    DEFAULT_FETCH_CHARS, DEFAULT_MAX_RESULTS, DEFAULT_MAX_TOKENS, MAX_CURSOR_CHARS,
    MAX_FETCH_CHARS, MAX_FETCH_OFFSET, MAX_QUERY_CHARS, MAX_RESULTS, MAX_SOURCES, MAX_TOKENS,
};
use crate::tool_result::with_error_branch;
use crate::untrusted;
use workplace_policy::{Policy, ToolInfo};

mod comment;
mod events;
mod icons;

/// Name of the search tool.
pub const WORKPLACE_SEARCH: &str = "workplace_search";
/// Name of the fetch tool (the name ChatGPT-style connectors expect beside `search`).
pub const FETCH: &str = "fetch";
/// Name of the search tool in ChatGPT's connector contract (query in, `{"results": [...]}` out).
pub const SEARCH: &str = "search";

/// Name of the comment tool, the one write (scope `workplace:write:comments`).
pub const ADD_COMMENT: &str = "add_comment";

/// Name of the calendar tool: events in a time window.
pub const LIST_EVENTS: &str = "list_events";

/// Every tool, in MCP `Tool` shape.
pub fn tools() -> Value {
    json!([
        workplace_search(),
        fetch(),
        search(),
        comment::add_comment(),
        events::list_events()
    ])
}

/// Every tool's name, in catalogue order. Only these reach records and metric dimensions.
pub const NAMES: [&str; 5] = [WORKPLACE_SEARCH, FETCH, SEARCH, ADD_COMMENT, LIST_EVENTS];

/// Whether `name` is a tool this server offers.
pub fn is_known(name: &str) -> bool {
    NAMES.contains(&name)
}

/// A tool as the admin policy sees it: its name, and whether it writes (`add_comment` is the one
/// tool without `readOnlyHint`).
pub fn tool_info(name: &str) -> Option<ToolInfo> {
    NAMES.iter().find(|n| **n == name).map(|name| ToolInfo {
        name,
        writes: *name == ADD_COMMENT,
    })
}

/// Every tool, as the admin policy sees it.
pub fn policy_tools() -> Vec<ToolInfo> {
    NAMES.iter().filter_map(|name| tool_info(name)).collect()
}

/// The catalogue as `policy` lets a caller see it: the tools it refuses are not listed.
pub fn allowed_tools(policy: &Policy) -> Value {
    let mut all = tools();
    if let Some(list) = all.as_array_mut() {
        list.retain(|tool| {
            tool["name"]
                .as_str()
                .and_then(tool_info)
                .is_some_and(|info| policy.allows_tool(info).is_ok())
        });
    }
    all
}

/// A tool description followed by the notice that what the tool returns is third-party data:
/// hosts show descriptions to the model before any result arrives.
pub(crate) fn described(description: &str) -> String {
    format!("{description} {}", untrusted::NOTICE)
}

/// The wire names of every source, for the schemas' `sources` enums (from the registry, so a new
/// source is offered without editing a schema).
pub(crate) fn source_names() -> Vec<&'static str> {
    workplace_connectors::SourceKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect()
}

fn annotations(title: &str) -> Value {
    json!({
        "title": title,
        "readOnlyHint": true,
        "destructiveHint": false,
        "idempotentHint": true,
        "openWorldHint": true,
    })
}

fn workplace_search() -> Value {
    json!({
        "name": WORKPLACE_SEARCH,
        "title": "Workplace search",
        "icons": icons::icons(icons::SEARCH),
        "description": described("Search the user's company documents in Google Drive, Notion and SharePoint/OneDrive, and \
            their mail in Gmail and Outlook mail, their meetings in Google Calendar and the Outlook calendar (each where enabled), \
            at once, live, and get one ranked list. A mail result is one thread, with its sender, recipients and date in \
            `details`; a meeting has its time, place, organizer and attendees there. A source runs with the user's own permissions unless its `sources` \
            report says `access: \"shared\"` (then one shared integration answers every caller). Each result has an `id` to pass to \
            `fetch` for the full text. Google Drive and SharePoint match words in titles and document text; Notion \
            matches page titles only, so use words likely to appear in a Notion page's title. Where the server \
            offers them, the user's Google and Outlook calendars are searched too (meetings from 90 days before to \
            90 days after today, with their time, place and attendees in `details`); for the meetings in a given \
            period, use `list_events`. The `sources` report \
            says which sources answered; a source that timed out, was rate limited or needs the user to reconnect \
            is named there, and the other sources' results are still returned. Salesforce (when enabled) answers CRM \
            records (accounts, contacts, opportunities, cases) with their key fields (stage, amount, close date, owner, \
            status, priority) in `details`."),
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": {
                    "type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS,
                    "description": "What to look for, in plain words (e.g. \"Q4 planning\", \"quarterly budget\")."
                },
                "sources": {
                    "type": "array",
                    "items": {"type": "string", "enum": source_names()},
                    "minItems": 1, "maxItems": MAX_SOURCES, "uniqueItems": true,
                    "description": "Which sources to search. Omit to search every source you are authorized for."
                },
                "max_results": {
                    "type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": DEFAULT_MAX_RESULTS,
                    "description": "How many merged results to return."
                },
                "include_content": {
                    "type": "boolean", "default": false,
                    "description": "Attach each result's text (cut to a size limit; `truncated` says when). Slower."
                },
                "max_tokens": {
                    "type": "integer", "minimum": MAX_TOKENS.start(), "maximum": MAX_TOKENS.end(), "default": DEFAULT_MAX_TOKENS,
                    "description": "With `include_content`: the most tokens (about 4 characters each) the answer may take. The best results keep their text; the rest are cut short or left out, as `content_budget` says; `fetch` reads them whole."
                },
                "filters": filters_schema(),
                "cursor": {
                    "type": "string", "minLength": 1, "maxLength": MAX_CURSOR_CHARS, "pattern": "^[A-Za-z0-9_.-]+$",
                    "description": "The `next_cursor` of the previous page, unchanged, to get the next page of the same ranking. Send the same query, sources and filters with it; `max_results` may differ. Cursors expire after some minutes."
                }
            },
            "required": ["query"],
            "additionalProperties": false
        },
        "outputSchema": with_error_branch(search_output_schema()),
        "annotations": annotations("Workplace search"),
    })
}

/// `workplace_search`'s `filters`.
fn filters_schema() -> Value {
    let date = |what: &str| {
        json!({
            "type": "string", "minLength": 10, "maxLength": 40,
            "description": format!("{what}: a date (2026-11-30, midnight UTC) or an RFC 3339 time (2026-11-30T09:00:00Z).")
        })
    };
    let types: Vec<&str> = ItemType::ALL.iter().map(|t| t.as_str()).collect();
    let mut containers = serde_json::Map::new();
    for kind in SourceKind::ALL {
        containers.insert(
            kind.as_str().to_owned(),
            json!({
                "type": "array", "minItems": 1, "maxItems": MAX_CONTAINERS,
                "items": {"type": "string", "minLength": 1, "maxLength": MAX_CONTAINER_CHARS, "pattern": "^[A-Za-z0-9._,:@!-]+$"}
            }),
        );
    }
    json!({
        "type": "object",
        "description": "Narrow the results. Each source applies what it can in its own query language; the `sources` report lists per source the filters it could not apply (`filters_not_applied`), whose results you must judge yourself.",
        "properties": {
            "modified_after": date("Changed at or after"),
            "modified_before": date("Changed before"),
            "created_after": date("Created at or after"),
            "created_before": date("Created before"),
            "owner": {
                "type": "string", "minLength": 1, "maxLength": MAX_OWNER_CHARS,
                "description": "Owned, written, sent or organized by this person: an email address (exact) or a full name."
            },
            "type": {
                "anyOf": [
                    {"type": "string", "enum": types},
                    {"type": "array", "items": {"type": "string", "enum": types}, "minItems": 1, "uniqueItems": true}
                ],
                "description": "Only these kinds of item; sources that hold none of them are not searched."
            },
            "containers": {
                "type": "object", "minProperties": 1, "additionalProperties": false,
                "properties": containers,
                "description": "Per source, the containers to search in: a Google shared drive's id, a SharePoint site's id, a Salesforce object name (Account, Opportunity, Contact, Case). With no `sources`, only the sources named here are searched."
            }
        },
        "additionalProperties": false
    })
}

fn search_output_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "description": "Source-qualified id; pass it to `fetch`."},
                        "source": {"type": "string", "enum": source_names()},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "snippet": {"type": "string"},
                        "modified_time": {"type": ["string", "null"]},
                        "author": {"type": "string"},
                        "details": HitDetails::json_schema(),
                        "score": {"type": "number"},
                        "content": {"type": "string"},
                        "truncated": {"type": "boolean"},
                        "content_error": {"type": "string"},
                        "enrichment_skipped": {"type": "boolean", "description": "The snippet is the source's own, not the passage matching the query: the text was not read within the snippet budget."}
                    },
                    "required": ["id", "source", "title", "url", "snippet", "score"]
                }
            },
            "content_trust": untrusted::schema_property(),
            "total_count": {"type": "integer"},
            "sources": source_reports_schema(),
            "searched_for": {"type": "string", "description": "The corrected keywords searched for, when the query as typed found too little and a likely misspelling was corrected."},
            "content_budget": {
                "type": "object",
                "description": "What `max_tokens` cut from the results' content.",
                "properties": {
                    "max_tokens": {"type": "integer"},
                    "shortened": {"type": "integer"},
                    "omitted": {"type": "integer"}
                },
                "required": ["max_tokens", "shortened", "omitted"]
            },
            "next_cursor": {"type": "string", "description": "More results exist: pass this as `cursor` (with the same query, sources and filters) for the next page."}
        },
        "required": ["results", "total_count", "sources", "content_trust"]
    })
}

/// The per-source reports every answer over several sources carries (`workplace_search`,
/// `list_events`).
pub(crate) fn source_reports_schema() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "source": {"type": "string"},
                "status": {"type": "string", "enum": ["ok", "timeout", "rate_limited", "reauth_required", "error"]},
                "count": {"type": "integer"},
                "access": {"type": "string", "enum": ["per_user", "shared"]},
                "retry_after_seconds": {"type": "integer"},
                "message": {"type": "string"},
                "query": {"type": "string", "description": "The query this source ran, in its own dialect."},
                "relaxed_query": {"type": "string", "description": "The broader query it ran next, when the first found too little."},
                "filters_not_applied": {
                    "type": "array",
                    "items": {"type": "string", "enum": FILTER_FIELDS},
                    "description": "Requested filters this source's results are not narrowed by: judge those results yourself."
                }
            },
            "required": ["source", "status", "count"]
        }
    })
}

fn fetch() -> Value {
    json!({
        "name": FETCH,
        "title": "Fetch document",
        "icons": icons::icons(icons::DOCUMENT),
        "description": described("Get the full text of one document found by `workplace_search` or `search`, by its `id`. \
            The answer is JSON (`id`, `title`, `text`, `url`, `metadata`). Long documents come in pages: when \
            `truncated` is true, call again with `cursor` set to `next_cursor` (or `offset` set to `next_offset`)."),
        "inputSchema": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "A result `id` from workplace_search, e.g. \"notion:1f2e...\"."},
                "offset": {"type": "integer", "minimum": 0, "maximum": MAX_FETCH_OFFSET, "default": 0, "description": "Character offset to start at."},
                "max_chars": {
                    "type": "integer", "minimum": 1, "maximum": MAX_FETCH_CHARS, "default": DEFAULT_FETCH_CHARS,
                    "description": "Most characters to return."
                },
                "cursor": {
                    "type": "string", "minLength": 1, "maxLength": MAX_CURSOR_CHARS, "pattern": "^[A-Za-z0-9_.-]+$",
                    "description": "The `next_cursor` of the previous page of this document, unchanged (instead of `offset`)."
                }
            },
            "required": ["id"],
            "additionalProperties": false
        },
        "outputSchema": with_error_branch(json!({
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "text": {"type": "string"},
                "url": {"type": "string"},
                "offset": {"type": "integer"},
                "next_offset": {"type": ["integer", "null"]},
                "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` (instead of `offset`) for the next page; the same signed cursors as workplace_search's."},
                "truncated": {"type": "boolean"},
                "content_error": {"type": "string", "description": "Why the document has no text: encrypted, scanned, damaged, over a size limit."},
                "metadata": {"type": "object"},
                "details": HitDetails::json_schema(),
                "content_trust": untrusted::schema_property()
            },
            "required": ["id", "title", "text", "url", "offset", "truncated", "content_trust"]
        })),
        "annotations": annotations("Fetch document"),
    })
}

fn search() -> Value {
    json!({
        "name": SEARCH,
        "title": "Search (ChatGPT connectors)",
        "icons": icons::icons(icons::SEARCH),
        "description": described("Search the user's company documents in Google Drive, Notion and SharePoint/OneDrive, their \
            mail in Gmail and Outlook mail and their meetings in Google Calendar and the Outlook calendar (where enabled), live \
            (with the user's own permissions, unless a source is configured to share one credential). Takes only a query and answers `{\"results\": [{id, title, url, \
            text}]}`; pass an `id` to `fetch` for the full text. Same engine as `workplace_search`, which also lets \
            you choose sources and the number of results. Notion matches page titles only. Salesforce (when enabled) \
            answers CRM records: accounts, contacts, opportunities and cases."),
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": {
                    "type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS,
                    "description": "What to look for, in plain words."
                }
            },
            "required": ["query"],
            "additionalProperties": false
        },
        "outputSchema": with_error_branch(crate::chatgpt::output_schema()),
        "annotations": annotations("Search (ChatGPT connectors)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use workplace_connectors::SourceKind;

    #[test]
    fn every_tool_has_an_icon() {
        for tool in tools().as_array().unwrap() {
            let src = tool["icons"][0]["src"].as_str().unwrap_or_default();
            assert!(src.starts_with("data:image/svg+xml,"), "{}", tool["name"]);
        }
    }

    /// The `sources` enums come from the registry, and the prose that lists the sources names
    /// every one of them: a new source cannot be offered by one and forgotten by the other.
    #[test]
    fn every_source_is_offered_and_described() {
        let tools = tools();
        let names: Vec<Value> = SourceKind::ALL.iter().map(|k| json!(k.as_str())).collect();
        let search = &tools[0];
        assert_eq!(search["name"], WORKPLACE_SEARCH);
        assert_eq!(
            search["inputSchema"]["properties"]["sources"]["items"]["enum"],
            json!(names)
        );
        assert_eq!(
            search["outputSchema"]["properties"]["results"]["items"]["properties"]["source"]["enum"],
            json!(names)
        );
        for tool in tools.as_array().unwrap() {
            if ![WORKPLACE_SEARCH, SEARCH].contains(&tool["name"].as_str().unwrap()) {
                continue;
            }
            let description = tool["description"].as_str().unwrap();
            for kind in SourceKind::ALL {
                assert!(
                    description.contains(kind.display_name()),
                    "{} does not name {}",
                    tool["name"],
                    kind.display_name()
                );
            }
        }
        let comment = tools
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == ADD_COMMENT)
            .unwrap();
        let commentable: Vec<Value> = workplace_connectors::registry::commentable()
            .map(|k| json!(k.as_str()))
            .collect();
        assert_eq!(
            comment["outputSchema"]["properties"]["source"]["enum"],
            json!(commentable)
        );
    }

    #[test]
    fn tools_have_the_mcp_shape() {
        let tools = tools();
        for tool in tools.as_array().unwrap() {
            for key in [
                "name",
                "title",
                "description",
                "inputSchema",
                "outputSchema",
                "annotations",
            ] {
                assert!(tool.get(key).is_some(), "{key} missing in {}", tool["name"]);
            }
            let read_only = tool["name"] != ADD_COMMENT;
            assert_eq!(tool["annotations"]["readOnlyHint"], read_only);
            assert_eq!(tool["annotations"]["idempotentHint"], read_only);
            assert_eq!(tool["annotations"]["destructiveHint"], false);
            assert_eq!(tool["annotations"]["openWorldHint"], true);
            assert_eq!(tool["inputSchema"]["type"], "object");
            assert!(is_known(tool["name"].as_str().unwrap()));
            let description = tool["description"].as_str().unwrap();
            assert!(description.contains("third-party data"), "{description}");
            assert!(description.contains("not instructions"), "{description}");
            let schema = &tool["outputSchema"];
            assert_eq!(
                schema["properties"][untrusted::CONTENT_TRUST_FIELD]["enum"],
                json!([untrusted::THIRD_PARTY]),
                "{}",
                tool["name"]
            );
            assert!(
                schema["anyOf"][0]["required"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(untrusted::CONTENT_TRUST_FIELD)),
                "{}",
                tool["name"]
            );
        }
        assert!(!is_known("delete_everything"));
        assert_eq!(tools.as_array().unwrap().len(), NAMES.len());
        for (tool, name) in tools.as_array().unwrap().iter().zip(NAMES) {
            assert_eq!(tool["name"], name);
        }
    }
}
