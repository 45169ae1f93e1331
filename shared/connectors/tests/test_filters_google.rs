//! Search filters through the fakes over real HTTP, for Google Drive (both transports), Gmail
//! and Notion: Drive writes every filter it can into `q` (and one shared drive as the corpus) and
//! names exactly those in `applied`; Gmail narrows with `after:`/`before:`/`from:` and claims
//! nothing (a thread is shown by one message: the service checks it); Notion claims nothing and
//! reports its pages' times for the service to check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::filtering::{ids, plan, soon};
use common::*;
use time::OffsetDateTime;
use time::macros::datetime;
use workplace_connectors::query::{Filter, Filters, ItemType, Planned};

fn at(value: &Option<String>) -> OffsetDateTime {
    OffsetDateTime::parse(
        value.as_deref().expect("the hit says when"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

async fn search(source: &dyn Source, query: &str, filters: Filters) -> Planned {
    source
        .search_plan(&dev(), &plan(query, filters), 20, soon())
        .await
        .unwrap()
}

/// Drive in one transport: each filter narrows "budget" and is applied upstream.
async fn drive_applies_filters(extra: &[(&str, &str)]) {
    let h = harness(Duration::from_secs(3600)).await;
    let mut pairs = vec![("GOOGLE_DRIVE_MODE", "descope_outbound")];
    pairs.extend_from_slice(extra);
    let sources = h.sources(&pairs);
    let drive = sources[&SourceKind::GoogleDrive].as_ref();
    let all = search(drive, "budget", Filters::default()).await;
    assert!(all.hits.len() > 2, "{:?}", ids(&all));
    assert!(all.applied.is_empty());

    let after = datetime!(2026-09-01 0:00 UTC);
    let newer = search(
        drive,
        "budget",
        Filters {
            modified_after: Some(after),
            ..Filters::default()
        },
    )
    .await;
    assert!(ids(&newer).is_subset(&ids(&all)) && newer.hits.len() < all.hits.len());
    assert!(!newer.hits.is_empty());
    assert!(newer.hits.iter().all(|h| at(&h.modified_time) >= after));
    assert_eq!(newer.applied, [Filter::ModifiedAfter]);
    assert!(
        newer
            .query
            .contains("modifiedTime >= '2026-09-01T00:00:00Z'"),
        "{}",
        newer.query
    );

    let created = search(
        drive,
        "budget",
        Filters {
            created_before: Some(after),
            ..Filters::default()
        },
    )
    .await;
    assert!(created.hits.iter().all(|h| at(&h.created_time) < after));
    assert_eq!(created.applied, [Filter::CreatedBefore]);

    let sheets = search(
        drive,
        "budget",
        Filters {
            types: vec![ItemType::Spreadsheet],
            ..Filters::default()
        },
    )
    .await;
    assert!(!sheets.hits.is_empty() && sheets.hits.len() < all.hits.len());
    assert!(
        sheets
            .hits
            .iter()
            .all(|h| h.item_type == Some(ItemType::Spreadsheet))
    );
    assert_eq!(sheets.applied, [Filter::Type]);

    // An owner by address is applied upstream; by name it is left to the service.
    let owner = all
        .hits
        .iter()
        .find_map(|h| h.owner.clone())
        .expect("a file in My Drive has an owner");
    let owned = search(
        drive,
        "budget",
        Filters {
            owner: Some(owner.to_uppercase()),
            ..Filters::default()
        },
    )
    .await;
    assert!(!owned.hits.is_empty());
    assert!(owned.hits.iter().all(|h| {
        h.owner
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case(&owner))
    }));
    assert_eq!(owned.applied, [Filter::Owner]);
    let by_name = search(
        drive,
        "budget",
        Filters {
            owner: Some("Alice Nguyen".into()),
            ..Filters::default()
        },
    )
    .await;
    assert_eq!(ids(&by_name), ids(&all), "left to the service");
    assert!(by_name.applied.is_empty());
}

#[tokio::test]
async fn drive_over_rest_applies_times_owners_kinds_and_a_shared_drive() {
    drive_applies_filters(&[]).await;

    // One shared drive as the corpus: only its files, and the filter is named.
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[("GOOGLE_DRIVE_MODE", "descope_outbound")]);
    let drive = sources[&SourceKind::GoogleDrive].as_ref();
    let all = search(drive, "budget", Filters::default()).await;
    let shared: Vec<&str> = all
        .hits
        .iter()
        .filter(|h| h.snippet.contains("in a shared drive"))
        .map(|h| h.item_id.as_str())
        .collect();
    assert!(!shared.is_empty(), "the demo has shared-drive files");
    let in_drive = |id: &str| Filters {
        containers: [(SourceKind::GoogleDrive, vec![id.to_owned()])].into(),
        ..Filters::default()
    };
    // The demo's one shared drive (infra/fakes/corpus/demo.json).
    let finance = search(drive, "budget", in_drive("0AFinanceSharedDrv")).await;
    let finance_ids: Vec<&str> = finance.hits.iter().map(|h| h.item_id.as_str()).collect();
    assert!(!finance_ids.is_empty());
    assert!(
        finance_ids.iter().all(|id| shared.contains(id)),
        "{finance_ids:?} in {shared:?}"
    );
    assert_eq!(finance.applied, [Filter::Container]);
    let nowhere = search(drive, "budget", in_drive("0ANoSuchDrive")).await;
    assert!(nowhere.hits.is_empty(), "{:?}", ids(&nowhere));
    assert_eq!(nowhere.applied, [Filter::Container]);
}

#[tokio::test]
async fn drive_over_mcp_applies_the_same_filters_but_containers() {
    drive_applies_filters(&[("GOOGLE_DRIVE_TRANSPORT", "mcp")]).await;
}

#[tokio::test]
async fn gmail_narrows_upstream_and_leaves_the_check_to_the_service() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[("GMAIL_MODE", "descope_outbound")]);
    let gmail = sources[&SourceKind::Gmail].as_ref();
    let all = search(gmail, "globex", Filters::default()).await;
    assert!(all.hits.len() > 1, "{:?}", ids(&all));
    // Gmail's MCP server dates a message by its day.
    let day = |h: &workplace_connectors::SearchHit| {
        workplace_connectors::query::filters::parse_time(h.modified_time.as_deref().unwrap())
            .unwrap()
    };
    let latest = all.hits.iter().map(day).max().unwrap();
    let newer = search(
        gmail,
        "globex",
        Filters {
            modified_after: Some(latest),
            ..Filters::default()
        },
    )
    .await;
    assert!(!newer.hits.is_empty() && newer.hits.len() < all.hits.len());
    assert!(
        newer
            .query
            .contains(&format!("after:{}", latest.unix_timestamp())),
        "{}",
        newer.query
    );
    assert!(newer.applied.is_empty(), "a thread is shown by one message");
    assert!(
        all.hits
            .iter()
            .all(|h| h.owner.is_some() && h.created_time.is_some())
    );

    // A hostile owner never reaches the query.
    let odd = search(
        gmail,
        "globex",
        Filters {
            owner: Some("x OR from:someone".into()),
            ..Filters::default()
        },
    )
    .await;
    assert!(!odd.query.contains("someone"), "{}", odd.query);
}

#[tokio::test]
async fn notion_reports_its_pages_times_for_the_service() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[("NOTION_MODE", "descope_outbound")]);
    let notion = sources[&SourceKind::Notion].as_ref();
    let found = search(
        notion,
        "onboarding",
        Filters {
            modified_after: Some(datetime!(2020-01-01 0:00 UTC)),
            ..Filters::default()
        },
    )
    .await;
    assert!(!found.hits.is_empty());
    assert!(found.applied.is_empty());
    assert!(
        found
            .hits
            .iter()
            .all(|h| h.modified_time.is_some() && h.created_time.is_some())
    );
}

#[tokio::test]
async fn calendar_hits_carry_their_created_time_and_organizer_for_the_service() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[
        ("GOOGLE_CALENDAR_MODE", "descope_outbound"),
        ("OUTLOOK_CALENDAR_MODE", "descope_outbound"),
    ]);
    for kind in [SourceKind::GoogleCalendar, SourceKind::OutlookCalendar] {
        let found = search(sources[&kind].as_ref(), "globex", Filters::default()).await;
        assert!(!found.hits.is_empty(), "{kind}");
        for hit in &found.hits {
            at(&hit.created_time);
            assert!(
                hit.owner.as_deref().is_some_and(|o| o.contains('@')),
                "{kind}: {}",
                hit.title
            );
        }
    }
}
