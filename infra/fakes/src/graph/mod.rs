//! Microsoft Graph: `POST /v1.0/search/query`, `GET /v1.0/drives/{d}/items/{i}/content` (302 to a
//! pre-authenticated URL on the download origin), `GET /v1.0/sites/root`.

mod kql;
mod site;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing;
use serde_json::{Value, json};

use crate::corpus::{Document, Principal, Upstream, plain_text};
use crate::errors;
use crate::files;
use crate::state::FakeState;

/// The drive every demo file lives in (Graph item ids are `DRIVE_ID/<item id>`).
pub const DRIVE_ID: &str =
    "b!AcmeDocs_rKr80k-n7e5zlCVIqSnIwTNsGBVBlusjEvRHgjMmmcA3Ubc7R4Kyao9hbgL4";
/// Regions the demo tenant accepts.
const REGIONS: [&str; 2] = ["NAM", "EMEA"];
const SHAREPOINT_TYPES: [&str; 6] = [
    "drive",
    "driveItem",
    "list",
    "listItem",
    "site",
    "externalItem",
];
const OTHER_TYPES: [&str; 7] = [
    "event",
    "message",
    "chatMessage",
    "person",
    "acronym",
    "bookmark",
    "qna",
];

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn bad_request(message: &str) -> Response {
    errors::json_status(
        400,
        json!({"error": {"code": "BadRequest", "message": message, "target": "",
        "details": [{"code": "Microsoft.SubstrateSearch.Api.ErrorReporting.ResourceBasedExceptions.InvalidArgumentException",
            "message": message, "target": ""}]}}),
    )
}

fn web_url(doc: &Document) -> String {
    let encoded: String = doc
        .title
        .chars()
        .map(|c| {
            if c == ' ' {
                "%20".to_owned()
            } else {
                c.to_string()
            }
        })
        .collect();
    format!(
        "https://{}/sites/{}/Shared%20Documents/{encoded}",
        site::HOST,
        site::of(doc).name
    )
}

/// A plain-text summary with `<c0>` around query words and `<ddd/>` where text was cut.
fn summary(doc: &Document, words: &[String]) -> String {
    let text = plain_text(doc).replace('\n', " ");
    let lower = text.to_lowercase();
    let start = words
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .unwrap_or(0);
    let start = text
        .char_indices()
        .map(|(i, _)| i)
        .rfind(|&i| i <= start)
        .unwrap_or(0);
    let excerpt: String = text[start..].chars().take(160).collect();
    let mut out = Vec::new();
    for word in excerpt.split(' ') {
        let bare: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        if !bare.is_empty() && words.contains(&bare) {
            out.push(format!("<c0>{word}</c0>"));
        } else {
            out.push(word.to_owned());
        }
    }
    format!("{} <ddd/>", out.join(" ").trim())
}

fn resource(doc: &Document, entity: &str, index: usize) -> Value {
    let list_item_id = format!("{}", 1000 + index);
    let parent = json!({
        "driveId": DRIVE_ID, "id": "01ACMESPROOTFOLDER0000000000000",
        "siteId": site::of(doc).graph_id(),
        "sharepointIds": {"listId": "c61d1892-ca82-4f53-b16f-6bb8a379e2b2", "listItemId": list_item_id}
    });
    let people = json!({"user": {"displayName": doc.owner_name, "email": doc.owner}});
    let created = site::graph_time(site::created(doc));
    match entity {
        "listItem" => json!({
            "@odata.type": "#microsoft.graph.listItem",
            "id": format!("E320AFEB-AD73-46A2-83D7-{:012}", 985_000 + index),
            "webUrl": web_url(doc), "createdDateTime": created,
            "lastModifiedDateTime": doc.modified.replace(".000Z", "Z"),
            "parentReference": parent, "createdBy": people, "lastModifiedBy": people,
        }),
        _ => json!({
            "@odata.type": "#microsoft.graph.driveItem",
            "id": doc.id, "name": doc.title, "webUrl": web_url(doc),
            "size": doc.file.as_deref().and_then(files::bytes).map_or(doc.text.len(), <[u8]>::len),
            "createdDateTime": created, "lastModifiedDateTime": doc.modified.replace(".000Z", "Z"),
            "createdBy": people, "lastModifiedBy": people, "parentReference": parent,
            "fileSystemInfo": {"createdDateTime": created, "lastModifiedDateTime": doc.modified.replace(".000Z", "Z")},
        }),
    }
}

/// `POST /v1.0/search/query`.
pub(crate) async fn search(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Some(principal) = state.check_token(Upstream::Sharepoint, bearer(&headers)) else {
        return errors::graph(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        );
    };
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return errors::graph(400, "BadRequest", "Unable to read JSON request payload.");
    };
    let Some(requests) = body.get("requests").and_then(Value::as_array) else {
        return bad_request("SearchRequest Invalid (requests is required.)");
    };
    let [request] = requests.as_slice() else {
        return bad_request(
            "SearchRequest Invalid (Only one search request is supported at a time.)",
        );
    };
    let entity_types: Vec<&str> = request
        .get("entityTypes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if entity_types.is_empty() {
        return bad_request("SearchRequest Invalid (EntityTypes is required.)");
    }
    if let Some(unknown) = entity_types
        .iter()
        .find(|t| !SHAREPOINT_TYPES.contains(t) && !OTHER_TYPES.contains(t))
    {
        return bad_request(&format!(
            "SearchRequest Invalid (Requested entity type {unknown} is not supported.)"
        ));
    }
    if entity_types.iter().any(|t| SHAREPOINT_TYPES.contains(t))
        && entity_types.iter().any(|t| OTHER_TYPES.contains(t))
    {
        return bad_request(
            "SearchRequest Invalid (This entity type combination is not supported.)",
        );
    }
    let Some(query) = request
        .pointer("/query/queryString")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
    else {
        return bad_request("SearchRequest Invalid (Query string is required.)");
    };
    let from = request.get("from").and_then(Value::as_u64).unwrap_or(0) as usize;
    let size = request.get("size").and_then(Value::as_u64).unwrap_or(25) as usize;
    if size == 0 || size > 500 {
        return bad_request("SearchRequest Invalid (Size should be in range [1, 500].)");
    }
    match (request.get("region").and_then(Value::as_str), &principal) {
        (None, Principal::App) => {
            return bad_request(
                "SearchRequest Invalid (Region is required when request with application permission.)",
            );
        }
        (Some(region), _) if !REGIONS.contains(&region) => {
            return bad_request(&format!(
                "Requested region {region} not found. Only valid regions are {}.",
                REGIONS.join(", ")
            ));
        }
        _ => {}
    }

    // KQL (see `kql.rs`): free words ANDed, `OR`/`NOT`/parentheses, phrases, and the properties
    // `LastModifiedTime`, `Created`, `Author`, `FileType`, `SiteId`, `WebId`.
    let kql = kql::parse(query);
    let words: Vec<String> = kql.words();
    let mut matches: Vec<(usize, &Document, usize)> = state
        .corpus
        .visible_in(Upstream::Sharepoint, &principal)
        .enumerate()
        .map(|(i, d)| (i, d, kql.score(d)))
        .filter(|(_, _, score)| *score > 0)
        .collect();
    matches.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.modified.cmp(&a.1.modified)));

    let containers: Vec<Value> = entity_types
        .iter()
        .filter(|t| matches!(**t, "driveItem" | "listItem"))
        .map(|entity| {
            let page: Vec<Value> = matches
                .iter()
                .skip(from)
                .take(size)
                .enumerate()
                .map(|(rank, (index, doc, _))| {
                    let resource = resource(doc, entity, *index);
                    json!({"hitId": resource["id"], "rank": from + rank + 1, "summary": summary(doc, &words), "resource": resource})
                })
                .collect();
            let mut container = json!({"total": matches.len(), "moreResultsAvailable": from + size < matches.len()});
            if !page.is_empty() {
                container["hits"] = json!(page);
            }
            container
        })
        .collect();
    axum::Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.searchResponse)",
        "value": [{"searchTerms": words, "hitsContainers": containers}]
    }))
    .into_response()
}

/// `GET /v1.0/drives/{drive}/items/{item}/content`: 302 to the download origin.
pub(crate) async fn content(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path((drive, item)): Path<(String, String)>,
) -> Response {
    let Some(principal) = state.check_token(Upstream::Sharepoint, bearer(&headers)) else {
        return errors::graph(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        );
    };
    let doc = state.corpus.get(Upstream::Sharepoint, &item);
    let Some(doc) = doc.filter(|d| drive == DRIVE_ID && state.corpus.visible(&principal, d)) else {
        return errors::graph(404, "itemNotFound", "The resource could not be found.");
    };
    let ticket = state.issue_download(&doc.id);
    let location = format!("{}/download/{ticket}", state.download_base());
    (axum::http::StatusCode::FOUND, [("location", location)]).into_response()
}

/// `GET /download/{ticket}` on the download origin: pre-authenticated, so a request carrying an
/// `Authorization` header is refused, as SharePoint's download URLs do.
pub(crate) async fn download(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> Response {
    if headers.contains_key("authorization") {
        return errors::json_status(
            401,
            json!({"error": {"code": "unauthenticated",
            "message": "Pre-authenticated URLs do not accept an Authorization header."}}),
        );
    }
    let Some(doc) = state
        .download(&ticket)
        .and_then(|id| state.corpus.get(Upstream::Sharepoint, &id))
    else {
        return errors::json_status(
            404,
            json!({"error": {"code": "itemNotFound", "message": "The download URL has expired."}}),
        );
    };
    if let (Some(bytes), Some(mime)) = (doc.file.as_deref().and_then(files::bytes), &doc.mime) {
        return ([("content-type", mime.clone())], bytes).into_response();
    }
    let content_type = if doc.title.ends_with(".csv") {
        "text/csv"
    } else if doc.title.ends_with(".docx") {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else if doc.title.ends_with(".pdf") {
        "application/pdf"
    } else {
        "text/markdown; charset=utf-8"
    };
    let body = if content_type.starts_with("text/") {
        plain_text(doc)
    } else {
        format!("PK\u{3}\u{4}binary {}", doc.id)
    };
    ([("content-type", content_type)], body).into_response()
}

/// `GET /v1.0/sites/root?$select=siteCollection`.
pub(crate) async fn site_root(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    if state
        .check_token(Upstream::Sharepoint, bearer(&headers))
        .is_none()
    {
        return errors::graph(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        );
    }
    axum::Json(
        json!({"siteCollection": {"hostname": "acme.sharepoint.com", "dataLocationCode": "NAM"}}),
    )
    .into_response()
}

/// `GET /v1.0/drives/{drive}/items/{item}`: the driveItem's metadata.
pub(crate) async fn item(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path((drive, item)): Path<(String, String)>,
) -> Response {
    let Some(principal) = state.check_token(Upstream::Sharepoint, bearer(&headers)) else {
        return errors::graph(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        );
    };
    let doc = state.corpus.get(Upstream::Sharepoint, &item);
    match doc.filter(|d| drive == DRIVE_ID && state.corpus.visible(&principal, d)) {
        Some(doc) => axum::Json(resource(doc, "driveItem", 0)).into_response(),
        None => errors::graph(404, "itemNotFound", "The resource could not be found."),
    }
}

/// This fake in [`crate::UPSTREAMS`].
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::Sharepoint,
    descope_app: "microsoft",
    token_prefix: "eyJ0eXAiOiJKV1QiLCJmYWtlIjoi",
    routes,
    google_mcp: None,
    knobs: crate::FakeKnobs {
        route_of,
        fault: errors::graph_fault,
    },
};

/// The knob route name of a request to one of Graph's routes.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    match (method, segments) {
        ("POST", ["v1.0", "search", "query"]) => Some("graph.search"),
        ("GET", ["v1.0", "drives", _, "items", _, "content"]) => Some("graph.content"),
        ("GET", ["v1.0", "sites", "root"]) => Some("graph.site"),
        _ => None,
    }
}

/// Microsoft Graph's routes (search, items, content, the root site).
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new()
        .route("/v1.0/search/query", routing::post(search))
        .route(
            "/v1.0/drives/{drive}/items/{item}/content",
            routing::get(content),
        )
        .route("/v1.0/drives/{drive}/items/{item}", routing::get(item))
        .route("/v1.0/sites/root", routing::get(site_root))
}
