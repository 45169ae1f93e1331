//! `list_events`: the events in a time window across the calendars the caller may read, earliest
//! first, each calendar reporting its status as `workplace_search`'s sources do.
//!
//! The question "what meetings do I have with Globex next week?" is one call: the window is the
//! week, `query` the customer. A calendar the caller has no scope for is never asked (the scope
//! check runs before any token is fetched).

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use workplace_auth::Principal;
use workplace_connectors::details::EventDetails;
use workplace_connectors::{HitDetails, SearchHit, SourceError, SourceKind, UserContext};

use super::{CallError, CallSummary, ContentItem, PreparedCall, ToolResult};
use crate::arguments::EventsArgs;
use crate::search::{SearchEngine, SourceReport, SourceStatus, report_failure};
use crate::untrusted;

/// Validates a `list_events` call and resolves its calendars: the named ones if the caller may
/// read them all, else every calendar the caller may read (and this server offers).
pub(super) fn prepare(
    engine: &SearchEngine,
    arguments: Option<&Value>,
    principal: &Principal,
) -> Result<PreparedCall, CallError> {
    let args = EventsArgs::parse(arguments)?;
    let calendars: Vec<SourceKind> = workplace_connectors::registry::calendars().collect();
    let sources = match &args.sources {
        Some(requested) => {
            let missing: Vec<&'static str> = requested
                .iter()
                .map(|k| k.scope())
                .filter(|scope| !principal.has_scope(scope))
                .collect();
            if !missing.is_empty() {
                return Err(CallError::insufficient_scope(principal, missing));
            }
            requested.clone()
        }
        None => {
            let allowed: Vec<SourceKind> = calendars
                .iter()
                .copied()
                .filter(|k| principal.has_scope(k.scope()))
                .collect();
            if allowed.is_empty() {
                return Err(CallError::insufficient_scope(
                    principal,
                    calendars.iter().map(|k| k.scope()).collect(),
                ));
            }
            let configured: Vec<SourceKind> = allowed
                .iter()
                .copied()
                .filter(|k| engine.source(*k).is_some())
                .collect();
            if configured.is_empty() {
                allowed
            } else {
                configured
            }
        }
    };
    Ok(PreparedCall::Events { args, sources })
}

/// One event as `list_events` answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedEvent {
    /// `<source>:<event id>`; what `fetch` takes (for the description).
    pub id: String,
    /// Which calendar.
    pub source: SourceKind,
    /// Title.
    pub title: String,
    /// Opens the event.
    pub url: String,
    /// When, where and with whom, in one line.
    pub snippet: String,
    /// Time, place, organizer, attendees with their answers, status, call link.
    #[serde(flatten)]
    pub event: EventDetails,
}

/// The answer: the JSON both `structuredContent` and the resource carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsOutcome {
    /// Events, earliest first.
    pub events: Vec<ListedEvent>,
    /// `events.len()`.
    pub total_count: usize,
    /// The window listed, RFC 3339 in UTC.
    pub window: Window,
    /// The keyword filter, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// One report per calendar asked, in the order asked.
    pub sources: Vec<SourceReport>,
}

/// A window as the answer states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start (inclusive).
    pub start: String,
    /// End (exclusive).
    pub end: String,
}

/// A start for sorting: RFC 3339, or a date alone (all-day) as its midnight UTC.
fn sort_key(start: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(start, &Rfc3339).ok().or_else(|| {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(start, &format)
            .ok()
            .map(|d| d.midnight().assume_utc())
    })
}

fn listed(kind: SourceKind, hit: SearchHit) -> Option<ListedEvent> {
    let Some(HitDetails::Event(event)) = hit.details else {
        return None;
    };
    Some(ListedEvent {
        id: format!("{kind}:{}", hit.item_id),
        source: kind,
        title: hit.title,
        url: hit.url,
        snippet: hit.snippet,
        event,
    })
}

/// Lists the window in every calendar at once, each under the source deadline.
pub(crate) async fn list(
    engine: &SearchEngine,
    user: &UserContext,
    args: &EventsArgs,
    sources: &[SourceKind],
) -> EventsOutcome {
    let settings = engine.settings();
    let deadline: Duration = settings.source_timeout.min(settings.request_deadline);
    let answers = futures::future::join_all(sources.iter().map(|&kind| async move {
        let Some(source) = engine.source(kind) else {
            return Err(SourceError::NotConfigured(kind.display_name()));
        };
        let query = args.query.as_deref();
        tokio::time::timeout(
            deadline,
            source.events(
                user,
                &args.window,
                query,
                args.max_results,
                tokio::time::Instant::now() + deadline,
            ),
        )
        .await
        .unwrap_or(Err(SourceError::Timeout))
    }))
    .await;
    let mut reports = Vec::with_capacity(sources.len());
    let mut events = Vec::new();
    for (kind, answer) in sources.iter().copied().zip(answers) {
        match answer {
            Ok(hits) => {
                reports.push(SourceReport {
                    source: kind,
                    status: SourceStatus::Ok,
                    count: hits.len(),
                    access: engine.access(kind),
                    retry_after_seconds: None,
                    message: None,
                    query: args.query.clone(),
                    relaxed_query: None,
                    filters_not_applied: Vec::new(),
                });
                events.extend(hits.into_iter().filter_map(|h| listed(kind, h)));
            }
            Err(err) => reports.push(report_failure(kind, engine.access(kind), &err, deadline)),
        }
    }
    events.sort_by(|a, b| {
        (sort_key(&a.event.start), a.source, &a.title).cmp(&(
            sort_key(&b.event.start),
            b.source,
            &b.title,
        ))
    });
    events.truncate(args.max_results);
    EventsOutcome {
        total_count: events.len(),
        events,
        window: Window {
            start: args.window.start_rfc3339(),
            end: args.window.end_rfc3339(),
        },
        query: args.query.clone(),
        sources: reports,
    }
}

/// Runs `list_events`. Never fails: a calendar that failed is named in `sources`, and the
/// result is an error only when every calendar failed.
pub(super) async fn run(
    engine: &SearchEngine,
    user: &UserContext,
    args: &EventsArgs,
    sources: &[SourceKind],
) -> (ToolResult, CallSummary) {
    let outcome = list(engine, user, args, sources).await;
    let summary = CallSummary {
        result_count: outcome.total_count,
        source_status: outcome
            .sources
            .iter()
            .map(|s| (s.source, s.status))
            .collect(),
    };
    let failures: Vec<String> = outcome
        .sources
        .iter()
        .filter(|s| s.status != SourceStatus::Ok)
        .map(|s| {
            format!(
                "{}: {}",
                s.source,
                s.message.as_deref().unwrap_or(s.status.as_str())
            )
        })
        .collect();
    let is_error = !outcome.sources.is_empty() && failures.len() == outcome.sources.len();
    let mut line = format!(
        "Found {} event{} from {} to {}",
        outcome.total_count,
        if outcome.total_count == 1 { "" } else { "s" },
        outcome.window.start,
        outcome.window.end
    );
    if let Some(query) = &args.query {
        line.push_str(&format!(" matching '{query}'"));
    }
    if is_error {
        line = format!(
            "Listing failed for every requested calendar: {}",
            failures.join("; ")
        );
    } else if !failures.is_empty() {
        line.push_str(&format!(" (not listed: {})", failures.join("; ")));
    }
    let mut structured = serde_json::to_value(&outcome).unwrap_or(Value::Null);
    untrusted::label(&mut structured);
    let mut content = vec![ContentItem::text(line.clone())];
    if !is_error {
        content.push(ContentItem::third_party_text(untrusted::render_events(
            &line, &outcome,
        )));
    }
    let result = ToolResult {
        content,
        structured_content: structured,
        is_error,
    };
    (result, summary)
}

/// The JSON Schema of [`EventsOutcome`] (the success branch of the tool's output schema).
pub(crate) fn output_schema() -> Value {
    let details = HitDetails::json_schema();
    let person = details["properties"]["organizer"].clone();
    let attendee = details["properties"]["attendees"].clone();
    json!({
        "type": "object",
        "properties": {
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "description": "Source-qualified id; pass it to `fetch` for the description."},
                        "source": {"type": "string", "enum": workplace_connectors::registry::calendars().map(|k| k.as_str()).collect::<Vec<_>>()},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "snippet": {"type": "string"},
                        "start": {"type": "string", "description": "RFC 3339 (a date alone for an all-day event)."},
                        "end": {"type": "string", "description": "Exclusive; RFC 3339 (a date alone for an all-day event)."},
                        "all_day": {"type": "boolean"},
                        "time_zone": {"type": "string"},
                        "location": {"type": "string"},
                        "organizer": person,
                        "attendees": attendee,
                        "status": {"type": "string"},
                        "conference_url": {"type": "string"}
                    },
                    "required": ["id", "source", "title", "url", "start", "end", "all_day", "attendees"]
                }
            },
            "total_count": {"type": "integer"},
            "window": {
                "type": "object",
                "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
                "required": ["start", "end"]
            },
            "query": {"type": "string"},
            "sources": crate::catalogue::source_reports_schema(),
            "content_trust": untrusted::schema_property()
        },
        "required": ["events", "total_count", "window", "sources", "content_trust"]
    })
}
