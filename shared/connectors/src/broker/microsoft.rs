//! Microsoft client credentials: one app-only Graph token shared by every caller.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::TokenBroker;
use super::cache::{TokenCache, TokenKey};
use super::wire::OAuthToken;
use crate::endpoint::BaseUrl;
use crate::upstream::{Api, Auth, Upstream};
use crate::{BoxFuture, SourceError, UserContext};

/// Microsoft client credentials: one app-only Graph token for everyone. Shared by every caller,
/// so it is only built when the operator acknowledged it (`ALLOW_SHARED_CREDENTIALS`).
pub struct MicrosoftClientCredentials {
    upstream: Upstream,
    url: url::Url,
    client_id: String,
    secret: SecretString,
    cache: TokenCache,
}

impl MicrosoftClientCredentials {
    /// Shares this broker's tokens with the other containers through `cache` (none: this
    /// container's own cache only).
    pub fn with_shared_cache(mut self, cache: Option<workplace_cache::SharedCache>) -> Self {
        self.cache = TokenCache::with_shared(cache, "microsoft-app".into());
        self
    }

    /// A broker for `tenant` at `login_base` (e.g. `https://login.microsoftonline.com`).
    pub fn new(
        http: reqwest::Client,
        login_base: &BaseUrl,
        tenant: &str,
        client_id: &str,
        secret: SecretString,
    ) -> Self {
        Self {
            upstream: Upstream::new(http, Api::OAUTH, ""),
            url: login_base.join(&[tenant, "oauth2", "v2.0", "token"]),
            client_id: client_id.to_owned(),
            secret,
            cache: TokenCache::default(),
        }
    }

    async fn fetch(&self, deadline: Instant) -> Result<(SecretString, Duration), SourceError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose_secret()),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let answer: Result<OAuthToken, _> = self
            .upstream
            .json(Auth::None, deadline, |http| {
                http.post(self.url.clone()).form(&form)
            })
            .await;
        match answer {
            Ok(token) => Ok(token.into_parts()),
            Err(
                SourceError::Upstream {
                    retryable: false, ..
                }
                | SourceError::ReauthRequired { .. }
                | SourceError::NotFound,
            ) => {
                Err(SourceError::Upstream {
                    status: None,
                    message: "Microsoft refused the client credentials; check MICROSOFT_TENANT_ID, MICROSOFT_CLIENT_ID and microsoft_client_secret".into(),
                    retryable: false,
                })
            }
            Err(err) => Err(err),
        }
    }
}

impl TokenBroker for MicrosoftClientCredentials {
    fn token<'a>(
        &'a self,
        _user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        // One app-only token, the same for everyone: the only credential here that is shared,
        // which is why the source is built only with ALLOW_SHARED_CREDENTIALS.
        let key = TokenKey::new("microsoft-graph", "", &self.client_id);
        Box::pin(async move {
            self.cache
                .get_or_fetch(&key, move || self.fetch(deadline))
                .await
        })
    }
}
