//! Salesforce through the real REST handler, the real connector and the fake org: the demo
//! story's renewal question is answered from the CRM record, Dana and Alice see the Globex
//! records and Bob and Carol none of them, a token without `workplace:read:salesforce` never
//! reaches Salesforce, and `fetch` reads a record with its related records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use workplace_service::rest;

const GLOBEX: &str = "salesforce:001Ac0000GLBX01IQH";

fn as_user(sub: &str, scope: &str) -> String {
    token_with(json!({"sub": sub, "scope": scope}))
}

async fn call(app: &TestApp, token: &str, tool: &str, arguments: Value) -> Value {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(token)),
            &format!("/mcp/tools/{tool}/call"),
        ),
        &json!({"name": tool, "arguments": arguments}).to_string(),
    );
    body(&rest::call_tool(&app.state, request(&event)).await)
}

fn titles(answer: &Value) -> Vec<String> {
    answer["structuredContent"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("salesforce:"))
        })
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_renewal_status_comes_from_the_crm_record() {
    let (fakes, app) = fake_stack("dev-user").await;
    let token = as_user("dev-user", "workplace:read:salesforce");
    let answer = call(
        &app,
        &token,
        "workplace_search",
        json!({"query": "what is the status of the Globex renewal?", "sources": ["salesforce"]}),
    )
    .await;
    assert_eq!(answer["isError"], false, "{answer}");
    let structured = &answer["structuredContent"];
    assert_eq!(
        structured["sources"][0]["source"], "salesforce",
        "{structured}"
    );
    assert_eq!(structured["sources"][0]["status"], "ok", "{structured}");
    let first = &structured["results"][0];
    assert_eq!(first["title"], "Globex renewal FY2027", "{structured}");
    assert_eq!(first["details"]["type"], "record", "{first}");
    assert_eq!(first["details"]["object"], "Opportunity", "{first}");
    let fields: Vec<(String, String)> = first["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (name, value) in [
        ("Stage", "Negotiation/Review"),
        ("Amount", "480,000"),
        ("Close date", "2027-01-15"),
        ("Owner", "Alice Nguyen"),
    ] {
        assert!(
            fields.contains(&(name.into(), value.into())),
            "{name}: {fields:?}"
        );
    }
    let searches = fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "salesforce.search")
        .count();
    assert_eq!(searches, 1, "one SOSL search answers it");
}

#[tokio::test]
async fn globex_records_are_dana_and_alices_and_nobody_elses() {
    let (_fakes, app) = fake_stack("dev-user,U2alice,U2bob,U2carol").await;
    for sub in ["dev-user", "U2alice"] {
        let answer = call(
            &app,
            &as_user(sub, "workplace:read:salesforce"),
            "workplace_search",
            json!({"query": "Globex", "sources": ["salesforce"]}),
        )
        .await;
        let titles = titles(&answer);
        for expected in [
            "Globex Corporation",
            "Globex renewal FY2027",
            "Hank Scorpio",
        ] {
            assert!(titles.contains(&expected.to_owned()), "{sub}: {titles:?}");
        }
    }
    for sub in ["U2bob", "U2carol"] {
        let answer = call(
            &app,
            &as_user(sub, "workplace:read:salesforce"),
            "workplace_search",
            json!({"query": "Globex", "sources": ["salesforce"]}),
        )
        .await;
        assert_eq!(
            answer["structuredContent"]["sources"][0]["status"], "ok",
            "{answer}"
        );
        assert!(titles(&answer).is_empty(), "{sub}: {answer}");
        let fetched = call(
            &app,
            &as_user(sub, "workplace:read:salesforce"),
            "fetch",
            json!({"id": GLOBEX}),
        )
        .await;
        assert_eq!(fetched["isError"], true, "{sub} fetched Globex: {fetched}");
    }
    // Bob still finds his own engineering case.
    let answer = call(
        &app,
        &as_user("U2bob", "workplace:read:salesforce"),
        "workplace_search",
        json!({"query": "Initech API timeouts", "sources": ["salesforce"]}),
    )
    .await;
    assert!(
        titles(&answer).contains(&"Case 00001031: Initech: API timeouts on bulk export".to_owned()),
        "{answer}"
    );
}

#[tokio::test]
async fn a_token_without_the_salesforce_scope_never_reaches_salesforce() {
    let (fakes, app) = fake_stack("dev-user").await;
    let token = as_user("dev-user", "workplace:read:notion");
    let answer = call(
        &app,
        &token,
        "workplace_search",
        json!({"query": "Globex renewal"}),
    )
    .await;
    assert_eq!(answer["isError"], false, "{answer}");
    let fetched = call(&app, &token, "fetch", json!({"id": GLOBEX})).await;
    assert_eq!(fetched["error"]["code"], "insufficient_scope", "{fetched}");
    let routes: Vec<&str> = fakes.requests().into_iter().map(|r| r.route).collect();
    assert!(routes.contains(&"notion.search"), "{routes:?}");
    assert!(
        routes.iter().all(|r| !r.starts_with("salesforce.")),
        "Salesforce was asked without the scope: {routes:?}"
    );
    // The same request with the scope does reach it (the check above can fail).
    let token = as_user(
        "dev-user",
        "workplace:read:notion workplace:read:salesforce",
    );
    call(
        &app,
        &token,
        "workplace_search",
        json!({"query": "Globex renewal"}),
    )
    .await;
    assert!(
        fakes
            .requests()
            .iter()
            .any(|r| r.route == "salesforce.search")
    );
}

#[tokio::test]
async fn fetch_reads_an_account_with_its_related_records() {
    let (_fakes, app) = fake_stack("dev-user").await;
    let token = as_user("dev-user", "workplace:read:salesforce");
    let fetched = call(&app, &token, "fetch", json!({"id": GLOBEX})).await;
    assert_eq!(fetched["isError"], false, "{fetched}");
    let text = fetched.to_string();
    for expected in [
        "Globex Corporation",
        "Open opportunities (1)",
        "Globex renewal FY2027",
        "Hank Scorpio",
        "Globex: SSO login failures",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
}
