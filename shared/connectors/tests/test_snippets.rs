//! Text for query-aware snippets, against the fakes over real HTTP: Drive hits are read with one
//! export or download, Notion hits from the per-container cache while their `last_edited_time`
//! is unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use workplace_connectors::passage::{best_passage, terms};

/// Whether `snippet` holds a term of `query` (case-insensitively).
fn has_term(snippet: &str, query: &str) -> bool {
    let snippet = snippet.to_lowercase();
    terms(query).iter().any(|t| snippet.contains(t.as_str()))
}

#[tokio::test]
async fn drive_hits_give_their_text_in_one_read_and_the_passage_holds_the_query() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    let query = "search ranking";
    let hits = drive
        .search(
            &dev(),
            query,
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let docx = hits
        .iter()
        .find(|h| h.title == "Design doc - workplace search ranking.docx")
        .unwrap();
    assert!(docx.snippet.contains("owned by"), "{}", docx.snippet);
    let before = h.count("drive.content");
    let text = drive
        .hit_text(
            &dev(),
            docx,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        h.count("drive.content"),
        before + 1,
        "one download, no metadata call"
    );
    let passage = best_passage(&text, query).unwrap();
    assert!(has_term(&passage, query), "{passage}");
    assert!(!passage.contains("owned by"), "{passage}");
    // Found again, unchanged (`modifiedTime`): the text comes from the cache; a fetch asks only
    // for the metadata that proves access and names the edition.
    let again = drive
        .hit_text(
            &dev(),
            docx,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(again.as_deref(), Some(text.as_str()));
    assert_eq!(
        h.count("drive.content"),
        before + 1,
        "served from the cache"
    );
    let fetched = drive
        .content_of(
            &dev(),
            &docx.item_id,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(fetched.text, text);
    assert_eq!(h.count("drive.content"), before + 2, "metadata only");

    // A Google Doc is exported as text; an encrypted PDF has no text to show.
    let hits = drive
        .search(
            &dev(),
            "budget",
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let doc = hits
        .iter()
        .find(|h| h.title == "FY2027 Q1 Quarterly Budget")
        .unwrap();
    let text = drive
        .hit_text(
            &dev(),
            doc,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(has_term(&best_passage(&text, "budget").unwrap(), "budget"));
}

#[tokio::test]
async fn an_office_file_over_the_snippet_download_cap_gets_no_snippet_but_is_still_fetched() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[("SNIPPET_MAX_DOWNLOAD_BYTES", "1024")])[&SourceKind::GoogleDrive];
    let hits = drive
        .search(
            &dev(),
            "search ranking",
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let docx = hits
        .iter()
        .find(|h| h.title == "Design doc - workplace search ranking.docx")
        .unwrap();
    // 36 KB: over the 1 KiB snippet cap, so only its first KiB is downloaded and nothing parsed.
    assert_eq!(
        drive
            .hit_text(
                &dev(),
                docx,
                20_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8)
            )
            .await
            .unwrap(),
        None
    );
    // The whole file is still read for a fetch, under CONTENT_MAX_DOWNLOAD_BYTES.
    let fetched = drive
        .content_of(
            &dev(),
            &docx.item_id,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(fetched.text.contains("ranking"), "{}", fetched.text);
}

#[tokio::test]
async fn notion_text_is_cached_by_page_and_edit_time() {
    let h = harness(Duration::from_secs(3600)).await;
    let notion = &h.sources(&[])[&SourceKind::Notion];
    let query = "quarterly budget";
    let hits = notion
        .search(
            &dev(),
            query,
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(!hits.is_empty());
    assert_eq!(h.count("notion.blocks"), 0, "the search reads no blocks");
    for hit in &hits {
        let text = notion
            .hit_text(
                &dev(),
                hit,
                20_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap()
            .unwrap();
        let passage = best_passage(&text, query).unwrap();
        assert!(has_term(&passage, query), "{}: {passage}", hit.title);
    }
    let first_round = h.count("notion.blocks");
    assert!(first_round >= hits.len());

    // The same pages again, unchanged: no blocks request, the same text.
    let again = notion
        .search(
            &dev(),
            query,
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let page = &again[0];
    let cached = notion
        .hit_text(
            &dev(),
            page,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    for hit in &again {
        notion
            .hit_text(
                &dev(),
                hit,
                20_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        h.count("notion.blocks"),
        first_round,
        "served from the cache"
    );
    assert!(cached.is_some());
    // Snippets read a page's own blocks only; a fetch reads the whole tree once, then the cache
    // answers fetches and snippets alike.
    let content = notion
        .content_of(
            &dev(),
            &page.item_id,
            100_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let after_fetch = h.count("notion.blocks");
    let again = notion
        .content_of(
            &dev(),
            &page.item_id,
            100_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    notion
        .hit_text(
            &dev(),
            page,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        h.count("notion.blocks"),
        after_fetch,
        "served from the cache"
    );
    assert_eq!(again.text, content.text);

    // An edit changes `last_edited_time`: the next read renders the page afresh.
    h.fakes
        .state
        .edit(&page.item_id, "2026-12-01T10:00:00.000Z");
    let edited = notion
        .search(
            &dev(),
            query,
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let edited = edited.iter().find(|h| h.item_id == page.item_id).unwrap();
    assert_eq!(
        edited.modified_time.as_deref(),
        Some("2026-12-01T10:00:00.000Z")
    );
    notion
        .hit_text(
            &dev(),
            edited,
            20_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(
        h.count("notion.blocks") > first_round,
        "refetched after the edit"
    );
}
