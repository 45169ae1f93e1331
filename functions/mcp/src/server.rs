//! The MCP server handler: `initialize`/`server/discover` metadata, `tools/list` and `tools/call`.
//!
//! It shares the tool catalogue and the whole call path (`prepare` → `run`) with the REST route, so
//! both answer the same arguments with the same results. The [`Caller`] and the request's
//! [`RecordHandle`] arrive from the auth layer through the HTTP request extensions, which
//! rmcp forwards to handlers as `http::request::Parts`.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ResultType, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};
use workplace_service::catalogue;
use workplace_service::tools::{self, CallError, ToolResult};

use crate::auth::Caller;
use crate::gate::{Admission, CallGate};
use crate::record::RecordHandle;

/// The name in `serverInfo`, also the `realm` of challenges.
pub const SERVER_NAME: &str = "workplace-mcp";
/// The version in `serverInfo`.
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What `initialize` and `server/discover` tell the model about using the tools.
pub const INSTRUCTIONS: &str = "Search the user's company documents in Google Drive, Notion and \
SharePoint/OneDrive with `workplace_search`; every search runs live with the user's own \
permissions. Use plain keywords (for example \"Q4 planning\"). Notion matches page titles only, \
so for Notion use words likely to appear in a page title; Google Drive and SharePoint match titles \
and text. Omit `sources` to search every source the user has connected. Each result has an `id`: \
pass it to `fetch` to read the document's full text, and when `truncated` is true call `fetch` \
again with `offset` set to `next_offset`. The `sources` list in every answer says which sources \
answered; a source that timed out, was rate limited or needs the user to reconnect is named there \
while the other sources' results are still returned. A result with `isError: true` explains what \
to change (an argument, a missing permission, or a wait before retrying).";

/// One request's handler. rmcp builds one per HTTP request (stateless mode), so it is a few `Arc`s.
#[derive(Clone)]
pub struct WorkplaceServer {
    gate: Arc<dyn CallGate>,
    tools: Arc<[Tool]>,
}

impl WorkplaceServer {
    /// A handler over the rate-limit gate and the tool list.
    pub fn new(gate: Arc<dyn CallGate>, tools: Arc<[Tool]>) -> Self {
        Self { gate, tools }
    }

    /// The shared catalogue as rmcp tools, converted once at cold start.
    pub fn catalogue() -> Result<Arc<[Tool]>, serde_json::Error> {
        let tools: Vec<Tool> = serde_json::from_value(catalogue::tools())?;
        Ok(tools.into())
    }

    async fn call(
        &self,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let parts = context.extensions.get::<http::request::Parts>();
        let record = parts
            .and_then(|p| p.extensions.get::<RecordHandle>())
            .cloned()
            .unwrap_or_default();
        let name = request.name.as_ref();
        record.update(|r| r.tool = Some(name.to_owned()));
        if !catalogue::is_known(name) {
            record.refuse("invalid", "unknown_tool");
            return Err(ErrorData::invalid_params(
                format!("Unknown tool: {name}. tools/list lists the tools."),
                Some(json!({"tools": catalogue::NAMES})),
            ));
        }
        // The layer always attaches the caller; its absence means the handler was mounted without
        // the layer, and nothing may run unauthenticated.
        let Some(Caller {
            principal,
            runtime,
            parts: runtime_parts,
        }) = parts.and_then(|p| p.extensions.get::<Caller>())
        else {
            record.refuse("error", "internal_error");
            return Err(ErrorData::internal_error(
                "the server is not set up to authenticate this call",
                None,
            ));
        };
        let engine = &runtime_parts.engine;
        let arguments = request.arguments.map(Value::Object);
        let prepared = match tools::prepare(engine, name, arguments.as_ref(), principal) {
            Ok(prepared) => prepared,
            Err(err) => return refused(&record, &err),
        };
        record.update(|r| {
            r.sources = prepared.sources();
            if let Some(query) = prepared.query() {
                r.set_query(query, runtime.config.log_query_text);
            }
        });
        match self.gate.admit(runtime, principal, name).await {
            Admission::Allowed { note } => {
                if let Some(note) = note {
                    record.update(|r| r.reason = Some(note.to_owned()));
                }
            }
            Admission::Limited {
                retry_after_seconds,
                reason,
            } => {
                record.refuse("rate_limited", "rate_limited");
                record.update(|r| r.reason = Some(reason));
                return to_rmcp(ToolResult::rate_limited(name, retry_after_seconds));
            }
        }
        let (result, summary) = tools::run(engine, &prepared, principal).await;
        record.summarize(&summary, result.is_error);
        to_rmcp(result)
    }
}

/// A call refused before it ran, as a tool result the model can act on (MCP: input validation
/// errors are tool execution errors, not protocol errors). The shared builder keeps
/// `structuredContent` inside the tool's `outputSchema` (its error branch).
fn refused(record: &RecordHandle, err: &CallError) -> Result<CallToolResult, ErrorData> {
    let (outcome, code) = err.record_outcome();
    record.refuse(outcome, code);
    to_rmcp(ToolResult::refusal(err))
}

/// The shared result shape, re-read as rmcp's type (both are MCP `CallToolResult` JSON). The shared
/// shape has no `resultType` (REST has no use for it); 2026-07-28 requires `"complete"`, and rmcp
/// strips it again for peers on older revisions.
fn to_rmcp(result: ToolResult) -> Result<CallToolResult, ErrorData> {
    serde_json::to_value(&result)
        .and_then(serde_json::from_value::<CallToolResult>)
        .map(|mut result| {
            result.result_type = Some(ResultType::COMPLETE);
            result
        })
        .map_err(|err| {
            tracing::error!(error = %err, "a tool result did not convert to an MCP result");
            ErrorData::internal_error("the tool result could not be encoded", None)
        })
}

impl ServerHandler for WorkplaceServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new(SERVER_NAME, SERVER_VERSION)
                    .with_title("Workplace search")
                    .with_description(
                        "Live, permission-aware search across Google Drive, Notion and SharePoint.",
                    ),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.call(request, &context).await.map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_converts_to_rmcp_tools() {
        let tools = WorkplaceServer::catalogue().unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(names, ["workplace_search", "fetch", "search"]);
        for tool in tools.iter() {
            assert!(tool.output_schema.is_some());
            assert!(tool.annotations.is_some());
            assert!(tool.title.is_some());
        }
    }

    #[test]
    fn instructions_warn_that_notion_matches_titles_only() {
        assert!(INSTRUCTIONS.contains("Notion matches page titles only"));
    }
}
