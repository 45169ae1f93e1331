//! SharePoint's (Graph's) id grammar: `<drive id>/<item id>`, each `[A-Za-z0-9!_-]`, 1 to
//! [`MAX_GRAPH_SEGMENT`] characters. Graph search also returns list items that have no drive;
//! their ids are `list/<item id>` and have no downloadable content (see `crate::id` for why every
//! id is parsed).

use std::fmt;

use crate::SourceKind;
use crate::id::{IdError, segment};

/// Longest Graph drive or item id accepted. Drive ids (`b!` + base64url) are about 66 characters.
pub const MAX_GRAPH_SEGMENT: usize = 200;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
