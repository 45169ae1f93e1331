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

use crate::buffer::{Drops, Entry};

/// Every field name of the invocation record the extension reads, in one place: the record is
/// written by `shared/service`; when it is read through a shared serde type, only this module
/// changes.
pub(crate) mod field {
    /// `type` and its value on invocation records (other JSON lines are logs or EMF): the batch
    /// parser in `workplace-wire` filters on them, and the test below ties them to the record.
    #[cfg(test)]
    pub(crate) use workplace_wire::telemetry::field::{INVOCATION, TYPE};
    pub(crate) const TIMESTAMP: &str = "timestamp";
    pub(crate) const REQUEST_ID: &str = "request_id";
    pub(crate) const TOOL: &str = "tool";
    pub(crate) const ACTION: &str = "action";
    pub(crate) const OUTCOME: &str = "outcome";
    pub(crate) const SOURCE_STATUS: &str = "source_status";
    pub(crate) const QUERY_LEN: &str = "query_len";
}

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

/// Record field -> log-record attribute, for the fields copied as they are.
const MAPPING: [(&str, &str); 17] = [
    (field::TOOL, "mcp.tool.name"),
    ("mcp_server", "mcp.server.name"),
    (field::ACTION, "mcp.method.name"),
    ("sub", "enduser.id"),
    ("client_id", "oauth.client_id"),
    ("client_ip", "client.address"),
    ("user_agent", "user_agent.original"),
    ("status", "http.response.status_code"),
    (field::OUTCOME, "workplace.outcome"),
    ("error_code", "error.type"),
    ("reason", "workplace.reason"),
    ("latency_ms", "workplace.duration_ms"),
    (field::REQUEST_ID, "faas.invocation_id"),
    ("route", "http.route"),
    ("result_count", "workplace.result_count"),
    ("sources", "workplace.sources"),
    ("query_hash", "workplace.query_hash"),
];

fn unix_nanos(timestamp: Option<&str>, now: OffsetDateTime) -> String {
    let parsed = timestamp.and_then(|t| {
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    });
    parsed.unwrap_or(now).unix_timestamp_nanos().to_string()
}

fn log_record(entry: &Entry, now: OffsetDateTime) -> Value {
    let record = &entry.record;
    let mut attributes: Vec<Value> = MAPPING
        .iter()
        .filter_map(|(field, key)| record.get(*field).and_then(|v| attribute(key, v)))
        .collect();
    if let Some(Value::Object(statuses)) = record.get(field::SOURCE_STATUS) {
        attributes.extend(statuses.iter().filter_map(|(source, status)| {
            attribute(&format!("workplace.source_status.{source}"), status)
        }));
    }
    if let Some(len) = record.get(field::QUERY_LEN) {
        attributes.extend(attribute("workplace.query_length", len));
    }
    if let Some(id) = record.get(field::REQUEST_ID) {
        attributes.extend(attribute("log.record.uid", id));
    }
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
    let outcome = record
        .get(field::OUTCOME)
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let (severity, text) = match outcome {
        "ok" => (9, "INFO"),
        "error" => (17, "ERROR"),
        _ => (13, "WARN"),
    };
    let body = format!(
        "{} {} {}",
        record
            .get(field::ACTION)
            .and_then(Value::as_str)
            .unwrap_or("request"),
        record
            .get(field::TOOL)
            .and_then(Value::as_str)
            .unwrap_or("-"),
        outcome
    );
    json!({
        "timeUnixNano": unix_nanos(record.get(field::TIMESTAMP).and_then(Value::as_str), now),
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

    /// The field names read here are the shared record type's (`workplace-record`): a field
    /// renamed there fails this test instead of silently emptying an attribute in Cequence.
    #[test]
    fn every_field_read_is_a_field_of_the_shared_record() {
        let written = serde_json::to_value(workplace_record::InvocationRecord::default()).unwrap();
        let Value::Object(written) = written else {
            panic!("a record serializes to an object")
        };
        let read = MAPPING.iter().map(|(name, _)| *name).chain([
            field::TYPE,
            field::TIMESTAMP,
            field::REQUEST_ID,
            field::TOOL,
            field::ACTION,
            field::OUTCOME,
            field::SOURCE_STATUS,
            field::QUERY_LEN,
        ]);
        for name in read {
            assert!(written.contains_key(name), "`{name}` is not a record field");
        }
        assert_eq!(written[field::TYPE], field::INVOCATION);
    }
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
        let failed = json!({"type": "invocation", "request_id": "r-2", "tool": "fetch", "action": "tools/call",
                             "status": 502, "outcome": "error", "error_code": "upstream_error"});
        let mut buffer = Buffer::new(10, 1 << 20);
        let now = Instant::now();
        buffer.push(record.as_object().unwrap().clone(), now);
        buffer.push(failed.as_object().unwrap().clone(), now);
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
