//! Secret refreshes and the parts built from the secret: a refresh reading the same values keeps
//! the parts (and so every source with its token and text caches); a rotation of a key the
//! connectors do not use keeps the sources; a changed connector credential rebuilds them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::RESOURCE;
use workplace_connectors::{ConnectorsConfig, SourceKind};
use workplace_secrets::{
    FetchFuture, SecretStore, SecretsConfig, SecretsProvider, SecretsTimeouts,
};
use workplace_service::config::Config;
use workplace_service::state::{Runtime, SecretSource, Sources, http_client, jwks_verifier};

/// A store answering whatever `value` holds now.
struct Settable {
    value: Mutex<String>,
}

impl SecretStore for Settable {
    fn fetch<'a>(&'a self, _id: &'a str) -> FetchFuture<'a> {
        let json = self.value.lock().unwrap().clone();
        Box::pin(async move { Ok(json) })
    }
}

fn secret(notion_token: &str, query_hash_key: &str) -> String {
    format!(
        r#"{{"descope_management_key": "K2demo-management-key", "notion_token": "{notion_token}", "query_hash_key": "{query_hash_key}"}}"#
    )
}

#[tokio::test]
async fn an_unchanged_secret_refresh_rebuilds_nothing_and_a_changed_credential_rebuilds() {
    // Nothing here reaches the network: building sources and verifiers makes no request.
    let base = "http://127.0.0.1:9";
    let env: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.to_owned()),
        ("DESCOPE_ISSUER", format!("{base}/P2demo")),
        ("GOOGLE_API_BASE_URL", base.to_owned()),
        ("NOTION_API_BASE_URL", base.to_owned()),
        ("GRAPH_BASE_URL", base.to_owned()),
        ("NOTION_MODE", "service".to_owned()),
        ("ALLOW_SHARED_CREDENTIALS", "notion".to_owned()),
        ("MCP_RESOURCE_URL", RESOURCE.to_owned()),
    ]);
    let lookup = |k: &str| env.get(k).cloned();
    let connectors = ConnectorsConfig::from_lookup(&lookup).unwrap();
    let config = Config::load(&lookup).unwrap();
    let http = http_client().unwrap();
    let store = Arc::new(Settable {
        value: Mutex::new(secret("ntn_1", "q1")),
    });
    let provider = SecretsProvider::load(
        store.clone(),
        SecretsConfig {
            id: "test/secret".into(),
            ttl: Duration::from_secs(300),
            timeouts: SecretsTimeouts::default(),
        },
    )
    .await
    .unwrap();
    let jwks = jwks_verifier(&config, &http);
    let runtime = Runtime::build(
        config,
        jwks,
        SecretSource::Provider {
            main: Arc::clone(&provider),
            service_token: None,
        },
        Sources::Configured(Box::new(connectors)),
        http,
        None,
    )
    .unwrap();
    let notion = |parts: &workplace_service::state::Parts| {
        Arc::clone(parts.engine.source(SourceKind::Notion).unwrap())
    };
    let first = runtime.parts();
    assert!(Arc::ptr_eq(&first, &runtime.parts()));

    // The five-minute refresh reads the same values.
    provider.refresh().await;
    let after = runtime.parts();
    assert!(
        Arc::ptr_eq(&first, &after),
        "an unchanged secret rebuilt the parts"
    );
    assert!(Arc::ptr_eq(&notion(&first), &notion(&after)));

    // Only the query-hash key rotated: new parts, the same sources and caches.
    *store.value.lock().unwrap() = secret("ntn_1", "q2");
    provider.refresh().await;
    let rehashed = runtime.parts();
    assert!(!Arc::ptr_eq(&first, &rehashed));
    assert!(
        Arc::ptr_eq(&notion(&first), &notion(&rehashed)),
        "the sources' credentials did not change"
    );

    // The Notion token rotated: the sources are rebuilt.
    *store.value.lock().unwrap() = secret("ntn_2", "q2");
    provider.refresh().await;
    let rotated = runtime.parts();
    assert!(!Arc::ptr_eq(&rehashed, &rotated));
    assert!(!Arc::ptr_eq(&notion(&rehashed), &notion(&rotated)));
}
