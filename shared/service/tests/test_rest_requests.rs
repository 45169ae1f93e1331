//! The workplace-search function's answers to requests it cannot serve, from committed API Gateway
//! v2 events: invalid arguments (422), body problems (400, 413, 415), base64 bodies, unknown tools,
//! routes and methods.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use common::*;
use serde_json::json;
use workplace_service::rest;

#[tokio::test]
async fn invalid_arguments_are_422_naming_the_field() {
    let app = app("workplace-search", all_sources());
    let token = token(all_scopes());
    let cases = [
        (json!({"query": ""}), "query"),
        (json!({"query": "x".repeat(501)}), "query"),
        (json!({"query": "x", "sources": []}), "sources"),
        (json!({"query": "x", "sources": ["dropbox"]}), "sources"),
        (
            json!({"query": "x", "sources": ["notion", "notion"]}),
            "sources",
        ),
        (json!({"query": "x", "max_results": 0}), "max_results"),
        (json!({"query": "x", "max_results": 51}), "max_results"),
        (json!({"query": "x", "page": 2}), "page"),
    ];
    for (arguments, field) in cases {
        let response = rest::call_tool(
            &app.state,
            request(&call_event(Some(&token), arguments.clone())),
        )
        .await;
        assert_eq!(response.status(), 422, "{arguments}");
        assert_eq!(error_code(&response), "invalid_arguments");
        let message = body(&response)["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(&format!("`{field}`")), "{message}");
    }
    let mismatched = with_body(
        event("tool_call_post.json", Some(&token)),
        r#"{"name":"fetch","arguments":{"query":"x"}}"#,
    );
    let response = rest::call_tool(&app.state, request(&mismatched)).await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn body_problems_have_their_own_statuses() {
    let app = app("workplace-search", all_sources());
    let token = token(all_scopes());
    let base = event("tool_call_post.json", Some(&token));

    let response = rest::call_tool(
        &app.state,
        request(&with_body(
            base.clone(),
            "{\"name\": \"workplace_search\",\n \"arguments\": {",
        )),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_json");
    assert!(
        body(&response)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 2")
    );

    let response = rest::call_tool(&app.state, request(&with_body(base.clone(), "[1, 2]"))).await;
    assert_eq!(response.status(), 400);

    let big = json!({"name": "workplace_search", "arguments": {"query": "x".repeat(70 * 1024)}});
    let response = rest::call_tool(
        &app.state,
        request(&with_body(base.clone(), &big.to_string())),
    )
    .await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(&response), "payload_too_large");

    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let event = with_header(base.clone(), "content-type", content_type);
        let response = rest::call_tool(&app.state, request(&event)).await;
        assert_eq!(response.status(), 415, "{content_type:?}");
        assert_eq!(error_code(&response), "unsupported_media_type");
    }
    let event = with_header(
        base.clone(),
        "content-type",
        Some("application/json; charset=utf-8"),
    );
    assert_eq!(
        rest::call_tool(&app.state, request(&event)).await.status(),
        200
    );
}

#[tokio::test]
async fn base64_encoded_bodies_are_decoded() {
    let app = app("workplace-search", all_sources());
    let mut event = event("tool_call_post.json", Some(&token(all_scopes())));
    let raw = event["body"].as_str().unwrap().to_owned();
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(raw));
    event["isBase64Encoded"] = json!(true);
    assert_eq!(
        rest::call_tool(&app.state, request(&event)).await.status(),
        200
    );
}

#[tokio::test]
async fn unknown_tools_routes_and_methods() {
    let app = app("workplace-search", all_sources());
    let token = token(all_scopes());
    let base = event("tool_call_post.json", Some(&token));

    let event = with_body(
        with_path(base.clone(), "/mcp/tools/delete_everything/call"),
        r#"{"arguments":{}}"#,
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(&response), "unknown_tool");

    let response = rest::call_tool(
        &app.state,
        request(&with_path(base.clone(), "/mcp/tools//call")),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(&response), "not_found");

    let response = rest::call_tool(&app.state, request(&with_method(base, "GET"))).await;
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), Some("POST"));
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_invalid_json() {
    // API Gateway base64-encodes a body that is not UTF-8; the handler must answer 400, not 500
    // (schemathesis cannot prove it through the local stack, whose front answers such bodies
    // itself: tests/security/schemathesis_hooks.py).
    let app = app("workplace-search", vec![]);
    let mut event = event("tool_call_post.json", Some(&token(all_scopes())));
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(b"\x1fM\xff*t\xfft"));
    event["isBase64Encoded"] = json!(true);
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_json");
}
