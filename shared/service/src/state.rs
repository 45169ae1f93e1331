//! Everything a function builds once at cold start and reuses on every warm call.
//!
//! Cold start reads the configuration, then loads the secret and the identity provider's JWKS
//! concurrently. The parts that depend on secret values (the service-token verifier and the
//! connectors' token brokers) are rebuilt, without network calls, when the secrets provider picks
//! up a rotation. A cold start that failed for a transient reason (Secrets Manager unreachable) is
//! retried by a later request instead of leaving a warm container broken until it is recycled.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;
use workplace_auth::{
    Authenticator, HttpJwksFetcher, JwksVerifier, JwksVerifierConfig, ServiceTokenVerifier,
};
use workplace_connectors::{ConnectorsConfig, Source, UpstreamCredentials, build_sources};
use workplace_ratelimit::{RateLimitConfig, RateLimiter, SystemClock};
use workplace_secrets::{
    Secrets, SecretsConfig, SecretsError, SecretsManagerStore, SecretsProvider,
};

use crate::config::{Config, ConfigErrors, ConfigProblem, Lookup};
use crate::record::{QueryHasher, RecordSink, StdoutSink};
use crate::search::SearchEngine;

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

/// Where secret values come from.
pub enum SecretSource {
    /// Secrets Manager, refreshed in the background: the project secret and, only when service
    /// tokens are on, the service-token secret (`SERVICE_TOKEN_SECRET_ID`), which holds their key
    /// apart from the credentials every function and the extension can read.
    Provider {
        /// The project secret (`SECRETS_ID`).
        main: Arc<SecretsProvider>,
        /// The service-token secret.
        service_token: Option<Arc<SecretsProvider>>,
    },
    /// Fixed values (tests); its `jwt_secret_key` plays the service-token secret.
    Fixed(Arc<Secrets>),
}

/// The secret values parts are built from; compared by pointer to notice a rotation.
#[derive(Clone)]
struct CurrentSecrets {
    main: Arc<Secrets>,
    service_token: Option<Arc<Secrets>>,
}

impl CurrentSecrets {
    fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.main, &other.main)
            && match (&self.service_token, &other.service_token) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl SecretSource {
    fn current(&self) -> CurrentSecrets {
        match self {
            Self::Provider {
                main,
                service_token,
            } => CurrentSecrets {
                main: main.current(),
                service_token: service_token.as_ref().map(SecretsProvider::current),
            },
            Self::Fixed(secrets) => CurrentSecrets {
                main: Arc::clone(secrets),
                service_token: Some(Arc::clone(secrets)),
            },
        }
    }
}

/// Where the search sources come from.
pub enum Sources {
    /// Built from configuration and the secret's credentials.
    Configured(Box<ConnectorsConfig>),
    /// Given (tests).
    Fixed(Vec<Arc<dyn Source>>),
}

/// The working parts of a configured function.
pub struct Runtime {
    /// The configuration.
    pub config: Config,
    /// The rate limiter, when `RATE_LIMIT_TABLE` is set.
    pub limiter: Option<RateLimiter>,
    jwks: Option<Arc<JwksVerifier>>,
    secrets: SecretSource,
    sources: Sources,
    http: reqwest::Client,
    parts: ArcSwap<Parts>,
}

/// The parts built from secret values.
pub struct Parts {
    /// Token verification.
    pub auth: Authenticator,
    /// The sources and the fan-out.
    pub engine: SearchEngine,
    /// Keys the query hash of records.
    pub query_hasher: QueryHasher,
    secrets: CurrentSecrets,
}

fn problem(setting: &'static str, text: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        setting,
        problem: text.into(),
    }
}

impl Runtime {
    /// Builds the runtime; every problem is reported at once. `jwks` comes from
    /// [`jwks_verifier`], so cold start can prefetch keys while the secret loads.
    pub fn build(
        config: Config,
        jwks: Option<Arc<JwksVerifier>>,
        secrets: SecretSource,
        sources: Sources,
        http: reqwest::Client,
        limiter: Option<RateLimiter>,
    ) -> Result<Self, ConfigErrors> {
        let current = secrets.current();
        let parts = build_parts(&config, jwks.as_ref(), &sources, &http, current)?;
        Ok(Self {
            config,
            limiter,
            jwks,
            secrets,
            sources,
            http,
            parts: ArcSwap::from_pointee(parts),
        })
    }

    /// The current parts, rebuilt first if the secret was rotated since they were built.
    pub fn parts(&self) -> Arc<Parts> {
        let parts = self.parts.load_full();
        let current = self.secrets.current();
        if parts.secrets.same_as(&current) {
            return parts;
        }
        match build_parts(
            &self.config,
            self.jwks.as_ref(),
            &self.sources,
            &self.http,
            current,
        ) {
            Ok(fresh) => {
                tracing::info!("secret rotated; credentials reloaded");
                let fresh = Arc::new(fresh);
                self.parts.store(Arc::clone(&fresh));
                fresh
            }
            Err(errors) => {
                tracing::error!(%errors, "the rotated secret is unusable; keeping the previous credentials");
                parts
            }
        }
    }
}

/// The OIDC verifier the configuration asks for; its key cache lives as long as the container.
pub fn jwks_verifier(config: &Config, http: &reqwest::Client) -> Option<Arc<JwksVerifier>> {
    config.oidc.as_ref().map(|oidc| {
        Arc::new(JwksVerifier::new(
            JwksVerifierConfig {
                issuer: oidc.issuer.clone(),
                audience: config.audience(),
                min_refetch_interval: Duration::from_secs(60),
                scope_policy: oidc.scope_policy,
            },
            Arc::new(HttpJwksFetcher::new(http.clone(), oidc.jwks_url.clone())),
        ))
    })
}

fn build_parts(
    config: &Config,
    jwks: Option<&Arc<JwksVerifier>>,
    sources: &Sources,
    http: &reqwest::Client,
    current: CurrentSecrets,
) -> Result<Parts, ConfigErrors> {
    let mut problems = Vec::new();
    // Service tokens exist only when configured, and their key only ever comes from their own
    // secret: the project secret's `jwt_secret_key`, if any, is ignored.
    let key = current
        .service_token
        .as_deref()
        .and_then(|s| s.jwt_secret_key.as_ref());
    let service = match (&config.service_tokens, key) {
        (None, _) => None,
        (Some(_), None) => {
            problems.push(problem(
                "SERVICE_TOKEN_SECRET_ID",
                "the service-token secret has no `jwt_secret_key`",
            ));
            None
        }
        (Some(_), Some(key))
            if key.expose_secret().len() < ServiceTokenVerifier::MIN_SECRET_BYTES =>
        {
            problems.push(problem(
                "SERVICE_TOKEN_SECRET_ID",
                format!(
                    "the service-token key must be at least {} bytes long",
                    ServiceTokenVerifier::MIN_SECRET_BYTES
                ),
            ));
            None
        }
        (Some(tokens), Some(key)) => Some(ServiceTokenVerifier::new(
            &config.service_token_issuer,
            &config.audience(),
            key,
            tokens.subjects.clone(),
            tokens.max_lifetime,
        )),
    };
    if jwks.is_none() && service.is_none() && problems.is_empty() {
        problems.push(problem(
            "DESCOPE_ISSUER",
            "no token issuer is configured: set DESCOPE_PROJECT_ID and DESCOPE_ISSUER (or, for service callers only, SERVICE_TOKEN_SUBJECTS and SERVICE_TOKEN_SECRET_ID)",
        ));
    }
    let secrets = Arc::clone(&current.main);
    let sources = match sources {
        Sources::Fixed(sources) => sources.clone(),
        Sources::Configured(connectors) => {
            let credentials = UpstreamCredentials {
                descope_management_key: secrets.descope_management_key.clone(),
                google_service_account: secrets.google_service_account.clone(),
                notion_token: secrets.notion_token.clone(),
                microsoft_client_secret: secrets.microsoft_client_secret.clone(),
            };
            build_sources(connectors, &credentials, http).unwrap_or_else(|errors| {
                problems.extend(errors.into_iter().map(|p| problem(p.setting, p.problem)));
                Vec::new()
            })
        }
    };
    if !problems.is_empty() {
        return Err(ConfigErrors(problems));
    }
    let query_hasher = current
        .main
        .query_hash_key
        .as_ref()
        .map_or_else(QueryHasher::random, |key| {
            QueryHasher::new(key.expose_secret().as_bytes())
        });
    Ok(Parts {
        auth: Authenticator::new(jwks.cloned(), service),
        engine: SearchEngine::new(sources, config.search),
        query_hasher,
        secrets: current,
    })
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

async fn init(env: Lookup<'_>) -> Result<Runtime, ConfigErrors> {
    let mut problems = Vec::new();
    let config = Config::load(env).map_err(|e| problems.extend(e.0)).ok();
    let connectors = ConnectorsConfig::from_lookup(env)
        .map_err(|e| problems.extend(e.into_iter().map(|p| problem(p.setting, p.problem))))
        .ok();
    let secrets_config = SecretsConfig::from_lookup(env)
        .map_err(|e| problems.push(problem("SECRETS_ID", e.to_string())))
        .ok();
    let limits = RateLimitConfig::from_lookup(env)
        .map_err(|e| problems.extend(e.into_iter().map(|(s, p)| problem(s, p))))
        .ok()
        .flatten();
    let http = match http_client() {
        Ok(client) => Some(client),
        Err(err) => {
            problems.push(problem("HTTP_CLIENT", format!("could not be built: {err}")));
            None
        }
    };
    let (Some(config), Some(connectors), Some(secrets_config), Some(http)) =
        (config, connectors, secrets_config, http)
    else {
        return Err(ConfigErrors(problems));
    };
    if !problems.is_empty() {
        return Err(ConfigErrors(problems));
    }

    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let store = Arc::new(SecretsManagerStore::new(&aws));
    let limiter = limits.map(|limits| {
        // Every DynamoDB call is bounded twice: per attempt and per operation (retries included),
        // so a stalled connection cannot hold a request beyond the limiter's own deadline.
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .operation_timeout(limits.timeout)
            .operation_attempt_timeout(limits.timeout.min(Duration::from_secs(1)))
            .build();
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(&aws)
            .timeout_config(timeouts)
            .build();
        RateLimiter::new(
            aws_sdk_dynamodb::Client::from_conf(dynamodb),
            limits,
            Box::new(SystemClock),
        )
    });
    // The JWKS does not depend on the secret: fetch both at once.
    let jwks = jwks_verifier(&config, &http);
    let service_token_secret = config.service_tokens.as_ref().map(|tokens| SecretsConfig {
        id: tokens.secret_id.clone(),
        ttl: secrets_config.ttl,
        timeouts: secrets_config.timeouts,
    });
    let service_store = Arc::clone(&store);
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
    Runtime::build(
        config,
        jwks,
        SecretSource::Provider {
            main: provider,
            service_token: service_provider,
        },
        Sources::Configured(Box::new(connectors)),
        http,
        limiter,
    )
}

/// The one HTTP client of the process: connection pooling and TLS set-up are paid once. It follows
/// no redirects, so no upstream redirect can carry a bearer token elsewhere; the Graph connector
/// follows its one redirect itself.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .pool_idle_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("workplace-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Fixed secrets holding only a service-token key, for tests (service tokens still need
/// `SERVICE_TOKEN_SUBJECTS` in the configuration).
pub fn fixed_secrets(jwt_secret_key: &str) -> SecretSource {
    SecretSource::Fixed(Arc::new(Secrets {
        jwt_secret_key: Some(SecretString::from(jwt_secret_key.to_owned())),
        ..Secrets::default()
    }))
}
