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

const MAPPING: [(&str, &str); 17] = [
    ("tool", "mcp.tool.name"),
    ("mcp_server", "mcp.server.name"),
    ("action", "mcp.method.name"),
    ("sub", "enduser.id"),
    ("client_id", "oauth.client_id"),
    ("client_ip", "client.address"),
    ("user_agent", "user_agent.original"),
    ("status", "http.response.status_code"),
    ("outcome", "workplace.outcome"),
    ("error_code", "error.type"),
    ("reason", "workplace.reason"),
    ("latency_ms", "workplace.duration_ms"),
    ("request_id", "faas.invocation_id"),
    ("route", "http.route"),
    ("result_count", "workplace.result_count"),
    ("sources", "workplace.sources"),
    ("query_hash", "workplace.query_hash"),
];

fn unix_nanos(timestamp: Option<&str>) -> String {
    let parsed = timestamp.and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    });
    parsed
        .unwrap_or_else(time::OffsetDateTime::now_utc)
        .unix_timestamp_nanos()
        .to_string()
}

fn log_record(entry: &Entry) -> Value {
    let record = &entry.record;
    let mut attributes: Vec<Value> = MAPPING
        .iter()
        .filter_map(|(field, key)| record.get(*field).and_then(|v| attribute(key, v)))
        .collect();
    if let Some(Value::Object(statuses)) = record.get("source_status") {
        attributes.extend(statuses.iter().filter_map(|(source, status)| {
            attribute(&format!("workplace.source_status.{source}"), status)
        }));
    }
    if let Some(len) = record.get("query_len") {
        attributes.extend(attribute("workplace.query_length", len));
    }
    if let Some(id) = record.get("request_id") {
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
        .get("outcome")
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
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or("request"),
        record.get("tool").and_then(Value::as_str).unwrap_or("-"),
        outcome
    );
    json!({
        "timeUnixNano": unix_nanos(record.get("timestamp").and_then(Value::as_str)),
        "observedTimeUnixNano": unix_nanos(None),
        "severityNumber": severity,
        "severityText": text,
        "eventName": "mcp.tool_activity",
        "body": {"stringValue": body},
        "attributes": attributes,
    })
}

fn drop_record(drops: &Drops) -> Value {
    let count = |key: &str, n: u64| json!({"key": key, "value": {"intValue": n.to_string()}});
    json!({
        "timeUnixNano": unix_nanos(None),
        "observedTimeUnixNano": unix_nanos(None),
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
        ],
    })
}

/// The request body for `entries`, plus a record reporting `drops` when there were any.
pub(crate) fn encode(entries: &[Entry], drops: &Drops, resource: &Map<String, Value>) -> Value {
    let mut records: Vec<Value> = entries.iter().map(log_record).collect();
    if drops.total() > 0 {
        records.push(drop_record(drops));
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
