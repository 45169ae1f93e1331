//! Calling a vendor's hosted MCP server as the user: an MCP client over Streamable HTTP.
//!
//! Google's Workspace MCP servers speak the stateless 2026-07-28 protocol: no `initialize`
//! handshake and no session, every request carries its protocol version in `_meta` and in the
//! `MCP-Protocol-Version` header. So one tool call is one HTTP POST ([`rpc`]), sent through the
//! same [`Upstream::call`] as every REST request: the bearer header, the retry policy, the
//! caller's deadline and HTTP-level error classification are the REST sources' own. What is
//! particular to MCP (JSON-RPC errors, tool results with `isError`, 401 challenges with
//! `WWW-Authenticate`) is classified in one place, [`classify`].
//!
//! The user's upstream token is the bearer; the caller's MCP token never is. A refused
//! credential (a 401 challenge, or an error result saying the credential is missing or invalid)
//! is followed once: [`McpServer::call_tool_as`] evicts the token from the broker's cache, asks
//! for a fresh one and tries again; refused again, it answers
//! [`SourceError::ReauthRequired`] naming the source.

pub(crate) mod classify;
mod rpc;

use std::sync::atomic::{AtomicI64, Ordering};

use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::broker::TokenBroker;
use crate::upstream::{Api, Auth, Upstream};
use crate::{SourceError, UserContext};

pub(crate) use classify::Refusal;

/// The HTTP-level error dialect of Google's Workspace MCP servers (what a tool answers is read by
/// [`classify`]): Google's front end's error bodies and quota reasons. Not user-facing: a 401 is
/// a challenge the client follows, and a 404 means a wrong endpoint, never a missing item.
pub(crate) const GOOGLE_MCP: Api = Api {
    name: "Google's Workspace MCP server",
    detail: |body| {
        (
            crate::upstream::classify::text(body, "/error/errors/0/reason")
                .or_else(|| crate::upstream::classify::text(body, "/error/status")),
            crate::upstream::classify::text(body, "/error/message"),
        )
    },
    quota_codes: &[
        "userRateLimitExceeded",
        "rateLimitExceeded",
        "RESOURCE_EXHAUSTED",
    ],
    user_facing: false,
};

/// What a successful tool call answered: its `structuredContent` (Google's tools publish output
/// schemas, and "clients that support structured output should ignore `content`") and the text
/// of its `content` blocks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallToolOutcome {
    /// `structuredContent`, when the tool sent it.
    pub(crate) structured: Option<Value>,
    /// The text blocks of `content`, joined by newlines.
    pub(crate) text: String,
}

impl CallToolOutcome {
    /// The answer as the wire type `T`: the structured content, or else the text read as JSON
    /// (servers that predate output schemas put the JSON there).
    pub(crate) fn parse<T: DeserializeOwned>(&self, product: &str) -> Result<T, SourceError> {
        let parsed = match &self.structured {
            Some(value) => T::deserialize(value),
            None => serde_json::from_str(&self.text),
        };
        parsed.map_err(|e| {
            // Position and category only, never the body (third-party text).
            SourceError::InvalidResponse(format!(
                "{product}'s MCP server answered a result of an unexpected shape ({:?} error)",
                e.classify()
            ))
        })
    }
}

/// One vendor MCP endpoint (e.g. Google Drive's `/mcp/v1`), as the connectors call it.
pub(crate) struct McpServer {
    upstream: Upstream,
    endpoint: Url,
    /// The source's display name, in every error (e.g. "Google Drive").
    product: &'static str,
    /// What the user is told when their credential is refused for good.
    reauth_hint: &'static str,
    /// The OAuth scopes our tokens are asked with: a challenge naming others cannot be met by a
    /// fresh token, so it is not retried but told to the user.
    scopes: &'static [&'static str],
    /// JSON-RPC ids, for matching a response in an event stream to its request.
    next_id: AtomicI64,
}

impl McpServer {
    /// The MCP server at `endpoint` (the full URL, e.g. `https://drivemcp.googleapis.com/mcp/v1`).
    pub(crate) fn new(
        http: reqwest::Client,
        endpoint: Url,
        product: &'static str,
        reauth_hint: &'static str,
        scopes: &'static [&'static str],
    ) -> Self {
        Self {
            upstream: Upstream::new(http, GOOGLE_MCP, reauth_hint).with_challenges_as_answers(),
            endpoint,
            product,
            reauth_hint,
            scopes,
            next_id: AtomicI64::new(1),
        }
    }

    /// The source's display name.
    pub(crate) fn product(&self) -> &'static str {
        self.product
    }

    /// Calls `tool` with `arguments` (a JSON object) once, with `token`, before `deadline`. A
    /// refused credential is [`SourceError::ReauthRequired`] at once, for the caller to follow:
    /// a connector run by `Connected` (Gmail) has it follow with a fresh token once
    /// ([`crate::broker::with_token`]); one that holds its broker itself uses
    /// [`Self::call_tool_as`].
    pub(crate) async fn call_tool(
        &self,
        token: &SecretString,
        tool: &str,
        arguments: Value,
        deadline: Instant,
    ) -> Result<CallToolOutcome, SourceError> {
        let body = self.request(tool, arguments)?;
        match self.attempt(token, tool, &body, deadline).await? {
            Ok(outcome) => Ok(outcome),
            Err(refusal) => Err(refusal.into_error(self.product, self.reauth_hint, self.scopes)),
        }
    }

    /// Calls `tool` as `user`, with their token from `broker`; a refused credential is followed
    /// once with a fresh token (the cached one evicted), unless the refusal asks for scopes we do
    /// not request, which no fresh token would carry.
    pub(crate) async fn call_tool_as(
        &self,
        broker: &dyn TokenBroker,
        user: &UserContext,
        tool: &str,
        arguments: Value,
        deadline: Instant,
    ) -> Result<CallToolOutcome, SourceError> {
        let body = self.request(tool, arguments)?;
        let token = broker.token(user, deadline).await?;
        let refusal = match self.attempt(&token, tool, &body, deadline).await? {
            Ok(outcome) => return Ok(outcome),
            Err(refusal) => refusal,
        };
        if !refusal.fresh_token_may_help(self.scopes) {
            return Err(refusal.into_error(self.product, self.reauth_hint, self.scopes));
        }
        tracing::info!(
            source = self.product,
            tool,
            "the MCP server refused the user's token; fetching a fresh one"
        );
        broker.evict(user, &token).await;
        let token = broker.token(user, deadline).await?;
        match self.attempt(&token, tool, &body, deadline).await? {
            Ok(outcome) => Ok(outcome),
            Err(refusal) => Err(refusal.into_error(self.product, self.reauth_hint, self.scopes)),
        }
    }

    /// The serialized `tools/call` request.
    fn request(&self, tool: &str, arguments: Value) -> Result<Vec<u8>, SourceError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        rpc::call_tool_request(id, tool, arguments)
    }

    /// One POST (retried by the shared policy); `Err(refusal)` inside `Ok` is a refused
    /// credential, for the caller to follow.
    async fn attempt(
        &self,
        token: &SecretString,
        tool: &str,
        body: &[u8],
        deadline: Instant,
    ) -> Result<Result<CallToolOutcome, Refusal>, SourceError> {
        let product = self.product;
        self.upstream
            .call(
                Auth::Bearer(token),
                deadline,
                |http| rpc::post(http, &self.endpoint, tool, body),
                |response| rpc::read(product, tool, response),
            )
            .await
    }
}

#[cfg(test)]
mod tests;
