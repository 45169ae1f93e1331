//! What one search costs each source, measured against the fakes: the upstream requests a
//! `workplace_search` for the demo story's customer makes in each source (Drive in both
//! transports), and how long the search takes with every fake route answering at once and after
//! `LATENCY_MS` (default 200). The requests are counted for the first search (snippet reads
//! included) and for the same search again (Drive's and Notion's text caches warm); the times are
//! the warm search's. Upstream tokens are fetched before (a user's first call adds one Descope
//! exchange per source). Figures are printed, never asserted.
//! Run: `cargo run --release -p workplace-service --example source_calls`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use upstream_fakes::{Knob, RunningFakes};
use workplace_connectors::{SourceKind, UserContext};
use workplace_service::config::SearchSettings;
use workplace_service::search::SearchEngine;

const QUERY: &str = "Globex renewal";
const RUNS: usize = 5;

fn dana() -> UserContext {
    UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    }
}

/// The routes one search of `kind` reached, with how often, from the fakes' request log.
fn calls(fakes: &RunningFakes, from: usize) -> String {
    let mut routes: BTreeMap<&str, usize> = BTreeMap::new();
    for request in &fakes.requests()[from..] {
        if request.route != "descope.token" {
            *routes.entry(request.route).or_default() += 1;
        }
    }
    routes
        .iter()
        .map(|(route, n)| format!("{n} × {route}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

/// One row per source: calls of one search, median time at no latency and at `latency`.
async fn rows(label: &str, extra: &[(&str, String)], kinds: &[SourceKind], latency: u64) {
    let (fakes, sources) = workplace_testkit::fake_sources(extra).await;
    let engine = SearchEngine::new(sources, SearchSettings::default());
    for &kind in kinds {
        // The user's upstream token first (another query: no cache of this one's is filled).
        engine.search(&dana(), "token", &[kind], 1, false).await;
        fakes.knob("*", Knob::default());
        let from = fakes.requests().len();
        let outcome = engine.search(&dana(), QUERY, &[kind], 10, false).await;
        let cold = calls(&fakes, from);
        let from = fakes.requests().len();
        engine.search(&dana(), QUERY, &[kind], 10, false).await;
        let warm = calls(&fakes, from);
        let timed = |latency_ms| {
            fakes.knob(
                "*",
                Knob {
                    latency_ms,
                    ..Knob::default()
                },
            );
            async {
                let mut times = Vec::new();
                for _ in 0..RUNS {
                    let started = Instant::now();
                    engine.search(&dana(), QUERY, &[kind], 10, false).await;
                    times.push(started.elapsed());
                }
                median(times)
            }
        };
        let instant = timed(0).await;
        let slow = timed(latency).await;
        println!(
            "| {kind}{label} | {} | {cold} | {warm} | {instant:.1} | {slow:.0} |",
            outcome.total_count
        );
    }
    fakes.knob("*", Knob::default());
}

#[tokio::main]
async fn main() {
    let latency: u64 = std::env::var("LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    println!(
        "one `{QUERY}` search as Dana, 10 results, default settings (snippets on); median of {RUNS}\n"
    );
    println!(
        "| source (mode) | results | requests, first search | requests, again (caches warm) | ms, no latency | ms, {latency} ms per request |"
    );
    println!("|---|---|---|---|---|---|");
    rows("", &[], SourceKind::ALL, latency).await;
    rows(
        " (mcp)",
        &[("GOOGLE_DRIVE_TRANSPORT", "mcp".to_owned())],
        &[SourceKind::GoogleDrive],
        latency,
    )
    .await;
}
