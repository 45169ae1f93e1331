//! Helpers shared by the handler tests: fixtures, tokens, state.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use workplace_connectors::{
    BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext,
};
use workplace_service::AppState;
use workplace_service::config::Config;
use workplace_service::record::MemorySink;
use workplace_service::state::{Runtime, Sources, fixed_secrets, http_client, jwks_verifier};

pub const RESOURCE: &str = "https://api.example.com/mcp";
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const ALL_SCOPES: &str =
    "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint";

/// A fixture from `tests/events/`, with `{{TOKEN}}` replaced.
pub fn event(name: &str, token: Option<&str>) -> Value {
    let path = format!("{}/../../tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut event: Value = serde_json::from_str(&text).unwrap();
    let headers = event["headers"].as_object_mut().unwrap();
    match token {
        Some(token) => {
            if headers.contains_key("authorization") {
                headers.insert("authorization".into(), json!(format!("Bearer {token}")));
            }
        }
        None => {
            headers.remove("authorization");
        }
    }
    event
}

pub fn with_method(mut event: Value, method: &str) -> Value {
    event["requestContext"]["http"]["method"] = json!(method);
    event
}

pub fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = json!(body);
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

pub fn with_path(mut event: Value, path: &str) -> Value {
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event
}

pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).unwrap()
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

/// A source double: returns fixed hits whose titles contain the query, or a fixed error.
pub struct FixedSource {
    pub kind: SourceKind,
    pub hits: Vec<SearchHit>,
    pub error: Option<SourceError>,
}

impl FixedSource {
    pub fn with_hits(kind: SourceKind, n: usize) -> Arc<dyn Source> {
        let hits = (1..=n)
            .map(|i| SearchHit {
                item_id: format!("{}-{i}", kind.as_str()),
                title: format!("{} budget {i}", kind.display_name()),
                url: format!("https://{}.example.com/doc/{i}", kind.as_str()),
                snippet: format!("snippet {i}"),
                modified_time: Some("2026-11-01T10:00:00Z".into()),
                author: Some("Alice".into()),
            })
            .collect();
        Arc::new(Self {
            kind,
            hits,
            error: None,
        })
    }

    pub fn failing(kind: SourceKind, error: SourceError) -> Arc<dyn Source> {
        Arc::new(Self {
            kind,
            hits: vec![],
            error: Some(error),
        })
    }
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
            match &self.error {
                Some(err) => Err(err.clone()),
                None => Ok(self.hits.iter().take(limit).cloned().collect()),
            }
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
                title: item_id.to_owned(),
                url: format!("https://example.com/{item_id}"),
                text: format!("The full text of {item_id}. ").repeat(10),
                truncated: false,
                unavailable_reason: None,
            })
        })
    }
}

pub fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub struct TestApp {
    pub state: AppState,
    pub records: Arc<MemorySink>,
}

pub fn app(function: &'static str, sources: Vec<Arc<dyn Source>>) -> TestApp {
    app_with_env(function, sources, &[("MCP_RESOURCE_URL", RESOURCE)])
}

pub fn app_with_env(
    function: &'static str,
    sources: Vec<Arc<dyn Source>>,
    pairs: &[(&str, &str)],
) -> TestApp {
    app_with_limiter(function, sources, pairs, None)
}

pub fn app_with_limiter(
    function: &'static str,
    sources: Vec<Arc<dyn Source>>,
    pairs: &[(&str, &str)],
    limiter: Option<workplace_ratelimit::RateLimiter>,
) -> TestApp {
    // Service tokens are opt-in: the tests' tokens name `user-42`, so allow that subject unless a
    // test says otherwise.
    let mut vars = env(&[
        ("SERVICE_TOKEN_SUBJECTS", "user-42"),
        ("SERVICE_TOKEN_SECRET_ID", "test/service-token"),
    ]);
    vars.extend(env(pairs));
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
            limiter,
        )
    });
    TestApp {
        state: AppState::new(function, runtime, records.clone()),
        records,
    }
}

pub fn all_sources() -> Vec<Arc<dyn Source>> {
    SourceKind::ALL
        .into_iter()
        .map(|k| FixedSource::with_hits(k, 3))
        .collect()
}

pub fn body(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap()
}

pub fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
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
