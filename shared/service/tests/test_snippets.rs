//! Query-aware snippets through the search engine, with the real connectors against the fakes
//! over real HTTP: Drive and Notion snippets hold the query's terms from the documents' text, a
//! repeated search reads no Notion blocks, and a spent budget leaves the source's snippet with a
//! flag.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use upstream_fakes::{Knob, RunningFakes};
use workplace_connectors::passage::terms;
use workplace_connectors::{SourceKind, UserContext};
use workplace_service::config::SearchSettings;
use workplace_service::search::{SearchEngine, SnippetSettings};

async fn start(snippets: SnippetSettings) -> (RunningFakes, SearchEngine) {
    let (fakes, sources) = workplace_testkit::fake_sources(&[]).await;
    let settings = SearchSettings {
        snippets,
        ..SearchSettings::default()
    };
    (fakes, SearchEngine::new(sources, settings))
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

const ENRICHED: [SourceKind; 2] = [SourceKind::GoogleDrive, SourceKind::Notion];

#[tokio::test]
async fn drive_and_notion_snippets_hold_the_query_terms_from_the_text() {
    // The default number of hits: every one a search returns (issue #22).
    let (fakes, engine) = start(SnippetSettings {
        budget: Duration::from_secs(20),
        ..SnippetSettings::default()
    })
    .await;
    let query = "quarterly budget";
    let outcome = engine
        .search(&dev(), query, SourceKind::ALL, 50, false)
        .await;
    let mut checked = [0, 0];
    for result in outcome
        .results
        .iter()
        .filter(|r| ENRICHED.contains(&r.source))
    {
        assert_eq!(result.enrichment_skipped, None, "{}", result.title);
        // Files with no text to read (over the export limit, encrypted, scanned, damaged) keep
        // the source's snippet; every other one must show the passage around the query.
        let item = workplace_connectors::ItemId::parse(&result.id).unwrap();
        let source = engine.source(result.source).unwrap();
        let content = source
            .content(
                &dev(),
                &item,
                20_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        // Files with no text, and (since the query planner, issue #20) hits the relaxed pass
        // found by a variant in their title alone ("Quinn's paper\essay on budgets"), have no
        // passage holding the query's terms to show.
        let text = content.text.to_lowercase();
        if text.trim().is_empty() || !terms(query).iter().any(|t| text.contains(t.as_str())) {
            continue;
        }
        let snippet = result.snippet.to_lowercase();
        assert!(
            terms(query).iter().any(|t| snippet.contains(t.as_str())),
            "{}: {}",
            result.title,
            result.snippet
        );
        assert!(!snippet.contains("owned by"), "{}", result.snippet);
        checked[usize::from(result.source == SourceKind::Notion)] += 1;
    }
    assert!(checked[0] >= 3 && checked[1] >= 3, "{checked:?}");
    // SharePoint's snippet is Graph's own highlighted summary, as plain text.
    let sharepoint: Vec<_> = outcome
        .results
        .iter()
        .filter(|r| r.source == SourceKind::Sharepoint)
        .collect();
    assert!(!sharepoint.is_empty());
    assert!(sharepoint.iter().all(|r| !r.snippet.contains("<c0>")));

    // The same search again: Notion's pages come from the cache, no blocks request.
    let blocks = count(&fakes, "notion.blocks");
    let again = engine
        .search(&dev(), query, &[SourceKind::Notion], 50, false)
        .await;
    assert!(!again.results.is_empty());
    assert_eq!(count(&fakes, "notion.blocks"), blocks);
}

#[tokio::test]
async fn a_spent_budget_keeps_the_sources_snippet_and_says_so() {
    let (fakes, engine) = start(SnippetSettings {
        budget: Duration::from_millis(200),
        hits: 3,
    })
    .await;
    let slow = Knob {
        latency_ms: 10_000,
        ..Knob::default()
    };
    fakes.knob("drive.content", slow.clone());
    fakes.knob("notion.blocks", slow);
    let outcome = engine.search(&dev(), "budget", &ENRICHED, 10, false).await;
    let flagged: Vec<_> = outcome
        .results
        .iter()
        .filter(|r| r.enrichment_skipped == Some(true))
        .collect();
    assert_eq!(flagged.len(), 3, "the top three were tried and not read");
    assert!(
        flagged
            .iter()
            .filter(|r| r.source == SourceKind::GoogleDrive)
            .all(|r| !r.snippet.is_empty())
    );
    let mut json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["results"][0]["enrichment_skipped"], true);
    // The tool labels every answer as third-party text before it goes out.
    workplace_service::untrusted::label(&mut json);
    // The flag is part of the advertised outputSchema (clients validate structuredContent).
    let tools = workplace_service::catalogue::tools();
    let schema = &tools
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "workplace_search")
        .unwrap()["outputSchema"];
    let item = &schema["properties"]["results"]["items"]["properties"];
    assert_eq!(item["enrichment_skipped"]["type"], "boolean", "{schema}");
    assert!(jsonschema::validator_for(schema).unwrap().is_valid(&json));
    assert!(json["results"][5].get("enrichment_skipped").is_none());

    // Off: nothing is read, and the hits say so.
    let (fakes, engine) = start(SnippetSettings {
        budget: Duration::ZERO,
        hits: 2,
    })
    .await;
    let outcome = engine.search(&dev(), "budget", &ENRICHED, 10, false).await;
    assert_eq!(
        count(&fakes, "notion.blocks") + count(&fakes, "drive.content"),
        0
    );
    let flagged = outcome
        .results
        .iter()
        .filter(|r| r.enrichment_skipped == Some(true))
        .count();
    assert_eq!(flagged, 2);
}
