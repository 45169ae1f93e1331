//! Calling a tool: validation, scope checks and execution, shared by the REST route and MCP.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use workplace_auth::Principal;
use workplace_connectors::{SourceError, SourceKind, UserContext};
use workplace_record::ErrorCode;

use crate::arguments::{CommentArgs, FetchArgs, InvalidArgument, SearchArgs};
use crate::catalogue::{self, ADD_COMMENT, FETCH, SEARCH, WORKPLACE_SEARCH};
use crate::chatgpt;
use crate::search::{SearchEngine, SourceStatus, truncate_chars};
pub use crate::tool_result::{ContentItem, EmbeddedResource, ToolResult};

// `add_comment` (scopes and run) lives in its own file.
mod comment;

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

/// Which answer a search call gets: `workplace_search`'s full report, or the `search` tool's
/// ChatGPT connector contract. Both run the same engine under the same scopes and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchShape {
    /// `workplace_search`: results, `total_count` and per-source reports.
    Workplace,
    /// `search`: `{"results": [{id, title, url, text}]}` as JSON in the first text content.
    ChatGpt,
}

/// A validated, authorized call, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreparedCall {
    /// `workplace_search` or `search` over the resolved sources.
    Search {
        /// The validated arguments.
        args: SearchArgs,
        /// The sources to search: the requested ones, or every one the caller may search.
        sources: Vec<SourceKind>,
        /// Which tool was called, hence which answer shape.
        shape: SearchShape,
    },
    /// `fetch`.
    Fetch(FetchArgs),
    /// `add_comment`.
    Comment(CommentArgs),
}

impl PreparedCall {
    /// The tool's name.
    pub fn tool(&self) -> &'static str {
        match self {
            Self::Search {
                shape: SearchShape::Workplace,
                ..
            } => WORKPLACE_SEARCH,
            Self::Search {
                shape: SearchShape::ChatGpt,
                ..
            } => SEARCH,
            Self::Fetch(_) => FETCH,
            Self::Comment(_) => ADD_COMMENT,
        }
    }

    /// The sources the call touches.
    pub fn sources(&self) -> Vec<SourceKind> {
        match self {
            Self::Search { sources, .. } => sources.clone(),
            Self::Fetch(args) => vec![args.id.source],
            Self::Comment(args) => vec![args.id.source],
        }
    }

    /// The query text, for the invocation record's length and hash.
    pub fn query(&self) -> Option<&str> {
        match self {
            Self::Search { args, .. } => Some(&args.query),
            // A comment's text is content, not a query: never hashed into the record.
            Self::Fetch(_) | Self::Comment(_) => None,
        }
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
        WORKPLACE_SEARCH | SEARCH => {
            let (args, shape) = if name == SEARCH {
                (chatgpt::parse_search(arguments)?, SearchShape::ChatGpt)
            } else {
                (SearchArgs::parse(arguments)?, SearchShape::Workplace)
            };
            let sources = resolve_sources(engine, args.sources.as_deref(), principal)?;
            Ok(PreparedCall::Search {
                args,
                sources,
                shape,
            })
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
        ADD_COMMENT => comment::prepare(arguments, principal),
        other => {
            debug_assert!(!catalogue::is_known(other));
            Err(CallError::UnknownTool(other.to_owned()))
        }
    }
}

/// The sources a search runs over: the requested ones if the caller may search them all, else
/// every source the caller may search (and this server offers).
fn resolve_sources(
    engine: &SearchEngine,
    requested: Option<&[SourceKind]>,
    principal: &Principal,
) -> Result<Vec<SourceKind>, CallError> {
    if let Some(requested) = requested {
        let missing: Vec<&'static str> = requested
            .iter()
            .map(|k| k.scope())
            .filter(|scope| !principal.has_scope(scope))
            .collect();
        if !missing.is_empty() {
            return Err(CallError::InsufficientScope { missing });
        }
        return Ok(requested.to_vec());
    }
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
    Ok(if configured.is_empty() {
        allowed
    } else {
        configured
    })
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
        PreparedCall::Search {
            args,
            sources,
            shape,
        } => {
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
            if *shape == SearchShape::ChatGpt {
                return (chatgpt::search_result(&outcome), summary);
            }
            let structured = serde_json::to_value(&outcome).unwrap_or(Value::Null);
            let mut text = format!(
                "Found {} result{} for '{}'",
                outcome.total_count,
                if outcome.total_count == 1 { "" } else { "s" },
                args.query
            );
            if let Some(corrected) = &outcome.searched_for {
                text.push_str(&format!(
                    " (too little matched as typed; searched for `{corrected}`)"
                ));
            }
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
        PreparedCall::Comment(args) => comment::run(engine, &user, args).await,
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
        let details = match err {
            SourceError::RateLimited {
                retry_after: Some(wait),
            } => json!({"message": err.to_string(), "retry_after_seconds": wait.as_secs().max(1)}),
            _ => json!({"message": err.to_string()}),
        };
        (
            ToolResult::error(code, format!("Could not fetch {}: {err}", args.id), details),
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
    // The request's deadline bounds a fetch as it bounds a search.
    let deadline = engine
        .settings()
        .source_timeout
        .min(engine.settings().request_deadline);
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
    let mut structured = json!({
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
    // Why there is no text (an encrypted, scanned or damaged file, an export limit), named like
    // `include_content`'s field; present only then.
    if let Some(reason) = &content.unavailable_reason {
        structured["content_error"] = json!(reason);
    }
    // ChatGPT's fetch contract: `{id, title, text, url, metadata}` as JSON in the first text
    // content. The paging fields ride along; `fetch`'s description tells the model how to use them.
    let text = structured.to_string();
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
