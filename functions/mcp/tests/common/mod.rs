//! The endpoint tests' vocabulary, over the shared test kit (`workplace-testkit`): one event
//! through the real service, as Lambda would deliver it.

#![allow(dead_code, unreachable_pub, unused_imports, clippy::panic)]

use std::sync::Arc;

use lambda_http::{Body, Response};
use serde_json::{Value, json};
use tower::ServiceExt;
use workplace_connectors::{Source, SourceKind};
use workplace_ratelimit::RateLimiter;
use workplace_service::record::InvocationRecord;
pub use workplace_testkit::{Event, FixedSource, TestState, all_scopes, body, header};

pub const RESOURCE: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/mcp";
pub const PRM: &str =
    "https://abc123.execute-api.us-east-1.amazonaws.com/.well-known/oauth-protected-resource";

/// A fixture from `tests/events/`, with the token substituted (or the header removed).
pub fn event(name: &str, token: Option<&str>) -> Value {
    Event::fixture(name).token(token).0
}

pub fn with_header(event: Value, name: &str, value: Option<&str>) -> Value {
    Event(event).header(name, value).0
}

pub fn with_method(event: Value, method: &str) -> Value {
    Event(event).method(method).0
}

pub fn with_body(event: Value, body: &Value) -> Value {
    Event(event).json_body(body).0
}

/// A JSON-RPC `tools/call` body on the legacy (initialize-era) wire.
pub fn call_body(tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}

pub fn token(scope: &str) -> String {
    workplace_testkit::Tokens::for_resource(RESOURCE).scoped(scope)
}

pub fn token_with(extra: Value) -> String {
    workplace_testkit::Tokens::for_resource(RESOURCE).with(extra)
}

/// Documents of 300 characters, for the paging tests.
fn digits(_: &str) -> String {
    "0123456789".repeat(30)
}

/// Three hits from every source; each document is 300 characters long.
pub fn all_sources() -> Vec<Arc<dyn Source>> {
    SourceKind::ALL
        .iter()
        .copied()
        .map(|kind| FixedSource::with_text(kind, 3, digits))
        .collect()
}

/// The endpoint under test and what it recorded.
pub struct TestApp {
    pub service: workplace_mcp::McpService,
    pub test: TestState,
}

pub fn app() -> TestApp {
    app_with(all_sources(), &[], None)
}

pub fn app_with(
    sources: Vec<Arc<dyn Source>>,
    extra_env: &[(&str, &str)],
    limiter: Option<RateLimiter>,
) -> TestApp {
    let mut env = vec![("MCP_RESOURCE_URL", RESOURCE)];
    env.extend_from_slice(extra_env);
    let test = TestState::new("mcp", sources, &env, limiter);
    let service =
        workplace_mcp::service(Arc::clone(&test.state), &|name| test.lookup(name)).unwrap();
    TestApp { service, test }
}

impl TestApp {
    /// Runs one API Gateway v2 event through the endpoint, as Lambda would.
    pub async fn send(&self, event: &Value) -> Response<Body> {
        let request = Event(event.clone()).request();
        self.service.clone().oneshot(request).await.unwrap()
    }

    pub fn last_record(&self) -> InvocationRecord {
        self.test.last_record()
    }
}
