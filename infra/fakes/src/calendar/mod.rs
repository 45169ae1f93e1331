//! The demo calendars (`corpus/calendar.json`) and what both calendar fakes share: who sees which
//! event, time windows, keyword matching and opaque page tokens bound to their query.
//!
//! - `google_calendar/`: the Google Calendar MCP server's tools (`list_events`, `get_event`,
//!   `search_events`), a product of the fake Google MCP frame.
//! - `outlook_calendar/`: Microsoft Graph `GET /v1.0/me/calendarView` and
//!   `GET /v1.0/me/events/{id}`.
//!
//! An event is on the calendar of its organizer and of each attendee, nobody else's (Google's
//! `shares` aside: a reader of another user's calendar sees its private events redacted).

/// The middle of the demo meetings' weeks (2026-12-07 to 2026-12-18): tests and `make dev` centre
/// the calendars' keyword-search window on it (`CALENDAR_SEARCH_AROUND`), so the demo meetings
/// are found in any year.
pub const DEMO_AROUND: &str = "2026-12-12T00:00:00Z";

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A person on an event.
#[derive(Debug, Clone, Deserialize)]
pub struct Person {
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
}

/// An attendee and their answer, in the corpus's words (Google's `responseStatus` values; the
/// Graph fake maps them to Graph's).
#[derive(Debug, Clone, Deserialize)]
pub struct Attendee {
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// `accepted`, `tentative`, `declined`, `needsAction` (Google) or Graph's words.
    pub response: String,
}

/// One event in the corpus.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// The upstream's id.
    pub id: String,
    /// Title.
    pub summary: String,
    /// Description (plain text; Graph serves it as HTML unless asked for text).
    #[serde(default)]
    pub description: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<String>,
    /// RFC 3339 UTC, or a date (`2026-12-08`) when `all_day`.
    pub start: String,
    /// Exclusive end, same form as `start`.
    pub end: String,
    /// A whole-day event.
    #[serde(default)]
    pub all_day: bool,
    /// `private` hides the details from readers of the calendar (Google).
    #[serde(default)]
    pub visibility: Option<String>,
    /// Who organizes it.
    pub organizer: Person,
    /// Who is invited (the organizer may be listed too).
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    /// A video-call link.
    #[serde(default)]
    pub conference_url: Option<String>,
}

/// A Google calendar shared with another user.
#[derive(Debug, Clone, Deserialize)]
pub struct Share {
    /// Whose calendar.
    pub owner: String,
    /// Who may read it.
    pub reader: String,
    /// `reader` (private events redacted) or `freeBusyReader` (times only).
    pub role: String,
}

/// One product's events.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Calendar {
    /// Calendars shared with other users (Google only).
    #[serde(default)]
    pub shares: Vec<Share>,
    /// Every event.
    pub events: Vec<Event>,
}

/// Both products' calendars.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Calendars {
    /// Google Calendar.
    pub google_calendar: Calendar,
    /// Outlook (Exchange Online through Graph).
    pub outlook_calendar: Calendar,
}

impl Calendars {
    /// The demo calendars shipped with the crate.
    pub fn demo() -> Self {
        // Checked in; a parse failure is caught by the fakes' tests.
        serde_json::from_str(include_str!("../../corpus/calendar.json")).unwrap_or_default()
    }
}

impl Event {
    /// Whether the event is on `email`'s own calendar.
    pub fn on_calendar_of(&self, email: &str) -> bool {
        self.organizer.email.eq_ignore_ascii_case(email)
            || self
                .attendees
                .iter()
                .any(|a| a.email.eq_ignore_ascii_case(email))
    }

    /// Start and end as instants (an all-day event spans its dates from midnight UTC).
    pub fn span(&self) -> Option<(OffsetDateTime, OffsetDateTime)> {
        Some((instant(&self.start)?, instant(&self.end)?))
    }

    /// Whether the event overlaps `[from, to)`: it ends after `from` and starts before `to`
    /// (Google's `timeMin`/`timeMax`, Graph's calendarView).
    pub fn overlaps(&self, from: OffsetDateTime, to: OffsetDateTime) -> bool {
        self.span()
            .is_some_and(|(start, end)| end > from && start < to)
    }

    /// Whether every word of `query` occurs (case-insensitively) in the title, description,
    /// location, organizer or an attendee's name or email, as Google's `q` matches.
    pub fn matches(&self, query: &str) -> bool {
        let mut haystack = format!(
            "{} {} {} {} {}",
            self.summary,
            self.description.as_deref().unwrap_or_default(),
            self.location.as_deref().unwrap_or_default(),
            self.organizer.name,
            self.organizer.email
        );
        for a in &self.attendees {
            haystack.push(' ');
            haystack.push_str(&a.name);
            haystack.push(' ');
            haystack.push_str(&a.email);
        }
        let haystack = haystack.to_lowercase();
        let mut words = query
            .split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.' && c != '-')
            .filter(|w| !w.is_empty())
            .peekable();
        words.peek().is_some() && words.all(|w| haystack.contains(&w.to_lowercase()))
    }
}

/// An RFC 3339 instant, or a date read as its midnight UTC.
pub fn instant(value: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// A page token: opaque to clients, bound to the query that produced it (a hash of `binding`),
/// carrying where the next page starts (`state`).
pub fn page_token(binding: &str, state: &str) -> String {
    let hash = hex::encode(&Sha256::digest(binding.as_bytes())[..6]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{hash}:{state}"))
}

/// The state of a page token issued for `binding`; `None` for a token made up or issued for
/// another query.
pub fn page_state(binding: &str, token: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (hash, state) = raw.split_once(':')?;
    let expected = hex::encode(&Sha256::digest(binding.as_bytes())[..6]);
    (hash == expected).then(|| state.to_owned())
}

/// The largest page either calendar fake serves, whatever size was asked: both upstreams may
/// answer fewer events than asked and still carry a next-page token, and a client must follow it.
pub const SERVER_PAGE: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_calendars_parse() {
        let calendars = Calendars::demo();
        assert!(calendars.google_calendar.events.len() >= 8);
        assert!(calendars.outlook_calendar.events.len() >= 6);
        for event in calendars
            .google_calendar
            .events
            .iter()
            .chain(&calendars.outlook_calendar.events)
        {
            let (start, end) = event.span().unwrap();
            assert!(end > start, "{}", event.id);
        }
    }

    #[test]
    fn page_tokens_are_bound_to_their_query() {
        let token = page_token("q=globex", "3");
        assert_eq!(page_state("q=globex", &token).as_deref(), Some("3"));
        assert_eq!(page_state("q=other", &token), None);
        assert_eq!(page_state("q=globex", "bm90IGEgdG9rZW4"), None);
    }
}
