//! The cached, self-refreshing provider.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::time::Instant;

use crate::{SecretStore, Secrets, SecretsConfig, SecretsError};

/// Added to the operation timeout before the provider gives up on a fetch itself: the SDK's own
/// timeout should end it first; this bound also holds for a store that has none.
const GRACE: Duration = Duration::from_millis(500);

struct Loaded {
    secrets: Arc<Secrets>,
    at: Instant,
}

/// Serves the cached secret and refreshes it in the background after the TTL.
pub struct SecretsProvider {
    store: Arc<dyn SecretStore>,
    config: SecretsConfig,
    current: ArcSwap<Loaded>,
    /// When the refresh in flight started, if one is (kept for the log of a slow refresh).
    refreshing: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for SecretsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsProvider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SecretsProvider {
    /// Loads the secret now (cold start).
    pub async fn load(
        store: Arc<dyn SecretStore>,
        config: SecretsConfig,
    ) -> Result<Arc<Self>, SecretsError> {
        let secrets = Secrets::parse(&config.id, &fetch(store.as_ref(), &config).await?)?;
        Ok(Arc::new(Self {
            store,
            config,
            current: ArcSwap::from_pointee(Loaded {
                secrets: Arc::new(secrets),
                at: Instant::now(),
            }),
            refreshing: Mutex::new(None),
        }))
    }

    /// The current secrets. Never blocks: when the copy is older than the TTL, one background
    /// refresh starts and this call still returns the cached copy. Each refresh ends within the
    /// operation timeout (plus a grace), whatever the store does, and marks itself finished even
    /// when cancelled, so a stall never stops later refreshes.
    pub fn current(self: &Arc<Self>) -> Arc<Secrets> {
        let loaded = self.current.load();
        if loaded.at.elapsed() >= self.config.ttl && self.claim_refresh() {
            let this = Arc::clone(self);
            tokio::spawn(async move {
                let _release = Release(&this.refreshing);
                this.refresh().await;
            });
        }
        Arc::clone(&loaded.secrets)
    }

    /// Whether this caller may start a refresh (none is in flight).
    fn claim_refresh(&self) -> bool {
        let mut in_flight = self
            .refreshing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if in_flight.is_some() {
            return false;
        }
        *in_flight = Some(Instant::now());
        true
    }

    /// Fetches again now, within the operation timeout; on failure the old copy stays and a later
    /// call retries.
    ///
    /// When the values read are the ones already held, the same `Arc` is kept (only its age is
    /// reset): users of the secret notice a rotation by pointer, so an unchanged refresh (every
    /// TTL) rebuilds nothing and throws away no token or text cache.
    pub async fn refresh(&self) {
        let fetched = fetch(self.store.as_ref(), &self.config)
            .await
            .and_then(|json| Secrets::parse(&self.config.id, &json));
        match fetched {
            Ok(secrets) => {
                let held = Arc::clone(&self.current.load().secrets);
                let secrets = if held.same_values(&secrets) {
                    held
                } else {
                    tracing::info!("the secret's values changed");
                    Arc::new(secrets)
                };
                self.current.store(Arc::new(Loaded {
                    secrets,
                    at: Instant::now(),
                }));
            }
            Err(err) => {
                tracing::warn!(error = %err, "secret refresh failed; keeping the cached copy");
            }
        }
    }
}

/// One fetch, bounded by the operation timeout (plus [`GRACE`]) whatever the store does.
async fn fetch(store: &dyn SecretStore, config: &SecretsConfig) -> Result<String, SecretsError> {
    tokio::time::timeout(config.timeouts.operation + GRACE, store.fetch(&config.id))
        .await
        .unwrap_or_else(|_| {
            Err(SecretsError::Unavailable {
                id: config.id.clone(),
                reason: "timed out".into(),
            })
        })
}

/// Marks the refresh finished when dropped, also when its task is cancelled or panics.
struct Release<'a>(&'a Mutex<Option<Instant>>);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let started = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(started) = started {
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "secret refresh finished"
            );
        }
    }
}
