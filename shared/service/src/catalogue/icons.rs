//! The tools' icons (MCP 2025-11-25 `icons`), for hosts that show a tool picker: small SVGs carried
//! as `data:` URIs, so a client draws them without fetching anything (an icon URL would tell a
//! third party whenever a catalogue is listed). Strokes use `currentColor`, so one icon suits
//! light and dark themes.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

/// A magnifier: the two search tools.
pub(super) const SEARCH: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="11" cy="11" r="7"/><path d="m20 20-4-4"/></svg>"#;

/// A page: `fetch`.
pub(super) const DOCUMENT: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M6 2h8l4 4v16H6z"/><path d="M14 2v4h4M9 12h6M9 16h6"/></svg>"#;

/// A speech bubble: `add_comment`.
pub(super) const COMMENT: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M4 4h16v12H9l-5 4z"/></svg>"#;

/// A calendar page: `list_events`.
pub(super) const CALENDAR: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/></svg>"#;

/// What a `data:` URI must escape; `/`, `:`, `=`, space-free SVG punctuation stay readable.
const DATA: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b':')
    .remove(b'=')
    .remove(b'.')
    .remove(b'-')
    .remove(b'_');

/// The `icons` array of a tool drawn by `svg`.
pub(super) fn icons(svg: &str) -> Value {
    json!([{
        "src": format!("data:image/svg+xml,{}", utf8_percent_encode(svg, DATA)),
        "mimeType": "image/svg+xml",
        "sizes": ["any"],
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_are_self_contained_svg_data_uris() {
        for svg in [SEARCH, DOCUMENT, COMMENT, CALENDAR] {
            let icons = icons(svg);
            let src = icons[0]["src"].as_str().unwrap();
            let encoded = src.strip_prefix("data:image/svg+xml,").unwrap();
            let decoded = percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .unwrap();
            assert_eq!(decoded, svg);
            assert!(
                src.is_ascii() && !src.contains(['"', ' ', '<', '>', '#']),
                "{src}"
            );
            // Nothing to run, nothing to fetch: only the SVG namespace is a URL.
            assert!(!svg.contains("<script") && !svg.contains("href"), "{svg}");
            assert_eq!(svg.matches("http").count(), 1, "{svg}");
        }
    }
}
