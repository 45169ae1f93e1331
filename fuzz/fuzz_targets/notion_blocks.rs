//! A Notion `GET /v1/blocks/{id}/children` body (and a `POST /v1/search` body) as the upstream
//! sends it, through the connector's own wire types and rendering
//! (`shared/connectors/src/notion/render.rs`, via its `fuzzing` entry points).
//!
//! Invariants beyond "no panic":
//! - rendering is bounded by its input: the text is never longer than what the blocks carry plus
//!   indentation and fixed markers, so no body can make the function amplify memory;
//! - the query-aware snippet is at most 240 characters plus an ellipsis at each end;
//! - rendered text ends with a newline; rendering is deterministic, and rendering deeper changes
//!   only indentation (same blocks, same snippet, never shorter text);
//! - every page hit has a non-empty title.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workplace_connectors::notion::fuzzing::{render_children, search_titles};

fuzz_target!(|data: &[u8]| {
    if let Some(rendered) = render_children(data, 0) {
        assert!(
            rendered.text.len() <= rendered.bound,
            "{} bytes rendered, bound {}",
            rendered.text.len(),
            rendered.bound
        );
        assert!(rendered.snippet.chars().count() <= 242);
        if !rendered.text.is_empty() {
            assert!(rendered.text.ends_with('\n'));
        }
        assert_eq!(render_children(data, 0), Some(rendered.clone()));
        let nested = render_children(data, 3).expect("the same body parses at any depth");
        assert_eq!(nested.blocks, rendered.blocks);
        assert_eq!(nested.snippet, rendered.snippet);
        assert!(nested.text.len() <= nested.bound);
        assert!(nested.text.len() >= rendered.text.len());
    }
    if let Some(titles) = search_titles(data) {
        assert!(titles.iter().all(|t| !t.is_empty()));
    }
});
