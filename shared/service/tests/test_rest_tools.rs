//! The list-tools and workplace-search functions, from committed API Gateway v2 events: listing,
//! authentication and scopes, the seed's response shape, partial and total source failures, fetch
//! paging, and what reaches the records. Malformed requests: `test_rest_requests.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use workplace_connectors::{SourceError, SourceKind};
use workplace_service::rest;

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
    assert_eq!(
        tool_names(&body),
        [
            "workplace_search",
            "fetch",
            "search",
            "add_comment",
            "list_events"
        ]
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
        format!(
            "Bearer realm=\"workplace-mcp\", resource_metadata=\"{prm}\", scope=\"{}\"",
            all_scopes()
        )
    );

    let expired = token_with(json!({"exp": 1_000_000, "scope": all_scopes()}));
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
        event("tools_list_get.json", Some(&token(all_scopes()))),
        "DELETE",
    );
    let response = rest::list_tools(&app.state, request(&event)).await;
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), Some("GET"));
}

#[tokio::test]
async fn a_search_returns_the_seed_shape_with_structured_content() {
    let app = app("workplace-search", all_sources());
    let token = token(all_scopes());
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
    // The JSON is `structuredContent` alone (no embedded copy); the text is the compact
    // rendering, one line per result.
    assert_eq!(body["content"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["content"][1]["type"], "text");
    let rendering = body["content"][1]["text"].as_str().unwrap();
    assert_eq!(rendering.matches("\nResult ").count(), 6, "{rendering}");
    let text = body["structuredContent"].clone();
    assert_eq!(text["total_count"], 6);
    let first = &text["results"][0];
    assert_eq!(
        first["id"],
        format!(
            "google_drive:{}",
            workplace_testkit::item_id(SourceKind::GoogleDrive, 1)
        )
    );
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
            // `query`: what each source ran (these test sources have no dialect of their own, so
            // the query as typed); added by the relevance work (issue #20).
            {"source": "google_drive", "status": "ok", "count": 3, "query": "quarterly budget reports"},
            {"source": "notion", "status": "ok", "count": 3, "query": "quarterly budget reports"}
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
            request(&event("tool_call_post.json", Some(&token(all_scopes())))),
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
        request(&event("tool_call_post.json", Some(&token(all_scopes())))),
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
        "Bearer realm=\"workplace-mcp\", error=\"insufficient_scope\", \
         scope=\"workplace:read:google_drive workplace:read:notion\", \
         resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\""
    );

    let no_sources = token_with(json!({"scope": "openid"}));
    let response = rest::call_tool(
        &app.state,
        request(&call_event(Some(&no_sources), json!({"query": "x"}))),
    )
    .await;
    assert_eq!(response.status(), 403);
    let every_read_scope: Vec<&str> = workplace_connectors::SourceKind::ALL
        .iter()
        .map(|k| k.scope())
        .collect();
    assert!(
        header(&response, "www-authenticate")
            .unwrap()
            .contains(&format!("scope=\"{}\"", every_read_scope.join(" ")))
    );
    assert_eq!(app.records.records()[1].outcome.as_str(), "forbidden");
}

#[tokio::test]
async fn fetch_pages_through_a_document() {
    let app = app("workplace-search", all_sources());
    let token = token(all_scopes());
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
        request(&event("tool_call_post.json", Some(&token(all_scopes())))),
    )
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(error_code(&response), "misconfigured");
}
