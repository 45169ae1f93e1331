//! The working parts of a configured function, and rebuilding those that depend on secret values
//! when the secret is rotated.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use secrecy::ExposeSecret;
use workplace_auth::{
    Authenticator, HttpJwksFetcher, JwksVerifier, JwksVerifierConfig, ServiceTokenVerifier,
};
use workplace_cache::{CacheConfig, CacheStore, Keyring, SharedCache};
use workplace_connectors::{
    ConnectorsConfig, Source, SourceKind, UpstreamCredentials, build_available_sources,
};
use workplace_ratelimit::RateLimiter;
use workplace_secrets::Secrets;
use workplace_tenants::{Tenant, TenantDirectory};

use super::issuers::TenantIssuers;
use super::secrets::{CurrentSecrets, SecretSource};
use super::tenancy::{Organisations, TenantSecrets, TenantUnavailable};
use crate::config::{Config, ConfigErrors, ConfigProblem};
use crate::record::QueryHasher;
use crate::search::SearchEngine;

/// Where the search sources come from.
pub enum Sources {
    /// Built from configuration and the secret's credentials.
    Configured(Box<ConnectorsConfig>),
    /// Given (tests).
    Fixed(Vec<Arc<dyn Source>>),
}

/// The shared cache's table and settings (`CACHE_TABLE`); its keys come from the secret, so the
/// cache itself is built with the other secret-dependent parts.
#[derive(Clone)]
pub struct CacheBackend {
    /// The table.
    pub store: Arc<dyn CacheStore>,
    /// Its settings.
    pub config: CacheConfig,
}

/// The working parts of a configured function.
pub struct Runtime {
    /// The configuration.
    pub config: Config,
    /// The rate limiter, when `RATE_LIMIT_TABLE` is set.
    pub limiter: Option<RateLimiter>,
    /// The organisations this deployment serves, when `TENANTS_TABLE` is set: every request is
    /// then resolved to one of them and their policy applies instead of `POLICY_*`.
    pub tenants: Option<Arc<TenantDirectory>>,
    organisations: Option<Organisations>,
    issuers: Option<TenantIssuers>,
    jwks: Option<Arc<JwksVerifier>>,
    secrets: SecretSource,
    sources: Sources,
    http: reqwest::Client,
    cache: Option<CacheBackend>,
    parts: ArcSwap<Parts>,
}

/// The parts built from secret values.
pub struct Parts {
    /// Token verification.
    pub auth: Arc<Authenticator>,
    /// The sources and the fan-out.
    pub engine: SearchEngine,
    /// Keys the query hash of records.
    pub query_hasher: QueryHasher,
    /// Why a configured source (or the shared cache) is off (empty when all are usable):
    /// `/health` reports them.
    pub source_problems: Vec<ConfigProblem>,
    /// The cache shared across containers, when `CACHE_TABLE` and the secret's keys are set; the
    /// sources read and write it, and each call awaits its writes before answering.
    pub shared_cache: Option<SharedCache>,
    pub(super) secrets: CurrentSecrets,
    /// The sources `engine` searches, kept so a rotation that leaves their credentials alone
    /// (only the service-token or query-hash key changed) reuses them with their caches.
    pub(super) sources: Vec<Arc<dyn Source>>,
}

pub(super) fn problem(setting: &'static str, text: impl Into<String>) -> ConfigProblem {
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
        Self::build_with_cache(config, jwks, secrets, sources, http, limiter, None)
    }

    /// [`Self::build`] with the shared cache's table, for configured sources.
    pub fn build_with_cache(
        config: Config,
        jwks: Option<Arc<JwksVerifier>>,
        secrets: SecretSource,
        sources: Sources,
        http: reqwest::Client,
        limiter: Option<RateLimiter>,
        cache: Option<CacheBackend>,
    ) -> Result<Self, ConfigErrors> {
        let current = secrets.current();
        let context = BuildInputs {
            config: &config,
            jwks: jwks.as_ref(),
            sources: &sources,
            http: &http,
            cache: cache.as_ref(),
        };
        let parts = build_parts(&context, current, None)?;
        Ok(Self {
            config,
            limiter,
            tenants: None,
            organisations: None,
            issuers: None,
            jwks,
            secrets,
            sources,
            http,
            cache,
            parts: ArcSwap::from_pointee(parts),
        })
    }

    /// Serves the organisations in `directory` (see [`Runtime::tenants`]), each with its own
    /// sources over the given ones, and without secrets of their own (tests).
    #[must_use]
    pub fn with_tenants(self, directory: Arc<TenantDirectory>) -> Self {
        self.with_tenant_sources(directory, BTreeMap::new(), None)
    }

    /// Serves the organisations in `directory`, each with its own sources: the connector
    /// settings the deployment read (`deployment`, by name) with the tenant's in their place,
    /// and the credentials of the tenant's secret, read from `secrets`.
    #[must_use]
    pub fn with_tenant_sources(
        mut self,
        directory: Arc<TenantDirectory>,
        deployment: BTreeMap<String, Option<String>>,
        secrets: Option<TenantSecrets>,
    ) -> Self {
        self.issuers = Some(TenantIssuers::new(
            Arc::clone(&directory),
            self.http.clone(),
            self.config.audience(),
            self.config
                .oidc
                .as_ref()
                .map(|oidc| oidc.scope_policy)
                .unwrap_or_default(),
        ));
        self.tenants = Some(directory);
        self.organisations = Some(Organisations::new(deployment, secrets));
        self
    }

    /// Verifies a token the deployment's own verifiers do not know the issuer of, with the keys
    /// of the tenant that names that issuer (`identity.jwks_url`); `None` without tenants.
    pub async fn verify_tenant_token(
        &self,
        authorization: Option<&[u8]>,
    ) -> Option<Result<workplace_auth::Principal, workplace_auth::AuthError>> {
        Some(self.issuers.as_ref()?.verify(authorization).await)
    }

    /// The parts a request of `tenant` works with: its own sources, token and text caches,
    /// shared-cache names and cursor key (see `state/tenancy.rs`); the deployment's parts
    /// without tenants.
    pub async fn tenant_parts(&self, tenant: &Tenant) -> Result<Arc<Parts>, TenantUnavailable> {
        let base = self.parts();
        let Some(organisations) = &self.organisations else {
            return Ok(base);
        };
        let inputs = BuildInputs {
            config: &self.config,
            jwks: self.jwks.as_ref(),
            sources: &self.sources,
            http: &self.http,
            cache: self.cache.as_ref(),
        };
        organisations.parts(&inputs, &base, tenant).await
    }

    /// The scopes a first sign-in asks for: reading each source this server offers, and nothing
    /// more. The 401 challenge names them and the protected-resource metadata lists them as
    /// `scopes_supported` (the MCP authorization spec: "the minimal set of scopes necessary for
    /// basic functionality"); writing (`add_comment`) is asked for by a 403 step-up when a call
    /// needs it. With no source offered, every source's read scope.
    pub fn sign_in_scopes(&self) -> Vec<&'static str> {
        let parts = self.parts();
        let offered: Vec<&'static str> = SourceKind::ALL
            .iter()
            .filter(|&&kind| parts.engine.source(kind).is_some())
            .map(|kind| kind.scope())
            .collect();
        if offered.is_empty() {
            SourceKind::ALL.iter().map(|kind| kind.scope()).collect()
        } else {
            offered
        }
    }

    /// The current parts, rebuilt first if the secret was rotated since they were built.
    pub fn parts(&self) -> Arc<Parts> {
        let parts = self.parts.load_full();
        let current = self.secrets.current();
        if parts.secrets.same_as(&current) {
            return parts;
        }
        let context = BuildInputs {
            config: &self.config,
            jwks: self.jwks.as_ref(),
            sources: &self.sources,
            http: &self.http,
            cache: self.cache.as_ref(),
        };
        match build_parts(&context, current, Some(&parts)) {
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

/// The secret values the connectors are built from (the Descope management key and each
/// registry entry's `secret_keys`), for [`build_parts`] to compare.
fn credentials(secrets: &Secrets) -> UpstreamCredentials {
    let mut credentials = UpstreamCredentials::default();
    if let Some(key) = &secrets.descope_management_key {
        credentials = credentials.with(UpstreamCredentials::DESCOPE_MANAGEMENT_KEY, key.clone());
    }
    for key in workplace_connectors::registry::secret_keys() {
        if let Some(value) = secrets.upstream.get(key) {
            credentials = credentials.with(key, value.clone());
        }
    }
    credentials
}

/// The key page cursors are signed with: the secret's `cursor_key`, or else one derived from its
/// `query_hash_key` (so a deployment that predates `cursor_key` still pages across containers).
pub(super) fn cursor_key(secrets: &Secrets) -> Option<Vec<u8>> {
    if let Some(key) = &secrets.cursor_key {
        return Some(key.expose_secret().as_bytes().to_vec());
    }
    let base = secrets.query_hash_key.as_ref()?;
    let key = aws_lc_rs::hmac::Key::new(
        aws_lc_rs::hmac::HMAC_SHA256,
        base.expose_secret().as_bytes(),
    );
    Some(
        aws_lc_rs::hmac::sign(&key, b"workplace-mcp page cursors")
            .as_ref()
            .to_vec(),
    )
}

/// Whether two sets of connector credentials hold the same values (compared in memory, never
/// logged); with a shared cache, its keys count too (the brokers and text caches hold it).
fn same_credentials(a: &Secrets, b: &Secrets, shared_cache: bool) -> bool {
    let only_credentials = |s: &Secrets| Secrets {
        descope_management_key: s.descope_management_key.clone(),
        upstream: workplace_connectors::registry::secret_keys()
            .filter_map(|key| Some((key.to_owned(), s.upstream.get(key)?.clone())))
            .collect(),
        query_hash_key: s.query_hash_key.clone().filter(|_| shared_cache),
        cache_keys: if shared_cache {
            s.cache_keys.clone()
        } else {
            Vec::new()
        },
        ..Secrets::default()
    };
    only_credentials(a).same_values(&only_credentials(b))
}

/// Builds the parts from `current`. `previous` (on a rotation) lends its sources, token and text
/// caches included, when the connector credentials did not change.
fn build_parts(
    inputs: &BuildInputs<'_>,
    current: CurrentSecrets,
    previous: Option<&Parts>,
) -> Result<Parts, ConfigErrors> {
    let BuildInputs {
        config,
        jwks,
        sources,
        http,
        cache,
    } = *inputs;
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
        (Some(tokens), Some(key)) => Some(
            ServiceTokenVerifier::new(
                &config.service_token_issuer,
                &config.audience(),
                key,
                tokens.subjects.clone(),
                tokens.max_lifetime,
            )
            .with_identities(tokens.identities.clone()),
        ),
    };
    if jwks.is_none() && service.is_none() && problems.is_empty() {
        problems.push(problem(
            "DESCOPE_ISSUER",
            "no token issuer is configured: set DESCOPE_PROJECT_ID and DESCOPE_ISSUER (or, for service callers only, SERVICE_TOKEN_SUBJECTS and SERVICE_TOKEN_SECRET_ID)",
        ));
    }
    let secrets = Arc::clone(&current.main);
    let mut source_problems = Vec::new();
    let reusable =
        previous.filter(|p| same_credentials(&p.secrets.main, &secrets, cache.is_some()));
    let (sources, shared_cache) = match (sources, reusable) {
        (Sources::Fixed(sources), _) => (sources.clone(), None),
        (Sources::Configured(_), Some(previous)) => {
            source_problems.clone_from(&previous.source_problems);
            (previous.sources.clone(), previous.shared_cache.clone())
        }
        (Sources::Configured(connectors), None) => {
            let credentials = credentials(&secrets);
            let shared_cache = cache.and_then(|backend| {
                shared_cache(backend, &secrets)
                    .map_err(|p| {
                        tracing::error!(setting = p.setting, problem = %p.problem, "the shared cache is off");
                        source_problems.push(p);
                    })
                    .ok()
            });
            // A source whose credential is unusable is disabled on its own (it answers `error`
            // with the reason); the function keeps serving the others and `/health` says degraded.
            let built =
                build_available_sources(connectors, &credentials, http, shared_cache.as_ref());
            source_problems.extend(
                built
                    .problems
                    .into_iter()
                    .map(|p| problem(p.setting, p.problem)),
            );
            (built.sources, shared_cache)
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
    let engine = SearchEngine::new(sources.clone(), config.search);
    let engine = match cursor_key(&current.main) {
        Some(key) => engine.with_cursor_key(&key),
        None => {
            tracing::warn!(
                "the secret has neither cursor_key nor query_hash_key: page cursors work only in the container that issued them"
            );
            engine
        }
    };
    Ok(Parts {
        auth: Arc::new(Authenticator::new(jwks.cloned(), service)),
        engine,
        sources,
        query_hasher,
        source_problems,
        shared_cache,
        secrets: current,
    })
}

/// What [`build_parts`] builds from besides the secret.
#[derive(Clone, Copy)]
pub(super) struct BuildInputs<'a> {
    pub(super) config: &'a Config,
    jwks: Option<&'a Arc<JwksVerifier>>,
    pub(super) sources: &'a Sources,
    pub(super) http: &'a reqwest::Client,
    pub(super) cache: Option<&'a CacheBackend>,
}

/// The shared cache over `backend` with the secret's keys: items named under a key derived from
/// `query_hash_key`, sealed under `cache_keys`. Either missing or unusable turns the cache off
/// (the problem is logged and reported by `/health`), never the function.
pub(super) fn shared_cache(
    backend: &CacheBackend,
    secrets: &Secrets,
) -> Result<SharedCache, ConfigProblem> {
    if secrets.cache_keys.is_empty() {
        return Err(problem(
            "cache_keys",
            "is missing from the secret; CACHE_TABLE needs it (the shared cache is off)",
        ));
    }
    let lookup = secrets.query_hash_key.as_ref().ok_or_else(|| {
        problem(
            "query_hash_key",
            "is missing from the secret; the shared cache names its items with it (the shared cache is off)",
        )
    })?;
    let keys = Keyring::new(lookup.expose_secret().as_bytes(), &secrets.cache_keys)
        .map_err(|err| problem("cache_keys", format!("{err} (the shared cache is off)")))?;
    Ok(SharedCache::new(
        Arc::clone(&backend.store),
        keys,
        backend.config.clone(),
    ))
}
