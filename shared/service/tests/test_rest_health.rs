//! The health function: `/health` and the protected-resource metadata, from committed API Gateway
//! v2 events.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use workplace_connectors::SourceKind;
use workplace_service::rest;

#[tokio::test]
async fn health_is_ok_with_a_version() {
    let app = app("health", vec![]);
    let response = rest::health(&app.state, request(&event("health_get.json", None))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    let body = body(&response);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let records = app.records.records();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].status, records[0].outcome.as_str()),
        (200, "ok")
    );
    assert_eq!(records[0].client_ip.as_deref(), Some("203.0.113.9"));
}

#[tokio::test]
async fn health_reports_misconfiguration_without_secrets() {
    let app = app_with_env(
        "health",
        vec![],
        &[("DESCOPE_PROJECT_ID", "P2abc"), ("SOURCE_TIMEOUT_MS", "0")],
    );
    let response = rest::health(&app.state, request(&event("health_get.json", None))).await;
    // Degraded is not healthy: load balancers and uptime checks must see it.
    assert_eq!(response.status(), 503);
    let body = body(&response);
    assert_eq!(body["status"], "degraded");
    let settings: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["setting"].as_str().unwrap())
        .collect();
    assert_eq!(
        settings,
        ["MCP_RESOURCE_URL", "DESCOPE_ISSUER", "SOURCE_TIMEOUT_MS"]
    );
    // The details stay in the log: the public body carries no problem text.
    assert!(body["problems"][0].get("problem").is_none(), "{body}");
}

#[tokio::test]
async fn health_never_shows_loaded_secrets() {
    // A working deployment: the secret (here the service-token key) is loaded and in use.
    let app = app("health", vec![]);
    let tools = app_with_env(
        "workplace-search",
        vec![],
        &[("MCP_RESOURCE_URL", RESOURCE)],
    );
    let call = rest::list_tools(
        &tools.state,
        request(&event("tools_list_get.json", Some(&token(all_scopes())))),
    )
    .await;
    assert_eq!(
        call.status(),
        200,
        "the secret is loaded and verifies tokens"
    );
    for path in ["/health", "/.well-known/oauth-protected-resource"] {
        let response = rest::health(
            &app.state,
            request(&with_path(event("health_get.json", None), path)),
        )
        .await;
        assert_eq!(response.status(), 200, "{path}");
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        assert!(!text.contains(SECRET), "{path}: {text}");
    }
    let records = serde_json::to_string(&tools.records.records()).unwrap();
    assert!(
        !records.contains(SECRET) && !records.contains("Bearer"),
        "{records}"
    );
}

#[tokio::test]
async fn protected_resource_metadata_follows_rfc_9728() {
    let app = app_with_env(
        "health",
        vec![],
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("DESCOPE_PROJECT_ID", "P2abc"),
            (
                "DESCOPE_ISSUER",
                "https://api.descope.com/v1/apps/agentic/P2abc/MS1",
            ),
        ],
    );
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let event = with_path(event("protected_resource_get.json", None), path);
        let response = rest::health(&app.state, request(&event)).await;
        assert_eq!(response.status(), 200, "{path}");
        let body = body(&response);
        assert_eq!(body["resource"], RESOURCE);
        assert_eq!(
            body["authorization_servers"],
            serde_json::json!(["https://api.descope.com/v1/apps/agentic/P2abc/MS1"])
        );
        assert_eq!(
            body["bearer_methods_supported"],
            serde_json::json!(["header"])
        );
        // The minimal set for basic use: reading each source this server offers (all of them
        // here). The write scope is asked for by step-up when `add_comment` needs it.
        let scopes: Vec<&str> = workplace_connectors::SourceKind::ALL
            .iter()
            .map(|k| k.scope())
            .collect();
        assert_eq!(body["scopes_supported"], serde_json::json!(scopes));
    }
}

#[tokio::test]
async fn wrong_method_and_unknown_path() {
    let app = app("health", vec![]);
    let response = rest::health(
        &app.state,
        request(&with_method(event("health_get.json", None), "POST")),
    )
    .await;
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), Some("GET, HEAD"));
    assert_eq!(error_code(&response), "method_not_allowed");

    let response = rest::health(
        &app.state,
        request(&with_path(event("health_get.json", None), "/healthz")),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(&response), "not_found");
}

#[tokio::test]
async fn a_first_sign_in_asks_to_read_only_the_sources_this_server_offers() {
    let offered = [SourceKind::GoogleDrive, SourceKind::Notion];
    let app = app_with_env(
        "health",
        offered
            .iter()
            .map(|&kind| workplace_testkit::FixedSource::with_hits(kind, 1))
            .collect(),
        &[("MCP_RESOURCE_URL", RESOURCE)],
    );
    let read: Vec<&str> = offered.iter().map(|k| k.scope()).collect();

    let metadata = rest::health(
        &app.state,
        request(&event("protected_resource_get.json", None)),
    )
    .await;
    assert_eq!(body(&metadata)["scopes_supported"], serde_json::json!(read));

    let refused = rest::list_tools(&app.state, request(&event("tools_list_get.json", None))).await;
    assert_eq!(refused.status(), 401);
    let challenge = header(&refused, "www-authenticate").unwrap();
    assert!(
        challenge.ends_with(&format!("scope=\"{}\"", read.join(" "))),
        "{challenge}"
    );
    assert!(!challenge.contains("write"), "{challenge}");
}
