//! A missing credential disables only its source: built the way cold start builds the connectors,
//! against the upstream fakes, with Notion in `service` mode but no `notion_token` in the secret.
//! Drive and SharePoint keep answering, Notion reports `error` naming the secret key, a `fetch`
//! of a Notion id says why, and `/health` is degraded without showing any problem text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use upstream_fakes::{FakeConfig, RunningFakes};
use workplace_connectors::{ConnectorsConfig, SourceKind, build_available_sources};
use workplace_secrets::Secrets;
use workplace_service::config::Config;
use workplace_service::record::MemorySink;
use workplace_service::state::{Runtime, SecretSource, Sources, http_client, jwks_verifier};
use workplace_service::{AppState, rest};

struct Stack {
    _fakes: RunningFakes,
    state: Arc<AppState>,
}

async fn stack() -> Stack {
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    let base = fakes.base_url.clone();
    let env: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.clone()),
        ("DESCOPE_ISSUER", format!("{base}/P2demo")),
        ("GOOGLE_API_BASE_URL", base.clone()),
        ("NOTION_API_BASE_URL", base.clone()),
        ("GRAPH_BASE_URL", base),
        ("NOTION_MODE", "service".to_owned()),
        ("ALLOW_SHARED_CREDENTIALS", "notion".to_owned()),
        ("MCP_RESOURCE_URL", RESOURCE.to_owned()),
        ("SERVICE_TOKEN_SUBJECTS", "U2alice".to_owned()),
        ("SERVICE_TOKEN_SECRET_ID", "test/service-token".to_owned()),
    ]);
    let lookup = |k: &str| env.get(k).cloned();
    let connectors = ConnectorsConfig::from_lookup(&lookup).unwrap();
    let config = Config::load(&lookup).unwrap();
    let http = http_client().unwrap();
    // The secret has the management key (Drive and SharePoint per user) but no `notion_token`.
    let secrets = SecretSource::Fixed(Arc::new(Secrets {
        jwt_secret_key: Some(SecretString::from(SECRET.to_owned())),
        descope_management_key: Some(SecretString::from("K2demo-management-key")),
        ..Secrets::default()
    }));
    let jwks = jwks_verifier(&config, &http);
    let runtime = Runtime::build(
        config,
        jwks,
        secrets,
        Sources::Configured(Box::new(connectors)),
        http,
        None,
    );
    assert!(
        runtime.is_ok(),
        "one missing credential must not fail the function"
    );
    let state = Arc::new(AppState::new(
        "workplace-search",
        runtime,
        Arc::new(MemorySink::default()),
    ));
    Stack {
        _fakes: fakes,
        state,
    }
}

fn alice() -> String {
    token_with(json!({"sub": "U2alice", "email": "alice@acme.example", "scope": all_scopes()}))
}

async fn call(state: &AppState, tool: &str, arguments: Value) -> Value {
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(&alice())),
            &format!("/mcp/tools/{tool}/call"),
        ),
        &json!({"name": tool, "arguments": arguments}).to_string(),
    );
    let response = rest::call_tool(state, request(&event)).await;
    assert_eq!(response.status(), 200);
    body(&response)
}

#[test]
fn the_other_sources_are_built_and_notion_is_a_stand_in() {
    let env: HashMap<&str, &str> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo"),
        ("NOTION_MODE", "service"),
        ("ALLOW_SHARED_CREDENTIALS", "notion"),
    ]);
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).map(|v| (*v).to_owned())).unwrap();
    let credentials = workplace_connectors::UpstreamCredentials::default().with(
        "descope_management_key",
        SecretString::from("K2demo-management-key"),
    );
    let built = build_available_sources(&config, &credentials, &http_client().unwrap(), None);
    let kinds: Vec<SourceKind> = built.sources.iter().map(|s| s.kind()).collect();
    // The mail, calendar and CRM sources are opt-in: off unless their modes turn them on.
    assert_eq!(
        kinds,
        [
            SourceKind::GoogleDrive,
            SourceKind::Notion,
            SourceKind::Sharepoint
        ],
        "every document source; the others are opt-in"
    );
    let settings: Vec<&str> = built.problems.iter().map(|p| p.setting).collect();
    assert_eq!(settings, ["notion_token"]);
}

#[tokio::test]
async fn search_reports_the_disabled_source_and_serves_the_others() {
    let stack = stack().await;
    let body = call(
        &stack.state,
        "workplace_search",
        json!({"query": "budget", "sources": ["google_drive", "notion", "sharepoint"]}),
    )
    .await;
    assert_eq!(body["isError"], false, "{body}");
    let sources = body["structuredContent"]["sources"].as_array().unwrap();
    let status = |name: &str| {
        sources
            .iter()
            .find(|s| s["source"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {body}"))
            .clone()
    };
    assert_eq!(status("google_drive")["status"], "ok", "{body}");
    assert_eq!(status("sharepoint")["status"], "ok", "{body}");
    let notion = status("notion");
    assert_eq!(notion["status"], "error", "{body}");
    let message = notion["message"].as_str().unwrap();
    assert!(message.contains("notion_token"), "{message}");
    assert!(
        body["structuredContent"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["source"] != "notion"),
        "{body}"
    );
    assert!(
        !body["structuredContent"]["results"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the working sources still find the budget: {body}"
    );
}

#[tokio::test]
async fn fetch_from_the_disabled_source_says_why() {
    let stack = stack().await;
    let body = call(
        &stack.state,
        "fetch",
        json!({"id": "notion:00000001-5d1c-4f7e-9a2b-ac0e00000001"}),
    )
    .await;
    assert_eq!(body["isError"], true, "{body}");
    assert!(body.to_string().contains("notion_token"), "{body}");
}

#[tokio::test]
async fn health_is_degraded_and_names_only_the_setting() {
    let stack = stack().await;
    let response = rest::health(&stack.state, request(&event("health_get.json", None))).await;
    assert_eq!(response.status(), 503);
    let body = body(&response);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["problems"], json!([{"setting": "notion_token"}]));
    assert!(
        !body.to_string().contains("missing from the secret"),
        "{body}"
    );
}

#[tokio::test]
async fn add_comment_on_the_disabled_source_says_why() {
    let stack = stack().await;
    let token = token_with(json!({
        "sub": "U2alice",
        "email": "alice@acme.example",
        "scope": format!("{} workplace:write:comments", all_scopes()),
    }));
    let event = with_body(
        with_path(
            event("tool_call_post.json", Some(&token)),
            "/mcp/tools/add_comment/call",
        ),
        &json!({"name": "add_comment", "arguments": {
            "id": "notion:00000001-5d1c-4f7e-9a2b-ac0e00000001", "text": "Looks right to me."
        }})
        .to_string(),
    );
    let response = rest::call_tool(&stack.state, request(&event)).await;
    assert_eq!(response.status(), 200);
    let body = body(&response);
    assert_eq!(body["isError"], true, "{body}");
    assert!(body.to_string().contains("notion_token"), "{body}");
}
