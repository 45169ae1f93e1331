//! Comments: Drive's `comments.create`/`comments.list` (`/drive/v3/files/{id}/comments`) and
//! Notion's create/retrieve comments (`/v1/comments`), as the real APIs answer them:
//!
//! - Drive: `fields` is required (400 `required`); the token must carry the `drive` or
//!   `drive.file` scope (403 `insufficientPermissions`, "Request had insufficient authentication
//!   scopes."); a file the user cannot see is 404 `notFound`.
//! - Notion: exactly one of `parent.page_id`, `parent.block_id`, `discussion_id`; `rich_text`
//!   content of at most 2,000 characters per object (400 `validation_error`); the integration needs
//!   the comment capabilities (403 `restricted_resource`, see
//!   [`crate::FakeConfig::notion_insert_comments`]); a page not shared is 404 `object_not_found`.
//!
//! Comments are kept in the state ([`crate::FakeState::comments_on`]) and listed back by the GET
//! routes, so a test can see what was written and by whom.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::corpus::{Principal, Upstream};
use crate::drive::{bearer, unauthorized};
use crate::errors;
use crate::fields::Fields;
use crate::notion::authorize;
use crate::state::{FakeState, now};

/// Scopes that allow `comments.create`, as Google documents them.
const DRIVE_COMMENT_SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.file",
];
/// Notion's limit on one rich-text object's content.
const NOTION_TEXT_LIMIT: usize = 2_000;

/// A comment someone added through the fakes.
#[derive(Debug, Clone, Serialize)]
pub struct StoredComment {
    /// The upstream it was added to.
    pub upstream: Upstream,
    /// The file or page id.
    pub item: String,
    /// The comment's id.
    pub id: String,
    /// Who added it: the user's email, or `app` for an integration token.
    pub author: String,
    /// The text.
    pub content: String,
    /// RFC 3339.
    pub created_time: String,
}

fn author(principal: &Principal) -> String {
    match principal {
        Principal::User(email) => email.clone(),
        Principal::App => "app".into(),
    }
}

fn rfc3339_now() -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(now()).unwrap_or(0))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

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
pub(crate) async fn drive_create(
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
pub(crate) async fn drive_list(
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

fn notion_object(comment: &StoredComment) -> Value {
    json!({
        "object": "comment", "id": comment.id,
        "parent": {"type": "page_id", "page_id": comment.item},
        "discussion_id": uuid(), "created_time": comment.created_time,
        "last_edited_time": comment.created_time,
        "created_by": {"object": "user", "id": uuid()},
        "rich_text": [{"type": "text", "text": {"content": comment.content, "link": null},
            "annotations": {"bold": false, "italic": false, "strikethrough": false,
                "underline": false, "code": false, "color": "default"},
            "plain_text": comment.content, "href": null}],
    })
}

fn uuid() -> String {
    let h = hex::encode(rand::random::<[u8; 16]>());
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn validation(message: &str) -> Response {
    errors::notion(400, "validation_error", message)
}

fn restricted() -> Response {
    errors::notion(
        403,
        "restricted_resource",
        "Insufficient permissions for this endpoint.",
    )
}

fn page_not_found(state: &FakeState, principal: &Principal, id: &str) -> Option<Response> {
    let visible = state
        .corpus
        .get(Upstream::Notion, id)
        .is_some_and(|doc| state.corpus.visible(principal, doc));
    (!visible).then(|| {
        errors::notion(
            404,
            "object_not_found",
            &format!(
                "Could not find page with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
            ),
        )
    })
}

/// The text of a create request's `rich_text`, validated as Notion does.
fn rich_text(body: &Value) -> Result<String, Response> {
    let Some(items) = body.get("rich_text").and_then(Value::as_array) else {
        return Err(validation(
            "body failed validation: body.rich_text should be defined, instead was `undefined`.",
        ));
    };
    let mut text = String::new();
    for (i, item) in items.iter().enumerate() {
        let content = item
            .pointer("/text/content")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                validation(&format!(
                    "body failed validation: body.rich_text[{i}].text.content should be defined, instead was `undefined`."
                ))
            })?;
        let length = content.chars().count();
        if length > NOTION_TEXT_LIMIT {
            return Err(validation(&format!(
                "body failed validation: body.rich_text[{i}].text.content.length should be ≤ `{NOTION_TEXT_LIMIT}`, instead was `{length}`."
            )));
        }
        text.push_str(content);
    }
    Ok(text)
}

/// `POST /v1/comments`.
pub(crate) async fn notion_create(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let principal = match authorize(&state, &headers) {
        Ok((principal, _)) => principal,
        Err(response) => return response,
    };
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return errors::notion(400, "invalid_json", "Error parsing JSON body.");
    };
    let page = body.pointer("/parent/page_id").and_then(Value::as_str);
    let targets = usize::from(page.is_some())
        + usize::from(body.pointer("/parent/block_id").is_some())
        + usize::from(body.get("discussion_id").is_some());
    if targets != 1 {
        return validation(
            "body failed validation. Fix one: body.parent should be defined, instead was `undefined`. body.discussion_id should be defined, instead was `undefined`.",
        );
    }
    let Some(page) = page else {
        // Block and discussion comments are not part of the demo workspace.
        return validation("body failed validation: only page comments are served by the fake");
    };
    let content = match rich_text(&body) {
        Ok(content) => content,
        Err(response) => return response,
    };
    if !state.config.notion_insert_comments {
        return restricted();
    }
    if let Some(response) = page_not_found(&state, &principal, page) {
        return response;
    }
    let comment = StoredComment {
        upstream: Upstream::Notion,
        item: page.to_owned(),
        id: uuid(),
        author: author(&principal),
        content,
        created_time: rfc3339_now(),
    };
    let object = notion_object(&comment);
    state.add_comment(comment);
    axum::Json(object).into_response()
}

/// `GET /v1/comments?block_id=...`.
pub(crate) async fn notion_list(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let principal = match authorize(&state, &headers) {
        Ok((principal, _)) => principal,
        Err(response) => return response,
    };
    let Some(block) = params.get("block_id") else {
        return validation(
            "body failed validation: query.block_id should be defined, instead was `undefined`.",
        );
    };
    if !state.config.notion_insert_comments {
        return restricted();
    }
    if let Some(response) = page_not_found(&state, &principal, block) {
        return response;
    }
    let results: Vec<Value> = state
        .comments_on(Upstream::Notion, block)
        .iter()
        .map(notion_object)
        .collect();
    axum::Json(
        json!({"object": "list", "results": results, "next_cursor": null,
        "has_more": false, "type": "comment", "comment": {}}),
    )
    .into_response()
}
