//! The `search` tool in the shape ChatGPT's connectors (deep research, company knowledge) require:
//! a `search` tool taking just `query` and answering `{"results": [{id, title, url, text}]}` as
//! JSON in the first text content. It runs the same engine as `workplace_search`, under the same
//! scopes, limits and invocation records; only the argument list and the answer's shape differ.

use serde::Serialize;
use serde_json::{Value, json};

use crate::arguments::{InvalidArgument, SearchArgs};
use crate::search::{SearchOutcome, SourceStatus};
use crate::tool_result::{ContentItem, ErrorCode, ToolResult};
use crate::untrusted;

/// One hit in the contract's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatGptHit {
    /// The id `fetch` takes.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link a person can open (ChatGPT cites it).
    pub url: String,
    /// A short excerpt.
    pub text: String,
}

/// Validates `search` arguments: `query` only, with `workplace_search`'s rules for it.
pub fn parse_search(arguments: Option<&Value>) -> Result<SearchArgs, InvalidArgument> {
    match arguments {
        Some(Value::Object(map)) => {
            if let Some(unknown) = map.keys().find(|k| k.as_str() != "query") {
                return Err(InvalidArgument {
                    field: unknown.clone(),
                    reason: "unknown argument (`search` takes only `query`; use \
                        workplace_search to choose sources or a result count)"
                        .into(),
                });
            }
            SearchArgs::parse(arguments)
        }
        other => SearchArgs::parse(other),
    }
}

/// The `search` answer for an outcome of the shared engine.
pub fn search_result(outcome: &SearchOutcome) -> ToolResult {
    if outcome.all_failed() {
        let message = format!(
            "Search failed for every requested source: {}",
            outcome.failures().unwrap_or_default()
        );
        let retry = outcome
            .sources
            .iter()
            .filter_map(|s| s.retry_after_seconds)
            .max();
        return match retry {
            Some(wait)
                if outcome
                    .sources
                    .iter()
                    .all(|s| s.status == SourceStatus::RateLimited) =>
            {
                ToolResult::error(
                    ErrorCode::RateLimited,
                    message.clone(),
                    json!({"message": message, "retry_after_seconds": wait}),
                )
            }
            _ => ToolResult::error(
                ErrorCode::Error,
                message.clone(),
                json!({"message": message}),
            ),
        };
    }
    let hits: Vec<ChatGptHit> = outcome
        .results
        .iter()
        .map(|r| ChatGptHit {
            id: r.id.clone(),
            title: r.title.clone(),
            url: r.url.clone(),
            text: r.snippet.clone(),
        })
        .collect();
    // The contract wants exactly `{"results": [...]}` as JSON in the first text content; JSON
    // already quotes every title and snippet, so the label rides beside it in
    // `structuredContent` and in the content's `_meta`.
    let text = json!({ "results": hits }).to_string();
    let mut structured = json!({ "results": hits });
    untrusted::label(&mut structured);
    let mut content = vec![ContentItem::third_party_text(text)];
    if let Some(failures) = outcome.failures() {
        content.push(ContentItem::text(format!("Not searched: {failures}")));
    }
    ToolResult {
        content,
        structured_content: structured,
        is_error: false,
    }
}

/// The answer's schema (the error branch is added by the catalogue).
pub fn output_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "description": "Pass it to `fetch`."},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "text": {"type": "string"}
                    },
                    "required": ["id", "title", "url"]
                }
            },
            "content_trust": untrusted::schema_property()
        },
        "required": ["results", "content_trust"]
    })
}

#[cfg(test)]
mod tests {
    use workplace_connectors::SourceKind;

    use super::*;
    use crate::search::{SearchResult, SourceReport};

    fn report(source: SourceKind, status: SourceStatus, retry: Option<u64>) -> SourceReport {
        SourceReport {
            source,
            status,
            count: 0,
            access: workplace_connectors::Access::PerUser,
            retry_after_seconds: retry,
            message: (status != SourceStatus::Ok).then(|| status.as_str().to_owned()),
            query: None,
            relaxed_query: None,
            filters_not_applied: Vec::new(),
        }
    }

    fn hit() -> SearchResult {
        SearchResult {
            id: "notion:abc".into(),
            source: SourceKind::Notion,
            title: "Q4 planning".into(),
            url: "https://notion.example/abc".into(),
            snippet: "Goals for Q4".into(),
            modified_time: None,
            author: None,
            details: None,
            score: 0.5,
            content: None,
            truncated: None,
            content_error: None,
            enrichment_skipped: None,
        }
    }

    fn first_text(result: &ToolResult) -> &str {
        result.content[0].as_text().expect("text first")
    }

    #[test]
    fn only_query_is_accepted() {
        assert_eq!(
            parse_search(Some(&json!({"query": " vpn "})))
                .unwrap()
                .query,
            "vpn"
        );
        let err = parse_search(Some(&json!({"query": "x", "sources": ["notion"]}))).unwrap_err();
        assert_eq!(err.field, "sources");
        assert_eq!(parse_search(Some(&json!({}))).unwrap_err().field, "query");
        assert_eq!(parse_search(None).unwrap_err().field, "query");
    }

    #[test]
    fn results_are_json_in_the_first_text_content() {
        let outcome = SearchOutcome {
            results: vec![hit()],
            total_count: 1,
            sources: vec![
                report(SourceKind::Notion, SourceStatus::Ok, None),
                report(SourceKind::GoogleDrive, SourceStatus::Timeout, None),
            ],
            searched_for: None,
            next_cursor: None,
            next_offset: None,
            content_budget: None,
        };
        let result = search_result(&outcome);
        assert!(!result.is_error);
        let parsed: Value = serde_json::from_str(first_text(&result)).unwrap();
        assert_eq!(
            parsed,
            json!({"results": [{"id": "notion:abc", "title": "Q4 planning",
                "url": "https://notion.example/abc", "text": "Goals for Q4"}]})
        );
        assert_eq!(result.structured_content["results"], parsed["results"]);
        assert_eq!(result.structured_content["content_trust"], "third_party");
        assert_eq!(
            serde_json::to_value(&result.content[0]).unwrap()["_meta"][untrusted::META_KEY],
            "third_party"
        );
        let text = result.content[1]
            .as_text()
            .expect("a note on the skipped source");
        assert!(text.contains("google_drive"), "{text}");
    }

    #[test]
    fn every_source_failing_is_an_error_with_a_retry_hint_when_throttled() {
        let outcome = SearchOutcome {
            results: vec![],
            total_count: 0,
            sources: vec![report(
                SourceKind::Notion,
                SourceStatus::RateLimited,
                Some(9),
            )],
            searched_for: None,
            next_cursor: None,
            next_offset: None,
            content_budget: None,
        };
        let result = search_result(&outcome);
        assert!(result.is_error);
        assert_eq!(result.structured_content["error"]["code"], "rate_limited");
        assert_eq!(result.structured_content["error"]["retry_after_seconds"], 9);
    }
}
