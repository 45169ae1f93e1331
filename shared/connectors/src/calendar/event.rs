//! One event, whichever calendar it came from: read once from the upstream's wire shape, then
//! turned into a search hit (with [`HitDetails::Event`]) or into the text `fetch` returns.

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::rfc3339;
use crate::details::{Attendee, EventDetails, HitDetails, Person};
use crate::{Content, SearchHit};

/// An event in the shape both calendars are read into. Times are UTC.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CalendarEvent {
    /// The upstream's id (the item part of the result id).
    pub(crate) id: String,
    /// The title; empty when the caller may see only the event's times.
    pub(crate) title: String,
    /// A link that opens the event.
    pub(crate) url: String,
    /// The description as plain text, when there is one.
    pub(crate) description: Option<String>,
    /// When it starts.
    pub(crate) start: OffsetDateTime,
    /// When it ends (exclusive).
    pub(crate) end: OffsetDateTime,
    /// A whole-day event (its times are midnights).
    pub(crate) all_day: bool,
    /// The time zone the upstream stated the times in (always asked for in UTC).
    pub(crate) time_zone: String,
    /// Where.
    pub(crate) location: Option<String>,
    /// Who organizes it.
    pub(crate) organizer: Option<Person>,
    /// Who is invited, with their answers (see [`response`]).
    pub(crate) attendees: Vec<Attendee>,
    /// `confirmed`, `tentative` or `cancelled`.
    pub(crate) status: Option<String>,
    /// The video-call link.
    pub(crate) conference_url: Option<String>,
    /// When it was last changed, RFC 3339.
    pub(crate) updated: Option<String>,
    /// When it was created, RFC 3339: for the `created_*` filters.
    pub(crate) created: Option<String>,
}

/// An attendee's answer in one vocabulary for both calendars: `accepted`, `tentative`,
/// `declined`, `needs_action` or `organizer`; `None` for an answer neither upstream documents.
pub(crate) fn response(upstream: &str) -> Option<String> {
    let word = match upstream {
        "accepted" => "accepted",
        "tentative" | "tentativelyAccepted" => "tentative",
        "declined" => "declined",
        "needsAction" | "notResponded" | "none" => "needs_action",
        "organizer" => "organizer",
        _ => return None,
    };
    Some(word.to_owned())
}

fn person(p: &Person) -> String {
    match &p.name {
        Some(name) if !name.is_empty() => format!("{name} <{}>", p.email),
        _ => p.email.clone(),
    }
}

impl CalendarEvent {
    /// The title, or what stands in for a title the caller may not see.
    fn shown_title(&self) -> &str {
        if self.title.is_empty() {
            "(busy)"
        } else {
            &self.title
        }
    }

    /// `2026-12-08 15:00-16:00 UTC` (or `2026-12-08 (all day)`).
    fn when(&self) -> String {
        let day = |t: OffsetDateTime| t.date().to_string();
        let clock = |t: OffsetDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
        if self.all_day {
            let last = self.end - time::Duration::DAY;
            if last.date() > self.start.date() {
                format!("{} to {} (all day)", day(self.start), day(last))
            } else {
                format!("{} (all day)", day(self.start))
            }
        } else if self.start.date() == self.end.date() {
            format!(
                "{} {}-{} {}",
                day(self.start),
                clock(self.start),
                clock(self.end),
                self.time_zone
            )
        } else {
            format!(
                "{} {} to {} {} {}",
                day(self.start),
                clock(self.start),
                day(self.end),
                clock(self.end),
                self.time_zone
            )
        }
    }

    /// Whether `term` (lowercase words) occurs in the title, description, location, organizer
    /// or an attendee: the relaxed pass's filter, and Outlook's keyword filter.
    pub(crate) fn mentions(&self, term: &str) -> bool {
        let term = term.to_lowercase();
        let mut fields: Vec<&str> = vec![&self.title];
        fields.extend(self.description.as_deref());
        fields.extend(self.location.as_deref());
        for p in self.organizer.iter() {
            fields.push(&p.email);
            fields.extend(p.name.as_deref());
        }
        for a in &self.attendees {
            fields.push(&a.email);
            fields.extend(a.name.as_deref());
        }
        fields.iter().any(|f| f.to_lowercase().contains(&term))
    }

    /// Whether every word of `query` occurs somewhere in the event, as Google's `q` matches.
    pub(crate) fn matches(&self, query: &str) -> bool {
        let mut words = query
            .split(|c: char| !c.is_alphanumeric() && !matches!(c, '@' | '.' | '-' | '_'))
            .filter(|w| !w.is_empty())
            .peekable();
        words.peek().is_some() && words.all(|w| self.mentions(w))
    }

    fn details(&self) -> EventDetails {
        // An all-day event's bounds are dates alone, as both upstreams state them.
        let at = |t: OffsetDateTime| {
            if self.all_day {
                t.date().to_string()
            } else {
                rfc3339(t)
            }
        };
        EventDetails {
            start: at(self.start),
            end: at(self.end),
            all_day: self.all_day,
            time_zone: Some(self.time_zone.clone()),
            location: self.location.clone(),
            organizer: self.organizer.clone(),
            attendees: self.attendees.clone(),
            status: self.status.clone(),
            conference_url: self.conference_url.clone(),
        }
    }

    /// The event as a search hit: the snippet says when, where and with whom; the details carry
    /// the same as fields.
    pub(crate) fn hit(&self) -> SearchHit {
        let mut snippet = self.when();
        if let Some(location) = self.location.as_deref().filter(|l| !l.is_empty()) {
            let _ = write!(snippet, " · {location}");
        }
        let others: Vec<&str> = self
            .attendees
            .iter()
            .map(|a| a.name.as_deref().unwrap_or(&a.email))
            .take(5)
            .collect();
        if !others.is_empty() {
            let _ = write!(snippet, " · with {}", others.join(", "));
            if self.attendees.len() > others.len() {
                let _ = write!(snippet, " and {} more", self.attendees.len() - others.len());
            }
        }
        SearchHit {
            item_id: self.id.clone(),
            title: self.shown_title().to_owned(),
            url: self.url.clone(),
            snippet,
            modified_time: self.updated.clone(),
            author: self
                .organizer
                .as_ref()
                .map(|p| p.name.clone().unwrap_or_else(|| p.email.clone())),
            created_time: self.created.clone(),
            owner: self.organizer.as_ref().map(|p| p.email.clone()),
            item_type: Some(crate::query::ItemType::Event),
            media_type: None,
            details: Some(HitDetails::Event(self.details())),
        }
    }

    /// The text `fetch` returns: when, where, who, the call link, then the description; cut to
    /// `max_chars`.
    pub(crate) fn content(&self, max_chars: usize) -> Content {
        let mut text = String::new();
        let _ = writeln!(text, "{}", self.shown_title());
        let _ = writeln!(text, "When: {}", self.when());
        if let Some(location) = self.location.as_deref().filter(|l| !l.is_empty()) {
            let _ = writeln!(text, "Where: {location}");
        }
        if let Some(status) = &self.status {
            let _ = writeln!(text, "Status: {status}");
        }
        if let Some(organizer) = &self.organizer {
            let _ = writeln!(text, "Organizer: {}", person(organizer));
        }
        if !self.attendees.is_empty() {
            let _ = writeln!(text, "Attendees:");
            for a in &self.attendees {
                let who = person(&Person {
                    email: a.email.clone(),
                    name: a.name.clone(),
                });
                match &a.response {
                    Some(answer) => {
                        let _ = writeln!(text, "- {who} ({answer})");
                    }
                    None => {
                        let _ = writeln!(text, "- {who}");
                    }
                }
            }
        }
        if let Some(url) = &self.conference_url {
            let _ = writeln!(text, "Join: {url}");
        }
        if let Some(description) = self.description.as_deref().filter(|d| !d.is_empty()) {
            let _ = write!(text, "\n{description}\n");
        }
        let (cut, truncated) = crate::text::cut_chars(&text, max_chars);
        Content {
            title: self.shown_title().to_owned(),
            url: self.url.clone(),
            text: cut.to_owned(),
            truncated,
            unavailable_reason: None,
            details: Some(HitDetails::Event(self.details())),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn event() -> CalendarEvent {
        CalendarEvent {
            id: "e1".into(),
            title: "Globex renewal review".into(),
            url: "https://calendar.example/e1".into(),
            description: Some("Renewal value: USD 480,000".into()),
            start: datetime!(2026-12-08 15:00 UTC),
            end: datetime!(2026-12-08 16:00 UTC),
            all_day: false,
            time_zone: "UTC".into(),
            location: Some("Madrid-2 / Meet".into()),
            organizer: Some(Person {
                email: "alice@acme.example".into(),
                name: Some("Alice Nguyen".into()),
            }),
            attendees: vec![Attendee {
                email: "hank.scorpio@globex.example".into(),
                name: Some("Hank Scorpio".into()),
                response: response("tentative"),
            }],
            status: Some("confirmed".into()),
            conference_url: Some("https://meet.google.com/gbx-rnwl-rvw".into()),
            updated: None,
            created: None,
        }
    }

    #[test]
    fn responses_share_one_vocabulary() {
        assert_eq!(response("tentativelyAccepted"), response("tentative"));
        assert_eq!(response("notResponded").as_deref(), Some("needs_action"));
        assert_eq!(response("needsAction").as_deref(), Some("needs_action"));
        assert_eq!(response("whatever"), None);
    }

    #[test]
    fn a_hit_says_when_where_and_with_whom() {
        let hit = event().hit();
        assert_eq!(
            hit.snippet,
            "2026-12-08 15:00-16:00 UTC · Madrid-2 / Meet · with Hank Scorpio"
        );
        let Some(HitDetails::Event(details)) = hit.details else {
            panic!("event details")
        };
        assert_eq!(details.start, "2026-12-08T15:00:00Z");
        assert_eq!(details.attendees[0].response.as_deref(), Some("tentative"));
    }

    #[test]
    fn fetch_text_lists_time_place_people_and_description() {
        let content = event().content(10_000);
        for line in [
            "When: 2026-12-08 15:00-16:00 UTC",
            "Where: Madrid-2 / Meet",
            "Organizer: Alice Nguyen <alice@acme.example>",
            "- Hank Scorpio <hank.scorpio@globex.example> (tentative)",
            "Join: https://meet.google.com/gbx-rnwl-rvw",
            "Renewal value: USD 480,000",
        ] {
            assert!(content.text.contains(line), "{line}: {}", content.text);
        }
        assert!(event().content(10).truncated);
    }

    #[test]
    fn every_word_must_match_somewhere() {
        assert!(event().matches("globex hank"));
        assert!(event().matches("GLOBEX madrid-2"));
        assert!(!event().matches("globex bob"));
        assert!(!event().matches("  "));
    }
}
