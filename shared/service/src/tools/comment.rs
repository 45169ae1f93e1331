//! `add_comment`: its scopes (the source's read scope *and* `workplace:write:comments`) and its
//! run, through the source's [`workplace_connectors::Source::add_comment`].

use serde_json::{Value, json};
use workplace_auth::Principal;
use workplace_connectors::{CommentError, SourceError, UserContext, WRITE_COMMENTS_SCOPE};

use sha2::{Digest, Sha256};

use super::{CallError, CallSummary, Confirmation, ContentItem, PreparedCall, ToolResult};
use crate::arguments::CommentArgs;
use crate::config::CommentConfirmation;
use crate::search::{SearchEngine, SourceStatus};
use crate::tool_result::ErrorCode;
use crate::untrusted;

/// Validates an `add_comment` call and checks both scopes, naming every one missing.
pub(super) fn prepare(
    arguments: Option<&Value>,
    principal: &Principal,
) -> Result<PreparedCall, CallError> {
    let args = CommentArgs::parse(arguments)?;
    let missing: Vec<&'static str> = [args.id.source().scope(), WRITE_COMMENTS_SCOPE]
        .into_iter()
        .filter(|scope| !principal.has_scope(scope))
        .collect();
    if !missing.is_empty() {
        return Err(CallError::insufficient_scope(principal, missing));
    }
    Ok(PreparedCall::Comment(args))
}

/// The tool error code, source status and retry hint of a failure.
fn classify(err: &CommentError) -> (ErrorCode, SourceStatus, Option<u64>) {
    match err {
        CommentError::NotSupported { .. } | CommentError::SharedCredential { .. } => {
            (ErrorCode::NotSupported, SourceStatus::Error, None)
        }
        CommentError::Forbidden { .. } => (ErrorCode::Forbidden, SourceStatus::Error, None),
        CommentError::InvalidText => (ErrorCode::InvalidArguments, SourceStatus::Error, None),
        CommentError::Source(source) => {
            let classified = crate::failure::classify(source);
            (
                classified.code,
                classified.status,
                classified.retry_after_seconds,
            )
        }
        _ => (ErrorCode::Error, SourceStatus::Error, None),
    }
}

/// The opaque state an MCP confirmation round carries: a hash binding the caller, the target and
/// the exact text, so a person's "accept" for one comment cannot be replayed for another. Not a
/// secret: it proves what was shown, and a client able to forge it could forge the "accept" too.
pub fn confirmation_state(subject: &str, args: &CommentArgs) -> String {
    let mut hasher = Sha256::new();
    for part in [
        "add_comment/confirm/v1",
        subject,
        &args.id.to_string(),
        &args.text,
    ] {
        // Length-prefixed, so no two different triples hash the same input.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Adds the comment as `user`. Never fails: problems become an `isError` result.
pub(super) async fn run(
    engine: &SearchEngine,
    user: &UserContext,
    args: &CommentArgs,
    confirmation: Confirmation,
) -> (ToolResult, CallSummary) {
    let kind = args.id.source();
    let summary = |status| CallSummary {
        result_count: usize::from(status == SourceStatus::Ok),
        source_status: vec![(kind, status)],
    };
    if confirmation == Confirmation::NotAsked
        && engine.settings().comment_confirmation == CommentConfirmation::Always
    {
        let message = "this server posts a comment only after a person confirms it \
            (COMMENT_CONFIRMATION=always), and this client cannot ask: it needs MCP 2026-07-28 \
            with form elicitation. Nothing was posted; the user can add the comment in the \
            document themselves";
        return (
            ToolResult::error(
                ErrorCode::ConfirmationRequired,
                format!("Did not comment on {}: {message}.", args.id),
                json!({"message": message}),
            ),
            CallSummary::default(),
        );
    }
    let outcome = match engine.source(kind) {
        None => Err(CommentError::Source(SourceError::NotConfigured(
            kind.display_name(),
        ))),
        Some(source) => {
            let deadline = engine
                .settings()
                .source_timeout
                .min(engine.settings().request_deadline);
            let until = tokio::time::Instant::now() + deadline;
            tokio::time::timeout_at(until, source.add_comment(user, &args.id, &args.text, until))
                .await
                .unwrap_or(Err(CommentError::Source(SourceError::Timeout)))
        }
    };
    match outcome {
        Ok(added) => {
            let mut structured = json!({
                "id": args.id.to_string(),
                "source": kind,
                "comment_id": added.comment_id,
                "title": added.title,
                "url": added.url,
                "created_time": added.created_time,
                "confirmation": match confirmation {
                    Confirmation::User => "user",
                    Confirmation::NotAsked => "not_asked",
                },
            });
            untrusted::label(&mut structured);
            // The title and link come from the source: quoted, so a title such as
            // `x" Link: https://evil.example` stays inside its literal.
            let text = format!(
                "Added a comment to {} ({}). Comment id: {}. Link: {}",
                untrusted::quote(&added.title),
                untrusted::quote(&args.id.to_string()),
                untrusted::quote(&added.comment_id),
                untrusted::quote(&added.url)
            );
            let result = ToolResult {
                content: vec![ContentItem::third_party_text(text)],
                structured_content: structured,
                is_error: false,
            };
            (result, summary(SourceStatus::Ok))
        }
        Err(err) => {
            let (code, status, retry_after_seconds) = classify(&err);
            let mut message = err.to_string();
            if err.may_have_applied() {
                message.push_str(
                    "; the comment may have been added anyway: look at the document before trying again",
                );
            }
            let mut details = json!({"message": message});
            if let Some(wait) = retry_after_seconds {
                details["retry_after_seconds"] = json!(wait);
            }
            if code == ErrorCode::InvalidArguments {
                details["field"] = json!("text");
            }
            let text = format!("Could not comment on {}: {message}", args.id);
            (ToolResult::error(code, text, details), summary(status))
        }
    }
}
