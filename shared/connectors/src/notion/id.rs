//! Notion's id grammar: a UUID, 32 hex digits, bare or dashed 8-4-4-4-12; canonical form dashed,
//! lowercase (see `crate::id` for why every id is parsed).

use crate::SourceKind;
use crate::id::{IdError, dot_segment};

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

impl std::fmt::Display for NotionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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
}
