//! Validating tool arguments into typed requests.
//!
//! Validation is done by hand over a `serde_json` map rather than by `#[serde(deny_unknown_fields)]`
//! so every rejection names the field and says why, in words a model can act on.

use serde_json::Value;
use workplace_connectors::query::Filters;
use workplace_connectors::{ItemId, SourceKind};

// `add_comment`'s arguments live in their own file (a child module, so it shares the helpers).
// Named by path so the fuzz target, which compiles this file on its own (`fuzz/`), finds it too.
#[path = "arguments/comment.rs"]
mod comment;
#[path = "arguments/events.rs"]
mod events;
#[path = "arguments/filters.rs"]
pub mod filters;
#[path = "arguments/values.rs"]
mod values;

pub use comment::CommentArgs;
pub use events::{DEFAULT_EVENTS, EventsArgs, MAX_EVENTS, MAX_WINDOW_DAYS};
use values::{integer, invalid, kind_of, object, reject_unknown, required_text};

/// A rejected argument: which field and why. Becomes a 422 on REST and an `isError` tool result
/// on MCP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidArgument {
    /// The argument's name (`arguments` for the object itself).
    pub field: String,
    /// What is wrong, and what would be right.
    pub reason: String,
}

/// Longest accepted query, in characters after trimming.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most sources one call may name: each source once.
pub const MAX_SOURCES: usize = SourceKind::ALL.len();
/// Bounds of `max_results`.
pub const MAX_RESULTS: u64 = 50;
/// `max_results` when omitted.
pub const DEFAULT_MAX_RESULTS: usize = 10;
/// Bounds of `fetch`'s `max_chars`, and its default.
pub const MAX_FETCH_CHARS: u64 = 100_000;
/// Largest `fetch` `offset`. The download limit grows with `offset + max_chars`, so an unbounded
/// offset (it was `u32::MAX`) let one call ask for ~17 GB against a 256 MB function; two million
/// characters is about a thousand pages.
pub const MAX_FETCH_OFFSET: u64 = 2_000_000;
/// `fetch`'s `max_chars` when omitted.
pub const DEFAULT_FETCH_CHARS: usize = 20_000;

/// A valid `workplace_search` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchArgs {
    /// The trimmed query.
    pub query: String,
    /// The sources named, in the caller's order; `None` means "every source I may search".
    pub sources: Option<Vec<SourceKind>>,
    /// How many merged results to return.
    pub max_results: usize,
    /// Whether to attach each result's text.
    pub include_content: bool,
    /// What the results must match besides the query.
    pub filters: Filters,
    /// With `include_content`: the most tokens (estimated) the answer may take; content beyond
    /// it is cut, best results first kept (`search/budget.rs`).
    pub max_tokens: usize,
    /// Where to continue: the `next_cursor` of an earlier page, as the caller sent it (checked
    /// against its signature when the call runs, see `search/cursor.rs`).
    pub cursor: Option<String>,
}

/// Bounds of `max_tokens`.
pub const MAX_TOKENS: std::ops::RangeInclusive<u64> = 1_000..=200_000;
/// `max_tokens` when omitted: within what Claude Code accepts from one tool call (about 25,000).
pub const DEFAULT_MAX_TOKENS: usize = 20_000;

/// Longest accepted `cursor`, in bytes: ours are far shorter.
pub const MAX_CURSOR_CHARS: usize = 512;

/// A valid `fetch` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchArgs {
    /// Which item.
    pub id: ItemId,
    /// Character offset to start from (for paging through long documents).
    pub offset: usize,
    /// Most characters to return.
    pub max_chars: usize,
    /// The `next_cursor` of the previous page, as sent; `offset` then comes from it (checked
    /// when the call is prepared, see `search/cursor.rs`).
    pub cursor: Option<String>,
}

impl SearchArgs {
    /// Validates `workplace_search` arguments.
    pub fn parse(arguments: Option<&Value>) -> Result<Self, InvalidArgument> {
        let map = object(arguments)?;
        reject_unknown(
            &map,
            &[
                "query",
                "sources",
                "max_results",
                "include_content",
                "filters",
                "cursor",
                "max_tokens",
            ],
        )?;

        let query = required_text(&map, "query", MAX_QUERY_CHARS)?;

        let sources = match map.get("sources") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(parse_sources(items)?),
            Some(other) => {
                return Err(invalid(
                    "sources",
                    format!("must be an array of source names, not {}", kind_of(other)),
                ));
            }
        };

        let max_results = integer(&map, "max_results", 1..=MAX_RESULTS)?
            .map_or(DEFAULT_MAX_RESULTS, |v| v as usize);

        let include_content = match map.get("include_content") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(invalid(
                    "include_content",
                    format!("must be true or false, not {}", kind_of(other)),
                ));
            }
        };

        let max_tokens =
            integer(&map, "max_tokens", MAX_TOKENS)?.map_or(DEFAULT_MAX_TOKENS, |v| v as usize);
        let filters = filters::parse(map.get("filters"))?;
        let cursor = cursor(&map)?;

        Ok(Self {
            query,
            sources,
            max_results,
            include_content,
            max_tokens,
            filters,
            cursor,
        })
    }
}

/// A `cursor` argument: absent, or a string of the characters our cursors use.
fn cursor(map: &serde_json::Map<String, Value>) -> Result<Option<String>, InvalidArgument> {
    match map.get("cursor") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(c))
            if !c.is_empty()
                && c.len() <= MAX_CURSOR_CHARS
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
        {
            Ok(Some(c.clone()))
        }
        Some(Value::String(_)) => Err(invalid(
            "cursor",
            "is not a cursor this server issued: pass `next_cursor` from the previous page unchanged",
        )),
        Some(other) => Err(invalid(
            "cursor",
            format!("must be a string, not {}", kind_of(other)),
        )),
    }
}

fn parse_sources(items: &[Value]) -> Result<Vec<SourceKind>, InvalidArgument> {
    if items.is_empty() {
        return Err(invalid(
            "sources",
            "must name at least one source, or be omitted to search every source you may search",
        ));
    }
    if items.len() > MAX_SOURCES {
        return Err(invalid(
            "sources",
            format!(
                "must name at most {MAX_SOURCES} sources (got {})",
                items.len()
            ),
        ));
    }
    let mut sources = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(name) = item else {
            return Err(invalid(
                "sources",
                format!("items must be source names, not {}", kind_of(item)),
            ));
        };
        let kind: SourceKind = name
            .parse()
            .map_err(|e| invalid("sources", format!("{e}")))?;
        if sources.contains(&kind) {
            return Err(invalid("sources", format!("`{name}` is listed twice")));
        }
        sources.push(kind);
    }
    Ok(sources)
}

impl FetchArgs {
    /// Validates `fetch` arguments.
    pub fn parse(arguments: Option<&Value>) -> Result<Self, InvalidArgument> {
        let map = object(arguments)?;
        reject_unknown(&map, &["id", "offset", "max_chars", "cursor"])?;
        let id = match map.get("id") {
            None | Some(Value::Null) => return Err(invalid("id", "is required")),
            Some(Value::String(s)) => {
                ItemId::parse(s.trim()).map_err(|e| invalid("id", e.to_string()))?
            }
            Some(other) => {
                return Err(invalid(
                    "id",
                    format!("must be a result id string, not {}", kind_of(other)),
                ));
            }
        };
        let offset = integer(&map, "offset", 0..=MAX_FETCH_OFFSET)?.unwrap_or(0) as usize;
        let max_chars = integer(&map, "max_chars", 1..=MAX_FETCH_CHARS)?
            .map_or(DEFAULT_FETCH_CHARS, |v| v as usize);
        let cursor = cursor(&map)?;
        if cursor.is_some() && offset != 0 {
            return Err(invalid(
                "cursor",
                "give either `cursor` or `offset`, not both: the cursor says where to continue",
            ));
        }
        Ok(Self {
            id,
            offset,
            max_chars,
            cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn search(args: Value) -> Result<SearchArgs, InvalidArgument> {
        SearchArgs::parse(Some(&args))
    }

    fn field_of(args: Value) -> String {
        search(args).unwrap_err().field
    }

    #[test]
    fn defaults_apply() {
        let args = search(json!({"query": "  quarterly budget  "})).unwrap();
        assert_eq!(args.query, "quarterly budget");
        assert_eq!(args.sources, None);
        assert_eq!(args.max_results, 10);
        assert!(!args.include_content);
    }

    #[test]
    fn a_full_request_parses() {
        let args = search(json!({
            "query": "q4 planning", "sources": ["notion", "google_drive"],
            "max_results": 50, "include_content": true
        }))
        .unwrap();
        assert_eq!(
            args.sources,
            Some(vec![SourceKind::Notion, SourceKind::GoogleDrive])
        );
        assert_eq!(args.max_results, 50);
        assert!(args.include_content);
    }

    #[test]
    fn query_bounds_count_characters_not_bytes() {
        assert!(search(json!({"query": "é".repeat(500)})).is_ok());
        let err = search(json!({"query": "é".repeat(501)})).unwrap_err();
        assert_eq!(err.field, "query");
        assert!(err.reason.contains("501"), "{err}");
        assert_eq!(field_of(json!({"query": "   "})), "query");
        assert_eq!(field_of(json!({"query": 5})), "query");
        assert_eq!(field_of(json!({})), "query");
        assert_eq!(field_of(json!({"query": "a\u{0}b"})), "query");
    }

    #[test]
    fn sources_are_a_non_empty_set_of_known_names() {
        for bad in [
            json!([]),
            json!(["dropbox"]),
            json!(["notion", "notion"]),
            json!("notion"),
            json!([1]),
            json!(["notion", "notion", "notion", "notion", "notion", "notion"]),
        ] {
            assert_eq!(field_of(json!({"query": "x", "sources": bad})), "sources");
        }
    }

    #[test]
    fn max_results_is_a_whole_number_in_range() {
        for bad in [json!(0), json!(51), json!(-1), json!(10.5), json!("10")] {
            assert_eq!(
                field_of(json!({"query": "x", "max_results": bad})),
                "max_results"
            );
        }
    }

    #[test]
    fn unknown_arguments_are_named() {
        let err = search(json!({"query": "x", "limit": 3})).unwrap_err();
        assert_eq!(err.field, "limit");
        assert!(
            err.reason
                .contains("query, sources, max_results, include_content")
        );
        assert_eq!(
            field_of(json!({"query": "x", "include_content": "yes"})),
            "include_content"
        );
        assert_eq!(
            SearchArgs::parse(Some(&json!(["query"])))
                .unwrap_err()
                .field,
            "arguments"
        );
    }

    #[test]
    fn fetch_arguments() {
        let page = "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab";
        let args = FetchArgs::parse(Some(&json!({"id": page, "offset": 10}))).unwrap();
        assert_eq!(args.id.source(), SourceKind::Notion);
        assert_eq!((args.offset, args.max_chars), (10, DEFAULT_FETCH_CHARS));
        let args =
            FetchArgs::parse(Some(&json!({"id": page, "offset": MAX_FETCH_OFFSET}))).unwrap();
        assert_eq!(args.offset as u64, MAX_FETCH_OFFSET);
        for too_far in [MAX_FETCH_OFFSET + 1, u64::from(u32::MAX)] {
            let err = FetchArgs::parse(Some(&json!({"id": page, "offset": too_far}))).unwrap_err();
            assert_eq!(err.field, "offset", "offset {too_far} was accepted");
        }
        for bad in [
            json!({}),
            json!({"id": "abc"}),
            json!({"id": 3}),
            json!({"id": "x:1"}),
            // Ids are parsed against the source's grammar, never pasted into a URL.
            json!({"id": format!("{page}/../../../v1/users")}),
            json!({"id": "notion:x?filter=1"}),
            json!({"id": "sharepoint:b!x/01A%2F..%2Fme"}),
            json!({"id": "google_drive:1a2b/../about"}),
        ] {
            assert_eq!(FetchArgs::parse(Some(&bad)).unwrap_err().field, "id");
        }
        let err = FetchArgs::parse(Some(&json!({"id": page, "max_chars": 0}))).unwrap_err();
        assert_eq!(err.field, "max_chars");
    }

    #[test]
    fn a_float_with_no_fraction_is_the_whole_number_json_schema_says_it_is() {
        let args = search(json!({"query": "q", "max_results": 11.0})).unwrap();
        assert_eq!(args.max_results, 11);
        assert_eq!(
            field_of(json!({"query": "q", "max_results": 11.5})),
            "max_results"
        );
        assert_eq!(
            field_of(json!({"query": "q", "max_results": 51.0})),
            "max_results"
        );
        assert_eq!(
            field_of(json!({"query": "q", "max_results": -1.0})),
            "max_results"
        );
    }
}
