//! The Calendar MCP server's `structuredContent`, as far as the connector reads it
//! (`google-workspace-mcp.md` §3: `list_events` → `{events, nextPageToken}`, `get_event` → Event).

use serde::Deserialize;

use crate::wire::skip_invalid;

/// `list_events`'s answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventList {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) events: Vec<Event>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// One event.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Event {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) html_link: Option<String>,
    #[serde(default)]
    pub(crate) updated: Option<String>,
    #[serde(default)]
    pub(crate) created: Option<String>,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) location: Option<String>,
    #[serde(default)]
    pub(crate) organizer: Option<Person>,
    pub(crate) start: When,
    pub(crate) end: When,
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) attendees: Vec<Attendee>,
    #[serde(default)]
    pub(crate) conference_url: Option<String>,
    #[serde(default)]
    pub(crate) hangout_link: Option<String>,
}

/// `start`/`end`: `{date}` for all-day events, else `{dateTime, timeZone}` (the `dateTime`
/// carries its offset, so the zone name is not needed).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct When {
    #[serde(default)]
    pub(crate) date: Option<String>,
    #[serde(default)]
    pub(crate) date_time: Option<String>,
}

/// `organizer`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Person {
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) display_name: Option<String>,
}

/// One of `attendees`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attendee {
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    #[serde(default)]
    pub(crate) response_status: Option<String>,
}
