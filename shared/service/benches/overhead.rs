//! The service's own overhead per call, against a baseline measured in the same run.
//!
//! `cargo bench -p workplace-service --bench overhead`
//!
//! The measured call is a whole REST `workplace_search` through `rest::call_tool`: API Gateway event
//! to request, bearer-token verification (HS256), argument validation, scope check, fan-out to three
//! sources that answer instantly (so only our code is timed), reciprocal-rank merge of 30 hits,
//! response serialization and the invocation record. The baseline is the least any handler must
//! do: parse the same API Gateway event as JSON and serialize a response of the same size.
//! Results are printed, never asserted: timing belongs in benchmarks, not tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use workplace_connectors::{
    BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext,
};
use workplace_service::config::Config;
use workplace_service::record::{InvocationRecord, RecordSink};
use workplace_service::state::{Runtime, Sources, fixed_secrets, http_client, jwks_verifier};
use workplace_service::{AppState, rest};

const SECRET: &str = "bench-secret-bench-secret-bench-secret-00";
const RESOURCE: &str = "https://api.example.com/mcp";

struct Instant3(SourceKind);

impl Source for Instant3 {
    fn kind(&self) -> SourceKind {
        self.0
    }
    fn search<'a>(
        &'a self,
        _: &'a UserContext,
        _: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            Ok((0..limit)
                .map(|i| SearchHit {
                    item_id: format!("{}-{i}", self.0),
                    title: format!("Quarterly budget {i}"),
                    url: format!("https://{}.example.com/{i}", self.0),
                    snippet: "Budget allocations for the quarter, by department.".into(),
                    modified_time: Some("2026-11-01T10:00:00Z".into()),
                    author: Some("Alice".into()),
                    media_type: None,
                })
                .collect())
        })
    }
    fn content<'a>(
        &'a self,
        _: &'a UserContext,
        _: &'a str,
        _: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async { Err(SourceError::NotFound) })
    }
}

struct Discard;

impl RecordSink for Discard {
    fn emit(&self, record: &InvocationRecord) {
        black_box(serde_json::to_vec(record).ok());
    }
}

fn event(token: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/events/tool_call_post.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    event.to_string()
}

fn time<F: FnMut()>(iterations: u32, mut f: F) -> Duration {
    for _ in 0..iterations / 10 {
        f();
    }
    let started = Instant::now();
    for _ in 0..iterations {
        f();
    }
    started.elapsed() / iterations
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config::load(&|k| match k {
        "MCP_RESOURCE_URL" => Some(RESOURCE.to_owned()),
        "SERVICE_TOKEN_SUBJECTS" => Some("bench".to_owned()),
        "SERVICE_TOKEN_SECRET_ID" => Some("bench/service-token".to_owned()),
        _ => None,
    })
    .unwrap();
    let http = http_client().unwrap();
    let sources: Vec<Arc<dyn Source>> = SourceKind::ALL
        .into_iter()
        .map(|k| Arc::new(Instant3(k)) as Arc<dyn Source>)
        .collect();
    let jwks = jwks_verifier(&config, &http);
    let built = Runtime::build(
        config,
        jwks,
        fixed_secrets(SECRET),
        Sources::Fixed(sources),
        http,
        None,
    );
    let state = AppState::new("workplace-search", built, Arc::new(Discard));
    let now = jsonwebtoken::get_current_timestamp();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"iss": "workplace-mcp", "aud": RESOURCE, "sub": "bench", "exp": now + 3600,
                "scope": "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint"}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let event = event(&token);

    let sample = runtime.block_on(rest::call_tool(
        &state,
        lambda_http::request::from_str(&event).unwrap(),
    ));
    assert_eq!(sample.status(), 200);
    let response_body: Value = serde_json::from_slice(sample.body().as_ref()).unwrap();

    let iterations = 20_000;
    let baseline = time(iterations, || {
        let parsed: Value = serde_json::from_str(black_box(&event)).unwrap();
        black_box(&parsed);
        black_box(serde_json::to_string(black_box(&response_body)).unwrap());
    });
    let call = time(iterations, || {
        let request = lambda_http::request::from_str(black_box(&event)).unwrap();
        let response = runtime.block_on(rest::call_tool(&state, request));
        black_box(response);
    });
    println!(
        "baseline (parse the event JSON + serialize the response): {:>8.1} µs/call",
        baseline.as_secs_f64() * 1e6
    );
    println!(
        "workplace_search through rest::call_tool:                 {:>8.1} µs/call",
        call.as_secs_f64() * 1e6
    );
    println!(
        "ratio call / baseline:                                    {:>8.2}",
        call.as_secs_f64() / baseline.as_secs_f64()
    );
}
