//! Each upstream's error bodies, as its documentation shows them.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::{Fault, FaultAnswer};

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

/// The answer to an injected fault in a fake's dialect, with the `Retry-After` of a throttle.
pub(crate) fn injected(dialect: FaultAnswer, fault: Fault) -> Response {
    let mut response = dialect(fault);
    if let Some(seconds) = fault.retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

/// A fault in the dialect of Google's APIs: Drive's REST API, the Workspace MCP servers, and any
/// route no fake names.
pub(crate) fn google_fault(fault: Fault) -> Response {
    match fault.status {
        403 if fault.drive_quota => google(
            403,
            "usageLimits",
            "userRateLimitExceeded",
            "User Rate Limit Exceeded. Rate of requests for user exceed configured project quota.",
            None,
        ),
        429 => google(
            429,
            "usageLimits",
            "rateLimitExceeded",
            "Rate Limit Exceeded",
            None,
        ),
        401 => google(
            401,
            "global",
            "authError",
            "Invalid Credentials",
            Some("Authorization"),
        ),
        s => google(s, "global", "backendError", "Backend Error", None),
    }
}

/// A fault at Google's OAuth token endpoint.
pub(crate) fn google_oauth_fault(fault: Fault) -> Response {
    json_status(
        fault.status,
        json!({"error": "internal_failure", "error_description": "Internal failure"}),
    )
}

/// A fault in Microsoft Graph's dialect (SharePoint, the Outlook calendar).
pub(crate) fn graph_fault(fault: Fault) -> Response {
    match fault.status {
        429 => graph(
            429,
            "TooManyRequests",
            "Too many requests from Identifier under category:throttle. Please try again later.",
        ),
        401 => graph(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        ),
        503 => graph(
            503,
            "serviceNotAvailable",
            "The service is temporarily unavailable.",
        ),
        s => graph(s, "generalException", "The call failed, please try again."),
    }
}

/// A fault at the Microsoft identity platform's token endpoint.
pub(crate) fn microsoft_oauth_fault(fault: Fault) -> Response {
    json_status(
        fault.status,
        json!({"error": "temporarily_unavailable", "error_description": "AADSTS50196: The server is busy."}),
    )
}

/// A fault in Descope's management API.
pub(crate) fn descope_fault(fault: Fault) -> Response {
    match fault.status {
        429 => descope(429, "E130429", "Too many requests", "Rate limit exceeded"),
        s => descope(s, "E000500", "Internal error", "Internal service error"),
    }
}
