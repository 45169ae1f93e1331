//! Google Drive through Google's Drive MCP server (`GOOGLE_DRIVE_TRANSPORT=mcp`): the same source
//! as the REST one (same broker and user token, same `drive.readonly` scope, same deadlines,
//! retries, status mapping and records), reaching Drive by `tools/call` instead of `files.list`.
//!
//! - Search: `search_files` with the REST planner's query (the planner writes `fullText` and
//!   `modifiedTime` terms, which the MCP dialect shares; it never writes `name`, the one term the
//!   MCP server calls `title`), plus `mimeType != folder`. The MCP dialect has no `trashed` term
//!   and no `corpora`/`supportsAllDrives`: the server decides what a search covers. Paged with
//!   `pageToken` until the limit or a page without a token (`search.rs`).
//! - Snippets: each file's `contentSnippet`, which Google computes for the query, so a search is
//!   one upstream call and hits are not read again for a passage (`reads_hits` is false). In
//!   REST mode the service reads up to one file per hit for its passage.
//! - Content: `get_file_metadata` (title, link) and `read_file_content` (Google's own text
//!   extraction of Docs, Sheets, Slides, PDF and Office files), concurrently (`content.rs`).
//! - Comments: not available; the Drive MCP server's published tools cannot add one.

mod content;
mod search;
mod wire;

use std::sync::Arc;

use tokio::time::Instant;

use crate::broker::TokenBroker;
use crate::comment::{AddedComment, CommentError};
use crate::id::{DriveFileId, SourceId};
use crate::mcp_upstream::McpServer;
use crate::query::{Plan, Planned};
use crate::{
    Access, BoxFuture, Content, ItemId, SearchHit, Source, SourceError, SourceKind, UserContext,
};

/// The scope asked for: reading the user's files.
pub(crate) const SCOPES: &[&str] = &["https://www.googleapis.com/auth/drive.readonly"];
const REAUTH: &str = "Reconnect Google Drive to workplace-mcp and try again.";
/// Why `add_comment` is refused in this mode.
const NO_COMMENTS: &str = "comments are not available while Google Drive is reached through Google's Drive MCP server (GOOGLE_DRIVE_TRANSPORT=mcp): none of its published tools adds a comment";

/// Google Drive over its MCP server, as one user at a time.
pub(crate) struct DriveMcp {
    server: McpServer,
    broker: Arc<dyn TokenBroker>,
    access: Access,
}

impl DriveMcp {
    /// Drive's MCP server at `endpoint` (e.g. `https://drivemcp.googleapis.com/mcp/v1`), with
    /// tokens from `broker`; every call runs before the caller's deadline.
    pub(crate) fn new(
        http: reqwest::Client,
        endpoint: url::Url,
        broker: Arc<dyn TokenBroker>,
        access: Access,
    ) -> Self {
        Self {
            server: McpServer::new(http, endpoint, "Google Drive", REAUTH, SCOPES),
            broker,
            access,
        }
    }

    /// One tool call as `user`, before `deadline`.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        user: &UserContext,
        tool: &str,
        arguments: serde_json::Value,
        deadline: Instant,
    ) -> Result<T, SourceError> {
        let outcome = self
            .server
            .call_tool_as(self.broker.as_ref(), user, tool, arguments, deadline)
            .await?;
        outcome.parse(self.server.product())
    }
}

impl Source for DriveMcp {
    fn kind(&self) -> SourceKind {
        SourceKind::GoogleDrive
    }

    fn access(&self) -> Access {
        self.access
    }

    fn search<'a>(
        &'a self,
        user: &'a UserContext,
        query: &'a str,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        Box::pin(async move { self.search_text(user, query, limit, deadline).await })
    }

    fn search_plan<'a>(
        &'a self,
        user: &'a UserContext,
        plan: &'a Plan,
        limit: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Planned, SourceError>> {
        Box::pin(async move { self.search_planned(user, plan, limit, deadline).await })
    }

    fn content<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        Box::pin(async move {
            let id = DriveFileId::of(id).ok_or(SourceError::NotFound)?;
            self.read(user, id, max_chars, deadline).await
        })
    }

    fn add_comment<'a>(
        &'a self,
        user: &'a UserContext,
        id: &'a ItemId,
        text: &'a str,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<AddedComment, CommentError>> {
        let _ = (user, id, text, deadline);
        Box::pin(async {
            Err(CommentError::NotSupported {
                kind: SourceKind::GoogleDrive,
                reason: NO_COMMENTS,
            })
        })
    }
}
