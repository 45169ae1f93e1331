//! `add_comment` on `/mcp`: listed with write annotations, refused with HTTP 403 naming
//! `workplace:write:comments` when the token lacks it (the step-up challenge MCP clients follow),
//! and run through the same pipeline as every tool when it has it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
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
    let response = app.send(&call(&token(all_scopes()))).await;
    assert_eq!(response.status(), 403);
    // The step-up asks for the scopes the token has and the one it lacks (MCP 2025-11-25).
    let challenge = header(&response, "www-authenticate").unwrap();
    assert!(
        challenge.contains(&format!("scope=\"{} {WRITE}\"", all_scopes())),
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
            .contains(&format!("scope=\"{WRITE} workplace:read:notion\""))
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

const NOTION_ID: &str = "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab";

/// A 2026-07-28 `tools/call` of `add_comment`, from a client declaring `capabilities`, with an
/// optional MRTR retry (`inputResponses`, `requestState`).
fn call_2026(token: &str, capabilities: Value, retry: Option<(Value, Value)>) -> Value {
    let mut params = json!({
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities,
            "io.modelcontextprotocol/clientInfo": {"name": "fixture-client", "version": "1.0.0"}
        },
        "name": "add_comment",
        "arguments": {"id": NOTION_ID, "text": "Looks good.\nShip it."}
    });
    if let Some((responses, state)) = retry {
        params["inputResponses"] = responses;
        params["requestState"] = state;
    }
    let event = with_body(
        event("mcp_tools_call_2026.json", Some(token)),
        &json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": params}),
    );
    with_header(event, "mcp-name", Some("add_comment"))
}

fn writer() -> String {
    token(&format!("workplace:read:notion {WRITE}"))
}

#[tokio::test]
async fn a_client_that_can_ask_gets_a_confirmation_of_the_exact_comment_before_it_posts() {
    let app = app();
    let elicit = json!({"elicitation": {"form": {}}});
    let response = app.send(&call_2026(&writer(), elicit.clone(), None)).await;
    assert_eq!(response.status(), 200);
    let first = body(&response);
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required", "{first}");
    let question = &result["inputRequests"]["confirm_comment"];
    assert_eq!(question["method"], "elicitation/create");
    assert_eq!(question["params"]["mode"], "form");
    let message = question["params"]["message"].as_str().unwrap();
    assert!(message.contains(NOTION_ID), "{message}");
    assert!(message.ends_with("Looks good.\nShip it."), "{message}");
    let state = result["requestState"].clone();
    assert!(state.is_string());

    // Declined: nothing is posted, and the model is told not to retry.
    let declined = json!({"confirm_comment": {"action": "decline"}});
    let response = app
        .send(&call_2026(
            &writer(),
            elicit.clone(),
            Some((declined, state.clone())),
        ))
        .await;
    let answer = body_of_result(response);
    assert_eq!(answer["isError"], true, "{answer}");
    assert_eq!(
        answer["structuredContent"]["error"]["code"],
        "confirmation_declined"
    );

    // Accepted for another caller's state: asked again, not posted.
    let accepted = json!({"confirm_comment": {"action": "accept", "content": {"confirm": true}}});
    let response = app
        .send(&call_2026(
            &writer(),
            elicit.clone(),
            Some((accepted.clone(), json!("0000"))),
        ))
        .await;
    assert_eq!(body_of_result(response)["resultType"], "input_required");

    // Accepted: the call reaches the source (the test double cannot comment: `not_supported`).
    let response = app
        .send(&call_2026(&writer(), elicit, Some((accepted, state))))
        .await;
    let answer = body_of_result(response);
    assert_eq!(answer["resultType"], "complete", "{answer}");
    assert_eq!(
        answer["structuredContent"]["error"]["code"],
        "not_supported"
    );
}

fn body_of_result(response: lambda_http::Response<lambda_http::Body>) -> Value {
    body(&response)["result"].clone()
}

#[tokio::test]
async fn a_client_that_cannot_ask_is_refused_when_confirmation_is_always_required() {
    let app = app_with(all_sources(), &[("COMMENT_CONFIRMATION", "always")], None);
    // A 2026 client without elicitation, and an older client: neither can ask.
    let older = with_body(
        event("mcp_tools_call.json", Some(&writer())),
        &call_body("add_comment", json!({"id": NOTION_ID, "text": "hi"})),
    );
    for request in [call_2026(&writer(), json!({}), None), older] {
        let response = app.send(&request).await;
        assert_eq!(response.status(), 200);
        let body = body(&response);
        assert_eq!(body["result"]["isError"], true, "{body}");
        assert_eq!(
            body["result"]["structuredContent"]["error"]["code"], "confirmation_required",
            "{body}"
        );
        let record = app.last_record();
        assert_eq!(record.outcome.as_str(), "tool_error");
    }
}
