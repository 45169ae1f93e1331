//! Office and PDF documents through the REST tools with the real connectors against the fakes:
//! `fetch` answers a hostile file with its `content_error`, `include_content` carries the same,
//! query-aware snippets replace Drive's file descriptions, and every answer fits the tool's
//! advertised outputSchema (the TypeScript SDK refuses one that does not).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{Value, json};
use upstream_fakes::RunningFakes;
use workplace_connectors::Source;
use workplace_service::rest;

async fn real_sources() -> (RunningFakes, Vec<Arc<dyn Source>>) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    (fakes, sources)
}

async fn call(app: &TestState, tool: &str, arguments: Value) -> Value {
    let token = token_with(
        json!({"scope": all_scopes(), "sub": "dev-user", "email": "dev@acme.example", "email_verified": true}),
    );
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(&token)),
            &format!("/mcp/tools/{tool}/call"),
        ),
        &json!({"name": tool, "arguments": arguments}).to_string(),
    );
    let answer = body(&rest::call_tool(&app.state, request(&event)).await);
    assert_eq!(answer["isError"], false, "{answer}");
    let structured = answer["structuredContent"].clone();
    assert_fits(tool, &structured);
    structured
}

#[tokio::test]
async fn hostile_files_give_their_content_error_and_readable_ones_their_text() {
    let (_fakes, sources) = real_sources().await;
    // Service tokens name their subject: the demo user the fakes know as dev@acme.example.
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("SERVICE_TOKEN_SUBJECTS", "dev-user"),
        ],
    );

    let encrypted = call(
        &app,
        "fetch",
        json!({"id": "google_drive:1AcmeDrvF06x7Hq2LmZ9pR4tW"}),
    )
    .await;
    assert_eq!(
        encrypted["content_error"],
        "the file is encrypted (password-protected)"
    );
    assert_eq!(encrypted["text"], "");
    let deck = call(
        &app,
        "fetch",
        json!({"id": "google_drive:1AcmeDrvF03x7Hq2LmZ9pR4tW"}),
    )
    .await;
    assert!(deck.get("content_error").is_none(), "{deck}");
    assert!(
        deck["text"].as_str().unwrap().starts_with("## Slide 1\n"),
        "{deck}"
    );

    let search = call(
        &app,
        "workplace_search",
        json!({"query": "bank statement protected", "sources": ["google_drive"], "include_content": true}),
    )
    .await;
    let statement = search["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "google_drive:1AcmeDrvF06x7Hq2LmZ9pR4tW")
        .unwrap();
    assert_eq!(
        statement["content_error"],
        "the file is encrypted (password-protected)"
    );
}
