//! 429s end to end through the REST handlers, with the limiter on the moto emulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use moto_harness::Moto;
use workplace_ratelimit::{FailurePolicy, Limit, RateLimiter};
use workplace_service::rest;

/// The per-user limit of these tests: `burst` calls, then one every ten seconds; failing open.
async fn limiter(moto: &Moto, burst: u32) -> RateLimiter {
    common::limiter(moto, Limit { rate: 0.1, burst }, FailurePolicy::Open).await
}

#[tokio::test]
async fn over_the_limit_is_429_with_retry_after_and_ratelimit_headers() {
    let moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    let app = app_with_limiter(
        "workplace-search",
        all_sources(),
        &[("MCP_RESOURCE_URL", RESOURCE)],
        Some(limiter(&moto, 2).await),
    );
    let token = token(all_scopes());
    let event = event("tool_call_post.json", Some(&token));

    for remaining in ["1", "0"] {
        let response = rest::call_tool(&app.state, request(&event)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "ratelimit-policy"),
            Some("\"user\";q=2;w=20")
        );
        assert_eq!(
            header(&response, "ratelimit").unwrap(),
            format!(
                "\"user\";r={remaining};t={}",
                if remaining == "1" { 10 } else { 20 }
            )
        );
    }
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(error_code(&response), "rate_limited");
    let retry_after: u64 = header(&response, "retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert!(
        header(&response, "ratelimit")
            .unwrap()
            .starts_with("\"user\";r=0;")
    );
    let record = app.records.records().pop().unwrap();
    assert_eq!(
        (record.status, record.outcome.as_str()),
        (429, "rate_limited")
    );
    assert_eq!(record.reason.as_deref(), Some("user_limit"));
}

#[tokio::test]
async fn a_stopped_table_fails_open_and_says_so_in_the_record() {
    let mut moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    let limiter = limiter(&moto, 2).await;
    moto.stop();
    let app = app_with_limiter(
        "list-tools",
        vec![],
        &[("MCP_RESOURCE_URL", RESOURCE)],
        Some(limiter),
    );
    let response = rest::list_tools(
        &app.state,
        request(&event("tools_list_get.json", Some(&token(all_scopes())))),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.records.records()[0].reason.as_deref(),
        Some("limiter_bypassed")
    );
    assert!(app.records.records()[0].limiter_bypassed);
}

/// The charge grows with the work a call may do: a search with `max_results` 50 and
/// `include_content` (up to 50 downloads) costs 15 tokens of the seed's burst of 20, a plain
/// search one.
#[tokio::test]
async fn an_include_content_call_costs_by_the_results_it_may_download() {
    let moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    let app = app_with_limiter(
        "workplace-search",
        all_sources(),
        &[("MCP_RESOURCE_URL", RESOURCE)],
        Some(limiter(&moto, 20).await),
    );
    let token = token(all_scopes());
    let plain = event("tool_call_post.json", Some(&token));
    let mut heavy = plain.clone();
    heavy["body"] = serde_json::Value::String(
        serde_json::json!({"name": "workplace_search", "arguments": {
            "query": "quarterly budget reports", "max_results": 50, "include_content": true}})
        .to_string(),
    );
    let remaining = |response: &http::Response<lambda_http::Body>| {
        header(response, "ratelimit")
            .unwrap()
            .split(";r=")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .unwrap()
            .to_owned()
    };

    let response = rest::call_tool(&app.state, request(&plain)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(remaining(&response), "19", "a plain search costs one token");
    let response = rest::call_tool(&app.state, request(&heavy)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        remaining(&response),
        "4",
        "1 + 15: five tokens of search, one per five results downloaded"
    );
    // Four tokens left: a second heavy call is refused, and takes nothing but its admission.
    let response = rest::call_tool(&app.state, request(&heavy)).await;
    assert_eq!(response.status(), 429);
    let response = rest::call_tool(&app.state, request(&plain)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(remaining(&response), "2");
}
