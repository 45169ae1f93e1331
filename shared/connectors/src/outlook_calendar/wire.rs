//! Graph's calendar payloads, as far as the connector reads them (`event` resource, `upstream-apis-2.md` §3).

use serde::Deserialize;

use crate::wire::skip_invalid;

/// A page of `GET /me/calendarView`.
#[derive(Deserialize)]
pub(crate) struct EventPage {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) value: Vec<GraphEvent>,
    #[serde(rename = "@odata.nextLink", default)]
    pub(crate) next_link: Option<String>,
}

/// One event.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphEvent {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) subject: Option<String>,
    #[serde(default)]
    pub(crate) body_preview: Option<String>,
    #[serde(default)]
    pub(crate) body: Option<ItemBody>,
    pub(crate) start: DateTimeTimeZone,
    pub(crate) end: DateTimeTimeZone,
    #[serde(default)]
    pub(crate) is_all_day: bool,
    #[serde(default)]
    pub(crate) is_cancelled: bool,
    #[serde(default)]
    pub(crate) show_as: Option<String>,
    #[serde(default)]
    pub(crate) location: Option<Location>,
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) attendees: Vec<GraphAttendee>,
    #[serde(default)]
    pub(crate) organizer: Option<Recipient>,
    #[serde(default)]
    pub(crate) web_link: Option<String>,
    #[serde(default)]
    pub(crate) online_meeting: Option<OnlineMeeting>,
    #[serde(default)]
    pub(crate) last_modified_date_time: Option<String>,
    #[serde(default)]
    pub(crate) created_date_time: Option<String>,
}

/// `itemBody`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ItemBody {
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    #[serde(default)]
    pub(crate) content: Option<String>,
}

/// `dateTimeTimeZone`: `2017-04-21T10:00:00.0000000` in `timeZone`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DateTimeTimeZone {
    pub(crate) date_time: String,
    #[serde(default)]
    pub(crate) time_zone: Option<String>,
}

/// `location`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Location {
    #[serde(default)]
    pub(crate) display_name: Option<String>,
}

/// `attendee`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphAttendee {
    pub(crate) email_address: EmailAddress,
    #[serde(default)]
    pub(crate) status: Option<ResponseStatus>,
}

/// `responseStatus`.
#[derive(Deserialize)]
pub(crate) struct ResponseStatus {
    #[serde(default)]
    pub(crate) response: Option<String>,
}

/// `recipient`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Recipient {
    pub(crate) email_address: EmailAddress,
}

/// `emailAddress`.
#[derive(Deserialize)]
pub(crate) struct EmailAddress {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) address: Option<String>,
}

/// `onlineMeetingInfo`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OnlineMeeting {
    #[serde(default)]
    pub(crate) join_url: Option<String>,
}
