//! Reading upstream responses: bounded bodies, `Retry-After`, JSON into wire types, and each
//! API's errors classified into [`SourceError`].

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::SourceError;
use crate::retry::Failure;

/// The API whose error conventions apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Google,
    /// Google's Workspace MCP servers (HTTP-level errors; what a tool answers is read by
    /// `crate::mcp_upstream::classify`).
    GoogleMcp,
    Notion,
    Graph,
    Descope,
    OAuth,
}

impl Api {
    fn name(self) -> &'static str {
        match self {
            Self::Google => "Google Drive",
            Self::GoogleMcp => "Google's Workspace MCP server",
            Self::Notion => "Notion",
            Self::Graph => "Microsoft Graph",
            Self::Descope => "Descope",
            Self::OAuth => "the token endpoint",
        }
    }
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
    let (code, message) = error_detail(api, &body);
    let detail = match (code.as_deref(), message.as_deref()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let quota = matches!(
        code.as_deref(),
        Some("userRateLimitExceeded" | "rateLimitExceeded")
    );
    let error = match status {
        StatusCode::TOO_MANY_REQUESTS => SourceError::RateLimited { retry_after: wait },
        StatusCode::FORBIDDEN if matches!(api, Api::Google | Api::GoogleMcp) && quota => {
            SourceError::RateLimited { retry_after: wait }
        }
        s if s.as_u16() == 529 => SourceError::RateLimited { retry_after: wait },
        StatusCode::UNAUTHORIZED if api != Api::Descope => SourceError::ReauthRequired {
            message: format!(
                "{} rejected the user's credentials ({detail}). {reauth_hint}",
                api.name()
            ),
        },
        // An MCP endpoint answers 404 for a wrong URL or an unknown method, never for an item.
        StatusCode::NOT_FOUND if !matches!(api, Api::Descope | Api::GoogleMcp) => {
            SourceError::NotFound
        }
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

/// The machine code and message of an error body, per API.
fn error_detail(api: Api, body: &Value) -> (Option<String>, Option<String>) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    match api {
        Api::Google | Api::GoogleMcp => (
            s(body.pointer("/error/errors/0/reason")),
            s(body.pointer("/error/message")),
        ),
        Api::Notion => (s(body.get("code")), s(body.get("message"))),
        Api::Graph => (
            s(body.pointer("/error/code")),
            s(body.pointer("/error/message")),
        ),
        Api::Descope => (s(body.get("errorCode")), s(body.get("errorDescription"))),
        Api::OAuth => (s(body.get("error")), s(body.get("error_description"))),
    }
}
