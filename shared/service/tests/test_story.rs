//! The demo story end to end: a search for the customer, as the demo user, returns its documents,
//! mail, meetings and CRM records from every source, each source reporting its status; a demo
//! user who is on none of the customer's threads, meetings or records gets none of them. Real
//! connectors, the REST tool, the fakes over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Value, json};
use workplace_connectors::SourceKind;
use workplace_service::rest;

fn as_user(sub: &str, email: &str) -> String {
    token_with(json!({"sub": sub, "email": email, "scope": all_scopes()}))
}

async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    let event = with_body(
        event("tool_call_post.json", Some(token)),
        &json!({"name": "workplace_search", "arguments": {"query": query, "max_results": 50}})
            .to_string(),
    );
    let response = rest::call_tool(&app.state, request(&event)).await;
    assert_eq!(response.status().as_u16(), 200);
    body(&response)
}

/// The sources of the results whose title or details name Globex, and every source's status.
fn globex(body: &Value) -> (BTreeSet<String>, Vec<(String, String)>) {
    let structured = &body["structuredContent"];
    assert_fits("workplace_search", structured);
    let sources = structured["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let text = format!("{} {} {}", r["title"], r["snippet"], r["details"]);
            text.contains("Globex")
        })
        .map(|r| r["source"].as_str().unwrap().to_owned())
        .collect();
    let statuses = structured["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (sources, statuses)
}

#[tokio::test]
async fn the_customer_spans_every_source_for_dana_and_none_for_bob() {
    let (_fakes, app) = fake_stack("dev-user,U2bob").await;
    let every: BTreeSet<String> = SourceKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();

    let (found, statuses) =
        globex(&search(&app, &as_user("dev-user", "dev@acme.example"), "Globex").await);
    assert_eq!(found, every, "Dana finds Globex in every source");
    assert_eq!(statuses.len(), every.len());
    for (source, status) in &statuses {
        assert_eq!(status, "ok", "{source}");
    }

    let (found, statuses) =
        globex(&search(&app, &as_user("U2bob", "bob@acme.example"), "Globex").await);
    assert!(
        found.is_empty(),
        "Bob is on no Globex document, thread, meeting or record: {found:?}"
    );
    // Bob never connected Notion (the fakes' demo connections); every other source answers.
    for (source, status) in &statuses {
        let expected = if source == "notion" {
            "reauth_required"
        } else {
            "ok"
        };
        assert_eq!(status, expected, "{source}");
    }
}
