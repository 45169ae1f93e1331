//! The sources a caller can name, and what became of each in one call.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The scope `add_comment` needs beside the source's read scope: the one write this server does.
pub const WRITE_COMMENTS_SCOPE: &str = "workplace:write:comments";

/// Declares [`SourceKind`] from one table: a line per source (variant, wire name, display name).
/// The wire name is part of the public API (requests, responses, result ids, OAuth scopes,
/// records), so a line, once added, never changes. Everything else about a source lives in its
/// folder and in the connectors' registry (`workplace_connectors::registry`), which a test checks
/// against this table.
macro_rules! source_kinds {
    ($($(#[$doc:meta])* $variant:ident => $wire:literal, $display:literal;)+) => {
        /// One searchable upstream (see `source_kinds!` for where its wire name is defined).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum SourceKind {
            $($(#[$doc])* #[serde(rename = $wire)] $variant,)+
        }

        impl SourceKind {
            /// Every source, in the order responses list them.
            pub const ALL: &'static [SourceKind] = &[$(Self::$variant),+];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The OAuth scope a caller needs to search this source: one scope per source, so an
            /// administrator can grant Notion without granting Drive.
            pub const fn scope(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!("workplace:read:", $wire),)+
                }
            }

            /// A human name for messages a person or a model reads.
            pub const fn display_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $display,)+
                }
            }
        }
    };
}

// The one line per source that has to live outside its folder: records and metrics name sources
// too, and this crate sits below the connectors.
source_kinds! {
    /// Google Drive, including shared drives.
    GoogleDrive => "google_drive", "Google Drive";
    /// Notion pages.
    Notion => "notion", "Notion";
    /// SharePoint and OneDrive through Microsoft Graph search.
    Sharepoint => "sharepoint", "SharePoint";
    /// Gmail, through Google's Gmail MCP server.
    Gmail => "gmail", "Gmail";
    /// Outlook mail through Microsoft Graph.
    OutlookMail => "outlook_mail", "Outlook mail";
    /// Salesforce CRM records: accounts, contacts, opportunities and cases.
    Salesforce => "salesforce", "Salesforce";
    /// The user's primary Google calendar, through Google's Calendar MCP server.
    GoogleCalendar => "google_calendar", "Google Calendar";
    /// The user's Outlook calendar, through Microsoft Graph.
    OutlookCalendar => "outlook_calendar", "Outlook calendar";
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source name that is not one of [`SourceKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSource(pub String);

impl fmt::Display for UnknownSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown source `{}` (expected one of ", self.0)?;
        for (i, kind) in SourceKind::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{kind}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownSource {}

impl FromStr for SourceKind {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownSource(s.to_owned()))
    }
}

/// What became of one source in one call: reported to the model in every answer, and per source
/// in the record and the `SourceCalls` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Answered.
    Ok,
    /// Missed its deadline.
    Timeout,
    /// Throttled by the upstream even after retries.
    RateLimited,
    /// The user must (re)connect the app.
    ReauthRequired,
    /// Anything else.
    Error,
}

impl SourceStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Timeout => "timeout",
            Self::RateLimited => "rate_limited",
            Self::ReauthRequired => "reauth_required",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for SourceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for &kind in SourceKind::ALL {
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
        assert_eq!(scopes.len(), SourceKind::ALL.len());
    }

    #[test]
    fn statuses_serialize_as_their_wire_names() {
        for status in [
            SourceStatus::Ok,
            SourceStatus::Timeout,
            SourceStatus::RateLimited,
            SourceStatus::ReauthRequired,
            SourceStatus::Error,
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{status}\""));
            assert_eq!(serde_json::from_str::<SourceStatus>(&json).unwrap(), status);
        }
    }
}
