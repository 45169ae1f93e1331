//! Google Calendar's MCP server (`calendarmcp`): the read tools as `google-workspace-mcp.md` §3
//! documents them, `list_events`, `get_event` and `search_events`, with camelCase arguments,
//! `structuredContent` shaped like the published output schema, and failures as error results
//! (text), never HTTP codes, over the demo calendars (`corpus/calendar.json`).
//!
//! - Per user: `primary` is the caller's own calendar; another user's calendar answers only to a
//!   reader it is shared with, and its private events come back with times only.
//! - Scopes: a token needs `calendar.events.readonly` (or a broader calendar scope), else the
//!   frame fails the call as Google's servers do; the quota and credential errors are the
//!   frame's.
//! - Paging: at most [`SERVER_PAGE`] events per page whatever `pageSize` asks, an *empty* page
//!   with a token after the first one, tokens bound to the query (another query's token is
//!   refused).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::calendar::{Calendars, Event, SERVER_PAGE, instant, page_state, page_token};
use crate::corpus::{Principal, Upstream};
use crate::errors;
use crate::google_mcp::{Product, ToolCall, ToolDef};

/// Google Calendar's fake in [`crate::UPSTREAMS`]: its API is the `calendarmcp` server of the
/// fake Google MCP frame, so it adds no routes of its own; Drive's outbound app (Google's) hands
/// out its tokens, asked for `calendar.events.readonly` only.
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::GoogleCalendar,
    descope_app: "google-drive",
    token_prefix: "ya29.fake",
    routes: axum::Router::new,
    google_mcp: Some(product),
    knobs: crate::FakeKnobs {
        route_of,
        fault: errors::google_fault,
    },
};

/// The server's name: its path segment and knob route name.
const NAME: &str = "calendarmcp";

/// The knob route name of a request to the server.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    crate::google_mcp::serves(NAME, method, segments).then_some(NAME)
}

/// The scopes that let a token read events.
const READ_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/calendar.events.readonly",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar",
];

/// Largest `pageSize` the server accepts.
const MAX_PAGE_SIZE: u64 = 2500;

/// A failed tool call: the error result's text.
type ToolError = String;

/// The Calendar MCP server (read tools only: writes need approval forms, not modelled).
fn product() -> Product {
    let tool = |name, description, input: fn() -> Value, output: fn() -> Value, handler| ToolDef {
        name,
        description,
        input_schema: input,
        output_schema: output,
        read_only: true,
        on_v1self: true,
        units: 1,
        scopes: READ_SCOPES,
        handler,
    };
    Product {
        name: NAME,
        title: "Google Calendar MCP server",
        // The Google outbound app's tokens (`google-drive` in the demo project) carry the
        // calendar scope when it was asked for.
        upstream: Upstream::GoogleDrive,
        scopes: &[
            "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
            "https://www.googleapis.com/auth/calendar.events.freebusy",
            "https://www.googleapis.com/auth/calendar.events.readonly",
        ],
        tools: vec![
            tool(
                "list_events",
                "Lists events from a calendar within a time range.",
                list_input,
                list_output,
                |call| list_events(&call.state.calendars, caller(call)?, call.args),
            ),
            tool(
                "get_event",
                "Gets one event by id.",
                get_input,
                event_schema,
                |call| get_event(&call.state.calendars, caller(call)?, call.args),
            ),
            tool(
                "search_events",
                "Searches the primary calendar's events.",
                search_input,
                search_output,
                |call| search_events(&call.state.calendars, caller(call)?, call.args),
            ),
        ],
    }
}

/// The caller's email: calendars are per user, app-only tokens have none.
fn caller<'a>(call: &'a ToolCall<'_>) -> Result<&'a str, ToolError> {
    match call.principal {
        Principal::User(email) => Ok(email),
        Principal::App => Err("The caller does not have permission".into()),
    }
}

fn event_schema() -> Value {
    json!({"type": "object", "properties": {
        "id": {"type": "string"}, "status": {"type": "string"}, "htmlLink": {"type": "string"},
        "created": {"type": "string"}, "updated": {"type": "string"}, "summary": {"type": "string"},
        "description": {"type": "string"}, "location": {"type": "string"},
        "creator": {"type": "object"}, "organizer": {"type": "object"},
        "start": {"type": "object"}, "end": {"type": "object"},
        "visibility": {"type": "string"}, "attendees": {"type": "array"},
        "eventType": {"type": "string"}, "conferenceUrl": {"type": "string"}
    }})
}

fn list_input() -> Value {
    json!({"type": "object", "properties": {
        "calendarId": {"type": "string", "description": "Defaults to primary."},
        "startTime": {"type": "string", "description": "RFC 3339; exclusive lower bound on an event's end. Defaults to now."},
        "endTime": {"type": "string", "description": "RFC 3339; exclusive upper bound on an event's start."},
        "timeZone": {"type": "string"},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        "pageToken": {"type": "string"},
        "orderBy": {"type": "string", "enum": ["default", "startTime", "startTimeDesc", "lastModified"]},
        "fullText": {"type": "string"},
        "eventTypeFilter": {"type": "array", "items": {"type": "string"}}
    }})
}

fn list_output() -> Value {
    json!({"type": "object", "properties": {
        "summary": {"type": "string"}, "timeZone": {"type": "string"},
        "accessRole": {"type": "string"}, "defaultReminders": {"type": "array"},
        "events": {"type": "array", "items": event_schema()},
        "nextPageToken": {"type": "string"}
    }})
}

fn get_input() -> Value {
    json!({"type": "object", "properties": {
        "eventId": {"type": "string"}, "calendarId": {"type": "string"}
    }, "required": ["eventId"]})
}

fn search_input() -> Value {
    json!({"type": "object", "properties": {
        "query": {"type": "string"}, "startTime": {"type": "string"},
        "endTime": {"type": "string"}, "pageSize": {"type": "integer"},
        "pageToken": {"type": "string"}
    }, "required": ["query"]})
}

fn search_output() -> Value {
    json!({"type": "object", "properties": {
        "events": {"type": "array", "items": event_schema()}, "nextPageToken": {"type": "string"}
    }})
}

fn text<'a>(args: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ToolError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("Invalid value for {name}: expected a string.")),
    }
}

fn time_arg(args: &Map<String, Value>, name: &str) -> Result<Option<OffsetDateTime>, ToolError> {
    text(args, name)?
        .map(|value| {
            OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
                format!("Invalid value for {name}: {value:?} is not an RFC 3339 time.")
            })
        })
        .transpose()
}

/// Whose calendar `calendarId` names for `caller`, and the caller's role on it.
fn calendar_of<'a>(
    calendars: &Calendars,
    caller: &'a str,
    args: &'a Map<String, Value>,
) -> Result<(&'a str, &'static str), ToolError> {
    let id = text(args, "calendarId")?.unwrap_or("primary");
    if id == "primary" || id.eq_ignore_ascii_case(caller) {
        return Ok((caller, "owner"));
    }
    calendars
        .google_calendar
        .shares
        .iter()
        .find(|s| s.owner.eq_ignore_ascii_case(id) && s.reader.eq_ignore_ascii_case(caller))
        .map(|s| {
            (
                id,
                if s.role == "reader" {
                    "reader"
                } else {
                    "freeBusyReader"
                },
            )
        })
        .ok_or_else(|| "Not Found".to_owned())
}

fn list_events(
    calendars: &Calendars,
    caller: &str,
    args: &Map<String, Value>,
) -> Result<Value, ToolError> {
    let (owner, role) = calendar_of(calendars, caller, args)?;
    let from = time_arg(args, "startTime")?.unwrap_or_else(OffsetDateTime::now_utc);
    let to = time_arg(args, "endTime")?;
    if to.is_some_and(|to| to <= from) {
        return Err("The specified time range is empty.".into());
    }
    let page_size = match args.get("pageSize") {
        None | Some(Value::Null) => 250,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=MAX_PAGE_SIZE) => n,
            _ => {
                return Err(format!(
                    "Invalid value for pageSize: must be 1 to {MAX_PAGE_SIZE}."
                ));
            }
        },
    };
    let order = text(args, "orderBy")?.unwrap_or("default");
    if !["default", "startTime", "startTimeDesc", "lastModified"].contains(&order) {
        return Err(format!("Invalid value for orderBy: {order}"));
    }
    let full_text = text(args, "fullText")?;
    let mut events: Vec<&Event> = calendars
        .google_calendar
        .events
        .iter()
        .filter(|e| e.on_calendar_of(owner))
        .filter(|e| match to {
            Some(to) => e.overlaps(from, to),
            None => e.span().is_some_and(|(_, end)| end > from),
        })
        .filter(|e| full_text.is_none_or(|q| e.matches(q)))
        .collect();
    match order {
        "startTime" => events.sort_by_key(|e| e.span().map(|s| s.0)),
        "startTimeDesc" => events.sort_by_key(|e| std::cmp::Reverse(e.span().map(|s| s.0))),
        _ => {}
    }
    let binding = format!(
        "list_events|{caller}|{owner}|{from}|{to:?}|{order}|{}",
        full_text.unwrap_or_default()
    );
    let (page, next) = page(&events, &binding, text(args, "pageToken")?, page_size)?;
    let mut answer = json!({
        "summary": owner, "timeZone": text(args, "timeZone")?.unwrap_or("UTC"),
        "accessRole": role, "defaultReminders": [],
        "events": page.iter().map(|e| event_json(e, owner, role)).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        answer["nextPageToken"] = json!(next);
    }
    Ok(answer)
}

/// One page of `events` from `token`'s position, and the next page's token. After the first
/// page comes an empty one that still carries a token, as Google's short pages do.
fn page<'e>(
    events: &[&'e Event],
    binding: &str,
    token: Option<&str>,
    page_size: u64,
) -> Result<(Vec<&'e Event>, Option<String>), ToolError> {
    let state = match token {
        None => "0".to_owned(),
        Some(token) => page_state(binding, token).ok_or("Invalid page token.")?,
    };
    if let Some(offset) = state.strip_prefix("empty:") {
        return Ok((Vec::new(), Some(page_token(binding, offset))));
    }
    let offset: usize = state.parse().map_err(|_| "Invalid page token.")?;
    let size = usize::try_from(page_size)
        .unwrap_or(SERVER_PAGE)
        .min(SERVER_PAGE);
    let page: Vec<&Event> = events.iter().skip(offset).take(size).copied().collect();
    let end = offset + page.len();
    let next = (end < events.len()).then(|| {
        if offset == 0 {
            page_token(binding, &format!("empty:{end}"))
        } else {
            page_token(binding, &end.to_string())
        }
    });
    Ok((page, next))
}

fn get_event(
    calendars: &Calendars,
    caller: &str,
    args: &Map<String, Value>,
) -> Result<Value, ToolError> {
    let (owner, role) = calendar_of(calendars, caller, args)?;
    let id = text(args, "eventId")?.ok_or("Missing required argument: eventId")?;
    calendars
        .google_calendar
        .events
        .iter()
        .find(|e| e.id == id && e.on_calendar_of(owner))
        .map(|e| event_json(e, owner, role))
        .ok_or_else(|| "Not Found".to_owned())
}

fn search_events(
    calendars: &Calendars,
    caller: &str,
    args: &Map<String, Value>,
) -> Result<Value, ToolError> {
    let query = text(args, "query")?
        .filter(|q| !q.trim().is_empty())
        .ok_or("Missing required argument: query")?;
    let from = time_arg(args, "startTime")?;
    let to = time_arg(args, "endTime")?;
    // Loosely "semantic": any word of the query, over the primary calendar only.
    let mut events: Vec<&Event> = calendars
        .google_calendar
        .events
        .iter()
        .filter(|e| e.on_calendar_of(caller))
        .filter(|e| query.split_whitespace().any(|w| e.matches(w)))
        .filter(|e| {
            e.span().is_some_and(|(start, end)| {
                from.is_none_or(|f| end > f) && to.is_none_or(|t| start < t)
            })
        })
        .collect();
    events.sort_by_key(|e| e.span().map(|s| s.0));
    let binding = format!("search_events|{caller}|{query}|{from:?}|{to:?}");
    let size = args.get("pageSize").and_then(Value::as_u64).unwrap_or(25);
    let (page, next) = page(&events, &binding, text(args, "pageToken")?, size.max(1))?;
    let mut answer = json!({
        "events": page.iter().map(|e| event_json(e, caller, "owner")).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        answer["nextPageToken"] = json!(next);
    }
    Ok(answer)
}

/// `start`/`end` as the API writes them: `{date}` for all-day events, else `{dateTime, timeZone}`.
fn when(value: &str, all_day: bool) -> Value {
    if all_day {
        json!({"date": value})
    } else {
        let at = instant(value)
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| value.to_owned());
        json!({"dateTime": at, "timeZone": "UTC"})
    }
}

/// An event as `owner`'s calendar shows it to a caller with `role`.
fn event_json(event: &Event, owner: &str, role: &str) -> Value {
    use base64::Engine;
    let eid =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{} {owner}", event.id));
    let mut out = json!({
        "id": event.id, "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid={eid}"),
        "start": when(&event.start, event.all_day), "end": when(&event.end, event.all_day),
        "eventType": "default",
    });
    let private = event.visibility.as_deref() == Some("private");
    if role == "freeBusyReader" || (role == "reader" && private) {
        // Times only: the details of a private event are the owner's.
        out["visibility"] = json!("private");
        return out;
    }
    out["created"] = json!("2026-11-20T10:00:00.000Z");
    out["updated"] = json!("2026-11-27T16:42:00.000Z");
    out["summary"] = json!(event.summary);
    if let Some(description) = &event.description {
        out["description"] = json!(description);
    }
    if let Some(location) = &event.location {
        out["location"] = json!(location);
    }
    if let Some(visibility) = &event.visibility {
        out["visibility"] = json!(visibility);
    }
    let is_self = |email: &str| email.eq_ignore_ascii_case(owner);
    out["creator"] = json!({"email": event.organizer.email});
    let mut organizer =
        json!({"email": event.organizer.email, "displayName": event.organizer.name});
    if is_self(&event.organizer.email) {
        organizer["self"] = json!(true);
    }
    out["organizer"] = organizer;
    if !event.attendees.is_empty() {
        let attendees: Vec<Value> = event
            .attendees
            .iter()
            .map(|a| {
                let mut attendee =
                    json!({"email": a.email, "displayName": a.name, "responseStatus": a.response});
                if a.email.eq_ignore_ascii_case(&event.organizer.email) {
                    attendee["organizer"] = json!(true);
                }
                if is_self(&a.email) {
                    attendee["self"] = json!(true);
                }
                attendee
            })
            .collect();
        out["attendees"] = json!(attendees);
    }
    if let Some(url) = &event.conference_url {
        out["conferenceUrl"] = json!(url);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(caller: &str, name: &str, args: Value) -> Result<Value, ToolError> {
        let calendars = Calendars::demo();
        let args = args.as_object().cloned().unwrap_or_default();
        match name {
            "list_events" => list_events(&calendars, caller, &args),
            "get_event" => get_event(&calendars, caller, &args),
            _ => search_events(&calendars, caller, &args),
        }
    }

    fn all_pages(caller: &str, mut args: Value) -> (Vec<String>, usize) {
        let mut ids = Vec::new();
        let mut pages = 0;
        loop {
            let answer = run(caller, "list_events", args.clone()).unwrap();
            pages += 1;
            ids.extend(
                answer["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_owned()),
            );
            match answer.get("nextPageToken") {
                Some(token) => args["pageToken"] = token.clone(),
                None => return (ids, pages),
            }
        }
    }

    #[test]
    fn a_week_comes_in_short_pages_one_of_them_empty() {
        let window = json!({"startTime": "2026-12-07T00:00:00Z", "endTime": "2026-12-14T00:00:00Z",
            "orderBy": "startTime", "pageSize": 250});
        let (ids, pages) = all_pages("dev@acme.example", window.clone());
        assert!(ids.len() > SERVER_PAGE, "{ids:?}");
        assert!(pages > 2, "{pages}");
        assert!(ids.contains(&"globexrenewalreview20261208".to_owned()));
        assert!(
            !ids.contains(&"globexssofollowup20261215".to_owned()),
            "outside the window"
        );
        let (bob, _) = all_pages("bob@acme.example", window);
        assert!(bob.iter().all(|id| !id.contains("globex")), "{bob:?}");
    }

    #[test]
    fn full_text_matches_every_word_anywhere_in_the_event() {
        let args = json!({"startTime": "2026-12-07T00:00:00Z", "endTime": "2026-12-21T00:00:00Z", "fullText": "globex"});
        let (ids, _) = all_pages("dev@acme.example", args.clone());
        assert!(
            ids.contains(&"renewalpricingdryrun20261209".to_owned()),
            "description: {ids:?}"
        );
        assert!(ids.contains(&"globexssofollowup20261215".to_owned()));
        assert!(all_pages("carol@acme.example", args).0.is_empty());
    }

    #[test]
    fn stale_tokens_and_empty_ranges_fail_as_error_results() {
        let window =
            json!({"startTime": "2026-12-07T00:00:00Z", "endTime": "2026-12-14T00:00:00Z"});
        let first = run("dev@acme.example", "list_events", window).unwrap();
        let token = first["nextPageToken"].clone();
        let other = json!({"startTime": "2026-12-07T00:00:00Z", "endTime": "2026-12-15T00:00:00Z", "pageToken": token});
        assert_eq!(
            run("dev@acme.example", "list_events", other).unwrap_err(),
            "Invalid page token."
        );
        let empty = json!({"startTime": "2026-12-08T00:00:00Z", "endTime": "2026-12-08T00:00:00Z"});
        assert_eq!(
            run("dev@acme.example", "list_events", empty).unwrap_err(),
            "The specified time range is empty."
        );
    }

    #[test]
    fn readers_see_private_events_as_times_only() {
        let args =
            json!({"calendarId": "dev@acme.example", "eventId": "doctorappointment20261209"});
        let owner = run("dev@acme.example", "get_event", args.clone()).unwrap();
        assert_eq!(owner["summary"], "Doctor appointment");
        let reader = run("alice@acme.example", "get_event", args.clone()).unwrap();
        assert!(
            reader.get("summary").is_none() && reader.get("location").is_none(),
            "{reader}"
        );
        assert_eq!(reader["start"]["dateTime"], "2026-12-09T08:00:00Z");
        assert_eq!(
            run("bob@acme.example", "get_event", args).unwrap_err(),
            "Not Found"
        );
        let not_his = json!({"eventId": "globexrenewalreview20261208"});
        assert_eq!(
            run("bob@acme.example", "get_event", not_his).unwrap_err(),
            "Not Found"
        );
    }
}
