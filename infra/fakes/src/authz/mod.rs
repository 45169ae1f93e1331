//! A local authorization server that behaves like a Descope MCP Server, so an MCP client given only
//! the server's URL can sign in: resource metadata (served by workplace-mcp) → this server's
//! RFC 8414 / OpenID metadata → dynamic client registration (RFC 7591) → authorization code with
//! PKCE S256 and a consent page → RS256 access tokens bound to the RFC 8707 `resource`, signed by
//! the key published at the project's JWKS URL, plus rotating refresh tokens.
//!
//! Paths and issuer follow Descope's (see `shared/reference/identity-and-observability.md` §2.5):
//! issuer `<base>/v1/apps/agentic/P2demo/MSdemo`, JWKS `<base>/P2demo/.well-known/jwks.json`,
//! authorize and token under `/oauth2/v1/apps/agentic/...`, registration under
//! `/v1/mgmt/mcp/client/...`. Clients register either way Descope offers: a `client_id` that is a URL
//! names a Client ID Metadata Document the server fetches (`cimd`, the MCP 2025-11-25 recommendation,
//! advertised as `client_id_metadata_document_supported: true`; off by default on Descope, see
//! `docs/clients.md`), any other id was issued by dynamic client registration (`register`), kept
//! for clients that do not do CIMD yet.
//!
//! Tests approve without a browser in either of two ways: post the consent form (what a person
//! does), or set `POST /_fake/authz/auto-approve {"user_id", "scope"?}` so `GET /authorize`
//! redirects straight back with a code, as for a person who already consented.
//! `POST /_fake/authz/expire-refresh-tokens` makes every refresh token expired.

mod authorize;
mod cimd;
mod consent;
mod keys;
mod metadata;
mod register;
mod token;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use workplace_record::{SourceKind, WRITE_COMMENTS_SCOPE};

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::corpus::Corpus;
use crate::state::now;

pub use keys::SigningKey;

/// The Descope MCP Server id in the demo project.
pub const MCP_SERVER_ID: &str = "MSdemo";
/// Lifetime of an access token (Descope's default for MCP servers is one hour).
pub const ACCESS_TOKEN_TTL: u64 = 3600;
/// Lifetime of an authorization code.
pub const CODE_TTL: u64 = 300;
/// Lifetime of a refresh token.
pub const REFRESH_TOKEN_TTL: u64 = 30 * 24 * 3600;
/// The scopes a token can carry: one per source (what workplace-mcp checks, from
/// `SourceKind::ALL`, so a new source is offered on the consent page without editing this),
/// `add_comment`'s write scope (granted only when asked for), plus OpenID's.
pub fn scopes() -> Vec<&'static str> {
    default_scopes()
        .into_iter()
        .chain([WRITE_COMMENTS_SCOPE, "openid", "profile", "email"])
        .collect()
}

/// The scopes granted when a client asks for none: every source.
fn default_scopes() -> Vec<&'static str> {
    SourceKind::ALL.iter().map(|k| k.scope()).collect()
}

/// A client: registered (RFC 7591), or described by its metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Client {
    redirect_uris: Vec<String>,
    /// `None` for public clients (`token_endpoint_auth_method: none`).
    secret: Option<String>,
    name: String,
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    resource: String,
    scope: String,
    user_id: String,
    expires_at: u64,
    used: bool,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    resource: String,
    scope: String,
    user_id: String,
    expires_at: u64,
}

/// A standing consent: `GET /authorize` answers at once as this user.
#[derive(Debug, Clone, Deserialize)]
struct AutoApprove {
    user_id: String,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Default)]
struct Store {
    clients: HashMap<String, Client>,
    codes: HashMap<String, CodeGrant>,
    refresh: HashMap<String, RefreshGrant>,
    auto_approve: Option<AutoApprove>,
    resources: Vec<String>,
}

/// The authorization server's state.
pub struct AuthServer {
    base_url: String,
    project_id: String,
    corpus: Arc<Corpus>,
    key: &'static SigningKey,
    store: Mutex<Store>,
    cimd: cimd::Resolver,
}

/// Why a `client_id` names no client this server will talk to.
#[derive(Debug, thiserror::Error)]
enum ClientError {
    #[error("unknown client_id: register the client first, or use a client metadata document URL")]
    Unknown,
    #[error(transparent)]
    Document(#[from] cimd::CimdError),
}

impl ClientError {
    /// The OAuth error code for this refusal.
    fn oauth_error(&self) -> &'static str {
        match self {
            Self::Unknown => "invalid_client",
            Self::Document(e) => e.oauth_error(),
        }
    }
}

impl std::fmt::Debug for AuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServer")
            .field("issuer", &self.issuer())
            .finish_non_exhaustive()
    }
}

impl AuthServer {
    /// An authorization server at `base_url` (the fakes' API origin) for Descope project
    /// `project_id`, whose demo users are `corpus`'s. `None` if no signing key or HTTP client
    /// could be made.
    pub fn new(base_url: &str, project_id: &str, corpus: Arc<Corpus>) -> Option<Self> {
        Some(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            project_id: project_id.to_owned(),
            corpus,
            key: SigningKey::shared()?,
            store: Mutex::new(Store::default()),
            cimd: cimd::Resolver::new()?,
        })
    }

    /// The exact `iss` of the tokens: a Descope MCP Server's issuer.
    pub fn issuer(&self) -> String {
        format!(
            "{}/v1/apps/agentic/{}/{MCP_SERVER_ID}",
            self.base_url, self.project_id
        )
    }

    /// Allows tokens for `resource` (an MCP server URL). With none allowed, any http(s) URL is.
    pub fn allow_resource(&self, resource: &str) {
        let mut store = self.store();
        if !store.resources.iter().any(|r| r == resource) {
            store.resources.push(resource.to_owned());
        }
    }

    /// The key tokens are signed with.
    pub fn signing_key(&self) -> &SigningKey {
        self.key
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that matters
        // to a fake, so a poisoned lock is simply taken over.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The client `client_id` names: a registered one, or one described by the metadata document
    /// at that URL.
    async fn client(&self, client_id: &str) -> Result<Client, ClientError> {
        if let Some(client) = self.store().clients.get(client_id).cloned() {
            return Ok(client);
        }
        if cimd::is_url_client_id(client_id) {
            return Ok(self.cimd.resolve(client_id).await?);
        }
        Err(ClientError::Unknown)
    }

    fn path(&self, tail: &str) -> String {
        format!(
            "/oauth2/v1/apps/agentic/{}/{MCP_SERVER_ID}/{tail}",
            self.project_id
        )
    }

    fn registration_path(&self) -> String {
        format!(
            "/v1/mgmt/mcp/client/{}/{MCP_SERVER_ID}/register",
            self.project_id
        )
    }

    fn issuer_path(&self) -> String {
        format!("/v1/apps/agentic/{}/{MCP_SERVER_ID}", self.project_id)
    }

    /// The resource a request names, checked against the allowed ones. A missing `resource` means
    /// the only allowed one, as Descope adds its configured MCP Server URL to every token.
    fn resolve_resource(&self, requested: Option<&str>) -> Result<String, &'static str> {
        let store = self.store();
        match requested.filter(|r| !r.is_empty()) {
            Some(resource) => {
                let allowed = if store.resources.is_empty() {
                    url::Url::parse(resource).is_ok_and(|u| {
                        matches!(u.scheme(), "http" | "https") && u.fragment().is_none()
                    })
                } else {
                    store.resources.iter().any(|r| r == resource)
                };
                if allowed {
                    Ok(resource.to_owned())
                } else {
                    Err("this authorization server does not issue tokens for that resource")
                }
            }
            None => match store.resources.as_slice() {
                [only] => Ok(only.clone()),
                _ => Err("the `resource` parameter (RFC 8707) is required"),
            },
        }
    }
}

/// The scopes in `requested` (space-separated), checked; empty means every source's.
fn parse_scope(requested: Option<&str>) -> Result<String, String> {
    let words: Vec<&str> = requested.unwrap_or_default().split_whitespace().collect();
    let known = scopes();
    if let Some(unknown) = words.iter().find(|w| !known.contains(w)) {
        return Err(format!("unknown scope `{unknown}`"));
    }
    let words = if words.is_empty() {
        default_scopes()
    } else {
        words
    };
    let mut ordered: Vec<&str> = known.into_iter().filter(|s| words.contains(s)).collect();
    ordered.dedup();
    Ok(ordered.join(" "))
}

/// A random URL-safe token.
fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn expired(at: u64) -> bool {
    at <= now()
}

/// The routes, at Descope's paths under the fakes' origin.
pub fn router(server: Arc<AuthServer>) -> Router {
    let issuer_path = server.issuer_path();
    let project = server.project_id.clone();
    Router::new()
        .route(
            &format!("{issuer_path}/.well-known/openid-configuration"),
            get(metadata::document),
        )
        .route(
            &format!("{issuer_path}/.well-known/oauth-authorization-server"),
            get(metadata::document),
        )
        .route(
            &format!("/.well-known/oauth-authorization-server{issuer_path}"),
            get(metadata::document),
        )
        .route(
            &format!("/.well-known/openid-configuration{issuer_path}"),
            get(metadata::document),
        )
        .route(
            &format!("/{project}/.well-known/jwks.json"),
            get(metadata::jwks),
        )
        .route(&format!("/v2/keys/{project}"), get(metadata::jwks))
        .route(&server.registration_path(), post(register::register))
        .route(
            &server.path("authorize"),
            get(authorize::start).post(authorize::decide),
        )
        .route(&server.path("token"), post(token::token))
        .route(
            "/_fake/authz/auto-approve",
            post(authorize::set_auto_approve),
        )
        .route(
            "/_fake/authz/expire-refresh-tokens",
            post(token::expire_refresh_tokens),
        )
        .with_state(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_every_source_and_unknown_ones_are_refused() {
        let every_source: Vec<&str> = workplace_record::SourceKind::ALL
            .iter()
            .map(|k| k.scope())
            .collect();
        assert_eq!(parse_scope(None).unwrap(), every_source.join(" "));
        assert!(
            every_source.starts_with(&[
                "workplace:read:google_drive",
                "workplace:read:notion",
                "workplace:read:sharepoint"
            ]),
            "{every_source:?}"
        );
        assert_eq!(
            parse_scope(Some("workplace:read:notion openid workplace:read:notion")).unwrap(),
            "workplace:read:notion openid"
        );
        assert!(parse_scope(Some("admin")).is_err());
        // The write scope is known but never granted by default: a client must ask for it.
        assert_eq!(
            parse_scope(Some("workplace:write:comments workplace:read:notion")).unwrap(),
            "workplace:read:notion workplace:write:comments"
        );
    }

    #[test]
    fn resources_are_those_allowed() {
        let server =
            AuthServer::new("http://127.0.0.1:1", "P2demo", Arc::new(Corpus::demo())).unwrap();
        assert_eq!(
            server
                .resolve_resource(Some("https://a.example/mcp"))
                .unwrap(),
            "https://a.example/mcp"
        );
        assert!(server.resolve_resource(None).is_err());
        server.allow_resource("http://127.0.0.1:9000/mcp");
        assert_eq!(
            server.resolve_resource(None).unwrap(),
            "http://127.0.0.1:9000/mcp"
        );
        assert!(
            server
                .resolve_resource(Some("https://a.example/mcp"))
                .is_err()
        );
        assert_eq!(
            server.issuer(),
            "http://127.0.0.1:1/v1/apps/agentic/P2demo/MSdemo"
        );
    }
}
