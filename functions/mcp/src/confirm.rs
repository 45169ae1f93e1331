//! A person confirms `add_comment` before it posts, where the client can ask.
//!
//! A prompt injected through a document can tell the model to copy what it read into a comment on
//! a file the attacker can read. A confirmation puts a person between the model and that write.
//!
//! This endpoint is stateless Streamable HTTP on Lambda (no session, one JSON answer per POST), so
//! it cannot send `elicitation/create` in the middle of a call. MCP 2026-07-28's multi round-trip
//! requests fit instead: the first `tools/call` answers `resultType: "input_required"` with an
//! `elicitation/create` form showing the exact target and text and a `requestState` binding
//! them ([`workplace_service::tools::confirmation_state`]); the client asks the person and
//! repeats the call with `inputResponses` and the same `requestState`; only an "accept" with
//! `confirm: true` for the same caller, target and text posts. Clients on older protocol
//! revisions, or without form elicitation, cannot be asked: `COMMENT_CONFIRMATION` decides whether
//! they post (`when_supported`, `never`) or are refused with `confirmation_required` (`always`).

use rmcp::ErrorData;
use rmcp::model::{CallToolRequestParams, ElicitRequest, InputRequest, InputRequiredResult};
use serde_json::{Value, json};
use workplace_service::arguments::CommentArgs;
use workplace_service::config::CommentConfirmation;
use workplace_service::tool_result::ErrorCode;
use workplace_service::tools::{Confirmation, ToolResult};

/// The key of our one input request in `inputRequests` / `inputResponses`.
pub const INPUT_KEY: &str = "confirm_comment";

/// What to do with an `add_comment` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Ask the person first (an `input_required` result).
    Ask,
    /// The person declined or dismissed the confirmation: post nothing.
    Declined,
    /// Post, saying whether a person confirmed.
    Post(Confirmation),
}

/// Decides from the setting, whether the client can ask, and the answer the call carries. An
/// answer counts only with the `requestState` of this exact caller, target and text.
pub fn decide(
    setting: CommentConfirmation,
    can_ask: bool,
    request: &CallToolRequestParams,
    state: &str,
) -> Decision {
    if setting == CommentConfirmation::Never {
        return Decision::Post(Confirmation::NotAsked);
    }
    let answer = request
        .input_responses
        .as_ref()
        .and_then(|responses| responses.get(INPUT_KEY))
        .filter(|_| request.request_state.as_deref() == Some(state));
    if let Some(answer) = answer {
        let accepted = answer.get("action").and_then(Value::as_str) == Some("accept")
            && answer.pointer("/content/confirm").and_then(Value::as_bool) == Some(true);
        return if accepted {
            Decision::Post(Confirmation::User)
        } else {
            Decision::Declined
        };
    }
    if can_ask {
        Decision::Ask
    } else {
        // `tools::run` refuses this under `always` with `confirmation_required`.
        Decision::Post(Confirmation::NotAsked)
    }
}

/// The `input_required` result asking the person to confirm the exact comment and target.
pub fn ask(args: &CommentArgs, state: String) -> Result<InputRequiredResult, ErrorData> {
    let request = json!({
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": format!(
                "Post this comment on {} as you? Comments are visible to everyone who can open \
                 the document.\n\n{}",
                args.id, args.text
            ),
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "confirm": {
                        "type": "boolean",
                        "title": "Post this comment",
                        "description": "Check to post exactly this comment on this document."
                    }
                },
                "required": ["confirm"]
            }
        }
    });
    let request: ElicitRequest = serde_json::from_value(request).map_err(|err| {
        tracing::error!(error = %err, "the confirmation request did not encode");
        ErrorData::internal_error("the confirmation request could not be encoded", None)
    })?;
    let mut requests = rmcp::model::InputRequests::new();
    requests.insert(INPUT_KEY.to_owned(), InputRequest::Elicitation(request));
    Ok(InputRequiredResult::new(Some(requests), Some(state)))
}

/// The answer when the person declined: nothing was posted.
pub fn declined(args: &CommentArgs) -> ToolResult {
    ToolResult::error(
        ErrorCode::ConfirmationDeclined,
        format!(
            "Did not comment on {}: the user declined. Do not retry unless they ask again.",
            args.id
        ),
        json!({"message": "the user declined the comment; nothing was posted"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CommentArgs {
        CommentArgs::parse(Some(
            &json!({"id": "notion:2f1c4b6e8d3a4f7e9a2b0123456789ab", "text": "hi"}),
        ))
        .unwrap()
    }

    fn request(answer: Option<Value>, state: Option<&str>) -> CallToolRequestParams {
        let mut request = CallToolRequestParams::new("add_comment");
        if let Some(answer) = answer {
            let mut responses = rmcp::model::InputResponses::new();
            responses.insert(INPUT_KEY.to_owned(), answer);
            request = request.with_input_responses(responses);
        }
        request.request_state = state.map(str::to_owned);
        request
    }

    #[test]
    fn only_an_accept_for_this_exact_comment_posts_as_confirmed() {
        use CommentConfirmation::*;
        let accept = json!({"action": "accept", "content": {"confirm": true}});
        for setting in [Always, WhenSupported] {
            assert_eq!(
                decide(setting, true, &request(None, None), "s"),
                Decision::Ask
            );
            assert_eq!(
                decide(
                    setting,
                    true,
                    &request(Some(accept.clone()), Some("s")),
                    "s"
                ),
                Decision::Post(Confirmation::User)
            );
            // An answer given for another caller, target or text is not an answer.
            assert_eq!(
                decide(
                    setting,
                    true,
                    &request(Some(accept.clone()), Some("t")),
                    "s"
                ),
                Decision::Ask
            );
            for no in [
                json!({"action": "decline"}),
                json!({"action": "cancel"}),
                json!({"action": "accept", "content": {"confirm": false}}),
                json!({"action": "accept"}),
                json!("accept"),
            ] {
                assert_eq!(
                    decide(setting, true, &request(Some(no), Some("s")), "s"),
                    Decision::Declined
                );
            }
            // A client that cannot ask: `tools::run` refuses it under `always`.
            assert_eq!(
                decide(setting, false, &request(None, None), "s"),
                Decision::Post(Confirmation::NotAsked)
            );
        }
        assert_eq!(
            decide(Never, true, &request(None, None), "s"),
            Decision::Post(Confirmation::NotAsked)
        );
    }

    #[test]
    fn the_question_shows_the_exact_target_and_text() {
        let asked = ask(&args(), "state".into()).unwrap();
        let json = serde_json::to_value(&asked).unwrap();
        assert_eq!(json["resultType"], "input_required");
        assert_eq!(json["requestState"], "state");
        let elicit = &json["inputRequests"][INPUT_KEY];
        assert_eq!(elicit["method"], "elicitation/create");
        assert_eq!(elicit["params"]["mode"], "form");
        let message = elicit["params"]["message"].as_str().unwrap();
        assert!(
            message.contains("notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab"),
            "{message}"
        );
        assert!(message.ends_with("\n\nhi"), "{message}");
    }
}
