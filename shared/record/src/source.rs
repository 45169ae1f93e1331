//! The sources a caller can name, and what became of each in one call.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The scope `add_comment` needs beside the source's read scope: the one write this server does.
pub const WRITE_COMMENTS_SCOPE: &str = "workplace:write:comments";

/// One searchable upstream. The wire names (`google_drive`, `notion`, `sharepoint`,
/// `google_calendar`, `outlook_calendar`) are part of the public API: they appear in requests,
/// responses, result ids, OAuth scopes and records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Google Drive, including shared drives.
    GoogleDrive,
    /// Notion pages.
    Notion,
    /// SharePoint and OneDrive through Microsoft Graph search.
    Sharepoint,
    /// The user's primary Google calendar, through Google's Calendar MCP server.
    GoogleCalendar,
    /// The user's Outlook calendar, through Microsoft Graph.
    OutlookCalendar,
}

impl SourceKind {
    /// Every source, in the order responses list them.
    pub const ALL: [SourceKind; 5] = [
        Self::GoogleDrive,
        Self::Notion,
        Self::Sharepoint,
        Self::GoogleCalendar,
        Self::OutlookCalendar,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GoogleDrive => "google_drive",
            Self::Notion => "notion",
            Self::Sharepoint => "sharepoint",
            Self::GoogleCalendar => "google_calendar",
            Self::OutlookCalendar => "outlook_calendar",
        }
    }

    /// Whether the source is a calendar: it lists events in a time window (`list_events`) as
    /// well as answering searches.
    pub const fn is_calendar(self) -> bool {
        matches!(self, Self::GoogleCalendar | Self::OutlookCalendar)
    }

    /// The OAuth scope a caller needs to search this source: one scope per source, so an
    /// administrator can grant Notion without granting Drive.
    pub const fn scope(self) -> &'static str {
        match self {
            Self::GoogleDrive => "workplace:read:google_drive",
            Self::Notion => "workplace:read:notion",
            Self::Sharepoint => "workplace:read:sharepoint",
            Self::GoogleCalendar => "workplace:read:google_calendar",
            Self::OutlookCalendar => "workplace:read:outlook_calendar",
        }
    }

    /// A human name for messages a person or a model reads.
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::GoogleDrive => "Google Drive",
            Self::Notion => "Notion",
            Self::Sharepoint => "SharePoint",
            Self::GoogleCalendar => "Google Calendar",
            Self::OutlookCalendar => "Outlook calendar",
        }
    }
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
            f.write_str(if i == 0 { "" } else { ", " })?;
            f.write_str(kind.as_str())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownSource {}

impl FromStr for SourceKind {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
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
