//! The Cequence API key: loaded in the background after registration (never on the cold-start
//! path), bounded by a timeout, and loaded again when the receiver refuses it (401/403), so a
//! rotated key is picked up without a new execution environment.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::Notify;

/// The key as last loaded.
#[derive(Default)]
pub(crate) struct ApiKey {
    value: RwLock<Option<SecretString>>,
    loaded: AtomicBool,
    refresh: Notify,
}

impl ApiKey {
    /// The key, if one was loaded.
    pub(crate) fn current(&self) -> Option<SecretString> {
        self.value
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stores a load's result (also "no key") and marks the first load done.
    pub(crate) fn set(&self, key: Option<SecretString>) {
        *self.value.write().unwrap_or_else(PoisonError::into_inner) = key;
        self.loaded.store(true, Ordering::Release);
    }

    /// Whether the first load finished (successfully or not): shipping waits for it, so the first
    /// batch does not go out without a key that was about to arrive.
    pub(crate) fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Asks the background task to load the key again (after a 401 or 403).
    pub(crate) fn request_refresh(&self) {
        self.refresh.notify_one();
    }

    /// Waits for the next [`ApiKey::request_refresh`] (one made before the wait counts).
    pub(crate) async fn refresh_requested(&self) {
        self.refresh.notified().await;
    }
}

/// A boxed load future.
pub(crate) type KeyFuture =
    Pin<Box<dyn Future<Output = Result<Option<SecretString>, String>> + Send>>;

/// Where the key comes from.
pub(crate) trait KeySource: Send + Sync {
    /// Loads the key; `Ok(None)` when the secret has none.
    fn load(&self) -> KeyFuture;
}

/// Loads the key now and again on every refresh request, at most once per `min_interval`, each
/// load bounded by `timeout`. Runs until the process ends.
pub(crate) async fn keep_fresh(
    key: Arc<ApiKey>,
    source: Arc<dyn KeySource>,
    timeout: Duration,
    min_interval: Duration,
) {
    loop {
        let started = tokio::time::Instant::now();
        match tokio::time::timeout(timeout, source.load()).await {
            Ok(Ok(Some(value))) => key.set(Some(value)),
            Ok(Ok(None)) => {
                tracing::warn!("the secret has no cequence_api_key; shipping without a key");
                key.set(None);
            }
            Ok(Err(reason)) => {
                tracing::error!(%reason, "could not read cequence_api_key; shipping without a key");
                // Keep a key loaded before: a failed reload is no reason to drop it.
                let previous = key.current();
                key.set(previous);
            }
            Err(_) => {
                tracing::error!(
                    timeout_ms = timeout.as_millis() as u64,
                    "reading cequence_api_key timed out; shipping without a key for now"
                );
                let previous = key.current();
                key.set(previous);
            }
        }
        key.refresh_requested().await;
        tokio::time::sleep_until(started + min_interval).await;
    }
}

/// The key from the project secret (`SECRETS_ID`), through the shared secrets crate with its
/// Secrets Manager timeouts.
pub(crate) struct SecretsManagerKey {
    store: workplace_secrets::SecretsManagerStore,
    id: String,
}

impl SecretsManagerKey {
    /// The secret's settings; `None` when `SECRETS_ID` is not set (shipping then needs no key)
    /// or the settings are invalid.
    pub(crate) fn settings(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<workplace_secrets::SecretsConfig> {
        workplace_secrets::SecretsConfig::from_lookup(env)
            .map_err(|err| tracing::warn!(error = %err, "no secret to read cequence_api_key from"))
            .ok()
    }

    /// A source reading the secret `config` names.
    pub(crate) async fn new(config: workplace_secrets::SecretsConfig) -> Self {
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        Self {
            store: workplace_secrets::SecretsManagerStore::with_timeouts(&aws, config.timeouts),
            id: config.id,
        }
    }
}

impl KeySource for SecretsManagerKey {
    fn load(&self) -> KeyFuture {
        use workplace_secrets::SecretStore;
        let store = self.store.clone();
        let id = self.id.clone();
        Box::pin(async move {
            let json = store.fetch(&id).await.map_err(|e| e.to_string())?;
            let secrets =
                workplace_secrets::Secrets::parse(&id, &json).map_err(|e| e.to_string())?;
            Ok(secrets.cequence_api_key)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use secrecy::ExposeSecret;

    use super::*;

    /// One scripted load: `None` never answers.
    type Step = Option<Result<Option<&'static str>, &'static str>>;

    /// Answers from a script.
    struct Scripted(Mutex<Vec<Step>>);

    impl KeySource for Scripted {
        fn load(&self) -> KeyFuture {
            let next = self.0.lock().unwrap().remove(0);
            Box::pin(async move {
                match next {
                    None => std::future::pending().await,
                    Some(Ok(key)) => Ok(key.map(|k| SecretString::from(k.to_owned()))),
                    Some(Err(reason)) => Err(reason.to_owned()),
                }
            })
        }
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_load_times_out_and_a_refusal_reloads_the_key() {
        let key = Arc::new(ApiKey::default());
        let source = Arc::new(Scripted(Mutex::new(vec![
            None,
            Some(Ok(Some("rotated"))),
            Some(Err("AccessDenied")),
        ])));
        tokio::spawn(keep_fresh(
            Arc::clone(&key),
            source.clone(),
            Duration::from_secs(3),
            Duration::from_secs(30),
        ));
        settle().await;
        assert!(!key.is_loaded(), "the first load is still waiting");
        tokio::time::advance(Duration::from_secs(3)).await;
        settle().await;
        assert!(key.is_loaded(), "the timeout ended the first load");
        assert!(key.current().is_none());

        key.request_refresh();
        settle().await;
        assert_eq!(source.0.lock().unwrap().len(), 2, "not before min_interval");
        tokio::time::advance(Duration::from_secs(27)).await;
        settle().await;
        assert_eq!(key.current().unwrap().expose_secret(), "rotated");

        key.request_refresh();
        tokio::time::advance(Duration::from_secs(30)).await;
        settle().await;
        assert_eq!(source.0.lock().unwrap().len(), 0);
        assert_eq!(
            key.current().unwrap().expose_secret(),
            "rotated",
            "a failed reload keeps the key"
        );
    }
}
