//! What every connector does the same way, written once: [`Connected`] turns a connector (the
//! part that differs: how it searches, [`Search`], and reads one item, [`Read`]) into a
//! [`Source`]. It takes the source's own id out of the caller's [`ItemId`] (parsed by the
//! source's grammar when the caller's text was read) *before* any token is fetched, gets the
//! token from the broker, then hands over; a token the upstream refuses is replaced once
//! ([`crate::broker::with_token`]).

use std::future::Future;
use std::sync::Arc;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::broker::{TokenBroker, with_token};
use crate::comment::{AddedComment, CommentError, bounded};
use crate::id::SourceId;
use crate::query::{Plan, Planned};
use crate::source::Deadline;
use crate::{
    Access, BoxFuture, Content, ItemId, SearchHit, Source, SourceError, SourceKind, UserContext,
};

/// How one upstream searches (in the source's `search.rs`).
pub(crate) trait Search: Send + Sync {
    /// Which source this is.
    const KIND: SourceKind;

    /// Searches with `token` before `deadline`.
    fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> impl Future<Output = Result<Vec<SearchHit>, SourceError>> + Send;

    /// Searches for a [`Plan`] in the source's own dialect (see [`crate::query`]): the strict
    /// pass, then the relaxed pass only when the strict one found fewer than `limit`.
    fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> impl Future<Output = Result<Planned, SourceError>> + Send;
}

/// How one upstream reads an item (in the source's `content.rs`).
pub(crate) trait Read: Send + Sync {
    /// The parsed form of this source's item ids (its `ItemId` variant).
    type Id: SourceId + Send + Sync;

    /// Whether an id the grammar accepts names something this reads; `false` answers
    /// [`SourceError::NotFound`] before any token is fetched. All of them, by default.
    fn readable(id: &Self::Id) -> bool {
        let _ = id;
        true
    }

    /// Reads one item with `token` before `deadline`.
    fn content_with(
        &self,
        token: &SecretString,
        id: &Self::Id,
        max_chars: usize,
        deadline: Instant,
    ) -> impl Future<Output = Result<Content, SourceError>> + Send;

    /// Whether [`Self::hit_text_with`] reads anything (see [`Source::reads_hits`]).
    const READS_HITS: bool = false;

    /// Reads a search hit's text with `token` before `deadline` (see [`Source::hit_text`]).
    fn hit_text_with(
        &self,
        token: &SecretString,
        hit: &SearchHit,
        max_chars: usize,
        deadline: Instant,
    ) -> impl Future<Output = Result<Option<String>, SourceError>> + Send {
        let _ = (token, hit, max_chars, deadline);
        async { Ok(None) }
    }
}

/// How one upstream adds a comment (in the source's `comment.rs`). The defaults answer that the
/// upstream has no API for it.
pub(crate) trait Comment: Search + Read {
    /// Why this upstream cannot comment; `None` for one that can (and implements
    /// [`Self::comment_with`]).
    const NOT_SUPPORTED: Option<&'static str> =
        Some("this source does not support adding comments");

    /// Adds a comment with a token that carries the write permission, before `deadline`.
    fn comment_with(
        &self,
        token: &SecretString,
        id: &Self::Id,
        text: &str,
        deadline: Instant,
    ) -> impl Future<Output = Result<AddedComment, CommentError>> + Send {
        let _ = (token, id, text, deadline);
        async {
            Err(CommentError::NotSupported {
                kind: Self::KIND,
                reason: Self::NOT_SUPPORTED
                    .unwrap_or("this source does not support adding comments"),
            })
        }
    }
}

/// A connector ([`Search`] + [`Read`]) as a [`Source`]: with its token broker and whose permissions
/// its results reflect.
pub(crate) struct Connected<C> {
    pub(crate) connector: C,
    pub(crate) broker: Arc<dyn TokenBroker>,
    /// The broker for writes, when they need more upstream permission than `broker`'s tokens
    /// carry (Drive: the `drive` scope beside `drive.readonly`); `None` uses `broker`.
    pub(crate) write_broker: Option<Arc<dyn TokenBroker>>,
    pub(crate) access: Access,
}

impl<C: Search + Read + Comment> Source for Connected<C> {
    fn kind(&self) -> SourceKind {
        C::KIND
    }

    fn access(&self) -> Access {
        self.access
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            with_token(self.broker.as_ref(), user, deadline, |token| async move {
                self.connector
                    .search_with(&token, query, limit, deadline)
                    .await
            })
            .await
        })
    }

    fn search_plan<'a>(
        &'a self,
        user: &'a UserContext,
        plan: &'a Plan,
        limit: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Planned, SourceError>> {
        Box::pin(async move {
            with_token(self.broker.as_ref(), user, deadline, |token| async move {
                self.connector
                    .search_plan_with(&token, plan, limit, deadline)
                    .await
            })
            .await
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        max_chars: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let id = C::Id::of(id)
                .filter(|id| C::readable(id))
                .ok_or(SourceError::NotFound)?;
            with_token(self.broker.as_ref(), user, deadline, |token| async move {
                self.connector
                    .content_with(&token, id, max_chars, deadline)
                    .await
            })
            .await
        })
    }

    fn reads_hits(&self) -> bool {
        C::READS_HITS
    }

    fn hit_text<'a>(
        &'a self,
        user: &'a UserContext,
        hit: &'a SearchHit,
        max_chars: usize,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<Option<String>, SourceError>> {
        Box::pin(async move {
            if !C::READS_HITS {
                return Ok(None);
            }
            with_token(self.broker.as_ref(), user, deadline, |token| async move {
                self.connector
                    .hit_text_with(&token, hit, max_chars, deadline)
                    .await
            })
            .await
        })
    }

    fn add_comment<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        text: &'a str,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<AddedComment, CommentError>> {
        Box::pin(async move {
            // Checked in this order so the answer is the most permanent reason: no API at all,
            // then this deployment's shared credential, then the caller's text and id.
            if let Some(reason) = C::NOT_SUPPORTED {
                return Err(CommentError::NotSupported {
                    kind: C::KIND,
                    reason,
                });
            }
            if self.access == Access::Shared {
                return Err(CommentError::SharedCredential { kind: C::KIND });
            }
            let text = bounded(text)?;
            let id = C::Id::of(id).ok_or(CommentError::Source(SourceError::NotFound))?;
            let broker = self.write_broker.as_ref().unwrap_or(&self.broker);
            let written = with_token(broker.as_ref(), user, deadline, |token| async move {
                self.connector
                    .comment_with(&token, id, text, deadline)
                    .await
            })
            .await;
            written.map_err(|err| match err {
                // The write broker asks for more than reading needs: say so, or a user who can
                // search would not know why reconnecting is asked of them.
                CommentError::Source(SourceError::ReauthRequired { message })
                    if self.write_broker.is_some() =>
                {
                    CommentError::Source(SourceError::ReauthRequired {
                        message: format!(
                            "{message} Adding comments needs write access to {} beyond what reading needs; grant it when you connect.",
                            C::KIND.display_name()
                        ),
                    })
                }
                other => other,
            })
        })
    }
}
