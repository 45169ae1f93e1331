//! The one trait every upstream implements.

use std::future::Future;
use std::pin::Pin;

use crate::{Content, SearchHit, SourceError, SourceKind, UserContext};

/// A boxed, sendable future: the trait is used as `dyn Source`, so its methods cannot return
/// `impl Future`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One searchable upstream, acting as one user.
///
/// Contract for implementations:
/// - Only results the user may see are returned: either the upstream token is the user's own, or the
///   upstream impersonates the user. Never a shared index.
/// - Retries (429/5xx with backoff) happen inside the implementation; the caller enforces the overall
///   deadline by dropping the future, so implementations must be cancel-safe.
/// - Errors carry no credentials.
pub trait Source: Send + Sync {
    /// Which source this is.
    fn kind(&self) -> SourceKind;

    /// Searches for `query`, returning at most `limit` hits, best first.
    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>>;

    /// Fetches the plain text of one item, at most `max_chars` characters.
    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        item_id: &'a str,
        max_chars: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>>;
}
