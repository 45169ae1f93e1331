//! The MCP function end to end inside the process: API Gateway v2 events from `tests/events/mcp_*`
//! through the auth layer and rmcp, as Lambda would deliver them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use workplace_auth::Principal;
use workplace_connectors::{SourceError, SourceKind};
use workplace_mcp::gate::{Admission, CallGate, Unlimited};
use workplace_service::state::Runtime;

#[tokio::test]
async fn initialize_answers_statelessly_with_server_info_and_instructions() {
    let app = app();
    let response = app
        .send(&event("mcp_initialize.json", Some(&token(ALL_SCOPES))))
        .await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "mcp-session-id").is_none());
    assert_eq!(header(&response, "x-request-id"), Some("cE2m1hLqoAMEbYw="));
    let body = body(&response);
    let result = &body["result"];
    assert_eq!(body["id"], 0);
    assert_eq!(result["protocolVersion"], "2025-11-25");
    assert_eq!(result["serverInfo"]["name"], "workplace-mcp");
    assert_eq!(result["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(result["capabilities"]["tools"].is_object());
    assert!(
        result["instructions"]
            .as_str()
            .unwrap()
            .contains("Notion matches page titles only")
    );
    let record = app.last_record();
    assert_eq!(record.function, "mcp");
    assert_eq!(record.action, "initialize");
    assert_eq!(record.outcome, "ok");
    assert_eq!(record.status, 200);
    assert_eq!(record.sub.as_deref(), Some("user-42"));
    assert_eq!(record.route, "POST /mcp");
}

#[tokio::test]
async fn older_initialize_versions_are_answered_in_kind() {
    let app = app();
    for version in ["2025-03-26", "2025-06-18"] {
        let mut event = event("mcp_initialize.json", Some(&token(ALL_SCOPES)));
        let mut message: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
        message["params"]["protocolVersion"] = json!(version);
        event = with_body(event, &message);
        let response = app.send(&event).await;
        assert_eq!(response.status(), 200);
        assert_eq!(body(&response)["result"]["protocolVersion"], version);
    }
}

#[tokio::test]
async fn notifications_are_accepted_with_202() {
    let app = app();
    let response = app
        .send(&event(
            "mcp_initialized_notification.json",
            Some(&token(ALL_SCOPES)),
        ))
        .await;
    assert_eq!(response.status(), 202);
    assert!(response.body().as_ref().is_empty());
    let record = app.last_record();
    assert_eq!(record.action, "notifications/initialized");
    assert_eq!((record.status, record.outcome), (202, "ok"));
}

#[tokio::test]
async fn tools_list_serves_the_shared_catalogue() {
    let app = app();
    // Any valid token may list tools, as on REST.
    let response = app
        .send(&event("mcp_tools_list.json", Some(&token("openid"))))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    let tools = body["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["workplace_search", "fetch", "search"]);
    let expected = workplace_service::catalogue::tools();
    for (tool, shared) in tools.iter().zip(expected.as_array().unwrap()) {
        assert_eq!(tool["inputSchema"], shared["inputSchema"]);
        assert_eq!(tool["outputSchema"], shared["outputSchema"]);
        assert_eq!(tool["annotations"]["readOnlyHint"], true);
    }
    assert_eq!(app.last_record().action, "tools/list");
}

#[tokio::test]
async fn workplace_search_returns_structured_results() {
    let app = app();
    let response = app
        .send(&event("mcp_tools_call.json", Some(&token(ALL_SCOPES))))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    let result = &body["result"];
    assert_eq!(result["isError"], false, "{body}");
    assert!(result.get("resultType").is_none(), "legacy wire: {body}");
    let structured = &result["structuredContent"];
    assert_eq!(structured["total_count"], 5);
    assert_eq!(structured["results"].as_array().unwrap().len(), 5);
    let first = &structured["results"][0];
    assert!(first["id"].as_str().unwrap().contains(':'));
    assert_eq!(result["content"][0]["type"], "text");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Found 5 results for 'quarterly budget'")
    );
    assert_eq!(result["content"][1]["type"], "resource");

    let record = app.last_record();
    assert_eq!(record.action, "tools/call");
    assert_eq!(record.tool.as_deref(), Some("workplace_search"));
    assert_eq!(record.outcome, "ok");
    assert_eq!(record.result_count, Some(5));
    assert_eq!(
        record.sources,
        [SourceKind::GoogleDrive, SourceKind::Notion]
    );
    assert_eq!(record.query_len, Some(16));
    assert!(
        record.query.is_none(),
        "query text is not logged by default"
    );
}

#[tokio::test]
async fn fetch_pages_through_a_document() {
    let app = app();
    let token = token(ALL_SCOPES);
    let call = |offset: u64| {
        with_body(
            event("mcp_tools_call.json", Some(&token)),
            &call_body(
                "fetch",
                json!({"id": "notion:abc", "offset": offset, "max_chars": 200}),
            ),
        )
    };
    let first = body(&app.send(&call(0)).await);
    let page = &first["result"]["structuredContent"];
    assert_eq!(first["result"]["isError"], false, "{first}");
    assert_eq!(page["id"], "notion:abc");
    assert_eq!(page["truncated"], true);
    assert_eq!(page["next_offset"], 200);
    assert_eq!(page["text"].as_str().unwrap().len(), 200);

    let second = body(&app.send(&call(200)).await);
    let page = &second["result"]["structuredContent"];
    assert_eq!(page["truncated"], false);
    assert_eq!(page["next_offset"], Value::Null);
    assert_eq!(page["text"].as_str().unwrap().len(), 100);
    let record = app.last_record();
    assert_eq!(record.tool.as_deref(), Some("fetch"));
    assert_eq!(record.sources, [SourceKind::Notion]);
}

#[tokio::test]
async fn invalid_arguments_are_tool_errors_naming_the_field() {
    let app = app();
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&token(ALL_SCOPES))),
            &call_body(
                "workplace_search",
                json!({"query": "x", "max_results": 500}),
            ),
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    let result = &body["result"];
    assert_eq!(result["isError"], true, "{body}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("max_results")
    );
    assert_eq!(
        result["structuredContent"]["error"]["code"],
        "invalid_arguments"
    );
    let record = app.last_record();
    assert_eq!(record.outcome, "invalid");
    assert_eq!(record.error_code.as_deref(), Some("invalid_arguments"));

    // Missing `query`: the shared validation answers, not a deserialization error.
    let body = body_of(
        app.send(&with_body(
            event("mcp_tools_call.json", Some(&token(ALL_SCOPES))),
            &call_body("workplace_search", json!({})),
        ))
        .await,
    );
    assert_eq!(body["result"]["isError"], true, "{body}");
    assert!(
        body["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("query")
    );
}

fn body_of(response: lambda_http::Response<lambda_http::Body>) -> Value {
    body(&response)
}

#[tokio::test]
async fn unknown_tools_are_invalid_params() {
    let app = app();
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&token(ALL_SCOPES))),
            &call_body("delete_everything", json!({})),
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["error"]["code"], -32602, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("delete_everything")
    );
    let record = app.last_record();
    assert_eq!(record.outcome, "invalid");
    assert_eq!(record.error_code.as_deref(), Some("unknown_tool"));
}

#[tokio::test]
async fn upstream_failures_are_tool_errors() {
    let sources = vec![Arc::new(FixedSource {
        kind: SourceKind::Notion,
        error: Some(SourceError::Timeout),
    }) as Arc<dyn workplace_connectors::Source>];
    let app = app_with(sources, &[], Arc::new(Unlimited));
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&token(ALL_SCOPES))),
            &call_body(
                "workplace_search",
                json!({"query": "budget", "sources": ["notion"]}),
            ),
        ))
        .await;
    let body = body(&response);
    assert_eq!(body["result"]["isError"], true, "{body}");
    assert!(
        body["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Search failed for every requested source")
    );
    let record = app.last_record();
    assert_eq!(record.outcome, "tool_error");
    assert_eq!(record.reason.as_deref(), Some("notion:timeout"));
}

#[tokio::test]
async fn missing_and_bad_tokens_get_401_with_the_rest_challenge() {
    let app = app();
    let response = app.send(&event("mcp_tools_list.json", None)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "www-authenticate").unwrap(),
        format!("Bearer realm=\"workplace-mcp\", resource_metadata=\"{PRM}\"")
    );
    assert_eq!(body(&response)["error"]["code"], "unauthorized");
    assert_eq!(app.last_record().outcome, "auth_failed");

    let expired = token_with(json!({"exp": 1_000_000, "scope": ALL_SCOPES}));
    let wrong_audience = token_with(json!({"aud": "https://elsewhere.example.com/mcp"}));
    for bad in [expired.as_str(), wrong_audience.as_str(), "not-a-jwt"] {
        let response = app.send(&event("mcp_initialize.json", Some(bad))).await;
        assert_eq!(response.status(), 401, "{bad}");
        let challenge = header(&response, "www-authenticate").unwrap();
        assert!(challenge.starts_with("Bearer realm=\"workplace-mcp\", resource_metadata=\""));
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        let record = app.last_record();
        assert_eq!((record.status, record.outcome), (401, "auth_failed"));
        assert_eq!(record.action, "initialize");
    }
}

#[tokio::test]
async fn calls_needing_scopes_the_token_lacks_get_403() {
    let app = app();
    let notion_only = token("workplace:read:notion");
    // Explicit sources.
    let response = app
        .send(&event("mcp_tools_call.json", Some(&notion_only)))
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "www-authenticate").unwrap(),
        format!(
            "Bearer realm=\"workplace-mcp\", error=\"insufficient_scope\", \
             scope=\"workplace:read:google_drive\", resource_metadata=\"{PRM}\""
        )
    );
    assert_eq!(body(&response)["error"]["code"], "insufficient_scope");
    let record = app.last_record();
    assert_eq!((record.status, record.outcome), (403, "forbidden"));
    assert_eq!(record.tool.as_deref(), Some("workplace_search"));

    // A fetch id in a source the token lacks.
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&notion_only)),
            &call_body("fetch", json!({"id": "sharepoint:site/item"})),
        ))
        .await;
    assert_eq!(response.status(), 403);
    assert!(
        header(&response, "www-authenticate")
            .unwrap()
            .contains("scope=\"workplace:read:sharepoint\"")
    );

    // No source scope at all, sources omitted.
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&token("openid"))),
            &call_body("workplace_search", json!({"query": "budget"})),
        ))
        .await;
    assert_eq!(response.status(), 403);

    // The same token may search what it has a scope for, and list tools.
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&notion_only)),
            &call_body("workplace_search", json!({"query": "budget"})),
        ))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        body(&response)["result"]["structuredContent"]["sources"][0]["source"],
        "notion"
    );
}

#[tokio::test]
async fn get_and_delete_are_405_without_looking_at_the_token() {
    let app = app();
    for method in ["GET", "DELETE"] {
        let response = app
            .send(&with_method(event("mcp_get.json", None), method))
            .await;
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(header(&response, "allow"), Some("POST"));
        let record = app.last_record();
        assert_eq!(record.route, format!("{method} /mcp"));
        assert_eq!(
            (record.outcome, record.action.as_str()),
            ("invalid", "none")
        );
    }
}

#[tokio::test]
async fn a_present_unlisted_origin_is_403() {
    let app = app_with(
        all_sources(),
        &[("MCP_ALLOWED_ORIGINS", "https://claude.ai")],
        Arc::new(Unlimited),
    );
    let good = token(ALL_SCOPES);
    for (origin, token, status) in [
        (Some("https://evil.example"), Some(good.as_str()), 403),
        // Checked before authentication: no token still gets 403, not 401.
        (Some("https://evil.example"), None, 403),
        (Some("null"), Some(good.as_str()), 403),
        (Some("https://claude.ai"), Some(good.as_str()), 200),
        (None, Some(good.as_str()), 200),
    ] {
        let response = app
            .send(&with_header(
                event("mcp_tools_list.json", token),
                "origin",
                origin,
            ))
            .await;
        assert_eq!(response.status(), status, "{origin:?}");
        if status == 403 {
            let body = body(&response);
            assert_eq!(body["error"]["code"], -32600);
            assert!(body.get("id").is_none());
            assert_eq!(
                app.last_record().error_code.as_deref(),
                Some("origin_not_allowed")
            );
        }
    }
}

#[tokio::test]
async fn hosts_other_than_the_api_domain_are_403() {
    let app = app_with(
        all_sources(),
        &[("MCP_ALLOWED_HOSTS", "mcp.acme.example, 127.0.0.1:9000")],
        Arc::new(Unlimited),
    );
    let good = token(ALL_SCOPES);
    for (host, status) in [
        ("evil.example", 403),
        ("127.0.0.1:9001", 403),
        ("abc123.execute-api.us-east-1.amazonaws.com", 200),
        ("mcp.acme.example", 200),
        ("127.0.0.1:9000", 200),
    ] {
        let response = app
            .send(&with_header(
                event("mcp_tools_list.json", Some(&good)),
                "host",
                Some(host),
            ))
            .await;
        assert_eq!(response.status(), status, "{host}");
        if status == 403 {
            assert_eq!(
                app.last_record().error_code.as_deref(),
                Some("host_not_allowed")
            );
        }
    }
}

#[tokio::test]
async fn the_2026_wire_discovers_and_calls_statelessly() {
    let app = app();
    let good = token(ALL_SCOPES);
    let response = app.send(&event("mcp_discover.json", Some(&good))).await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    let result = &body["result"];
    let versions: Vec<&str> = result["supportedVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for version in ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"] {
        assert!(versions.contains(&version), "{versions:?}");
    }
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "workplace-mcp"
    );
    assert!(result["instructions"].as_str().is_some());
    assert_eq!(app.last_record().action, "server/discover");

    let response = app
        .send(&event("mcp_tools_call_2026.json", Some(&good)))
        .await;
    assert_eq!(response.status(), 200);
    let called = body_of(response);
    assert_eq!(called["result"]["resultType"], "complete", "{called}");
    assert_eq!(called["result"]["isError"], false);
    assert_eq!(called["result"]["structuredContent"]["total_count"], 9);

    // SEP-2243: Mcp-Name must match the body.
    let response = app
        .send(&with_header(
            event("mcp_tools_call_2026.json", Some(&good)),
            "mcp-name",
            Some("fetch"),
        ))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(body_of(response)["error"]["code"], -32020);
    assert_eq!(app.last_record().outcome, "invalid");
}

struct AlwaysLimited;

impl CallGate for AlwaysLimited {
    fn admit<'a>(
        &'a self,
        _runtime: &'a Runtime,
        _principal: &'a Principal,
        _tool: &'a str,
    ) -> BoxFuture<'a, Admission> {
        Box::pin(async {
            Admission::Limited {
                retry_after_seconds: 12,
                reason: "user_limit".to_owned(),
            }
        })
    }
}

#[tokio::test]
async fn rate_limited_calls_are_tool_errors_with_retry_after() {
    let app = app_with(all_sources(), &[], Arc::new(AlwaysLimited));
    let response = app
        .send(&event("mcp_tools_call.json", Some(&token(ALL_SCOPES))))
        .await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["result"]["isError"], true);
    assert_eq!(
        body["result"]["structuredContent"]["error"],
        json!({"code": "rate_limited", "retry_after_seconds": 12})
    );
    let record = app.last_record();
    assert_eq!(record.outcome, "rate_limited");
    assert_eq!(record.reason.as_deref(), Some("user_limit"));
    // Listing tools is not limited.
    let response = app
        .send(&event("mcp_tools_list.json", Some(&token(ALL_SCOPES))))
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_misconfigured_deployment_answers_503() {
    let app = app_with(
        all_sources(),
        &[("MCP_RESOURCE_URL", "not a url")],
        Arc::new(Unlimited),
    );
    let response = app
        .send(&event("mcp_initialize.json", Some(&token(ALL_SCOPES))))
        .await;
    assert_eq!(response.status(), 503);
    assert_eq!(body(&response)["error"]["code"], "misconfigured");
}

#[tokio::test]
async fn malformed_bodies_never_panic_and_are_recorded() {
    let app = app();
    let good = token(ALL_SCOPES);
    for raw in [
        "",
        "{",
        "[]",
        "null",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":5}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}",
    ] {
        let mut event = event("mcp_tools_list.json", Some(&good));
        event["body"] = json!(raw);
        let response = app.send(&event).await;
        assert!(
            response.status().is_client_error() || response.status() == 200,
            "{raw}: {}",
            response.status()
        );
        let record = app.last_record();
        assert_ne!(record.outcome, "ok", "{raw}");
    }
}
