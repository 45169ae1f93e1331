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

/// The machine-readable code of `structuredContent.error.code`: a closed set, listed in every
/// tool's output schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An argument is invalid (`field` names it).
    InvalidArguments,
    /// The token lacks a scope (`missing_scopes` names them).
    InsufficientScope,
    /// No such tool.
    UnknownTool,
    /// Throttled, by this server or the upstream (`retry_after_seconds` says how long to wait).
    RateLimited,
    /// The item does not exist or the user may not see it.
    NotFound,
    /// The source missed the call's deadline.
    Timeout,
    /// The user must (re)connect the app.
    ReauthRequired,
    /// Anything else.
    Error,
    /// `add_comment`: the source cannot comment (SharePoint, or a shared credential).
    NotSupported,
    /// `add_comment`: the upstream refused the write (the connection lacks the write scope or
    /// capability).
    Forbidden,
    /// `add_comment` under `COMMENT_CONFIRMATION=always` from a client that cannot ask a person;
    /// nothing was posted.
    ConfirmationRequired,
    /// `add_comment`: the person declined or dismissed the confirmation; nothing was posted.
    ConfirmationDeclined,
}

impl ErrorCode {
    /// Every code, in the order the schemas list them.
    pub const ALL: [Self; 12] = [
        Self::InvalidArguments,
        Self::InsufficientScope,
        Self::UnknownTool,
        Self::RateLimited,
        Self::NotFound,
        Self::Timeout,
        Self::ReauthRequired,
        Self::Error,
        Self::NotSupported,
        Self::Forbidden,
        Self::ConfirmationRequired,
        Self::ConfirmationDeclined,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidArguments => "invalid_arguments",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnknownTool => "unknown_tool",
            Self::RateLimited => "rate_limited",
            Self::NotFound => "not_found",
            Self::Timeout => "timeout",
            Self::ReauthRequired => "reauth_required",
            Self::Error => "error",
            Self::NotSupported => "not_supported",
            Self::Forbidden => "forbidden",
            Self::ConfirmationRequired => "confirmation_required",
            Self::ConfirmationDeclined => "confirmation_declined",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error branch every tool's `outputSchema` offers: `{"error": {code, message, ...}}`.
pub fn error_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": ErrorCode::ALL.map(ErrorCode::as_str)},
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
    pub fn error(code: ErrorCode, text: impl Into<String>, details: Value) -> Self {
        let mut error = Map::new();
        error.insert("code".into(), Value::from(code.as_str()));
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
                ErrorCode::InvalidArguments,
                format!(
                    "Invalid argument `{}`: {}. Fix it and call again.",
                    invalid.field, invalid.reason
                ),
                json!({"field": invalid.field, "message": invalid.reason}),
            ),
            CallError::InsufficientScope { missing, .. } => Self::error(
                ErrorCode::InsufficientScope,
                format!("{err}."),
                json!({"missing_scopes": missing}),
            ),
            CallError::UnknownTool(_) => Self::error(
                ErrorCode::UnknownTool,
                format!("{err}."),
                json!({"message": err.to_string()}),
            ),
            // The organisation's administrators decided; nothing the model can change.
            CallError::PolicyDenied(_) => Self::error(
                ErrorCode::Forbidden,
                format!("{err}. This is the organisation's policy; do not retry."),
                json!({"message": err.to_string()}),
            ),
        }
    }

    /// A call the rate limiter refused: the model should wait `retry_after_seconds`.
    pub fn rate_limited(tool: &str, retry_after_seconds: u64) -> Self {
        Self::error(
            ErrorCode::RateLimited,
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
                granted: vec!["workplace:read:google_drive"],
            }),
            ToolResult::refusal(&CallError::UnknownTool("x".into())),
            ToolResult::rate_limited("workplace_search", 7),
            ToolResult::error(
                ErrorCode::NotFound,
                "Could not fetch notion:x",
                json!({"message": "gone"}),
            ),
            ToolResult::error(
                ErrorCode::NotSupported,
                "Could not comment on sharepoint:x",
                json!({"message": "Microsoft Graph has no API for it"}),
            ),
            ToolResult::error(
                ErrorCode::Forbidden,
                "refused",
                json!({"message": "read-only"}),
            ),
            ToolResult::error(
                ErrorCode::ConfirmationRequired,
                "not posted",
                json!({"message": "this client cannot ask"}),
            ),
            ToolResult::error(
                ErrorCode::ConfirmationDeclined,
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
