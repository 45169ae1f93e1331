//! What one keyword search and one window listing cost per calendar source, against the fakes:
//! the upstream requests each makes (from the fakes' request log) and the median wall time over
//! a few runs, with every calendar route answering at once and after 200 ms (the fakes' latency
//! knob). The user's token is fetched before timing (Descope answers once per token lifetime).
//! Figures are printed, never asserted. Run:
//! `cargo run -p workplace-connectors --example calendar_latency` (add `--release` for figures
//! without debug overhead).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use upstream_fakes::{FakeConfig, Knob, RunningFakes};
use workplace_connectors::{
    ConnectorsConfig, SourceKind, TimeWindow, UpstreamCredentials, UserContext,
};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Requests per route since the log was last cleared.
fn routes(fakes: &RunningFakes) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for r in fakes.requests() {
        *counts.entry(r.route).or_default() += 1;
    }
    counts
}

#[tokio::main]
async fn main() {
    let fakes = RunningFakes::start(FakeConfig::default()).await.unwrap();
    let base = fakes.base_url.clone();
    let env: HashMap<&str, String> = HashMap::from([
        ("DESCOPE_PROJECT_ID", "P2demo".to_owned()),
        ("DESCOPE_BASE_URL", base.clone()),
        ("GRAPH_BASE_URL", base.clone()),
        (
            "GOOGLE_CALENDAR_MCP_URL",
            format!("{base}/calendarmcp/mcp/v1"),
        ),
        ("GOOGLE_CALENDAR_MODE", "descope_outbound".to_owned()),
        ("OUTLOOK_CALENDAR_MODE", "descope_outbound".to_owned()),
        // The demo meetings' weeks, so the searches find them whatever today's date.
        (
            "CALENDAR_SEARCH_AROUND",
            upstream_fakes::calendar::DEMO_AROUND.to_owned(),
        ),
        ("GOOGLE_DRIVE_MODE", "disabled".to_owned()),
        ("NOTION_MODE", "disabled".to_owned()),
        ("SHAREPOINT_MODE", "disabled".to_owned()),
    ]);
    let config = ConnectorsConfig::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let credentials = UpstreamCredentials::default().with(
        UpstreamCredentials::DESCOPE_MANAGEMENT_KEY,
        SecretString::from("K2demo-management-key"),
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sources = workplace_connectors::build_sources(&config, &credentials, &http).unwrap();
    let dana = UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    };
    let week = TimeWindow::parse("2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z").unwrap();
    for source in &sources {
        source
            .events(
                &dana,
                &week,
                None,
                1,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
    }
    println!("| source | call | upstream requests | median at 0 ms | median at 200 ms |");
    println!("|---|---|---|---|---|");
    for source in &sources {
        let kind = source.kind();
        let route = match kind {
            SourceKind::GoogleCalendar => "calendarmcp",
            _ => "outlook.calendar",
        };
        let calls = [
            "workplace_search \"Globex\" (±90 days)",
            "list_events next week",
            "list_events next week, query \"Globex\"",
        ];
        for (index, name) in calls.iter().enumerate() {
            let mut figures = Vec::new();
            let mut requests = BTreeMap::new();
            for latency in [0, 200] {
                let mut times = Vec::new();
                for _ in 0..RUNS {
                    fakes.state.reset();
                    fakes.state.set_knob(
                        route,
                        Knob {
                            latency_ms: latency,
                            ..Knob::default()
                        },
                    );
                    let started = Instant::now();
                    let answer = match index {
                        0 => {
                            source
                                .search(
                                    &dana,
                                    "Globex",
                                    20,
                                    tokio::time::Instant::now() + std::time::Duration::from_secs(8),
                                )
                                .await
                        }
                        1 => {
                            source
                                .events(
                                    &dana,
                                    &week,
                                    None,
                                    25,
                                    tokio::time::Instant::now() + std::time::Duration::from_secs(8),
                                )
                                .await
                        }
                        _ => {
                            source
                                .events(
                                    &dana,
                                    &week,
                                    Some("Globex"),
                                    25,
                                    tokio::time::Instant::now() + std::time::Duration::from_secs(8),
                                )
                                .await
                        }
                    };
                    answer.unwrap();
                    times.push(started.elapsed());
                    requests = routes(&fakes);
                }
                figures.push(median(times));
            }
            let requests: Vec<String> =
                requests.iter().map(|(r, n)| format!("{n} × {r}")).collect();
            println!(
                "| {} | {name} | {} | {:.1} ms | {:.1} ms |",
                kind.as_str(),
                requests.join(", "),
                figures[0].as_secs_f64() * 1000.0,
                figures[1].as_secs_f64() * 1000.0
            );
        }
    }
}
