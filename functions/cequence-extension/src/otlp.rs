//! OTLP/HTTP JSON encoding (`ExportLogsServiceRequest`), with Cequence's Tool Activity Event fields
//! as log-record attributes.
//!
//! | invocation record | attribute |
//! |---|---|
//! | `tool` | `mcp.tool.name` |
//! | `mcp_server` | `mcp.server.name` |
//! | `action` | `mcp.method.name` |
//! | `sub` | `enduser.id` |
//! | `client_id` | `oauth.client_id` |
//! | `client_ip` | `client.address` |
//! | `user_agent` | `user_agent.original` |
//! | `status` | `http.response.status_code` |
//! | `outcome` | `workplace.outcome` (`ok`, `tool_error`, `auth_failed`, `forbidden`, `rate_limited`, ...) |
//! | `error_code` | `error.type` |
//! | `reason` | `workplace.reason` |
//! | `latency_ms` | `workplace.duration_ms` |
//! | `request_id` | `faas.invocation_id` (also the record's `log.record.uid`, for deduplication) |
//! | `function`, `route` | `faas.name`, `http.route` |
//! | `result_count`, `sources`, `source_status`, `query_len`, `query_hash` | `workplace.*` |
//! | platform report | `faas.duration_ms`, `faas.billed_duration_ms`, `faas.max_memory_used_mb`, `faas.init_duration_ms`, `faas.status` |

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use workplace_record::InvocationRecord;

use crate::buffer::{Drops, Entry};

fn attribute(key: &str, value: &Value) -> Option<Value> {
    let typed = match value {
        Value::String(s) => json!({"stringValue": s}),
        Value::Bool(b) => json!({"boolValue": b}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"intValue": n.to_string()}),
        Value::Number(n) => json!({"doubleValue": n.as_f64()}),
        Value::Array(items) => {
            json!({"arrayValue": {"values": items.iter().filter_map(|v| attribute("", v)).map(|a| a["value"].clone()).collect::<Vec<_>>()}})
        }
        Value::Null | Value::Object(_) => return None,
    };
    Some(json!({"key": key, "value": typed}))
}

fn string(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

fn int(key: &str, value: u64) -> Value {
    json!({"key": key, "value": {"intValue": value.to_string()}})
}

fn double(key: &str, value: f64) -> Value {
    json!({"key": key, "value": {"doubleValue": value}})
}

/// The record's fields as log-record attributes, in the order of the table above. The record is
/// the functions' own type, so a renamed or retyped field fails to compile here.
fn record_attributes(record: &InvocationRecord) -> Vec<Value> {
    let optional = |key: &str, value: &Option<String>| value.as_deref().map(|v| string(key, v));
    let mut attributes: Vec<Value> = [
        optional("mcp.tool.name", &record.tool),
        Some(string("mcp.server.name", &record.mcp_server)),
        Some(string("mcp.method.name", &record.action)),
        optional("enduser.id", &record.sub),
        optional("oauth.client_id", &record.client_id),
        optional("client.address", &record.client_ip),
        optional("user_agent.original", &record.user_agent),
        Some(int("http.response.status_code", record.status.into())),
        Some(string("workplace.outcome", record.outcome.as_str())),
        record.error_code.map(|code| string("error.type", code.as_str())),
        optional("workplace.reason", &record.reason),
        Some(double("workplace.duration_ms", record.latency_ms)),
        Some(string("faas.invocation_id", &record.request_id)),
        Some(string("http.route", &record.route)),
        record
            .result_count
            .map(|n| int("workplace.result_count", n as u64)),
        Some(json!({"key": "workplace.sources", "value": {"arrayValue": {"values":
            record.sources.iter().map(|s| json!({"stringValue": s.as_str()})).collect::<Vec<_>>()}}})),
        optional("workplace.query_hash", &record.query_hash),
    ]
    .into_iter()
    .flatten()
    .collect();
    attributes.extend(record.source_status.iter().map(|(source, status)| {
        string(
            &format!("workplace.source_status.{}", source.as_str()),
            status.as_str(),
        )
    }));
    if let Some(len) = record.query_len {
        attributes.push(int("workplace.query_length", len as u64));
    }
    attributes.push(string("log.record.uid", &record.request_id));
    attributes
}

fn unix_nanos(timestamp: Option<&str>, now: OffsetDateTime) -> String {
    let parsed = timestamp.and_then(|t| {
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    });
    parsed.unwrap_or(now).unix_timestamp_nanos().to_string()
}

fn log_record(entry: &Entry, now: OffsetDateTime) -> Value {
    let record = &entry.record;
    let mut attributes = record_attributes(record);
    if let Some(report) = &entry.report {
        let metrics = [
            ("faas.duration_ms", report.duration_ms),
            ("faas.billed_duration_ms", report.billed_duration_ms),
            ("faas.max_memory_used_mb", report.max_memory_used_mb),
            ("faas.init_duration_ms", report.init_duration_ms),
        ];
        attributes.extend(
            metrics
                .iter()
                .filter_map(|(k, v)| v.map(|v| json!({"key": k, "value": {"doubleValue": v}}))),
        );
        attributes.extend(attribute(
            "faas.status",
            &Value::String(report.status.clone()),
        ));
    }
    let outcome = record.outcome.as_str();
    let (severity, text) = match outcome {
        "ok" => (9, "INFO"),
        "error" => (17, "ERROR"),
        _ => (13, "WARN"),
    };
    let body = format!(
        "{} {} {}",
        record.action,
        record.tool.as_deref().unwrap_or("-"),
        outcome
    );
    json!({
        "timeUnixNano": unix_nanos(Some(&record.timestamp), now),
        "observedTimeUnixNano": unix_nanos(None, now),
        "severityNumber": severity,
        "severityText": text,
        "eventName": "mcp.tool_activity",
        "body": {"stringValue": body},
        "attributes": attributes,
    })
}

fn drop_record(drops: &Drops, now: OffsetDateTime) -> Value {
    let count = |key: &str, n: u64| json!({"key": key, "value": {"intValue": n.to_string()}});
    json!({
        "timeUnixNano": unix_nanos(None, now),
        "observedTimeUnixNano": unix_nanos(None, now),
        "severityNumber": 13,
        "severityText": "WARN",
        "eventName": "workplace.extension.dropped_records",
        "body": {"stringValue": format!("the extension dropped {} records since its last shipment", drops.total())},
        "attributes": [
            count("workplace.dropped_records", drops.total()),
            count("workplace.dropped_records.buffer_full", drops.buffer_full),
            count("workplace.dropped_records.rejected", drops.rejected),
            count("workplace.dropped_records.expired", drops.expired),
            count("workplace.dropped_records.malformed", drops.malformed),
            count("workplace.dropped_records.telemetry_api", drops.telemetry_api),
        ],
    })
}

/// The request body for `entries`, plus a record reporting `drops` when there were any. `now`
/// is the observed time (and the time of records without a timestamp).
pub(crate) fn encode(
    entries: &[Entry],
    drops: &Drops,
    resource: &Map<String, Value>,
    now: OffsetDateTime,
) -> Value {
    let mut records: Vec<Value> = entries.iter().map(|e| log_record(e, now)).collect();
    if drops.total() > 0 {
        records.push(drop_record(drops, now));
    }
    let resource_attributes: Vec<Value> = resource
        .iter()
        .filter_map(|(k, v)| attribute(k, v))
        .collect();
    json!({"resourceLogs": [{
        "resource": {"attributes": resource_attributes},
        "scopeLogs": [{
            "scope": {"name": "workplace-mcp.cequence-extension", "version": env!("CARGO_PKG_VERSION")},
            "logRecords": records,
        }],
    }]})
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tokio::time::Instant;

    use super::*;

    use crate::buffer::Buffer;
    use crate::telemetry::Report;

    /// The golden file is the exact body sent to the receiver; regenerate it with
    /// `UPDATE_GOLDEN=1 cargo test -p cequence-extension` after a deliberate change, and review it.
    #[test]
    fn encoding_matches_the_golden_file() {
        let record = json!({
            "type": "invocation", "timestamp": "2026-11-25T01:02:03.456Z", "request_id": "r-1",
            "function": "workplace-search", "route": "POST /mcp/tools/workplace_search/call",
            "action": "tools/call", "tool": "workplace_search", "mcp_server": "workplace-mcp",
            "sub": "user-42", "client_id": "cursor", "client_ip": "203.0.113.9", "user_agent": "curl/8",
            "status": 200, "outcome": "ok", "error_code": null, "reason": null, "latency_ms": 12.5,
            "result_count": 3, "sources": ["google_drive", "notion"],
            "source_status": {"google_drive": "ok", "notion": "timeout"},
            "query_len": 16, "query_hash": "3f2a9c1e"
        });
        let failed = json!({"type": "invocation", "timestamp": "2026-11-25T01:02:04.000Z",
                             "request_id": "r-2", "function": "mcp", "route": "POST /mcp",
                             "action": "tools/call", "tool": "fetch", "mcp_server": "workplace-mcp",
                             "status": 500, "outcome": "error", "error_code": "internal_error",
                             "latency_ms": 30.0});
        let mut buffer = Buffer::new(10, 1 << 20);
        let now = Instant::now();
        for record in [record, failed] {
            buffer.push(serde_json::from_value(record).unwrap(), now);
        }
        buffer.attach(Report {
            request_id: "r-1".into(),
            status: "success".into(),
            duration_ms: Some(13.25),
            billed_duration_ms: Some(14.0),
            max_memory_used_mb: Some(41.0),
            init_duration_ms: None,
        });
        let entries = buffer.take(10, now, std::time::Duration::ZERO, true);
        let drops = Drops {
            buffer_full: 1,
            rejected: 2,
            expired: 0,
            malformed: 3,
            telemetry_api: 4,
        };
        let mut resource = Map::new();
        resource.insert("service.name".into(), json!("workplace-mcp"));
        resource.insert("faas.name".into(), json!("workplace-search"));
        let observed = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let body = encode(&entries, &drops, &resource, observed);
        let text = serde_json::to_string_pretty(&body)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "<version>")
            + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/otlp_golden.json");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        assert_eq!(text, std::fs::read_to_string(path).unwrap());
    }
}
