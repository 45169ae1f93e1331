//! Reading Telemetry API batches: our functions' invocation records and Lambda's reports.
//!
//! Batches are parsed as plain JSON rather than as the `lambda-extension` crate's typed records:
//! that enum has no catch-all, so one record type it does not know would fail a whole batch. Here
//! an unknown or malformed entry is skipped and counted, and the rest of the batch is kept.
//!
//! Our own records are read into the type the functions write them with
//! ([`workplace_record::InvocationRecord`]): a field renamed there changes what is read here at
//! compile time, never silently. A line that says it is an invocation record but does not match
//! the type is counted as malformed.

use serde_json::{Map, Value};
use workplace_record::InvocationRecord;

/// The record field naming a JSON line's kind, and its value on invocation records (the
/// `workplace-record` contract; a test ties both to that type).
pub mod field {
    /// The field naming a JSON line's kind.
    pub const TYPE: &str = "type";
    /// The value of [`TYPE`] on invocation records (other JSON lines are logs or EMF).
    pub const INVOCATION: &str = "invocation";
}

/// The platform report of one invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The invocation's request id.
    pub request_id: String,
    /// `success`, `error`, `failure`, `timeout` (`unknown` when absent).
    pub status: String,
    /// `metrics.durationMs`.
    pub duration_ms: Option<f64>,
    /// `metrics.billedDurationMs`.
    pub billed_duration_ms: Option<f64>,
    /// `metrics.maxMemoryUsedMB`.
    pub max_memory_used_mb: Option<f64>,
    /// `metrics.initDurationMs` (cold starts only).
    pub init_duration_ms: Option<f64>,
}

/// What a batch held.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    /// Our functions' invocation records, in arrival order.
    pub invocations: Vec<InvocationRecord>,
    /// Lambda's `platform.report` of each invocation.
    pub reports: Vec<Report>,
    /// Entries that were not JSON objects or lacked required fields.
    pub malformed: usize,
    /// `droppedRecords` of `platform.logsDropped` entries: what Lambda could not deliver to us.
    pub lambda_dropped: u64,
}

/// Parses one pushed batch (a JSON array of `{"time","type","record"}`).
pub fn parse(body: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let Ok(Value::Array(entries)) = serde_json::from_slice::<Value>(body) else {
        parsed.malformed += 1;
        return parsed;
    };
    for entry in entries {
        match entry.get("type").and_then(Value::as_str) {
            Some("function") => match entry.get("record") {
                Some(Value::Object(record)) => keep_invocation(record.clone(), &mut parsed),
                // A function's stdout line; several lines may arrive in one record.
                Some(Value::String(text)) => {
                    for line in text.lines().filter(|l| l.trim_start().starts_with('{')) {
                        match serde_json::from_str::<Value>(line) {
                            Ok(Value::Object(record)) => keep_invocation(record, &mut parsed),
                            _ => parsed.malformed += 1,
                        }
                    }
                }
                _ => parsed.malformed += 1,
            },
            Some("platform.report") => match report(entry.get("record")) {
                Some(report) => parsed.reports.push(report),
                None => parsed.malformed += 1,
            },
            Some("platform.logsDropped") => {
                match entry
                    .pointer("/record/droppedRecords")
                    .and_then(Value::as_u64)
                {
                    Some(n) => {
                        let reason = entry
                            .pointer("/record/reason")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown");
                        tracing::warn!(
                            dropped = n,
                            reason,
                            "Lambda dropped telemetry records before delivering them"
                        );
                        // Counts come from the wire: saturate rather than overflow (a panic in
                        // debug builds, a wrapped count in release).
                        parsed.lambda_dropped = parsed.lambda_dropped.saturating_add(n);
                    }
                    None => parsed.malformed += 1,
                }
            }
            Some(_) => {}
            None => parsed.malformed += 1,
        }
    }
    parsed
}

fn keep_invocation(record: Map<String, Value>, parsed: &mut Parsed) {
    // Other JSON lines (tracing logs, EMF metrics) are not ours to ship.
    if record.get(field::TYPE).and_then(Value::as_str) != Some(field::INVOCATION) {
        return;
    }
    match serde_json::from_value::<InvocationRecord>(Value::Object(record)) {
        Ok(record) => parsed.invocations.push(record),
        Err(err) => {
            tracing::warn!(error = %err, "an invocation record does not match the record type");
            parsed.malformed += 1;
        }
    }
}

fn report(record: Option<&Value>) -> Option<Report> {
    let record = record?;
    let metric = |name: &str| {
        record
            .pointer(&format!("/metrics/{name}"))
            .and_then(Value::as_f64)
    };
    Some(Report {
        request_id: record.get("requestId")?.as_str()?.to_owned(),
        status: record
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned(),
        duration_ms: metric("durationMs"),
        billed_duration_ms: metric("billedDurationMs"),
        max_memory_used_mb: metric("maxMemoryUsedMB"),
        init_duration_ms: metric("initDurationMs"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the functions write it, with `request_id`.
    fn record(id: &str) -> Value {
        serde_json::to_value(InvocationRecord {
            request_id: id.into(),
            ..InvocationRecord::default()
        })
        .unwrap()
    }

    #[test]
    fn the_type_field_and_value_are_the_record_types() {
        let written = record("a");
        assert_eq!(written[field::TYPE], field::INVOCATION);
    }

    #[test]
    fn keeps_invocations_in_both_forms_and_reports_and_skips_the_rest() {
        let line = format!("{}\n{{\"_aws\":{{}}}}\n", record("b"));
        let batch = serde_json::json!([
            {"time": "2026-11-25T00:00:00Z", "type": "function", "record": record("a")},
            {"time": "2026-11-25T00:00:00Z", "type": "function", "record": line},
            // Says it is an invocation record, but is not one: malformed, not shipped.
            {"time": "2026-11-25T00:00:00Z", "type": "function", "record": {"type": "invocation", "request_id": "c"}},
            {"time": "2026-11-25T00:00:00Z", "type": "function", "record": "plain text log line"},
            {"time": "2026-11-25T00:00:00Z", "type": "platform.report",
             "record": {"requestId": "a", "status": "success", "metrics": {"durationMs": 12.5, "billedDurationMs": 13, "maxMemoryUsedMB": 40}}},
            {"time": "2026-11-25T00:00:00Z", "type": "platform.somethingNew", "record": {}},
            {"type": "platform.report", "record": {"status": "success"}},
            {"time": "2026-11-25T00:00:01Z", "type": "platform.logsDropped",
             "record": {"reason": "Consumer seems to have fallen behind", "droppedRecords": 7, "droppedBytes": 700}},
            {"time": "2026-11-25T00:00:01Z", "type": "platform.logsDropped", "record": {"droppedRecords": "x"}},
            42
        ]);
        let parsed = parse(batch.to_string().as_bytes());
        let ids: Vec<_> = parsed
            .invocations
            .iter()
            .map(|r| r.request_id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(parsed.reports[0].duration_ms, Some(12.5));
        assert_eq!(parsed.malformed, 4);
        assert_eq!(parsed.lambda_dropped, 7);
        assert_eq!(parse(b"not json").malformed, 1);
    }

    #[test]
    fn dropped_counts_saturate_instead_of_overflowing() {
        let batch = serde_json::json!([
            {"type": "platform.logsDropped", "record": {"droppedRecords": u64::MAX}},
            {"type": "platform.logsDropped", "record": {"droppedRecords": 2}},
        ]);
        let parsed = parse(batch.to_string().as_bytes());
        assert_eq!(parsed.lambda_dropped, u64::MAX);
        assert_eq!(parsed.malformed, 0);
    }
}
