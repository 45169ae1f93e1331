//! Local fakes of the upstream APIs workplace-mcp talks to, over real HTTP, with a demo workspace.
//!
//! One listener serves Google Drive v3 (`/drive/v3/...`, token `/token`), Notion (`/v1/search`,
//! `/v1/blocks/...`), Microsoft Graph (`/v1.0/...`, token `/{tenant}/oauth2/v2.0/token`) and the
//! Descope outbound-token API (`/v1/mgmt/outbound/app/user/token`); their paths do not collide. A
//! second listener is the "download origin" Graph redirects file content to, so a client that
//! forwards its bearer token across the redirect is caught. Shapes, paging, errors and throttling
//! follow the upstreams' documentation (see `shared/reference/upstream-apis.md`).
//!
//! Every call needs a token the fakes issued (or the Notion integration token), and results are
//! filtered by the token's user. Demo users: Acme Corp's (`corpus/demo.json`) and Globex
//! Corporation's, a second organisation in groups of its own (`corpus/globex.json`, the second
//! demo tenant of `make dev`), so neither organisation's users see the other's documents. Both
//! files are written by `corpus/generate.py`.
//!
//! | user | Descope id | groups |
//! |---|---|---|
//! | `dev@acme.example` (the `make dev` token) | `dev-user` | all, finance, engineering, leadership |
//! | `alice@acme.example` | `U2alice` | all, finance, leadership |
//! | `bob@acme.example` (never connected Notion) | `U2bob` | all, engineering |
//! | `carol@acme.example` | `U2carol` | all, hr |
//! | `gina@globex.example` | `U2gina` | globex-all, globex-finance |
//! | `hugo@globex.example` | `U2hugo` | globex-all |
//!
//! App-only tokens (Notion integration, Graph client credentials) see documents shared with `all`
//! (Acme's).
//!
//! Each source's fake is one folder named like its connector's (`drive/`, `notion/`, `graph/`,
//! `gmail/`, `outlook_mail/`, `salesforce/`, `google_calendar/`, `outlook_calendar/`) exporting
//! one [`FakeUpstream`] in [`UPSTREAMS`]: its routes, its Google MCP server if it has one, and
//! the names and error dialect of its routes for the knobs. Shared: the token endpoints, Descope,
//! `/download`, the control API, the request log and knobs, the Google MCP frame, the corpus.
//!
//! The control API under `/_fake/` sets faults per route (each fake's, e.g. `drive.search`,
//! `notion.blocks`, `graph.search`, `outlook_mail.messages`, `outlook.calendar`,
//! `salesforce.query`, `gmailmcp`; the shared `google.token`, `microsoft.token`, `descope.token`;
//! or `*`): `POST /_fake/knobs {"route", "latency_ms", "status", "retry_after", "drive_quota",
//! "malformed", "times"}`; a barrier holding responses until N requests arrived:
//! `POST /_fake/barrier {"routes": [...], "count": N}`; Descope
//! connections: `POST /_fake/connections {"user_id", "app_id", "connected"}`;
//! `POST /_fake/expire-tokens`; a Notion page or Drive file edit, `POST /_fake/edit {"id", "last_edited_time"}`;
//! a further Descope user signing in as a demo user, `POST /_fake/users {"user_id", "like"}`;
//! `POST /_fake/reset`; and the request log, `GET /_fake/requests`.
//!
//! Google's Workspace MCP servers are served on the same listener, one path per product
//! (`/drivemcp/mcp/v1`, …; see [`google_mcp`]), with knob routes named after the product
//! (`drivemcp`, `gmailmcp`, `calendarmcp`), a `challenge` knob answering `401` with
//! `WWW-Authenticate`, and their own switches at `POST /_fake/google-mcp`.

// Handlers return an early `Response` as their error: the idiom of axum handlers, not a hot path.
#![allow(clippy::result_large_err)]

pub mod authz;
pub mod calendar;
pub mod comments;
pub mod corpus;
mod descope;
mod drive;
mod errors;
mod files;
mod gmail;
mod google_calendar;
pub mod google_mcp;
mod graph;
mod knobs;
mod kql;
mod mailbox;
mod notion;
mod outlook_calendar;
mod outlook_mail;
mod salesforce;
mod state;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use corpus::{Corpus, Upstream};
pub use graph::DRIVE_ID as SHAREPOINT_DRIVE_ID;
pub use notion::Blocks;
pub use state::{FakeConfig, FakeState, Knob, RecordedRequest};

/// Running fakes; they stop when this is dropped.
pub struct RunningFakes {
    /// Base URL of the API listener, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    /// Base URL of the download origin.
    pub download_url: String,
    /// The shared state, for knobs and the request log.
    pub state: Arc<FakeState>,
    /// The local authorization server (a Descope MCP Server's endpoints on the API origin).
    pub authz: Arc<authz::AuthServer>,
    _stop: Vec<oneshot::Sender<()>>,
}

/// Why the fakes could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A port could not be bound.
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port.
        port: u16,
        /// The cause.
        source: std::io::Error,
    },
    /// The authorization server's signing key could not be generated.
    #[error("could not generate the authorization server's signing key")]
    SigningKey,
}

/// The API router: the routes, and the knobs middleware (latency, faults, the request log) in
/// front of them and of the fallback.
pub fn api_router(state: Arc<FakeState>) -> Router {
    with_knobs(api_routes(state.clone()), state)
}

/// The knobs middleware around `router`, its fallback included. Applied after any `merge`: a
/// merged router gets a fresh fallback, which a layer applied before the merge does not cover.
fn with_knobs(router: Router, state: Arc<FakeState>) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        state,
        knobs::middleware,
    ))
}

/// One faked upstream: its folder's routes and what the shared parts (Descope's outbound-token API,
/// the token store) need to know about it.
pub struct FakeUpstream {
    /// The source it serves.
    pub kind: Upstream,
    /// The Descope outbound app id that hands out its user tokens in the demo project.
    pub descope_app: &'static str,
    /// How its issued tokens begin (the real tokens' look: `ya29.` for Google, ...).
    pub token_prefix: &'static str,
    /// Its routes. Paths must not collide with another upstream's: they share one listener.
    pub routes: fn() -> Router<Arc<FakeState>>,
    /// Its server on the fake Google Workspace MCP frame ([`google_mcp`]), when its API is (or
    /// includes) one of Google's MCP servers: the frame serves it at `/<name>/mcp/v1`, with the
    /// JSON-RPC, credential, quota and challenge behaviour every Google product shares.
    pub google_mcp: Option<fn() -> google_mcp::Product>,
    /// The knob name of a request (`method`, path segments) to one of its routes (its MCP
    /// server's included), and the answer to a fault injected there in its error dialect: a
    /// fake's routes take knobs without a line in `knobs.rs`.
    pub knobs: FakeKnobs,
}

/// How a fake's routes are named for the knobs, and how an injected fault looks in its dialect.
#[derive(Clone, Copy)]
pub struct FakeKnobs {
    /// The route name of `(method, path segments)`, when the route is this fake's.
    pub route_of: fn(&str, &[&str]) -> Option<&'static str>,
    /// The answer to an injected fault, in the fake's error dialect (the knobs add the
    /// `Retry-After` header of a throttle).
    pub fault: FaultAnswer,
}

/// A fault a knob injects (`POST /_fake/knobs`), for a fake to answer in its dialect.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    /// The status: the knob's `status`, or on a throttle 429 (403 with `drive_quota`).
    pub status: u16,
    /// `Retry-After` seconds, on a throttle.
    pub retry_after: Option<u64>,
    /// A throttle shaped like Drive's per-user quota (403 `userRateLimitExceeded`).
    pub drive_quota: bool,
}

/// A fake's answer to an injected fault, in its error dialect.
pub type FaultAnswer = fn(Fault) -> axum::response::Response;

/// Every faked upstream, one per folder (`drive/`, `notion/`, `graph/`, ...): the one list a new
/// fake joins.
pub const UPSTREAMS: &[FakeUpstream] = &[
    drive::UPSTREAM,
    notion::UPSTREAM,
    graph::UPSTREAM,
    gmail::UPSTREAM,
    outlook_mail::UPSTREAM,
    salesforce::UPSTREAM,
    google_calendar::UPSTREAM,
    outlook_calendar::UPSTREAM,
];

/// `kind`'s fake, if there is one.
pub fn upstream(kind: Upstream) -> Option<&'static FakeUpstream> {
    UPSTREAMS.iter().find(|u| u.kind == kind)
}

fn api_routes(state: Arc<FakeState>) -> Router {
    UPSTREAMS
        .iter()
        .fold(Router::new(), |router, upstream| {
            router.merge((upstream.routes)())
        })
        .route("/token", post(tokens::google))
        .route("/{tenant}/oauth2/v2.0/token", post(tokens::microsoft))
        .route(
            "/v1/mgmt/outbound/app/user/token",
            post(descope::user_token),
        )
        .route("/_fake/knobs", post(knobs::set_knob))
        .route("/_fake/barrier", post(knobs::set_barrier))
        .route("/_fake/requests", get(knobs::requests))
        .route("/_fake/reset", post(knobs::reset))
        .route("/_fake/connections", post(knobs::set_connection))
        .route("/_fake/expire-tokens", post(knobs::expire_tokens))
        .route("/_fake/edit", post(knobs::edit))
        .route("/_fake/users", post(knobs::add_user))
        .with_state(state.clone())
        .merge(google_mcp::router(state))
}

fn download_router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/download/{ticket}", get(graph::download))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            knobs::middleware,
        ))
        .with_state(state)
}

async fn bind(port: u16) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| StartError::Bind { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { port, source })?;
    Ok((listener, addr))
}

fn serve(listener: TcpListener, router: Router) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(err) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %err, "fake server stopped");
        }
    });
    stop
}

impl RunningFakes {
    /// Starts the fakes over the demo corpus.
    pub async fn start(config: FakeConfig) -> Result<Self, StartError> {
        let (api, api_addr) = bind(config.port).await?;
        let (download, download_addr) = bind(config.download_port).await?;
        let authz = authz::AuthServer::new(
            &format!("http://{api_addr}"),
            &config.descope_project_id,
            Arc::new(Corpus::demo()),
        )
        .map(Arc::new)
        .ok_or(StartError::SigningKey)?;
        let state = Arc::new(FakeState::new(Corpus::demo(), config));
        let download_url = format!("http://{download_addr}");
        if let Ok(mut base) = state.download_base.lock() {
            base.clone_from(&download_url);
        }
        let stops = vec![
            serve(
                api,
                with_knobs(
                    api_routes(state.clone()).merge(authz::router(authz.clone())),
                    state.clone(),
                ),
            ),
            serve(download, download_router(state.clone())),
        ];
        Ok(Self {
            base_url: format!("http://{api_addr}"),
            download_url,
            state,
            authz,
            _stop: stops,
        })
    }

    /// Sets a knob on a route.
    pub fn knob(&self, route: &str, knob: Knob) {
        self.state.set_knob(route, knob);
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }
}

/// A freshly generated Google service-account key: the JSON a connector is configured with, and
/// the public key the fake verifies assertions with.
pub struct ServiceAccount {
    /// The service-account JSON (`type`, `client_email`, `private_key`, `token_uri`, ...).
    pub json: String,
    /// The verifying key.
    pub public_key: jsonwebtoken::DecodingKey,
}

/// Generates a service account whose `token_uri` is `token_uri`.
pub fn generate_service_account(email: &str, token_uri: &str) -> Option<ServiceAccount> {
    use aws_lc_rs::encoding::AsDer;
    use base64::Engine;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).ok()?;
    let der = AsDer::as_der(&pair).ok()?;
    let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let lines: Vec<String> = body
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).ok()?;
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, jsonwebtoken::Algorithm::RS256)
        .ok()?;
    let public_key = jsonwebtoken::DecodingKey::from_jwk(&jwk).ok()?;
    let json = serde_json::json!({
        "type": "service_account", "project_id": "acme-demo", "private_key_id": hex::encode(rand::random::<[u8; 20]>()),
        "private_key": pem, "client_email": email, "client_id": "100000000000000000001",
        "token_uri": token_uri,
    })
    .to_string();
    Some(ServiceAccount { json, public_key })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each source has exactly one fake, so its tokens' prefix and its Descope app are one entry's.
    #[test]
    fn every_source_has_one_fake() {
        for kind in Upstream::ALL {
            let fakes = UPSTREAMS.iter().filter(|u| u.kind == *kind).count();
            assert_eq!(fakes, 1, "{kind}");
        }
    }
}
