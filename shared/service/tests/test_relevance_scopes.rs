//! Query planning never widens who is asked: with a token scoped to Notion only, a search that
//! relaxes and corrects a misspelling (two passes, a typo correction) reaches Notion alone. Drive
//! and SharePoint get no request at all, not even the relaxed one. Runs through the REST tool, so
//! the scope check that picks the sources is the production one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;
use workplace_service::rest;

#[tokio::test]
async fn expansion_and_relaxation_reach_only_the_sources_the_token_allows() {
    let (fakes, app) = fake_stack("dev-user").await;
    let token = token_with(json!({"scope": "workplace:read:notion", "sub": "dev-user"}));
    let event = with_body(
        event("tool_call_post.json", Some(&token)),
        &json!({"name": "workplace_search", "arguments": {"query": "onbording checklist"}})
            .to_string(),
    );
    let answer = body(&rest::call_tool(&app.state, request(&event)).await);
    assert_eq!(answer["isError"], false, "{answer}");
    let structured = &answer["structuredContent"];
    let sources: Vec<&str> = structured["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["notion"], "{structured}");
    assert!(
        structured["sources"][0]["relaxed_query"].is_string(),
        "the search relaxed, so the planner did run a second pass: {structured}"
    );
    let routes: Vec<&str> = fakes.requests().into_iter().map(|r| r.route).collect();
    assert!(
        routes.contains(&"notion.search"),
        "Notion was searched: {routes:?}"
    );
    assert!(
        routes
            .iter()
            .all(|r| !r.starts_with("drive.") && !r.starts_with("graph.")),
        "no request to a source the token has no scope for: {routes:?}"
    );
}
