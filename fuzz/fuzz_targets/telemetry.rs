//! A Telemetry API push to the Cequence extension (`workplace_wire::telemetry::parse`): a JSON
//! array of `{"time","type","record"}` entries from Lambda, including our functions' stdout.
//!
//! Invariants beyond "no panic":
//! - only invocation records are kept (read into the functions' record type, whose `type` is
//!   `invocation`), every report has a request id
//!   taken from the input;
//! - counts are bounded by the input: kept + malformed entries never exceed what the batch could
//!   hold, and the dropped total is the saturating sum of the `droppedRecords` read;
//! - round trip: the kept invocations, pushed again as `function` records, are kept again,
//!   identically (floats within a rounding error, see `json_eq`) and with nothing counted as
//!   malformed.
#![no_main]

mod json_eq;

use json_eq::same;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use workplace_wire::telemetry::{field, parse};

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    for record in &parsed.invocations {
        let written = serde_json::to_value(record).expect("a record serializes");
        assert_eq!(
            written.get(field::TYPE).and_then(Value::as_str),
            Some(field::INVOCATION)
        );
    }
    // Ids are JSON-decoded, so they can be found verbatim only in input without escapes.
    let text = String::from_utf8_lossy(data);
    if !text.contains('\\') {
        for report in &parsed.reports {
            assert!(text.contains(report.request_id.as_str()));
        }
    }
    let Ok(Value::Array(entries)) = serde_json::from_slice::<Value>(data) else {
        assert_eq!(parsed.malformed, 1);
        assert!(parsed.invocations.is_empty() && parsed.reports.is_empty());
        return;
    };
    // A string record may hold many lines; each line is at least `{` plus a newline.
    assert!(parsed.invocations.len() + parsed.reports.len() + parsed.malformed <= data.len());
    let mut dropped: u64 = 0;
    for entry in &entries {
        if entry.get("type").and_then(Value::as_str) == Some("platform.logsDropped") {
            if let Some(n) = entry
                .pointer("/record/droppedRecords")
                .and_then(Value::as_u64)
            {
                dropped = dropped.saturating_add(n);
            }
        }
    }
    assert_eq!(parsed.lambda_dropped, dropped);

    let again: Vec<Value> = parsed
        .invocations
        .iter()
        .map(|record| json!({"time": "2026-11-30T00:00:00Z", "type": "function", "record": record}))
        .collect();
    let reparsed = parse(Value::Array(again).to_string().as_bytes());
    assert_eq!(reparsed.invocations.len(), parsed.invocations.len());
    for (again, first) in reparsed.invocations.iter().zip(&parsed.invocations) {
        let (again, first) = (
            serde_json::to_value(again).expect("a record serializes"),
            serde_json::to_value(first).expect("a record serializes"),
        );
        assert!(same(&again, &first), "{again} != {first}");
    }
    assert_eq!(reparsed.malformed, 0);
});
