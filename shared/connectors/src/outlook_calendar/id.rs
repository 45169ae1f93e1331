//! Outlook event ids: Graph's ids are URL-safe base64 (`AAMkAG...=`), so `[A-Za-z0-9_=-]`, and
//! at most [`MAX_EVENT_ID`] characters. Parsed before any token is fetched; the id then goes
//! into the URL as one percent-encoded path segment.

use std::fmt;

use crate::SourceKind;
use crate::id::{IdError, segment};

/// Longest Outlook event id accepted; Graph's are about 150 characters.
pub const MAX_EVENT_ID: usize = 500;

/// An Outlook calendar event id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    /// Parses an event id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        segment(s, SourceKind::OutlookCalendar, MAX_EVENT_ID, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=')
        })?;
        Ok(Self(s.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_event_ids_parse_and_paths_do_not() {
        let id = "AAMkAGQ5YjE3ZTY3LWdsb2JleC1xYnItcHJlcAAuAAAAAAB0eXBlPUdsb2JleFFCUgAA";
        assert_eq!(EventId::parse(id).unwrap().as_str(), id);
        for bad in ["", "AAMk/../me", "AAMk?$select=x", "AAMk%2F", "..", "a b"] {
            assert!(EventId::parse(bad).is_err(), "{bad}");
        }
        assert!(EventId::parse(&"A".repeat(MAX_EVENT_ID + 1)).is_err());
    }
}
