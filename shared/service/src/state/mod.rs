//! Everything a function builds once at cold start and reuses on every warm call.
//!
//! Cold start reads the configuration, then loads the secret and the identity provider's JWKS
//! concurrently. The parts that depend on secret values (the service-token verifier and the
//! connectors' token brokers) are rebuilt, without network calls, when the secrets provider picks
//! up a rotation. A refresh that reads the same values is no rotation (the provider keeps the same
//! copy), and a rotation that leaves the connector credentials alone keeps the sources, with their
//! token and text caches. A cold start that failed for a transient reason (Secrets Manager unreachable) is
//! retried by a later request instead of leaving a warm container broken until it is recycled.

mod init;
mod issuers;
mod runtime;
mod secrets;
mod tenancy;
mod tls;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::{ConfigErrors, Lookup};
use crate::record::{RecordSink, StdoutSink};

pub use init::http_client;
pub use runtime::{CacheBackend, Parts, Runtime, Sources, jwks_verifier};
pub use secrets::{SecretSource, fixed_secrets};
pub use tenancy::{TenantSecrets, TenantUnavailable, source_setting_problems};
pub use tls::{RootCertificates, TlsSetupError};

use init::init;

/// How long a failed cold start waits before a request may retry it.
const RETRY_INIT_AFTER: Duration = Duration::from_secs(10);

/// A function's state: the working parts, or why they could not be built.
pub struct AppState {
    /// The function's name, for records.
    pub function: &'static str,
    runtime: ArcSwap<Result<Arc<Runtime>, ConfigErrors>>,
    retry: Option<Retry>,
    /// Where invocation records go.
    pub records: Arc<dyn RecordSink>,
}

/// What a failed cold start needs to try again.
struct Retry {
    env: HashMap<String, String>,
    last: Mutex<Instant>,
}

/// Whether a cold-start failure may go away by itself.
fn transient(errors: &ConfigErrors) -> bool {
    errors.0.iter().any(|p| {
        matches!(p.setting, "SECRETS_ID" | "SERVICE_TOKEN_SECRET_ID")
            && p.problem.starts_with("could not read")
    })
}

impl AppState {
    /// State with a built (or failed) runtime, for tests and embedding.
    pub fn new(
        function: &'static str,
        runtime: Result<Runtime, ConfigErrors>,
        records: Arc<dyn RecordSink>,
    ) -> Self {
        Self {
            function,
            runtime: ArcSwap::from_pointee(runtime.map(Arc::new)),
            retry: None,
            records,
        }
    }

    /// Cold start: reads the configuration once and builds every client. Problems are kept, not
    /// fatal: `/health` reports them and the other routes answer 503, instead of the container
    /// crashing on every start.
    pub async fn cold_start(function: &'static str, env: Lookup<'_>) -> Self {
        let snapshot: HashMap<String, String> = std::env::vars().collect();
        let runtime = init(env).await;
        if let Err(errors) = &runtime {
            tracing::error!(%errors, "configuration is invalid");
        }
        let retry = runtime
            .as_ref()
            .err()
            .filter(|e| transient(e))
            .map(|_| Retry {
                env: snapshot,
                last: Mutex::new(Instant::now()),
            });
        Self {
            function,
            runtime: ArcSwap::from_pointee(runtime.map(Arc::new)),
            retry,
            records: Arc::new(StdoutSink),
        }
    }

    /// The runtime, retrying a transiently failed cold start at most every 10 s.
    pub async fn runtime(&self) -> Result<Arc<Runtime>, ConfigErrors> {
        let current = self.runtime.load_full();
        let (Err(errors), Some(retry)) = (current.as_ref(), &self.retry) else {
            return (*current).clone();
        };
        if !transient(errors) {
            return Err(errors.clone());
        }
        let Ok(mut last) = retry.last.try_lock() else {
            return Err(errors.clone());
        };
        if last.elapsed() < RETRY_INIT_AFTER {
            return Err(errors.clone());
        }
        *last = Instant::now();
        let env = &retry.env;
        let fresh = init(&|name| env.get(name).cloned()).await.map(Arc::new);
        self.runtime.store(Arc::new(fresh.clone()));
        fresh
    }

    /// The runtime as it is now, without retrying (for `/health`).
    pub fn runtime_now(&self) -> Result<Arc<Runtime>, ConfigErrors> {
        (*self.runtime.load_full()).clone()
    }
}
