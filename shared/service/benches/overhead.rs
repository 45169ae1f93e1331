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

use serde_json::Value;
use workplace_connectors::{Source, SourceKind};
use workplace_service::record::{InvocationRecord, RecordSink};
use workplace_service::rest;
use workplace_testkit::{Event, FixedSource, Tokens, all_scopes, app_state};

const RESOURCE: &str = "https://api.example.com/mcp";

/// Serializes each record as the stdout sink would, then drops it.
struct Discard;

impl RecordSink for Discard {
    fn emit(&self, record: &InvocationRecord) {
        black_box(serde_json::to_vec(record).ok());
    }
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
    // Ten hits from each source, so the merge ranks 30.
    let sources: Vec<Arc<dyn Source>> = SourceKind::ALL
        .iter()
        .copied()
        .map(|k| FixedSource::with_hits(k, 10))
        .collect();
    let state = app_state(
        "workplace-search",
        sources,
        &[("MCP_RESOURCE_URL", RESOURCE)],
        Arc::new(Discard),
    );
    let token = Tokens::for_resource(RESOURCE).scoped(all_scopes());
    let event = Event::fixture("tool_call_post.json")
        .token(Some(&token))
        .0
        .to_string();

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
