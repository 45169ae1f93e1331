//! The closed set of sources a caller can name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One searchable upstream. The wire names (`google_drive`, `notion`, `sharepoint`) are part of the
/// public API: they appear in requests, responses, result ids and OAuth scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Google Drive, including shared drives.
    GoogleDrive,
    /// Notion pages.
    Notion,
    /// SharePoint and OneDrive through Microsoft Graph search.
    Sharepoint,
}

impl SourceKind {
    /// Every source, in the order responses list them.
    pub const ALL: [SourceKind; 3] = [Self::GoogleDrive, Self::Notion, Self::Sharepoint];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GoogleDrive => "google_drive",
            Self::Notion => "notion",
            Self::Sharepoint => "sharepoint",
        }
    }

    /// The OAuth scope a caller needs to search this source: one scope per source, so an
    /// administrator can grant Notion without granting Drive.
    pub const fn scope(self) -> &'static str {
        match self {
            Self::GoogleDrive => "workplace:read:google_drive",
            Self::Notion => "workplace:read:notion",
            Self::Sharepoint => "workplace:read:sharepoint",
        }
    }

    /// A human name for messages a person or a model reads.
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::GoogleDrive => "Google Drive",
            Self::Notion => "Notion",
            Self::Sharepoint => "SharePoint",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source name that is not one of [`SourceKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source `{0}` (expected one of google_drive, notion, sharepoint)")]
pub struct UnknownSource(pub String);

impl FromStr for SourceKind {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownSource(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for kind in SourceKind::ALL {
            assert_eq!(kind.as_str().parse::<SourceKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        assert_eq!(
            "Notion".parse::<SourceKind>(),
            Err(UnknownSource("Notion".into()))
        );
    }

    #[test]
    fn scopes_are_per_source() {
        assert_eq!(SourceKind::Notion.scope(), "workplace:read:notion");
        let scopes: std::collections::HashSet<_> =
            SourceKind::ALL.iter().map(|k| k.scope()).collect();
        assert_eq!(scopes.len(), 3);
    }
}
