//! The admin policy (`POLICY_*`) through the REST functions: the kill switch, the IP allowlist
//! behind a trusted proxy, read-only mode and the tool allow-list; each refusal is a 403 with
//! `policy_denied` and a message a person can act on, and `tools/list` shows only what is allowed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use workplace_service::rest;

fn with_source_ip(mut event: Value, ip: &str) -> Value {
    event["requestContext"]["http"]["sourceIp"] = json!(ip);
    event
}

fn policy_app(function: &'static str, policy: &[(&str, &str)]) -> workplace_testkit::TestState {
    let mut env = vec![("MCP_RESOURCE_URL", RESOURCE)];
    env.extend_from_slice(policy);
    app_with_env(function, vec![], &env)
}

async fn listed(app: &workplace_testkit::TestState, event: Value) -> (u16, Value) {
    let response = rest::list_tools(&app.state, request(&event)).await;
    (response.status().as_u16(), body(&response))
}

#[tokio::test]
async fn the_kill_switch_refuses_every_authenticated_request_with_its_message() {
    let app = policy_app(
        "list-tools",
        &[
            ("POLICY_KILL_SWITCH", "on"),
            (
                "POLICY_KILL_SWITCH_MESSAGE",
                "Paused for the audit; back on Monday.",
            ),
        ],
    );
    let token = token("openid");
    let response = rest::list_tools(
        &app.state,
        request(&event("tools_list_get.json", Some(&token))),
    )
    .await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(&response), "policy_denied");
    assert_eq!(
        body(&response)["error"]["message"],
        "Paused for the audit; back on Monday."
    );
    let record = app.last_record();
    assert_eq!(record.reason.as_deref(), Some("policy_switched_off"));
    assert_eq!(record.sub.as_deref(), Some("user-42"));
    // Without a valid token the answer is still the challenge: the message is for members only.
    let response = rest::list_tools(&app.state, request(&event("tools_list_get.json", None))).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn an_address_outside_the_allowlist_is_refused_and_the_same_token_inside_it_works() {
    let app = policy_app(
        "list-tools",
        &[
            ("POLICY_IP_ALLOWLIST", "203.0.113.0/24, 2001:db8::/32"),
            ("POLICY_TRUSTED_PROXIES", "10.0.0.0/8"),
        ],
    );
    let token = token("openid");
    let base = event("tools_list_get.json", Some(&token));

    let (status, _) = listed(&app, with_source_ip(base.clone(), "203.0.113.9")).await;
    assert_eq!(status, 200);
    let (status, _) = listed(&app, with_source_ip(base.clone(), "2001:db8::7")).await;
    assert_eq!(status, 200);

    let outside = with_source_ip(base.clone(), "198.51.100.7");
    let response = rest::list_tools(&app.state, request(&outside)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(&response), "policy_denied");
    let message = body(&response)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("198.51.100.7") && message.contains("allowlist"),
        "{message}"
    );
    assert_eq!(app.last_record().reason.as_deref(), Some("policy_address"));

    // A client outside the range cannot forge its way in: only a trusted proxy's header counts.
    let forged = with_header(outside, "x-forwarded-for", Some("203.0.113.9"));
    assert_eq!(listed(&app, forged).await.0, 403);
    // Behind the trusted gateway, the address it forwarded is the client's.
    let proxied = with_header(
        with_source_ip(base.clone(), "10.0.0.5"),
        "x-forwarded-for",
        Some("6.6.6.6, 203.0.113.9"),
    );
    assert_eq!(listed(&app, proxied).await.0, 200);
    let proxied_outside = with_header(
        with_source_ip(base, "10.0.0.5"),
        "x-forwarded-for",
        Some("203.0.113.9, 198.51.100.7"),
    );
    assert_eq!(listed(&app, proxied_outside).await.0, 403);
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_the_writing_tool() {
    let app = policy_app("workplace-search", &[("POLICY_READ_ONLY", "on")]);
    let token = token(all_scopes());
    let (status, body) = listed(&app, event("tools_list_get.json", Some(&token))).await;
    assert_eq!(status, 200);
    assert_eq!(
        tool_names(&body),
        ["workplace_search", "fetch", "search", "list_events"]
    );

    let comment = with_path(
        with_body(
            event("tool_call_post.json", Some(&token)),
            &json!({"name": "add_comment", "arguments": {"id": "drive:doc-1", "text": "hi"}})
                .to_string(),
        ),
        "/mcp/tools/add_comment/call",
    );
    let response = rest::call_tool(&app.state, request(&comment)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(&response), "policy_denied");
    let message = body_of(&response);
    assert!(message.contains("read-only"), "{message}");
    let record = app.last_record();
    assert_eq!(record.reason.as_deref(), Some("policy_read_only"));
    assert_eq!(record.tool.as_deref(), Some("add_comment"));
}

#[tokio::test]
async fn the_tool_allow_list_lists_and_runs_only_its_tools() {
    let app = policy_app("workplace-search", &[("POLICY_TOOLS", "fetch, search")]);
    let token = token(all_scopes());
    let (_, body) = listed(&app, event("tools_list_get.json", Some(&token))).await;
    assert_eq!(tool_names(&body), ["fetch", "search"]);
    let response = rest::call_tool(
        &app.state,
        request(&call_event(Some(&token), json!({"query": "roadmap"}))),
    )
    .await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(&response), "policy_denied");
    assert!(body_of(&response).contains("`workplace_search` is not enabled"));
}

/// The caps bound what a call returns: a search asking for 10 results gets the cap's 3 (and pages
/// on from there), a fetch asking for 5,000 characters gets the cap's 200.
#[tokio::test]
async fn the_caps_bound_results_and_content_without_refusing() {
    let text: workplace_testkit::TextFn = |_| "budget ".repeat(2_000);
    let source = workplace_testkit::FixedSource::with_text(
        workplace_connectors::SourceKind::Notion,
        12,
        text,
    );
    let app = app_with_env(
        "workplace-search",
        vec![source],
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("POLICY_MAX_RESULTS", "3"),
            ("POLICY_MAX_CONTENT_CHARS", "200"),
        ],
    );
    let token = token(all_scopes());
    let response = rest::call_tool(
        &app.state,
        request(&call_event(
            Some(&token),
            json!({"query": "budget", "max_results": 10}),
        )),
    )
    .await;
    let answer = body(&response);
    assert_eq!(response.status(), 200, "{answer}");
    let results = answer["structuredContent"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{answer}");
    assert!(answer["structuredContent"]["next_cursor"].is_string());

    let fetch = with_body(
        with_path(
            event("tool_call_post.json", Some(&token)),
            "/mcp/tools/fetch/call",
        ),
        &json!({"name": "fetch", "arguments": {"id": results[0]["id"], "max_chars": 5000}})
            .to_string(),
    );
    let response = rest::call_tool(&app.state, request(&fetch)).await;
    let answer = body(&response);
    assert_eq!(response.status(), 200, "{answer}");
    let text = answer["structuredContent"]["text"].as_str().unwrap();
    assert!(
        text.chars().count() <= 200,
        "{} characters",
        text.chars().count()
    );
    assert!(text.starts_with("budget"), "{text}");
}

#[tokio::test]
async fn a_policy_that_does_not_parse_is_a_misconfiguration_health_names() {
    let app = policy_app(
        "list-tools",
        &[
            ("POLICY_TOOLS", "workplace_search, delete_everything"),
            ("POLICY_IP_ALLOWLIST", "not-a-range"),
        ],
    );
    let token = token("openid");
    let response = rest::list_tools(
        &app.state,
        request(&event("tools_list_get.json", Some(&token))),
    )
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(error_code(&response), "misconfigured");
    let health = policy_app(
        "health",
        &[
            ("POLICY_TOOLS", "workplace_search, delete_everything"),
            ("POLICY_IP_ALLOWLIST", "not-a-range"),
        ],
    );
    let response = rest::health(&health.state, request(&event("health_get.json", None))).await;
    assert_eq!(response.status(), 503);
    let settings: Vec<String> = body(&response)["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["setting"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(settings, ["POLICY_TOOLS", "POLICY_IP_ALLOWLIST"]);
}

/// A policy refusal as a tool result (what `/mcp` answers) fits every tool's output schema, which
/// the TypeScript SDK checks on errors too.
#[test]
fn a_policy_refusal_fits_every_tools_output_schema() {
    use workplace_policy::Refusal;
    use workplace_service::tool_result::ToolResult;
    use workplace_service::tools::CallError;
    for tool in workplace_service::catalogue::NAMES {
        for refusal in [Refusal::ReadOnly(tool), Refusal::ToolNotAllowed(tool)] {
            let result = ToolResult::refusal(&CallError::PolicyDenied(refusal));
            assert!(result.is_error);
            assert_eq!(result.structured_content["error"]["code"], "forbidden");
            assert_fits(tool, &result.structured_content);
        }
    }
}

fn body_of(response: &http::Response<lambda_http::Body>) -> String {
    body(response)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
