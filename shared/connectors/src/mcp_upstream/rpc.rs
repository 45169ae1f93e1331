//! One `tools/call` on the wire: the 2026-07-28 request (rmcp's model types, `_meta` with the
//! protocol version and client capabilities, the `MCP-Protocol-Version`, `Mcp-Method` and
//! `Mcp-Name` headers), and its answer read from a JSON body or an event stream.

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientCapabilities, ErrorData,
    Implementation, JsonRpcRequest, NumberOrString, ProtocolVersion, RequestMetaObject,
};
use serde_json::Value;

use super::CallToolOutcome;
use super::classify::{self, Refusal};
use crate::SourceError;
use crate::retry::Failure;
use crate::upstream::Api;
use crate::upstream::classify::{MAX_JSON_BYTES, bounded_bytes, transport};

/// The protocol version every request names: stateless, no handshake.
const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V_2026_07_28;

/// The serialized JSON-RPC request calling `tool` with `arguments` (an object; anything else is
/// refused before a request is made).
pub(super) fn call_tool_request(
    id: i64,
    tool: &str,
    arguments: Value,
) -> Result<Vec<u8>, SourceError> {
    let Value::Object(arguments) = arguments else {
        return Err(SourceError::InvalidResponse(format!(
            "the arguments of MCP tool `{tool}` must be a JSON object"
        )));
    };
    let client = Implementation::new("workplace-mcp", env!("CARGO_PKG_VERSION"));
    let mut params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
    params.meta = Some(RequestMetaObject::with_client_context(
        PROTOCOL_VERSION,
        client,
        ClientCapabilities::default(),
    ));
    let request = JsonRpcRequest::new(NumberOrString::Number(id), CallToolRequest::new(params));
    serde_json::to_vec(&request).map_err(|e| {
        SourceError::InvalidResponse(format!("could not write the MCP request for `{tool}`: {e}"))
    })
}

/// The POST carrying `body`.
pub(super) fn post(http: &Client, endpoint: &url::Url, tool: &str, body: &[u8]) -> RequestBuilder {
    http.post(endpoint.clone())
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", PROTOCOL_VERSION.to_string())
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(body.to_vec())
}

/// Reads the answer: a 401 challenge, or the JSON-RPC response (JSON or the event stream's),
/// classified.
pub(super) async fn read(
    product: &'static str,
    tool: &str,
    response: Response,
) -> Result<Result<CallToolOutcome, Refusal>, Failure> {
    if response.status() == StatusCode::UNAUTHORIZED {
        let challenge = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(classify::Challenge::parse);
        return Ok(Err(Refusal::Challenge(challenge.unwrap_or_default())));
    }
    let stream = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("text/event-stream"));
    let (bytes, cut) = bounded_bytes(response, MAX_JSON_BYTES)
        .await
        .map_err(|e| transport(Api::GoogleMcp, &e))?;
    let invalid = |what: &str| -> Failure {
        SourceError::InvalidResponse(format!("{product}'s MCP server answered {what}")).into()
    };
    if cut {
        return Err(invalid(&format!("more than {MAX_JSON_BYTES} bytes")));
    }
    let message = if stream {
        final_event(&bytes).ok_or_else(|| invalid("an event stream without a response"))?
    } else {
        serde_json::from_slice::<Value>(&bytes).map_err(|_| invalid("a body that is not JSON"))?
    };
    answer(product, tool, message)
}

/// The JSON-RPC response in an event stream: the last `data` of an event that is a response or
/// an error. Notifications and server requests before it (progress, elicitation) are skipped: a
/// search has nobody to ask.
fn final_event(bytes: &[u8]) -> Option<Value> {
    let text = String::from_utf8_lossy(bytes);
    let mut data = String::new();
    let mut found = None;
    // Events end at a blank line; `data:` lines of one event are joined by newlines.
    for line in text.lines().chain(std::iter::once("")) {
        if line.is_empty() {
            if !data.is_empty()
                && let Ok(value) = serde_json::from_str::<Value>(&data)
                && (value.get("result").is_some() || value.get("error").is_some())
            {
                found = Some(value);
            }
            data.clear();
        } else if let Some(rest) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    found
}

/// One JSON-RPC message as a tool outcome, a refusal or a classified failure.
fn answer(
    product: &'static str,
    tool: &str,
    message: Value,
) -> Result<Result<CallToolOutcome, Refusal>, Failure> {
    if let Some(error) = message.get("error") {
        let error: ErrorData = serde_json::from_value(error.clone()).map_err(|_| {
            Failure::from(SourceError::InvalidResponse(format!(
                "{product}'s MCP server answered a malformed JSON-RPC error"
            )))
        })?;
        return Err(classify::rpc_error(product, tool, &error));
    }
    let Some(result) = message.get("result") else {
        return Err(SourceError::InvalidResponse(format!(
            "{product}'s MCP server answered neither a result nor an error"
        ))
        .into());
    };
    // A multi-round-trip request (2026-07-28): the server needs the user's answer (an approval
    // form) before it can finish. A search runs without the user at hand.
    if result.get("resultType").and_then(Value::as_str) == Some("input_required") {
        return Err(classify::input_required(product, tool));
    }
    let result: CallToolResult = serde_json::from_value(result.clone()).map_err(|_| {
        Failure::from(SourceError::InvalidResponse(format!(
            "{product}'s MCP server answered a tool result of an unexpected shape"
        )))
    })?;
    let text = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    if result.is_error == Some(true) {
        return classify::tool_error(product, tool, &text).map(Err);
    }
    Ok(Ok(CallToolOutcome {
        structured: result.structured_content,
        text,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_stateless_2026_07_28_tool_calls() {
        let body = call_tool_request(7, "search_files", serde_json::json!({"query": "x"})).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["jsonrpc"], "2.0");
        assert_eq!(value["id"], 7);
        assert_eq!(value["method"], "tools/call");
        assert_eq!(value["params"]["name"], "search_files");
        assert_eq!(value["params"]["arguments"]["query"], "x");
        let meta = &value["params"]["_meta"];
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"],
            "2026-07-28"
        );
        assert!(meta["io.modelcontextprotocol/clientCapabilities"].is_object());
        assert!(call_tool_request(1, "t", serde_json::json!([1])).is_err());
    }

    #[test]
    fn an_event_stream_yields_its_response_after_notifications() {
        let stream = b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n\
event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\ndata: \"result\":{\"content\":[]}}\n\n";
        let value = final_event(stream).unwrap();
        assert_eq!(value["id"], 1);
        assert!(value["result"]["content"].is_array());
        assert!(final_event(b"data: {\"method\":\"x\"}\n\n").is_none());
        assert!(final_event(b"").is_none());
    }
}
