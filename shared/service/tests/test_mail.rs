//! Gmail and Outlook mail through the REST tool, over the real connectors against the fakes: the
//! demo story's customer is in Dana's mail in both sources and in none of Bob's; a token without
//! a mail source's scope never reaches that source; the budget question finds Alice's approval.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};
use workplace_service::rest;

const MAIL_SCOPES: &str = "workplace:read:gmail workplace:read:outlook_mail";

async fn mail_stack() -> (upstream_fakes::RunningFakes, TestState) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[
        ("GMAIL_MODE", "descope_outbound".to_owned()),
        ("OUTLOOK_MAIL_MODE", "descope_outbound".to_owned()),
    ])
    .await;
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("SERVICE_TOKEN_SUBJECTS", "dev-user,U2bob"),
        ],
    );
    (fakes, app)
}

async fn search(app: &TestState, sub: &str, scope: &str, arguments: Value) -> (u16, Value) {
    let token = token_with(json!({"scope": scope, "sub": sub}));
    let event = with_body(
        event("tool_call_post.json", Some(&token)),
        &json!({"name": "workplace_search", "arguments": arguments}).to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    (response.status().as_u16(), body(&response))
}

fn status<'a>(structured: &'a Value, source: &str) -> &'a Value {
    structured["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no status for {source}: {structured}"))
}

fn from(structured: &Value, source: &str) -> Vec<Value> {
    structured["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == source)
        .cloned()
        .collect()
}

#[tokio::test]
async fn globex_mail_is_danas_in_both_sources_and_none_of_bobs() {
    let (_fakes, app) = mail_stack().await;
    let (code, answer) = search(
        &app,
        "dev-user",
        MAIL_SCOPES,
        json!({"query": "Globex", "max_results": 20}),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    let structured = &answer["structuredContent"];
    assert_fits("workplace_search", structured);
    for source in ["gmail", "outlook_mail"] {
        assert_eq!(status(structured, source)["status"], "ok", "{structured}");
        let hits = from(structured, source);
        assert!(hits.len() >= 2, "{source}: {structured}");
        for hit in &hits {
            assert_eq!(hit["details"]["type"], "email", "{hit}");
            assert!(
                hit["id"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{source}:")),
                "{hit}"
            );
        }
    }

    let (code, answer) = search(
        &app,
        "U2bob",
        MAIL_SCOPES,
        json!({"query": "Globex", "max_results": 20}),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    let structured = &answer["structuredContent"];
    for source in ["gmail", "outlook_mail"] {
        assert_eq!(status(structured, source)["status"], "ok", "{structured}");
        assert_eq!(status(structured, source)["count"], 0, "{structured}");
        assert!(from(structured, source).is_empty(), "{structured}");
    }
}

#[tokio::test]
async fn a_token_without_a_mail_scope_never_reaches_that_source() {
    let (fakes, app) = mail_stack().await;
    let (_, answer) = search(
        &app,
        "dev-user",
        "workplace:read:gmail",
        json!({"query": "Globex"}),
    )
    .await;
    let structured = &answer["structuredContent"];
    let sources: Vec<&str> = structured["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["gmail"], "{structured}");
    let routes: Vec<&str> = fakes.requests().into_iter().map(|r| r.route).collect();
    assert!(routes.contains(&"gmailmcp"), "{routes:?}");
    assert!(
        routes.iter().all(|r| !r.starts_with("outlook_mail.")),
        "{routes:?}"
    );

    fakes.state.reset();
    let (code, answer) = search(
        &app,
        "dev-user",
        "workplace:read:outlook_mail",
        json!({"query": "Globex", "sources": ["gmail", "outlook_mail"]}),
    )
    .await;
    assert_eq!(code, 403, "{answer}");
    let (_, answer) = search(
        &app,
        "dev-user",
        "workplace:read:outlook_mail",
        json!({"query": "Globex"}),
    )
    .await;
    assert_eq!(
        answer["structuredContent"]["sources"][0]["source"],
        "outlook_mail"
    );
    let routes: Vec<&str> = fakes.requests().into_iter().map(|r| r.route).collect();
    assert!(
        routes.iter().any(|r| r.starts_with("outlook_mail.")),
        "{routes:?}"
    );
    assert!(!routes.contains(&"gmailmcp"), "{routes:?}");
}

#[tokio::test]
async fn the_budget_question_finds_alices_approval() {
    let (_fakes, app) = mail_stack().await;
    let (_, answer) = search(
        &app,
        "dev-user",
        MAIL_SCOPES,
        json!({"query": "find the email where the budget was approved", "sources": ["gmail"]}),
    )
    .await;
    let structured = &answer["structuredContent"];
    let first = &structured["results"][0];
    assert_eq!(
        first["id"], "gmail:19a3c1f0b2d4e601/19a3d7a2c5e1f702",
        "{structured}"
    );
    assert_eq!(
        first["details"]["from"]["email"], "alice@acme.example",
        "{first}"
    );
    assert!(
        first["snippet"]
            .as_str()
            .unwrap()
            .contains("budget is approved"),
        "{first}"
    );
}
