//! A configured source that could not be built.
//!
//! A missing or unusable credential must not take the whole service down: the other sources keep
//! working, and this one answers every call with [`SourceError::Disabled`], so the caller sees an
//! `error` status with the reason instead of the source silently disappearing from the catalogue.

use crate::source::BoxFuture;
use crate::{
    Access, AddedComment, CommentError, Content, SearchHit, Source, SourceError, SourceKind,
    UserContext,
};

/// Stands in for a source whose credential or settings are unusable.
pub(crate) struct Disabled {
    kind: SourceKind,
    access: Access,
    reason: String,
}

impl Disabled {
    /// `settings` name what to fix (secret keys or variables, never their values).
    pub(crate) fn new(kind: SourceKind, access: Access, settings: &[&'static str]) -> Self {
        let reason = format!(
            "{} is unavailable on this server: {} is missing or invalid (an administrator must fix it; the function log says what is wrong)",
            kind.display_name(),
            settings.join(", "),
        );
        Self {
            kind,
            access,
            reason,
        }
    }

    fn error(&self) -> SourceError {
        SourceError::Disabled {
            reason: self.reason.clone(),
        }
    }
}

impl Source for Disabled {
    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn access(&self) -> Access {
        self.access
    }

    fn search<'a>(
        &'a self,
        _user: &'a UserContext,
        _query: &'a str,
        _limit: usize,
        _deadline: crate::source::Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(std::future::ready(Err(self.error())))
    }

    fn content<'a>(
        &'a self,
        _user: &'a UserContext,
        _id: &'a crate::ItemId,
        _max_chars: usize,
        _deadline: crate::source::Deadline,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(std::future::ready(Err(self.error())))
    }

    fn events<'a>(
        &'a self,
        _user: &'a UserContext,
        _window: &'a crate::calendar::TimeWindow,
        _query: Option<&'a str>,
        _limit: usize,
        _deadline: crate::Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        let error = if crate::registry::is_calendar(self.kind) {
            self.error()
        } else {
            SourceError::NotACalendar(self.kind)
        };
        Box::pin(std::future::ready(Err(error)))
    }

    fn add_comment<'a>(
        &'a self,
        _user: &'a UserContext,
        _id: &'a crate::ItemId,
        _text: &'a str,
        _deadline: crate::source::Deadline,
    ) -> BoxFuture<'a, Result<AddedComment, CommentError>> {
        Box::pin(std::future::ready(Err(CommentError::Source(self.error()))))
    }
}
