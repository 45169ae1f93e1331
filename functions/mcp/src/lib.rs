//! The MCP Streamable HTTP endpoint at `/mcp`, served by rmcp under `lambda_http`.
//!
//! - **Transport.** rmcp's `StreamableHttpService`, stateless (`NeverSessionManager`, no
//!   `Mcp-Session-Id`), answering every request with one JSON document: API Gateway HTTP APIs
//!   cannot stream, and a Lambda invocation ends with its response anyway. GET and DELETE get 405.
//! - **Both protocol eras on one endpoint.** Clients that open with `initialize`
//!   (2025-03-26 … 2025-11-25) are served statelessly without a session; 2026-07-28 clients send
//!   per-request `_meta` and `server/discover`, and rmcp validates their `MCP-Protocol-Version`,
//!   `Mcp-Method` and `Mcp-Name` headers against the body.
//! - **Security.** [`auth::AuthLayer`] runs the shared request pipeline (authenticate, admit,
//!   validate; see `workplace_service::pipeline`) plus the host and origin checks before rmcp sees
//!   the request, and writes the invocation record.
//! - **Tools.** [`server::WorkplaceServer`] serves the shared catalogue and call path, so MCP and
//!   REST answer identically.
//!
//! Settings beyond the shared ones: `MCP_ALLOWED_HOSTS` and `MCP_ALLOWED_ORIGINS` ([`endpoint`]);
//! `DESCOPE_CONNECT_URL` is also offered by URL elicitation on `reauth_required` ([`reauth`]).

pub mod auth;
pub mod confirm;
pub mod endpoint;
pub mod reauth;
pub mod server;

use std::sync::Arc;

use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tower::Layer;
use workplace_service::AppState;
use workplace_service::config::Lookup;

use crate::auth::{AuthLayer, AuthService};
use crate::endpoint::EndpointConfig;
use crate::server::WorkplaceServer;

/// The whole endpoint: the auth layer around rmcp's service.
pub type McpService = AuthService<StreamableHttpService<WorkplaceServer, NeverSessionManager>>;

/// Why the endpoint could not be built (a programming error, caught by the unit tests).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The shared catalogue is not valid MCP `Tool` JSON.
    #[error("the tool catalogue is not valid MCP Tool JSON: {0}")]
    Catalogue(#[from] serde_json::Error),
}

/// Builds the endpoint once, at cold start.
pub fn service(state: Arc<AppState>, env: Lookup<'_>) -> Result<McpService, BuildError> {
    let endpoint = Arc::new(EndpointConfig::load(env));
    let tools = WorkplaceServer::catalogue()?;
    // Where a person connects a source, offered by URL elicitation on `reauth_required`; the
    // connectors name the same page in their text (workplace_connectors::Config::connect_url).
    let connect = reauth::connect_url(env("DESCOPE_CONNECT_URL").as_deref());
    let handler = WorkplaceServer::new(tools).with_connect_url(connect);
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_sse_retry(None)
        .with_max_request_body_bytes(auth::peek::MAX_BODY_BYTES)
        // The layer enforces both lists first; rmcp re-checks them (its defaults are loopback
        // hosts and no Origin check, neither right behind API Gateway).
        .with_allowed_hosts(endpoint.allowed_hosts.clone())
        .with_allowed_origins(endpoint.allowed_origins.clone())
        .enforce_origin_validation();
    let rmcp = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Ok(AuthLayer::new(state, endpoint).layer(rmcp))
}
