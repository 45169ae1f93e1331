//! The Gmail source: the MCP server it calls, and the connector traits.

use secrecy::SecretString;
use tokio::time::Instant;
use url::Url;

use super::{SCOPE, id};
use crate::connector::{Comment, Read, Search};
use crate::mcp_upstream::McpServer;
use crate::query::{Plan, Planned};
use crate::{Content, SearchHit, SourceError, SourceKind};

const REAUTH: &str =
    "Reconnect Google to workplace-mcp (allowing it to read your Gmail) and try again.";

/// The Gmail source.
pub struct Gmail {
    pub(super) server: McpServer,
}

impl Gmail {
    /// Google's Gmail MCP server at `endpoint` (e.g. `https://gmailmcp.googleapis.com/mcp/v1`).
    pub(crate) fn new(http: reqwest::Client, endpoint: Url) -> Self {
        Self {
            server: McpServer::new(http, endpoint, "Gmail", REAUTH, &[SCOPE]),
        }
    }
}

impl Search for Gmail {
    const KIND: SourceKind = SourceKind::Gmail;

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        self.search_text(token, query, limit, deadline).await
    }

    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        self.search_planned(token, plan, limit, deadline).await
    }
}

impl Read for Gmail {
    type Id = id::GmailItemId;

    async fn content_with(
        &self,
        token: &SecretString,
        id: &id::GmailItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        self.read(token, id, max_chars, deadline).await
    }
}

impl Comment for Gmail {
    const NOT_SUPPORTED: Option<&'static str> = Some(
        "adding comments is not supported for Gmail: a message has no comments, and a reply would send mail",
    );
}
