//! The handler tests' vocabulary, over the shared test kit (`workplace-testkit`).

#![allow(dead_code, unreachable_pub, unused_imports)]

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use workplace_connectors::Source;

/// Keys, claims and encoders of the JWT attack suite, and its corpus of tokens to refuse.
pub mod jwt;
pub mod jwt_corpus;
/// A strict reader of the search text rendering.
pub mod render;

pub type TestApp = TestState;
pub use workplace_testkit::{
    Event, FixedSource, SECRET, TestState, all_scopes, all_sources, body, header,
};

pub const RESOURCE: &str = "https://api.example.com/mcp";

/// A fixture from `tests/events/`; a token replaces the one in its `authorization` header (a
/// fixture without the header stays without), and `None` removes the header.
pub fn event(name: &str, token: Option<&str>) -> Value {
    let fixture = Event::fixture(name);
    let has_header = fixture.0["headers"].get("authorization").is_some();
    match token {
        Some(_) if !has_header => fixture.0,
        token => fixture.token(token).0,
    }
}

pub fn with_method(event: Value, method: &str) -> Value {
    Event(event).method(method).0
}

pub fn with_body(event: Value, body: &str) -> Value {
    Event(event).body(body).0
}

pub fn with_header(event: Value, name: &str, value: Option<&str>) -> Value {
    Event(event).header(name, value).0
}

pub fn with_path(event: Value, path: &str) -> Value {
    Event(event).path(path).0
}

/// A `tools/call` event for `workplace_search` with these arguments.
pub fn call_event(token: Option<&str>, arguments: Value) -> Value {
    with_body(
        event("tool_call_post.json", token),
        &json!({"name": "workplace_search", "arguments": arguments}).to_string(),
    )
}

pub fn request(event: &Value) -> Request {
    Event(event.clone()).request()
}

pub fn token(scope: &str) -> String {
    workplace_testkit::Tokens::for_resource(RESOURCE).scoped(scope)
}

pub fn token_with(extra: Value) -> String {
    workplace_testkit::Tokens::for_resource(RESOURCE).with(extra)
}

pub fn app(function: &'static str, sources: Vec<Arc<dyn Source>>) -> TestState {
    app_with_env(function, sources, &[("MCP_RESOURCE_URL", RESOURCE)])
}

pub fn app_with_env(
    function: &'static str,
    sources: Vec<Arc<dyn Source>>,
    pairs: &[(&str, &str)],
) -> TestState {
    TestState::new(function, sources, pairs, None)
}

/// The `workplace-search` function over the real connectors against fresh fakes, accepting
/// service tokens for `subjects` (comma-separated): the set-up of every test that acts as demo
/// users through the REST tools.
pub async fn fake_stack(subjects: &str) -> (upstream_fakes::RunningFakes, TestState) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("SERVICE_TOKEN_SUBJECTS", subjects),
        ],
    );
    (fakes, app)
}

pub fn app_with_limiter(
    function: &'static str,
    sources: Vec<Arc<dyn Source>>,
    pairs: &[(&str, &str)],
    limiter: Option<workplace_ratelimit::RateLimiter>,
) -> TestState {
    TestState::new(function, sources, pairs, limiter)
}

/// Asserts the standard error body and returns its code.
pub fn error_code(response: &Response<Body>) -> String {
    let body = body(response);
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(error["request_id"], "cE2m1hLqoAMEbYw=", "{body}");
    error["code"].as_str().unwrap().to_owned()
}

/// `structured` validates against `tool`'s advertised `outputSchema` (what the TypeScript SDK
/// checks on every result, errors included).
pub fn assert_fits(tool: &str, structured: &Value) {
    let tools = workplace_service::catalogue::tools();
    let schema = &tools
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == tool)
        .unwrap()["outputSchema"];
    let validator = jsonschema::validator_for(schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(structured)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{tool}: {problems:?} in {structured}");
}

/// The names of the tools a `tools/list` body lists, in order.
pub fn tool_names(body: &Value) -> Vec<String> {
    body["tools"]
        .as_array()
        .expect("a tools/list body")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A limiter on `moto`'s table `limits` with `user` as the per-user limit, wide client and global
/// limits, one write per call (the tests check each admission's headers) and a generous deadline
/// (these tests are about which calls are admitted, not about speed).
pub async fn limiter(
    moto: &moto_harness::Moto,
    user: workplace_ratelimit::Limit,
    failure_policy: workplace_ratelimit::FailurePolicy,
) -> workplace_ratelimit::RateLimiter {
    use workplace_ratelimit::{Limit, RateLimitConfig, RateLimiter, SystemClock};
    let client = moto.create_rate_limit_table("limits").await.unwrap();
    let wide = Limit {
        rate: 1000.0,
        burst: 1000,
    };
    let config = RateLimitConfig {
        table: "limits".into(),
        user,
        client: wide,
        global: wide,
        global_shards: 1,
        timeout: std::time::Duration::from_secs(60),
        failure_policy,
        fail_open_per_minute: 60,
        lease_size: 1,
        lease_lifetime: std::time::Duration::from_secs(1),
    };
    RateLimiter::new(client, config, Box::new(SystemClock))
}
