//! The fan-out with the real connectors against the upstream fakes: concurrency proven without
//! timing, and every partial-failure shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use upstream_fakes::{Knob, RunningFakes};
use workplace_connectors::{SourceKind, UserContext};
use workplace_service::config::SearchSettings;
use workplace_service::search::{SearchEngine, SourceStatus};

// The three document sources (the calendars have fan-out tests of their own, `test_events`).
const ALL: &[SourceKind] = &[
    SourceKind::GoogleDrive,
    SourceKind::Notion,
    SourceKind::Sharepoint,
];

async fn engine(timeout: Duration) -> (RunningFakes, SearchEngine) {
    let settings = SearchSettings {
        source_timeout: timeout,
        ..SearchSettings::default()
    };
    engine_with(settings).await
}

async fn engine_with(settings: SearchSettings) -> (RunningFakes, SearchEngine) {
    let timeout = settings.source_timeout;
    let (fakes, sources) =
        workplace_testkit::fake_sources(&[("SOURCE_TIMEOUT_MS", timeout.as_millis().to_string())])
            .await;
    (fakes, SearchEngine::new(sources, settings))
}

fn dev() -> UserContext {
    UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    }
}

fn statuses(outcome: &workplace_service::search::SearchOutcome) -> Vec<(SourceKind, SourceStatus)> {
    outcome
        .sources
        .iter()
        .map(|s| (s.source, s.status))
        .collect()
}

#[tokio::test]
async fn the_three_searches_run_at_once() {
    let (fakes, engine) = engine(Duration::from_secs(8)).await;
    // Every search is held until all three have arrived: sequential code could never finish.
    fakes.state.set_barrier(
        vec![
            "drive.search".into(),
            "notion.search".into(),
            "graph.search".into(),
        ],
        3,
    );
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        engine.search(&dev(), "quarterly budget", ALL, 10, false),
    )
    .await
    .expect("the fan-out is concurrent");
    assert_eq!(
        statuses(&outcome),
        ALL.iter()
            .map(|k| (*k, SourceStatus::Ok))
            .collect::<Vec<_>>()
    );
    let sources: std::collections::HashSet<_> = outcome.results.iter().map(|r| r.source).collect();
    assert_eq!(sources.len(), 3, "ranked results from all three sources");
    assert!(outcome.results.windows(2).all(|w| w[0].score >= w[1].score));
}

#[tokio::test]
async fn one_source_down_leaves_the_others() {
    let (fakes, engine) = engine(Duration::from_secs(8)).await;
    fakes.knob(
        "notion.search",
        Knob {
            status: Some(500),
            ..Knob::default()
        },
    );
    let outcome = engine
        .search(&dev(), "quarterly budget", ALL, 10, false)
        .await;
    assert_eq!(
        statuses(&outcome),
        ALL.iter()
            .map(|&kind| match kind {
                SourceKind::Notion => (kind, SourceStatus::Error),
                other => (other, SourceStatus::Ok),
            })
            .collect::<Vec<_>>()
    );
    assert!(!outcome.results.is_empty() && !outcome.all_failed());
    assert!(
        outcome.sources[1]
            .message
            .as_deref()
            .unwrap()
            .contains("HTTP 500")
    );
}

#[tokio::test]
async fn a_slow_source_times_out_alone() {
    let (fakes, engine) = engine(Duration::from_millis(1500)).await;
    fakes.knob(
        "graph.search",
        Knob {
            latency_ms: 5000,
            ..Knob::default()
        },
    );
    let outcome = engine
        .search(&dev(), "quarterly budget", ALL, 10, false)
        .await;
    assert_eq!(outcome.sources[2].status, SourceStatus::Timeout);
    assert_eq!(outcome.sources[0].status, SourceStatus::Ok);
    assert!(
        outcome
            .failures()
            .unwrap()
            .contains("sharepoint: timed out")
    );
}

#[tokio::test]
async fn a_throttled_source_reports_when_to_retry() {
    let (fakes, engine) = engine(Duration::from_secs(3)).await;
    fakes.knob(
        "drive.search",
        Knob {
            retry_after: Some(30),
            ..Knob::default()
        },
    );
    let outcome = engine
        .search(&dev(), "quarterly budget", ALL, 10, false)
        .await;
    let drive = &outcome.sources[0];
    assert_eq!(
        (drive.status, drive.retry_after_seconds),
        (SourceStatus::RateLimited, Some(30))
    );
    assert!(
        outcome
            .results
            .iter()
            .all(|r| r.source != SourceKind::GoogleDrive)
    );
}

#[tokio::test]
async fn every_source_down_is_a_failed_search() {
    let (fakes, engine) = engine(Duration::from_secs(8)).await;
    fakes.knob(
        "*",
        Knob {
            status: Some(503),
            ..Knob::default()
        },
    );
    let outcome = engine
        .search(&dev(), "quarterly budget", ALL, 10, false)
        .await;
    assert!(outcome.all_failed());
    assert!(outcome.results.is_empty());
}

#[tokio::test]
async fn content_is_attached_and_cut_with_a_flag() {
    let (_fakes, engine) = engine(Duration::from_secs(8)).await;
    let engine = Arc::new(engine);
    let outcome = engine
        .search(&dev(), "quarterly budget", ALL, 6, true)
        .await;
    assert_eq!(outcome.results.len(), 6);
    for result in &outcome.results {
        assert!(result.truncated.is_some(), "{result:?}");
        assert!(
            result.content.is_some() || result.content_error.is_some(),
            "{result:?}"
        );
    }
    assert!(outcome.results.iter().any(|r| {
        r.content
            .as_deref()
            .is_some_and(|c| c.contains("Quarterly Budget"))
    }));
}

#[tokio::test]
async fn bob_is_told_to_connect_notion_and_still_gets_drive_and_sharepoint() {
    let (_fakes, engine) = engine(Duration::from_secs(8)).await;
    let bob = UserContext {
        subject: "U2bob".into(),
        email: Some("bob@acme.example".into()),
        email_verified: true,
    };
    let outcome = engine.search(&bob, "onboarding", ALL, 10, false).await;
    assert_eq!(outcome.sources[1].status, SourceStatus::ReauthRequired);
    assert!(
        outcome.sources[1]
            .message
            .as_deref()
            .unwrap()
            .contains("Connect your Notion account")
    );
    assert_eq!(outcome.sources[0].status, SourceStatus::Ok);
}

#[tokio::test]
async fn include_content_against_slow_upstreams_ends_by_the_request_deadline() {
    // Every source's own timeout is far away; only the request's deadline can end this in time.
    let (fakes, engine) = engine_with(SearchSettings {
        source_timeout: Duration::from_secs(60),
        request_deadline: Duration::from_secs(3),
        ..SearchSettings::default()
    })
    .await;
    let stall = || Knob {
        latency_ms: 120_000,
        ..Knob::default()
    };
    fakes.knob("graph.search", stall());
    fakes.knob("drive.content", stall());
    fakes.knob("notion.blocks", stall());
    fakes.knob("notion.page", stall());

    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(100),
        engine.search(&dev(), "quarterly budget", ALL, 10, true),
    )
    .await
    .expect("the request's deadline ends the search long before the stalled upstreams answer");
    // Generous on purpose (the fakes stall for two minutes): this checks the deadline, not speed.
    assert!(started.elapsed() < Duration::from_secs(60));

    let sharepoint = outcome
        .sources
        .iter()
        .find(|s| s.source == SourceKind::Sharepoint)
        .unwrap();
    assert_eq!(sharepoint.status, SourceStatus::Timeout, "{sharepoint:?}");
    assert!(
        !outcome.results.is_empty(),
        "Drive and Notion searches answered"
    );
    for result in &outcome.results {
        assert!(result.content.is_none(), "{result:?}");
        let error = result.content_error.as_deref().unwrap_or_default();
        assert!(
            error.contains("deadline") || error.contains("timed out"),
            "each result says why its text is missing: {result:?}"
        );
    }
}
