//! One POST: JSON-RPC parsing, the 2026-07-28 header checks, and the methods (`initialize`,
//! `server/discover`, `tools/list`, `tools/call`), answered as JSON or as an event stream.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use super::frame::{Frame, challenge_response, origin};
use super::{Product, ToolCall, Variant};
use crate::drive::bearer;

/// The modern protocol version (stateless).
const MODERN: &str = "2026-07-28";
/// Versions a legacy `initialize` may ask for.
const LEGACY: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";

/// Google's texts (those of its API front end; see the module doc of `google_mcp`).
const MISSING_CREDENTIAL: &str = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const INVALID_CREDENTIAL: &str = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const INSUFFICIENT_SCOPES: &str = "Request had insufficient authentication scopes.";
const DENIED: &str = "The caller does not have permission";
/// The demo project's number, in quota and disabled-service texts.
const PROJECT: &str = "123456789012";

/// How the answer is written.
struct Reply {
    id: Value,
    /// Legacy peers get no 2026-07-28 fields.
    legacy: bool,
    sse: bool,
}

impl Reply {
    fn result(&self, mut result: Value) -> Response {
        if self.legacy
            && let Some(object) = result.as_object_mut()
        {
            for key in ["resultType", "ttlMs", "cacheScope"] {
                object.remove(key);
            }
        }
        self.send(
            StatusCode::OK,
            json!({"jsonrpc": "2.0", "id": self.id, "result": result}),
        )
    }

    fn error(&self, status: StatusCode, code: i64, message: &str, data: Option<Value>) -> Response {
        let mut error = json!({"code": code, "message": message});
        if let Some(data) = data {
            error["data"] = data;
        }
        self.send(
            status,
            json!({"jsonrpc": "2.0", "id": self.id, "error": error}),
        )
    }

    fn send(&self, status: StatusCode, message: Value) -> Response {
        if self.sse && status == StatusCode::OK {
            // One event: a stateless response stream carries the response and ends.
            let body = format!("event: message\ndata: {message}\n\n");
            return (status, [("content-type", "text/event-stream")], body).into_response();
        }
        (status, axum::Json(message)).into_response()
    }
}

fn plain_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Answers one POST to `product`'s `variant` endpoint.
pub(super) fn handle(
    frame: &Frame,
    product: &Product,
    variant: Variant,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let accept = header(headers, "accept").unwrap_or_default();
    if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            -32600,
            "Not Acceptable: Client must accept both application/json and text/event-stream",
        );
    }
    let Ok(message) = serde_json::from_slice::<Value>(body) else {
        return plain_error(StatusCode::BAD_REQUEST, -32700, "Parse error");
    };
    let Some(object) = message.as_object() else {
        return plain_error(
            StatusCode::BAD_REQUEST,
            -32600,
            "Invalid Request: a single JSON-RPC message is expected",
        );
    };
    let Some(method) = object.get("method").and_then(Value::as_str) else {
        return plain_error(StatusCode::BAD_REQUEST, -32600, "Invalid Request");
    };
    let Some(id) = object.get("id").cloned() else {
        // A notification (`notifications/initialized`, …).
        return StatusCode::ACCEPTED.into_response();
    };
    let empty = Map::new();
    let params = object
        .get("params")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let meta_version = params
        .get("_meta")
        .and_then(|m| m.get(META_VERSION))
        .and_then(Value::as_str);
    let settings = frame.state.google_mcp.settings(product.name);
    let reply = Reply {
        id,
        legacy: meta_version.is_none(),
        sse: settings.sse,
    };
    if let Some(version) = meta_version {
        if let Some(refused) = modern_checks(&reply, version, method, params, headers) {
            return refused;
        }
    } else if let Some(version) = header(headers, "mcp-protocol-version")
        && !LEGACY.contains(&version)
        && version != MODERN
    {
        return reply.error(
            StatusCode::BAD_REQUEST,
            -32600,
            &format!("Bad Request: Unsupported MCP-Protocol-Version: {version}"),
            None,
        );
    }
    match method {
        "initialize" => {
            let asked = params
                .get("protocolVersion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let version = if LEGACY.contains(&asked) {
                asked
            } else {
                "2025-11-25"
            };
            reply.result(json!({
                "protocolVersion": version,
                "capabilities": {"tools": {}},
                "serverInfo": server_info(product),
            }))
        }
        "server/discover" => reply.result(json!({
            "resultType": "complete",
            "supportedVersions": [MODERN],
            "capabilities": {"tools": {}},
            "ttlMs": 0,
            "cacheScope": "private",
            "_meta": {"io.modelcontextprotocol/serverInfo": server_info(product)},
        })),
        "ping" if reply.legacy => reply.result(json!({})),
        "tools/list" => {
            let tools: Vec<Tool> = product
                .tools
                .iter()
                .filter(|t| variant == Variant::V1 || t.on_v1self)
                .map(published)
                .collect();
            reply.result(json!({
                "resultType": "complete",
                "tools": tools,
                "ttlMs": 3_600_000,
                "cacheScope": "public",
            }))
        }
        "tools/call" => call(frame, product, variant, headers, params, &reply),
        _ => {
            let status = if reply.legacy {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            reply.error(status, -32601, &format!("Method not found: {method}"), None)
        }
    }
}

fn server_info(product: &Product) -> Value {
    json!({"name": product.name, "title": product.title, "version": "1.0.0"})
}

/// The 2026-07-28 rules: a supported version, the client's capabilities, and headers that agree
/// with the body.
fn modern_checks(
    reply: &Reply,
    version: &str,
    method: &str,
    params: &Map<String, Value>,
    headers: &HeaderMap,
) -> Option<Response> {
    if version != MODERN {
        return Some(reply.error(
            StatusCode::BAD_REQUEST,
            -32022,
            &format!("Unsupported protocol version: {version}"),
            Some(json!({"supported": [MODERN], "requested": version})),
        ));
    }
    if params
        .get("_meta")
        .and_then(|m| m.get(META_CAPABILITIES))
        .is_none()
    {
        return Some(reply.error(
            StatusCode::BAD_REQUEST,
            -32602,
            &format!("Invalid params: _meta is missing {META_CAPABILITIES}"),
            None,
        ));
    }
    let mismatch = |what: &str| {
        Some(reply.error(
            StatusCode::BAD_REQUEST,
            -32020,
            &format!("Header mismatch: {what}"),
            None,
        ))
    };
    if header(headers, "mcp-protocol-version") != Some(version) {
        return mismatch("MCP-Protocol-Version does not match _meta");
    }
    if header(headers, "mcp-method") != Some(method) {
        return mismatch("Mcp-Method does not match the method");
    }
    let name = params.get("name").and_then(Value::as_str);
    if method == "tools/call" && header(headers, "mcp-name") != name {
        return mismatch("Mcp-Name does not match the tool");
    }
    None
}

/// A tool as `tools/list` publishes it.
fn published(tool: &super::ToolDef) -> Tool {
    let object = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let annotations = ToolAnnotations::new()
        .read_only(tool.read_only)
        .destructive(false)
        .idempotent(tool.read_only)
        .open_world(false);
    Tool::new(tool.name, tool.description, object((tool.input_schema)()))
        .with_raw_output_schema(std::sync::Arc::new(object((tool.output_schema)())))
        .with_annotations(annotations)
}

fn error_result(reply: &Reply, text: &str) -> Response {
    let result = CallToolResult::error(vec![ContentBlock::text(text)]);
    reply.result(serde_json::to_value(result).unwrap_or_default())
}

/// `tools/call`: credentials, the project's gates, the tool, its scope, the quota, the handler.
fn call(
    frame: &Frame,
    product: &Product,
    variant: Variant,
    headers: &HeaderMap,
    params: &Map<String, Value>,
    reply: &Reply,
) -> Response {
    let state = &frame.state;
    let settings = state.google_mcp.settings(product.name);
    let token = bearer(headers);
    let Some(principal) = state.check_token(product.upstream, token) else {
        if settings.challenges {
            let error = token.map(|_| "invalid_token");
            return challenge_response(
                &origin(headers),
                product.name,
                error,
                &product.scopes.join(" "),
            );
        }
        let text = if token.is_some() {
            INVALID_CREDENTIAL
        } else {
            MISSING_CREDENTIAL
        };
        return error_result(reply, text);
    };
    let service = format!("{}.googleapis.com", product.name);
    if settings.disabled {
        return error_result(
            reply,
            &format!(
                "{} API has not been used in project {PROJECT} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/{service}/overview?project={PROJECT} then retry.",
                product.title.trim_end_matches(" server")
            ),
        );
    }
    if settings.denied {
        return error_result(reply, DENIED);
    }
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(tool) = product
        .tools
        .iter()
        .find(|t| t.name == name && (variant == Variant::V1 || t.on_v1self))
    else {
        return reply.error(
            StatusCode::OK,
            -32602,
            &format!("Unknown tool: {name}"),
            None,
        );
    };
    let scopes = state.token_scopes(token);
    if !tool.scopes.iter().any(|s| scopes.iter().any(|g| g == s)) {
        return error_result(reply, INSUFFICIENT_SCOPES);
    }
    let empty = Map::new();
    let args = match params.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(args)) => args,
        Some(_) => return error_result(reply, "Invalid arguments: expected an object."),
    };
    let units = settings.units.get(tool.name).copied().unwrap_or(tool.units);
    if !state.google_mcp.charge(product.name, units) {
        return error_result(
            reply,
            &format!(
                "Quota exceeded for quota metric 'MCP requests' and limit 'MCP requests per day' of service '{service}' for consumer 'project_number:{PROJECT}'."
            ),
        );
    }
    let call = ToolCall {
        state,
        principal: &principal,
        args,
        variant,
    };
    match (tool.handler)(&call) {
        Ok(value) => reply
            .result(serde_json::to_value(CallToolResult::structured(value)).unwrap_or_default()),
        Err(text) => error_result(reply, &text),
    }
}
