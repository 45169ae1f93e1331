//! CloudWatch Embedded Metric Format lines derived from invocation records.
//!
//! Lambda ships stdout to CloudWatch Logs, which turns EMF lines into metrics with no agent and no
//! API call on the request path. These give the seed's dashboard and alarms (requests, errors,
//! latency percentiles, tool usage, per-source status, rate-limit hits, the shared cache's hit
//! rate and bytes per part).

use serde_json::{Map, Value, json};

use workplace_record::Outcome;

use crate::record::InvocationRecord;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "WorkplaceMcp";

/// The EMF documents for one record: one per request, plus one per source touched.
pub fn emf_documents(record: &InvocationRecord, timestamp_ms: u64) -> Vec<Value> {
    // Only tools the server offers reach `record.tool` (set after authentication), so callers
    // cannot mint dimensions.
    let tool = record.tool.as_deref().unwrap_or("none");
    let error = record.status >= 500 || record.outcome.is_service_error();
    let mut docs = vec![json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Function"], ["Function", "Tool"]],
                "Metrics": [
                    {"Name": "Requests", "Unit": "Count"},
                    {"Name": "Errors", "Unit": "Count"},
                    {"Name": "ToolErrors", "Unit": "Count"},
                    {"Name": "AuthFailures", "Unit": "Count"},
                    {"Name": "RateLimited", "Unit": "Count"},
                    {"Name": "LimiterBypassed", "Unit": "Count"},
                    {"Name": "Latency", "Unit": "Milliseconds"}
                ]
            }]
        },
        "Function": record.function,
        "Tool": tool,
        "Requests": 1,
        "Errors": u8::from(error),
        "ToolErrors": u8::from(record.outcome == Outcome::ToolError),
        "AuthFailures": u8::from(matches!(record.outcome, Outcome::AuthFailed | Outcome::Forbidden)),
        "RateLimited": u8::from(record.outcome == Outcome::RateLimited),
        "LimiterBypassed": u8::from(record.limiter_bypassed),
        "Latency": record.latency_ms,
        "request_id": record.request_id,
    })];
    for (source, status) in &record.source_status {
        let mut doc = Map::new();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Source", "Status"]],
                    "Metrics": [{"Name": "SourceCalls", "Unit": "Count"}]
                }]
            }),
        );
        doc.insert("Source".into(), json!(source));
        doc.insert("Status".into(), json!(status));
        doc.insert("SourceCalls".into(), json!(1));
        docs.push(Value::Object(doc));
    }
    if let Some(cache) = &record.cache {
        for (part, used) in [("token", cache.token), ("text", cache.text)] {
            docs.push(json!({
                "_aws": {
                    "Timestamp": timestamp_ms,
                    "CloudWatchMetrics": [{
                        "Namespace": NAMESPACE,
                        "Dimensions": [["CachePart"]],
                        "Metrics": [
                            {"Name": "CacheReads", "Unit": "Count"},
                            {"Name": "CacheHits", "Unit": "Count"},
                            {"Name": "CacheWrites", "Unit": "Count"},
                            {"Name": "CacheFaults", "Unit": "Count"},
                            {"Name": "CacheBytesRead", "Unit": "Bytes"},
                            {"Name": "CacheBytesWritten", "Unit": "Bytes"}
                        ]
                    }]
                },
                "CachePart": part,
                "CacheReads": used.reads,
                "CacheHits": used.hits,
                "CacheWrites": used.writes,
                "CacheFaults": used.faults,
                "CacheBytesRead": used.bytes_read,
                "CacheBytesWritten": used.bytes_written,
            }));
        }
    }
    docs
}

#[cfg(test)]
mod tests {
    use workplace_record::{SourceKind, SourceStatus};

    use super::*;

    #[test]
    fn one_document_per_request_and_per_source() {
        let mut record = InvocationRecord {
            function: "workplace-search".into(),
            tool: Some("workplace_search".into()),
            status: 200,
            outcome: Outcome::Ok,
            latency_ms: 12.5,
            ..InvocationRecord::default()
        };
        record
            .source_status
            .insert(SourceKind::Notion, SourceStatus::Timeout);
        record
            .source_status
            .insert(SourceKind::GoogleDrive, SourceStatus::Ok);
        let docs = emf_documents(&record, 1_700_000_000_000);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0]["Requests"], 1);
        assert_eq!(docs[0]["Errors"], 0);
        assert_eq!(docs[0]["Latency"], 12.5);
        assert_eq!(
            docs[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            NAMESPACE
        );
        let notion = docs.iter().find(|d| d["Source"] == "notion").unwrap();
        assert_eq!(notion["Status"], "timeout");
        // Every metric named in the directive has a value in the document, as EMF requires.
        for doc in &docs {
            for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
            {
                let name = metric["Name"].as_str().unwrap();
                assert!(
                    doc.get(name).is_some_and(Value::is_number),
                    "{name} missing"
                );
            }
        }
    }

    #[test]
    fn a_call_that_used_the_shared_cache_has_one_document_per_part() {
        let mut record = InvocationRecord::default();
        assert_eq!(emf_documents(&record, 0).len(), 1);
        record.cache = Some(workplace_record::CacheUse {
            token: workplace_record::CachePartUse {
                reads: 2,
                hits: 2,
                ..Default::default()
            },
            text: workplace_record::CachePartUse {
                reads: 5,
                hits: 3,
                writes: 2,
                bytes_read: 900,
                bytes_written: 700,
                ..Default::default()
            },
        });
        let docs = emf_documents(&record, 0);
        let text = docs.iter().find(|d| d["CachePart"] == "text").unwrap();
        assert_eq!(
            (
                text["CacheHits"].as_u64(),
                text["CacheBytesWritten"].as_u64()
            ),
            (Some(3), Some(700))
        );
        let token = docs.iter().find(|d| d["CachePart"] == "token").unwrap();
        assert_eq!(token["CacheReads"], 2);
        for doc in &docs[1..] {
            for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
            {
                assert!(doc[metric["Name"].as_str().unwrap()].is_number());
            }
        }
    }

    #[test]
    fn server_errors_and_rate_limits_are_counted() {
        let record = InvocationRecord {
            status: 429,
            outcome: Outcome::RateLimited,
            limiter_bypassed: false,
            ..InvocationRecord::default()
        };
        let doc = &emf_documents(&record, 0)[0];
        assert_eq!(
            (doc["Errors"].as_u64(), doc["RateLimited"].as_u64()),
            (Some(0), Some(1))
        );
        let record = InvocationRecord {
            status: 500,
            outcome: Outcome::Error,
            ..InvocationRecord::default()
        };
        assert_eq!(emf_documents(&record, 0)[0]["Errors"], 1);
        let record = InvocationRecord {
            status: 200,
            limiter_bypassed: true,
            ..InvocationRecord::default()
        };
        let doc = &emf_documents(&record, 0)[0];
        assert_eq!(
            (doc["LimiterBypassed"].as_u64(), doc["Errors"].as_u64()),
            (Some(1), Some(0))
        );
    }
}
