//! Upstream credentials. The caller's MCP token is never sent upstream: each source gets its own
//! token from a [`TokenBroker`], either the user's own (Descope Outbound Apps) or a service
//! credential (Google domain-wide delegation as the user, a Notion integration token, Microsoft
//! client credentials). Tokens are cached until 60 s before they expire and never logged.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::http::{self, Api};
use crate::retry::{Failure, with_retries};
use crate::{BoxFuture, SourceError, UserContext};

/// Tokens are refreshed this long before they expire.
const EARLY_REFRESH: Duration = Duration::from_secs(60);
/// At most this many cached tokens per broker (one per user).
const CACHE_CAPACITY: usize = 10_000;

/// Gets an upstream access token for a user.
pub trait TokenBroker: Send + Sync {
    /// A valid token for `user`, finishing before `deadline`.
    fn token<'a>(
        &'a self,
        user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>>;
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

/// Cached tokens by key (user or app), each with its expiry.
#[derive(Default)]
struct TokenCache(Mutex<HashMap<String, (SecretString, Instant)>>);

impl TokenCache {
    fn get(&self, key: &str) -> Option<SecretString> {
        let cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(key)
            .filter(|(_, expires)| Instant::now() + EARLY_REFRESH < *expires)
            .map(|(token, _)| token.clone())
    }

    fn put(&self, key: &str, token: SecretString, lifetime: Duration) {
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_CAPACITY {
            let now = Instant::now();
            cache.retain(|_, (_, expires)| *expires > now);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(key.to_owned(), (token, Instant::now() + lifetime));
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A static token (a Notion internal integration).
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

/// The user's own token for one app, from Descope Outbound Apps.
pub struct DescopeOutbound {
    pub(crate) http: reqwest::Client,
    pub(crate) url: String,
    pub(crate) authorization: SecretString,
    pub(crate) app_id: String,
    pub(crate) scopes: Vec<String>,
    /// Shown to a user who has not connected the app.
    pub(crate) connect_hint: String,
    cache: TokenCache,
}

impl DescopeOutbound {
    /// A broker for `app_id` at `base_url` (e.g. `https://api.descope.com`).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        project_id: &str,
        management_key: &SecretString,
        app_id: &str,
        scopes: Vec<String>,
        connect_hint: String,
    ) -> Self {
        Self {
            http,
            url: format!(
                "{}/v1/mgmt/outbound/app/user/token",
                base_url.trim_end_matches('/')
            ),
            authorization: SecretString::from(format!(
                "Bearer {project_id}:{}",
                management_key.expose_secret()
            )),
            app_id: app_id.to_owned(),
            scopes,
            connect_hint,
            cache: TokenCache::default(),
        }
    }

    async fn fetch(&self, user: &UserContext) -> Result<(SecretString, Duration), Failure> {
        let response = self
            .http
            .post(&self.url)
            .header("authorization", self.authorization.expose_secret())
            .json(&json!({"appId": self.app_id, "userId": user.subject, "scopes": self.scopes}))
            .send()
            .await
            .map_err(|e| http::transport(Api::Descope, &e))?;
        let status = response.status();
        if status.as_u16() == 404 || status.as_u16() == 400 {
            return Err(SourceError::ReauthRequired {
                message: self.connect_hint.clone(),
            }
            .into());
        }
        if !status.is_success() {
            let mut failure = http::failure(Api::Descope, response, "").await;
            if matches!(status.as_u16(), 401 | 403) {
                failure.error = SourceError::Upstream {
                    status: Some(status.as_u16()),
                    message:
                        "Descope refused the server's management key; check descope_management_key"
                            .into(),
                    retryable: false,
                };
            }
            return Err(failure);
        }
        let body = http::json(Api::Descope, response).await?;
        let token = body
            .pointer("/token/accessToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                SourceError::InvalidResponse("Descope answered without an access token".into())
            })?;
        // The expiry is epoch seconds, as a number or a string; milliseconds are tolerated.
        let expiry = match body.pointer("/token/accessTokenExpiry") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        let lifetime = match expiry {
            Some(at) if at > 1_000_000_000_000 => {
                Duration::from_secs((at / 1000).saturating_sub(unix_now()))
            }
            Some(at) => Duration::from_secs(at.saturating_sub(unix_now())),
            None => Duration::from_secs(300),
        };
        Ok((SecretString::from(token.to_owned()), lifetime))
    }
}

impl TokenBroker for DescopeOutbound {
    fn token<'a>(
        &'a self,
        user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        Box::pin(async move {
            if let Some(token) = self.cache.get(&user.subject) {
                return Ok(token);
            }
            let (token, lifetime) = with_retries(deadline, || self.fetch(user)).await?;
            self.cache.put(&user.subject, token.clone(), lifetime);
            Ok(token)
        })
    }
}

#[derive(Deserialize)]
struct ServiceAccountKey {
    client_email: String,
    private_key: String,
    #[serde(default)]
    token_uri: Option<String>,
}

#[derive(serde::Serialize)]
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
    http: reqwest::Client,
    email: String,
    key: jsonwebtoken::EncodingKey,
    token_url: String,
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
}

impl GoogleDelegation {
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
        let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .map_err(|_| ServiceAccountError::Key)?;
        Ok(Self {
            http,
            token_url: token_url
                .map(str::to_owned)
                .or(key.token_uri)
                .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into()),
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
            return Err(SourceError::Upstream {
                status: None,
                message:
                    "the access token carries no email claim, which Google impersonation needs"
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

    async fn fetch(&self, subject: &str) -> Result<(SecretString, Duration), Failure> {
        let now = unix_now();
        let claims = Assertion {
            iss: &self.email,
            sub: subject,
            scope: &self.scope,
            aud: &self.token_url,
            iat: now,
            exp: now + 3600,
        };
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &self.key,
        )
        .map_err(|_| SourceError::InvalidResponse("could not sign the Google assertion".into()))?;
        let response = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| http::transport(Api::OAuth, &e))?;
        if !response.status().is_success() {
            let mut failure = http::failure(Api::OAuth, response, "").await;
            if let SourceError::ReauthRequired { .. }
            | SourceError::Upstream {
                status: Some(400..=499),
                ..
            } = failure.error
            {
                failure.error = SourceError::Upstream {
                    status: None,
                    message: format!(
                        "Google refused to issue a token for {subject}: check the service account's domain-wide delegation (client id and scopes) in the Admin console"
                    ),
                    retryable: false,
                };
            }
            return Err(failure);
        }
        token_response(response).await
    }
}

async fn token_response(response: reqwest::Response) -> Result<(SecretString, Duration), Failure> {
    let body = http::json(Api::OAuth, response).await?;
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            SourceError::InvalidResponse("the token endpoint answered without access_token".into())
        })?;
    let lifetime = Duration::from_secs(
        body.get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(3600),
    );
    Ok((SecretString::from(token.to_owned()), lifetime))
}

impl TokenBroker for GoogleDelegation {
    fn token<'a>(
        &'a self,
        user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        Box::pin(async move {
            let email = self.impersonable(user)?;
            if let Some(token) = self.cache.get(email) {
                return Ok(token);
            }
            let (token, lifetime) = with_retries(deadline, || self.fetch(email)).await?;
            self.cache.put(email, token.clone(), lifetime);
            Ok(token)
        })
    }
}

/// Microsoft client credentials: one app-only Graph token for everyone.
pub struct MicrosoftClientCredentials {
    http: reqwest::Client,
    url: String,
    client_id: String,
    secret: SecretString,
    cache: TokenCache,
}

impl MicrosoftClientCredentials {
    /// A broker for `tenant` at `login_base` (e.g. `https://login.microsoftonline.com`).
    pub fn new(
        http: reqwest::Client,
        login_base: &str,
        tenant: &str,
        client_id: &str,
        secret: SecretString,
    ) -> Self {
        Self {
            http,
            url: format!(
                "{}/{tenant}/oauth2/v2.0/token",
                login_base.trim_end_matches('/')
            ),
            client_id: client_id.to_owned(),
            secret,
            cache: TokenCache::default(),
        }
    }

    async fn fetch(&self) -> Result<(SecretString, Duration), Failure> {
        let response = self
            .http
            .post(&self.url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.secret.expose_secret()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .map_err(|e| http::transport(Api::OAuth, &e))?;
        if !response.status().is_success() {
            let mut failure = http::failure(Api::OAuth, response, "").await;
            if !failure.error.is_retryable() {
                failure.error = SourceError::Upstream {
                    status: None,
                    message: "Microsoft refused the client credentials; check MICROSOFT_TENANT_ID, MICROSOFT_CLIENT_ID and microsoft_client_secret".into(),
                    retryable: false,
                };
            }
            return Err(failure);
        }
        token_response(response).await
    }
}

impl TokenBroker for MicrosoftClientCredentials {
    fn token<'a>(
        &'a self,
        _user: &'a UserContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<SecretString, SourceError>> {
        Box::pin(async move {
            if let Some(token) = self.cache.get("app") {
                return Ok(token);
            }
            let (token, lifetime) = with_retries(deadline, || self.fetch()).await?;
            self.cache.put("app", token.clone(), lifetime);
            Ok(token)
        })
    }
}
