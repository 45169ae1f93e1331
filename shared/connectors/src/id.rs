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
//! | source | grammar | canonical form |
//! |---|---|---|
//! | Notion | a UUID: 32 hex digits, bare or dashed 8-4-4-4-12 | dashed, lowercase |
//! | Google Drive | `[A-Za-z0-9_-]`, 1 to 128 characters | as given |
//! | SharePoint (Graph) | `<drive id>/<item id>`, each `[A-Za-z0-9!_-]`, 1 to 200 characters | as given |
//! | Google Calendar | an event id, `[A-Za-z0-9_]`, 1 to 1024 characters (`google_calendar/id.rs`) | as given |
//! | Outlook calendar | a Graph event id, `[A-Za-z0-9_=-]`, 1 to 500 characters (`outlook_calendar/id.rs`) | as given |
//!
//! Graph search also returns list items that have no drive; their ids are `list/<item id>` and
//! have no downloadable content.

use std::fmt;

use crate::SourceKind;

/// Longest Drive file id accepted. Drive's ids are 28 to 44 characters today.
pub const MAX_DRIVE_ID: usize = 128;
/// Longest Graph drive or item id accepted. Drive ids (`b!` + base64url) are about 66 characters.
pub const MAX_GRAPH_SEGMENT: usize = 200;

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

/// A Notion page or block id, canonical: lowercase, dashed 8-4-4-4-12.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotionId(String);

impl NotionId {
    const SHAPE: &'static str =
        "is not a UUID (a Notion id is 32 hex digits, with or without dashes: 8-4-4-4-12)";

    /// Parses a UUID with or without dashes.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let source = SourceKind::Notion.display_name();
        dot_segment(s)?;
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if let Some(found) = s.chars().find(|c| !c.is_ascii_hexdigit() && *c != '-') {
            return Err(IdError::Character {
                found,
                within: source,
            });
        }
        let hex: String = s.chars().filter(char::is_ascii_hexdigit).collect();
        let dashed = s.len() == 36 && [8, 13, 18, 23].iter().all(|&i| s.as_bytes()[i] == b'-');
        if hex.len() != 32 || !(s.len() == 32 || dashed) {
            return Err(IdError::Shape(Self::SHAPE));
        }
        let hex = hex.to_ascii_lowercase();
        Ok(Self(format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )))
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Google Drive file id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DriveFileId(String);

impl DriveFileId {
    /// Parses a Drive file id: `[A-Za-z0-9_-]`, at most [`MAX_DRIVE_ID`] characters.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        segment(s, SourceKind::GoogleDrive, MAX_DRIVE_ID, |c| {
            c.is_ascii_alphanumeric() || c == '_' || c == '-'
        })?;
        Ok(Self(s.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SharePoint/OneDrive item through Graph: the drive and the item in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphItemId {
    drive: String,
    item: String,
}

impl GraphItemId {
    /// The drive part of list items, which live in a list, not a drive.
    pub const LIST: &'static str = "list";

    /// Parses `<drive id>/<item id>`, each `[A-Za-z0-9!_-]` of at most [`MAX_GRAPH_SEGMENT`].
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let (drive, item) = s.split_once('/').ok_or(IdError::Shape(
            "a SharePoint id is `<drive id>/<item id>`, as search returns it",
        ))?;
        for part in [drive, item] {
            segment(part, SourceKind::Sharepoint, MAX_GRAPH_SEGMENT, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '!' | '_' | '-')
            })?;
        }
        Ok(Self {
            drive: drive.to_owned(),
            item: item.to_owned(),
        })
    }

    /// The drive id ([`Self::LIST`] for list items).
    pub fn drive(&self) -> &str {
        &self.drive
    }

    /// The item id within the drive.
    pub fn item(&self) -> &str {
        &self.item
    }

    /// Whether this is a list item (no drive, no file content).
    pub fn is_list_item(&self) -> bool {
        self.drive == Self::LIST
    }
}

impl fmt::Display for GraphItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.drive, self.item)
    }
}

/// Checks `item` against `source`'s grammar and returns its canonical form.
pub fn canonical(source: SourceKind, item: &str) -> Result<String, IdError> {
    Ok(match source {
        SourceKind::Notion => NotionId::parse(item)?.0,
        SourceKind::GoogleDrive => DriveFileId::parse(item)?.0,
        SourceKind::Sharepoint => GraphItemId::parse(item)?.to_string(),
        SourceKind::GoogleCalendar => crate::google_calendar::EventId::parse(item)?.to_string(),
        SourceKind::OutlookCalendar => crate::outlook_calendar::EventId::parse(item)?.to_string(),
    })
}

fn dot_segment(s: &str) -> Result<(), IdError> {
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
    fn notion_ids_are_uuids_normalized_to_dashed_lowercase() {
        for ok in [
            UUID,
            "2f1c4b6e8d3a4f7e9a2b0123456789ab",
            "2F1C4B6E-8D3A-4F7E-9A2B-0123456789AB",
        ] {
            assert_eq!(NotionId::parse(ok).unwrap().as_str(), UUID, "{ok}");
        }
    }

    #[test]
    fn notion_rejects_everything_else() {
        let traversal = format!("{UUID}/../../../v1/users");
        let query = format!("{UUID}?filter=1");
        let fragment = format!("{UUID}#x");
        let encoded = format!("{UUID}%2F..%2Fusers");
        let long = "a".repeat(10_000);
        let cases: &[(&str, IdError)] = &[
            ("", IdError::Empty),
            ("..", IdError::DotSegment),
            (".", IdError::DotSegment),
            (&traversal, IdError::DotSegment),
            (
                &query,
                IdError::Character {
                    found: '?',
                    within: "Notion",
                },
            ),
            (
                "x?filter=1",
                IdError::Character {
                    found: 'x',
                    within: "Notion",
                },
            ),
            (
                &fragment,
                IdError::Character {
                    found: '#',
                    within: "Notion",
                },
            ),
            (
                &encoded,
                IdError::Character {
                    found: '%',
                    within: "Notion",
                },
            ),
            (
                "2f1c4b6e-8d3a-4f7e-9a2b-0123456789aé",
                IdError::Character {
                    found: 'é',
                    within: "Notion",
                },
            ),
            ("2f1c4b6e8d3a", IdError::Shape(NotionId::SHAPE)),
            (
                "2f1c4b6e8d3a4f7e-9a2b-0123456789ab",
                IdError::Shape(NotionId::SHAPE),
            ),
            (
                "2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab00",
                IdError::Shape(NotionId::SHAPE),
            ),
            (
                "------------------------------------",
                IdError::Shape(NotionId::SHAPE),
            ),
            (&long, IdError::Shape(NotionId::SHAPE)),
        ];
        for (input, expected) in cases {
            assert_eq!(NotionId::parse(input).as_ref(), Err(expected), "{input}");
        }
    }

    #[test]
    fn drive_ids_use_the_file_id_alphabet() {
        for ok in [
            "1AcmeDrv001x7Hq2LmZ9pR4tW",
            "a",
            "0B_x-Y",
            &"a".repeat(MAX_DRIVE_ID),
        ] {
            assert_eq!(DriveFileId::parse(ok).unwrap().as_str(), ok);
        }
        let c = |found| IdError::Character {
            found,
            within: "Google Drive",
        };
        let cases: &[(&str, IdError)] = &[
            ("", IdError::Empty),
            ("..", IdError::DotSegment),
            ("abc/../../about", IdError::DotSegment),
            ("abc/def", c('/')),
            ("abc?alt=media", c('?')),
            ("abc#top", c('#')),
            ("abc%2Fdef", c('%')),
            ("abc.def", c('.')),
            ("abc def", c(' ')),
            ("ａbc", c('ａ')),
            ("abc\u{0}", c('\u{0}')),
            (
                &"a".repeat(MAX_DRIVE_ID + 1),
                IdError::TooLong { max: MAX_DRIVE_ID },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(DriveFileId::parse(input).as_ref(), Err(expected), "{input}");
        }
    }

    #[test]
    fn graph_ids_are_a_drive_and_an_item() {
        let id =
            GraphItemId::parse("b!t18F8ybsHUq1z3LT-z8x_vZq/01ACMESP0001Q3ZWBTUFOFD3GSPGO").unwrap();
        assert_eq!(id.drive(), "b!t18F8ybsHUq1z3LT-z8x_vZq");
        assert_eq!(id.item(), "01ACMESP0001Q3ZWBTUFOFD3GSPGO");
        assert!(!id.is_list_item());
        assert!(
            GraphItemId::parse("list/E320AFEB-AD73-46A2-83D7-000000985001")
                .unwrap()
                .is_list_item()
        );
        assert_eq!(
            id.to_string(),
            "b!t18F8ybsHUq1z3LT-z8x_vZq/01ACMESP0001Q3ZWBTUFOFD3GSPGO"
        );

        let c = |found| IdError::Character {
            found,
            within: "SharePoint",
        };
        let long = format!("b!x/{}", "A".repeat(MAX_GRAPH_SEGMENT + 1));
        let cases: &[(&str, IdError)] = &[
            (
                "01ABC",
                IdError::Shape("a SharePoint id is `<drive id>/<item id>`, as search returns it"),
            ),
            ("/01ABC", IdError::Empty),
            ("b!x/", IdError::Empty),
            ("b!x//01ABC", c('/')),
            ("b!x/../../../me", IdError::DotSegment),
            ("../01ABC", IdError::DotSegment),
            ("b!x/01ABC/content", c('/')),
            ("b!x/01ABC:/secret.txt:", c(':')),
            ("b!abc:def/01XYZ", c(':')),
            ("b!x%2F..%2F..%2Fme/01ABC", c('%')),
            ("b!x/01ABC?$select=id", c('?')),
            ("b!x/01ABC#frag", c('#')),
            ("b!x/01ÄBC", c('Ä')),
            (
                &long,
                IdError::TooLong {
                    max: MAX_GRAPH_SEGMENT,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(GraphItemId::parse(input).as_ref(), Err(expected), "{input}");
        }
    }

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
