//! Everything a function builds once at cold start and reuses on every warm call.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use workplace_auth::{
    Authenticator, HttpJwksFetcher, JwksVerifier, JwksVerifierConfig, ServiceTokenVerifier,
};
use workplace_connectors::Source;

use crate::config::{Config, ConfigErrors, ConfigProblem, Lookup};
use crate::record::{RecordSink, StdoutSink};
use crate::search::SearchEngine;

/// A function's state: the parts it needs, or why it could not build them.
pub struct AppState {
    /// The function's name, for records.
    pub function: &'static str,
    /// The working parts, or the configuration problems that prevent them.
    pub runtime: Result<Runtime, ConfigErrors>,
    /// Where invocation records go.
    pub records: Arc<dyn RecordSink>,
}

/// The working parts of a configured function.
pub struct Runtime {
    /// The configuration.
    pub config: Config,
    /// Token verification.
    pub auth: Authenticator,
    /// The sources and the fan-out.
    pub engine: SearchEngine,
}

/// The credentials the runtime needs, read from the secrets provider.
pub struct Credentials {
    /// `jwt_secret_key`: signs service tokens (HS256). `None` disables service tokens.
    pub jwt_secret_key: Option<SecretString>,
}

impl Runtime {
    /// Builds the runtime from configuration, credentials and the sources.
    pub fn build(
        config: Config,
        credentials: &Credentials,
        http: reqwest::Client,
        sources: Vec<Arc<dyn Source>>,
    ) -> Result<Self, ConfigErrors> {
        let audience = config.audience();
        let oidc = config.oidc.as_ref().map(|oidc| {
            JwksVerifier::new(
                JwksVerifierConfig {
                    issuer: oidc.issuer.clone(),
                    audience: audience.clone(),
                    min_refetch_interval: Duration::from_secs(60),
                },
                Arc::new(HttpJwksFetcher::new(http, oidc.jwks_url.clone())),
            )
        });
        let service = match &credentials.jwt_secret_key {
            Some(secret)
                if secret.expose_secret().len() < ServiceTokenVerifier::MIN_SECRET_BYTES =>
            {
                return Err(ConfigErrors(vec![ConfigProblem {
                    setting: "jwt_secret_key",
                    problem: format!(
                        "must be at least {} bytes long",
                        ServiceTokenVerifier::MIN_SECRET_BYTES
                    ),
                }]));
            }
            Some(secret) => Some(ServiceTokenVerifier::new(
                &config.service_token_issuer,
                &audience,
                secret,
            )),
            None => None,
        };
        if oidc.is_none() && service.is_none() {
            return Err(ConfigErrors(vec![ConfigProblem {
                setting: "DESCOPE_ISSUER",
                problem:
                    "no token issuer is configured: set DESCOPE_PROJECT_ID and DESCOPE_ISSUER, \
                          or provide jwt_secret_key for service tokens"
                        .into(),
            }]));
        }
        let engine = SearchEngine::new(sources, config.search);
        Ok(Self {
            auth: Authenticator::new(oidc, service),
            engine,
            config,
        })
    }
}

impl AppState {
    /// Cold start: reads the configuration once and builds every client. Problems are kept, not
    /// fatal: `/health` reports them and the other routes answer 503, instead of the container
    /// crashing on every start.
    pub async fn cold_start(function: &'static str, env: Lookup<'_>) -> Self {
        let http = match http_client() {
            Ok(client) => client,
            Err(err) => {
                tracing::error!(error = %err, "could not build the HTTP client");
                return Self::failed(function, "HTTP_CLIENT", "could not be built".into());
            }
        };
        let credentials = Credentials {
            jwt_secret_key: env("JWT_SECRET_KEY")
                .filter(|k| !k.is_empty())
                .map(SecretString::from),
        };
        let runtime = Config::load(env)
            .and_then(|config| Runtime::build(config, &credentials, http, Vec::new()));
        match &runtime {
            Ok(runtime) => {
                if let Some(oidc) = runtime.auth.oidc()
                    && let Err(err) = oidc.prefetch().await
                {
                    tracing::warn!(error = %err, "JWKS prefetch failed; will retry on first token");
                }
            }
            Err(errors) => tracing::error!(%errors, "configuration is invalid"),
        }
        Self {
            function,
            runtime,
            records: Arc::new(StdoutSink),
        }
    }

    fn failed(function: &'static str, setting: &'static str, problem: String) -> Self {
        Self {
            function,
            runtime: Err(ConfigErrors(vec![ConfigProblem { setting, problem }])),
            records: Arc::new(StdoutSink),
        }
    }
}

/// The one HTTP client of the process: connection pooling and TLS set-up are paid once.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("workplace-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
}
