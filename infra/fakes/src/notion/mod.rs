//! Notion: `POST /v1/search` (titles only) and `GET /v1/blocks/{id}/children`.

mod comments;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::corpus::{Corpus, Document, Principal, Upstream};
use crate::errors;
use crate::state::FakeState;

/// The first version with data sources (search filter `page|data_source`).
const DATA_SOURCES_VERSION: &str = "2025-09-03";
/// The first version without `archived`.
const IN_TRASH_ONLY_VERSION: &str = "2026-03-11";

/// Every page's blocks, by parent id, built once from the corpus markup.
#[derive(Debug, Default)]
pub struct Blocks {
    children: HashMap<String, Vec<Value>>,
    page_of: HashMap<String, String>,
}

fn uuid_like(seed: &str) -> String {
    let h = hex::encode(Sha256::digest(seed.as_bytes()));
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn rich_text(text: &str) -> Value {
    json!([{"type": "text", "text": {"content": text, "link": null},
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
        "plain_text": text, "href": null}])
}

struct Draft {
    id: String,
    kind: &'static str,
    payload: Value,
    level: usize,
    children: Vec<Draft>,
}

impl Blocks {
    /// Builds the blocks of every Notion page.
    pub fn build(corpus: &Corpus) -> Self {
        let mut blocks = Self::default();
        for doc in corpus
            .documents
            .iter()
            .filter(|d| d.source == Upstream::Notion)
        {
            let drafts = parse_markup(doc);
            blocks.insert(&doc.id, &doc.id, drafts);
        }
        blocks
    }

    /// Every parent's children as `GET /v1/blocks/{parent}/children` lists them, by parent id
    /// (for tools that need the fake's block JSON offline, such as the fuzz seed generator).
    pub fn children_by_parent(&self) -> std::collections::BTreeMap<&str, &[Value]> {
        self.children
            .iter()
            .map(|(parent, list)| (parent.as_str(), list.as_slice()))
            .collect()
    }

    fn insert(&mut self, page: &str, parent: &str, drafts: Vec<Draft>) {
        let mut list = Vec::new();
        for draft in drafts {
            self.page_of.insert(draft.id.clone(), page.to_owned());
            let parent_ref = if parent == page {
                json!({"type": "page_id", "page_id": page})
            } else {
                json!({"type": "block_id", "block_id": parent})
            };
            let mut block = json!({
                "object": "block", "id": draft.id, "parent": parent_ref,
                "created_time": "2026-01-05T09:00:00.000Z", "last_edited_time": "2026-06-01T09:00:00.000Z",
                "created_by": {"object": "user", "id": uuid_like("creator")},
                "last_edited_by": {"object": "user", "id": uuid_like("editor")},
                "has_children": !draft.children.is_empty(), "in_trash": false, "archived": false,
                "type": draft.kind,
            });
            block[draft.kind] = draft.payload;
            list.push(block);
            let id = draft.id.clone();
            self.insert(page, &id, draft.children);
        }
        self.children.insert(parent.to_owned(), list);
    }
}

/// Turns the corpus markup into block drafts: every second heading becomes a toggleable heading
/// holding its section, bullets nest by indentation.
fn parse_markup(doc: &Document) -> Vec<Draft> {
    let mut roots: Vec<Draft> = Vec::new();
    let mut headings = 0;
    let mut in_code: Option<Vec<String>> = None;
    let mut counter = 0;
    let mut next_id = || {
        counter += 1;
        uuid_like(&format!("{}#{counter}", doc.id))
    };
    for line in doc.text.lines() {
        if line.trim() == "```" {
            match in_code.take() {
                Some(code) => {
                    let text = code.join("\n");
                    let draft = Draft {
                        id: next_id(),
                        kind: "code",
                        payload: json!({"rich_text": rich_text(&text), "language": "bash", "caption": []}),
                        level: 0,
                        children: vec![],
                    };
                    push(&mut roots, draft);
                }
                None => in_code = Some(Vec::new()),
            }
            continue;
        }
        if let Some(code) = in_code.as_mut() {
            code.push(line.to_owned());
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let (kind, payload, level) = if let Some(h) = text.strip_prefix("# ") {
            headings += 1;
            let kind = if headings == 1 {
                "heading_1"
            } else {
                "heading_2"
            };
            let toggle = headings > 1 && headings % 2 == 0;
            (
                kind,
                json!({"rich_text": rich_text(h), "color": "default", "is_toggleable": toggle}),
                0,
            )
        } else if let Some(item) = text.strip_prefix("- ") {
            (
                "bulleted_list_item",
                json!({"rich_text": rich_text(item), "color": "default"}),
                1 + indent / 2,
            )
        } else if let Some(item) = text.strip_prefix("[ ] ") {
            (
                "to_do",
                json!({"rich_text": rich_text(item), "checked": false, "color": "default"}),
                1,
            )
        } else if let Some(item) = text.strip_prefix("[x] ") {
            (
                "to_do",
                json!({"rich_text": rich_text(item), "checked": true, "color": "default"}),
                1,
            )
        } else if let Some(quote) = text.strip_prefix("> ") {
            (
                "quote",
                json!({"rich_text": rich_text(quote), "color": "default"}),
                1,
            )
        } else {
            (
                "paragraph",
                json!({"rich_text": rich_text(text), "color": "default"}),
                1,
            )
        };
        push(
            &mut roots,
            Draft {
                id: next_id(),
                kind,
                payload,
                level,
                children: vec![],
            },
        );
    }
    roots
}

/// Places a draft: under the last toggleable heading for section content, under the previous
/// bullet when indented deeper, else at the top.
fn push(roots: &mut Vec<Draft>, draft: Draft) {
    if draft.level == 0 {
        roots.push(draft);
        return;
    }
    let container = match roots.last_mut() {
        Some(last) if last.payload.get("is_toggleable") == Some(&json!(true)) => &mut last.children,
        _ => roots,
    };
    place(container, draft);
}

fn place(siblings: &mut Vec<Draft>, draft: Draft) {
    if draft.level > 1
        && let Some(last) = siblings.last_mut()
        && last.kind == "bulleted_list_item"
        && last.level < draft.level
    {
        place(&mut last.children, draft);
        return;
    }
    siblings.push(draft);
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Checks the token and the `Notion-Version` header.
pub(crate) fn authorize(
    state: &FakeState,
    headers: &HeaderMap,
) -> Result<(Principal, String), Response> {
    let Some(version) = headers.get("notion-version").and_then(|v| v.to_str().ok()) else {
        return Err(errors::notion(
            400,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
        ));
    };
    let well_formed = version.len() == 10
        && version.chars().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !well_formed || version < "2022-06-28" {
        return Err(errors::notion(
            400,
            "validation_error",
            &format!(
                "Notion-Version header failed validation: `{version}` is not a valid version."
            ),
        ));
    }
    let principal = state
        .check_token(Upstream::Notion, bearer(headers))
        .ok_or_else(|| errors::notion(401, "unauthorized", "API token is invalid."))?;
    Ok((principal, version.to_owned()))
}

fn cursor(offset: usize) -> String {
    format!("{offset:08x}-0000-4000-8000-000000000000")
}

fn parse_cursor(raw: &str) -> Option<usize> {
    let hex = raw.strip_suffix("-0000-4000-8000-000000000000")?;
    usize::from_str_radix(hex, 16).ok()
}

fn page_object(state: &FakeState, doc: &Document, version: &str) -> Value {
    let last_edited = state
        .last_edited(&doc.id)
        .unwrap_or_else(|| doc.modified.clone());
    let property = doc.title_property.as_deref().unwrap_or("title");
    let parent = if property == "title" {
        json!({"type": "workspace", "workspace": true})
    } else {
        json!({"type": "database_id", "database_id": uuid_like("faq-database")})
    };
    let mut properties =
        json!({ property: {"id": "title", "type": "title", "title": rich_text(&doc.title)} });
    if property != "title" {
        properties["Owner"] =
            json!({"id": "Own", "type": "rich_text", "rich_text": rich_text(&doc.owner_name)});
    }
    let slug: String = doc
        .title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let mut page = json!({
        "object": "page", "id": doc.id,
        "created_time": "2026-01-05T09:00:00.000Z", "last_edited_time": last_edited,
        "created_by": {"object": "user", "id": uuid_like(&doc.owner)},
        "last_edited_by": {"object": "user", "id": uuid_like(&doc.owner)},
        "cover": null, "icon": null, "parent": parent, "in_trash": false,
        "properties": properties,
        "url": format!("https://www.notion.so/{slug}-{}", doc.id.replace('-', "")),
        "public_url": null,
    });
    if version < IN_TRASH_ONLY_VERSION {
        page["archived"] = json!(false);
    }
    page
}

/// `POST /v1/search`.
pub(crate) async fn search(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (principal, version) = match authorize(&state, &headers) {
        Ok(ok) => ok,
        Err(response) => return response,
    };
    let body: Value = if body.trim().is_empty() {
        json!({})
    } else {
        match serde_json::from_str(&body) {
            Ok(v @ Value::Object(_)) => v,
            _ => return errors::notion(400, "invalid_json", "Error parsing JSON body."),
        }
    };
    let page_size = match body.get("page_size") {
        None => 100,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=100).contains(&n) => n as usize,
            _ => {
                return errors::notion(
                    400,
                    "validation_error",
                    &format!(
                        "body failed validation: body.page_size should be less than or equal to `100`, instead was `{v}`."
                    ),
                );
            }
        },
    };
    let data_sources = version.as_str() >= DATA_SOURCES_VERSION;
    let object_filter = match body.get("filter") {
        None => None,
        Some(filter) => {
            let allowed: &[&str] = if data_sources {
                &["page", "data_source"]
            } else {
                &["page", "database"]
            };
            match (
                filter.get("property").and_then(Value::as_str),
                filter.get("value").and_then(Value::as_str),
            ) {
                (Some("object"), Some(value)) if allowed.contains(&value) => Some(value.to_owned()),
                _ => {
                    return errors::notion(
                        400,
                        "validation_error",
                        &format!(
                            "body failed validation: body.filter.value should be one of {allowed:?}."
                        ),
                    );
                }
            }
        }
    };
    let offset = match body.get("start_cursor").and_then(Value::as_str) {
        None => 0,
        Some(raw) => match parse_cursor(raw) {
            Some(offset) => offset,
            None => {
                return errors::notion(
                    400,
                    "validation_error",
                    "body failed validation: body.start_cursor should be a valid uuid.",
                );
            }
        },
    };
    let query = body
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_lowercase();
    let words: Vec<&str> = query.split_whitespace().collect();

    let mut hits: Vec<&Document> = state
        .corpus
        .visible_in(Upstream::Notion, &principal)
        .filter(|d| {
            let title = d.title.to_lowercase();
            words.iter().all(|w| title.contains(w))
        })
        .collect();
    let ascending = body.pointer("/sort/direction").and_then(Value::as_str) == Some("ascending");
    hits.sort_by(|a, b| {
        if ascending {
            a.modified.cmp(&b.modified)
        } else {
            b.modified.cmp(&a.modified)
        }
    });

    // The FAQ database is shared as its rows are (the pages with a title property of their own):
    // whoever sees none of them, as another organisation's users, does not find it.
    let sees_database = state
        .corpus
        .visible_in(Upstream::Notion, &principal)
        .any(|d| d.title_property.is_some());
    let mut results: Vec<Value> = Vec::new();
    if sees_database
        && object_filter.as_deref() != Some("page")
        && words.iter().all(|w| "quarterly budget faq".contains(w))
    {
        let kind = if data_sources {
            "data_source"
        } else {
            "database"
        };
        results.push(json!({"object": kind, "id": uuid_like("faq-database"), "title": rich_text("Quarterly budget FAQ"),
            "properties": {}, "url": format!("https://www.notion.so/{}", uuid_like("faq-database").replace('-', ""))}));
    }
    if object_filter.as_deref()
        != Some(if data_sources {
            "data_source"
        } else {
            "database"
        })
    {
        results.extend(hits.iter().map(|d| page_object(&state, d, &version)));
    }
    let more = offset + page_size < results.len();
    let page: Vec<Value> = results.into_iter().skip(offset).take(page_size).collect();
    let list_type = if data_sources {
        "page_or_data_source"
    } else {
        "page_or_database"
    };
    axum::Json(json!({
        "object": "list", "results": page,
        "next_cursor": if more { json!(cursor(offset + page_size)) } else { Value::Null },
        "has_more": more, "type": list_type, list_type: {},
        "request_id": uuid_like(&format!("req{offset}{query}")),
    }))
    .into_response()
}

/// `GET /v1/blocks/{id}/children`.
pub(crate) async fn children(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (principal, version) = match authorize(&state, &headers) {
        Ok(ok) => ok,
        Err(response) => return response,
    };
    let not_found = || {
        errors::notion(
            404,
            "object_not_found",
            &format!(
                "Could not find block with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
            ),
        )
    };
    let blocks = state.notion_blocks();
    let page_id = blocks
        .page_of
        .get(&id)
        .cloned()
        .unwrap_or_else(|| id.clone());
    let Some(page) = state.corpus.get(Upstream::Notion, &page_id) else {
        return not_found();
    };
    if !state.corpus.visible(&principal, page) {
        return not_found();
    }
    let page_size = match params.get("page_size").map(|s| s.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            return errors::notion(
                400,
                "validation_error",
                "page_size should be less than or equal to `100`.",
            );
        }
    };
    let offset = match params.get("start_cursor") {
        None => 0,
        Some(raw) => match parse_cursor(raw) {
            Some(o) => o,
            None => {
                return errors::notion(
                    400,
                    "validation_error",
                    "start_cursor should be a valid uuid.",
                );
            }
        },
    };
    let all = blocks.children.get(&id).cloned().unwrap_or_default();
    let more = offset + page_size < all.len();
    let mut page: Vec<Value> = all.into_iter().skip(offset).take(page_size).collect();
    if version.as_str() >= IN_TRASH_ONLY_VERSION {
        for block in &mut page {
            if let Some(map) = block.as_object_mut() {
                map.remove("archived");
            }
        }
    }
    axum::Json(json!({
        "object": "list", "results": page,
        "next_cursor": if more { json!(cursor(offset + page_size)) } else { Value::Null },
        "has_more": more, "type": "block", "block": {},
        "request_id": uuid_like(&format!("children{id}{offset}")),
    }))
    .into_response()
}

/// `GET /v1/pages/{id}`.
pub(crate) async fn page(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (principal, version) = match authorize(&state, &headers) {
        Ok(ok) => ok,
        Err(response) => return response,
    };
    match state
        .corpus
        .get(Upstream::Notion, &id)
        .filter(|d| state.corpus.visible(&principal, d))
    {
        Some(doc) => axum::Json(page_object(&state, doc, &version)).into_response(),
        None => errors::notion(
            404,
            "object_not_found",
            &format!(
                "Could not find page with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
            ),
        ),
    }
}

/// This fake in [`crate::UPSTREAMS`].
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::Notion,
    descope_app: "notion",
    token_prefix: "ntn_fake",
    routes,
    google_mcp: None,
    knobs: crate::FakeKnobs { route_of, fault },
};

/// The knob route name of a request to one of Notion's routes.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    match (method, segments) {
        ("POST", ["v1", "search"]) => Some("notion.search"),
        ("GET", ["v1", "blocks", _, "children"]) => Some("notion.blocks"),
        ("GET", ["v1", "pages", _]) => Some("notion.page"),
        (_, ["v1", "comments"]) => Some("notion.comments"),
        _ => None,
    }
}

/// An injected fault in Notion's dialect.
fn fault(fault: crate::Fault) -> Response {
    match fault.status {
        429 => errors::notion(
            429,
            "rate_limited",
            "You have been rate limited. Please try again in a few minutes.",
        ),
        401 => errors::notion(401, "unauthorized", "API token is invalid."),
        503 => errors::notion(
            503,
            "service_unavailable",
            "Notion is unavailable, please try again later.",
        ),
        s => errors::notion(s, "internal_server_error", "Unexpected error occurred."),
    }
}

/// Notion's routes (search, blocks, pages, comments).
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new()
        .route("/v1/search", routing::post(search))
        .route("/v1/blocks/{id}/children", routing::get(children))
        .route("/v1/pages/{id}", routing::get(page))
        .route(
            "/v1/comments",
            routing::post(comments::create).get(comments::list),
        )
}
