//! A source on one shared credential (Notion integration token, Microsoft client credentials) is
//! visible as such: its report in every `workplace_search` answer says `access: "shared"`, the
//! answer still validates against the advertised `outputSchema`, and no tool description claims
//! that every search runs with the user's own permissions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;
use workplace_connectors::{Access, SourceError, SourceKind};
use workplace_service::{catalogue, rest};

async fn answer(sources: Vec<std::sync::Arc<dyn workplace_connectors::Source>>) -> Value {
    let app = app("workplace-search", sources);
    let body = body(
        &rest::call_tool(
            &app.state,
            request(&event("tool_call_post.json", Some(&token(all_scopes())))),
        )
        .await,
    );
    assert_eq!(body["isError"], false, "{body}");
    body["structuredContent"].clone()
}

fn access_by_source(structured: &Value) -> Vec<(String, String)> {
    structured["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_owned(),
                s["access"].as_str().unwrap_or("absent").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_shared_source_says_so_in_its_report_and_the_answer_still_validates() {
    let structured = answer(vec![
        FixedSource::with_hits(SourceKind::GoogleDrive, 2),
        FixedSource::shared(SourceKind::Notion, 2),
    ])
    .await;
    assert_eq!(
        access_by_source(&structured),
        [
            ("google_drive".to_owned(), "absent".to_owned()),
            ("notion".to_owned(), "shared".to_owned()),
        ]
    );
    assert_fits("workplace_search", &structured);
}

#[tokio::test]
async fn a_failing_shared_source_is_still_marked_shared() {
    let structured = answer(vec![
        FixedSource::with_hits(SourceKind::GoogleDrive, 1),
        // The shared flag must survive a failure too.
        std::sync::Arc::new(FixedSource {
            access: Access::Shared,
            error: Some(SourceError::Timeout),
            ..FixedSource::new(SourceKind::Notion, 0, |id| id.to_owned())
        }),
    ])
    .await;
    let notion = &structured["sources"][1];
    assert_eq!(notion["status"], "timeout");
    assert_eq!(notion["access"], "shared");
    assert_fits("workplace_search", &structured);
}

#[test]
fn no_description_claims_every_search_uses_the_users_own_permissions() {
    let tools = catalogue::tools();
    for tool in tools.as_array().unwrap() {
        let description = tool["description"].as_str().unwrap();
        assert!(
            !description.contains("with the user's own permissions, and")
                && !description.contains("live and with the user's own permissions"),
            "{}: {description}",
            tool["name"]
        );
    }
    let search = &tools[0]["description"];
    assert!(
        search.as_str().unwrap().contains("access: \"shared\""),
        "{search}"
    );
}
