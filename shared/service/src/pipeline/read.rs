//! Stage 1: reading who sent what, and starting the record.

use std::time::Instant;

use lambda_http::Request;
use workplace_record::RecordType;

use crate::AppState;
use crate::http::RequestInfo;
use crate::record::{InvocationRecord, MCP_SERVER, RecordHandle, timestamp_now};

/// One request on its way through the pipeline: its identity, its record and its clock. Clones
/// share the record (an entry point may hand one to code it does not call directly); only the
/// original finishes the request.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub(super) info: RequestInfo,
    pub(super) record: RecordHandle,
    pub(super) started: Instant,
}

impl Exchange {
    /// Starts a request. `action` must be one of a fixed set of names (`health`, `tools/list`, a
    /// known JSON-RPC method or `other`): records and metrics never carry caller-chosen text
    /// before authentication.
    pub fn begin(state: &AppState, req: &Request, action: &'static str) -> Self {
        let info = RequestInfo::of(req);
        let record = InvocationRecord {
            kind: RecordType::Invocation,
            timestamp: timestamp_now(),
            request_id: info.request_id.clone(),
            function: state.function.to_owned(),
            route: info.route.clone(),
            action: action.to_owned(),
            mcp_server: MCP_SERVER.to_owned(),
            client_ip: info.client_ip.clone(),
            user_agent: info.user_agent.clone(),
            ..InvocationRecord::default()
        };
        Self {
            info,
            record: RecordHandle::new(record),
            started: Instant::now(),
        }
    }

    /// The request's identity.
    pub fn info(&self) -> &RequestInfo {
        &self.info
    }

    /// The record, for an entry point that must hand it to code it does not call directly (rmcp's
    /// tool handler).
    pub fn record(&self) -> &RecordHandle {
        &self.record
    }
}
