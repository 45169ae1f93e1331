//! The MCP function end to end inside the process: API Gateway v2 events from `tests/events/mcp_*`
//! through the auth layer and rmcp, as Lambda would deliver them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use moto_harness::Moto;
use serde_json::{Value, json};
use workplace_connectors::{SourceError, SourceKind};
use workplace_ratelimit::{FailurePolicy, Limit, RateLimitConfig, RateLimiter, SystemClock};

#[tokio::test]
async fn initialize_answers_statelessly_with_server_info_and_instructions() {
    let app = app();
    let response = app
        .send(&event("mcp_initialize.json", Some(&token(all_scopes()))))
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
    assert_eq!(record.outcome.as_str(), "ok");
    assert_eq!(record.status, 200);
    assert_eq!(record.sub.as_deref(), Some("user-42"));
    assert_eq!(record.route, "POST /mcp");
}

#[tokio::test]
async fn older_initialize_versions_are_answered_in_kind() {
    let app = app();
    for version in ["2025-03-26", "2025-06-18"] {
        let mut event = event("mcp_initialize.json", Some(&token(all_scopes())));
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
            Some(&token(all_scopes())),
        ))
        .await;
    assert_eq!(response.status(), 202);
    assert!(response.body().as_ref().is_empty());
    let record = app.last_record();
    assert_eq!(record.action, "notifications/initialized");
    assert_eq!((record.status, record.outcome.as_str()), (202, "ok"));
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
    assert_eq!(
        names,
        [
            "workplace_search",
            "fetch",
            "search",
            "add_comment",
            "list_events"
        ]
    );
    let expected = workplace_service::catalogue::tools();
    for (tool, shared) in tools.iter().zip(expected.as_array().unwrap()) {
        assert_eq!(tool["inputSchema"], shared["inputSchema"]);
        assert_eq!(tool["outputSchema"], shared["outputSchema"]);
        // Its icon survives the MCP library's `Tool` (MCP 2025-11-25 `icons`).
        assert_eq!(tool["icons"], shared["icons"]);
        assert_eq!(tool["icons"][0]["mimeType"], "image/svg+xml");
        // Every tool reads, but `add_comment` (see test_comment.rs).
        assert_eq!(
            tool["annotations"]["readOnlyHint"],
            tool["name"] != "add_comment"
        );
        assert_eq!(tool["annotations"], shared["annotations"]);
    }
    assert_eq!(app.last_record().action, "tools/list");
}

#[tokio::test]
async fn workplace_search_returns_structured_results() {
    let app = app();
    let response = app
        .send(&event("mcp_tools_call.json", Some(&token(all_scopes()))))
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
    // No embedded copy of the JSON: `structuredContent` carries it once (#22).
    assert_eq!(result["content"][1]["type"], "text");
    assert_eq!(result["content"].as_array().unwrap().len(), 2, "{body}");

    let record = app.last_record();
    assert_eq!(record.action, "tools/call");
    assert_eq!(record.tool.as_deref(), Some("workplace_search"));
    assert_eq!(record.outcome.as_str(), "ok");
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
    let token = token(all_scopes());
    let call = |offset: u64| {
        with_body(
            event("mcp_tools_call.json", Some(&token)),
            &call_body(
                "fetch",
                json!({"id": "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab", "offset": offset, "max_chars": 200}),
            ),
        )
    };
    let first = body(&app.send(&call(0)).await);
    let page = &first["result"]["structuredContent"];
    assert_eq!(first["result"]["isError"], false, "{first}");
    assert_eq!(page["id"], "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab");
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
            event("mcp_tools_call.json", Some(&token(all_scopes()))),
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
    assert_eq!(record.outcome.as_str(), "invalid");
    assert_eq!(
        record.error_code.map(|c| c.as_str()),
        Some("invalid_arguments")
    );

    // Missing `query`: the shared validation answers, not a deserialization error.
    let body = body_of(
        app.send(&with_body(
            event("mcp_tools_call.json", Some(&token(all_scopes()))),
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
            event("mcp_tools_call.json", Some(&token(all_scopes()))),
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
    assert_eq!(record.outcome.as_str(), "invalid");
    assert_eq!(record.error_code.map(|c| c.as_str()), Some("unknown_tool"));
}

#[tokio::test]
async fn upstream_failures_are_tool_errors() {
    let sources = vec![FixedSource::failing(
        SourceKind::Notion,
        SourceError::Timeout,
    )];
    let app = app_with(sources, &[], None);
    let response = app
        .send(&with_body(
            event("mcp_tools_call.json", Some(&token(all_scopes()))),
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
    assert_eq!(record.outcome.as_str(), "tool_error");
    assert_eq!(record.reason.as_deref(), Some("notion:timeout"));
}

#[tokio::test]
async fn missing_and_bad_tokens_get_401_with_the_rest_challenge() {
    let app = app();
    let response = app.send(&event("mcp_tools_list.json", None)).await;
    assert_eq!(response.status(), 401);
    // The scopes a first sign-in needs: reading every source this server offers, no write.
    assert_eq!(
        header(&response, "www-authenticate").unwrap(),
        format!(
            "Bearer realm=\"workplace-mcp\", resource_metadata=\"{PRM}\", scope=\"{}\"",
            all_scopes()
        )
    );
    assert_eq!(body(&response)["error"]["code"], "unauthorized");
    assert_eq!(app.last_record().outcome.as_str(), "auth_failed");

    let expired = token_with(json!({"exp": 1_000_000, "scope": all_scopes()}));
    let wrong_audience = token_with(json!({"aud": "https://elsewhere.example.com/mcp"}));
    for bad in [expired.as_str(), wrong_audience.as_str(), "not-a-jwt"] {
        let response = app.send(&event("mcp_initialize.json", Some(bad))).await;
        assert_eq!(response.status(), 401, "{bad}");
        let challenge = header(&response, "www-authenticate").unwrap();
        assert!(challenge.starts_with("Bearer realm=\"workplace-mcp\", resource_metadata=\""));
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        let record = app.last_record();
        assert_eq!(
            (record.status, record.outcome.as_str()),
            (401, "auth_failed")
        );
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
             scope=\"workplace:read:notion workplace:read:google_drive\", resource_metadata=\"{PRM}\""
        )
    );
    assert_eq!(body(&response)["error"]["code"], "insufficient_scope");
    let record = app.last_record();
    assert_eq!((record.status, record.outcome.as_str()), (403, "forbidden"));
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
            .contains("scope=\"workplace:read:notion workplace:read:sharepoint\"")
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
            (record.outcome.as_str(), record.action.as_str()),
            ("invalid", "none")
        );
    }
}

#[tokio::test]
async fn a_present_unlisted_origin_is_403() {
    let app = app_with(
        all_sources(),
        &[("MCP_ALLOWED_ORIGINS", "https://claude.ai")],
        None,
    );
    let good = token(all_scopes());
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
                app.last_record().error_code.map(|c| c.as_str()),
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
        None,
    );
    let good = token(all_scopes());
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
                app.last_record().error_code.map(|c| c.as_str()),
                Some("host_not_allowed")
            );
        }
    }
}

#[tokio::test]
async fn the_2026_wire_discovers_and_calls_statelessly() {
    let app = app();
    let good = token(all_scopes());
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
    // Hits from every source, cut to the default number of results.
    assert_eq!(
        called["result"]["structuredContent"]["total_count"],
        workplace_service::arguments::DEFAULT_MAX_RESULTS
    );

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
    assert_eq!(app.last_record().outcome.as_str(), "invalid");
}

/// The production limiter against the emulator: a burst of `burst`, refilling once an hour.
async fn limited_app(burst: u32) -> (Moto, TestApp) {
    let moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    let dynamodb = moto.create_rate_limit_table("limits").await.unwrap();
    let tight = Limit {
        rate: 1.0 / 3600.0,
        burst,
    };
    let wide = Limit {
        rate: 10_000.0,
        burst: 10_000,
    };
    let config = RateLimitConfig {
        table: "limits".into(),
        user: tight,
        client: wide,
        global: wide,
        global_shards: 1,
        // Generous: this test is about which calls are admitted, not about speed.
        timeout: std::time::Duration::from_secs(60),
        failure_policy: FailurePolicy::Closed,
        fail_open_per_minute: 0,
        lease_size: 10,
        lease_lifetime: std::time::Duration::from_secs(1),
    };
    let limiter = RateLimiter::new(dynamodb, config, Box::new(SystemClock));
    (moto, app_with(all_sources(), &[], Some(limiter)))
}

#[tokio::test]
async fn rate_limited_calls_are_tool_errors_with_retry_after() {
    let (_moto, app) = limited_app(1).await;
    let good = token(all_scopes());
    let first = app.send(&event("mcp_tools_call.json", Some(&good))).await;
    assert_eq!(body(&first)["result"]["isError"], false);
    assert!(header(&first, "ratelimit").is_some());

    let response = app.send(&event("mcp_tools_call.json", Some(&good))).await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["result"]["isError"], true);
    let error = &body["result"]["structuredContent"]["error"];
    assert_eq!(error["code"], "rate_limited");
    assert!(
        error["retry_after_seconds"].as_u64().unwrap() > 3000,
        "{error}"
    );
    let record = app.last_record();
    assert_eq!(record.outcome.as_str(), "rate_limited");
    assert_eq!(record.reason.as_deref(), Some("user_limit"));
}

#[tokio::test]
async fn every_authenticated_request_is_limited_and_unauthenticated_ones_are_not_charged() {
    let (_moto, app) = limited_app(2).await;
    // Unauthenticated requests are refused before the limiter: they spend nothing.
    for _ in 0..5 {
        let response = app.send(&event("mcp_initialize.json", None)).await;
        assert_eq!(response.status(), 401);
    }
    let good = token(all_scopes());
    assert_eq!(
        app.send(&event("mcp_initialize.json", Some(&good)))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.send(&event("mcp_tools_list.json", Some(&good)))
            .await
            .status(),
        200
    );
    // The burst of two is spent: initialize and tools/list are limited like calls.
    for name in ["mcp_initialize.json", "mcp_tools_list.json"] {
        let response = app.send(&event(name, Some(&good))).await;
        assert_eq!(response.status(), 429, "{name}");
        assert!(header(&response, "retry-after").is_some());
        assert_eq!(body(&response)["error"]["code"], "rate_limited");
        assert_eq!(app.last_record().outcome.as_str(), "rate_limited");
    }
}

#[tokio::test]
async fn a_misconfigured_deployment_answers_503() {
    let app = app_with(all_sources(), &[("MCP_RESOURCE_URL", "not a url")], None);
    let response = app
        .send(&event("mcp_initialize.json", Some(&token(all_scopes()))))
        .await;
    assert_eq!(response.status(), 503);
    assert_eq!(body(&response)["error"]["code"], "misconfigured");
}

#[tokio::test]
async fn malformed_bodies_never_panic_and_are_recorded() {
    let app = app();
    let good = token(all_scopes());
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
        assert_ne!(record.outcome.as_str(), "ok", "{raw}");
    }
}

/// The server declares the one capability it uses, tools: answers carry no embedded resource
/// (#22), so `resources` is not declared and its methods are not found.
#[tokio::test]
async fn only_the_tools_capability_is_declared() {
    let app = app();
    let response = app
        .send(&event("mcp_initialize.json", Some(&token(all_scopes()))))
        .await;
    let body_json = body(&response);
    let capabilities = &body_json["result"]["capabilities"];
    assert!(capabilities["tools"].is_object(), "{body_json}");
    assert!(capabilities.get("resources").is_none(), "{body_json}");
    let listed = body(
        &app.send(&with_body(
            event("mcp_tools_list.json", Some(&token(all_scopes()))),
            &json!({"jsonrpc": "2.0", "id": 9, "method": "resources/list", "params": {}}),
        ))
        .await,
    );
    assert_eq!(listed["error"]["code"], -32601, "{listed}");
}
