//! A `fetch` id as a (possibly prompt-injected) model sends it: `<source>:<item id>`, through
//! `ItemId::parse` and each source's grammar (`workplace_connectors::id`), then into the upstream
//! URL the connector builds from it.
//!
//! Invariants beyond "no panic":
//! - the parts of a parsed id that become URL path segments never contain `/`, `..`, `?`, `#`,
//!   `%` (so no `%2F` either), control characters or anything outside ASCII, and are never empty;
//! - the URL built from them has exactly the path the connector means (each part one segment,
//!   verbatim) and no query or fragment: an id cannot steer the server's credential elsewhere;
//! - round trip: an id displays as a string that parses to the same id, and canonical forms are
//!   fixed points of `canonical`;
//! - the parser agrees with each source's own parser, and the bounds hold.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use workplace_connectors::id::{
    DriveFileId, GraphItemId, MAX_DRIVE_ID, MAX_GRAPH_SEGMENT, NotionId, canonical,
};
use workplace_connectors::{BaseUrl, ItemId, SourceKind};

static BASE: LazyLock<BaseUrl> = LazyLock::new(|| {
    BaseUrl::parse("FUZZ", "https://upstream.example/prefix").expect("a valid base URL")
});

/// A part of an id that goes into one URL path segment.
fn check_segment(part: &str) {
    assert!(!part.is_empty());
    assert!(part != "." && part != "..");
    for forbidden in ["/", "..", "?", "#", "%", "\\"] {
        assert!(!part.contains(forbidden), "{part:?} contains {forbidden:?}");
    }
    assert!(part.chars().all(|c| c.is_ascii_graphic()), "{part:?}");
}

/// Builds the URL the way the connectors do and checks it is exactly that path.
fn check_url(parts: &[&str]) {
    let url = BASE.join(parts);
    assert_eq!(url.query(), None);
    assert_eq!(url.fragment(), None);
    assert_eq!(url.host_str(), Some("upstream.example"));
    let segments: Vec<&str> = url.path_segments().expect("a base URL").collect();
    let mut expected = vec!["prefix"];
    expected.extend_from_slice(parts);
    assert_eq!(segments, expected, "{url}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = ItemId::parse(text) {
        assert!(text.len() <= ItemId::MAX_LEN);
        let shown = id.to_string();
        assert_eq!(ItemId::parse(&shown).as_ref(), Ok(&id));
        assert_eq!(
            canonical(id.source, &id.item).as_deref(),
            Ok(id.item.as_str())
        );
        match id.source {
            SourceKind::Notion => {
                let notion = NotionId::parse(&id.item).expect("a canonical Notion id");
                check_segment(notion.as_str());
                assert_eq!(notion.as_str().len(), 36);
                check_url(&["v1", "pages", notion.as_str()]);
                check_url(&["v1", "blocks", notion.as_str(), "children"]);
            }
            SourceKind::GoogleDrive => {
                let file = DriveFileId::parse(&id.item).expect("a canonical Drive id");
                check_segment(file.as_str());
                assert!(file.as_str().len() <= MAX_DRIVE_ID);
                check_url(&["drive", "v3", "files", file.as_str()]);
            }
            SourceKind::Sharepoint => {
                let item = GraphItemId::parse(&id.item).expect("a canonical Graph id");
                for part in [item.drive(), item.item()] {
                    check_segment(part);
                    assert!(part.len() <= MAX_GRAPH_SEGMENT);
                }
                check_url(&[
                    "v1.0",
                    "drives",
                    item.drive(),
                    "items",
                    item.item(),
                    "content",
                ]);
            }
        }
    }
    // Each grammar on its own, on the raw text (a caller's id part may reach any of them).
    if let Ok(notion) = NotionId::parse(text) {
        check_segment(notion.as_str());
        assert_eq!(NotionId::parse(notion.as_str()).as_ref(), Ok(&notion));
    }
    if let Ok(file) = DriveFileId::parse(text) {
        check_segment(file.as_str());
        assert_eq!(file.as_str(), text);
    }
    if let Ok(item) = GraphItemId::parse(text) {
        check_segment(item.drive());
        check_segment(item.item());
        assert_eq!(item.to_string(), text);
        assert_eq!(item.is_list_item(), item.drive() == GraphItemId::LIST);
    }
});
