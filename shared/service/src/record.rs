//! The invocation record: one JSON line per request, the contract with the Cequence extension.
//!
//! Written straight to stdout (one `write` of one line) rather than through `tracing`, so the
//! extension and CloudWatch Logs Insights read a flat, stable schema. It never contains tokens or
//! secrets, and the query only as length and hash unless `LOG_QUERY_TEXT=true`.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use sha2::{Digest, Sha256};
use workplace_connectors::SourceKind;

/// The MCP server name reported in every record.
pub const MCP_SERVER: &str = "workplace-mcp";

/// One request's record. Field names are the extension's input schema; change them together.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InvocationRecord {
    /// Always `invocation`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// RFC 3339 with milliseconds, UTC.
    pub timestamp: String,
    /// The Lambda request id (matches the platform report).
    pub request_id: String,
    /// The function name (`health`, `list-tools`, `workplace-search`, `mcp`).
    pub function: &'static str,
    /// `METHOD path`.
    pub route: String,
    /// `tools/call`, `tools/list`, `health`, ...
    pub action: String,
    /// The tool called, when one was.
    pub tool: Option<String>,
    /// Always [`MCP_SERVER`].
    pub mcp_server: &'static str,
    /// The caller's `sub`, once authenticated.
    pub sub: Option<String>,
    /// The caller's client id, once authenticated.
    pub client_id: Option<String>,
    /// The caller's IP as API Gateway saw it.
    pub client_ip: Option<String>,
    /// The caller's User-Agent.
    pub user_agent: Option<String>,
    /// HTTP status returned.
    pub status: u16,
    /// `ok`, `tool_error`, `auth_failed`, `forbidden`, `rate_limited`, `invalid` or `error`.
    pub outcome: &'static str,
    /// The error code, when there was one.
    pub error_code: Option<String>,
    /// A short reason (auth failure reason, failed sources), never secret.
    pub reason: Option<String>,
    /// Time spent in the handler.
    pub latency_ms: f64,
    /// Results returned.
    pub result_count: Option<usize>,
    /// Sources touched.
    pub sources: Vec<SourceKind>,
    /// Status per source.
    pub source_status: BTreeMap<SourceKind, &'static str>,
    /// Query length in characters.
    pub query_len: Option<usize>,
    /// First 8 hex digits of the query's SHA-256: correlates repeated queries without revealing them.
    pub query_hash: Option<String>,
    /// The query itself, only with `LOG_QUERY_TEXT=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl InvocationRecord {
    /// Records a query's length and hash, and its text only when allowed.
    pub fn set_query(&mut self, query: &str, log_text: bool) {
        self.query_len = Some(query.chars().count());
        let digest = Sha256::digest(query.as_bytes());
        self.query_hash = Some(hex::encode(&digest[..4]));
        self.query = log_text.then(|| query.to_owned());
    }
}

/// Where records go.
pub trait RecordSink: Send + Sync {
    /// Writes one record.
    fn emit(&self, record: &InvocationRecord);
}

/// Standard output: what Lambda ships to CloudWatch and the Telemetry API. Each record is followed
/// by its CloudWatch EMF metric lines.
#[derive(Debug, Default)]
pub struct StdoutSink;

impl RecordSink for StdoutSink {
    fn emit(&self, record: &InvocationRecord) {
        let Ok(mut lines) = serde_json::to_vec(record) else {
            return;
        };
        lines.push(b'\n');
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        for doc in crate::metrics::emf_documents(record, u64::try_from(now_ms).unwrap_or(0)) {
            if serde_json::to_writer(&mut lines, &doc).is_ok() {
                lines.push(b'\n');
            }
        }
        // One write for all lines, so concurrent writers cannot interleave within them.
        let _ = std::io::stdout().lock().write_all(&lines);
    }
}

/// Keeps records in memory, for tests that assert on them.
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<InvocationRecord>>);

impl MemorySink {
    /// The records so far.
    pub fn records(&self) -> Vec<InvocationRecord> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl RecordSink for MemorySink {
    fn emit(&self, record: &InvocationRecord) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record.clone());
    }
}

/// Now, formatted for the record.
pub fn timestamp_now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_hashed_unless_allowed() {
        let mut record = InvocationRecord::default();
        record.set_query("quarterly budget", false);
        assert_eq!(record.query_len, Some(16));
        assert_eq!(record.query_hash.as_deref().map(str::len), Some(8));
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("quarterly"), "{json}");
        record.set_query("quarterly budget", true);
        assert!(
            serde_json::to_string(&record)
                .unwrap()
                .contains("quarterly budget")
        );
    }

    #[test]
    fn timestamps_are_rfc3339_with_milliseconds() {
        let ts = timestamp_now();
        assert!(
            time::OffsetDateTime::parse(&ts, &time::format_description::well_known::Rfc3339)
                .is_ok()
        );
        assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
    }
}
