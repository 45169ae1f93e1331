//! `list_events`'s arguments: a time window, an optional keyword filter, which calendars, how
//! many events.

use serde_json::Value;
use workplace_connectors::{SourceKind, TimeWindow, WindowError};

use super::values::{integer, invalid, kind_of, object, reject_unknown, required_text};
use super::{InvalidArgument, MAX_QUERY_CHARS, parse_sources};

/// Longest window one call may list, in days: two months, so "this quarter" takes two calls
/// and one call cannot make the calendars page through years.
pub const MAX_WINDOW_DAYS: i64 = 62;
/// Bounds of `list_events`' `max_results`.
pub const MAX_EVENTS: u64 = 100;
/// `list_events`' `max_results` when omitted.
pub const DEFAULT_EVENTS: usize = 25;

/// A valid `list_events` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsArgs {
    /// The window: events that end after its start and begin before its end.
    pub window: TimeWindow,
    /// Keep only events with every word of this (title, description, place, people).
    pub query: Option<String>,
    /// The calendars named, in the caller's order; `None` means every calendar the caller may
    /// read.
    pub sources: Option<Vec<SourceKind>>,
    /// Most events returned, earliest first.
    pub max_results: usize,
}

fn bound<'a>(
    map: &'a serde_json::Map<String, Value>,
    field: &str,
) -> Result<&'a str, InvalidArgument> {
    match map.get(field) {
        None | Some(Value::Null) => Err(invalid(
            field,
            "is required: an RFC 3339 time with an offset, e.g. 2026-12-07T00:00:00Z",
        )),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(invalid(
            field,
            format!("must be an RFC 3339 time string, not {}", kind_of(other)),
        )),
    }
}

impl EventsArgs {
    /// Validates `list_events` arguments.
    pub fn parse(arguments: Option<&Value>) -> Result<Self, InvalidArgument> {
        let map = object(arguments)?;
        reject_unknown(&map, &["start", "end", "query", "sources", "max_results"])?;
        let (start, end) = (bound(&map, "start")?, bound(&map, "end")?);
        let window = TimeWindow::parse(start, end).map_err(|err| match err {
            WindowError::Start(reason) => invalid("start", reason),
            WindowError::End(reason) => invalid("end", reason),
        })?;
        if window.seconds() > MAX_WINDOW_DAYS * 24 * 3600 {
            return Err(invalid(
                "end",
                format!(
                    "the window must be at most {MAX_WINDOW_DAYS} days (got {:.1} days); list a longer period in several calls",
                    window.seconds() as f64 / 86_400.0
                ),
            ));
        }
        let query = match map.get("query") {
            None | Some(Value::Null) => None,
            Some(_) => Some(required_text(&map, "query", MAX_QUERY_CHARS)?),
        };
        let sources = match map.get("sources") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let sources = parse_sources(items)?;
                if let Some(not) = sources
                    .iter()
                    .find(|k| !workplace_connectors::registry::is_calendar(**k))
                {
                    let calendars: Vec<&str> = workplace_connectors::registry::calendars()
                        .map(|k| k.as_str())
                        .collect();
                    return Err(invalid(
                        "sources",
                        format!(
                            "`{not}` is not a calendar; list_events reads {} (use workplace_search for the others)",
                            calendars.join(", ")
                        ),
                    ));
                }
                Some(sources)
            }
            Some(other) => {
                return Err(invalid(
                    "sources",
                    format!("must be an array of calendar names, not {}", kind_of(other)),
                ));
            }
        };
        let max_results =
            integer(&map, "max_results", 1..=MAX_EVENTS)?.map_or(DEFAULT_EVENTS, |v| v as usize);
        Ok(Self {
            window,
            query,
            sources,
            max_results,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(args: Value) -> String {
        EventsArgs::parse(Some(&args)).unwrap_err().field
    }

    #[test]
    fn a_week_with_a_keyword_parses() {
        let args = EventsArgs::parse(Some(&json!({
            "start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z",
            "query": " Globex ", "sources": ["outlook_calendar"], "max_results": 50
        })))
        .unwrap();
        assert_eq!(args.window.start_rfc3339(), "2026-12-07T00:00:00Z");
        assert_eq!(args.query.as_deref(), Some("Globex"));
        assert_eq!(args.sources, Some(vec![SourceKind::OutlookCalendar]));
        assert_eq!(args.max_results, 50);
        let defaults = EventsArgs::parse(Some(
            &json!({"start": "2026-12-07T00:00:00Z", "end": "2026-12-08T00:00:00Z"}),
        ))
        .unwrap();
        assert_eq!(
            (defaults.query, defaults.sources, defaults.max_results),
            (None, None, 25)
        );
    }

    #[test]
    fn window_errors_name_the_field() {
        let week = |start: Value, end: Value| json!({"start": start, "end": end});
        assert_eq!(field_of(json!({"end": "2026-12-14T00:00:00Z"})), "start");
        assert_eq!(field_of(json!({"start": "2026-12-07T00:00:00Z"})), "end");
        assert_eq!(
            field_of(week(json!("2026-12-07"), json!("2026-12-14T00:00:00Z"))),
            "start"
        );
        assert_eq!(
            field_of(week(json!(7), json!("2026-12-14T00:00:00Z"))),
            "start"
        );
        assert_eq!(
            field_of(week(json!("2026-12-07T00:00:00Z"), json!("tomorrow"))),
            "end"
        );
        let backwards = EventsArgs::parse(Some(&week(
            json!("2026-12-14T00:00:00Z"),
            json!("2026-12-07T00:00:00Z"),
        )))
        .unwrap_err();
        assert_eq!(backwards.field, "end");
        assert!(backwards.reason.contains("after start"), "{backwards}");
        let long = EventsArgs::parse(Some(&week(
            json!("2026-12-01T00:00:00Z"),
            json!("2027-02-02T00:00:00Z"),
        )))
        .unwrap_err();
        assert_eq!(long.field, "end");
        assert!(long.reason.contains("62 days"), "{long}");
        assert!(
            EventsArgs::parse(Some(&week(
                json!("2026-12-01T00:00:00Z"),
                json!("2027-02-01T00:00:00Z")
            )))
            .is_ok(),
            "62 days exactly"
        );
    }

    #[test]
    fn only_calendars_and_known_arguments_are_accepted() {
        let base = |extra: Value| {
            let mut args = json!({"start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z"});
            for (k, v) in extra.as_object().unwrap() {
                args[k] = v.clone();
            }
            args
        };
        let err = EventsArgs::parse(Some(&base(json!({"sources": ["notion"]})))).unwrap_err();
        assert_eq!(err.field, "sources");
        assert!(err.reason.contains("not a calendar"), "{err}");
        assert_eq!(field_of(base(json!({"sources": []}))), "sources");
        assert_eq!(field_of(base(json!({"query": "  "}))), "query");
        assert_eq!(field_of(base(json!({"max_results": 101}))), "max_results");
        assert_eq!(field_of(base(json!({"calendar": "primary"}))), "calendar");
    }
}
