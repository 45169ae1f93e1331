//! The user's own token for one app, from Descope Outbound Apps.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tokio::time::Instant;

use super::TokenBroker;
use super::cache::{TokenCache, TokenKey};
use super::wire::DescopeAnswer;
use crate::endpoint::BaseUrl;
use crate::upstream::{Api, Auth, Upstream};
use crate::{BoxFuture, SourceError, UserContext};

/// The user's own token for one app, from Descope Outbound Apps
/// (`POST /v1/mgmt/outbound/app/user/token`, authorized by `<project id>:<management key>`).
pub struct DescopeOutbound {
    upstream: Upstream,
    url: url::Url,
    authorization: SecretString,
    app_id: String,
    scopes: Vec<String>,
    /// Shown to a user who has not connected the app.
    connect_hint: String,
    cache: TokenCache,
}

impl DescopeOutbound {
    /// Shares this broker's tokens with the other containers through `cache` (none: this
    /// container's own cache only).
    pub fn with_shared_cache(mut self, cache: Option<workplace_cache::SharedCache>) -> Self {
        let mut scopes = self.scopes.clone();
        scopes.sort_unstable();
        self.cache =
            TokenCache::with_shared(cache, format!("descope-outbound {}", scopes.join(" ")));
        self
    }

    /// A broker for `app_id` at `base_url` (e.g. `https://api.descope.com`).
    pub fn new(
        http: reqwest::Client,
        base_url: &BaseUrl,
        project_id: &str,
        management_key: &SecretString,
        app_id: &str,
        scopes: Vec<String>,
        connect_hint: String,
    ) -> Self {
        Self {
            upstream: Upstream::new(http, Api::DESCOPE, ""),
            url: base_url.join(&["v1", "mgmt", "outbound", "app", "user", "token"]),
            authorization: SecretString::from(format!(
                "{project_id}:{}",
                management_key.expose_secret()
            )),
            app_id: app_id.to_owned(),
            scopes,
            connect_hint,
            cache: TokenCache::default(),
        }
    }

    async fn fetch(
        &self,
        user: &UserContext,
        deadline: Instant,
    ) -> Result<(SecretString, std::time::Duration), SourceError> {
        let body = json!({"appId": self.app_id, "userId": user.subject, "scopes": self.scopes});
        let answer: Result<DescopeAnswer, _> = self
            .upstream
            .json(Auth::Bearer(&self.authorization), deadline, |http| {
                http.post(self.url.clone()).json(&body)
            })
            .await;
        let answer = answer.map_err(|err| match err {
            // Descope answers 400/404 when the user never connected the app (or revoked it).
            SourceError::Upstream {
                status: Some(400 | 404),
                ..
            } => SourceError::ReauthRequired {
                message: self.connect_hint.clone(),
            },
            SourceError::Upstream {
                status: Some(status @ (401 | 403)),
                ..
            } => SourceError::Upstream {
                status: Some(status),
                message:
                    "Descope refused the server's management key; check descope_management_key"
                        .into(),
                retryable: false,
            },
            other => other,
        })?;
        if answer.token.access_token.expose_secret().is_empty() {
            return Err(SourceError::InvalidResponse(
                "Descope answered without an access token".into(),
            ));
        }
        let lifetime = answer.token.lifetime();
        Ok((answer.token.access_token, lifetime))
    }
}

impl TokenBroker for DescopeOutbound {
    fn token<'a>(
        &'a self,
        user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        // Descope issues the token of the user named by `subject`, so the subject is both the
        // caller and the identity used; the app id names the upstream.
        let key = TokenKey::new(&self.app_id, &user.subject, &user.subject);
        Box::pin(async move {
            self.cache
                .get_or_fetch(&key, move || self.fetch(user, deadline))
                .await
        })
    }

    fn evict<'a>(&'a self, user: &'a UserContext, stale: &'a SecretString) -> BoxFuture<'a, ()> {
        let key = TokenKey::new(&self.app_id, &user.subject, &user.subject);
        Box::pin(async move { self.cache.evict(&key, stale).await })
    }
}
