//! The middleware that names routes, logs requests and injects faults; and the `/_fake` control API.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::errors::{self, google_fault};
use crate::errors::{descope_fault, google_oauth_fault, microsoft_oauth_fault};
use crate::state::{FakeState, Knob, RecordedRequest};
use crate::{Fault, FaultAnswer};

/// The route a request is for, and the error dialect its injected faults answer in.
pub(crate) fn route_of(method: &str, path: &str) -> (&'static str, Option<FaultAnswer>) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    for upstream in crate::UPSTREAMS {
        if let Some(route) = (upstream.knobs.route_of)(method, &segments) {
            return (route, Some(upstream.knobs.fault));
        }
    }
    match (method, segments.as_slice()) {
        ("POST", ["token"]) => ("google.token", Some(google_oauth_fault)),
        ("POST", [_, "oauth2", "v2.0", "token"]) => {
            ("microsoft.token", Some(microsoft_oauth_fault))
        }
        ("POST", ["v1", "mgmt", "outbound", "app", "user", "token"]) => {
            ("descope.token", Some(descope_fault))
        }
        ("POST", [_, "mcp", "v1" | "v1self"]) => ("google_mcp", Some(google_fault)),
        (_, ["download", ..]) => ("download", None),
        (_, ["_fake", ..]) => ("control", None),
        _ => ("unknown", None),
    }
}

/// Logs the request, then applies the route's knob and barrier.
pub(crate) async fn middleware(
    State(state): State<Arc<FakeState>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let (route, answer) = route_of(&method, &path);
    if route == "control" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, 1 << 20).await else {
        return errors::json_status(413, json!({"error": "body too large"}));
    };
    let authorization = parts.headers.get(AUTHORIZATION).map(|v| {
        let digest = Sha256::digest(v.as_bytes());
        hex::encode(&digest[..4])
    });
    state.record(RecordedRequest {
        route,
        method,
        path: path.clone(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        authorization: authorization.is_some(),
        authorization_hash: authorization,
        body: redact(&bytes),
    });
    let request = Request::from_parts(parts, Body::from(bytes));

    let knob = state.take_knob(route);
    if let Some(knob) = &knob
        && knob.latency_ms > 0
    {
        tokio::time::sleep(Duration::from_millis(knob.latency_ms)).await;
    }
    state.barrier(route).await;
    let Some(knob) = knob else {
        return next.run(request).await;
    };
    let answer: FaultAnswer = answer.unwrap_or(google_fault);
    if knob.challenge {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let [product, "mcp", _] = segments.as_slice() {
            let origin = crate::google_mcp::origin(request.headers());
            let scope = knob
                .challenge_scope
                .clone()
                .unwrap_or_else(|| crate::google_mcp::product_scopes(product));
            return crate::google_mcp::challenge_response(
                &origin,
                product,
                Some("invalid_token"),
                &scope,
            );
        }
    }
    if let Some(retry_after) = knob.retry_after {
        let status = if knob.drive_quota { 403 } else { 429 };
        let fault = Fault {
            status,
            retry_after: Some(retry_after),
            drive_quota: knob.drive_quota,
        };
        return errors::injected(answer, fault);
    }
    if let Some(status) = knob.status {
        let fault = Fault {
            status,
            retry_after: None,
            drive_quota: false,
        };
        return errors::injected(answer, fault);
    }
    if knob.malformed {
        return (
            [("content-type", "application/json")],
            "{\"results\": [ {\"object\": \"page\", \"id\": ",
        )
            .into_response();
    }
    next.run(request).await
}

/// Request bodies for the log, with credentials in token requests blanked.
fn redact(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() {
        return None;
    }
    if text.contains("assertion=") || text.contains("client_secret=") {
        return Some(
            text.split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k == "assertion" || k == "client_secret" => {
                        format!("{k}=[redacted]")
                    }
                    _ => pair.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    Some(text.to_owned())
}

/// `POST /_fake/knobs`: `{"route": "notion.search" | "*", ...Knob}`.
#[derive(Debug, Deserialize)]
pub(crate) struct KnobRequest {
    route: String,
    #[serde(flatten)]
    knob: Knob,
}

/// Sets a knob.
pub(crate) async fn set_knob(
    State(state): State<Arc<FakeState>>,
    Json(req): Json<KnobRequest>,
) -> Response {
    state.set_knob(&req.route, req.knob);
    Json(json!({"ok": true})).into_response()
}

/// `POST /_fake/barrier`: `{"routes": [...], "count": 3}`.
#[derive(Debug, Deserialize)]
pub(crate) struct BarrierRequest {
    routes: Vec<String>,
    count: usize,
}

/// Sets the barrier.
pub(crate) async fn set_barrier(
    State(state): State<Arc<FakeState>>,
    Json(req): Json<BarrierRequest>,
) -> Response {
    state.set_barrier(req.routes, req.count);
    Json(json!({"ok": true})).into_response()
}

/// `GET /_fake/requests`: the request log.
pub(crate) async fn requests(State(state): State<Arc<FakeState>>) -> Response {
    Json(state.requests()).into_response()
}

/// `POST /_fake/reset`.
pub(crate) async fn reset(State(state): State<Arc<FakeState>>) -> Response {
    state.reset();
    Json(json!({"ok": true})).into_response()
}

/// `POST /_fake/connections`: `{"user_id": "...", "app_id": "notion", "connected": false}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectionRequest {
    user_id: String,
    app_id: String,
    connected: bool,
}

/// Connects or disconnects a user's outbound app.
pub(crate) async fn set_connection(
    State(state): State<Arc<FakeState>>,
    Json(req): Json<ConnectionRequest>,
) -> Response {
    state.set_connection(&req.user_id, &req.app_id, req.connected);
    Json(json!({"ok": true})).into_response()
}

/// `POST /_fake/expire-tokens`: every issued token expires now.
pub(crate) async fn expire_tokens(State(state): State<Arc<FakeState>>) -> Response {
    state.expire_tokens();
    Json(json!({"ok": true})).into_response()
}

/// `POST /_fake/edit`: `{"id": "<notion page or drive file id>", "last_edited_time": "2026-12-01T10:00:00.000Z"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct EditRequest {
    id: String,
    last_edited_time: String,
}

/// Gives a Notion page a new `last_edited_time` (a Drive file a new `modifiedTime`), as an edit
/// there would.
pub(crate) async fn edit(
    State(state): State<Arc<FakeState>>,
    Json(req): Json<EditRequest>,
) -> Response {
    state.edit(&req.id, &req.last_edited_time);
    Json(json!({"ok": true})).into_response()
}

/// `POST /_fake/users`: `{"user_id": "bench-user-7", "like": "dev-user"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct UserRequest {
    user_id: String,
    like: String,
}

/// Adds a Descope user who signs in as a demo user and has connected every app (404 when `like`
/// is not a demo user's Descope id): many distinct users for the benchmark without a corpus of
/// them.
pub(crate) async fn add_user(
    State(state): State<Arc<FakeState>>,
    Json(req): Json<UserRequest>,
) -> Response {
    match state.add_user(&req.user_id, &req.like) {
        Some(()) => Json(json!({"ok": true})).into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no demo user {}", req.like)})),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The route names tests set knobs on and count requests by, each fake's and the shared
    /// ones: a fake that moves must keep them.
    #[test]
    fn every_route_keeps_its_name() {
        let cases = [
            ("GET", "/drive/v3/files", "drive.search"),
            ("GET", "/drive/v3/files/f1", "drive.content"),
            ("GET", "/drive/v3/files/f1/export", "drive.content"),
            ("POST", "/drive/v3/files/f1/comments", "drive.comments"),
            ("POST", "/drivemcp/mcp/v1", "drivemcp"),
            ("POST", "/v1/search", "notion.search"),
            ("GET", "/v1/blocks/b1/children", "notion.blocks"),
            ("GET", "/v1/pages/p1", "notion.page"),
            ("GET", "/v1/comments", "notion.comments"),
            ("POST", "/v1.0/search/query", "graph.search"),
            ("GET", "/v1.0/drives/d/items/i/content", "graph.content"),
            ("GET", "/v1.0/sites/root", "graph.site"),
            ("POST", "/gmailmcp/mcp/v1self", "gmailmcp"),
            ("GET", "/v1.0/me/messages", "outlook_mail.messages"),
            ("GET", "/v1.0/me/messages/m1", "outlook_mail.message"),
            (
                "GET",
                "/v1.0/me/messages/m1/attachments",
                "outlook_mail.attachments",
            ),
            ("GET", "/services/data/v66.0/query", "salesforce.query"),
            ("POST", "/calendarmcp/mcp/v1", "calendarmcp"),
            ("GET", "/v1.0/me/calendarView", "outlook.calendar"),
            ("GET", "/v1.0/me/events/e1", "outlook.event"),
            ("POST", "/token", "google.token"),
            ("POST", "/tenant/oauth2/v2.0/token", "microsoft.token"),
            ("POST", "/v1/mgmt/outbound/app/user/token", "descope.token"),
            ("POST", "/othermcp/mcp/v1", "google_mcp"),
            ("GET", "/download/t1", "download"),
            ("POST", "/_fake/knobs", "control"),
            ("GET", "/elsewhere", "unknown"),
        ];
        for (method, path, route) in cases {
            assert_eq!(route_of(method, path).0, route, "{method} {path}");
        }
    }

    /// A product a fake declares answers to its own knob route, not the frame's `google_mcp`.
    #[test]
    fn every_google_mcp_product_is_its_own_route() {
        let products = crate::google_mcp::products();
        assert_eq!(products.len(), 3);
        for product in products {
            for endpoint in ["v1", "v1self"] {
                let path = format!("/{}/mcp/{endpoint}", product.name);
                assert_eq!(route_of("POST", &path).0, product.name);
            }
        }
    }
}
