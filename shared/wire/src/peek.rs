//! A bounded, single parse of the JSON-RPC body, done before rmcp sees it.
//!
//! The layer needs two facts from the body: the JSON-RPC `method` (for the invocation record) and,
//! for `tools/call`, the tool name and arguments (to answer HTTP 403 with an `insufficient_scope`
//! challenge *before* the call reaches the handler, as the REST route does). On Lambda the body is
//! already in memory, so peeking costs one parse of a body no larger than the caller's limit (the
//! `mcp` function passes the shared request-body limit, which rmcp is given too).

use serde_json::Value;

/// What the layer learned from a body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Peeked {
    /// The JSON-RPC method of a request or notification.
    pub method: Option<String>,
    /// `params.name` of a `tools/call`.
    pub tool: Option<String>,
    /// `params.arguments` of a `tools/call`.
    pub arguments: Option<Value>,
}

/// JSON-RPC methods the record names (public so tests and fuzz targets can check `action`); anything else is recorded as `other`, so a caller cannot
/// put text of its choice into records or metrics.
pub const KNOWN_METHODS: [&str; 12] = [
    "initialize",
    "notifications/initialized",
    "notifications/cancelled",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "prompts/list",
    "completion/complete",
    "logging/setLevel",
];

impl Peeked {
    /// The record's `action`: the JSON-RPC method when it is one MCP defines, else `other`
    /// (`none` when the body has no method at all).
    pub fn action(&self) -> &'static str {
        match &self.method {
            None => "none",
            Some(method) => KNOWN_METHODS
                .iter()
                .find(|known| **known == method.as_str())
                .copied()
                .unwrap_or("other"),
        }
    }

    /// `params.name` and `params.arguments` of a `tools/call`.
    pub fn tool_call(&self) -> Option<(&str, Option<&Value>)> {
        self.tool
            .as_deref()
            .map(|tool| (tool, self.arguments.as_ref()))
    }

    /// Reads `body`; anything unexpected (larger than `max_bytes`, not JSON, not an object, a
    /// batch) yields an empty answer and the body is left for rmcp to reject with its own error.
    pub fn from_body(body: &[u8], max_bytes: usize) -> Self {
        if body.len() > max_bytes {
            return Self::default();
        }
        let Ok(Value::Object(mut message)) = serde_json::from_slice::<Value>(body) else {
            return Self::default();
        };
        let Some(Value::String(method)) = message.remove("method") else {
            return Self::default();
        };
        let (tool, arguments) = if method == "tools/call" {
            match message.remove("params") {
                Some(Value::Object(mut params)) => (
                    match params.remove("name") {
                        Some(Value::String(name)) => Some(name),
                        _ => None,
                    },
                    params.remove("arguments"),
                ),
                _ => (None, None),
            }
        } else {
            (None, None)
        };
        Self {
            method: Some(method),
            tool,
            arguments,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The limit the `mcp` function passes (the shared request-body limit).
    const MAX_BODY_BYTES: usize = 64 * 1024;

    #[test]
    fn tools_call_yields_name_and_arguments() {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "workplace_search", "arguments": {"query": "vpn"}}});
        let peeked = Peeked::from_body(body.to_string().as_bytes(), MAX_BODY_BYTES);
        assert_eq!(peeked.method.as_deref(), Some("tools/call"));
        assert_eq!(peeked.tool.as_deref(), Some("workplace_search"));
        assert_eq!(peeked.arguments, Some(json!({"query": "vpn"})));
    }

    #[test]
    fn other_methods_yield_only_the_method() {
        let body = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        let peeked = Peeked::from_body(body, MAX_BODY_BYTES);
        assert_eq!(peeked.method.as_deref(), Some("notifications/initialized"));
        assert_eq!(peeked.tool, None);
    }

    #[test]
    fn junk_and_oversized_bodies_yield_nothing() {
        for body in [
            &b""[..],
            b"not json",
            b"[{\"method\":\"tools/list\"}]",
            b"{\"method\":7}",
            b"{\"result\":{}}",
        ] {
            assert_eq!(Peeked::from_body(body, MAX_BODY_BYTES), Peeked::default());
        }
        let mut big = br#"{"method":"tools/list","pad":""#.to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_BODY_BYTES));
        big.extend(br#""}"#);
        assert_eq!(Peeked::from_body(&big, MAX_BODY_BYTES), Peeked::default());
    }

    #[test]
    fn only_known_methods_become_actions() {
        let known = Peeked::from_body(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            MAX_BODY_BYTES,
        );
        assert_eq!(known.action(), "tools/list");
        let minted = Peeked::from_body(
            br#"{"jsonrpc":"2.0","id":1,"method":"x-$RANDOM-1234"}"#,
            MAX_BODY_BYTES,
        );
        assert_eq!(minted.action(), "other");
        assert_eq!(Peeked::default().action(), "none");
    }

    #[test]
    fn tools_call_without_params_is_still_a_tools_call() {
        let peeked = Peeked::from_body(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#,
            MAX_BODY_BYTES,
        );
        assert_eq!(peeked.method.as_deref(), Some("tools/call"));
        assert_eq!(peeked.tool, None);
    }
}
