//! Reading upstream responses: bounded bodies, `Retry-After`, JSON into wire types, and each
//! API's errors classified into [`SourceError`].

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::SourceError;
use crate::retry::Failure;

/// An API's error conventions: what it is called in messages, where its error bodies keep their
/// machine code and message, and which of its statuses mean what. A source's dialect lives in its
/// folder (`<source>/dialect.rs`); the token endpoints the shared brokers call are here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Api {
    /// The API's name in messages.
    pub(crate) name: &'static str,
    /// The machine code and message of an error body.
    pub(crate) detail: fn(&Value) -> (Option<String>, Option<String>),
    /// Error codes that make a 403 a throttle (Google answers quota errors with 403).
    pub(crate) quota_codes: &'static [&'static str],
    /// Whether a 401 means the user's credentials and a 404 the item (`false` for a broker's
    /// own API, where both mean the server's configuration).
    pub(crate) user_facing: bool,
}

impl Api {
    /// Descope's management API (the outbound-token broker).
    pub(crate) const DESCOPE: Self = Self {
        name: "Descope",
        detail: |body| (text(body, "/errorCode"), text(body, "/errorDescription")),
        quota_codes: &[],
        user_facing: false,
    };

    /// An OAuth 2.0 token endpoint (RFC 6749 section 5.2).
    pub(crate) const OAUTH: Self = Self {
        name: "the token endpoint",
        detail: |body| (text(body, "/error"), text(body, "/error_description")),
        quota_codes: &[],
        user_facing: true,
    };

    fn name(self) -> &'static str {
        self.name
    }
}

/// The string at `pointer` in an error body.
pub(crate) fn text(body: &Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Largest JSON body read from an upstream.
pub(crate) const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;

/// A transport failure (connection refused, reset, timeout).
pub(crate) fn transport(api: Api, err: &reqwest::Error) -> Failure {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    SourceError::Upstream {
        status: None,
        message: format!("{}: {what}", api.name()),
        retryable: true,
    }
    .into()
}

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(3600.0)));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Reads at most `limit` bytes of the body; `None` means it was longer.
pub(crate) async fn bounded_bytes(
    mut response: Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(out.len());
        if chunk.len() > room {
            out.extend_from_slice(&chunk[..room]);
            return Ok((out, true));
        }
        out.extend_from_slice(&chunk);
    }
    Ok((out, false))
}

/// Parses a JSON body, bounded, into the wire type `T`.
pub(crate) async fn json<T: DeserializeOwned>(api: Api, response: Response) -> Result<T, Failure> {
    let (bytes, cut) = bounded_bytes(response, MAX_JSON_BYTES)
        .await
        .map_err(|e| transport(api, &e))?;
    if cut {
        return Err(SourceError::InvalidResponse(format!(
            "{} answered more than {MAX_JSON_BYTES} bytes",
            api.name()
        ))
        .into());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        // Position and category only: serde's message can quote the body, which may hold a token.
        SourceError::InvalidResponse(format!(
            "{} answered unexpected JSON ({:?} error at line {}, column {})",
            api.name(),
            e.classify(),
            e.line(),
            e.column()
        ))
        .into()
    })
}

/// Turns an unsuccessful response into a classified failure.
pub(crate) async fn failure(api: Api, response: Response, reauth_hint: &str) -> Failure {
    let status = response.status();
    let wait = retry_after(&response);
    let body: Value = match bounded_bytes(response, 64 * 1024).await {
        Ok((bytes, _)) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let (code, message) = (api.detail)(&body);
    let detail = match (code.as_deref(), message.as_deref()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let quota = code
        .as_deref()
        .is_some_and(|code| api.quota_codes.contains(&code));
    let error = match status {
        StatusCode::TOO_MANY_REQUESTS => SourceError::RateLimited { retry_after: wait },
        StatusCode::FORBIDDEN if quota => SourceError::RateLimited { retry_after: wait },
        s if s.as_u16() == 529 => SourceError::RateLimited { retry_after: wait },
        StatusCode::UNAUTHORIZED if api.user_facing => SourceError::ReauthRequired {
            message: format!(
                "{} rejected the user's credentials ({detail}). {reauth_hint}",
                api.name()
            ),
        },
        StatusCode::NOT_FOUND if api.user_facing => SourceError::NotFound,
        s => SourceError::Upstream {
            status: Some(s.as_u16()),
            message: format!("{} answered HTTP {}: {detail}", api.name(), s.as_u16()),
            retryable: s.is_server_error(),
        },
    };
    Failure {
        error,
        retry_after: wait,
    }
}
