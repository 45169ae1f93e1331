//! One request's record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Outcome, SourceKind, SourceStatus};

/// The MCP server name reported in every record.
pub const MCP_SERVER: &str = "workplace-mcp";

/// The record's `type`: lets a reader of a mixed log stream pick records out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// The only kind there is.
    #[default]
    Invocation,
}

/// One request's record: one JSON line on stdout. It never holds tokens or secrets, and the query
/// only as length and keyed hash unless the deployment opts in to logging its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvocationRecord {
    /// Always [`RecordType::Invocation`].
    #[serde(rename = "type")]
    pub kind: RecordType,
    /// RFC 3339 with milliseconds, UTC.
    pub timestamp: String,
    /// The Lambda request id (matches the platform report).
    pub request_id: String,
    /// The function name (`health`, `list-tools`, `workplace-search`, `mcp`).
    pub function: String,
    /// `METHOD path`.
    pub route: String,
    /// `tools/call`, `tools/list`, `initialize`, `health`, ...; `other` for an unauthenticated or
    /// unknown JSON-RPC method, so callers cannot mint dimensions.
    pub action: String,
    /// The tool called: only a tool this server offers, and only once the caller is authenticated.
    #[serde(default)]
    pub tool: Option<String>,
    /// Always [`MCP_SERVER`].
    #[serde(default)]
    pub mcp_server: String,
    /// The caller's `sub`, once authenticated.
    #[serde(default)]
    pub sub: Option<String>,
    /// The caller's organisation, when the deployment serves several (`TENANTS_TABLE`): the
    /// tenant's id, never anything the caller wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The caller's client id, once authenticated.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The caller's IP as API Gateway saw it.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// The caller's User-Agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// HTTP status returned.
    pub status: u16,
    /// How the request ended.
    pub outcome: Outcome,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error_code: Option<ErrorCode>,
    /// A short reason (auth failure reason, failed sources, limiter notes), never secret.
    #[serde(default)]
    pub reason: Option<String>,
    /// Time spent in the handler.
    pub latency_ms: f64,
    /// The rate limiter could not answer and the fail-open policy admitted the call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub limiter_bypassed: bool,
    /// Results returned.
    #[serde(default)]
    pub result_count: Option<usize>,
    /// Sources touched.
    #[serde(default)]
    pub sources: Vec<SourceKind>,
    /// Status per source.
    #[serde(default)]
    pub source_status: BTreeMap<SourceKind, SourceStatus>,
    /// Query length in characters.
    #[serde(default)]
    pub query_len: Option<usize>,
    /// Keyed hash (HMAC-SHA-256, first 16 hex digits) of the query: correlates repeated queries
    /// within a deployment without revealing them, and cannot be reversed by hashing guesses
    /// without the key.
    #[serde(default)]
    pub query_hash: Option<String>,
    /// The query itself, only when the deployment opts in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// What the shared cache did for this call; absent when it is off or the call used none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheUse>,
}

/// What the shared cache did for one call, per part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheUse {
    /// Upstream access tokens.
    pub token: CachePartUse,
    /// Extracted text.
    pub text: CachePartUse,
}

/// One part's DynamoDB traffic for one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachePartUse {
    /// Reads sent.
    pub reads: u64,
    /// Reads that served a value (each saved an upstream round trip).
    pub hits: u64,
    /// Writes (and deletes) sent.
    pub writes: u64,
    /// Reads and writes that failed or passed their deadline (the call went on without).
    pub faults: u64,
    /// Sealed bytes read in hits.
    pub bytes_read: u64,
    /// Sealed bytes written.
    pub bytes_written: u64,
}

impl InvocationRecord {
    /// Marks the request failed with `code`, and the outcome that code has.
    pub fn fail(&mut self, code: ErrorCode) {
        self.outcome = code.outcome();
        self.error_code = Some(code);
    }

    /// Sources whose status is not `ok`, as `source:status` pairs joined by commas.
    pub fn failed_sources(&self) -> Option<String> {
        let failed: Vec<String> = self
            .source_status
            .iter()
            .filter(|(_, status)| **status != SourceStatus::Ok)
            .map(|(source, status)| format!("{source}:{status}"))
            .collect();
        (!failed.is_empty()).then(|| failed.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_through_json() {
        let mut record = InvocationRecord {
            request_id: "r-1".into(),
            function: "mcp".into(),
            route: "POST /mcp".into(),
            action: "tools/call".into(),
            tool: Some("workplace_search".into()),
            mcp_server: MCP_SERVER.into(),
            status: 200,
            latency_ms: 1.5,
            sources: vec![SourceKind::Notion],
            ..InvocationRecord::default()
        };
        record
            .source_status
            .insert(SourceKind::Notion, SourceStatus::Timeout);
        record.fail(ErrorCode::RateLimited);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["type"], "invocation");
        assert_eq!(json["outcome"], "rate_limited");
        assert_eq!(json["error_code"], "rate_limited");
        assert_eq!(json["source_status"]["notion"], "timeout");
        assert!(json.get("query").is_none());
        let back: InvocationRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.failed_sources().as_deref(), Some("notion:timeout"));
    }

    #[test]
    fn a_reader_accepts_a_minimal_record() {
        let record: InvocationRecord = serde_json::from_str(
            r#"{"type":"invocation","timestamp":"t","request_id":"a","function":"health",
                "route":"GET /health","action":"health","status":200,"outcome":"ok","latency_ms":0.2}"#,
        )
        .unwrap();
        assert_eq!(record.outcome, Outcome::Ok);
        assert!(record.sources.is_empty());
    }
}
