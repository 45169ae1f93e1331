//! A strict reader of `workplace_search`'s text rendering (`untrusted::render_search`): what a
//! client that trusts only our structure would take from it. Shared by the property test and the
//! end-to-end test over the demo workspace's hostile documents.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use workplace_service::untrusted;

/// What a strict reader finds in a rendering: result ids and titles, fenced bodies, source-status
/// lines.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub ids: Vec<String>,
    pub titles: Vec<String>,
    /// Each result line's values: id, title, date, snippet.
    pub lines: Vec<Vec<String>>,
    pub bodies: Vec<String>,
    pub statuses: Vec<String>,
}

/// The separator between a result line's quoted values.
const SEPARATORS: [&str; 1] = [" · "];

/// Reads a result line's values: string literals with only our separators between them.
fn quoted_sequence(mut rest: &str) -> Vec<String> {
    let mut values = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with('"') {
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            let value = stream
                .next()
                .expect("a value")
                .unwrap_or_else(|e| panic!("not a string literal: {rest:?}: {e}"));
            rest = &rest[stream.byte_offset()..];
            values.push(value);
        } else {
            let separator = SEPARATORS
                .iter()
                .find(|s| rest.starts_with(**s))
                .unwrap_or_else(|| panic!("text we did not write in a result line: {rest:?}"));
            rest = &rest[separator.len()..];
        }
    }
    values
}

/// Reads a rendering line by line: a fence opened by `<<<third-party-text NONCE` ends only at
/// `third-party-text NONCE>>>`; every other line must be one of ours, and its quoted values must
/// be JSON string literals with only our separators between them.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut lines = text.split('\n');
    let quoted = |value: &str| -> String {
        serde_json::from_str::<String>(value)
            .unwrap_or_else(|e| panic!("not one string literal: {value:?}: {e}"))
    };
    while let Some(line) = lines.next() {
        if let Some(nonce) = line.strip_prefix("<<<third-party-text ") {
            let close = format!("third-party-text {nonce}>>>");
            let mut body = Vec::new();
            loop {
                let inner = lines.next().expect("a fence is closed");
                if inner == close {
                    break;
                }
                body.push(inner);
            }
            parsed.bodies.push(body.join("\n"));
        } else if let Some(rest) = line.strip_prefix("Result ") {
            let (_, values) = rest.split_once(": ").expect("Result N: values");
            let values = quoted_sequence(values);
            assert_eq!(values.len(), 4, "id, title, date, snippet: {line:?}");
            parsed.ids.push(values[0].clone());
            parsed.titles.push(values[1].clone());
            parsed.lines.push(values);
        } else if let Some(error) = line.strip_prefix("Content error: ") {
            quoted(error);
        } else if let Some(status) = line.strip_prefix("Source status: ") {
            parsed.statuses.push(status.to_owned());
        } else {
            assert!(
                line.is_empty()
                    || line.starts_with("Found ")
                    || line.starts_with("Content budget: ")
                    || line.starts_with("Next page: ")
                    || line == untrusted::NOTICE,
                "a line we did not write: {line:?}"
            );
        }
    }
    parsed
}
