//! The one trait every upstream implements.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::calendar::TimeWindow;
use crate::comment::{AddedComment, CommentError};
use crate::query::{Plan, Planned};
use crate::{Content, ItemId, SearchHit, SourceError, SourceKind, UserContext};

/// When a call must be answered: computed once by the caller (the service, from the validated
/// `SOURCE_TIMEOUT_MS` and the request's own deadline) and passed down, so the token broker and the
/// retry policy plan against the deadline the caller will enforce.
pub type Deadline = tokio::time::Instant;

/// A boxed, sendable future: the trait is used as `dyn Source`, so its methods cannot return
/// `impl Future`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Whose permissions a source's results reflect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// The caller's own: the user's upstream token, or impersonation of the user.
    PerUser,
    /// One credential shared by every caller (a Notion integration token, Microsoft client
    /// credentials): results are what the integration can see, not what this user can see.
    Shared,
}

impl Access {
    /// The wire name (`per_user`, `shared`), as status and descriptions show it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PerUser => "per_user",
            Self::Shared => "shared",
        }
    }
}

/// One searchable upstream, acting as one user.
///
/// Contract for implementations:
/// - Only results the user may see are returned: either the upstream token is the user's own, or the
///   upstream impersonates the user. Never a shared index.
/// - Every method takes the call's `deadline`: retries (429/5xx with backoff) happen inside the
///   implementation and never plan past it; the caller also enforces it by dropping the future, so
///   implementations must be cancel-safe.
/// - Errors carry no credentials.
pub trait Source: Send + Sync {
    /// Which source this is.
    fn kind(&self) -> SourceKind;

    /// Whether results are the caller's own or a shared credential's. The default suits sources
    /// that only ever use the user's own token; a source that can run on a shared credential
    /// must override it.
    fn access(&self) -> Access {
        Access::PerUser
    }

    /// Searches for `query`, returning at most `limit` hits, best first.
    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>>;

    /// Searches for a planned query (see [`crate::query`]), returning at most `limit` hits and
    /// the query actually sent. The default searches for the query as typed, for sources that
    /// have no dialect of their own (test doubles, disabled sources).
    fn search_plan<'a>(
        &'a self,
        user: &'a UserContext,
        plan: &'a Plan,
        limit: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Planned, SourceError>> {
        Box::pin(async move {
            let hits = self.search(user, &plan.original, limit, deadline).await?;
            Ok(Planned::pass_through(hits, &plan.original))
        })
    }

    /// Fetches the plain text of one item, at most `max_chars` characters. The id was parsed by
    /// this source's grammar when the caller's text was read; an id of another source's item is
    /// [`SourceError::NotFound`].
    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        max_chars: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Content, SourceError>>;

    /// Lists the events that overlap `window` (they end after its start and begin before its
    /// end), at most `limit`, sorted by start; with `query`, only those matching its words.
    /// Only calendars list events ([`crate::registry::is_calendar`]); the default answers
    /// [`SourceError::NotACalendar`].
    fn events<'a>(
        &'a self,
        user: &'a UserContext,
        window: &'a TimeWindow,
        query: Option<&'a str>,
        limit: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        let _ = (user, window, query, limit, deadline);
        let kind = self.kind();
        Box::pin(async move { Err(SourceError::NotACalendar(kind)) })
    }

    /// Whether [`Self::hit_text`] reads hits: true for sources whose search answers no
    /// query-aware snippet of its own (Drive, Notion), so the service enriches their hits.
    fn reads_hits(&self) -> bool {
        false
    }

    /// The text of a hit this source's [`Self::search`] returned, at most `max_chars`
    /// characters, read with what the hit already says (one download, no metadata call), for a
    /// query-aware snippet (see [`crate::passage`]). `Ok(None)`: no text to show (the default).
    fn hit_text<'a>(
        &'a self,
        user: &'a UserContext,
        hit: &'a SearchHit,
        max_chars: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Option<String>, SourceError>> {
        let _ = (user, hit, max_chars, deadline);
        Box::pin(async { Ok(None) })
    }

    /// Adds a comment with `text` to one item, as `user` (see [`crate::comment`]). The default
    /// answers that the source cannot comment; a source that can overrides it.
    fn add_comment<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        text: &'a str,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<AddedComment, CommentError>> {
        let _ = (user, id, text, deadline);
        let kind = self.kind();
        Box::pin(async move {
            Err(CommentError::NotSupported {
                kind,
                reason: "this source does not support adding comments",
            })
        })
    }
}
