//! Google domain-wide delegation: a service account signs an assertion naming the caller's email
//! and gets a token acting as them. It can impersonate anyone in the Workspace, so it acts only
//! for a caller whose identity provider verified the email, in a configured Workspace domain.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::cache::{TokenCache, TokenKey};
use super::wire::OAuthToken;
use super::{TokenBroker, unix_now};
use crate::upstream::{Api, Auth, Upstream};
use crate::{BoxFuture, SourceError, UserContext};

#[derive(Deserialize)]
struct ServiceAccountKey {
    client_email: String,
    private_key: SecretString,
    #[serde(default)]
    token_uri: Option<String>,
}

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    sub: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// Google service account with domain-wide delegation: a token acting as the caller's email.
pub struct GoogleDelegation {
    upstream: Upstream,
    email: String,
    key: jsonwebtoken::EncodingKey,
    token_url: url::Url,
    scope: String,
    /// Lowercase Workspace domains delegation may act in.
    domains: Vec<String>,
    cache: TokenCache,
}

/// Why a service-account key is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ServiceAccountError {
    /// Not the JSON Google issues.
    #[error("google_service_account is not a service-account key JSON ({0})")]
    Json(String),
    /// The private key does not parse.
    #[error("google_service_account has an invalid private_key")]
    Key,
    /// The token endpoint is not a URL.
    #[error("the Google token URL (GOOGLE_TOKEN_URL or token_uri) is not a URL")]
    TokenUrl,
}

impl GoogleDelegation {
    /// Shares this broker's tokens with the other containers through `cache` (none: this
    /// container's own cache only).
    pub fn with_shared_cache(mut self, cache: Option<workplace_cache::SharedCache>) -> Self {
        self.cache = TokenCache::with_shared(cache, "google-delegation".into());
        self
    }

    /// A broker from the service-account JSON; `token_url` overrides the key's `token_uri`.
    /// It acts only for verified emails in `domains` (lowercase).
    pub fn new(
        http: reqwest::Client,
        service_account_json: &SecretString,
        token_url: Option<&str>,
        scope: &str,
        domains: Vec<String>,
    ) -> Result<Self, ServiceAccountError> {
        let key: ServiceAccountKey = serde_json::from_str(service_account_json.expose_secret())
            .map_err(|e| {
                ServiceAccountError::Json(format!("line {}, column {}", e.line(), e.column()))
            })?;
        let encoding =
            jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.expose_secret().as_bytes())
                .map_err(|_| ServiceAccountError::Key)?;
        let token_url = token_url
            .map(str::to_owned)
            .or(key.token_uri)
            .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into());
        Ok(Self {
            upstream: Upstream::new(http, Api::OAUTH, ""),
            token_url: url::Url::parse(&token_url).map_err(|_| ServiceAccountError::TokenUrl)?,
            email: key.client_email,
            key: encoding,
            scope: scope.to_owned(),
            domains,
            cache: TokenCache::default(),
        })
    }

    /// The email to impersonate, if this caller may be impersonated at all: the identity
    /// provider must have verified it, and it must be in one of the configured Workspace domains.
    fn impersonable<'u>(&self, user: &'u UserContext) -> Result<&'u str, SourceError> {
        let Some(email) = user.email.as_deref() else {
            // A service token never brings an email of its own: only one configured for its
            // subject (`SERVICE_TOKEN_SUBJECTS=subject=email`) gets here.
            return Err(SourceError::Upstream {
                status: None,
                message:
                    "Google impersonation needs the caller's verified email: the sign-in carries none, and a service token acts by delegation only as the identity configured for its subject (SERVICE_TOKEN_SUBJECTS=subject=email)"
                        .into(),
                retryable: false,
            });
        };
        if !user.email_verified {
            return Err(SourceError::ReauthRequired {
                message: format!(
                    "Google Drive is searched by domain-wide delegation as your Workspace account, which needs a verified email, and your sign-in does not mark {email} as verified. Verify it with your identity provider and sign in again."
                ),
            });
        }
        let domain = email
            .rsplit_once('@')
            .filter(|(local, _)| !local.is_empty())
            .map(|(_, domain)| domain.to_ascii_lowercase());
        match domain {
            Some(domain) if self.domains.contains(&domain) => Ok(email),
            _ => Err(SourceError::ReauthRequired {
                message: format!(
                    "{email} is not in a Google Workspace domain this server's domain-wide delegation may act in (GOOGLE_WORKSPACE_DOMAINS). Sign in with your Workspace account."
                ),
            }),
        }
    }

    async fn fetch(
        &self,
        subject: &str,
        deadline: Instant,
    ) -> Result<(SecretString, Duration), SourceError> {
        let now = unix_now();
        let claims = Assertion {
            iss: &self.email,
            sub: subject,
            scope: &self.scope,
            aud: self.token_url.as_str(),
            iat: now,
            exp: now + 3600,
        };
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &self.key,
        )
        .map_err(|_| SourceError::InvalidResponse("could not sign the Google assertion".into()))?;
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ];
        let answer: Result<OAuthToken, _> = self
            .upstream
            .json(Auth::None, deadline, |http| {
                http.post(self.token_url.clone()).form(&form)
            })
            .await;
        match answer {
            Ok(token) => Ok(token.into_parts()),
            Err(
                SourceError::ReauthRequired { .. }
                | SourceError::Upstream {
                    status: Some(400..=499),
                    ..
                },
            ) => Err(SourceError::Upstream {
                status: None,
                message: format!(
                    "Google refused to issue a token for {subject}: check the service account's domain-wide delegation (client id and scopes) in the Admin console"
                ),
                retryable: false,
            }),
            Err(other) => Err(other),
        }
    }
}

impl TokenBroker for GoogleDelegation {
    fn token<'a>(
        &'a self,
        user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        Box::pin(async move {
            let email = self.impersonable(user)?;
            // Keyed by the caller and the account actually impersonated (this broker is one
            // source and one scope): a token acting as one user is never handed to another.
            let key = TokenKey::new(&self.scope, &user.subject, email);
            self.cache
                .get_or_fetch(&key, || self.fetch(email, deadline))
                .await
        })
    }

    fn evict<'a>(&'a self, user: &'a UserContext, stale: &'a SecretString) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(email) = self.impersonable(user) {
                let key = TokenKey::new(&self.scope, &user.subject, email);
                self.cache.evict(&key, stale).await;
            }
        })
    }
}
