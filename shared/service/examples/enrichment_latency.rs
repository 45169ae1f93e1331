//! What query-aware snippets add to a search, measured against the fakes with upstream latency:
//! a three-source `workplace_search` with enrichment off, then on (Drive and Notion text caches cold, then
//! warm), every fake route answering after `LATENCY_MS` (default 200). Figures are printed, never
//! asserted. Run: `cargo run --release -p workplace-service --example enrichment_latency`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use upstream_fakes::{FakeConfig, Knob, RunningFakes};
use workplace_connectors::{ConnectorsConfig, SourceKind, UpstreamCredentials, UserContext};
use workplace_service::config::SearchSettings;
use workplace_service::search::{SearchEngine, SnippetSettings};
use workplace_service::state::http_client;

const RUNS: usize = 7;
const QUERIES: [&str; RUNS] = [
    "quarterly budget",
    "budget",
    "onboarding",
    "incident review",
    "design doc",
    "policy",
    "q4 planning",
];

fn engine(fakes: &RunningFakes, snippets: SnippetSettings) -> SearchEngine {
    let base = fakes.base_url.clone();
    let env: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.clone()),
        ("GOOGLE_API_BASE_URL", base.clone()),
        ("NOTION_API_BASE_URL", base.clone()),
        ("GRAPH_BASE_URL", base),
    ]);
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let credentials = UpstreamCredentials::default().with(
        UpstreamCredentials::DESCOPE_MANAGEMENT_KEY,
        SecretString::from("K2demo-management-key"),
    );
    let sources =
        workplace_connectors::build_sources(&config, &credentials, &http_client().unwrap())
            .unwrap();
    let settings = SearchSettings {
        snippets,
        ..SearchSettings::default()
    };
    SearchEngine::new(sources, settings)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(engine: &SearchEngine, label: &str) {
    let user = UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    };
    let mut times = Vec::new();
    let mut skipped = 0;
    for query in QUERIES {
        let started = Instant::now();
        let outcome = engine
            .search(&user, query, SourceKind::ALL, 10, false)
            .await;
        times.push(started.elapsed());
        skipped += outcome
            .results
            .iter()
            .filter(|r| r.enrichment_skipped == Some(true))
            .count();
    }
    let max = times.iter().max().copied().unwrap_or_default();
    println!(
        "| {label} | {:.0} | {:.0} | {skipped} |",
        median(times).as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let latency: u64 = std::env::var("LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    let off = engine(
        &fakes,
        SnippetSettings {
            budget: Duration::ZERO,
            hits: 5,
        },
    );
    let on = engine(&fakes, SnippetSettings::default());
    let user = UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    };
    // Upstream tokens fetched once per engine, before the latency is on.
    for engine in [&off, &on] {
        engine
            .search(&user, "warm", SourceKind::ALL, 1, false)
            .await;
    }
    fakes.knob(
        "*",
        Knob {
            latency_ms: latency,
            ..Knob::default()
        },
    );
    println!(
        "every fake route answers after {latency} ms; {RUNS} three-source searches each, 10 results, default budget 1000 ms, every hit enriched\n"
    );
    println!("| search | median ms | max ms | hits flagged enrichment_skipped |");
    println!("|---|---|---|---|");
    run(&off, "enrichment off (SNIPPET_BUDGET_MS=0)").await;
    run(&on, "enrichment on, caches cold").await;
    run(&on, "enrichment on, caches warm (same queries again)").await;
}
