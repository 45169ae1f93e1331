//! The admin policy at `/mcp`: `tools/list` shows only the tools it allows, a refused tool is an
//! `isError` result the model reads (code `forbidden`), and the kill switch and the IP allowlist
//! refuse every request with a 403 a client shows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};

fn listed_names(body: &Value) -> Vec<String> {
    body["result"]["tools"]
        .as_array()
        .expect("a tools/list answer")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn read_only_mode_hides_add_comment_and_refuses_it_as_a_tool_error() {
    let app = app_with(all_sources(), &[("POLICY_READ_ONLY", "on")], None);
    let token = token(all_scopes());
    let response = app.send(&event("mcp_tools_list.json", Some(&token))).await;
    assert_eq!(response.status(), 200);
    let names = listed_names(&body(&response));
    assert!(!names.iter().any(|n| n == "add_comment"), "{names:?}");
    assert!(names.iter().any(|n| n == "workplace_search"), "{names:?}");

    let call = with_body(
        event("mcp_tools_call.json", Some(&token)),
        &call_body("add_comment", json!({"id": "drive:doc-1", "text": "hi"})),
    );
    let response = app.send(&call).await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    let result = &body["result"];
    assert_eq!(result["isError"], true, "{body}");
    assert_eq!(result["structuredContent"]["error"]["code"], "forbidden");
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("read-only"), "{text}");
    let record = app.last_record();
    assert_eq!(record.reason.as_deref(), Some("policy_read_only"));
}

#[tokio::test]
async fn the_kill_switch_and_the_allowlist_refuse_every_request_with_a_403() {
    let token = token(all_scopes());
    let off = app_with(
        all_sources(),
        &[
            ("POLICY_KILL_SWITCH", "on"),
            (
                "POLICY_KILL_SWITCH_MESSAGE",
                "Switched off during the incident.",
            ),
        ],
        None,
    );
    for name in [
        "mcp_initialize.json",
        "mcp_tools_list.json",
        "mcp_tools_call.json",
    ] {
        let response = off.send(&event(name, Some(&token))).await;
        assert_eq!(response.status(), 403, "{name}");
        let body = body(&response);
        assert_eq!(body["error"]["code"], "policy_denied", "{body}");
        assert_eq!(
            body["error"]["message"],
            "Switched off during the incident."
        );
    }

    let fenced = app_with(
        all_sources(),
        &[("POLICY_IP_ALLOWLIST", "192.0.2.0/24")],
        None,
    );
    let mut outside = event("mcp_tools_list.json", Some(&token));
    outside["requestContext"]["http"]["sourceIp"] = json!("198.51.100.7");
    let response = fenced.send(&outside).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        fenced.last_record().reason.as_deref(),
        Some("policy_address")
    );
    let mut inside = outside.clone();
    inside["requestContext"]["http"]["sourceIp"] = json!("192.0.2.10");
    assert_eq!(fenced.send(&inside).await.status(), 200);
}
