//! The grammar of each source's item ids.
//!
//! A `fetch` id comes from the caller (a model, which may have been prompt-injected), and the item
//! part ends up in an upstream URL path. Pasting it would let a caller steer the server's
//! credential at any path of the upstream API (`notion:<id>/../../v1/users`), add a query string
//! (`?filter=1`) or smuggle an encoded slash (`%2F`). So every id is *parsed* into a typed value
//! whose alphabet cannot express a path separator, a dot segment, a query, a fragment or a percent
//! escape, and URLs are then built from those values one path segment at a time
//! (`endpoint.rs`), never by string formatting.
//!
//! Each source's grammar lives in its folder (`<source>/id.rs`) and is named by its registry
//! entry; this module holds the error and the checks every grammar shares.

use crate::SourceKind;

/// Why an item id is not one the source could have issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Nothing after the prefix (or an empty part).
    #[error("is empty")]
    Empty,
    /// Longer than any id the source issues.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The bound.
        max: usize,
    },
    /// A character outside the source's alphabet (`/`, `?`, `#`, `%`, `.`, non-ASCII, ...).
    #[error("contains {found:?}, which {within} ids never contain")]
    Character {
        /// The first offending character.
        found: char,
        /// The source's display name.
        within: &'static str,
    },
    /// A `.` or `..` segment.
    #[error("contains a `.` or `..` segment")]
    DotSegment,
    /// The right characters in the wrong shape.
    #[error("{0}")]
    Shape(&'static str),
}

pub use crate::drive::id::{DriveFileId, MAX_DRIVE_ID};
pub use crate::graph::id::{GraphItemId, MAX_GRAPH_SEGMENT};
pub use crate::notion::id::NotionId;

/// A source's parsed item id, as [`crate::ItemId`] holds it: a connector takes its own type out
/// of an `ItemId` with [`SourceId::of`] (implemented by the registry's `sources!` list).
pub trait SourceId: Sized {
    /// This source's id inside `id`; `None` when `id` names another source's item.
    fn of(id: &crate::ItemId) -> Option<&Self>;
}

/// Checks `item` against `source`'s grammar and returns its canonical form.
pub fn canonical(source: SourceKind, item: &str) -> Result<String, IdError> {
    crate::ItemId::new(source, item).map(|id| id.item().to_string())
}

/// Refuses a `.` or `..` segment.
pub(crate) fn dot_segment(s: &str) -> Result<(), IdError> {
    if s.split('/').any(|part| part == "." || part == "..") {
        Err(IdError::DotSegment)
    } else {
        Ok(())
    }
}

/// One path segment: non-empty, not a dot segment, bounded, within `allowed`.
pub(crate) fn segment(
    s: &str,
    source: SourceKind,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), IdError> {
    dot_segment(s)?;
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if let Some(found) = s.chars().find(|c| !allowed(*c)) {
        return Err(IdError::Character {
            found,
            within: source.display_name(),
        });
    }
    if s.len() > max {
        return Err(IdError::TooLong { max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab";

    #[test]
    fn canonical_dispatches_by_source() {
        assert_eq!(
            canonical(SourceKind::Notion, "2f1c4b6e8d3a4f7e9a2b0123456789AB").unwrap(),
            UUID
        );
        assert!(canonical(SourceKind::GoogleDrive, "a/b").is_err());
        assert!(canonical(SourceKind::Sharepoint, "b!x/01A").is_ok());
    }
}
