//! The tool result in MCP `CallToolResult` shape, and the one shape every failed call takes.
//!
//! Every `structuredContent` we send validates against its tool's advertised `outputSchema`,
//! errors included: clients such as the TypeScript SDK validate any `structuredContent` they
//! receive and turn a mismatch into a protocol error, which would hide the message from the model.
//! Each output schema therefore has two branches, the tool's answer or `{"error": {...}}` (see
//! [`error_schema`]), and every error result is built here so it always fits the error branch.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::tools::CallError;

/// One content item of a tool result (MCP `ContentBlock`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ContentItem {
    /// Plain text for the model.
    Text {
        /// The text.
        text: String,
        /// `_meta`: [`crate::untrusted::content_meta`] when the text carries third-party data.
        #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<Value>,
    },
    /// An embedded resource.
    Resource {
        /// The resource.
        resource: EmbeddedResource,
        /// `_meta`: [`crate::untrusted::content_meta`] when the resource carries third-party data.
        #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<Value>,
    },
}

impl ContentItem {
    /// Text of our own (messages, errors): no label.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            meta: None,
        }
    }

    /// Text that carries third-party data (titles, snippets, document text), labelled as such.
    pub fn third_party_text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            meta: Some(crate::untrusted::content_meta()),
        }
    }

    /// The text of a text item.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text { text, .. } => Some(text),
            Self::Resource { .. } => None,
        }
    }
}

/// An embedded text resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedResource {
    /// `workplace://search/<percent-encoded query>`.
    pub uri: String,
    /// A display name.
    pub name: String,
    /// `application/json`.
    pub mime_type: String,
    /// The JSON document.
    pub text: String,
}

/// A tool result in MCP `CallToolResult` shape; the REST route returns it as its body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    /// What a model reads.
    pub content: Vec<ContentItem>,
    /// The same data as JSON, matching the tool's `outputSchema` (its error branch on error).
    pub structured_content: Value,
    /// Whether the tool failed; a model sees the message and can act on it.
    pub is_error: bool,
}

/// The machine-readable codes of `structuredContent.error.code`.
pub const ERROR_CODES: [&str; 12] = [
    "invalid_arguments",
    "insufficient_scope",
    "unknown_tool",
    "rate_limited",
    "not_found",
    "timeout",
    "reauth_required",
    "error",
    // `add_comment`: the source cannot comment (SharePoint, or a shared credential), or the
    // upstream refused the write (the connection lacks the write scope or capability).
    "not_supported",
    "forbidden",
    // `add_comment` under `COMMENT_CONFIRMATION=always` from a client that cannot ask a person;
    // nothing was posted.
    "confirmation_required",
    // `add_comment`: the person declined or dismissed the confirmation; nothing was posted.
    "confirmation_declined",
];

/// The error branch every tool's `outputSchema` offers: `{"error": {code, message, ...}}`.
pub fn error_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": ERROR_CODES},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "The invalid argument, for invalid_arguments."},
                    "missing_scopes": {"type": "array", "items": {"type": "string"}},
                    "retry_after_seconds": {"type": "integer", "minimum": 0},
                },
                "required": ["code"]
            }
        },
        "required": ["error"]
    })
}

/// An output schema that accepts `success` (an object schema) or the error branch. MCP wants a
/// top-level `"type": "object"`, so the two branches sit under `anyOf` beside it.
pub fn with_error_branch(success: Value) -> Value {
    let mut properties = success
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    properties.insert(
        "error".into(),
        error_schema()["properties"]["error"].clone(),
    );
    json!({
        "type": "object",
        "properties": properties,
        "anyOf": [
            {"required": success.get("required").cloned().unwrap_or_else(|| json!([]))},
            {"required": ["error"]}
        ]
    })
}

impl ToolResult {
    /// A failed call: `text` for the model, and `structuredContent.error` with `code` and
    /// `details` (e.g. `message`, `retry_after_seconds`).
    pub fn error(code: &'static str, text: impl Into<String>, details: Value) -> Self {
        debug_assert!(ERROR_CODES.contains(&code));
        let mut error = Map::new();
        error.insert("code".into(), Value::from(code));
        if let Value::Object(details) = details {
            error.extend(details);
        }
        Self {
            content: vec![ContentItem::text(text)],
            structured_content: json!({ "error": error }),
            is_error: true,
        }
    }

    /// A call refused before it ran (bad arguments, missing scope, unknown tool).
    pub fn refusal(err: &CallError) -> Self {
        match err {
            CallError::InvalidArguments(invalid) => Self::error(
                "invalid_arguments",
                format!(
                    "Invalid argument `{}`: {}. Fix it and call again.",
                    invalid.field, invalid.reason
                ),
                json!({"field": invalid.field, "message": invalid.reason}),
            ),
            CallError::InsufficientScope { missing } => Self::error(
                "insufficient_scope",
                format!("{err}."),
                json!({"missing_scopes": missing}),
            ),
            CallError::UnknownTool(_) => Self::error(
                "unknown_tool",
                format!("{err}."),
                json!({"message": err.to_string()}),
            ),
        }
    }

    /// A call the rate limiter refused: the model should wait `retry_after_seconds`.
    pub fn rate_limited(tool: &str, retry_after_seconds: u64) -> Self {
        Self::error(
            "rate_limited",
            format!(
                "Rate limit reached for {tool}; wait {retry_after_seconds} s before calling again."
            ),
            json!({"retry_after_seconds": retry_after_seconds}),
        )
    }
}

#[cfg(test)]
mod tests {
    use jsonschema::Validator;

    use super::*;
    use crate::arguments::InvalidArgument;
    use crate::catalogue;

    fn validators() -> Vec<(String, Validator)> {
        catalogue::tools()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let name = t["name"].as_str().unwrap().to_owned();
                (name, jsonschema::validator_for(&t["outputSchema"]).unwrap())
            })
            .collect()
    }

    #[test]
    fn every_error_result_fits_every_tools_output_schema() {
        let errors = [
            ToolResult::refusal(&CallError::InvalidArguments(InvalidArgument {
                field: "query".into(),
                reason: "must be at most 500 characters (got 501)".into(),
            })),
            ToolResult::refusal(&CallError::InsufficientScope {
                missing: vec!["workplace:read:notion"],
            }),
            ToolResult::refusal(&CallError::UnknownTool("x".into())),
            ToolResult::rate_limited("workplace_search", 7),
            ToolResult::error(
                "not_found",
                "Could not fetch notion:x",
                json!({"message": "gone"}),
            ),
            ToolResult::error(
                "not_supported",
                "Could not comment on sharepoint:x",
                json!({"message": "Microsoft Graph has no API for it"}),
            ),
            ToolResult::error("forbidden", "refused", json!({"message": "read-only"})),
            ToolResult::error(
                "confirmation_required",
                "not posted",
                json!({"message": "this client cannot ask"}),
            ),
            ToolResult::error(
                "confirmation_declined",
                "not posted",
                json!({"message": "declined"}),
            ),
        ];
        for (name, validator) in validators() {
            for result in &errors {
                assert!(result.is_error);
                let problems: Vec<String> = validator
                    .iter_errors(&result.structured_content)
                    .map(|e| e.to_string())
                    .collect();
                assert!(
                    problems.is_empty(),
                    "{name}: {} {problems:?}",
                    result.structured_content
                );
            }
        }
    }

    #[test]
    fn an_object_matching_neither_branch_is_refused() {
        for (name, validator) in validators() {
            assert!(
                !validator.is_valid(&json!({"error": {"code": "nope"}})),
                "{name}"
            );
            assert!(!validator.is_valid(&json!({"something": 1})), "{name}");
        }
    }

    #[test]
    fn errors_keep_their_machine_readable_details() {
        let limited = ToolResult::rate_limited("search", 12);
        assert_eq!(
            limited.structured_content["error"]["retry_after_seconds"],
            12
        );
        assert_eq!(limited.structured_content["error"]["code"], "rate_limited");
        let invalid = ToolResult::refusal(&CallError::InvalidArguments(InvalidArgument {
            field: "query".into(),
            reason: "is required".into(),
        }));
        assert_eq!(
            invalid.structured_content,
            json!({"error": {"code": "invalid_arguments", "field": "query", "message": "is required"}})
        );
        let Some(text) = invalid.content[0].as_text() else {
            panic!("text first")
        };
        assert!(text.contains("Invalid argument `query`"));
    }
}
