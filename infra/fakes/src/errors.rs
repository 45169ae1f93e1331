//! Each upstream's error bodies, as its documentation shows them.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Which API's error conventions apply.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dialect {
    /// Google APIs (`{"error":{"code","message","errors":[...]}}`).
    Google,
    /// Google's OAuth token endpoint (`{"error","error_description"}`).
    GoogleOAuth,
    /// Notion (`{"object":"error","status","code","message"}`).
    Notion,
    /// Microsoft Graph (OData error).
    Graph,
    /// Microsoft Graph on a mailbox (`/me/messages`): throttled as `ApplicationThrottled`.
    Mailbox,
    /// Microsoft identity platform token endpoint.
    MicrosoftOAuth,
    /// Descope management API.
    Descope,
    /// A fake that answers its own faults ([`crate::FakeKnobs::fault`]).
    Upstream(fn(u16, Option<u64>) -> Response),
}

/// A JSON response with a status.
pub(crate) fn json_status(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

fn request_id() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A Google API error with one `errors[]` entry.
pub(crate) fn google(
    status: u16,
    domain: &str,
    reason: &str,
    message: &str,
    location: Option<&str>,
) -> Response {
    let mut item = json!({"domain": domain, "reason": reason, "message": message});
    if let Some(location) = location {
        item["location"] = json!(location);
        item["locationType"] = json!("parameter");
    }
    json_status(
        status,
        json!({"error": {"code": status, "message": message, "errors": [item]}}),
    )
}

/// A Notion error.
pub(crate) fn notion(status: u16, code: &str, message: &str) -> Response {
    json_status(
        status,
        json!({"object": "error", "status": status, "code": code, "message": message, "request_id": request_id()}),
    )
}

/// A Microsoft Graph error.
pub(crate) fn graph(status: u16, code: &str, message: &str) -> Response {
    let id = request_id();
    json_status(
        status,
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2026-11-25T00:00:00", "request-id": id, "client-request-id": id}}}),
    )
}

/// A Descope error.
pub(crate) fn descope(status: u16, code: &str, description: &str, message: &str) -> Response {
    json_status(
        status,
        json!({"errorCode": code, "errorDescription": description, "errorMessage": message, "message": message}),
    )
}

/// The response of an injected fault, in `dialect`.
pub(crate) fn injected(
    dialect: Dialect,
    status: u16,
    retry_after: Option<u64>,
    drive_quota: bool,
) -> Response {
    let mut response = match (dialect, status) {
        (Dialect::Google, 403) if drive_quota => google(
            403,
            "usageLimits",
            "userRateLimitExceeded",
            "User Rate Limit Exceeded. Rate of requests for user exceed configured project quota.",
            None,
        ),
        (Dialect::Google, 429) => google(
            429,
            "usageLimits",
            "rateLimitExceeded",
            "Rate Limit Exceeded",
            None,
        ),
        (Dialect::Google, 401) => google(
            401,
            "global",
            "authError",
            "Invalid Credentials",
            Some("Authorization"),
        ),
        (Dialect::Google, s) => google(s, "global", "backendError", "Backend Error", None),
        (Dialect::GoogleOAuth, s) => json_status(
            s,
            json!({"error": "internal_failure", "error_description": "Internal failure"}),
        ),
        (Dialect::Notion, 429) => notion(
            429,
            "rate_limited",
            "You have been rate limited. Please try again in a few minutes.",
        ),
        (Dialect::Notion, 401) => notion(401, "unauthorized", "API token is invalid."),
        (Dialect::Notion, 503) => notion(
            503,
            "service_unavailable",
            "Notion is unavailable, please try again later.",
        ),
        (Dialect::Notion, s) => notion(s, "internal_server_error", "Unexpected error occurred."),
        (Dialect::Mailbox, 429) => graph(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
        ),
        (Dialect::Mailbox, s) => return injected(Dialect::Graph, s, retry_after, drive_quota),
        (Dialect::Graph, 429) => graph(
            429,
            "TooManyRequests",
            "Too many requests from Identifier under category:throttle. Please try again later.",
        ),
        (Dialect::Graph, 401) => graph(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        ),
        (Dialect::Graph, 503) => graph(
            503,
            "serviceNotAvailable",
            "The service is temporarily unavailable.",
        ),
        (Dialect::Graph, s) => graph(s, "generalException", "The call failed, please try again."),
        (Dialect::MicrosoftOAuth, s) => json_status(
            s,
            json!({"error": "temporarily_unavailable", "error_description": "AADSTS50196: The server is busy."}),
        ),
        (Dialect::Descope, 429) => {
            descope(429, "E130429", "Too many requests", "Rate limit exceeded")
        }
        (Dialect::Descope, s) => descope(s, "E000500", "Internal error", "Internal service error"),
        (Dialect::Upstream(fault), s) => fault(s, retry_after),
    };
    if let Some(seconds) = retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert("retry-after", value);
    }
    response
}
