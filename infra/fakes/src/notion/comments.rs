//! Notion's create and retrieve comments (`/v1/comments`), as the real API answers them: exactly
//! one of `parent.page_id`, `parent.block_id`, `discussion_id`; `rich_text` content of at most
//! 2,000 characters per object (400 `validation_error`); the integration needs the comment
//! capabilities (403 `restricted_resource`, see [`crate::FakeConfig::notion_insert_comments`]); a
//! page not shared is 404 `object_not_found`. Comments are kept in the shared store
//! ([`crate::comments`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize;
use crate::comments::{StoredComment, author, rfc3339_now};
use crate::corpus::{Principal, Upstream};
use crate::errors;
use crate::state::FakeState;

/// Notion's limit on one rich-text object's content.
const NOTION_TEXT_LIMIT: usize = 2_000;

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
pub(super) async fn create(
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
pub(super) async fn list(
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
