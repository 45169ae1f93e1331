//! What every connector does the same way, written once: [`Connected`] turns a [`Connector`]
//! (the part that differs: how to search, how to read one item) into a [`Source`]. It parses the
//! caller's item id with the source's grammar *before* any token is fetched, starts the deadline,
//! gets the token from the broker, then hands over.

use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::broker::{TokenBroker, begin};
use crate::{Access, BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext};

/// One upstream's own behaviour, behind the shared prologue of [`Connected`].
pub(crate) trait Connector: Send + Sync {
    /// The parsed form of this source's item ids.
    type Id: Send + Sync;

    /// Which source this is.
    const KIND: SourceKind;

    /// Parses an item id; an id the upstream could not have issued is [`SourceError::NotFound`]
    /// (it names nothing the user can see).
    fn parse_id(item_id: &str) -> Result<Self::Id, SourceError>;

    /// Whose permissions results reflect.
    fn access(&self) -> Access;

    /// Where tokens come from.
    fn broker(&self) -> &dyn TokenBroker;

    /// Each call's deadline, token included.
    fn timeout(&self) -> Duration;

    /// Searches with `token` before `deadline`.
    fn search_with<'a>(
        &'a self,
        token: &'a SecretString,
        query: &'a str,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>>;

    /// Reads one item with `token` before `deadline`.
    fn content_with<'a>(
        &'a self,
        token: &'a SecretString,
        id: &'a Self::Id,
        max_chars: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Content, SourceError>>;
}

/// A [`Connector`] as a [`Source`].
pub(crate) struct Connected<C>(pub(crate) C);

impl<C: Connector> Source for Connected<C> {
    fn kind(&self) -> SourceKind {
        C::KIND
    }

    fn access(&self) -> Access {
        self.0.access()
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move {
            let (token, deadline) = begin(self.0.broker(), user, self.0.timeout()).await?;
            self.0.search_with(&token, query, limit, deadline).await
        })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        item_id: &'a str,
        max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let id = C::parse_id(item_id)?;
            let (token, deadline) = begin(self.0.broker(), user, self.0.timeout()).await?;
            self.0.content_with(&token, &id, max_chars, deadline).await
        })
    }
}
