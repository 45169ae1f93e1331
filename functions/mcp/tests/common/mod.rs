//! Helpers for the endpoint tests: API Gateway v2 fixtures, tokens, a state with source doubles,
//! and running one event through the real service.

#![allow(dead_code, unreachable_pub, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use tower::ServiceExt;
use workplace_connectors::{
    BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext,
};
use workplace_mcp::gate::{CallGate, Unlimited};
use workplace_service::AppState;
use workplace_service::config::Config;
use workplace_service::record::{InvocationRecord, MemorySink};
use workplace_service::state::{Runtime, Sources, fixed_secrets, http_client, jwks_verifier};

pub const RESOURCE: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/mcp";
pub const PRM: &str =
    "https://abc123.execute-api.us-east-1.amazonaws.com/.well-known/oauth-protected-resource";
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const ALL_SCOPES: &str =
    "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint";

/// A fixture from `tests/events/`, with the token substituted (or the header removed).
pub fn event(name: &str, token: Option<&str>) -> Value {
    let path = format!("{}/../../tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut event: Value = serde_json::from_str(&text).unwrap();
    let headers = event["headers"].as_object_mut().unwrap();
    match token {
        Some(token) => {
            headers.insert("authorization".into(), json!(format!("Bearer {token}")));
        }
        None => {
            headers.remove("authorization");
        }
    }
    event
}

pub fn with_header(mut event: Value, name: &str, value: Option<&str>) -> Value {
    let headers = event["headers"].as_object_mut().unwrap();
    match value {
        Some(v) => headers.insert(name.into(), json!(v)),
        None => headers.remove(name),
    };
    event
}

pub fn with_method(mut event: Value, method: &str) -> Value {
    event["requestContext"]["http"]["method"] = json!(method);
    event
}

pub fn with_body(mut event: Value, body: &Value) -> Value {
    event["body"] = json!(body.to_string());
    event
}

/// A JSON-RPC `tools/call` body on the legacy (initialize-era) wire.
pub fn call_body(tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}

pub fn token(scope: &str) -> String {
    token_with(json!({"scope": scope}))
}

pub fn token_with(extra: Value) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({
        "iss": "workplace-mcp", "aud": RESOURCE, "sub": "user-42", "azp": "test-client",
        "email": "alice@acme.example", "exp": now + 300, "iat": now,
    });
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// A source double with three hits whose documents are 300 characters long.
pub struct FixedSource {
    pub kind: SourceKind,
    pub error: Option<SourceError>,
}

impl Source for FixedSource {
    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn search<'a>(
        &'a self,
        _user: &'a UserContext,
        _query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            if let Some(err) = &self.error {
                return Err(err.clone());
            }
            Ok((1..=3)
                .take(limit)
                .map(|i| SearchHit {
                    item_id: format!("{}-{i}", self.kind.as_str()),
                    title: format!("{} budget {i}", self.kind.display_name()),
                    url: format!("https://{}.example.com/doc/{i}", self.kind.as_str()),
                    snippet: format!("snippet {i}"),
                    modified_time: Some("2026-11-01T10:00:00Z".into()),
                    author: Some("Alice".into()),
                })
                .collect())
        })
    }

    fn content<'a>(
        &'a self,
        _user: &'a UserContext,
        item_id: &'a str,
        _max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            Ok(Content {
                title: format!("Document {item_id}"),
                url: format!("https://example.com/{item_id}"),
                text: "0123456789".repeat(30),
                truncated: false,
                unavailable_reason: None,
            })
        })
    }
}

pub fn all_sources() -> Vec<Arc<dyn Source>> {
    SourceKind::ALL
        .into_iter()
        .map(|kind| Arc::new(FixedSource { kind, error: None }) as Arc<dyn Source>)
        .collect()
}

/// The endpoint under test and what it recorded.
pub struct TestApp {
    pub service: workplace_mcp::McpService,
    pub records: Arc<MemorySink>,
}

pub fn app() -> TestApp {
    app_with(all_sources(), &[], Arc::new(Unlimited))
}

pub fn app_with(
    sources: Vec<Arc<dyn Source>>,
    extra_env: &[(&str, &str)],
    gate: Arc<dyn CallGate>,
) -> TestApp {
    // Service tokens are opt-in: the tests' tokens name `user-42`, so allow that subject.
    let mut vars: HashMap<String, String> = HashMap::from([
        ("MCP_RESOURCE_URL".to_owned(), RESOURCE.to_owned()),
        ("SERVICE_TOKEN_SUBJECTS".to_owned(), "user-42".to_owned()),
        (
            "SERVICE_TOKEN_SECRET_ID".to_owned(),
            "test/service-token".to_owned(),
        ),
    ]);
    for (k, v) in extra_env {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let records = Arc::new(MemorySink::default());
    let http = http_client().unwrap();
    let runtime = Config::load(&|name| vars.get(name).cloned()).and_then(|config| {
        let jwks = jwks_verifier(&config, &http);
        Runtime::build(
            config,
            jwks,
            fixed_secrets(SECRET),
            Sources::Fixed(sources),
            http,
            None,
        )
    });
    let state = Arc::new(AppState::new("mcp", runtime, records.clone()));
    let service = workplace_mcp::service(state, gate, &|name| vars.get(name).cloned()).unwrap();
    TestApp { service, records }
}

impl TestApp {
    /// Runs one API Gateway v2 event through the endpoint, as Lambda would.
    pub async fn send(&self, event: &Value) -> Response<Body> {
        let request: Request = lambda_http::request::from_str(&event.to_string()).unwrap();
        self.service.clone().oneshot(request).await.unwrap()
    }

    pub fn last_record(&self) -> InvocationRecord {
        self.records.records().pop().expect("a record")
    }
}

pub fn body(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body()))
}

pub fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}
