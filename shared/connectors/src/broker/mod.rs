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

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
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

/// Starts one upstream call: its deadline (`timeout` from now) and a token for `user` obtained
/// within it. Every connector method begins here.
pub(crate) async fn begin(
    broker: &dyn TokenBroker,
    user: &UserContext,
    timeout: Duration,
) -> Result<(SecretString, Instant), SourceError> {
    let deadline = Instant::now() + timeout;
    let token = broker.token(user, deadline).await?;
    Ok((token, deadline))
}

/// Seconds since the epoch, for token expiry times upstreams state as dates.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
