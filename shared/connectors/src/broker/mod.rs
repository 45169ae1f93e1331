//! Upstream credentials. The caller's MCP token is never sent upstream: each source gets its own
//! token from a [`TokenBroker`], either the user's own (Descope Outbound Apps, [`descope`]) or a
//! service credential (Google domain-wide delegation as the user, [`google`]; Microsoft client
//! credentials, [`microsoft`]; a Notion integration token, [`notion`]). Fetched tokens go through
//! one single-flight `TokenCache` (`cache.rs`), are refreshed a minute before they expire and are
//! never logged.

mod cache;
pub mod descope;
pub mod google;
pub mod microsoft;
pub mod notion;
mod wire;

use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::{BoxFuture, SourceError, UserContext};

pub use descope::DescopeOutbound;
pub use google::{GoogleDelegation, ServiceAccountError};
pub use microsoft::MicrosoftClientCredentials;
pub use notion::StaticToken;

/// Gets an upstream access token for a user.
pub trait TokenBroker: Send + Sync {
    /// A valid token for `user`, finishing before `deadline`.
    fn token<'a>(
        &'a self,
        user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>>;

    /// Forgets `stale`, a token of `user`'s that the upstream refused before it expired (a
    /// resource server's 401 challenge), so the next [`Self::token`] fetches a fresh one. The
    /// default does nothing: a broker without a cache always fetches anew.
    fn evict<'a>(&'a self, user: &'a UserContext, stale: &'a SecretString) -> BoxFuture<'a, ()> {
        let _ = (user, stale);
        Box::pin(async {})
    }
}

/// A call's error that may mean the upstream refused the token it was given (HTTP 401 from a
/// user-facing API: [`SourceError::ReauthRequired`]).
pub(crate) trait Refusal {
    /// Whether the upstream refused the credential.
    fn refused(&self) -> bool;
}

impl Refusal for SourceError {
    fn refused(&self) -> bool {
        matches!(self, Self::ReauthRequired { .. })
    }
}

impl Refusal for crate::CommentError {
    fn refused(&self) -> bool {
        matches!(self, Self::Source(err) if err.refused())
    }
}

/// Runs `call` with `user`'s token from `broker`, before `deadline`.
///
/// Brokers cache tokens until just before they expire, but an upstream can stop honouring one
/// sooner (the user signed out everywhere, an admin revoked the grant, the provider rotated it).
/// So when the upstream refuses the token, it is evicted and `call` runs once more with a fresh
/// one: a user who is still connected never sees the refusal. A refusal of the fresh token, or a
/// broker that has none to give (the user never connected), is the user's to fix. A 401 means
/// the request was not carried out, so repeating it is safe even for a write.
pub(crate) async fn with_token<T, E, F, Fut>(
    broker: &dyn TokenBroker,
    user: &UserContext,
    deadline: Instant,
    call: F,
) -> Result<T, E>
where
    F: Fn(SecretString) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Refusal + From<SourceError>,
{
    let token = broker.token(user, deadline).await?;
    match call(token.clone()).await {
        Err(err) if err.refused() => {
            tracing::info!("the upstream refused a cached token; fetching a fresh one");
            broker.evict(user, &token).await;
            let fresh = broker.token(user, deadline).await?;
            if fresh.expose_secret() == token.expose_secret() {
                // A broker with nothing fresher to give (a static credential).
                return Err(err);
            }
            call(fresh).await
        }
        other => other,
    }
}

/// Seconds since the epoch, for token expiry times upstreams state as dates.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
