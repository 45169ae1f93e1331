//! Descope Outbound Apps: `POST /v1/mgmt/outbound/app/user/token` returns the user's own upstream
//! token, if they connected the app.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::corpus::{Principal, Upstream};
use crate::errors;
use crate::state::FakeState;

/// The upstream whose tokens outbound app `app` hands out (each fake names its app in
/// [`crate::UPSTREAMS`]).
fn upstream_of(app: &str) -> Option<Upstream> {
    crate::UPSTREAMS
        .iter()
        .find(|u| u.descope_app == app)
        .map(|u| u.kind)
}

/// `POST /v1/mgmt/outbound/app/user/token`.
pub(crate) async fn user_token(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let expected = format!(
        "Bearer {}:{}",
        state.config.descope_project_id, state.config.descope_management_key
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return errors::descope(
            401,
            "E011003",
            "Request is unauthorized",
            "Failed to authenticate the management key",
        );
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return errors::descope(400, "E011001", "Bad request", "Malformed request body");
    };
    let (Some(app_id), Some(user_id)) = (
        body.get("appId").and_then(Value::as_str),
        body.get("userId").and_then(Value::as_str),
    ) else {
        return errors::descope(
            400,
            "E011002",
            "Missing arguments",
            "appId and userId are required",
        );
    };
    let Some(upstream) = upstream_of(app_id) else {
        return errors::descope(
            404,
            "E062502",
            "Outbound app not found",
            &format!("Outbound app {app_id} not found"),
        );
    };
    let user = state.user_by_descope_id(user_id);
    let Some(user) = user.filter(|_| state.connected(user_id, app_id)) else {
        return errors::descope(
            404,
            "E062503",
            "Outbound app user token not found",
            &format!("No token found for user {user_id} and outbound app {app_id}"),
        );
    };
    let scopes = body.get("scopes").cloned().unwrap_or_else(|| json!([]));
    // The demo users consented to every scope their apps ask for (unless `set_consent` says
    // otherwise); the token carries the scopes
    // asked, so an upstream can refuse a write made with a read-only token.
    let asked: Vec<String> = scopes
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let granted = state.consented(user_id, app_id, asked);
    let scopes = json!(granted);
    let (token, expires_at) =
        state.issue_scoped(upstream, Principal::User(user.email.clone()), granted);
    axum::Json(json!({"token": {
        "id": format!("tok-{user_id}-{app_id}"), "appId": app_id, "userId": user_id,
        "accessToken": token, "accessTokenType": "bearer", "accessTokenExpiry": expires_at,
        "hasRefreshToken": true, "scopes": scopes, "grantedBy": user.email,
    }}))
    .into_response()
}
