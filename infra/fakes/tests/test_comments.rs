//! The comment endpoints against Drive's and Notion's documented behaviour, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use common::outbound_token;
use serde_json::{Value, json};
use upstream_fakes::corpus::Upstream;
use upstream_fakes::{FakeConfig, RunningFakes};

const READ_ONLY: &str = "https://www.googleapis.com/auth/drive.readonly";
const DRIVE: &str = "https://www.googleapis.com/auth/drive";
/// Shared with everyone.
const FILE: &str = "1AcmeDrv007x7Hq2LmZ9pR4tW";
/// Finance and leadership only.
const FINANCE_FILE: &str = "1AcmeDrv001x7Hq2LmZ9pR4tW";
/// Shared with everyone.
const PAGE: &str = "00000005-5d1c-4f7e-9a2b-ac0e00000005";
/// HR only.
const HR_PAGE: &str = "0000000c-5d1c-4f7e-9a2b-ac0e00000012";

async fn start(config: FakeConfig) -> (RunningFakes, reqwest::Client) {
    let fakes = RunningFakes::start(config).await.unwrap();
    (fakes, reqwest::Client::new())
}

async fn drive_post(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    token: Option<&str>,
    file: &str,
    fields: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = http
        .post(format!("{}/drive/v3/files/{file}/comments", fakes.base_url))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(fields) = fields {
        request = request.query(&[("fields", fields)]);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn google_reason(body: &Value) -> &str {
    body["error"]["errors"][0]["reason"].as_str().unwrap()
}

#[tokio::test]
async fn drive_comments_follow_the_documented_errors() {
    let (fakes, http) = start(FakeConfig::default()).await;
    let write = outbound_token(&fakes, &http, "google-drive", "dev-user", &[DRIVE])
        .await
        .unwrap();
    let read_only = outbound_token(&fakes, &http, "google-drive", "dev-user", &[READ_ONLY])
        .await
        .unwrap();
    let carol = outbound_token(&fakes, &http, "google-drive", "U2carol", &[DRIVE])
        .await
        .unwrap();
    let body = json!({"content": "hello"});

    let (status, _) = drive_post(&fakes, &http, None, FILE, Some("id"), body.clone()).await;
    assert_eq!(status, 401);
    let (status, error) = drive_post(&fakes, &http, Some(&write), FILE, None, body.clone()).await;
    assert_eq!((status, google_reason(&error)), (400, "required"));
    let (status, error) = drive_post(
        &fakes,
        &http,
        Some(&read_only),
        FILE,
        Some("id"),
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, google_reason(&error)),
        (403, "insufficientPermissions")
    );
    assert_eq!(
        error["error"]["message"],
        "Request had insufficient authentication scopes."
    );
    let (status, error) = drive_post(
        &fakes,
        &http,
        Some(&carol),
        FINANCE_FILE,
        Some("id"),
        body.clone(),
    )
    .await;
    assert_eq!((status, google_reason(&error)), (404, "notFound"));
    let (status, error) = drive_post(
        &fakes,
        &http,
        Some(&write),
        FILE,
        Some("id"),
        json!({"content": "  "}),
    )
    .await;
    assert_eq!((status, google_reason(&error)), (400, "required"));
    assert!(
        fakes
            .state
            .comments_on(Upstream::GoogleDrive, FILE)
            .is_empty()
    );
}

#[tokio::test]
async fn a_drive_comment_is_stored_projected_and_listed() {
    let (fakes, http) = start(FakeConfig::default()).await;
    let write = outbound_token(&fakes, &http, "google-drive", "dev-user", &[DRIVE])
        .await
        .unwrap();
    let (status, created) = drive_post(
        &fakes,
        &http,
        Some(&write),
        FILE,
        Some("id,createdTime"),
        json!({"content": "Please add the VPN step."}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap();
    assert!(created["createdTime"].is_string());
    assert!(
        created.get("content").is_none(),
        "fields projects: {created}"
    );

    let listed: Value = http
        .get(format!("{}/drive/v3/files/{FILE}/comments", fakes.base_url))
        .bearer_auth(&write)
        .query(&[("fields", "comments(id,content,author(displayName))")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["comments"][0]["id"], id);
    assert_eq!(listed["comments"][0]["content"], "Please add the VPN step.");
    assert!(listed["comments"][0]["author"]["displayName"].is_string());
    let stored = fakes.state.comments_on(Upstream::GoogleDrive, FILE);
    assert_eq!(stored[0].author, "dev@acme.example");
}

async fn notion_post(
    fakes: &RunningFakes,
    http: &reqwest::Client,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let response = http
        .post(format!("{}/v1/comments", fakes.base_url))
        .bearer_auth(token)
        .header("Notion-Version", "2026-03-11")
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn page_comment(page: &str, text: &str) -> Value {
    json!({"parent": {"page_id": page}, "rich_text": [{"type": "text", "text": {"content": text}}]})
}

#[tokio::test]
async fn notion_comments_follow_the_documented_errors_and_are_listed() {
    let (fakes, http) = start(FakeConfig::default()).await;
    let dev = outbound_token(&fakes, &http, "notion", "dev-user", &[])
        .await
        .unwrap();
    let alice = outbound_token(&fakes, &http, "notion", "U2alice", &[])
        .await
        .unwrap();

    let (status, error) = notion_post(&fakes, &http, "nope", page_comment(PAGE, "x")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, error) = notion_post(&fakes, &http, &alice, page_comment(HR_PAGE, "x")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("object_not_found"))
    );
    let (status, error) =
        notion_post(&fakes, &http, &dev, page_comment(PAGE, &"a".repeat(2001))).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("validation_error"))
    );
    let (status, error) = notion_post(
        &fakes,
        &http,
        &dev,
        json!({"parent": {"page_id": PAGE}, "discussion_id": "d", "rich_text": []}),
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("validation_error"))
    );

    let (status, created) = notion_post(
        &fakes,
        &http,
        &dev,
        page_comment(PAGE, "Add the pickup time."),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["object"], "comment");
    assert_eq!(created["parent"]["page_id"], PAGE);
    assert_eq!(
        created["rich_text"][0]["plain_text"],
        "Add the pickup time."
    );

    let listed: Value = http
        .get(format!("{}/v1/comments", fakes.base_url))
        .bearer_auth(&dev)
        .header("Notion-Version", "2026-03-11")
        .query(&[("block_id", PAGE)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["object"], "list");
    assert_eq!(listed["results"][0]["id"], created["id"]);
    assert_eq!(fakes.state.comments_on(Upstream::Notion, PAGE).len(), 1);
}

#[tokio::test]
async fn an_integration_without_the_comment_capability_is_refused() {
    let (fakes, http) = start(FakeConfig {
        notion_insert_comments: false,
        ..FakeConfig::default()
    })
    .await;
    let dev = outbound_token(&fakes, &http, "notion", "dev-user", &[])
        .await
        .unwrap();
    let (status, error) = notion_post(&fakes, &http, &dev, page_comment(PAGE, "x")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (403, Some("restricted_resource"))
    );
    assert!(fakes.state.comments_on(Upstream::Notion, PAGE).is_empty());
}
