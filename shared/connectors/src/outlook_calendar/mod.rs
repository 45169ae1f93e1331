//! The Outlook calendar through Microsoft Graph, as the signed-in user (delegated `/me`; the
//! user's own token through Descope with `Calendars.Read`, never a shared credential).
//!
//! - Listing: `GET /v1.0/me/calendarView?startDateTime=&endDateTime=` (both bounds required, in
//!   UTC), which expands recurring series into the occurrences in the window (`/me/events` would
//!   list series masters). `Prefer: outlook.timezone="UTC"` makes every `start`/`end` UTC,
//!   `$select` keeps the answer small, `$orderby=start/dateTime` sorts it, `$top` sizes pages.
//!   `@odata.nextLink` is followed verbatim, only after checking it points at the configured
//!   Graph origin and at `calendarView` (the token never goes anywhere else), for at most
//!   [`MAX_PAGES`] pages.
//! - Keyword search: Graph has no `$search` on events, and `POST /search/query` with entity
//!   type `event` ranks the whole mailbox without a time window, at most 25 a page, and needs a
//!   second grammar. So a search lists the window (see [`crate::calendar::TimeWindow::for_search`])
//!   with `calendarView` and keeps events whose title, body preview, location, organizer or
//!   attendees contain every word: one request shape and one scope for listing and searching.
//! - Fetch: `GET /v1.0/me/events/{id}` with the body as text
//!   (`Prefer: outlook.body-content-type="text"`).

mod dialect;
pub mod id;
pub(crate) mod settings;
mod wire;

use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::time::Instant;

pub use id::{EventId, MAX_EVENT_ID};

use crate::calendar::{CalendarApi, CalendarEvent, Caller, MAX_PAGES, TimeWindow, response};
use crate::details::{Attendee, Person};
use crate::endpoint::BaseUrl;
use crate::upstream::{Auth, Upstream};
use crate::{SourceError, SourceKind};
use wire::{DateTimeTimeZone, EventPage, GraphEvent};

/// The delegated scope asked of Microsoft for this source.
pub const SCOPE: &str = "Calendars.Read";

/// The Outlook calendar in the registry (Microsoft Graph, like SharePoint: same base URL and
/// outbound app, its own scope).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: SourceKind::OutlookCalendar,
    mode_setting: "OUTLOOK_CALENDAR_MODE",
    template_parameter: "OutlookCalendarMode",
    deployed_settings: &[],
    on_by_default: false,
    base_url_settings: &["GRAPH_BASE_URL"],
    endpoint_settings: &[],
    secret_keys: &[],
    // No service mode: read only with each user's own token.
    shared_service_credential: false,
    comments: false,
    lists_events: true,
    item_types: &[crate::query::ItemType::Event],
    upstream_scopes: &[SCOPE],
    settings: settings::settings,
    example_id: "AAMkAGI2TG93AAABBBCCC",
};

const REAUTH: &str =
    "Reconnect Microsoft 365 to workplace-mcp (with calendar access) and try again.";

/// Every request asks for UTC times and text bodies.
const PREFER: &[(&str, &str)] = &[(
    "Prefer",
    "outlook.timezone=\"UTC\", outlook.body-content-type=\"text\"",
)];

/// The fields a listing reads.
const LIST_FIELDS: &str = "subject,bodyPreview,start,end,isAllDay,isCancelled,showAs,location,attendees,organizer,webLink,onlineMeeting,lastModifiedDateTime,createdDateTime";

/// Largest `$top` asked when filtering by keyword: more events per page to filter.
const FILTER_PAGE: usize = 100;

/// The Outlook calendar source.
pub struct OutlookCalendar {
    upstream: Upstream,
    base_url: BaseUrl,
}

impl OutlookCalendar {
    /// Graph at `base_url`.
    pub(crate) fn new(http: reqwest::Client, base_url: BaseUrl) -> Self {
        Self {
            upstream: Upstream::new(http, dialect::API, REAUTH).with_headers(PREFER),
            base_url,
        }
    }

    /// Whether a `@odata.nextLink` may be followed: the same origin as the configured Graph
    /// base and the same `calendarView` path; anything else would send the user's token
    /// elsewhere.
    fn check_next(&self, link: &str) -> Result<url::Url, SourceError> {
        let expected = self.base_url.join(&["v1.0", "me", "calendarView"]);
        let next = url::Url::parse(link).map_err(|_| {
            SourceError::InvalidResponse("Graph's @odata.nextLink is not a URL".into())
        })?;
        let same = next.scheme() == expected.scheme()
            && next.host_str() == expected.host_str()
            && next.port_or_known_default() == expected.port_or_known_default()
            && next.path() == expected.path()
            && next.username().is_empty()
            && next.password().is_none();
        if same {
            Ok(next)
        } else {
            Err(SourceError::InvalidResponse(
                "Graph's @odata.nextLink points outside this calendar's calendarView; not followed"
                    .into(),
            ))
        }
    }
}

/// A `dateTimeTimeZone` asked for in UTC, as an instant.
fn instant(value: &DateTimeTimeZone) -> Result<OffsetDateTime, SourceError> {
    let utc = value
        .time_zone
        .as_deref()
        .is_none_or(|z| matches!(z, "UTC" | "Etc/UTC" | "Coordinated Universal Time"));
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let at = time::PrimitiveDateTime::parse(&value.date_time, &format).ok();
    match at {
        Some(at) if utc => Ok(at.assume_utc()),
        _ => Err(SourceError::InvalidResponse(
            "Graph answered an event time that is not UTC, though UTC was asked for".into(),
        )),
    }
}

fn person(address: &wire::EmailAddress) -> Option<Person> {
    Some(Person {
        email: address.address.clone().filter(|a| !a.is_empty())?,
        name: address.name.clone().filter(|n| !n.is_empty()),
    })
}

impl GraphEvent {
    fn into_event(self) -> Result<CalendarEvent, SourceError> {
        let description = self
            .body
            .filter(|b| b.content_type.as_deref() == Some("text"))
            .and_then(|b| b.content)
            .or(self.body_preview)
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        let status = if self.is_cancelled {
            "cancelled"
        } else if self.show_as.as_deref() == Some("tentative") {
            "tentative"
        } else {
            "confirmed"
        };
        Ok(CalendarEvent {
            start: instant(&self.start)?,
            end: instant(&self.end)?,
            title: self.subject.unwrap_or_default(),
            url: self.web_link.unwrap_or_default(),
            description,
            all_day: self.is_all_day,
            time_zone: "UTC".into(),
            location: self
                .location
                .and_then(|l| l.display_name)
                .filter(|l| !l.is_empty()),
            organizer: self.organizer.and_then(|o| person(&o.email_address)),
            attendees: self
                .attendees
                .iter()
                .filter_map(|a| {
                    let who = person(&a.email_address)?;
                    Some(Attendee {
                        email: who.email,
                        name: who.name,
                        response: a
                            .status
                            .as_ref()
                            .and_then(|s| s.response.as_deref())
                            .and_then(response),
                    })
                })
                .collect(),
            status: Some(status.into()),
            conference_url: self.online_meeting.and_then(|m| m.join_url),
            updated: self.last_modified_date_time,
            created: self.created_date_time,
            id: self.id,
        })
    }
}

impl CalendarApi for OutlookCalendar {
    const KIND: SourceKind = SourceKind::OutlookCalendar;
    type Id = EventId;

    async fn list_with(
        &self,
        caller: &Caller<'_>,
        window: &TimeWindow,
        query: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CalendarEvent>, SourceError> {
        caller
            .with_token(|token| async move {
                self.list_as(&token, caller.deadline, window, query, limit)
                    .await
            })
            .await
    }

    async fn event_with(
        &self,
        caller: &Caller<'_>,
        id: &EventId,
    ) -> Result<CalendarEvent, SourceError> {
        caller
            .with_token(|token| async move { self.event_as(&token, caller.deadline, id).await })
            .await
    }
}

impl OutlookCalendar {
    /// The events of `window` (with `query`: only those matching it), with `token`.
    async fn list_as(
        &self,
        token: &SecretString,
        deadline: Instant,
        window: &TimeWindow,
        query: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CalendarEvent>, SourceError> {
        let mut url = self.base_url.join(&["v1.0", "me", "calendarView"]);
        let top = if query.is_some() { FILTER_PAGE } else { limit };
        url.query_pairs_mut()
            .append_pair("startDateTime", &window.start_rfc3339())
            .append_pair("endDateTime", &window.end_rfc3339())
            .append_pair("$select", LIST_FIELDS)
            .append_pair("$orderby", "start/dateTime")
            .append_pair("$top", &top.clamp(1, 1000).to_string());
        let mut events = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: EventPage = self
                .upstream
                .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
                .await?;
            for raw in page.value {
                let event = raw.into_event()?;
                if query.is_none_or(|q| event.matches(q)) {
                    events.push(event);
                }
            }
            match page.next_link {
                Some(next) if events.len() < limit => url = self.check_next(&next)?,
                _ => break,
            }
        }
        Ok(events)
    }

    /// One event with its body, with `token`.
    async fn event_as(
        &self,
        token: &SecretString,
        deadline: Instant,
        id: &EventId,
    ) -> Result<CalendarEvent, SourceError> {
        let mut url = self.base_url.join(&["v1.0", "me", "events", id.as_str()]);
        url.query_pairs_mut()
            .append_pair("$select", &format!("{LIST_FIELDS},body"));
        let event: GraphEvent = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
            .await?;
        event.into_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> OutlookCalendar {
        let base = BaseUrl::parse("GRAPH_BASE_URL", "https://graph.microsoft.com").unwrap();
        OutlookCalendar::new(reqwest::Client::new(), base)
    }

    #[test]
    fn next_links_are_followed_only_to_the_same_calendar_view() {
        let ok = "https://graph.microsoft.com/v1.0/me/calendarView?startDateTime=x&$skip=3";
        assert!(source().check_next(ok).is_ok());
        for bad in [
            "https://evil.example/v1.0/me/calendarView?$skip=3",
            "http://graph.microsoft.com/v1.0/me/calendarView?$skip=3",
            "https://graph.microsoft.com:8443/v1.0/me/calendarView",
            "https://graph.microsoft.com/v1.0/me/messages?$skip=3",
            "https://user@graph.microsoft.com/v1.0/me/calendarView",
            "not a url",
        ] {
            assert!(source().check_next(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn graph_times_are_read_as_the_utc_asked_for() {
        let utc = DateTimeTimeZone {
            date_time: "2026-12-08T15:00:00.0000000".into(),
            time_zone: Some("UTC".into()),
        };
        assert_eq!(
            instant(&utc).unwrap(),
            time::macros::datetime!(2026-12-08 15:00 UTC)
        );
        let madrid = DateTimeTimeZone {
            date_time: "2026-12-08T16:00:00.0000000".into(),
            time_zone: Some("Romance Standard Time".into()),
        };
        assert!(instant(&madrid).is_err());
    }
}
