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
use workplace_connectors::gmail::id::{GmailItemId, MAX_GMAIL_ID};
use workplace_connectors::id::{
    DriveFileId, GraphItemId, MAX_DRIVE_ID, MAX_GRAPH_SEGMENT, NotionId, canonical,
};
use workplace_connectors::outlook_mail::id::{MAX_MESSAGE_ID, MessageId};
use workplace_connectors::salesforce::id::RecordId;
use workplace_connectors::{BaseUrl, ItemId};
use workplace_connectors::{google_calendar, outlook_calendar};

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
        let item = id.item().to_string();
        assert_eq!(canonical(id.source(), &item).as_deref(), Ok(item.as_str()));
        // The typed value the source is handed: each part one segment (or argument), bounded.
        match &id {
            ItemId::Notion(notion) => {
                check_segment(notion.as_str());
                assert_eq!(notion.as_str().len(), 36);
                check_url(&["v1", "pages", notion.as_str()]);
                check_url(&["v1", "blocks", notion.as_str(), "children"]);
            }
            ItemId::GoogleDrive(file) => {
                check_segment(file.as_str());
                assert!(file.as_str().len() <= MAX_DRIVE_ID);
                check_url(&["drive", "v3", "files", file.as_str()]);
            }
            ItemId::Sharepoint(item) => {
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
            ItemId::Gmail(gmail) => {
                // Tool arguments, not a URL; the same alphabet all the same.
                for part in [gmail.thread(), gmail.message()] {
                    check_segment(part);
                    assert!(part.len() <= MAX_GMAIL_ID);
                }
            }
            ItemId::OutlookMail(message) => {
                check_segment(message.as_str());
                assert!(message.as_str().len() <= MAX_MESSAGE_ID);
                check_url(&["v1.0", "me", "messages", message.as_str()]);
                check_url(&["v1.0", "me", "messages", message.as_str(), "attachments"]);
            }
            ItemId::Salesforce(record) => {
                // The id goes into SOQL as a quoted literal and into the Lightning link's path.
                assert_eq!(record.as_str().len(), 18);
                assert!(record.as_str().chars().all(|c| c.is_ascii_alphanumeric()));
                check_url(&[
                    "lightning",
                    "r",
                    record.object().api_name(),
                    record.as_str(),
                    "view",
                ]);
            }
            ItemId::GoogleCalendar(event) => {
                check_segment(event.as_str());
                assert!(event.as_str().len() <= google_calendar::id::MAX_EVENT_ID);
            }
            ItemId::OutlookCalendar(event) => {
                check_segment(event.as_str());
                assert!(event.as_str().len() <= outlook_calendar::id::MAX_EVENT_ID);
                check_url(&["v1.0", "me", "events", event.as_str()]);
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
    if let Ok(gmail) = GmailItemId::parse(text) {
        check_segment(gmail.thread());
        check_segment(gmail.message());
        assert_eq!(gmail.to_string(), text);
    }
    if let Ok(message) = MessageId::parse(text) {
        check_segment(message.as_str());
        assert_eq!(message.as_str(), text);
    }
    if let Ok(record) = RecordId::parse(text) {
        // The first fifteen characters are the id; the suffix is a (case-folded) checksum.
        assert_eq!(record.as_str().get(..15), text.get(..15));
        assert_eq!(RecordId::parse(record.as_str()).as_ref(), Ok(&record));
    }
    if let Ok(event) = google_calendar::id::EventId::parse(text) {
        check_segment(event.as_str());
    }
    if let Ok(event) = outlook_calendar::id::EventId::parse(text) {
        check_segment(event.as_str());
    }
});
