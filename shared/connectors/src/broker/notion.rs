//! The Notion integration token: one static credential for every caller.

use secrecy::SecretString;
use tokio::time::Instant;

use super::TokenBroker;
use crate::{BoxFuture, SourceError, UserContext};

/// A static token (a Notion internal integration). Shared by every caller, so it is only built
/// when the operator acknowledged it (`ALLOW_SHARED_CREDENTIALS`).
pub struct StaticToken(pub SecretString);

impl TokenBroker for StaticToken {
    fn token<'a>(
        &'a self,
        _user: &'a UserContext,
        _deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}
