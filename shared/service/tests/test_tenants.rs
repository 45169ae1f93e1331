//! Serving organisations from the tenants table (`TENANTS_TABLE`) on the AWS emulator: a request
//! is resolved to the one tenant its verified token belongs to, that tenant's policy applies, a
//! change written to the table takes effect within the TTL without a restart, and a token that
//! belongs to no tenant is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use moto_harness::Moto;
use serde_json::{Value, json};
use workplace_service::catalogue::policy_tools;
use workplace_service::rest;
use workplace_tenants::{TenantDirectory, TenantDocument, TenantStore};
use workplace_testkit::TestState;

/// The test kit's tokens are service tokens with this issuer.
const ISSUER: &str = "workplace-mcp";

fn tenant(id: &str, issuer: &str, policy: Value) -> TenantDocument {
    TenantDocument::from_json(
        &json!({
            "id": id, "name": id, "identity": {"issuer": issuer},
            "secret": format!("workplace-mcp/tenants/{id}"), "policy": policy
        })
        .to_string(),
    )
    .unwrap()
}

async fn served(moto: &Moto, ttl: Duration) -> (TenantStore, TestState) {
    let client = moto.create_rate_limit_table("tenants").await.unwrap();
    let store = TenantStore::new(client, "tenants");
    let directory = Arc::new(TenantDirectory::new(store.clone(), ttl, policy_tools()));
    let app = TestState::with_tenants(
        "list-tools",
        vec![],
        &[("MCP_RESOURCE_URL", RESOURCE)],
        None,
        directory,
    );
    (store, app)
}

async fn list(app: &TestState) -> (u16, Value) {
    let token = token(all_scopes());
    let response = rest::list_tools(
        &app.state,
        request(&event("tools_list_get.json", Some(&token))),
    )
    .await;
    (response.status().as_u16(), body(&response))
}

#[tokio::test]
async fn the_tenants_policy_applies_and_a_change_takes_effect_within_the_ttl() {
    let moto = Moto::start().await.unwrap();
    let (store, app) = served(&moto, Duration::from_millis(300)).await;
    let acme = tenant("acme", ISSUER, json!({"tools": ["fetch", "search"]}));
    store.put(&acme, None, "alice", "t0").await.unwrap();

    let (status, body) = list(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tool_names(&body), ["fetch", "search"]);
    assert_eq!(app.last_record().tenant.as_deref(), Some("acme"));

    // An administrator switches the tenant off; the running container follows within the TTL.
    let read = store.get("acme").await.unwrap().unwrap();
    let mut off = acme.clone();
    off.policy.kill_switch = true;
    off.policy.kill_switch_message = Some("Acme is paused.".into());
    store.put(&off, Some(&read), "bob", "t1").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = list(&app).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "policy_denied");
    assert_eq!(body["error"]["message"], "Acme is paused.");
    let record = app.last_record();
    assert_eq!(record.tenant.as_deref(), Some("acme"));
    assert_eq!(record.reason.as_deref(), Some("policy_switched_off"));
}

#[tokio::test]
async fn a_token_that_belongs_to_no_tenant_is_refused_clearly() {
    let moto = Moto::start().await.unwrap();
    let (store, app) = served(&moto, Duration::from_secs(30)).await;
    // The only tenant trusts another issuer: this deployment's service tokens belong to nobody.
    let other = tenant("globex", "https://login.globex.example/", json!({}));
    store.put(&other, None, "alice", "t0").await.unwrap();
    let (status, body) = list(&app).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "policy_denied");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not belong to an organisation"),
        "{body}"
    );
    let record = app.last_record();
    assert_eq!(record.reason.as_deref(), Some("policy_no_tenant"));
    assert_eq!(record.tenant, None);
    // An empty table serves nobody either.
    let moto = Moto::start().await.unwrap();
    let (_, empty) = served(&moto, Duration::from_secs(30)).await;
    assert_eq!(list(&empty).await.0, 403);
}

#[tokio::test]
async fn an_unreadable_tenants_table_is_a_503_not_an_open_door() {
    let moto = Moto::start().await.unwrap();
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    let directory = Arc::new(TenantDirectory::new(
        TenantStore::new(client, "no-such-table"),
        Duration::from_secs(30),
        policy_tools(),
    ));
    let app = TestState::with_tenants(
        "list-tools",
        vec![],
        &[("MCP_RESOURCE_URL", RESOURCE)],
        None,
        directory,
    );
    let (status, body) = list(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "misconfigured");
}
