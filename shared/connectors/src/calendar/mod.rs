//! What the calendar sources share: the time window events are listed in, the `Calendar`
//! wrapper that turns a calendar API into a [`Source`], and one event model (`event.rs`) both
//! upstreams' answers are read into, so hits, details and `fetch` text look the same whichever
//! calendar an event came from.
//!
//! A calendar is *listed* by window ([`Source::events`], the `list_events` tool) and also
//! *searched* by keyword (`workplace_search`): a search lists [`SEARCH_PAST`] before to
//! [`SEARCH_AHEAD`] after now, with the query's keywords as the upstream's filter (Google's `fullText`; Graph has no search on events, so a
//! post-filter over `calendarView`, see `outlook_calendar`).

mod event;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;

pub(crate) use event::{CalendarEvent, response};

use crate::broker::TokenBroker;
use crate::config::{ConfigProblem, Env};
use crate::id::SourceId;
use crate::query::{Plan, Planned};
use crate::{BoxFuture, Content, ItemId, SearchHit, Source, SourceError, SourceKind, UserContext};

/// How far back a keyword search of a calendar looks.
pub const SEARCH_PAST: Duration = Duration::from_secs(90 * 24 * 3600);
/// How far ahead a keyword search of a calendar looks.
pub const SEARCH_AHEAD: Duration = Duration::from_secs(90 * 24 * 3600);
/// The setting that centres every calendar's keyword-search window on a fixed instant.
pub(crate) const SEARCH_AROUND_SETTING: &str = "CALENDAR_SEARCH_AROUND";

/// Reads `CALENDAR_SEARCH_AROUND`: an RFC 3339 instant that keyword searches of a calendar look
/// around ([`SEARCH_PAST`] before, [`SEARCH_AHEAD`] after) instead of now. Unset in a
/// deployment; tests and `make dev` set it to the demo calendars' weeks so that a search finds the
/// demo meetings whatever the date the tests run on.
pub(crate) fn search_around(
    env: &Env<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<OffsetDateTime> {
    let value = env.get(SEARCH_AROUND_SETTING)?;
    match OffsetDateTime::parse(value.trim(), &Rfc3339) {
        Ok(at) => Some(at.to_offset(time::UtcOffset::UTC)),
        Err(_) => {
            problems.push(ConfigProblem {
                setting: SEARCH_AROUND_SETTING,
                problem: format!(
                    "must be an RFC 3339 instant such as 2026-12-09T00:00:00Z (got `{value}`)"
                ),
            });
            None
        }
    }
}

/// Most upstream pages one listing follows: both calendars may answer short (even empty) pages
/// that still link a next one, so the loop is bounded by this as well as by the deadline.
pub const MAX_PAGES: usize = 10;
/// Most events the relaxed pass of a search lists before keeping those with any keyword.
const MAX_LISTED: usize = 100;

/// A time window `[start, end)` with `end` after `start`, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    start: OffsetDateTime,
    end: OffsetDateTime,
}

/// Why two times are not a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the end must be after the start")]
pub struct EmptyWindow;

/// Why a window's bounds, as a caller wrote them, are not a window: which bound, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// The start is not an RFC 3339 time with an offset.
    #[error("start: {0}")]
    Start(String),
    /// The end is not an RFC 3339 time with an offset, or not after the start.
    #[error("end: {0}")]
    End(String),
}

fn parse_bound(value: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(value.trim(), &Rfc3339).map_err(|_| {
        format!(
            "must be an RFC 3339 time with an offset, e.g. 2026-12-07T00:00:00Z (got {value:?})"
        )
    })
}

impl TimeWindow {
    /// The window from `start` to `end`, converted to UTC; `end` must be after `start`.
    pub fn new(start: OffsetDateTime, end: OffsetDateTime) -> Result<Self, EmptyWindow> {
        if end <= start {
            return Err(EmptyWindow);
        }
        Ok(Self {
            start: start.to_offset(time::UtcOffset::UTC),
            end: end.to_offset(time::UtcOffset::UTC),
        })
    }

    /// Parses the bounds a caller wrote (RFC 3339 with an offset); the end must be after the
    /// start.
    pub fn parse(start: &str, end: &str) -> Result<Self, WindowError> {
        let from = parse_bound(start).map_err(WindowError::Start)?;
        let to = parse_bound(end).map_err(WindowError::End)?;
        Self::new(from, to).map_err(|_| {
            WindowError::End(format!(
                "must be after start ({} is not after {})",
                rfc3339(to),
                rfc3339(from)
            ))
        })
    }

    /// The window a keyword search looks in: from [`SEARCH_PAST`] before `now` to
    /// [`SEARCH_AHEAD`] after. The planner's date words are not used: they read as ranges up to
    /// today ("this week" is Monday to today), which suits documents, not meetings; a question
    /// about a period is `list_events`' to answer.
    pub fn for_search(now: OffsetDateTime) -> Self {
        Self {
            start: now - SEARCH_PAST,
            end: now + SEARCH_AHEAD,
        }
    }

    /// The start.
    pub fn start(&self) -> OffsetDateTime {
        self.start
    }

    /// The end (exclusive).
    pub fn end(&self) -> OffsetDateTime {
        self.end
    }

    /// How long the window is, in whole seconds.
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).whole_seconds()
    }

    /// The start as RFC 3339 in UTC (`2026-12-07T00:00:00Z`).
    pub fn start_rfc3339(&self) -> String {
        rfc3339(self.start)
    }

    /// The end as RFC 3339 in UTC.
    pub fn end_rfc3339(&self) -> String {
        rfc3339(self.end)
    }
}

/// RFC 3339 in UTC with a `Z`; formatting a UTC time cannot fail, the fallback is never used.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Who a calendar call acts for and until when: the user's broker (calendars always use the
/// user's own token), the user, and the call's deadline. The Google calendar hands them to its
/// MCP client, which fetches a fresh token once when the server refuses one; the Outlook
/// calendar takes a token.
pub(crate) struct Caller<'a> {
    pub(crate) broker: &'a dyn TokenBroker,
    pub(crate) user: &'a UserContext,
    pub(crate) deadline: Instant,
}

impl Caller<'_> {
    /// Runs `call` with the user's token, before the deadline; a token the upstream refuses is
    /// replaced once (see [`crate::broker::with_token`]).
    pub(crate) async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, SourceError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, SourceError>>,
    {
        crate::broker::with_token(self.broker, self.user, self.deadline, call).await
    }
}

/// One calendar API as the [`Calendar`] wrapper uses it (each in its source's folder).
pub(crate) trait CalendarApi: Send + Sync {
    /// Which source this is.
    const KIND: SourceKind;
    /// The parsed form of this source's event ids (its `ItemId` variant).
    type Id: SourceId + Send + Sync;

    /// The events overlapping `window` (with `query`: only those matching its words), at most
    /// `limit`, earliest first.
    fn list_with(
        &self,
        caller: &Caller<'_>,
        window: &TimeWindow,
        query: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<CalendarEvent>, SourceError>> + Send;

    /// One event, with its description.
    fn event_with(
        &self,
        caller: &Caller<'_>,
        id: &Self::Id,
    ) -> impl Future<Output = Result<CalendarEvent, SourceError>> + Send;
}

/// A calendar API as a [`Source`]: its token broker (the user's own token; calendars have no
/// service mode) and its deadline.
pub(crate) struct Calendar<C> {
    pub(crate) api: C,
    pub(crate) broker: Arc<dyn TokenBroker>,
    /// The instant a keyword search's window is centred on (`CALENDAR_SEARCH_AROUND`); `None`:
    /// now.
    pub(crate) search_around: Option<OffsetDateTime>,
}

impl<C: CalendarApi> Calendar<C> {
    /// One call as `user`, before the caller's `deadline`.
    fn caller<'a>(&'a self, user: &'a UserContext, deadline: Instant) -> Caller<'a> {
        Caller {
            broker: self.broker.as_ref(),
            user,
            deadline,
        }
    }

    /// The window a keyword search looks in: around `CALENDAR_SEARCH_AROUND` when set, else now.
    fn search_window(&self) -> TimeWindow {
        TimeWindow::for_search(self.search_around.unwrap_or_else(OffsetDateTime::now_utc))
    }

    async fn list(
        &self,
        user: &UserContext,
        window: &TimeWindow,
        query: Option<&str>,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<CalendarEvent>, SourceError> {
        let caller = self.caller(user, deadline);
        let mut events = self.api.list_with(&caller, window, query, limit).await?;
        events.sort_by(|a, b| (a.start, &a.title).cmp(&(b.start, &b.title)));
        events.truncate(limit);
        Ok(events)
    }
}

impl<C: CalendarApi> Source for Calendar<C> {
    fn kind(&self) -> SourceKind {
        C::KIND
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let window = self.search_window();
            let events = self
                .list(user, &window, Some(query), limit, deadline)
                .await?;
            Ok(events.iter().map(CalendarEvent::hit).collect())
        })
    }

    /// The strict pass asks the upstream for events with every keyword (date words are not
    /// keywords); when that finds too little, the relaxed pass lists the window once and keeps
    /// events with any keyword.
    fn search_plan<'a>(
        &'a self,
        user: &'a UserContext,
        plan: &'a Plan,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Planned, SourceError>> {
        Box::pin(async move {
            let window = self.search_window();
            let keywords = plan.keywords();
            let strict = (!keywords.is_empty()).then_some(keywords.as_str());
            let events = self.list(user, &window, strict, limit, deadline).await?;
            let hits = events.iter().map(CalendarEvent::hit).collect();
            let planned = Planned::pass_through(hits, strict.unwrap_or_default());
            if plan.groups.len() < 2 {
                return Ok(planned);
            }
            let terms: Vec<&str> = plan
                .groups
                .iter()
                .flat_map(|g| g.terms.iter().map(String::as_str))
                .collect();
            let shown = || Some((format!("any of: {}", terms.join(" | ")), ()));
            Ok(planned
                .relax_once(plan, limit, shown, |()| async {
                    let all = self.list(user, &window, None, MAX_LISTED, deadline).await?;
                    let mut hits: Vec<SearchHit> = all
                        .iter()
                        .filter(|e| terms.iter().any(|t| e.mentions(t)))
                        .map(CalendarEvent::hit)
                        .collect();
                    hits.truncate(limit);
                    Ok(hits)
                })
                .await)
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let id = C::Id::of(id).ok_or(SourceError::NotFound)?;
            let event = self
                .api
                .event_with(&self.caller(user, deadline), id)
                .await?;
            Ok(event.content(max_chars))
        })
    }

    fn events<'a>(
        &'a self,
        user: &'a UserContext,
        window: &'a TimeWindow,
        query: Option<&'a str>,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let events = self.list(user, window, query, limit, deadline).await?;
            Ok(events.iter().map(CalendarEvent::hit).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_parsed_to_utc_and_must_not_be_empty() {
        let window =
            TimeWindow::parse("2026-12-07T01:00:00+01:00", "2026-12-14T00:00:00Z").unwrap();
        assert_eq!(window.start_rfc3339(), "2026-12-07T00:00:00Z");
        assert_eq!(window.seconds(), 7 * 24 * 3600);
        assert!(matches!(
            TimeWindow::parse("2026-12-07", "2026-12-14T00:00:00Z"),
            Err(WindowError::Start(_))
        ));
        assert!(matches!(
            TimeWindow::parse("2026-12-07T00:00:00Z", "2026-12-07T00:00:00Z"),
            Err(WindowError::End(_))
        ));
        assert!(matches!(
            TimeWindow::parse("2026-12-07T00:00:00Z", "next week"),
            Err(WindowError::End(_))
        ));
    }
}
