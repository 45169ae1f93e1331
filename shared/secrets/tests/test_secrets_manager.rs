//! The secrets provider against the moto emulator over HTTP: load, refresh after rotation, a failed
//! refresh, the messages for a missing secret, a missing key and a malformed value, and the
//! configuration. Time limits: `test_secrets_timeouts.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use std::time::Duration;

use common::*;
use secrecy::ExposeSecret;
use workplace_secrets::{SecretsConfig, SecretsError, SecretsProvider};

#[tokio::test]
async fn loads_and_picks_up_a_rotation_in_the_background() {
    let (_moto, client, store) = emulator().await;
    client
        .create_secret()
        .name("app/secret")
        .secret_string(r#"{"jwt_secret_key": "first"}"#)
        .send()
        .await
        .unwrap();
    let provider = SecretsProvider::load(store, config("app/secret", Duration::from_millis(200)))
        .await
        .unwrap();
    assert_eq!(
        provider
            .current()
            .jwt_secret_key
            .as_ref()
            .unwrap()
            .expose_secret(),
        "first"
    );

    client
        .put_secret_value()
        .secret_id("app/secret")
        .secret_string(r#"{"jwt_secret_key": "second"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        provider
            .current()
            .jwt_secret_key
            .as_ref()
            .unwrap()
            .expose_secret(),
        "first",
        "within the TTL the cached copy is served"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The first call after the TTL still answers from the cache and starts the refresh.
    let _ = provider.current();
    let mut seen = String::new();
    for _ in 0..50 {
        seen = provider
            .current()
            .jwt_secret_key
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned();
        if seen == "second" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "second");
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_cached_copy() {
    let (mut moto, client, store) = emulator().await;
    client
        .create_secret()
        .name("s")
        .secret_string(r#"{"jwt_secret_key": "kept"}"#)
        .send()
        .await
        .unwrap();
    let provider = SecretsProvider::load(store, config("s", Duration::from_millis(10)))
        .await
        .unwrap();
    moto.stop();
    tokio::time::sleep(Duration::from_millis(20)).await;
    provider.refresh().await;
    assert_eq!(
        provider
            .current()
            .jwt_secret_key
            .as_ref()
            .unwrap()
            .expose_secret(),
        "kept"
    );
}

#[tokio::test]
async fn missing_secret_missing_key_and_malformed_values_are_named() {
    let (_moto, client, store) = emulator().await;
    let err = SecretsProvider::load(store.clone(), config("nope", Duration::from_secs(300)))
        .await
        .unwrap_err();
    assert_eq!(err, SecretsError::NotFound("nope".into()));
    assert!(err.to_string().contains("`nope` was not found"));

    client
        .create_secret()
        .name("empty")
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    let provider = SecretsProvider::load(store.clone(), config("empty", Duration::from_secs(300)))
        .await
        .unwrap();
    let err = provider.current().require_jwt_secret_key().unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret key `jwt_secret_key` is missing or empty"
    );

    client
        .create_secret()
        .name("broken")
        .secret_string(r#"{"jwt_secret_key": "s3cr3t-value""#)
        .send()
        .await
        .unwrap();
    let err = SecretsProvider::load(store, config("broken", Duration::from_secs(300)))
        .await
        .unwrap_err();
    assert!(matches!(err, SecretsError::Malformed { .. }));
    assert!(!err.to_string().contains("s3cr3t-value"), "{err}");
}

#[tokio::test]
async fn an_unreachable_secrets_manager_is_a_clear_error() {
    let (mut moto, _client, store) = emulator().await;
    moto.stop();
    let err = SecretsProvider::load(store, config("any", Duration::from_secs(300)))
        .await
        .unwrap_err();
    assert!(matches!(err, SecretsError::Unavailable { .. }), "{err:?}");
}

#[test]
fn configuration_is_validated() {
    assert!(
        SecretsConfig::from_lookup(&|_| None)
            .unwrap_err()
            .to_string()
            .contains("SECRETS_ID")
    );
    let err = SecretsConfig::from_lookup(&|k| match k {
        "SECRETS_ID" => Some("x".into()),
        "SECRETS_TTL_SECONDS" => Some("0".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(err.to_string().contains("SECRETS_TTL_SECONDS"));
}
