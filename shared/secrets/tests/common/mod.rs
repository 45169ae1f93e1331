//! What the secrets tests share: the moto emulator with a client and a store on it, a provider
//! configuration, the current key, and a way to let spawned tasks run.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)] // Test helpers; subsets per file.

use std::sync::Arc;
use std::time::Duration;

use moto_harness::Moto;
use secrecy::ExposeSecret;
use workplace_secrets::{SecretsConfig, SecretsManagerStore, SecretsProvider, SecretsTimeouts};

pub async fn emulator() -> (
    Moto,
    aws_sdk_secretsmanager::Client,
    Arc<SecretsManagerStore>,
) {
    let moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    let config = moto.sdk_config().await;
    (
        moto,
        aws_sdk_secretsmanager::Client::new(&config),
        Arc::new(SecretsManagerStore::new(&config)),
    )
}

pub fn config(id: &str, ttl: Duration) -> SecretsConfig {
    SecretsConfig {
        id: id.into(),
        ttl,
        timeouts: SecretsTimeouts::default(),
    }
}

pub fn key(provider: &Arc<SecretsProvider>) -> String {
    provider
        .current()
        .jwt_secret_key
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned()
}

/// Lets spawned tasks run until they wait (the test runtime has one thread).
pub async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}
