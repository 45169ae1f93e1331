//! What a source's failure means to a caller, decided once: the tool error code, the source's
//! status in the `sources` report (and the record and metrics), and how long to wait before
//! retrying. `workplace_search`, `fetch` and `add_comment` all report through [`classify`].

use workplace_connectors::SourceError;
use workplace_record::SourceStatus;

use crate::tool_result::ErrorCode;

/// A classified [`SourceError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    /// `structuredContent.error.code` of a tool that failed because of it.
    pub code: ErrorCode,
    /// The source's status.
    pub status: SourceStatus,
    /// When throttled: the seconds to wait (at least 1; 1 when the upstream did not say).
    pub retry_after_seconds: Option<u64>,
}

/// Classifies `err`.
pub fn classify(err: &SourceError) -> Classified {
    let (code, status, retry_after_seconds) = match err {
        SourceError::Timeout => (ErrorCode::Timeout, SourceStatus::Timeout, None),
        SourceError::RateLimited { retry_after } => (
            ErrorCode::RateLimited,
            SourceStatus::RateLimited,
            Some(retry_after.map_or(1, |wait| wait.as_secs().max(1))),
        ),
        SourceError::ReauthRequired { .. } => (
            ErrorCode::ReauthRequired,
            SourceStatus::ReauthRequired,
            None,
        ),
        SourceError::NotFound => (ErrorCode::NotFound, SourceStatus::Error, None),
        _ => (ErrorCode::Error, SourceStatus::Error, None),
    };
    Classified {
        code,
        status,
        retry_after_seconds,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn each_failure_has_one_code_status_and_retry_hint() {
        let cases = [
            (
                SourceError::Timeout,
                ErrorCode::Timeout,
                SourceStatus::Timeout,
                None,
            ),
            (
                SourceError::RateLimited {
                    retry_after: Some(Duration::from_millis(2_500)),
                },
                ErrorCode::RateLimited,
                SourceStatus::RateLimited,
                Some(2),
            ),
            (
                SourceError::RateLimited {
                    retry_after: Some(Duration::from_millis(10)),
                },
                ErrorCode::RateLimited,
                SourceStatus::RateLimited,
                Some(1),
            ),
            (
                SourceError::RateLimited { retry_after: None },
                ErrorCode::RateLimited,
                SourceStatus::RateLimited,
                Some(1),
            ),
            (
                SourceError::ReauthRequired {
                    message: "connect".into(),
                },
                ErrorCode::ReauthRequired,
                SourceStatus::ReauthRequired,
                None,
            ),
            (
                SourceError::NotFound,
                ErrorCode::NotFound,
                SourceStatus::Error,
                None,
            ),
            (
                SourceError::NotConfigured("Notion"),
                ErrorCode::Error,
                SourceStatus::Error,
                None,
            ),
            (
                SourceError::Upstream {
                    status: Some(500),
                    message: "boom".into(),
                    retryable: true,
                },
                ErrorCode::Error,
                SourceStatus::Error,
                None,
            ),
        ];
        for (err, code, status, retry) in cases {
            assert_eq!(
                classify(&err),
                Classified {
                    code,
                    status,
                    retry_after_seconds: retry
                },
                "{err:?}"
            );
        }
    }
}
