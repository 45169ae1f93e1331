//! Drive's `comments.create`/`comments.list` (`/drive/v3/files/{id}/comments`), as the real API
//! answers them: `fields` is required (400 `required`); the token must carry the `drive` or
//! `drive.file` scope (403 `insufficientPermissions`, "Request had insufficient authentication
//! scopes."); a file the user cannot see is 404 `notFound`. Comments are kept in the shared store
//! ([`crate::comments`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::fields::Fields;
use super::{bearer, unauthorized};
use crate::comments::{StoredComment, author, rfc3339_now};
use crate::corpus::{Principal, Upstream};
use crate::errors;
use crate::state::FakeState;

/// Scopes that allow `comments.create`, as Google documents them.
const DRIVE_COMMENT_SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.file",
];

fn drive_resource(state: &FakeState, comment: &StoredComment) -> Value {
    let name = state
        .corpus
        .user_by_email(&comment.author)
        .map_or("Service account", |u| u.name.as_str());
    json!({
        "kind": "drive#comment", "id": comment.id, "createdTime": comment.created_time,
        "modifiedTime": comment.created_time, "content": comment.content,
        "htmlContent": comment.content, "deleted": false, "resolved": false,
        "author": {"kind": "drive#user", "displayName": name, "me": true},
    })
}

/// The file, when `principal` can see it; Drive's 404 otherwise.
fn visible_file(state: &FakeState, principal: &Principal, id: &str) -> Result<(), Response> {
    state
        .corpus
        .get(Upstream::GoogleDrive, id)
        .filter(|doc| !doc.trashed && state.corpus.visible(principal, doc))
        .map(|_| ())
        .ok_or_else(|| {
            let message = format!("File not found: {id}.");
            errors::google(404, "global", "notFound", &message, Some("fileId"))
        })
}

/// `fields` is required on every comments method.
fn required_fields(params: &HashMap<String, String>) -> Result<Fields, Response> {
    let required = || {
        let message = "The 'fields' parameter is required for this operation.";
        errors::google(400, "global", "required", message, Some("fields"))
    };
    let spec = params.get("fields").ok_or_else(required)?;
    Fields::parse(spec).ok_or_else(|| {
        errors::google(
            400,
            "global",
            "invalid",
            "Invalid field selection",
            Some("fields"),
        )
    })
}

/// `POST /drive/v3/files/{id}/comments`.
pub(super) async fn create(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let token = bearer(&headers);
    let Some(principal) = state.check_token(Upstream::GoogleDrive, token) else {
        return unauthorized();
    };
    let fields = match required_fields(&params) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let scopes = state.token_scopes(token);
    if !scopes
        .iter()
        .any(|s| DRIVE_COMMENT_SCOPES.contains(&s.as_str()))
    {
        let message = "Request had insufficient authentication scopes.";
        return errors::google(403, "global", "insufficientPermissions", message, None);
    }
    if let Err(response) = visible_file(&state, &principal, &id) {
        return response;
    }
    let content = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|b| b.get("content").and_then(Value::as_str).map(str::to_owned))
        .filter(|c| !c.trim().is_empty());
    let Some(content) = content else {
        return errors::google(400, "global", "required", "Required: content", None);
    };
    let comment = StoredComment {
        upstream: Upstream::GoogleDrive,
        item: id,
        id: format!(
            "AAAB{}",
            hex::encode(rand::random::<[u8; 6]>()).to_uppercase()
        ),
        author: author(&principal),
        content,
        created_time: rfc3339_now(),
    };
    let resource = fields.project(&drive_resource(&state, &comment));
    state.add_comment(comment);
    axum::Json(resource).into_response()
}

/// `GET /drive/v3/files/{id}/comments`.
pub(super) async fn list(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(principal) = state.check_token(Upstream::GoogleDrive, bearer(&headers)) else {
        return unauthorized();
    };
    let fields = match required_fields(&params) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    if let Err(response) = visible_file(&state, &principal, &id) {
        return response;
    }
    let comments: Vec<Value> = state
        .comments_on(Upstream::GoogleDrive, &id)
        .iter()
        .map(|c| drive_resource(&state, c))
        .collect();
    axum::Json(fields.project(&json!({"kind": "drive#commentList", "comments": comments})))
        .into_response()
}
