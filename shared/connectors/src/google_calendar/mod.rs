//! Google Calendar through Google's Calendar MCP server (`calendarmcp.googleapis.com/mcp/v1`),
//! as the user: their own Google token through Descope, asking only
//! `calendar.events.readonly`. Google requires AI agents to reach Workspace data through its MCP
//! servers (enforced from 2027-02-01, see the README), so this source has no REST mode, and no
//! service mode either: the MCP servers document user OAuth only.
//!
//! - Listing: `list_events` on `primary` with `startTime`/`endTime` (the window), `timeZone`
//!   UTC, `orderBy` `startTime` and `pageSize`. Pages may be short or even empty and still carry
//!   a `nextPageToken`: tokens are followed until enough events arrived, the token is absent,
//!   [`MAX_PAGES`] pages were read, or the deadline passes.
//! - Keyword search: the same `list_events` with `fullText` over the search window (documented
//!   and deterministic; `search_events` is "semantic" and its shape is not published).
//! - Fetch: `get_event` (description, attendees, organizer, location, conference link).
//! - Failures are error results, classified by the MCP transport (`mcp_upstream`): a refused
//!   credential is followed once with a fresh token, then `reauth_required`; quota →
//!   `rate_limited`.

pub mod id;
pub(crate) mod settings;
mod wire;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use id::{EventId, MAX_EVENT_ID};

use crate::calendar::{CalendarApi, CalendarEvent, Caller, MAX_PAGES, TimeWindow, response};
use crate::details::{Attendee, Person};
use crate::mcp_upstream::McpServer;
use crate::{SourceError, SourceKind};

/// The OAuth scope asked of Google for this source: events, read-only (no calendar list, no
/// free/busy of others).
pub const SCOPE: &str = "https://www.googleapis.com/auth/calendar.events.readonly";

/// Google Calendar in the registry. Its one upstream URL is the MCP endpoint
/// (`GOOGLE_CALENDAR_MCP_URL`, a whole URL with its `/mcp/v1` path, like Drive's
/// `GOOGLE_DRIVE_MCP_URL`): an endpoint setting, which tests and `make dev` set to the fakes'
/// `/calendarmcp/mcp/v1` beside Drive's `/drivemcp/mcp/v1`.
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: SourceKind::GoogleCalendar,
    mode_setting: "GOOGLE_CALENDAR_MODE",
    template_parameter: "GoogleCalendarMode",
    deployed_settings: &[],
    on_by_default: false,
    base_url_settings: &[],
    endpoint_settings: &[(settings::MCP_URL_SETTING, "/calendarmcp/mcp/v1")],
    secret_keys: &[],
    // No service mode: read only with each user's own token.
    shared_service_credential: false,
    comments: false,
    lists_events: true,
    item_types: &[crate::query::ItemType::Event],
    upstream_scopes: &[SCOPE],
    settings: settings::settings,
    example_id: "globexrenewalreview20261208",
};

/// Largest `pageSize` asked per `list_events` call.
const PAGE_SIZE: usize = 250;

const REAUTH: &str = "Reconnect Google to workplace-mcp (with calendar access) and try again.";

/// The scopes our tokens are asked with (the MCP client tells a challenge for others apart).
const SCOPES: &[&str] = &[SCOPE];

/// The Google Calendar source.
pub struct GoogleCalendar {
    mcp: McpServer,
}

impl GoogleCalendar {
    /// The calendar behind the MCP server at `endpoint`.
    pub(crate) fn new(http: reqwest::Client, endpoint: url::Url) -> Self {
        Self {
            mcp: McpServer::new(http, endpoint, "Google Calendar", REAUTH, SCOPES),
        }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        caller: &Caller<'_>,
        tool: &str,
        arguments: Value,
    ) -> Result<T, SourceError> {
        self.mcp
            .call_tool_as(caller.broker, caller.user, tool, arguments, caller.deadline)
            .await?
            .parse(self.mcp.product())
    }
}

/// A `start`/`end`: an all-day date as its midnight UTC, else the instant.
fn instant(when: &wire::When) -> Result<(OffsetDateTime, bool), SourceError> {
    if let Some(date) = &when.date {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if let Ok(day) = time::Date::parse(date, &format) {
            return Ok((day.midnight().assume_utc(), true));
        }
    }
    when.date_time
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .map(|t| (t.to_offset(time::UtcOffset::UTC), false))
        .ok_or_else(|| {
            SourceError::InvalidResponse(
                "the Google Calendar MCP server answered an event without a readable time".into(),
            )
        })
}

impl wire::Event {
    fn into_event(self) -> Result<CalendarEvent, SourceError> {
        let (start, all_day) = instant(&self.start)?;
        let (end, _) = instant(&self.end)?;
        Ok(CalendarEvent {
            title: self.summary.unwrap_or_default(),
            url: self.html_link.unwrap_or_default(),
            description: self
                .description
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
            start,
            end,
            all_day,
            time_zone: "UTC".into(),
            location: self.location.filter(|l| !l.is_empty()),
            organizer: self.organizer.and_then(|o| {
                Some(Person {
                    email: o.email.filter(|e| !e.is_empty())?,
                    name: o.display_name.filter(|n| !n.is_empty()),
                })
            }),
            attendees: self
                .attendees
                .into_iter()
                .map(|a| Attendee {
                    email: a.email,
                    name: a.display_name.filter(|n| !n.is_empty()),
                    response: a.response_status.as_deref().and_then(response),
                })
                .collect(),
            status: self.status,
            conference_url: self.conference_url.or(self.hangout_link),
            updated: self.updated,
            created: self.created,
            id: self.id,
        })
    }
}

impl CalendarApi for GoogleCalendar {
    const KIND: SourceKind = SourceKind::GoogleCalendar;
    type Id = EventId;

    async fn list_with(
        &self,
        caller: &Caller<'_>,
        window: &TimeWindow,
        query: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CalendarEvent>, SourceError> {
        let mut arguments = json!({
            "calendarId": "primary",
            "startTime": window.start_rfc3339(),
            "endTime": window.end_rfc3339(),
            "timeZone": "UTC",
            "orderBy": "startTime",
            "pageSize": limit.clamp(1, PAGE_SIZE),
        });
        if let Some(query) = query {
            arguments["fullText"] = json!(query);
        }
        let mut events = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: wire::EventList = self.call(caller, "list_events", arguments.clone()).await?;
            for raw in page.events {
                events.push(raw.into_event()?);
            }
            match page.next_page_token {
                Some(next) if events.len() < limit && !next.is_empty() => {
                    arguments["pageToken"] = json!(next);
                }
                _ => break,
            }
        }
        Ok(events)
    }

    async fn event_with(
        &self,
        caller: &Caller<'_>,
        id: &EventId,
    ) -> Result<CalendarEvent, SourceError> {
        let arguments = json!({"calendarId": "primary", "eventId": id.as_str()});
        let event: wire::Event = self.call(caller, "get_event", arguments).await?;
        event.into_event()
    }
}
