//! `add_comment` through the REST handler, with the real connectors against the upstream fakes:
//! it comments as the caller on Drive and Notion, needs the source's read scope *and*
//! `workplace:write:comments`, answers SharePoint with `not_supported`, validates its arguments,
//! and is recorded like every call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use upstream_fakes::RunningFakes;
use upstream_fakes::corpus::Upstream;
use workplace_record::{Outcome, SourceKind, SourceStatus};
use workplace_service::rest;

/// "Engineering Onboarding Guide", shared with everyone.
const DRIVE_FILE: &str = "1AcmeDrv007x7Hq2LmZ9pR4tW";
/// "New Hire Onboarding Checklist", shared with everyone.
const NOTION_PAGE: &str = "00000005-5d1c-4f7e-9a2b-ac0e00000005";
const WRITE: &str = "workplace:write:comments";

async fn stack() -> (RunningFakes, TestApp) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("SERVICE_TOKEN_SUBJECTS", "dev-user"),
        ],
    );
    (fakes, app)
}

fn dev(scope: &str) -> String {
    token_with(json!({"sub": "dev-user", "email": "dev@acme.example", "scope": scope}))
}

async fn comment(app: &TestApp, token: &str, arguments: Value) -> (u16, Value) {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(token)),
            "/mcp/tools/add_comment/call",
        ),
        &json!({"name": "add_comment", "arguments": arguments}).to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    (response.status().as_u16(), body(&response))
}
#[tokio::test]
async fn comments_on_drive_and_notion_as_the_caller() {
    let (fakes, app) = stack().await;
    let token = dev(&format!(
        "workplace:read:google_drive workplace:read:notion {WRITE}"
    ));

    let (status, body) = comment(
        &app,
        &token,
        json!({"id": format!("google_drive:{DRIVE_FILE}"), "text": "  Please add the VPN step.  "}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["isError"], false, "{body}");
    let structured = &body["structuredContent"];
    assert_fits("add_comment", structured);
    assert_eq!(structured["source"], "google_drive");
    // REST cannot ask a person; the default setting posts and says so.
    assert_eq!(structured["confirmation"], "not_asked");
    assert_eq!(structured["content_trust"], "third_party");
    assert_eq!(structured["title"], "Engineering Onboarding Guide");
    let comment_id = structured["comment_id"].as_str().unwrap();
    assert!(
        structured["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("disco={comment_id}")),
        "{structured}"
    );
    let stored = fakes.state.comments_on(Upstream::GoogleDrive, DRIVE_FILE);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].author.as_str(), stored[0].content.as_str()),
        ("dev@acme.example", "Please add the VPN step.")
    );
    let record = app.last_record();
    assert_eq!(record.tool.as_deref(), Some("add_comment"));
    assert_eq!(record.sources, vec![SourceKind::GoogleDrive]);
    assert_eq!(record.outcome, Outcome::Ok);
    assert_eq!(
        record.source_status.get(&SourceKind::GoogleDrive),
        Some(&SourceStatus::Ok)
    );
    assert_eq!(record.result_count, Some(1));
    assert!(
        record.query_hash.is_none() && record.query.is_none() && record.query_len.is_none(),
        "the comment text is not a query"
    );

    let (status, body) = comment(
        &app,
        &token,
        json!({"id": format!("notion:{NOTION_PAGE}"), "text": "Add the laptop pickup time."}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["isError"], false, "{body}");
    assert_fits("add_comment", &body["structuredContent"]);
    let stored = fakes.state.comments_on(Upstream::Notion, NOTION_PAGE);
    assert_eq!(stored[0].id, body["structuredContent"]["comment_id"]);
    assert_eq!(stored[0].author, "dev@acme.example");
}

#[tokio::test]
async fn both_the_read_and_the_write_scope_are_required() {
    let (fakes, app) = stack().await;
    let id = json!(format!("notion:{NOTION_PAGE}"));
    for (scope, missing) in [
        ("workplace:read:notion", WRITE.to_owned()),
        (WRITE, "workplace:read:notion".to_owned()),
        (
            "workplace:read:google_drive",
            format!("workplace:read:notion {WRITE}"),
        ),
    ] {
        let (status, body) = comment(&app, &dev(scope), json!({"id": id, "text": "hi"})).await;
        assert_eq!(status, 403, "{scope}: {body}");
        assert_eq!(body["error"]["code"], "insufficient_scope", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.ends_with(&format!(": {missing}")),
            "{scope}: {body}"
        );
        assert_eq!(app.last_record().outcome, Outcome::Forbidden);
    }
    assert!(
        fakes
            .state
            .comments_on(Upstream::Notion, NOTION_PAGE)
            .is_empty()
    );
    assert!(
        !fakes
            .requests()
            .iter()
            .any(|r| r.route == "notion.comments"),
        "{:?}",
        fakes.requests()
    );
}

#[tokio::test]
async fn sharepoint_answers_not_supported_and_bad_arguments_are_named() {
    let (_fakes, app) = stack().await;
    let token = dev(&format!(
        "workplace:read:sharepoint workplace:read:notion {WRITE}"
    ));
    let (status, body) = comment(
        &app,
        &token,
        json!({"id": "sharepoint:b!abc/01ACMESP0002Q3ZWBTUFOFD3GSPGO", "text": "hi"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["isError"], true, "{body}");
    assert_eq!(body["structuredContent"]["error"]["code"], "not_supported");
    assert!(
        body["structuredContent"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft Graph"),
        "{body}"
    );
    assert_fits("add_comment", &body["structuredContent"]);
    let record = app.last_record();
    assert_eq!(record.outcome, Outcome::ToolError);
    assert_eq!(record.tool.as_deref(), Some("add_comment"));

    for (arguments, field) in [
        (
            json!({"id": format!("notion:{NOTION_PAGE}"), "text": "x".repeat(2001)}),
            "text",
        ),
        (
            json!({"id": format!("notion:{NOTION_PAGE}"), "text": " "}),
            "text",
        ),
        (json!({"id": "notion:../../v1/users", "text": "hi"}), "id"),
        (
            json!({"id": format!("notion:{NOTION_PAGE}"), "text": "hi", "resolved": true}),
            "resolved",
        ),
    ] {
        let (status, body) = comment(&app, &token, arguments).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "invalid_arguments", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{field}`")), "{body}");
    }
}

#[tokio::test]
async fn a_page_the_user_cannot_see_is_not_found() {
    let (fakes, app) = stack().await;
    // "Salary bands 2027": HR only; the dev user is not in HR.
    let hr_page = "0000000c-5d1c-4f7e-9a2b-ac0e00000012";
    let token = dev(&format!("workplace:read:notion {WRITE}"));
    let (status, body) = comment(
        &app,
        &token,
        json!({"id": format!("notion:{hr_page}"), "text": "hi"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["structuredContent"]["error"]["code"], "not_found",
        "{body}"
    );
    assert_fits("add_comment", &body["structuredContent"]);
    assert!(
        fakes
            .state
            .comments_on(Upstream::Notion, hr_page)
            .is_empty()
    );
}

#[tokio::test]
async fn with_confirmation_always_rest_cannot_ask_so_nothing_is_posted() {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("SERVICE_TOKEN_SUBJECTS", "dev-user"),
            ("COMMENT_CONFIRMATION", "always"),
        ],
    );
    let token = dev(&format!("workplace:read:notion {WRITE}"));
    let (status, body) = comment(
        &app,
        &token,
        json!({"id": format!("notion:{NOTION_PAGE}"), "text": "Exfiltrated secret"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["isError"], true, "{body}");
    assert_fits("add_comment", &body["structuredContent"]);
    assert_eq!(
        body["structuredContent"]["error"]["code"],
        "confirmation_required"
    );
    assert!(
        fakes
            .state
            .comments_on(Upstream::Notion, NOTION_PAGE)
            .is_empty()
    );
    assert_eq!(app.last_record().outcome, Outcome::ToolError);
}
