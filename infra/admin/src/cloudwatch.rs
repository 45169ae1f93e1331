//! Reading the invocation records from CloudWatch Logs, for `workplace-admin usage` in AWS: the
//! same JSON lines `make dev` writes locally, from the functions' log groups.

use aws_sdk_cloudwatchlogs::Client;

/// Most records one report reads; a longer window is cut here, and the report says so.
pub(crate) const MAX_RECORDS: usize = 1_000_000;

/// Only the invocation records, matched by CloudWatch before they are sent.
const PATTERN: &str = r#"{ $.type = "invocation" }"#;

/// What was read: the records' lines, and whether the cap cut the window.
pub(crate) struct Read {
    pub(crate) text: String,
    pub(crate) truncated: bool,
}

/// Every invocation record in `groups` since `start_ms` (milliseconds since the epoch).
pub(crate) async fn read(
    client: &Client,
    groups: &[String],
    start_ms: i64,
) -> Result<Read, aws_sdk_cloudwatchlogs::Error> {
    let mut text = String::new();
    let mut count = 0;
    for group in groups {
        let mut pages = client
            .filter_log_events()
            .log_group_name(group)
            .start_time(start_ms)
            .filter_pattern(PATTERN)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for event in page?.events() {
                if count == MAX_RECORDS {
                    return Ok(Read {
                        text,
                        truncated: true,
                    });
                }
                if let Some(message) = event.message() {
                    text.push_str(message.trim_end());
                    text.push('\n');
                    count += 1;
                }
            }
        }
    }
    Ok(Read {
        text,
        truncated: false,
    })
}
