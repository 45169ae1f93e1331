//! `add_comment` on `/mcp`: listed with write annotations, refused with HTTP 403 naming
//! `workplace:write:comments` when the token lacks it (the step-up challenge MCP clients follow),
//! and run through the same pipeline as every tool when it has it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;
use workplace_connectors::SourceKind;

const WRITE: &str = "workplace:write:comments";

#[tokio::test]
async fn add_comment_is_listed_as_a_non_idempotent_open_world_write() {
    let app = app();
    let response = app
        .send(&event("mcp_tools_list.json", Some(&token("openid"))))
        .await;
    let body = body(&response);
    let tool = body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "add_comment")
        .cloned()
        .unwrap();
    assert_eq!(
        tool["annotations"],
        json!({"title": "Add comment", "readOnlyHint": false, "destructiveHint": false,
               "idempotentHint": false, "openWorldHint": true})
    );
    assert_eq!(tool["inputSchema"]["required"], json!(["id", "text"]));
    assert_eq!(tool["inputSchema"]["additionalProperties"], false);
    assert!(tool["outputSchema"]["properties"]["comment_id"].is_object());
}

#[tokio::test]
async fn without_the_write_scope_the_call_is_refused_with_a_step_up_challenge() {
    let app = app();
    let call = |token: &str| {
        with_body(
            event("mcp_tools_call.json", Some(token)),
            &call_body(
                "add_comment",
                json!({"id": "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab", "text": "hi"}),
            ),
        )
    };
    let response = app.send(&call(&token(ALL_SCOPES))).await;
    assert_eq!(response.status(), 403);
    let challenge = header(&response, "www-authenticate").unwrap();
    assert!(
        challenge.contains(&format!("scope=\"{WRITE}\"")),
        "{challenge}"
    );
    let record = app.last_record();
    assert_eq!((record.status, record.outcome.as_str()), (403, "forbidden"));
    assert_eq!(record.tool.as_deref(), Some("add_comment"));

    // The write scope alone is not enough either: the source's read scope is also needed.
    let response = app.send(&call(&token(WRITE))).await;
    assert_eq!(response.status(), 403);
    assert!(
        header(&response, "www-authenticate")
            .unwrap()
            .contains("scope=\"workplace:read:notion\"")
    );

    // With both, the call runs; the test double cannot comment, which is a tool error, not a 5xx.
    let response = app
        .send(&call(&token(&format!("workplace:read:notion {WRITE}"))))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["result"]["isError"], true, "{body}");
    assert_eq!(
        body["result"]["structuredContent"]["error"]["code"],
        "not_supported"
    );
    let record = app.last_record();
    assert_eq!(record.tool.as_deref(), Some("add_comment"));
    assert_eq!(record.outcome.as_str(), "tool_error");
    assert_eq!(record.sources, [SourceKind::Notion]);
}
