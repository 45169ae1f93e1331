//! Cold start: configuration, clients, the secret and the JWKS, read once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use workplace_cache::{CacheConfig, DynamoCacheStore};
use workplace_connectors::ConnectorsConfig;
use workplace_ratelimit::{RateLimitConfig, RateLimiter, SystemClock};
use workplace_secrets::{
    SecretStore, SecretsConfig, SecretsError, SecretsManagerStore, SecretsProvider,
};
use workplace_tenants::{TenantDirectory, TenantStore};

use super::runtime::{CacheBackend, Runtime, Sources, jwks_verifier, problem};
use super::secrets::SecretSource;
use super::tenancy::TenantSecrets;
use super::tls::{RootCertificates, TlsSetupError};
use crate::config::{Config, ConfigErrors, Lookup};

pub(super) async fn init(env: Lookup<'_>) -> Result<Runtime, ConfigErrors> {
    // aws-lc seeds its random generator once per process from CPU jitter, built at -O0: ~30 ms of
    // CPU on the first random byte anyone asks for (`make profile` found it inside the first
    // shared-cache write, a call's cost). Started here, on its own thread, it overlaps the reads
    // below and is paid in Init, where the first TLS handshake would pay it in a deployment.
    let seeding = tokio::task::spawn_blocking(|| aws_lc_rs::rand::fill(&mut [0_u8; 1]).is_ok());
    let runtime = build(env).await;
    if !matches!(seeding.await, Ok(true)) {
        tracing::warn!("the random generator could not be seeded at cold start");
    }
    runtime
}

async fn build(env: Lookup<'_>) -> Result<Runtime, ConfigErrors> {
    let mut problems = Vec::new();
    let config = Config::load(env).map_err(|e| problems.extend(e.0)).ok();
    // The connector settings as read, by name: a tenant's own settings replace some of them.
    let read = std::sync::Mutex::new(BTreeMap::new());
    let recording = |name: &str| {
        let value = env(name);
        read.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_owned(), value.clone());
        value
    };
    let connectors = ConnectorsConfig::from_lookup(&recording)
        .map_err(|e| problems.extend(e.into_iter().map(|p| problem(p.setting, p.problem))))
        .ok();
    let secrets_config = SecretsConfig::from_lookup(env)
        .map_err(|e| problems.push(problem("SECRETS_ID", e.to_string())))
        .ok();
    let limits = RateLimitConfig::from_lookup(env)
        .map_err(|e| problems.extend(e.into_iter().map(|(s, p)| problem(s, p))))
        .ok()
        .flatten();
    let cache = CacheConfig::from_lookup(env)
        .map_err(|e| problems.extend(e.into_iter().map(|(s, p)| problem(s, p))))
        .ok()
        .flatten();
    // The platform's root certificates are read once, for both HTTP clients.
    let clients = RootCertificates::load()
        .and_then(|roots| Ok((roots.http_client()?, roots.aws_http_client()?)))
        .map_err(|err| problems.push(problem("HTTP_CLIENT", err.to_string())))
        .ok();
    let (Some(config), Some(connectors), Some(secrets_config), Some((http, aws_http))) =
        (config, connectors, secrets_config, clients)
    else {
        return Err(ConfigErrors(problems));
    };
    if !problems.is_empty() {
        return Err(ConfigErrors(problems));
    }

    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(aws_http)
        .load()
        .await;
    let store: Arc<dyn SecretStore> = Arc::new(SecretsManagerStore::new(&aws));
    let cache = cache.map(|config| CacheBackend {
        store: Arc::new(DynamoCacheStore::from_sdk(&aws, &config)),
        config,
    });
    let limiter = limits.map(|limits| {
        RateLimiter::new(
            dynamodb(&aws, limits.timeout),
            limits,
            Box::new(SystemClock),
        )
    });
    if let Some(limiter) = &limiter
        && limiter.max_cost() < crate::tools::MAX_CALL_COST
    {
        tracing::warn!(
            smallest_burst = limiter.max_cost(),
            most_expensive_call = crate::tools::MAX_CALL_COST,
            "a rate-limit burst is smaller than the most expensive call; such calls will be refused"
        );
    }
    // The JWKS does not depend on the secret: fetch both at once.
    let jwks = jwks_verifier(&config, &http);
    let service_token_secret = config.service_tokens.as_ref().map(|tokens| SecretsConfig {
        id: tokens.secret_id.clone(),
        ttl: secrets_config.ttl,
        timeouts: secrets_config.timeouts,
    });
    let service_store = Arc::clone(&store);
    let tenant_secrets = TenantSecrets {
        store: Arc::clone(&store),
        ttl: secrets_config.ttl,
        timeouts: secrets_config.timeouts,
    };
    let (provider, service_provider, _, _) = tokio::join!(
        SecretsProvider::load(store, secrets_config),
        async move {
            match service_token_secret {
                Some(config) => SecretsProvider::load(service_store, config).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            if let Some(jwks) = &jwks
                && let Err(err) = jwks.prefetch().await
            {
                tracing::warn!(error = %err, "JWKS prefetch failed; will retry on the first token");
            }
        },
        // Opens the DynamoDB connection (DNS, TCP, TLS) during Init, not inside the first call's
        // limiter deadline.
        async {
            if let Some(limiter) = &limiter {
                limiter.warm().await;
            }
        }
    );
    let secret_problem = |setting: &'static str, err: SecretsError| {
        let text = match &err {
            SecretsError::Unavailable { .. } => format!("could not read the secret: {err}"),
            other => other.to_string(),
        };
        problem(setting, text)
    };
    let mut problems = Vec::new();
    let provider = provider
        .map_err(|err| problems.push(secret_problem("SECRETS_ID", err)))
        .ok();
    let service_provider = service_provider
        .map_err(|err| problems.push(secret_problem("SERVICE_TOKEN_SECRET_ID", err)))
        .ok()
        .flatten();
    let Some(provider) = provider.filter(|_| problems.is_empty()) else {
        return Err(ConfigErrors(problems));
    };
    // A slow tenants table must not hold a request; a container that read it once keeps serving
    // its copy through an outage (`TenantDirectory::tenants`).
    let tenants = config.tenants.as_ref().map(|tenants| {
        Arc::new(TenantDirectory::new(
            TenantStore::new(
                dynamodb(&aws, Duration::from_secs(3)),
                tenants.table.clone(),
            ),
            tenants.ttl,
            crate::catalogue::policy_tools(),
        ))
    });
    let runtime = Runtime::build_with_cache(
        config,
        jwks,
        SecretSource::Provider {
            main: provider,
            service_token: service_provider,
        },
        Sources::Configured(Box::new(connectors)),
        http,
        limiter,
        cache,
    )?;
    Ok(match tenants {
        Some(directory) => {
            let read = read
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            runtime.with_tenant_sources(directory, read, Some(tenant_secrets))
        }
        None => runtime,
    })
}

/// A DynamoDB client whose every call is bounded twice, per operation (retries included) by
/// `operation` and per attempt by at most a second, so a stalled connection cannot hold a
/// request past `operation`.
fn dynamodb(aws: &aws_config::SdkConfig, operation: Duration) -> aws_sdk_dynamodb::Client {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(operation)
        .operation_attempt_timeout(operation.min(Duration::from_secs(1)))
        .build();
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(aws)
            .timeout_config(timeouts)
            .build(),
    )
}

/// The HTTP client a function builds at cold start ([`RootCertificates::http_client`]), for tests
/// and tools that build no AWS client beside it.
pub fn http_client() -> Result<reqwest::Client, TlsSetupError> {
    RootCertificates::load()?.http_client()
}
