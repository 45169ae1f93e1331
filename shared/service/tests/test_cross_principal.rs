//! No path from one principal to another's data, against the upstream fakes with the real
//! connectors and the real REST handler: Bob never sees (or fetches) a Notion page only Alice's
//! groups can see, and a service token for a subject outside the allowlist gets nothing at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use upstream_fakes::RunningFakes;
use workplace_service::rest;

/// "FY2027 Q3 Quarterly Budget": ACL finance + leadership (Alice yes, Bob no).
const BUDGET_PAGE: &str = "00000001-5d1c-4f7e-9a2b-ac0e00000001";

/// Alice and Bob through the REST tools; Bob has connected Notion.
async fn stack() -> (RunningFakes, TestApp) {
    let (fakes, app) = fake_stack("U2alice,U2bob").await;
    fakes.state.set_connection("U2bob", "notion", true);
    (fakes, app)
}

fn as_user(sub: &str, email: &str) -> String {
    token_with(json!({"sub": sub, "email": email, "scope": all_scopes()}))
}

async fn search(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let event = with_body(
        event("tool_call_post.json", Some(token)),
        &json!({"name": "workplace_search", "arguments": {"query": query, "sources": ["notion"]}})
            .to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    (response.status().as_u16(), body(&response))
}

async fn fetch(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(token)),
            "/mcp/tools/fetch/call",
        ),
        &json!({"name": "fetch", "arguments": {"id": id}}).to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    (response.status().as_u16(), body(&response))
}

fn ids(body: &Value) -> Vec<String> {
    body["structuredContent"]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn bob_never_sees_a_notion_page_he_cannot_see() {
    let (_fakes, app) = stack().await;
    let page = format!("notion:{BUDGET_PAGE}");

    // Control: Alice, whose groups include the page's, finds and fetches it.
    let alice = as_user("U2alice", "alice@acme.example");
    let (status, body) = search(&app, &alice, "Quarterly Budget").await;
    assert_eq!(status, 200);
    assert!(ids(&body).contains(&page), "Alice should find it: {body}");
    let (_, body) = fetch(&app, &alice, &page).await;
    assert_eq!(body["isError"], false, "{body}");

    // Bob searches for the same words and gets results, but never that page.
    let bob = as_user("U2bob", "bob@acme.example");
    let (status, body) = search(&app, &bob, "Quarterly Budget").await;
    assert_eq!(status, 200);
    let found = ids(&body);
    assert!(
        !found.is_empty(),
        "Bob sees the pages shared with him: {body}"
    );
    assert!(!found.contains(&page), "Bob saw Alice's page: {found:?}");
    assert!(!body.to_string().contains("FY2027 Q3"), "{body}");

    // Nor can he fetch it by id: the upstream refuses him and nothing of it comes back.
    let (_, body) = fetch(&app, &bob, &page).await;
    assert_eq!(body["isError"], true, "{body}");
    assert!(!body.to_string().contains("FY2027 Q3"), "{body}");
}

#[tokio::test]
async fn a_service_token_outside_the_allowlist_gets_nothing() {
    let (fakes, app) = stack().await;
    fakes.state.reset();
    let carol = as_user("U2carol", "carol@acme.example");
    let (status, body) = search(&app, &carol, "Salary bands").await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = fetch(&app, &carol, "notion:0000000c-5d1c-4f7e-9a2b-ac0e00000012").await;
    assert_eq!(status, 401);
    assert!(
        fakes.requests().is_empty(),
        "an upstream (or Descope) was called for a refused subject: {:?}",
        fakes.requests()
    );
}
