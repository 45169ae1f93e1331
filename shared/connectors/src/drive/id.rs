//! Google Drive's id grammar: `[A-Za-z0-9_-]`, 1 to [`MAX_DRIVE_ID`] characters, as given (see
//! `crate::id` for why every id is parsed).

use crate::SourceKind;
use crate::id::{IdError, segment};

/// Longest Drive file id accepted. Drive's ids are 28 to 44 characters today.
pub const MAX_DRIVE_ID: usize = 128;

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

impl std::fmt::Display for DriveFileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
