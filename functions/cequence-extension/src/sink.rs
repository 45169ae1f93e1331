//! Sending one OTLP batch: gzip, the API key header, and the classification of answers as the
//! OTLP/HTTP specification says: 429, 502, 503 and 504 (and no answer at all) may succeed later,
//! honouring `Retry-After`; 401 and 403 mean the key is wrong or was rotated; every other status
//! means the batch will never be accepted. Retrying is the shipper's job.
//!
//! Redirects are never followed: the API key rides in a header on every request, and a receiver
//! (or anything in front of it) answering 307 would otherwise have the key sent to whichever host
//! it names. A 3xx is a failed delivery ([`SendError::Redirected`]).

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use flate2::Compression;
use flate2::write::GzEncoder;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::key::ApiKey;

/// Why a batch was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum SendError {
    /// 429, 502, 503, 504, a timeout or no connection: try again later.
    #[error("receiver unavailable: {reason}")]
    Retryable {
        /// What happened, without secrets.
        reason: String,
        /// `Retry-After`, when the receiver sent one.
        retry_after: Option<Duration>,
    },
    /// 401 or 403: the key is missing, wrong or rotated; the batch is kept for a new key.
    #[error("receiver refused the API key with HTTP {0}")]
    Unauthorized(u16),
    /// Any other status: the batch will never be accepted.
    #[error("receiver refused the batch with HTTP {0}")]
    Rejected(u16),
    /// 3xx: the receiver tried to send the batch (and the key) elsewhere; redirects are not
    /// followed, so the gateway URL is wrong and the batch is dropped and counted like a refusal.
    #[error("receiver answered with a redirect (HTTP {0}), which is not followed")]
    Redirected(u16),
    /// The body could not be compressed.
    #[error("could not encode the batch")]
    Encoding,
}

/// A boxed send future, so the shipper can run against a fake in tests.
pub(crate) type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Where batches go.
pub(crate) trait Transport: Send + Sync {
    /// Sends one OTLP JSON body, giving up after `timeout`.
    fn send<'a>(&'a self, body: &'a Value, timeout: Duration) -> SendFuture<'a>;
}

/// What one HTTP status means for a batch.
pub(crate) fn classify(status: u16, retry_after: Option<Duration>) -> Result<(), SendError> {
    match status {
        200..=299 => Ok(()),
        429 | 502 | 503 | 504 => Err(SendError::Retryable {
            reason: format!("HTTP {status}"),
            retry_after,
        }),
        300..=399 => Err(SendError::Redirected(status)),
        401 | 403 => Err(SendError::Unauthorized(status)),
        _ => Err(SendError::Rejected(status)),
    }
}

/// `Retry-After` as seconds or an HTTP date (a date in the past means now).
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The HTTP client for the receiver: no redirects (see the module doc), so the key goes only to
/// the configured gateway.
pub(crate) fn client(connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// The OTLP/HTTP receiver.
pub(crate) struct Sink {
    client: reqwest::Client,
    url: String,
    header: String,
    key: Arc<ApiKey>,
}

impl Sink {
    pub(crate) fn new(
        client: reqwest::Client,
        base_url: &str,
        header: String,
        key: Arc<ApiKey>,
    ) -> Self {
        Self {
            client,
            url: format!("{base_url}/v1/logs"),
            header,
            key,
        }
    }

    async fn post(&self, body: &Value, timeout: Duration) -> Result<(), SendError> {
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
        if let Some(key) = self.key.current() {
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
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        classify(response.status().as_u16(), wait)
    }
}

impl Transport for Sink {
    fn send<'a>(&'a self, body: &'a Value, timeout: Duration) -> SendFuture<'a> {
        Box::pin(self.post(body, timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_statuses_otlp_names_are_retried() {
        for status in [429, 502, 503, 504] {
            assert!(
                matches!(classify(status, None), Err(SendError::Retryable { .. })),
                "{status}"
            );
        }
        for status in [400, 404, 413, 500, 501, 505] {
            assert_eq!(classify(status, None), Err(SendError::Rejected(status)));
        }
        for status in [301, 302, 303, 307, 308] {
            assert_eq!(classify(status, None), Err(SendError::Redirected(status)));
        }
        for status in [401, 403] {
            assert_eq!(classify(status, None), Err(SendError::Unauthorized(status)));
        }
        assert_eq!(classify(200, None), Ok(()));
        assert_eq!(classify(204, None), Ok(()));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    /// A one-route receiver answering `status` (and `Retry-After`), recording the key header.
    async fn receiver(
        status: u16,
        retry: Option<&'static str>,
    ) -> (String, Arc<std::sync::Mutex<Vec<Option<String>>>>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let app = axum::Router::new().route(
            "/v1/logs",
            axum::routing::post(move |headers: axum::http::HeaderMap| {
                let record = Arc::clone(&record);
                async move {
                    record.lock().unwrap().push(
                        headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned),
                    );
                    let mut response = axum::http::Response::builder().status(status);
                    if let Some(value) = retry {
                        response = response.header("retry-after", value);
                    }
                    response.body(axum::body::Body::empty()).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{address}"), seen)
    }

    #[tokio::test]
    async fn statuses_retry_after_and_the_key_over_http() {
        let key = Arc::new(ApiKey::default());
        key.set(Some("k-1".to_owned().into()));
        let (url, seen) = receiver(503, Some("2")).await;
        let sink = Sink::new(
            reqwest::Client::new(),
            &url,
            "authorization".into(),
            Arc::clone(&key),
        );
        let body = serde_json::json!({"resourceLogs": []});
        assert_eq!(
            sink.send(&body, Duration::from_secs(10)).await,
            Err(SendError::Retryable {
                reason: "HTTP 503".into(),
                retry_after: Some(Duration::from_secs(2))
            })
        );
        assert_eq!(seen.lock().unwrap()[0].as_deref(), Some("Bearer k-1"));

        let (url, _) = receiver(500, None).await;
        let sink = Sink::new(reqwest::Client::new(), &url, "authorization".into(), key);
        assert_eq!(
            sink.send(&body, Duration::from_secs(10)).await,
            Err(SendError::Rejected(500))
        );
    }

    /// A receiver answering 307 towards another local server, which records any request and the
    /// key header it carries: nothing must reach it.
    #[tokio::test]
    async fn a_redirect_is_a_failed_delivery_and_the_key_never_follows_it() {
        let (elsewhere, seen_elsewhere) = receiver(200, None).await;
        let app = axum::Router::new().route(
            "/v1/logs",
            axum::routing::post(move || {
                let target = format!("{elsewhere}/v1/logs");
                async move {
                    axum::http::Response::builder()
                        .status(307)
                        .header("location", target)
                        .body(axum::body::Body::empty())
                        .unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });

        let key = Arc::new(ApiKey::default());
        key.set(Some("k-secret".to_owned().into()));
        let sink = Sink::new(
            client(Duration::from_secs(5)).unwrap(),
            &format!("http://{address}"),
            "authorization".into(),
            key,
        );
        let body = serde_json::json!({"resourceLogs": []});
        assert_eq!(
            sink.send(&body, Duration::from_secs(10)).await,
            Err(SendError::Redirected(307))
        );
        assert!(
            seen_elsewhere.lock().unwrap().is_empty(),
            "the redirect target was reached: {:?}",
            seen_elsewhere.lock().unwrap()
        );
    }
}
