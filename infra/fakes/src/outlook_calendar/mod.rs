//! Microsoft Graph calendar: `GET /v1.0/me/calendarView` and `GET /v1.0/me/events/{id}`
//! (`upstream-apis-2.md` §3), delegated only.
//!
//! - Both `startDateTime` and `endDateTime` are required (400 otherwise); a bound without an
//!   offset is UTC. Occurrences overlapping the window are returned.
//! - Times come back as `{"dateTime": "2017-04-21T10:00:00.0000000", "timeZone": "UTC"}`.
//! - `$top` (default 10, at most 1000) and `$skip`; the server answers at most [`SERVER_PAGE`]
//!   events a page and links the next with `@odata.nextLink` carrying `$skip`.
//! - `$select` trims each event to the named fields (plus `id`).
//! - A token needs `Calendars.Read` (or `Calendars.ReadBasic`/`Calendars.ReadWrite`): 403
//!   `ErrorAccessDenied` otherwise. App-only tokens cannot use `/me` (400).
//! - The event body is HTML unless `Prefer: outlook.body-content-type="text"`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::calendar::{Event, SERVER_PAGE, instant};
use crate::corpus::{Principal, Upstream};
use crate::errors;
use crate::state::FakeState;

/// The delegated scopes that can read the user's calendar.
const CALENDAR_SCOPES: [&str; 3] = [
    "Calendars.Read",
    "Calendars.ReadBasic",
    "Calendars.ReadWrite",
];

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The caller's email, or the error Graph answers: 401 for a bad token, 400 for an app-only
/// token on `/me`, 403 without a calendar scope.
fn caller(state: &FakeState, headers: &HeaderMap) -> Result<String, Response> {
    let token = bearer(headers);
    let principal = state
        .check_token(Upstream::Sharepoint, token)
        .ok_or_else(|| {
            errors::graph(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty or invalid.",
            )
        })?;
    let Principal::User(email) = principal else {
        return Err(errors::graph(
            400,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        ));
    };
    let scopes = state.token_scopes(token);
    if !scopes.iter().any(|s| CALENDAR_SCOPES.contains(&s.as_str())) {
        return Err(errors::graph(
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ));
    }
    Ok(email)
}

fn invalid(message: &str) -> Response {
    errors::graph(400, "ErrorInvalidParameter", message)
}

/// A window bound: RFC 3339, or a local time without offset read as UTC.
fn bound(value: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some(t);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    time::PrimitiveDateTime::parse(value, &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// Graph's `dateTimeTimeZone` in UTC: seven fractional digits, no offset.
fn date_time(value: &str) -> Value {
    let at = instant(value).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].0000000");
    json!({"dateTime": at.format(&format).unwrap_or_default(), "timeZone": "UTC"})
}

/// Graph's word for an answer given in the corpus's (Google's) words.
fn response_word(word: &str) -> &str {
    match word {
        "tentative" => "tentativelyAccepted",
        "needsAction" => "notResponded",
        other => other,
    }
}

fn html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>");
    format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>{escaped}</div></body></html>"
    )
}

/// An event as `owner`'s mailbox shows it; `text_body` when the caller preferred text bodies.
fn event_json(event: &Event, owner: &str, text_body: bool) -> Value {
    let description = event.description.clone().unwrap_or_default();
    let preview: String = description.chars().take(255).collect();
    let attendees: Vec<Value> = event
        .attendees
        .iter()
        .map(|a| {
            json!({"type": "required",
                "status": {"response": response_word(&a.response), "time": "0001-01-01T00:00:00Z"},
                "emailAddress": {"name": a.name, "address": a.email}})
        })
        .collect();
    let encoded: String = event
        .id
        .chars()
        .map(|c| match c {
            '=' => "%3D".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let is_organizer = event.organizer.email.eq_ignore_ascii_case(owner);
    json!({
        "@odata.etag": format!("W/\"{}\"", &event.id[..event.id.len().min(12)]),
        "id": event.id,
        "createdDateTime": "2026-11-20T10:00:00.0000000Z",
        "lastModifiedDateTime": "2026-11-27T16:42:00.0000000Z",
        "subject": event.summary,
        "bodyPreview": preview,
        "body": if text_body {
            json!({"contentType": "text", "content": description})
        } else {
            json!({"contentType": "html", "content": html(&description)})
        },
        "importance": "normal",
        "sensitivity": if event.visibility.as_deref() == Some("private") { "private" } else { "normal" },
        "isAllDay": event.all_day,
        "isCancelled": false,
        "isOrganizer": is_organizer,
        "responseStatus": {"response": if is_organizer { "organizer".to_owned() } else {
            event.attendees.iter().find(|a| a.email.eq_ignore_ascii_case(owner))
                .map_or("none".to_owned(), |a| response_word(&a.response).to_owned())
        }, "time": "0001-01-01T00:00:00Z"},
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": format!("https://outlook.office365.com/owa/?itemid={encoded}&exvsurl=1&path=/calendar/item"),
        "start": date_time(&event.start),
        "end": date_time(&event.end),
        "location": {"displayName": event.location.clone().unwrap_or_default(), "locationType": "default"},
        "attendees": attendees,
        "organizer": {"emailAddress": {"name": event.organizer.name, "address": event.organizer.email}},
        "isOnlineMeeting": event.conference_url.is_some(),
        "onlineMeeting": event.conference_url.as_ref().map(|url| json!({"joinUrl": url})),
    })
}

/// Keeps only the `$select`ed fields (and `id` and the etag, which Graph always returns).
fn select(event: Value, fields: Option<&str>) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &event) else {
        return event;
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    Value::Object(
        map.iter()
            .filter(|(k, _)| {
                k.as_str() == "id" || k.starts_with("@odata") || wanted.contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn prefers_text(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("outlook.body-content-type=\"text\""))
}

/// `GET /v1.0/me/calendarView`.
pub(crate) async fn calendar_view(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let owner = match caller(&state, &headers) {
        Ok(email) => email,
        Err(response) => return response,
    };
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let (Some(start), Some(end)) = (get("startDateTime"), get("endDateTime")) else {
        return invalid(
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        );
    };
    let (Some(from), Some(to)) = (bound(start), bound(end)) else {
        return invalid(
            "The value of the StartDateTime or EndDateTime parameter is not a valid date and time.",
        );
    };
    let top = match get("$top").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n @ 1..=1000)) => n,
        Some(_) => return invalid("Invalid value for the $top query option."),
    };
    let skip = match get("$skip").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return invalid("Invalid value for the $skip query option."),
    };
    let mut events: Vec<&Event> = state
        .calendars
        .outlook_calendar
        .events
        .iter()
        .filter(|e| e.on_calendar_of(&owner) && e.overlaps(from, to))
        .collect();
    events.sort_by_key(|e| e.span().map(|s| s.0));
    let text_body = prefers_text(&headers);
    let page: Vec<Value> = events
        .iter()
        .skip(skip)
        .take(top.min(SERVER_PAGE))
        .map(|e| select(event_json(e, &owner, text_body), get("$select")))
        .collect();
    let mut answer = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/calendarView",
        "value": page,
    });
    let next = skip + answer["value"].as_array().map_or(0, Vec::len);
    if next < events.len() {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("startDateTime", start);
        query.append_pair("endDateTime", end);
        if let Some(fields) = get("$select") {
            query.append_pair("$select", fields);
        }
        query.append_pair("$top", &top.to_string());
        query.append_pair("$skip", &next.to_string());
        let link = format!("http://{host}/v1.0/me/calendarView?{}", query.finish());
        answer["@odata.nextLink"] = json!(link);
    }
    axum::Json(answer).into_response()
}

/// `GET /v1.0/me/events/{id}`.
pub(crate) async fn event(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let owner = match caller(&state, &headers) {
        Ok(email) => email,
        Err(response) => return response,
    };
    let found = state
        .calendars
        .outlook_calendar
        .events
        .iter()
        .find(|e| e.id == id && e.on_calendar_of(&owner));
    match found {
        Some(event) => {
            let fields = params.get("$select").map(String::as_str);
            axum::Json(select(
                event_json(event, &owner, prefers_text(&headers)),
                fields,
            ))
            .into_response()
        }
        None => errors::graph(
            404,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        ),
    }
}

/// The Outlook calendar's fake in [`crate::UPSTREAMS`]: SharePoint's outbound app (Microsoft's)
/// hands out its tokens, asked for `Calendars.Read` only.
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::OutlookCalendar,
    descope_app: "microsoft",
    token_prefix: "eyJ0eXAiOiJKV1QiLCJmYWtlIjoi",
    routes,
    google_mcp: None,
    knobs: crate::FakeKnobs {
        route_of,
        fault: errors::graph_fault,
    },
};

/// The knob route name of a request to one of this fake's routes.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    match (method, segments) {
        ("GET", ["v1.0", "me", "calendarView"]) => Some("outlook.calendar"),
        ("GET", ["v1.0", "me", "events", _]) => Some("outlook.event"),
        _ => None,
    }
}

/// Graph's calendar routes.
pub(crate) fn routes() -> axum::Router<Arc<FakeState>> {
    axum::Router::new()
        .route("/v1.0/me/calendarView", axum::routing::get(calendar_view))
        .route("/v1.0/me/events/{id}", axum::routing::get(event))
}
