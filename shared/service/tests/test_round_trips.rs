//! The query planner's cost in round trips, with the real connectors against the fakes: a search
//! that needs no relaxation asks Drive and Graph once and Notion's title queries all at once; one
//! that relaxes asks each at most twice, both passes at once. Proven by request counts and
//! barriers, not by timing;
//! the 200 ms upstream latency only makes a sequential regression obvious in the elapsed time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use time::macros::date;
use upstream_fakes::{Knob, RunningFakes};
use workplace_connectors::query::Plan;
use workplace_connectors::query::dialect::{Pass, notion_titles};
use workplace_connectors::{SourceKind, UserContext};
use workplace_service::config::SearchSettings;
use workplace_service::search::{Relevance, SearchEngine, SnippetSettings, SourceStatus};

const TODAY: time::Date = date!(2026 - 10 - 28);
const ROUTES: [&str; 3] = ["drive.search", "notion.search", "graph.search"];

/// The document sources, whose round trips this file counts.
const DOCUMENTS: [SourceKind; 3] = [
    SourceKind::GoogleDrive,
    SourceKind::Notion,
    SourceKind::Sharepoint,
];

async fn start() -> (RunningFakes, SearchEngine) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    for route in ROUTES {
        fakes.state.set_knob(
            route,
            Knob {
                latency_ms: 200,
                ..Knob::default()
            },
        );
    }
    let settings = SearchSettings {
        snippets: SnippetSettings {
            budget: Duration::ZERO,
            hits: 0,
        },
        ..SearchSettings::default()
    };
    let engine = SearchEngine::new(sources, settings).with_relevance(Relevance {
        today: Some(TODAY),
        ..Relevance::default()
    });
    (fakes, engine)
}

fn dev() -> UserContext {
    UserContext {
        subject: "dev-user".into(),
        email: Some("dev@acme.example".into()),
        email_verified: true,
    }
}

fn count(fakes: &RunningFakes, route: &str) -> usize {
    fakes.requests().iter().filter(|r| r.route == route).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_needs_no_relaxation_is_one_round_trip() {
    let (fakes, engine) = start().await;
    // One concept, no date, spelled right: nothing to relax.
    let query = "budget";
    let titles = notion_titles(&Plan::new(query, TODAY), Pass::Strict);
    assert!(titles.len() > 1, "{titles:?}");
    // Notion's title queries are held until all have arrived: sent one after another, they
    // would never finish.
    fakes
        .state
        .set_barrier(vec!["notion.search".into()], titles.len());
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        engine.search(&dev(), query, &DOCUMENTS, 10, false),
    )
    .await
    .expect("Notion's title queries run at once");
    assert!(
        outcome.sources.iter().all(|s| s.status == SourceStatus::Ok),
        "{:?}",
        outcome.sources
    );
    assert!(outcome.sources.iter().all(|s| s.relaxed_query.is_none()));
    assert_eq!(count(&fakes, "drive.search"), 1);
    assert_eq!(count(&fakes, "graph.search"), 1);
    assert_eq!(count(&fakes, "notion.search"), titles.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_relaxes_sends_both_passes_at_once() {
    let (fakes, engine) = start().await;
    // Drive's and Graph's strict and relaxed requests are held until all four have arrived:
    // a relaxed pass sent after the strict one answered would never be sent.
    fakes
        .state
        .set_barrier(vec!["drive.search".into(), "graph.search".into()], 4);
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        engine.search(
            &dev(),
            "what caused the search outage in October?",
            &DOCUMENTS,
            10,
            false,
        ),
    )
    .await
    .expect("the strict and relaxed passes run at once");
    assert!(
        outcome.sources.iter().all(|s| s.status == SourceStatus::Ok),
        "{:?}",
        outcome.sources
    );
    assert!(outcome.sources.iter().any(|s| s.relaxed_query.is_some()));
    assert_eq!(count(&fakes, "drive.search"), 2);
    assert_eq!(count(&fakes, "graph.search"), 2);
    assert!(
        count(&fakes, "notion.search")
            <= 2 * workplace_connectors::query::dialect::MAX_TITLE_QUERIES
    );
    assert!(
        outcome
            .results
            .iter()
            .any(|r| r.title.starts_with("Incident review: search outage"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_reported_in_the_result() {
    let (_fakes, engine) = start().await;
    let outcome = engine
        .search(&dev(), "onbording checklist", &DOCUMENTS, 10, false)
        .await;
    assert_eq!(
        outcome.searched_for.as_deref(),
        Some("onboarding checklist")
    );
    assert_eq!(outcome.results[0].title, "New Hire Onboarding Checklist");
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["searched_for"], "onboarding checklist");
    assert!(
        json["sources"][0]["query"]
            .as_str()
            .unwrap()
            .contains("fullText contains")
    );
}

/// The examples of issue #20, each answered first by the document the user meant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issues_examples_find_what_the_user_means() {
    let (_fakes, engine) = start().await;
    for (query, first) in [
        (
            "what caused the search outage in October?",
            "Incident review: search outage 2026-10-14.md",
        ),
        ("why was login slow", "Incident review: login latency spike"),
        ("am I allowed to work from home", "Remote work policy"),
        ("work from home policy", "Remote work policy"),
        (
            "outage October",
            "Incident review: search outage 2026-10-14.md",
        ),
        ("onbording checklist", "New Hire Onboarding Checklist"),
        ("single sign-on review", "Security review: SSO rollout"),
        ("budget Q3", "FY2027 Q3 Quarterly Budget"),
    ] {
        let outcome = engine.search(&dev(), query, &DOCUMENTS, 10, false).await;
        let titles: Vec<&str> = outcome.results.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles.first().copied(), Some(first), "{query}: {titles:?}");
    }
}
