//! Google Calendar event ids: base32hex for events Google created, other letters, digits and `_`
//! for imported events and recurring instances (`<id>_20261208T150000Z`); at most
//! [`MAX_EVENT_ID`] characters. Parsed before any token is fetched; the id then travels as a
//! JSON argument of `get_event`, never in a URL.

use std::fmt;

use crate::SourceKind;
use crate::id::{IdError, segment};

/// Longest Google event id accepted (Google's own bound is 1024).
pub const MAX_EVENT_ID: usize = 1024;

/// A Google Calendar event id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    /// Parses an event id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        segment(s, SourceKind::GoogleCalendar, MAX_EVENT_ID, |c| {
            c.is_ascii_alphanumeric() || c == '_'
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
    fn event_ids_and_instances_parse_and_nothing_else() {
        for good in ["globexrenewalreview20261208", "abc123_20261208T150000Z"] {
            assert_eq!(EventId::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "abc/../x", "abc?x", "a-b", "a b", "é"] {
            assert!(EventId::parse(bad).is_err(), "{bad}");
        }
    }
}
