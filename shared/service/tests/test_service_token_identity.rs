//! A service token never carries a user identity upstream, against the upstream fakes with the
//! real connectors and the real REST handler, in every mode: Drive through each user's own token
//! (`descope_outbound`) and through domain-wide delegation (`service`), Notion and SharePoint in
//! both their modes. The holder of the service-token key writes every claim; whatever they write
//! (`email`, `email_verified`, `azp`/`client_id`, `scope`, claims of other identity providers)
//! the upstream identity of reads and of `add_comment` is the same as the plain token's, and a
//! changed `sub` is refused.
//!
//! Subjects: `dev-user` (no configured identity: Descope acts as its own user; delegation
//! refuses it) and `batch-job`, configured to act as `bob@acme.example` under delegation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use upstream_fakes::RunningFakes;
use upstream_fakes::corpus::Upstream;
use workplace_service::rest;

/// "Engineering Onboarding Guide", shared with everyone.
const DRIVE_FILE: &str = "1AcmeDrv007x7Hq2LmZ9pR4tW";
/// "New Hire Onboarding Checklist", shared with everyone.
const NOTION_PAGE: &str = "00000005-5d1c-4f7e-9a2b-ac0e00000005";
const SCOPES: &str = "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint workplace:write:comments";

async fn stack(modes: &[(&str, &str)]) -> (RunningFakes, TestApp) {
    let extra: Vec<(&str, String)> = modes.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    let (fakes, sources) = workplace_testkit::fake_sources_in_any_mode(&extra).await;
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            (
                "SERVICE_TOKEN_SUBJECTS",
                "dev-user batch-job=bob@acme.example",
            ),
        ],
    );
    (fakes, app)
}

/// What a key holder might write to be taken for someone else, beside the plain token.
fn forged_claims(sub: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("plain", json!({"sub": sub, "scope": SCOPES})),
        (
            "email of another user, verified",
            json!({"sub": sub, "scope": SCOPES, "email": "alice@acme.example", "email_verified": true}),
        ),
        (
            "email of a third user, verified as a string",
            json!({"sub": sub, "scope": SCOPES, "email": "carol@acme.example", "email_verified": "true"}),
        ),
        (
            "email in upper case",
            json!({"sub": sub, "scope": SCOPES, "email": "ALICE@ACME.EXAMPLE", "email_verified": true}),
        ),
        (
            "email_verified without an email",
            json!({"sub": sub, "scope": SCOPES, "email_verified": true}),
        ),
        (
            "azp and client_id naming another user",
            json!({"sub": sub, "scope": SCOPES, "azp": "U2alice", "client_id": "U2alice"}),
        ),
        (
            "extra scopes",
            json!({"sub": sub, "scope": format!("{SCOPES} admin workplace:admin openid email"),
                "permissions": ["workplace:read:google_drive"]}),
        ),
        (
            "other providers' identity claims",
            json!({"sub": sub, "scope": SCOPES, "upn": "alice@acme.example",
                "preferred_username": "alice@acme.example", "unique_name": "alice@acme.example",
                "hd": "acme.example", "act": {"sub": "U2alice"}, "user_id": "U2alice",
                "userId": "U2alice", "impersonate": "alice@acme.example", "oid": "U2alice"}),
        ),
    ]
}

async fn call(app: &TestApp, token: &str, path: &str, name: &str, arguments: Value) -> Value {
    let event = with_body(
        with_path(event("tool_call_post.json", Some(token)), path),
        &json!({"name": name, "arguments": arguments}).to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status().as_u16(), 200, "{}", body(&response));
    body(&response)
}

/// What one source shows a token: the ids and statuses of a search, sorted.
async fn reads(app: &TestApp, token: &str, source: &str) -> Value {
    let body = call(
        app,
        token,
        "/mcp/tools/workplace_search/call",
        "workplace_search",
        json!({"query": "budget", "sources": [source]}),
    )
    .await;
    let structured = &body["structuredContent"];
    let mut ids: Vec<String> = structured["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    json!({"ids": ids, "sources": structured["sources"]})
}

/// Adds a comment and says who the upstream recorded as its author (or why there is none).
async fn comment_author(fakes: &RunningFakes, app: &TestApp, token: &str, source: &str) -> String {
    let (id, upstream, item) = match source {
        "google_drive" => (
            format!("google_drive:{DRIVE_FILE}"),
            Upstream::GoogleDrive,
            DRIVE_FILE,
        ),
        "notion" => (
            format!("notion:{NOTION_PAGE}"),
            Upstream::Notion,
            NOTION_PAGE,
        ),
        _ => return "no comments on this source".into(),
    };
    let before = fakes.state.comments_on(upstream, item).len();
    let body = call(
        app,
        token,
        "/mcp/tools/add_comment/call",
        "add_comment",
        json!({"id": id, "text": "Checked."}),
    )
    .await;
    let stored = fakes.state.comments_on(upstream, item);
    match stored.get(before) {
        Some(comment) => comment.author.clone(),
        None => format!("refused: {}", body["structuredContent"]["error"]["code"]),
    }
}

/// In `modes`, every forged token of `sub` reads and comments exactly as the plain one, on every
/// source; returns what the plain token got, per source.
async fn same_identity_whatever_the_claims(
    modes: &[(&str, &str)],
    sub: &str,
) -> Vec<(String, Value, String)> {
    let (fakes, app) = stack(modes).await;
    let mut baseline = Vec::new();
    for source in ["google_drive", "notion", "sharepoint"] {
        let mut seen: Option<(Value, String)> = None;
        for (what, claims) in forged_claims(sub) {
            let token = token_with(claims);
            let got = (
                reads(&app, &token, source).await,
                comment_author(&fakes, &app, &token, source).await,
            );
            match &seen {
                None => seen = Some(got),
                Some(plain) => assert_eq!(
                    &got, plain,
                    "{modes:?}, {source}, sub {sub}: a token with {what} acted as someone else"
                ),
            }
        }
        let (reads, author) = seen.unwrap();
        baseline.push((source.to_owned(), reads, author));
    }
    baseline
}

fn of<'a>(baseline: &'a [(String, Value, String)], source: &str) -> &'a (String, Value, String) {
    baseline.iter().find(|(s, _, _)| s == source).unwrap()
}

#[tokio::test]
async fn per_user_tokens_act_as_the_subject_whatever_else_the_token_claims() {
    let baseline = Box::pin(same_identity_whatever_the_claims(&[], "dev-user")).await;
    assert_eq!(of(&baseline, "google_drive").2, "dev@acme.example");
    assert_eq!(of(&baseline, "notion").2, "dev@acme.example");
}

#[tokio::test]
async fn delegation_acts_only_as_the_configured_identity_whatever_the_token_claims() {
    let delegation = [("GOOGLE_DRIVE_MODE", "service")];
    // A subject with no configured identity is refused by delegation, whatever it claims.
    let dev = Box::pin(same_identity_whatever_the_claims(&delegation, "dev-user")).await;
    let (_, reads, author) = of(&dev, "google_drive");
    assert_ne!(reads["sources"][0]["status"], "ok", "{reads}");
    assert_eq!(reads["ids"], json!([]), "{reads}");
    assert!(author.starts_with("refused"), "{author}");

    // A subject configured with one acts as that one, whatever it claims.
    let batch = Box::pin(same_identity_whatever_the_claims(&delegation, "batch-job")).await;
    let (_, reads, author) = of(&batch, "google_drive");
    assert_eq!(author, "bob@acme.example");
    assert_eq!(reads["sources"][0]["status"], "ok", "{reads}");
    assert!(
        !reads["ids"].as_array().unwrap().is_empty(),
        "Bob's budget files: {reads}"
    );
}

#[tokio::test]
async fn shared_credentials_act_as_the_integration_whatever_the_token_claims() {
    let shared = [("NOTION_MODE", "service"), ("SHAREPOINT_MODE", "service")];
    let baseline = Box::pin(same_identity_whatever_the_claims(&shared, "dev-user")).await;
    let (_, reads, author) = of(&baseline, "notion");
    assert_eq!(reads["sources"][0]["status"], "ok", "{reads}");
    assert!(author.starts_with("refused"), "{author}");
    let (_, reads, _) = of(&baseline, "sharepoint");
    assert_eq!(reads["sources"][0]["status"], "ok", "{reads}");
}

#[tokio::test]
async fn a_changed_subject_is_refused_not_reinterpreted() {
    let (fakes, app) = stack(&[("GOOGLE_DRIVE_MODE", "service")]).await;
    fakes.state.reset();
    for sub in [
        "batch-job ",
        " batch-job",
        "BATCH-JOB",
        "batch-job\u{0}",
        "batch-job=alice@acme.example",
        "U2alice",
        "",
    ] {
        let token = token_with(json!({"sub": sub, "scope": SCOPES,
            "email": "alice@acme.example", "email_verified": true}));
        let event = with_body(
            event("tool_call_post.json", Some(&token)),
            &json!({"name": "workplace_search", "arguments": {"query": "budget"}}).to_string(),
        );
        let response = rest::call_tool(&app.state, request(&event)).await;
        assert_eq!(response.status().as_u16(), 401, "sub {sub:?}");
    }
    assert!(fakes.requests().is_empty(), "{:?}", fakes.requests());
}
