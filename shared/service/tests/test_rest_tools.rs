//! The list-tools and workplace-search functions, from committed API Gateway v2 events: every
//! status the routes can answer with, the seed's response shape, and what reaches the records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use common::*;
use serde_json::{Value, json};
use workplace_connectors::{SourceError, SourceKind};
use workplace_service::rest;

fn call_event(token: Option<&str>, arguments: Value) -> Value {
    with_body(
        event("tool_call_post.json", token),
        &json!({"name": "workplace_search", "arguments": arguments}).to_string(),
    )
}

#[tokio::test]
async fn tools_are_listed_in_mcp_shape_for_any_valid_token() {
    let app = app("list-tools", vec![]);
    let token = token("openid");
    let response = rest::list_tools(
        &app.state,
        request(&event("tools_list_get.json", Some(&token))),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    let names: Vec<&str> = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["workplace_search", "fetch", "search", "add_comment"]
    );
    // What the model reads must say how Notion matches, or it will search Notion with body text.
    assert!(
        body["tools"][0]["description"]
            .as_str()
            .unwrap()
            .contains("Notion matches page titles only")
    );
    let record = &app.records.records()[0];
    assert_eq!(record.sub.as_deref(), Some("user-42"));
    assert_eq!(record.client_id.as_deref(), Some("test-client"));
}

#[tokio::test]
async fn missing_and_invalid_tokens_get_401_with_a_challenge() {
    let app = app("list-tools", vec![]);
    let prm = "https://api.example.com/.well-known/oauth-protected-resource";

    let response = rest::list_tools(&app.state, request(&event("tools_list_get.json", None))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(&response), "unauthorized");
    assert_eq!(
        header(&response, "www-authenticate").unwrap(),
        format!("Bearer realm=\"workplace-mcp\", resource_metadata=\"{prm}\"")
    );

    let expired = token_with(json!({"exp": 1_000_000, "scope": ALL_SCOPES}));
    let wrong_audience = token_with(json!({"aud": "https://elsewhere.example.com/mcp"}));
    for bad in [
        expired.as_str(),
        wrong_audience.as_str(),
        "not-a-jwt",
        "a.b.c",
    ] {
        let response = rest::list_tools(
            &app.state,
            request(&event("tools_list_get.json", Some(bad))),
        )
        .await;
        assert_eq!(response.status(), 401, "{bad}");
        let challenge = header(&response, "www-authenticate").unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(challenge.contains(&format!("resource_metadata=\"{prm}\"")));
    }
    let records = app.records.records();
    assert!(
        records
            .iter()
            .all(|r| r.outcome.as_str() == "auth_failed" && r.status == 401)
    );
    assert_eq!(records[1].reason.as_deref(), Some("expired"));
    let logged = serde_json::to_string(&records).unwrap();
    assert!(!logged.contains(&expired), "tokens never reach a record");
}

#[tokio::test]
async fn list_tools_only_answers_get() {
    let app = app("list-tools", vec![]);
    let event = with_method(
        event("tools_list_get.json", Some(&token(ALL_SCOPES))),
        "DELETE",
    );
    let response = rest::list_tools(&app.state, request(&event)).await;
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), Some("GET"));
}

#[tokio::test]
async fn a_search_returns_the_seed_shape_with_structured_content() {
    let app = app("workplace-search", all_sources());
    let token = token(ALL_SCOPES);
    let response = rest::call_tool(
        &app.state,
        request(&event("tool_call_post.json", Some(&token))),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["isError"], false);
    assert_eq!(body["content"][0]["type"], "text");
    assert_eq!(
        body["content"][0]["text"],
        "Found 6 results for 'quarterly budget reports'"
    );
    let resource = &body["content"][1]["resource"];
    assert_eq!(body["content"][1]["type"], "resource");
    assert_eq!(
        resource["uri"],
        "workplace://search/quarterly%20budget%20reports"
    );
    assert_eq!(resource["name"], "Search Results");
    assert_eq!(resource["mimeType"], "application/json");
    let text: Value = serde_json::from_str(resource["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, body["structuredContent"]);
    assert_eq!(text["total_count"], 6);
    let first = &text["results"][0];
    assert_eq!(first["id"], "google_drive:google_drive-1");
    for key in [
        "source",
        "title",
        "url",
        "snippet",
        "modified_time",
        "author",
        "score",
    ] {
        assert!(first.get(key).is_some(), "{key} missing");
    }
    assert!(first.get("content").is_none());
    assert_eq!(
        text["sources"],
        json!([
            {"source": "google_drive", "status": "ok", "count": 3},
            {"source": "notion", "status": "ok", "count": 3}
        ])
    );
    let record = &app.records.records()[0];
    assert_eq!(record.tool.as_deref(), Some("workplace_search"));
    assert_eq!(record.result_count, Some(6));
    assert_eq!(record.query_len, Some(24));
    let logged = serde_json::to_string(record).unwrap();
    assert!(
        !logged.contains("quarterly"),
        "query text stays out of records: {logged}"
    );
}

#[tokio::test]
async fn omitted_sources_mean_every_source_the_caller_may_search() {
    let app = app("workplace-search", all_sources());
    let token = token("workplace:read:notion workplace:read:sharepoint");
    let event = call_event(
        Some(&token),
        json!({"query": "budget", "include_content": true, "max_results": 2}),
    );
    let body = body(&rest::call_tool(&app.state, request(&event)).await);
    let sources: Vec<&str> = body["structuredContent"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["notion", "sharepoint"]);
    let results = body["structuredContent"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(
        results[0]["content"]
            .as_str()
            .unwrap()
            .starts_with("The full text of")
    );
    assert_eq!(results[0]["truncated"], false);
}

#[tokio::test]
async fn one_failing_source_does_not_hide_the_others() {
    let app = app(
        "workplace-search",
        vec![
            FixedSource::with_hits(SourceKind::GoogleDrive, 2),
            FixedSource::failing(
                SourceKind::Notion,
                SourceError::RateLimited {
                    retry_after: Some(std::time::Duration::from_secs(7)),
                },
            ),
        ],
    );
    let body = body(
        &rest::call_tool(
            &app.state,
            request(&event("tool_call_post.json", Some(&token(ALL_SCOPES)))),
        )
        .await,
    );
    assert_eq!(body["isError"], false);
    assert_eq!(body["structuredContent"]["total_count"], 2);
    let notion = &body["structuredContent"]["sources"][1];
    assert_eq!(notion["status"], "rate_limited");
    assert_eq!(notion["retry_after_seconds"], 7);
    let text = body["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Found 2 results") && text.contains("notion: rate limited"),
        "{text}"
    );
}

#[tokio::test]
async fn every_source_failing_is_an_error_result_naming_them() {
    let app = app(
        "workplace-search",
        vec![
            FixedSource::failing(SourceKind::GoogleDrive, SourceError::Timeout),
            FixedSource::failing(
                SourceKind::Notion,
                SourceError::ReauthRequired {
                    message: "connect Notion at https://example.com/connect".into(),
                },
            ),
        ],
    );
    let response = rest::call_tool(
        &app.state,
        request(&event("tool_call_post.json", Some(&token(ALL_SCOPES)))),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["isError"], true);
    let text = body["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("google_drive: timed out") && text.contains("notion: connect Notion"),
        "{text}"
    );
    assert_eq!(
        body["structuredContent"]["sources"][1]["status"],
        "reauth_required"
    );
    assert_eq!(app.records.records()[0].outcome.as_str(), "tool_error");
}

#[tokio::test]
async fn missing_scopes_are_403_naming_them() {
    let app = app("workplace-search", all_sources());
    let token = token("workplace:read:google_drive");
    let response = rest::call_tool(
        &app.state,
        request(&event("tool_call_post.json", Some(&token))),
    )
    .await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(&response), "insufficient_scope");
    assert_eq!(
        header(&response, "www-authenticate").unwrap(),
        "Bearer realm=\"workplace-mcp\", error=\"insufficient_scope\", scope=\"workplace:read:notion\", \
         resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\""
    );

    let no_sources = token_with(json!({"scope": "openid"}));
    let response = rest::call_tool(
        &app.state,
        request(&call_event(Some(&no_sources), json!({"query": "x"}))),
    )
    .await;
    assert_eq!(response.status(), 403);
    assert!(header(&response, "www-authenticate").unwrap().contains(
        "scope=\"workplace:read:google_drive workplace:read:notion workplace:read:sharepoint\""
    ));
    assert_eq!(app.records.records()[1].outcome.as_str(), "forbidden");
}

#[tokio::test]
async fn invalid_arguments_are_422_naming_the_field() {
    let app = app("workplace-search", all_sources());
    let token = token(ALL_SCOPES);
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
    let token = token(ALL_SCOPES);
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
    let mut event = event("tool_call_post.json", Some(&token(ALL_SCOPES)));
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
    let token = token(ALL_SCOPES);
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
async fn fetch_pages_through_a_document() {
    let app = app("workplace-search", all_sources());
    let token = token(ALL_SCOPES);
    let call = |arguments: Value| {
        with_body(
            with_path(
                event("tool_call_post.json", Some(&token)),
                "/mcp/tools/fetch/call",
            ),
            &json!({"name": "fetch", "arguments": arguments}).to_string(),
        )
    };
    let body1 = body(
        &rest::call_tool(
            &app.state,
            request(&call(json!({"id": "google_drive:p1", "max_chars": 100}))),
        )
        .await,
    );
    assert_eq!(body1["isError"], false);
    let page1 = &body1["structuredContent"];
    assert_eq!(page1["truncated"], true);
    assert_eq!(page1["next_offset"], 100);
    assert_eq!(page1["text"].as_str().unwrap().chars().count(), 100);

    let body2 = body(
        &rest::call_tool(
            &app.state,
            request(&call(
                json!({"id": "google_drive:p1", "offset": 100, "max_chars": 100000}),
            )),
        )
        .await,
    );
    let page2 = &body2["structuredContent"];
    assert_eq!(page2["truncated"], false);
    assert_eq!(page2["next_offset"], Value::Null);
    let whole = format!(
        "{}{}",
        page1["text"].as_str().unwrap(),
        page2["text"].as_str().unwrap()
    );
    assert_eq!(whole, "The full text of p1. ".repeat(10));

    let only_drive = token_with(json!({"scope": "workplace:read:google_drive"}));
    let event = with_header(
        call(json!({"id": "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab"})),
        "authorization",
        Some(&format!("Bearer {only_drive}")),
    );
    assert_eq!(
        rest::call_tool(&app.state, request(&event)).await.status(),
        403
    );
}

#[tokio::test]
async fn a_misconfigured_function_answers_503_not_a_crash() {
    let app = app_with_env("workplace-search", all_sources(), &[]);
    let response = rest::call_tool(
        &app.state,
        request(&event("tool_call_post.json", Some(&token(ALL_SCOPES)))),
    )
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(error_code(&response), "misconfigured");
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_invalid_json() {
    // API Gateway base64-encodes a body that is not UTF-8; the handler must answer 400, not 500
    // (schemathesis cannot prove it through the local stack, whose front answers such bodies
    // itself: tests/security/schemathesis_hooks.py).
    let app = app("workplace-search", vec![]);
    let mut event = event("tool_call_post.json", Some(&token(ALL_SCOPES)));
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(b"\x1fM\xff*t\xfft"));
    event["isBase64Encoded"] = json!(true);
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_json");
}
