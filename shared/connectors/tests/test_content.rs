//! Reading items through the fakes: Drive exports and their limits, Notion's nested blocks, Graph's
//! highlights, deduplication, app-only region and downloads without the bearer token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn drive_content_exports_docs_and_reports_the_export_limit() {
    let h = harness(Duration::from_secs(3600)).await;
    let drive = &h.sources(&[])[&SourceKind::GoogleDrive];
    let hits = drive
        .search(
            &dev(),
            "budget",
            50,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let id = |title: &str| {
        hits.iter()
            .find(|h| h.title == title)
            .unwrap()
            .item_id
            .clone()
    };

    let doc = drive
        .content_of(
            &dev(),
            &id("FY2027 Q1 Quarterly Budget"),
            100_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(
        doc.text.starts_with("FY2027 Q1") || doc.text.contains("Quarterly Budget"),
        "{}",
        doc.text
    );
    assert!(
        !doc.text.starts_with('\u{feff}'),
        "the byte-order mark is stripped"
    );
    let cut = drive
        .content_of(
            &dev(),
            &id("FY2027 Q1 Quarterly Budget"),
            20,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!((cut.text.chars().count(), cut.truncated), (20, true));

    let sheet = drive
        .content_of(
            &dev(),
            &id("Quarterly budget tracker FY2027"),
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(
        sheet.text.starts_with("Quarter,Department"),
        "{}",
        sheet.text
    );

    let huge = drive
        .content_of(
            &dev(),
            &id("Board deck FY2027 budget (huge)"),
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(huge.text.is_empty());
    assert!(huge.unavailable_reason.unwrap().contains("10 MB"));

    let pdf = drive
        .content_of(
            &dev(),
            &id("Vendor quarterly budget invoice scan.pdf"),
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    // A scanned PDF is read now, and says why it has no text (issue 14: it said
    // "no text extraction for application/pdf files" before extraction existed).
    assert!(pdf.unavailable_reason.unwrap().contains("no text layer"));
    let text = drive
        .content_of(
            &dev(),
            &id("budget-export-notes.txt"),
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(text.text.contains("UTF-8"));
}

#[tokio::test]
async fn notion_search_is_by_title_and_content_renders_nested_blocks() {
    let h = harness(Duration::from_secs(3600)).await;
    let notion = &h.sources(&[])[&SourceKind::Notion];
    let hits = notion
        .search(
            &dev(),
            "quarterly budget",
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let found = titles(&hits);
    assert!(
        found.contains(&"Quarterly budget FAQ (database row)".to_owned()),
        "title from the `Name` property: {found:?}"
    );
    // Snippets no longer cost a blocks round trip inside the search (issue 15): the service reads
    // each hit's text afterwards, through `hit_text`, and cuts the passage matching the query.
    assert_eq!(h.count("notion.blocks"), 0, "the search is one round trip");
    for hit in &hits {
        let text = notion
            .hit_text(
                &dev(),
                hit,
                2_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        assert!(
            text.is_some_and(|t| !t.is_empty()),
            "{}: text comes from the blocks",
            hit.title
        );
    }
    let request = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "notion.search")
        .unwrap();
    assert!(
        request
            .body
            .unwrap()
            .contains(r#""filter":{"property":"object","value":"page"}"#)
    );

    let page = hits
        .iter()
        .find(|h| h.title == "FY2027 Q3 Quarterly Budget")
        .unwrap();
    let content = notion
        .content_of(
            &dev(),
            &page.item_id,
            100_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(
        content.text.starts_with("# Q3 FY2027 Quarterly Budget"),
        "{}",
        content.text
    );
    assert!(content.text.contains("## Summary"));
    assert!(
        content.text.contains("\n  - Cloud spend target"),
        "nested bullets are indented: {}",
        content.text
    );
    assert!(content.text.contains("[x] Department heads signed off"));
    assert!(!content.truncated);
}

#[tokio::test]
async fn graph_search_strips_highlights_dedupes_and_downloads_without_the_bearer() {
    let h = harness(Duration::from_secs(3600)).await;
    let graph = &h.sources(&[])[&SourceKind::Sharepoint];
    let hits = graph
        .search(
            &dev(),
            "quarterly budget",
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(!hits.is_empty());
    let mut urls: Vec<_> = hits.iter().map(|h| h.url.clone()).collect();
    urls.dedup();
    assert_eq!(
        urls.len(),
        hits.len(),
        "driveItem and listItem copies of a file are one hit"
    );
    assert!(
        hits.iter()
            .all(|h| !h.snippet.contains("<c0>") && !h.snippet.contains("<ddd/>"))
    );
    let body = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "graph.search")
        .unwrap()
        .body
        .unwrap();
    assert!(
        body.contains(r#""entityTypes":["driveItem","listItem"]"#),
        "{body}"
    );

    let budget = hits
        .iter()
        .find(|h| h.title == "FY2027 Q4 Quarterly Budget.md")
        .unwrap();
    let content = graph
        .content_of(
            &dev(),
            &budget.item_id,
            100_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(content.text.contains("Q4 FY2027 Quarterly Budget"));
    let download = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "download")
        .unwrap();
    assert!(
        !download.authorization,
        "the bearer token never follows the redirect"
    );

    let docx = graph
        .search(
            &dev(),
            "marketing budget plan",
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let docx = graph
        .content_of(
            &dev(),
            &docx[0].item_id,
            1000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    // Office files are extracted now (issue 14: this answered "no plain-text conversion").
    assert_eq!(docx.unavailable_reason, None);
    assert!(
        docx.text.contains("Marketing budget plan 2027"),
        "{}",
        docx.text
    );
}

#[tokio::test]
async fn graph_app_only_needs_a_valid_region() {
    let h = harness(Duration::from_secs(3600)).await;
    let graph = &h.sources(&[("SHAREPOINT_MODE", "service"), ("GRAPH_REGION", "NAM")])
        [&SourceKind::Sharepoint];
    let hits = graph
        .search(
            &dev(),
            "budget",
            20,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(!hits.is_empty());
    assert!(
        !titles(&hits)
            .iter()
            .any(|t| t.contains("Q4 Quarterly Budget")),
        "app-only sees only what is shared with everyone"
    );
    let body = h
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.route == "graph.search")
        .unwrap()
        .body
        .unwrap();
    assert!(body.contains(r#""region":"NAM""#));

    let graph = &h.sources(&[("SHAREPOINT_MODE", "service"), ("GRAPH_REGION", "MARS")])
        [&SourceKind::Sharepoint];
    let err = graph
        .search(
            &dev(),
            "budget",
            5,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::Upstream { status: Some(400), message, .. } if message.contains("region")),
        "{err:?}"
    );
}

/// Graph's `/content` answering 302 to a plain-http host, a foreign host or a local file: the
/// redirect is not followed, no download request is made, and the item says why. The hosts are
/// under `.invalid` (RFC 6761, never resolves), so a regression cannot send a request off this
/// machine; the instance-metadata address itself is refused in `endpoint`'s unit tests.
#[tokio::test]
async fn a_sharepoint_download_redirect_off_microsoft_hosts_is_refused() {
    let h = harness(Duration::from_secs(3600)).await;
    let graph = &h.sources(&[])[&SourceKind::Sharepoint];
    let hits = graph
        .search(
            &dev(),
            "quarterly budget",
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let budget = hits
        .iter()
        .find(|h| h.title == "FY2027 Q4 Quarterly Budget.md")
        .unwrap();
    for (target, why) in [
        (
            "http://instance-metadata.invalid/latest/meta-data",
            "`http` is not https",
        ),
        ("https://evil.invalid", "evil.invalid"),
        ("file:///etc/passwd", "no host"),
    ] {
        h.fakes
            .state
            .download_base
            .lock()
            .unwrap()
            .clone_from(&target.to_owned());
        let content = graph
            .content_of(
                &dev(),
                &budget.item_id,
                100_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        let reason = content.unavailable_reason.unwrap_or_default();
        assert!(reason.starts_with("not downloaded: "), "{target}: {reason}");
        assert!(reason.contains(why), "{target}: {reason}");
        assert!(content.text.is_empty(), "{target}");
    }
    assert_eq!(h.count("graph.content"), 3, "each read reached /content");
    assert_eq!(h.count("download"), 0, "no download was requested");
}

/// The snippet phase renders a Notion page's top-level blocks only and caches that; a fetch paged
/// afterwards (each page asks for `offset + max_chars + 1` characters, as the `fetch` tool does)
/// must cut every page from one full render: the nested bullets appear exactly once and the pages
/// put together are the page's whole text.
#[tokio::test]
async fn notion_fetch_pages_come_from_one_full_render_after_a_snippet() {
    let h = harness(Duration::from_secs(3600)).await;
    let title = "FY2027 Q3 Quarterly Budget";
    let whole = {
        // A fresh container: no snippet cached.
        let notion = &h.sources(&[])[&SourceKind::Notion];
        let hits = notion
            .search(
                &dev(),
                "quarterly budget",
                10,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        let page = hits.iter().find(|h| h.title == title).unwrap();
        notion
            .content_of(
                &dev(),
                &page.item_id,
                100_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap()
            .text
    };
    const NESTED: &str = "\n  - Cloud spend target";
    assert_eq!(whole.matches(NESTED).count(), 1, "{whole}");

    let notion = &h.sources(&[])[&SourceKind::Notion];
    let hits = notion
        .search(
            &dev(),
            "quarterly budget",
            10,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    let page = hits.iter().find(|h| h.title == title).unwrap();
    let snippet = notion
        .hit_text(
            &dev(),
            page,
            2_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        !snippet.contains(NESTED),
        "the snippet render is top-level only: {snippet}"
    );
    // Pages shorter than the snippet render, so the first ones could be cut from it.
    let page_chars = 40;
    assert!(snippet.chars().count() > 2 * page_chars + 1);
    let mut pieced = String::new();
    let mut offset = 0;
    loop {
        let content = notion
            .content_of(
                &dev(),
                &page.item_id,
                offset + page_chars + 1,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap();
        let piece: String = content.text.chars().skip(offset).take(page_chars).collect();
        if piece.is_empty() {
            break;
        }
        offset += piece.chars().count();
        pieced.push_str(&piece);
    }
    assert_eq!(pieced.matches(NESTED).count(), 1, "{pieced}");
    assert_eq!(pieced, whole, "nothing lost or repeated across pages");
}
