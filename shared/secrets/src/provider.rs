//! The cached, self-refreshing provider.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::time::Instant;

use crate::{SecretStore, Secrets, SecretsError};

/// Where the secret is and how long a copy is trusted.
#[derive(Debug, Clone)]
pub struct SecretsConfig {
    /// `SECRETS_ID`: the secret's name or ARN. Required.
    pub id: String,
    /// `SECRETS_TTL_SECONDS` (default 300, 1..=86400): age after which a background refresh starts.
    pub ttl: Duration,
}

impl SecretsConfig {
    /// Reads `SECRETS_ID` and `SECRETS_TTL_SECONDS` through `env`.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, SecretsError> {
        let id = env("SECRETS_ID")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                SecretsError::Config(
                    "SECRETS_ID is not set; set it to the secret's name or ARN".into(),
                )
            })?;
        let ttl = match env("SECRETS_TTL_SECONDS")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
        {
            None => 300,
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if (1..=86_400).contains(&n) => n,
                _ => {
                    return Err(SecretsError::Config(format!(
                        "SECRETS_TTL_SECONDS must be 1..=86400 (got `{raw}`)"
                    )));
                }
            },
        };
        Ok(Self {
            id,
            ttl: Duration::from_secs(ttl),
        })
    }
}

struct Loaded {
    secrets: Arc<Secrets>,
    at: Instant,
}

/// Serves the cached secret and refreshes it in the background after the TTL.
pub struct SecretsProvider {
    store: Arc<dyn SecretStore>,
    config: SecretsConfig,
    current: ArcSwap<Loaded>,
    refreshing: AtomicBool,
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
        let secrets = Secrets::parse(&config.id, &store.fetch(&config.id).await?)?;
        Ok(Arc::new(Self {
            store,
            config,
            current: ArcSwap::from_pointee(Loaded {
                secrets: Arc::new(secrets),
                at: Instant::now(),
            }),
            refreshing: AtomicBool::new(false),
        }))
    }

    /// The current secrets. Never blocks: when the copy is older than the TTL, one background
    /// refresh starts and this call still returns the cached copy.
    pub fn current(self: &Arc<Self>) -> Arc<Secrets> {
        let loaded = self.current.load();
        if loaded.at.elapsed() >= self.config.ttl && !self.refreshing.swap(true, Ordering::AcqRel) {
            let this = Arc::clone(self);
            tokio::spawn(async move {
                this.refresh().await;
                this.refreshing.store(false, Ordering::Release);
            });
        }
        Arc::clone(&loaded.secrets)
    }

    /// Fetches again now; on failure the old copy stays and a later call retries.
    pub async fn refresh(&self) {
        let fetched = self
            .store
            .fetch(&self.config.id)
            .await
            .and_then(|json| Secrets::parse(&self.config.id, &json));
        match fetched {
            Ok(secrets) => self.current.store(Arc::new(Loaded {
                secrets: Arc::new(secrets),
                at: Instant::now(),
            })),
            Err(err) => {
                tracing::warn!(error = %err, "secret refresh failed; keeping the cached copy");
            }
        }
    }
}
