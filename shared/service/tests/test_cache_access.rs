//! Caches never widen access, against the upstream fakes with the real connectors and the real
//! REST handler: two users who differ in exactly one permission, Alice reading first (filling
//! every cache there is: the Drive and Notion text caches, the per-user upstream-token caches),
//! Bob second. Bob must get nothing of what Alice's read left behind, and a clear reason instead.
//!
//! - Drive: "Project Heron acquisition term sheet" is shared with Alice (leadership, a writer)
//!   and Bob (engineering, a viewer), and its owner set `copyRequiresWriterPermission`: Bob sees
//!   it but may not download it (`capabilities.canDownload == false`).
//! - Notion: the Q3 budget page is Alice's groups' only.
//! - SharePoint (no text cache; the token cache only): a finance-only file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use upstream_fakes::RunningFakes;
use upstream_fakes::corpus::{Corpus, Principal, Upstream};
use workplace_service::rest;

/// Shared with Alice (may download) and Bob (may only view).
const HERON: &str = "google_drive:1AcmeDrv026x7Hq2LmZ9pR4tW";
/// Words only the term sheet's text holds.
const SECRET_TEXT: [&str; 3] = ["48M", "Purchase price", "Retention pool"];
/// "FY2027 Q3 Quarterly Budget": finance + leadership (Alice yes, Bob no).
const NOTION_BUDGET: &str = "notion:00000001-5d1c-4f7e-9a2b-ac0e00000001";

/// Alice and Bob through the REST tools; Bob has connected Notion.
async fn stack() -> (RunningFakes, TestApp) {
    let (fakes, app) = fake_stack("U2alice,U2bob").await;
    fakes.state.set_connection("U2bob", "notion", true);
    (fakes, app)
}

fn alice() -> String {
    token_with(json!({"sub": "U2alice", "scope": all_scopes()}))
}

fn bob() -> String {
    token_with(json!({"sub": "U2bob", "scope": all_scopes()}))
}

async fn search(app: &TestApp, token: &str, query: &str, source: &str) -> Value {
    let event = with_body(
        event("tool_call_post.json", Some(token)),
        &json!({"name": "workplace_search", "arguments": {"query": query, "sources": [source],
            "include_content": true}})
        .to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status().as_u16(), 200);
    body(&response)
}

async fn fetch(app: &TestApp, token: &str, id: &str) -> Value {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(token)),
            "/mcp/tools/fetch/call",
        ),
        &json!({"name": "fetch", "arguments": {"id": id}}).to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    body(&response)
}

fn result<'a>(body: &'a Value, id: &str) -> Option<&'a Value> {
    body["structuredContent"]["results"]
        .as_array()?
        .iter()
        .find(|r| r["id"] == id)
}

fn assert_no_secret(body: &Value, what: &str) {
    let text = body.to_string();
    for secret in SECRET_TEXT {
        assert!(!text.contains(secret), "{what} leaked `{secret}`: {body}");
    }
}

/// Bob, who may view but not download the term sheet: never its text, and a reason.
async fn bob_gets_a_reason_and_no_text(app: &TestApp, when: &str) {
    let body = search(app, &bob(), "Heron acquisition", "google_drive").await;
    let hit = result(&body, HERON);
    assert!(hit.is_some(), "{when}: Bob sees the file: {body}");
    let hit = hit.unwrap();
    assert_no_secret(&body, &format!("{when}: Bob's search"));
    let reason = hit["content_error"].as_str().unwrap_or_default();
    assert!(reason.contains("not download"), "{when}: {hit}");

    let body = fetch(app, &bob(), HERON).await;
    assert_no_secret(&body, &format!("{when}: Bob's fetch"));
    let reason = body["structuredContent"]["content_error"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("not download"), "{when}: {body}");
}

#[tokio::test]
async fn a_viewer_who_may_not_download_never_gets_the_drive_text_another_user_read() {
    let (fakes, app) = stack().await;

    // Before anyone read it: Drive itself refuses Bob, and he is told why.
    bob_gets_a_reason_and_no_text(&app, "cold cache").await;

    // Alice, a writer, reads it: by fetch, by search with content, and by snippet enrichment.
    let body = fetch(&app, &alice(), HERON).await;
    assert!(
        body["structuredContent"]["text"]
            .as_str()
            .unwrap()
            .contains("Purchase price"),
        "{body}"
    );
    let body = search(&app, &alice(), "Heron acquisition", "google_drive").await;
    let hit = result(&body, HERON).unwrap();
    assert!(
        hit["content"].as_str().unwrap().contains("Purchase price"),
        "{hit}"
    );

    // Bob, after Alice filled the cache: still nothing.
    fakes.state.reset();
    bob_gets_a_reason_and_no_text(&app, "warm cache").await;
    // Nor did Bob's calls ask Drive for the bytes: he was never going to get them.
    let downloads: Vec<_> = fakes
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/export") || r.query.contains("alt=media"))
        .collect();
    assert!(downloads.is_empty(), "{downloads:?}");
}

#[tokio::test]
async fn a_user_who_may_not_see_a_notion_page_never_gets_its_cached_text() {
    let (_fakes, app) = stack().await;
    let body = fetch(&app, &alice(), NOTION_BUDGET).await;
    assert_eq!(body["isError"], false, "{body}");
    let text = body["structuredContent"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!text.is_empty());
    // Alice's search reads snippets into the cache too.
    let body = search(&app, &alice(), "Quarterly Budget", "notion").await;
    assert!(result(&body, NOTION_BUDGET).is_some(), "{body}");

    let body = search(&app, &bob(), "Quarterly Budget", "notion").await;
    assert!(result(&body, NOTION_BUDGET).is_none(), "{body}");
    assert!(!body.to_string().contains("FY2027 Q3"), "{body}");
    let body = fetch(&app, &bob(), NOTION_BUDGET).await;
    assert_eq!(body["isError"], true, "{body}");
    assert!(!body.to_string().contains("FY2027 Q3"), "{body}");
}

#[tokio::test]
async fn a_user_who_may_not_see_a_sharepoint_file_never_gets_its_text() {
    let (_fakes, app) = stack().await;
    let body = search(&app, &alice(), "Weekly finance sync", "sharepoint").await;
    let hit = &body["structuredContent"]["results"][0];
    assert_eq!(hit["title"], "Weekly finance sync notes.md", "{body}");
    let id = hit["id"].as_str().unwrap().to_owned();
    let content = hit["content"].as_str().unwrap().to_owned();
    assert!(!content.is_empty(), "{hit}");

    let body = search(&app, &bob(), "Weekly finance sync", "sharepoint").await;
    assert!(result(&body, &id).is_none(), "{body}");
    let body = fetch(&app, &bob(), &id).await;
    assert_eq!(body["isError"], true, "{body}");
    assert!(!body.to_string().contains(&content), "{body}");
}

#[tokio::test]
async fn a_token_cached_for_one_user_is_never_used_for_another() {
    let (fakes, app) = stack().await;
    // Alice's upstream tokens are cached by her reads.
    for source in ["google_drive", "notion", "sharepoint"] {
        let body = search(&app, &alice(), "budget", source).await;
        assert_eq!(body["isError"], false, "{source}: {body}");
    }
    fakes.state.reset();
    fakes.state.set_connection("U2bob", "notion", true);
    // Bob's reads fetch tokens of his own, and see only what Bob may see.
    let corpus = Corpus::demo();
    let bob_sees = Principal::User("bob@acme.example".into());
    for (source, upstream) in [
        ("google_drive", Upstream::GoogleDrive),
        ("notion", Upstream::Notion),
        ("sharepoint", Upstream::Sharepoint),
    ] {
        let body = search(&app, &bob(), "budget", source).await;
        let results = body["structuredContent"]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{source}: {body}");
        for r in results {
            let title = r["title"].as_str().unwrap();
            let visible = corpus
                .visible_in(upstream, &bob_sees)
                .any(|d| d.title == title);
            assert!(
                visible,
                "{source}: Bob was shown {title}, which only others may see"
            );
        }
    }
    let token_requests = fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "descope.token")
        .count();
    assert_eq!(token_requests, 3, "one token of Bob's own per source");
}
