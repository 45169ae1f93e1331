//! `reauth_required` as URL-mode elicitation (MCP 2025-11-25 `client/elicitation`, mode `url`), for
//! clients that declared `elicitation: {url: {}}`; every other client keeps the text answer (the
//! tool error whose message names the connect page).
//!
//! **Which form, and why.** A mid-call `elicitation/create` request is a server→client request
//! whose answer arrives on a later POST; this endpoint is stateless on Lambda (no session, no SSE,
//! one JSON answer per invocation), so nothing would be there to receive it. What fits:
//! - MCP 2026-07-28 peers: the multi round-trip result (`resultType: "input_required"`) carrying an
//!   `elicitation/create` in mode `url`, the same mechanism [`crate::confirm`] uses. The client
//!   opens the page and repeats the call with `inputResponses`; that repeat runs the tool again,
//!   and if the source still needs connecting it gets the text answer instead of a second prompt,
//!   so a person who closed the page is not asked in a loop.
//! - Earlier peers (2025-11-25): the `URLElicitationRequiredError`, JSON-RPC error `-32042` with
//!   `data.elicitations: [{mode: "url", elicitationId, url, message}]`; the client opens the page
//!   and retries the original request itself. (2026-07-28 removed this error, hence the split.)
//!
//! **Who declared it.** A stateless server sees a client's capabilities only when the request
//! carries them (`_meta["io.modelcontextprotocol/clientCapabilities"]`, required from 2026-07-28);
//! a 2025-11-25 client declares them once at `initialize`, which another invocation answered, so
//! rmcp reports none and such a client gets the text. Never a mode the client did not declare.
//!
//! **When.** Only when the whole call failed with `reauth_required` (a `fetch` or `add_comment`
//! on an unconnected source, or a search whose every source needs connecting): replacing an answer
//! that still carries other sources' results with a prompt would lose them; those name the source
//! in `sources` as before. And only with a connect page configured (`DESCOPE_CONNECT_URL`); the URL
//! is a fixed page of the deployment, never pre-authenticated, and the page itself verifies who
//! opened it (Descope's sign-in).

use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ElicitRequest, ErrorCode as RpcErrorCode,
    InputRequest, InputRequiredResult, ProtocolVersion,
};
use serde_json::{Value, json};
use url::Url;
use workplace_service::tools::ToolResult;

/// The JSON-RPC code of MCP 2025-11-25's `URLElicitationRequiredError` (rmcp has no constant).
pub const URL_ELICITATION_REQUIRED: i32 = -32042;
/// The key of the connect prompt in `inputRequests` / `inputResponses`.
pub const INPUT_KEY: &str = "connect_source";

/// How the failed call is answered instead of the text.
#[derive(Debug)]
pub enum Offer {
    /// MCP 2026-07-28: an `input_required` result with a URL elicitation.
    InputRequired(InputRequiredResult),
    /// MCP 2025-11-25: the `-32042` error.
    Error(ErrorData),
}

/// The connect page, when one is configured and safe to send a person to: `https`, or `http` on a
/// loopback host (the local stack). Anything else is logged and ignored, leaving the text answer.
pub fn connect_url(raw: Option<&str>) -> Option<Url> {
    let url = Url::parse(raw?.trim()).ok();
    let acceptable = url.as_ref().is_some_and(|u| match u.scheme() {
        "https" => u.host_str().is_some(),
        "http" => matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    });
    if !acceptable {
        tracing::error!("DESCOPE_CONNECT_URL is not an https URL; reauth_required stays text only");
        return None;
    }
    url
}

/// Whether the client declared URL-mode elicitation.
pub fn declares_url_mode(capabilities: Option<&ClientCapabilities>) -> bool {
    capabilities
        .and_then(|c| c.elicitation.as_ref())
        .is_some_and(|e| e.url.is_some())
}

/// A tool error coded `reauth_required` (`fetch`, `add_comment`, `list_events`).
fn failed_with_reauth(result: &ToolResult) -> bool {
    result
        .structured_content
        .pointer("/error/code")
        .and_then(Value::as_str)
        == Some("reauth_required")
}

/// A search whose every source reported `reauth_required` (its answer has no error code, only the
/// per-source statuses).
fn every_source_needs_reauth(result: &ToolResult) -> bool {
    result
        .structured_content
        .get("sources")
        .and_then(Value::as_array)
        .is_some_and(|sources| {
            !sources.is_empty()
                && sources
                    .iter()
                    .all(|s| s.get("status").and_then(Value::as_str) == Some("reauth_required"))
        })
}

/// The URL elicitation replacing `result`, when `result` is a `reauth_required` failure of the
/// whole call, the client declared URL mode, a connect page is configured and this is not already
/// the answer to one. `id` names the elicitation (for the optional completion notification).
pub fn offer(
    result: &ToolResult,
    connect: Option<&Url>,
    declared: bool,
    version: Option<&ProtocolVersion>,
    request: &CallToolRequestParams,
    id: &str,
) -> Result<Option<Offer>, ErrorData> {
    let reauth =
        result.is_error && (failed_with_reauth(result) || every_source_needs_reauth(result));
    let answered = request
        .input_responses
        .as_ref()
        .is_some_and(|r| r.contains_key(INPUT_KEY));
    let Some(connect) = connect.filter(|_| reauth && declared && !answered) else {
        return Ok(None);
    };
    let message = result
        .structured_content
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("Connect the sources this search needs to workplace-mcp, then try again.");
    let params = json!({
        "mode": "url",
        "elicitationId": id,
        "url": connect.as_str(),
        "message": message,
    });
    if version.is_some_and(|v| *v >= ProtocolVersion::V_2026_07_28) {
        // 2026-07-28 drops `elicitationId` with the completion notification.
        let mut params = params;
        if let Some(object) = params.as_object_mut() {
            object.remove("elicitationId");
        }
        let request: ElicitRequest =
            serde_json::from_value(json!({"method": "elicitation/create", "params": params}))
                .map_err(|err| {
                    tracing::error!(error = %err, "the connect request did not encode");
                    ErrorData::internal_error("the connect request could not be encoded", None)
                })?;
        let mut requests = rmcp::model::InputRequests::new();
        requests.insert(INPUT_KEY.to_owned(), InputRequest::Elicitation(request));
        return Ok(Some(Offer::InputRequired(InputRequiredResult::new(
            Some(requests),
            None,
        ))));
    }
    Ok(Some(Offer::Error(ErrorData::new(
        RpcErrorCode(URL_ELICITATION_REQUIRED),
        format!("{message} (open the URL, then retry)"),
        Some(json!({"elicitations": [params]})),
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_connect_pages_are_offered() {
        assert!(connect_url(Some("https://app.example.com/connect")).is_some());
        assert!(connect_url(Some("http://127.0.0.1:9020/connect")).is_some());
        assert!(connect_url(Some("http://app.example.com/connect")).is_none());
        assert!(connect_url(Some("javascript:alert(1)")).is_none());
        assert!(connect_url(Some("not a url")).is_none());
        assert!(connect_url(None).is_none());
    }

    #[test]
    fn url_mode_counts_only_when_declared() {
        let caps = |v: Value| serde_json::from_value::<ClientCapabilities>(v).unwrap();
        assert!(declares_url_mode(Some(&caps(
            json!({"elicitation": {"url": {}}})
        ))));
        assert!(declares_url_mode(Some(&caps(
            json!({"elicitation": {"form": {}, "url": {}}})
        ))));
        assert!(!declares_url_mode(Some(&caps(json!({"elicitation": {}})))));
        assert!(!declares_url_mode(Some(&caps(
            json!({"elicitation": {"form": {}}})
        ))));
        assert!(!declares_url_mode(Some(&caps(json!({})))));
        assert!(!declares_url_mode(None));
    }
}
