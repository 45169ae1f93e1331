//! A `/mcp` request body through the auth layer's peek (`workplace_wire::peek`), which runs before
//! authentication on whatever an anonymous caller sends.
//!
//! Invariants beyond "no panic":
//! - `action` is one of the MCP methods, `other` or `none`: caller text never becomes a record
//!   field or metric dimension;
//! - a tool name or arguments are only ever read from a `tools/call`;
//! - a body over the limit is not read at all;
//! - round trip: a canonical envelope rebuilt from what was peeked peeks to the same answer
//!   (numbers within a rounding error: serde_json's default float parsing is not correctly rounded
//!   for long literals, so a float may move by an ulp when written and read again).
#![no_main]

mod json_eq;

use json_eq::same;
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use workplace_wire::peek::{KNOWN_METHODS, Peeked};

/// The limit the `mcp` function passes (the shared 64 KiB request-body limit).
const MAX_BODY_BYTES: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let peeked = Peeked::from_body(data, MAX_BODY_BYTES);
    let action = peeked.action();
    assert!(
        action == "other" || action == "none" || KNOWN_METHODS.contains(&action),
        "{action}"
    );
    assert_eq!(action == "none", peeked.method.is_none());
    if peeked.tool.is_some() || peeked.arguments.is_some() {
        assert_eq!(peeked.method.as_deref(), Some("tools/call"));
    }
    assert_eq!(
        peeked.tool_call().map(|(tool, _)| tool),
        peeked.tool.as_deref()
    );
    // The same bytes under a smaller limit are not read.
    if !data.is_empty() {
        assert_eq!(Peeked::from_body(data, data.len() - 1), Peeked::default());
    }
    if let Some(method) = &peeked.method {
        let mut envelope = json!({"jsonrpc": "2.0", "id": 1, "method": method});
        if method == "tools/call" {
            let mut params = serde_json::Map::new();
            if let Some(tool) = &peeked.tool {
                params.insert("name".into(), json!(tool));
            }
            if let Some(arguments) = &peeked.arguments {
                params.insert("arguments".into(), arguments.clone());
            }
            envelope["params"] = params.into();
        }
        let body = envelope.to_string();
        if body.len() <= MAX_BODY_BYTES {
            let again = Peeked::from_body(body.as_bytes(), MAX_BODY_BYTES);
            assert_eq!(again.method, peeked.method);
            assert_eq!(again.tool, peeked.tool);
            match (&again.arguments, &peeked.arguments) {
                (Some(a), Some(b)) => assert!(same(a, b), "{a} != {b}"),
                (a, b) => assert_eq!(a, b),
            }
        }
    }
});
