//! A function's state built the way cold start builds it, from settings and fixed parts.

use std::collections::HashMap;
use std::sync::Arc;

use lambda_http::{Body, Response};
use serde_json::Value;
use workplace_connectors::Source;
use workplace_ratelimit::RateLimiter;
use workplace_service::AppState;
use workplace_service::config::Config;
use workplace_service::record::{InvocationRecord, MemorySink, RecordSink};
use workplace_service::state::{Runtime, Sources, fixed_secrets, http_client, jwks_verifier};
use workplace_tenants::TenantDirectory;

use crate::SECRET;

/// A function's state with fixed sources and secrets, and the records it wrote.
pub struct TestState {
    /// The state, as a handler receives it.
    pub state: Arc<AppState>,
    /// Every record written.
    pub records: Arc<MemorySink>,
    /// The settings it was built from.
    pub env: HashMap<String, String>,
}

impl TestState {
    /// `function`'s state over `sources`, with `env` as the environment and an optional limiter.
    pub fn new(
        function: &'static str,
        sources: Vec<Arc<dyn Source>>,
        env: &[(&str, &str)],
        limiter: Option<RateLimiter>,
    ) -> Self {
        let records = Arc::new(MemorySink::default());
        let (state, env) = build(function, sources, env, limiter, None, records.clone());
        Self {
            state: Arc::new(state),
            records,
            env,
        }
    }

    /// [`TestState::new`] serving the organisations in `tenants` (as `TENANTS_TABLE` does).
    pub fn with_tenants(
        function: &'static str,
        sources: Vec<Arc<dyn Source>>,
        env: &[(&str, &str)],
        limiter: Option<RateLimiter>,
        tenants: Arc<TenantDirectory>,
    ) -> Self {
        let records = Arc::new(MemorySink::default());
        let (state, env) = build(
            function,
            sources,
            env,
            limiter,
            Some(tenants),
            records.clone(),
        );
        Self {
            state: Arc::new(state),
            records,
            env,
        }
    }

    /// The newest record.
    pub fn last_record(&self) -> InvocationRecord {
        self.records.records().pop().expect("a record")
    }

    /// A setting, as the function's environment holds it.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

/// `function`'s state over `sources` writing its records to `sink` (a benchmark discards them
/// instead of keeping every one in memory).
pub fn app_state(
    function: &'static str,
    sources: Vec<Arc<dyn Source>>,
    env: &[(&str, &str)],
    sink: Arc<dyn RecordSink>,
) -> AppState {
    build(function, sources, env, None, None, sink).0
}

fn build(
    function: &'static str,
    sources: Vec<Arc<dyn Source>>,
    env: &[(&str, &str)],
    limiter: Option<RateLimiter>,
    tenants: Option<Arc<TenantDirectory>>,
    sink: Arc<dyn RecordSink>,
) -> (AppState, HashMap<String, String>) {
    // Service tokens are opt-in: the kit's tokens name `user-42`, so that subject is allowed
    // unless a test's own settings say otherwise.
    let defaults = [
        ("SERVICE_TOKEN_SUBJECTS", "user-42"),
        ("SERVICE_TOKEN_SECRET_ID", "test/service-token"),
    ];
    let env: HashMap<String, String> = defaults
        .iter()
        .chain(env)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let http = http_client().unwrap();
    let runtime = Config::load(&|name| env.get(name).cloned()).and_then(|config| {
        let jwks = jwks_verifier(&config, &http);
        Runtime::build(
            config,
            jwks,
            fixed_secrets(SECRET),
            Sources::Fixed(sources),
            http,
            limiter,
        )
        .map(|runtime| match tenants {
            Some(directory) => runtime.with_tenants(directory),
            None => runtime,
        })
    });
    (AppState::new(function, runtime, sink), env)
}

/// A response's JSON body.
pub fn body(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body()))
}

/// A response header as text.
pub fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}
