//! Calling a tool: validation, scope checks and execution, shared by the REST route and MCP.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use workplace_auth::{Principal, TokenKind};
use workplace_connectors::{SourceError, SourceKind, UserContext, WRITE_COMMENTS_SCOPE};
use workplace_policy::{Caps, Refusal};
use workplace_record::ErrorCode;

use crate::arguments::{CommentArgs, EventsArgs, FetchArgs, InvalidArgument, SearchArgs};
use crate::catalogue::{self, ADD_COMMENT, FETCH, LIST_EVENTS, SEARCH, WORKPLACE_SEARCH};
use crate::chatgpt;
use crate::search::cursor::unix_now;
use crate::search::{Page, SearchEngine, SearchRequest, SourceStatus, truncate_chars};
pub use crate::tool_result::{ContentItem, EmbeddedResource, ToolResult};
use crate::untrusted;

// `add_comment` (scopes and run) lives in its own file, as does `list_events`.
mod comment;
mod events;

pub use comment::confirmation_state;
pub(crate) use events::output_schema as events_output_schema;
pub use events::{EventsOutcome, ListedEvent, Window};

/// Why a call could not start. Each maps to one HTTP status on REST.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No such tool.
    #[error("unknown tool `{0}`")]
    UnknownTool(String),
    /// The arguments are invalid.
    #[error("invalid arguments: {0}")]
    InvalidArguments(#[from] InvalidArgument),
    /// The caller lacks the scopes the call needs.
    #[error("insufficient scope: this call needs {}", .missing.join(" "))]
    InsufficientScope {
        /// The scopes that would make the call succeed.
        missing: Vec<&'static str>,
        /// This server's scopes the caller's token carries: a step-up asks for them too.
        granted: Vec<&'static str>,
    },
    /// The organisation's admin policy does not let this caller use the tool.
    #[error("{0}")]
    PolicyDenied(Refusal),
}

impl CallError {
    /// `principal` lacks `missing`.
    pub fn insufficient_scope(principal: &Principal, missing: Vec<&'static str>) -> Self {
        let granted = SourceKind::ALL
            .iter()
            .map(|kind| kind.scope())
            .chain([WRITE_COMMENTS_SCOPE])
            .filter(|scope| principal.has_scope(scope))
            .collect();
        Self::InsufficientScope { missing, granted }
    }

    /// The stable code of the refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownTool(_) => ErrorCode::UnknownTool,
            Self::InvalidArguments(_) => ErrorCode::InvalidArguments,
            Self::InsufficientScope { .. } => ErrorCode::InsufficientScope,
            Self::PolicyDenied(_) => ErrorCode::PolicyDenied,
        }
    }
}

/// Which answer a search call gets: `workplace_search`'s full report, or the `search` tool's
/// ChatGPT connector contract. Both run the same engine under the same scopes and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchShape {
    /// `workplace_search`: results, `total_count` and per-source reports.
    Workplace,
    /// `search`: `{"results": [{id, title, url, text}]}` as JSON in the first text content.
    ChatGpt,
}

/// A validated, authorized call, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreparedCall {
    /// `workplace_search` or `search` over the resolved sources.
    Search {
        /// The validated arguments (boxed: with filters they are the largest part of a call).
        args: Box<SearchArgs>,
        /// The sources to search: the requested ones, or every one the caller may search.
        sources: Vec<SourceKind>,
        /// Which tool was called, hence which answer shape.
        shape: SearchShape,
        /// Which part of the ranking: the first `max_results`, or where `cursor` continues.
        page: Page,
    },
    /// `fetch`.
    Fetch(FetchArgs),
    /// `add_comment`.
    Comment(CommentArgs),
    /// `list_events` over the resolved calendars.
    Events {
        /// The validated arguments.
        args: EventsArgs,
        /// The calendars to list: the requested ones, or every one the caller may read.
        sources: Vec<SourceKind>,
    },
}

impl PreparedCall {
    /// The tool's name.
    pub fn tool(&self) -> &'static str {
        match self {
            Self::Search {
                shape: SearchShape::Workplace,
                ..
            } => WORKPLACE_SEARCH,
            Self::Search {
                shape: SearchShape::ChatGpt,
                ..
            } => SEARCH,
            Self::Fetch(_) => FETCH,
            Self::Comment(_) => ADD_COMMENT,
            Self::Events { .. } => LIST_EVENTS,
        }
    }

    /// The sources the call touches.
    pub fn sources(&self) -> Vec<SourceKind> {
        match self {
            Self::Search { sources, .. } | Self::Events { sources, .. } => sources.clone(),
            Self::Fetch(args) => vec![args.id.source()],
            Self::Comment(args) => vec![args.id.source()],
        }
    }

    /// The query text, for the invocation record's length and hash.
    pub fn query(&self) -> Option<&str> {
        match self {
            Self::Search { args, .. } => Some(&args.query),
            Self::Events { args, .. } => args.query.as_deref(),
            // A comment's text is content, not a query: never hashed into the record.
            Self::Fetch(_) | Self::Comment(_) => None,
        }
    }
}

impl PreparedCall {
    /// The call within its organisation's caps (admin policy): fewer results or less text than
    /// asked, never a refusal. Applied before the call is charged, so it costs what it will do.
    pub fn within(&mut self, caps: Caps) {
        match self {
            Self::Search { args, page, .. } => {
                if let Some(most) = caps.max_results {
                    args.max_results = args.max_results.min(most);
                    page.size = page.size.min(most);
                }
                if let Some(chars) = caps.max_content_chars {
                    let tokens = chars.div_ceil(crate::search::budget::CHARS_PER_TOKEN);
                    args.max_tokens = args.max_tokens.min(tokens.max(1));
                }
            }
            Self::Events { args, .. } => {
                if let Some(most) = caps.max_results {
                    args.max_results = args.max_results.min(most);
                }
            }
            Self::Fetch(args) => {
                if let Some(chars) = caps.max_content_chars {
                    args.max_chars = args.max_chars.min(chars);
                }
            }
            Self::Comment(_) => {}
        }
    }
}

/// The most rate-limit tokens one call can cost ([`PreparedCall::cost`] of a search with
/// `max_results` 50 and `include_content`). Every limit's burst must hold it, or that call could
/// never be admitted: it fits the seed's per-user burst (20) with room for a few small calls, and
/// cold start warns when a configured burst is smaller.
pub const MAX_CALL_COST: u32 = 15;

impl PreparedCall {
    /// The rate-limit tokens this call costs: what it may make the upstreams do, in units of one
    /// small search.
    ///
    /// - A search: one token per ten results asked for (`ceil(max_results / 10)`, 1..=5), since
    ///   each hit is enriched with a snippet (for Notion one block read per hit) and bigger pages
    ///   cost the upstreams more.
    /// - `include_content`: one more token per five results (`ceil(max_results / 5)`, 1..=10),
    ///   since each may be a download of up to `CONTENT_MAX_DOWNLOAD_BYTES` (20 MiB) and an
    ///   extraction. Five per token rather than one keeps the most expensive call (15) inside the
    ///   seed's per-user burst of 20, so the deployed policy stays the seed's while a full
    ///   `include_content` call still costs fifteen small searches.
    /// - `list_events`: like a search, one token per ten events asked for
    ///   (`ceil(max_results / 10)`, 1..=10): each calendar pages through the window.
    /// - `fetch` and `add_comment`: one token (one item read or one write).
    ///
    /// Every request is charged one token at admission, before its arguments are read; a tool
    /// call is then charged the rest (`cost - 1`) once its arguments are valid.
    pub fn cost(&self) -> u32 {
        match self {
            Self::Search { args, page, .. } => {
                let results = u32::try_from(args.max_results).unwrap_or(u32::MAX);
                // A deep page asks each source for every hit above it (`search/page.rs`): one
                // token per 40 hits of depth, so paging to the end costs what its work does.
                let depth = u32::try_from(page.depth()).unwrap_or(u32::MAX);
                let search = results.div_ceil(10).max(depth.div_ceil(40)).max(1);
                let content = if args.include_content {
                    results.div_ceil(5).max(1)
                } else {
                    0
                };
                search.saturating_add(content).min(MAX_CALL_COST)
            }
            Self::Events { args, .. } => {
                let results = u32::try_from(args.max_results).unwrap_or(u32::MAX);
                results.div_ceil(10).clamp(1, MAX_CALL_COST)
            }
            Self::Fetch(_) | Self::Comment(_) => 1,
        }
    }
}

/// What the invocation record needs to know about a call that ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSummary {
    /// Results returned.
    pub result_count: usize,
    /// Status per source touched.
    pub source_status: Vec<(SourceKind, SourceStatus)>,
}

/// Validates and authorizes a call. Validation comes before the scope check so a caller learns
/// about a typo before being told to get more scopes.
pub fn prepare(
    engine: &SearchEngine,
    name: &str,
    arguments: Option<&Value>,
    principal: &Principal,
) -> Result<PreparedCall, CallError> {
    match name {
        WORKPLACE_SEARCH | SEARCH => {
            let (args, shape) = if name == SEARCH {
                (chatgpt::parse_search(arguments)?, SearchShape::ChatGpt)
            } else {
                (SearchArgs::parse(arguments)?, SearchShape::Workplace)
            };
            // Containers name the sources they are in: with no `sources`, those are searched.
            let named: Vec<SourceKind> = args.filters.containers.keys().copied().collect();
            let requested = args
                .sources
                .as_deref()
                .or((!named.is_empty()).then_some(named.as_slice()));
            let sources = resolve_sources(engine, requested, principal)?;
            let offset = match &args.cursor {
                None => 0,
                Some(cursor) => engine
                    .cursors()
                    .open(
                        cursor,
                        &principal.subject,
                        &search_identity(&args, &sources),
                        unix_now(),
                    )
                    .map_err(|err| {
                        CallError::InvalidArguments(InvalidArgument {
                            field: "cursor".into(),
                            reason: err.to_string(),
                        })
                    })?,
            };
            let page = Page {
                offset,
                size: args.max_results,
            };
            Ok(PreparedCall::Search {
                args: Box::new(args),
                sources,
                shape,
                page,
            })
        }
        FETCH => {
            let mut args = FetchArgs::parse(arguments)?;
            let scope = args.id.source().scope();
            if !principal.has_scope(scope) {
                return Err(CallError::insufficient_scope(principal, vec![scope]));
            }
            if let Some(cursor) = &args.cursor {
                args.offset = engine
                    .cursors()
                    .open(
                        cursor,
                        &principal.subject,
                        &fetch_identity(&args),
                        unix_now(),
                    )
                    .map_err(|err| {
                        CallError::InvalidArguments(InvalidArgument {
                            field: "cursor".into(),
                            reason: err.to_string(),
                        })
                    })?;
            }
            Ok(PreparedCall::Fetch(args))
        }
        ADD_COMMENT => comment::prepare(arguments, principal),
        LIST_EVENTS => events::prepare(engine, arguments, principal),
        other => {
            debug_assert!(!catalogue::is_known(other));
            Err(CallError::UnknownTool(other.to_owned()))
        }
    }
}

/// What a cursor is bound to besides its user: the query, the sources searched and the filters,
/// written canonically (types sorted), so that the same search always gives the same bytes.
pub fn search_identity(args: &SearchArgs, sources: &[SourceKind]) -> Vec<u8> {
    let mut filters = args.filters.clone();
    filters.types.sort();
    let identity = json!({
        "query": args.query,
        "sources": sources.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "filters": crate::arguments::filters::to_json(&filters),
    });
    identity.to_string().into_bytes()
}

/// What a `fetch` cursor is bound to besides its user: the item.
fn fetch_identity(args: &FetchArgs) -> Vec<u8> {
    format!("fetch\0{}", args.id).into_bytes()
}

/// The sources a search runs over: the requested ones if the caller may search them all, else
/// every source the caller may search (and this server offers).
fn resolve_sources(
    engine: &SearchEngine,
    requested: Option<&[SourceKind]>,
    principal: &Principal,
) -> Result<Vec<SourceKind>, CallError> {
    if let Some(requested) = requested {
        let missing: Vec<&'static str> = requested
            .iter()
            .map(|k| k.scope())
            .filter(|scope| !principal.has_scope(scope))
            .collect();
        if !missing.is_empty() {
            return Err(CallError::insufficient_scope(principal, missing));
        }
        return Ok(requested.to_vec());
    }
    let allowed: Vec<SourceKind> = SourceKind::ALL
        .iter()
        .copied()
        .filter(|k| principal.has_scope(k.scope()))
        .collect();
    if allowed.is_empty() {
        return Err(CallError::insufficient_scope(
            principal,
            SourceKind::ALL.iter().map(|k| k.scope()).collect(),
        ));
    }
    // Omitted sources mean "everything I may search that this server offers".
    let configured: Vec<SourceKind> = allowed
        .iter()
        .copied()
        .filter(|k| engine.source(*k).is_some())
        .collect();
    Ok(if configured.is_empty() {
        allowed
    } else {
        configured
    })
}

/// The identity the sources act as for `principal`. An OIDC token's email counts as verified only
/// when the identity provider said so. A service token's own `email` claims never reach here
/// (the verifier drops them): its identity is the one the operator configured for its subject,
/// vouched for by that configuration, or none at all, which delegation refuses.
fn user_context(principal: &Principal) -> UserContext {
    let (email, email_verified) = match principal.kind {
        TokenKind::Oidc => (principal.email.clone(), principal.email_verified),
        TokenKind::Service => (
            principal.service_identity.clone(),
            principal.service_identity.is_some(),
        ),
    };
    UserContext {
        subject: principal.subject.clone(),
        email,
        email_verified,
    }
}

/// Whether a person confirmed a write (`add_comment`) through the client before it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// A person accepted the exact comment and target (MCP elicitation).
    User,
    /// Nobody was asked: the client cannot ask, or the setting says not to.
    NotAsked,
}

/// Runs a prepared call as `principal` with nobody asked to confirm a write (the REST route, and
/// MCP clients that cannot ask). Never fails: upstream problems become an `isError` result (only
/// when nothing useful came back) and per-source statuses.
pub async fn run(
    engine: &SearchEngine,
    call: &PreparedCall,
    principal: &Principal,
) -> (ToolResult, CallSummary) {
    run_confirmed(engine, call, principal, Confirmation::NotAsked).await
}

/// [`run`], saying whether a person confirmed the call; `add_comment` under
/// `COMMENT_CONFIRMATION=always` posts only with [`Confirmation::User`].
pub async fn run_confirmed(
    engine: &SearchEngine,
    call: &PreparedCall,
    principal: &Principal,
    confirmation: Confirmation,
) -> (ToolResult, CallSummary) {
    let user = user_context(principal);
    match call {
        PreparedCall::Search {
            args,
            sources,
            shape,
            page,
        } => {
            let request = SearchRequest {
                query: &args.query,
                sources,
                filters: &args.filters,
                page: *page,
                include_content: args.include_content,
            };
            let mut outcome = engine.search_page(&user, &request).await;
            if args.include_content {
                crate::search::budget::apply(&mut outcome, args.max_tokens);
            }
            outcome.next_cursor = outcome.next_offset.map(|offset| {
                engine.cursors().issue(
                    &principal.subject,
                    &search_identity(args, sources),
                    offset,
                    unix_now(),
                )
            });
            let summary = CallSummary {
                result_count: outcome.total_count,
                source_status: outcome
                    .sources
                    .iter()
                    .map(|s| (s.source, s.status))
                    .collect(),
            };
            if *shape == SearchShape::ChatGpt {
                return (chatgpt::search_result(&outcome), summary);
            }
            let mut structured = serde_json::to_value(&outcome).unwrap_or(Value::Null);
            untrusted::label(&mut structured);
            let mut summary_line = format!(
                "Found {} result{} for '{}'",
                outcome.total_count,
                if outcome.total_count == 1 { "" } else { "s" },
                args.query
            );
            if let Some(corrected) = &outcome.searched_for {
                summary_line.push_str(&format!(
                    " (too little matched as typed; searched for `{corrected}`)"
                ));
            }
            let is_error = outcome.all_failed();
            if let Some(failures) = outcome.failures() {
                if is_error {
                    summary_line = format!("Search failed for every requested source: {failures}");
                } else {
                    summary_line.push_str(&format!(" (not searched: {failures})"));
                }
            }
            // The summary line, then the answer as compact text, every third-party field quoted
            // or fenced (see `untrusted`), for clients that show a model only text. The JSON is
            // `structuredContent` alone: an embedded copy of it doubled every answer (#22).
            let mut content = vec![ContentItem::text(summary_line.clone())];
            if !is_error {
                content.push(ContentItem::third_party_text(untrusted::render_search(
                    &summary_line,
                    &outcome,
                )));
            }
            let result = ToolResult {
                content,
                structured_content: structured,
                is_error,
            };
            (result, summary)
        }
        PreparedCall::Fetch(args) => fetch(engine, &user, &principal.subject, args).await,
        PreparedCall::Comment(args) => comment::run(engine, &user, args, confirmation).await,
        PreparedCall::Events { args, sources } => events::run(engine, &user, args, sources).await,
    }
}

async fn fetch(
    engine: &SearchEngine,
    user: &UserContext,
    subject: &str,
    args: &FetchArgs,
) -> (ToolResult, CallSummary) {
    let kind = args.id.source();
    let fail = |err: &SourceError| {
        let classified = crate::failure::classify(err);
        let mut details = json!({"message": err.to_string()});
        if let Some(wait) = classified.retry_after_seconds {
            details["retry_after_seconds"] = json!(wait);
        }
        (
            ToolResult::error(
                classified.code,
                format!("Could not fetch {}: {err}", args.id),
                details,
            ),
            CallSummary {
                result_count: 0,
                source_status: vec![(kind, classified.status)],
            },
        )
    };
    let Some(source) = engine.source(kind) else {
        return fail(&SourceError::NotConfigured(kind.display_name()));
    };
    let want = args.offset.saturating_add(args.max_chars).saturating_add(1);
    // The request's deadline bounds a fetch as it bounds a search.
    let deadline = engine
        .settings()
        .source_timeout
        .min(engine.settings().request_deadline);
    let content = match tokio::time::timeout(
        deadline,
        source.content(user, &args.id, want, tokio::time::Instant::now() + deadline),
    )
    .await
    {
        Ok(Ok(content)) => content,
        Ok(Err(err)) => return fail(&err),
        Err(_) => return fail(&SourceError::Timeout),
    };

    let rest = match content.text.char_indices().nth(args.offset) {
        Some((byte, _)) => &content.text[byte..],
        None => "",
    };
    let (page, more_here) = truncate_chars(rest, args.max_chars);
    let returned = page.chars().count();
    let truncated = more_here || content.truncated;
    let next_offset = more_here.then_some(args.offset + returned);
    let mut structured = json!({
        "id": args.id.to_string(),
        "title": content.title,
        "text": page,
        "url": content.url,
        "offset": args.offset,
        "next_offset": next_offset,
        "next_cursor": next_offset.map(|offset| {
            engine
                .cursors()
                .issue(subject, &fetch_identity(args), offset, unix_now())
        }),
        "truncated": truncated,
        "metadata": {
            "source": kind,
            "returned_chars": returned,
            "unavailable_reason": content.unavailable_reason,
        },
    });
    // Why there is no text (an encrypted, scanned or damaged file, an export limit), named like
    // `include_content`'s field; present only then.
    if let Some(reason) = &content.unavailable_reason {
        structured["content_error"] = json!(reason);
    }
    // An email's sender and thread, an event's time and attendees, a record's key fields.
    if let Some(details) = &content.details {
        structured["details"] = json!(details);
    }
    // ChatGPT's fetch contract: `{id, title, text, url, metadata}` as JSON in the first text
    // content. The paging fields ride along; `fetch`'s description tells the model how to use them.
    untrusted::label(&mut structured);
    let text = structured.to_string();
    (
        ToolResult {
            content: vec![ContentItem::third_party_text(text)],
            structured_content: structured,
            is_error: false,
        },
        CallSummary {
            result_count: 1,
            source_status: vec![(kind, SourceStatus::Ok)],
        },
    )
}

/// Characters kept unescaped in the resource URI: RFC 3986's unreserved set.
const URI_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `workplace://search/<percent-encoded query>`.
pub fn search_uri(query: &str) -> String {
    format!(
        "workplace://search/{}",
        utf8_percent_encode(query, URI_ESCAPE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_uris_percent_encode_the_query() {
        assert_eq!(
            search_uri("quarterly budget reports"),
            "workplace://search/quarterly%20budget%20reports"
        );
        assert_eq!(
            search_uri("a/b?c&d é"),
            "workplace://search/a%2Fb%3Fc%26d%20%C3%A9"
        );
    }
}

#[cfg(test)]
mod cost_tests {
    use super::*;

    fn search(arguments: Value) -> PreparedCall {
        PreparedCall::Search {
            args: Box::new(SearchArgs::parse(Some(&arguments)).unwrap()),
            sources: vec![SourceKind::Notion],
            shape: SearchShape::Workplace,
            page: Page::first(10),
        }
    }

    #[test]
    fn deep_pages_cost_their_depth() {
        let mut call = search(json!({"query": "q", "max_results": 3}));
        assert_eq!(call.cost(), 1);
        if let PreparedCall::Search { page, .. } = &mut call {
            *page = Page {
                offset: 180,
                size: 3,
            };
        }
        assert_eq!(call.cost(), 5, "each source is asked for 200 hits");
    }

    #[test]
    fn a_call_costs_what_it_may_make_the_upstreams_do() {
        assert_eq!(search(json!({"query": "q"})).cost(), 1, "ten results");
        assert_eq!(search(json!({"query": "q", "max_results": 1})).cost(), 1);
        assert_eq!(search(json!({"query": "q", "max_results": 11})).cost(), 2);
        assert_eq!(search(json!({"query": "q", "max_results": 50})).cost(), 5);
        assert_eq!(
            search(json!({"query": "q", "max_results": 10, "include_content": true})).cost(),
            3,
            "one more per five results downloaded"
        );
        assert_eq!(
            search(json!({"query": "q", "max_results": 50, "include_content": true})).cost(),
            MAX_CALL_COST,
            "the most expensive call"
        );
        let fetch = FetchArgs::parse(Some(
            &json!({"id": "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab"}),
        ))
        .unwrap();
        assert_eq!(PreparedCall::Fetch(fetch).cost(), 1);
        let events = |max: u64| PreparedCall::Events {
            args: EventsArgs::parse(Some(&json!({
                "start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z", "max_results": max
            })))
            .unwrap(),
            sources: vec![SourceKind::GoogleCalendar],
        };
        assert_eq!(events(25).cost(), 3, "like a search: one per ten events");
        assert_eq!(events(100).cost(), 10);
    }

    #[test]
    fn the_default_per_user_burst_holds_the_most_expensive_call() {
        let config = workplace_ratelimit::RateLimitConfig::from_lookup(&|k| {
            (k == "RATE_LIMIT_TABLE").then(|| "t".to_owned())
        })
        .unwrap()
        .unwrap();
        assert!(config.user.burst >= MAX_CALL_COST);
        assert!(config.client.burst >= MAX_CALL_COST);
        assert!(config.global.burst / config.global_shards >= MAX_CALL_COST);
    }
}
