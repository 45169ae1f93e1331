//! The secrets provider's time limits: a Secrets Manager that never answers (over HTTP, with the
//! moto emulator's configuration), a refresh that stalls, and a stalled refresh bounded by the
//! operation timeout in paused time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use workplace_secrets::{
    FetchFuture, SecretStore, SecretsConfig, SecretsError, SecretsManagerStore, SecretsProvider,
    SecretsTimeouts,
};

/// A store in front of another that, while `stall` is set, never answers.
struct Stalling {
    inner: Arc<dyn SecretStore>,
    stall: AtomicBool,
    calls: AtomicUsize,
}

impl SecretStore for Stalling {
    fn fetch<'a>(&'a self, id: &'a str) -> FetchFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.stall.load(Ordering::SeqCst) {
            Box::pin(std::future::pending())
        } else {
            self.inner.fetch(id)
        }
    }
}

/// A store answering from a list, one entry per call; `None` never answers.
struct Scripted {
    answers: std::sync::Mutex<Vec<Option<&'static str>>>,
}

impl SecretStore for Scripted {
    fn fetch<'a>(&'a self, _id: &'a str) -> FetchFuture<'a> {
        let next = self.answers.lock().unwrap().remove(0);
        match next {
            Some(json) => Box::pin(async move { Ok(json.to_owned()) }),
            None => Box::pin(std::future::pending()),
        }
    }
}

#[tokio::test]
async fn a_secrets_manager_that_never_answers_times_out() {
    let (moto, _client, _store) = emulator().await;
    // Accepts connections and never answers: a stalled endpoint.
    let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = blackhole.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = blackhole.accept().await {
            open.push(socket);
        }
    });
    let sdk = moto
        .sdk_config()
        .await
        .into_builder()
        .endpoint_url(format!("http://{address}"))
        .build();
    let timeouts = SecretsTimeouts {
        operation: Duration::from_millis(600),
        attempt: Duration::from_millis(200),
    };
    let store = Arc::new(SecretsManagerStore::with_timeouts(&sdk, timeouts));
    let config = SecretsConfig {
        timeouts,
        ..config("any", Duration::from_secs(300))
    };
    // Generous outer bound: the assertion is that it ends with a timeout error, not how fast.
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        SecretsProvider::load(store, config),
    )
    .await
    .expect("the SDK call must end by its own timeout")
    .unwrap_err();
    assert_eq!(
        err,
        SecretsError::Unavailable {
            id: "any".into(),
            reason: "timed out".into()
        }
    );
    held.abort();
}

#[tokio::test]
async fn a_refresh_that_stalls_does_not_block_later_refreshes() {
    let (_moto, client, moto_store) = emulator().await;
    client
        .create_secret()
        .name("rotating")
        .secret_string(r#"{"jwt_secret_key": "first"}"#)
        .send()
        .await
        .unwrap();
    let store = Arc::new(Stalling {
        inner: moto_store,
        stall: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
    });
    let config = SecretsConfig {
        timeouts: SecretsTimeouts {
            operation: Duration::from_millis(300),
            attempt: Duration::from_millis(300),
        },
        ..config("rotating", Duration::from_millis(50))
    };
    let provider = SecretsProvider::load(store.clone(), config).await.unwrap();
    client
        .put_secret_value()
        .secret_id("rotating")
        .secret_string(r#"{"jwt_secret_key": "second"}"#)
        .send()
        .await
        .unwrap();
    store.stall.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(
        key(&provider),
        "first",
        "this call starts the refresh that stalls"
    );
    for _ in 0..100 {
        if store.calls.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(key(&provider), "first", "one refresh at a time");
    tokio::task::yield_now().await;
    assert_eq!(
        store.calls.load(Ordering::SeqCst),
        2,
        "load + the stalled refresh"
    );
    store.stall.store(false, Ordering::SeqCst);
    let mut seen = String::new();
    for _ in 0..300 {
        seen = key(&provider);
        if seen == "second" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen, "second",
        "the stalled refresh ended and a later one landed"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stalled_refresh_ends_at_the_operation_timeout_in_paused_time() {
    let store = Arc::new(Scripted {
        answers: std::sync::Mutex::new(vec![
            Some(r#"{"jwt_secret_key": "first"}"#),
            None,
            Some(r#"{"jwt_secret_key": "second"}"#),
        ]),
    });
    let timeouts = SecretsTimeouts {
        operation: Duration::from_secs(2),
        attempt: Duration::from_secs(1),
    };
    let config = SecretsConfig {
        timeouts,
        ..config("s", Duration::from_secs(60))
    };
    let provider = SecretsProvider::load(store.clone(), config).await.unwrap();
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(
        key(&provider),
        "first",
        "starts the refresh that never answers"
    );
    settle().await;
    assert_eq!(
        store.answers.lock().unwrap().len(),
        1,
        "the stalled fetch started"
    );
    // Just before the bound (operation + grace) the stalled refresh still holds the slot.
    tokio::time::advance(Duration::from_millis(2_400)).await;
    settle().await;
    assert_eq!(key(&provider), "first");
    settle().await;
    assert_eq!(
        store.answers.lock().unwrap().len(),
        1,
        "no second refresh yet"
    );
    // Past it, the refresh gives up and frees the slot; the next call refreshes.
    tokio::time::advance(Duration::from_millis(200)).await;
    settle().await;
    let _ = provider.current();
    settle().await;
    assert_eq!(
        store.answers.lock().unwrap().len(),
        0,
        "the third fetch ran"
    );
    assert_eq!(key(&provider), "second");
}
