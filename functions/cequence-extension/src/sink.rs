//! Sending one OTLP batch: gzip, the API key header, and the classification of failures.
//! Retrying is the shipper's job; this module only says whether a retry may succeed.

use std::io::Write;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// Why a batch was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum SendError {
    /// 429, 5xx, timeout or connection failure: try again later.
    #[error("receiver unavailable: {reason}")]
    Retryable {
        /// What happened, without secrets.
        reason: String,
        /// `Retry-After`, when the receiver sent one.
        retry_after: Option<Duration>,
    },
    /// Any other 4xx: the batch will never be accepted.
    #[error("receiver refused the batch with HTTP {0}")]
    Rejected(u16),
    /// The body could not be compressed.
    #[error("could not encode the batch")]
    Encoding,
}

/// The OTLP receiver.
pub(crate) struct Sink {
    client: reqwest::Client,
    url: String,
    header: String,
    key: Option<SecretString>,
}

impl Sink {
    pub(crate) fn new(
        client: reqwest::Client,
        base_url: &str,
        header: String,
        key: Option<SecretString>,
    ) -> Self {
        Self {
            client,
            url: format!("{base_url}/v1/logs"),
            header,
            key,
        }
    }

    pub(crate) async fn send(&self, body: &Value, timeout: Duration) -> Result<(), SendError> {
        let mut gzip = GzEncoder::new(Vec::new(), Compression::fast());
        gzip.write_all(body.to_string().as_bytes())
            .map_err(|_| SendError::Encoding)?;
        let compressed = gzip.finish().map_err(|_| SendError::Encoding)?;
        let mut request = self
            .client
            .post(&self.url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(compressed);
        if let Some(key) = &self.key {
            let value = if self.header == "authorization" {
                format!("Bearer {}", key.expose_secret())
            } else {
                key.expose_secret().to_owned()
            };
            request = request.header(self.header.as_str(), value);
        }
        let response = request.send().await.map_err(|err| SendError::Retryable {
            reason: if err.is_timeout() {
                "timed out".into()
            } else {
                "could not connect".into()
            },
            retry_after: None,
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::Retryable {
                reason: format!("HTTP {}", status.as_u16()),
                retry_after,
            })
        } else {
            Err(SendError::Rejected(status.as_u16()))
        }
    }
}
