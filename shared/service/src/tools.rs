//! Calling a tool: validation, scope checks and execution, shared by the REST route and MCP.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};
use workplace_auth::Principal;
use workplace_connectors::{SourceError, SourceKind, UserContext};
use workplace_record::ErrorCode;

use crate::arguments::{FetchArgs, InvalidArgument, SearchArgs};
use crate::catalogue::{self, FETCH, WORKPLACE_SEARCH};
use crate::search::{SearchEngine, SourceStatus, truncate_chars};

/// Why a call could not start. Each maps to one HTTP status on REST.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No such tool.
    #[error("unknown tool `{0}`")]
    UnknownTool(String),
    /// The arguments are invalid.
    #[error("invalid arguments: {0}")]
    InvalidArguments(#[from] InvalidArgument),
    /// The caller lacks the scopes the call needs.
    #[error("insufficient scope: this call needs {}", .missing.join(" "))]
    InsufficientScope {
        /// The scopes that would make the call succeed.
        missing: Vec<&'static str>,
    },
}

impl CallError {
    /// The stable code of the refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownTool(_) => ErrorCode::UnknownTool,
            Self::InvalidArguments(_) => ErrorCode::InvalidArguments,
            Self::InsufficientScope { .. } => ErrorCode::InsufficientScope,
        }
    }
}

/// A validated, authorized call, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreparedCall {
    /// `workplace_search` over the resolved sources.
    Search {
        /// The validated arguments.
        args: SearchArgs,
        /// The sources to search: the requested ones, or every one the caller may search.
        sources: Vec<SourceKind>,
    },
    /// `fetch`.
    Fetch(FetchArgs),
}

impl PreparedCall {
    /// The tool's name.
    pub fn tool(&self) -> &'static str {
        match self {
            Self::Search { .. } => WORKPLACE_SEARCH,
            Self::Fetch(_) => FETCH,
        }
    }

    /// The sources the call touches.
    pub fn sources(&self) -> Vec<SourceKind> {
        match self {
            Self::Search { sources, .. } => sources.clone(),
            Self::Fetch(args) => vec![args.id.source],
        }
    }

    /// The query text, for the invocation record's length and hash.
    pub fn query(&self) -> Option<&str> {
        match self {
            Self::Search { args, .. } => Some(&args.query),
            Self::Fetch(_) => None,
        }
    }
}

/// One content item of a tool result (MCP `ContentBlock`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ContentItem {
    /// Plain text for the model.
    Text {
        /// The text.
        text: String,
    },
    /// An embedded resource.
    Resource {
        /// The resource.
        resource: EmbeddedResource,
    },
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
    /// The same data as JSON, matching the tool's `outputSchema` (or `{"error": ...}` on error).
    pub structured_content: Value,
    /// Whether the tool failed; a model sees the message and can act on it.
    pub is_error: bool,
}

impl ToolResult {
    /// A failed call, with a machine-readable `structuredContent.error`.
    pub fn error(message: impl Into<String>, error: Value) -> Self {
        Self {
            content: vec![ContentItem::Text {
                text: message.into(),
            }],
            structured_content: Value::Object(serde_json::Map::from_iter([(
                "error".to_owned(),
                error,
            )])),
            is_error: true,
        }
    }
}

impl ToolResult {
    /// A call refused before it ran, as a result the model can act on (MCP: input validation
    /// errors are tool execution errors, not protocol errors).
    pub fn refused(err: &CallError) -> Self {
        let (message, error) = match err {
            CallError::InvalidArguments(invalid) => (
                format!(
                    "Invalid argument `{}`: {}. Fix it and call again.",
                    invalid.field, invalid.reason
                ),
                json!({"code": err.code(), "field": invalid.field, "message": invalid.reason}),
            ),
            CallError::InsufficientScope { missing } => (
                format!("{err}."),
                json!({"code": err.code(), "missing_scopes": missing}),
            ),
            CallError::UnknownTool(_) => (
                format!("{err}."),
                json!({"code": err.code(), "message": err.to_string()}),
            ),
        };
        Self::error(message, error)
    }

    /// A call over a rate limit, with the wait the model should respect.
    pub fn rate_limited(tool: &str, retry_after_seconds: u64) -> Self {
        Self::error(
            format!(
                "Rate limit reached for {tool}; wait {retry_after_seconds} s before calling again."
            ),
            json!({"code": ErrorCode::RateLimited, "retry_after_seconds": retry_after_seconds}),
        )
    }
}

/// What the invocation record needs to know about a call that ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSummary {
    /// Results returned.
    pub result_count: usize,
    /// Status per source touched.
    pub source_status: Vec<(SourceKind, SourceStatus)>,
}

/// Validates and authorizes a call. Validation comes before the scope check so a caller learns
/// about a typo before being told to get more scopes.
pub fn prepare(
    engine: &SearchEngine,
    name: &str,
    arguments: Option<&Value>,
    principal: &Principal,
) -> Result<PreparedCall, CallError> {
    match name {
        WORKPLACE_SEARCH => {
            let args = SearchArgs::parse(arguments)?;
            let sources = match &args.sources {
                Some(requested) => {
                    let missing: Vec<&'static str> = requested
                        .iter()
                        .map(|k| k.scope())
                        .filter(|scope| !principal.has_scope(scope))
                        .collect();
                    if !missing.is_empty() {
                        return Err(CallError::InsufficientScope { missing });
                    }
                    requested.clone()
                }
                None => {
                    let allowed: Vec<SourceKind> = SourceKind::ALL
                        .into_iter()
                        .filter(|k| principal.has_scope(k.scope()))
                        .collect();
                    if allowed.is_empty() {
                        return Err(CallError::InsufficientScope {
                            missing: SourceKind::ALL.iter().map(|k| k.scope()).collect(),
                        });
                    }
                    // Omitted sources mean "everything I may search that this server offers".
                    let configured: Vec<SourceKind> = allowed
                        .iter()
                        .copied()
                        .filter(|k| engine.source(*k).is_some())
                        .collect();
                    if configured.is_empty() {
                        allowed
                    } else {
                        configured
                    }
                }
            };
            Ok(PreparedCall::Search { args, sources })
        }
        FETCH => {
            let args = FetchArgs::parse(arguments)?;
            let scope = args.id.source.scope();
            if !principal.has_scope(scope) {
                return Err(CallError::InsufficientScope {
                    missing: vec![scope],
                });
            }
            Ok(PreparedCall::Fetch(args))
        }
        other => {
            debug_assert!(!catalogue::is_known(other));
            Err(CallError::UnknownTool(other.to_owned()))
        }
    }
}

/// Runs a prepared call as `principal`. Never fails: upstream problems become an `isError` result
/// (only when nothing useful came back) and per-source statuses.
pub async fn run(
    engine: &SearchEngine,
    call: &PreparedCall,
    principal: &Principal,
) -> (ToolResult, CallSummary) {
    let user = UserContext {
        subject: principal.subject.clone(),
        email: principal.email.clone(),
        email_verified: principal.email_verified,
    };
    match call {
        PreparedCall::Search { args, sources } => {
            let outcome = engine
                .search(
                    &user,
                    &args.query,
                    sources,
                    args.max_results,
                    args.include_content,
                )
                .await;
            let summary = CallSummary {
                result_count: outcome.total_count,
                source_status: outcome
                    .sources
                    .iter()
                    .map(|s| (s.source, s.status))
                    .collect(),
            };
            let structured = serde_json::to_value(&outcome).unwrap_or(Value::Null);
            let mut text = format!(
                "Found {} result{} for '{}'",
                outcome.total_count,
                if outcome.total_count == 1 { "" } else { "s" },
                args.query
            );
            let is_error = outcome.all_failed();
            if let Some(failures) = outcome.failures() {
                if is_error {
                    text = format!("Search failed for every requested source: {failures}");
                } else {
                    text.push_str(&format!(" (not searched: {failures})"));
                }
            }
            let result = ToolResult {
                content: vec![
                    ContentItem::Text { text },
                    ContentItem::Resource {
                        resource: EmbeddedResource {
                            uri: search_uri(&args.query),
                            name: "Search Results".into(),
                            mime_type: "application/json".into(),
                            text: structured.to_string(),
                        },
                    },
                ],
                structured_content: structured,
                is_error,
            };
            (result, summary)
        }
        PreparedCall::Fetch(args) => fetch(engine, &user, args).await,
    }
}

async fn fetch(
    engine: &SearchEngine,
    user: &UserContext,
    args: &FetchArgs,
) -> (ToolResult, CallSummary) {
    let kind = args.id.source;
    let fail = |status: SourceStatus, err: &SourceError| {
        let code = match err {
            SourceError::NotFound => "not_found",
            _ => status.as_str(),
        };
        (
            ToolResult::error(
                format!("Could not fetch {}: {err}", args.id),
                json!({"code": code, "message": err.to_string()}),
            ),
            CallSummary {
                result_count: 0,
                source_status: vec![(kind, status)],
            },
        )
    };
    let Some(source) = engine.source(kind) else {
        let err = SourceError::NotConfigured(kind.display_name());
        return fail(SourceStatus::Error, &err);
    };
    let want = args.offset.saturating_add(args.max_chars).saturating_add(1);
    let deadline = engine.settings().source_timeout;
    let content =
        match tokio::time::timeout(deadline, source.content(user, &args.id.item, want)).await {
            Ok(Ok(content)) => content,
            Ok(Err(err)) => {
                let status = match &err {
                    SourceError::RateLimited { .. } => SourceStatus::RateLimited,
                    SourceError::ReauthRequired { .. } => SourceStatus::ReauthRequired,
                    _ => SourceStatus::Error,
                };
                return fail(status, &err);
            }
            Err(_) => return fail(SourceStatus::Timeout, &SourceError::Timeout),
        };

    let rest = match content.text.char_indices().nth(args.offset) {
        Some((byte, _)) => &content.text[byte..],
        None => "",
    };
    let (page, more_here) = truncate_chars(rest, args.max_chars);
    let returned = page.chars().count();
    let truncated = more_here || content.truncated;
    let next_offset = more_here.then_some(args.offset + returned);
    let structured = json!({
        "id": args.id.to_string(),
        "title": content.title,
        "text": page,
        "url": content.url,
        "offset": args.offset,
        "next_offset": next_offset,
        "truncated": truncated,
        "metadata": {
            "source": kind,
            "returned_chars": returned,
            "unavailable_reason": content.unavailable_reason,
        },
    });
    let mut text = format!("{}\n{}\n\n{page}", content.title, content.url);
    if let Some(next) = next_offset {
        text.push_str(&format!(
            "\n\n[truncated: call fetch again with offset {next} for more]"
        ));
    } else if content.truncated {
        text.push_str("\n\n[truncated: the document is longer than this server returns]");
    }
    if let Some(reason) = &content.unavailable_reason {
        text.push_str(&format!("\n\n[no text: {reason}]"));
    }
    (
        ToolResult {
            content: vec![ContentItem::Text { text }],
            structured_content: structured,
            is_error: false,
        },
        CallSummary {
            result_count: 1,
            source_status: vec![(kind, SourceStatus::Ok)],
        },
    )
}

/// Characters kept unescaped in the resource URI: RFC 3986's unreserved set.
const URI_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `workplace://search/<percent-encoded query>`.
pub fn search_uri(query: &str) -> String {
    format!(
        "workplace://search/{}",
        utf8_percent_encode(query, URI_ESCAPE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_uris_percent_encode_the_query() {
        assert_eq!(
            search_uri("quarterly budget reports"),
            "workplace://search/quarterly%20budget%20reports"
        );
        assert_eq!(
            search_uri("a/b?c&d é"),
            "workplace://search/a%2Fb%3Fc%26d%20%C3%A9"
        );
    }
}
