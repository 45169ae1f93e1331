//! A refresh that reads the values already held keeps the same `Arc`, so everything built from
//! the secret (compared by pointer) stays; a changed value is a new `Arc`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use workplace_secrets::{
    FetchFuture, SecretStore, SecretsConfig, SecretsProvider, SecretsTimeouts,
};

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

#[tokio::test]
async fn an_unchanged_refresh_keeps_the_same_arc_and_a_change_replaces_it() {
    let store = Arc::new(Settable {
        value: Mutex::new(r#"{"notion_token": "ntn_1", "query_hash_key": "q1"}"#.into()),
    });
    let config = SecretsConfig {
        id: "test/secret".into(),
        ttl: Duration::from_secs(300),
        timeouts: SecretsTimeouts::default(),
    };
    let provider = SecretsProvider::load(store.clone(), config).await.unwrap();
    let first = provider.current();

    // Same values, in another order and spacing: the same copy.
    *store.value.lock().unwrap() = r#"{ "query_hash_key": "q1", "notion_token": "ntn_1" }"#.into();
    provider.refresh().await;
    assert!(Arc::ptr_eq(&first, &provider.current()), "nothing changed");

    for changed in [
        r#"{"notion_token": "ntn_2", "query_hash_key": "q1"}"#,
        r#"{"notion_token": "ntn_2", "query_hash_key": "q1", "jwt_secret_key": "k"}"#,
        r#"{"notion_token": "ntn_2", "jwt_secret_key": "k"}"#,
    ] {
        let before = provider.current();
        *store.value.lock().unwrap() = changed.into();
        provider.refresh().await;
        assert!(!Arc::ptr_eq(&before, &provider.current()), "{changed}");
    }
}
