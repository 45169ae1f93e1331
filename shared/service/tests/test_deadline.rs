//! One deadline bounds a whole request: a search with `include_content` over slow documents ends
//! by `REQUEST_DEADLINE_MS`, and what did not arrive in time is reported per result.
//!
//! Time is tokio's paused clock, so the test is exact and independent of the machine's speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use workplace_connectors::{
    BoxFuture, Content, ItemId, SearchHit, Source, SourceError, SourceKind, UserContext,
};
use workplace_service::config::SearchSettings;
use workplace_service::search::SearchEngine;

/// Answers searches at once with three hits; each document takes `read` to arrive.
struct SlowDocuments {
    read: Duration,
}

impl Source for SlowDocuments {
    fn kind(&self) -> SourceKind {
        SourceKind::GoogleDrive
    }

    fn search<'a>(
        &'a self,
        _user: &'a UserContext,
        _query: &'a str,
        limit: usize,
        _deadline: workplace_connectors::Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            Ok((1..=3)
                .take(limit)
                .map(|i| SearchHit {
                    item_id: format!("doc{i}"),
                    title: format!("Budget {i}"),
                    url: format!("https://drive.example/doc{i}"),
                    snippet: String::new(),
                    modified_time: None,
                    author: None,
                    created_time: None,
                    owner: None,
                    item_type: None,
                    media_type: None,
                    details: None,
                })
                .collect())
        })
    }

    fn content<'a>(
        &'a self,
        _user: &'a UserContext,
        id: &'a ItemId,
        _max_chars: usize,
        _deadline: workplace_connectors::Deadline,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let item_id = id.item();
            tokio::time::sleep(self.read).await;
            Ok(Content {
                title: item_id.to_string(),
                url: format!("https://drive.example/{item_id}"),
                text: format!("text of {item_id}"),
                truncated: false,
                unavailable_reason: None,
                details: None,
            })
        })
    }
}

fn user() -> UserContext {
    UserContext {
        subject: "U2alice".into(),
        email: None,
        email_verified: false,
    }
}

#[tokio::test(start_paused = true)]
async fn content_fetching_stops_at_the_request_deadline_and_says_what_it_skipped() {
    let settings = SearchSettings {
        source_timeout: Duration::from_secs(8),
        content_concurrency: 1,
        request_deadline: Duration::from_secs(5),
        ..SearchSettings::default()
    };
    let source: Arc<dyn Source> = Arc::new(SlowDocuments {
        read: Duration::from_secs(2),
    });
    let engine = SearchEngine::new(vec![source], settings);

    let started = Instant::now();
    let outcome = engine
        .search(&user(), "budget", &[SourceKind::GoogleDrive], 10, true)
        .await;
    let took = started.elapsed();

    // One at a time, two seconds each: two documents fit in five seconds, the third does not.
    assert!(took <= Duration::from_secs(5), "took {took:?}");
    assert_eq!(outcome.results.len(), 3);
    assert_eq!(outcome.results[0].content.as_deref(), Some("text of doc1"));
    assert_eq!(outcome.results[1].content.as_deref(), Some("text of doc2"));
    let skipped = &outcome.results[2];
    assert!(skipped.content.is_none());
    assert!(
        skipped
            .content_error
            .as_deref()
            .is_some_and(|e| e.contains("deadline")),
        "{skipped:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_source_slower_than_the_request_deadline_is_reported_as_timed_out() {
    struct Stuck;
    impl Source for Stuck {
        fn kind(&self) -> SourceKind {
            SourceKind::Notion
        }
        fn search<'a>(
            &'a self,
            _user: &'a UserContext,
            _query: &'a str,
            _limit: usize,
            _deadline: workplace_connectors::Deadline,
        ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
            Box::pin(std::future::pending())
        }
        fn content<'a>(
            &'a self,
            _user: &'a UserContext,
            _id: &'a ItemId,
            _max_chars: usize,
            _deadline: workplace_connectors::Deadline,
        ) -> BoxFuture<'a, Result<Content, SourceError>> {
            Box::pin(std::future::pending())
        }
    }
    let settings = SearchSettings {
        source_timeout: Duration::from_secs(20),
        request_deadline: Duration::from_secs(3),
        ..SearchSettings::default()
    };
    let engine = SearchEngine::new(vec![Arc::new(Stuck) as Arc<dyn Source>], settings);
    let started = Instant::now();
    let outcome = engine
        .search(&user(), "budget", &[SourceKind::Notion], 10, true)
        .await;
    assert!(started.elapsed() <= Duration::from_secs(3));
    assert_eq!(outcome.sources[0].status.as_str(), "timeout");
}
