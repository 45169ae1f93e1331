//! Google Drive v3: `files.list`, `files.get` (`alt=media`), `files.export`; and Drive's MCP
//! server on the fake Google MCP frame ([`mcp`]).

mod comments;
mod fields;
mod mcp;
pub(crate) mod query;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::corpus::{Document, Principal, Upstream, plain_text};
use crate::errors;
use crate::files;
use crate::state::FakeState;
use fields::Fields;
use query as drive_query;

/// The export size limit.
const EXPORT_LIMIT: u64 = 10 * 1024 * 1024;
const GOOGLE_APPS: &str = "application/vnd.google-apps.";

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

pub(crate) fn unauthorized() -> Response {
    errors::google(
        401,
        "global",
        "authError",
        "Invalid Credentials",
        Some("Authorization"),
    )
}

fn flag(params: &HashMap<String, String>, name: &str) -> bool {
    params.get(name).is_some_and(|v| v == "true")
}

fn invalid(location: &str, message: &str) -> Response {
    errors::google(400, "global", "invalid", message, Some(location))
}

/// `GET /drive/v3/files`.
pub(crate) async fn list(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(principal) = state.check_token(Upstream::GoogleDrive, bearer(&headers)) else {
        return unauthorized();
    };
    let Ok(query) = params.get("q").map(|q| drive_query::parse(q)).transpose() else {
        return invalid("q", "Invalid Value");
    };
    if params.contains_key("orderBy")
        && query
            .as_ref()
            .is_some_and(drive_query::Query::has_full_text)
    {
        let message = "Sorting is not supported for queries with fullText terms. Results are always in descending relevance order.";
        return errors::google(400, "global", "badRequest", message, Some("orderBy"));
    }
    let page_size = match params.get("pageSize").map(|s| s.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return invalid("pageSize", "Invalid value for pageSize"),
    };
    let corpora = params.get("corpora").map_or("user", String::as_str);
    if !matches!(corpora, "user" | "domain" | "drive" | "allDrives") {
        return invalid("corpora", "Invalid Value");
    }
    let drive_id = params.get("driveId");
    if (corpora == "drive") != drive_id.is_some() {
        return errors::google(
            400,
            "global",
            "teamDriveIdRequiresTeamDriveCorpora",
            "The driveId parameter must be specified if and only if corpora is set to drive.",
            None,
        );
    }
    let all_drives = flag(&params, "includeItemsFromAllDrives");
    if matches!(corpora, "drive" | "allDrives") && !all_drives {
        return errors::google(
            403,
            "global",
            "teamDriveItemsRequired",
            "The includeItemsFromAllDrives parameter must be set to true when driveId is specified or corpora contains drive or allDrives.",
            None,
        );
    }
    let fields = match params.get("fields") {
        None => Fields::parse("kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"),
        Some(spec) => match Fields::parse(spec) {
            Some(fields) => Some(fields),
            None => return invalid("fields", "Invalid field selection"),
        },
    };
    let offset = match params.get("pageToken") {
        None => 0,
        Some(token) => match decode_page_token(token) {
            Some(offset) => offset,
            None => return invalid("pageToken", "Invalid Value"),
        },
    };

    let mut matches: Vec<(&Document, usize)> = state
        .corpus
        .visible_in(Upstream::GoogleDrive, &principal)
        .filter(|d| match (&d.drive_id, corpora) {
            (None, "drive") => false,
            (None, _) => true,
            (Some(id), "drive") => Some(id) == drive_id,
            (Some(_), "allDrives") => true,
            (Some(_), _) => false,
        })
        .filter(|d| query.as_ref().is_none_or(|q| q.matches(d)))
        .map(|d| (d, query.as_ref().map_or(0, |q| q.score(d))))
        .collect();
    matches.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.modified.cmp(&a.0.modified)));

    let page: Vec<Value> = matches
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|(d, _)| file_resource(&state, &principal, d))
        .collect();
    let mut body = json!({"kind": "drive#fileList", "incompleteSearch": false, "files": page});
    if offset + page_size < matches.len() {
        body["nextPageToken"] = json!(encode_page_token(offset + page_size));
    }
    let body = fields.map_or(body.clone(), |f| f.project(&body));
    axum::Json(body).into_response()
}

fn encode_page_token(offset: usize) -> String {
    format!("~!!~{}", URL_SAFE_NO_PAD.encode(format!("offset:{offset}")))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token.strip_prefix("~!!~")?).ok()?;
    std::str::from_utf8(&raw)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

fn web_view_link(doc: &Document) -> String {
    let mime = doc.mime.as_deref().unwrap_or_default();
    match mime.strip_prefix(GOOGLE_APPS) {
        Some("document") => format!(
            "https://docs.google.com/document/d/{}/edit?usp=drivesdk",
            doc.id
        ),
        Some("spreadsheet") => format!(
            "https://docs.google.com/spreadsheets/d/{}/edit?usp=drivesdk",
            doc.id
        ),
        Some("presentation") => format!(
            "https://docs.google.com/presentation/d/{}/edit?usp=drivesdk",
            doc.id
        ),
        _ => format!(
            "https://drive.google.com/file/d/{}/view?usp=drivesdk",
            doc.id
        ),
    }
}

/// A file as `principal` sees it: `capabilities` are per caller, as Drive computes them.
fn file_resource(state: &FakeState, principal: &Principal, doc: &Document) -> Value {
    let mime = doc.mime.as_deref().unwrap_or("application/octet-stream");
    let can_download = state.corpus.can_download(principal, doc);
    // An edit through `/_fake/edit` moves `modifiedTime`, as an edit in Drive would.
    let modified = state
        .last_edited(&doc.id)
        .unwrap_or_else(|| doc.modified.clone());
    let mut file = json!({
        "kind": "drive#file",
        "id": doc.id,
        "name": doc.title,
        "mimeType": mime,
        "webViewLink": web_view_link(doc),
        "modifiedTime": modified,
        // The corpus keeps one time per document; created is when it was last changed at the
        // latest, and the `createdTime` filter compares the same value.
        "createdTime": doc.modified,
        "trashed": doc.trashed,
        "description": "",
        "copyRequiresWriterPermission": doc.copy_requires_writer_permission,
        "capabilities": {"canDownload": can_download, "canCopy": can_download, "canPrint": can_download},
    });
    match &doc.drive_id {
        // Owners are not populated for shared-drive items.
        Some(drive_id) => file["driveId"] = json!(drive_id),
        None => {
            file["owners"] = json!([{"kind": "drive#user", "displayName": doc.owner_name, "emailAddress": doc.owner}]);
        }
    }
    if !mime.starts_with(GOOGLE_APPS) {
        file["size"] = json!(content_len(doc).to_string());
    }
    file
}

fn visible_doc<'a>(
    state: &'a FakeState,
    principal: &Principal,
    id: &str,
    params: &HashMap<String, String>,
) -> Result<&'a Document, Response> {
    let not_found = || {
        let message = format!("File not found: {id}.");
        errors::google(404, "global", "notFound", &message, Some("fileId"))
    };
    let doc = state
        .corpus
        .get(Upstream::GoogleDrive, id)
        .ok_or_else(not_found)?;
    if !state.corpus.visible(principal, doc)
        || (doc.drive_id.is_some() && !flag(params, "supportsAllDrives"))
    {
        return Err(not_found());
    }
    Ok(doc)
}

/// `GET /drive/v3/files/{id}` (metadata, or bytes with `alt=media`).
pub(crate) async fn get(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(principal) = state.check_token(Upstream::GoogleDrive, bearer(&headers)) else {
        return unauthorized();
    };
    let doc = match visible_doc(&state, &principal, &id, &params) {
        Ok(doc) => doc,
        Err(response) => return response,
    };
    if params.get("alt").map(String::as_str) != Some("media") {
        let file = file_resource(&state, &principal, doc);
        let file = match params.get("fields").map(|spec| Fields::parse(spec)) {
            None => file,
            Some(Some(fields)) => fields.project(&file),
            Some(None) => return invalid("fields", "Invalid field selection"),
        };
        return axum::Json(file).into_response();
    }
    if !state.corpus.can_download(&principal, doc) {
        return cannot_download();
    }
    let mime = doc.mime.as_deref().unwrap_or("application/octet-stream");
    if mime.starts_with(GOOGLE_APPS) {
        let message =
            "Only files with binary content can be downloaded. Use Export with Docs Editors files.";
        return errors::google(403, "global", "fileNotDownloadable", message, Some("alt"));
    }
    if let Some(bytes) = doc.file.as_deref().and_then(files::bytes) {
        return ([("content-type", mime.to_owned())], bytes).into_response();
    }
    ([("content-type", mime.to_owned())], doc.text.clone()).into_response()
}

/// What Drive answers a viewer or commenter who asks for the bytes (`alt=media`) or an export
/// of a file whose owner set `copyRequiresWriterPermission`: 403 `cannotDownloadFile`. (The
/// reason and message are as client code handling this case quotes them; the reference notes do
/// not show the body.)
fn cannot_download() -> Response {
    errors::google(
        403,
        "global",
        "cannotDownloadFile",
        "This file cannot be downloaded by the user.",
        None,
    )
}

/// The size of what `alt=media` returns: the real file's, or the text's.
fn content_len(doc: &Document) -> usize {
    doc.file
        .as_deref()
        .and_then(files::bytes)
        .map_or(doc.text.len(), <[u8]>::len)
}

/// `GET /drive/v3/files/{id}/export?mimeType=...`.
pub(crate) async fn export(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(principal) = state.check_token(Upstream::GoogleDrive, bearer(&headers)) else {
        return unauthorized();
    };
    let doc = match visible_doc(&state, &principal, &id, &params) {
        Ok(doc) => doc,
        Err(response) => return response,
    };
    if !state.corpus.can_download(&principal, doc) {
        return cannot_download();
    }
    let Some(kind) = doc
        .mime
        .as_deref()
        .and_then(|m| m.strip_prefix(GOOGLE_APPS))
    else {
        let message = "Export only supports Docs Editors files.";
        return errors::google(403, "global", "fileNotExportable", message, None);
    };
    let Some(target) = params.get("mimeType") else {
        return errors::google(
            400,
            "global",
            "required",
            "Required parameter: mimeType",
            Some("mimeType"),
        );
    };
    let allowed = match kind {
        "document" => ["text/plain", "text/html", "application/pdf"].as_slice(),
        "spreadsheet" => ["text/csv", "application/pdf"].as_slice(),
        "presentation" => ["text/plain", "application/pdf"].as_slice(),
        _ => [].as_slice(),
    };
    if !allowed.contains(&target.as_str()) {
        let message = "The requested conversion is not supported.";
        return errors::google(400, "global", "badRequest", message, Some("convertTo"));
    }
    if doc.export_size_bytes.unwrap_or(doc.text.len() as u64) > EXPORT_LIMIT {
        let message = "This file is too large to be exported.";
        return errors::google(403, "global", "exportSizeLimitExceeded", message, None);
    }
    let body = match kind {
        "spreadsheet" => doc.text.clone(),
        // Plain-text exports of Docs start with a byte-order mark.
        _ => format!("\u{feff}{}", plain_text(doc)),
    };
    ([("content-type", format!("{target}; charset=utf-8"))], body).into_response()
}

/// This fake in [`crate::UPSTREAMS`].
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::GoogleDrive,
    descope_app: "google-drive",
    token_prefix: "ya29.fake",
    routes,
    google_mcp: Some(mcp::product),
    knobs: crate::FakeKnobs {
        route_of,
        fault: errors::google_fault,
    },
};

/// The knob route name of a request to one of Drive's routes, its MCP server's included.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    match (method, segments) {
        _ if crate::google_mcp::serves(mcp::NAME, method, segments) => Some(mcp::NAME),
        ("GET", ["drive", "v3", "files"]) => Some("drive.search"),
        ("GET", ["drive", "v3", "files", _] | ["drive", "v3", "files", _, "export"]) => {
            Some("drive.content")
        }
        (_, ["drive", "v3", "files", _, "comments"]) => Some("drive.comments"),
        _ => None,
    }
}

/// Drive's routes (files, export, comments).
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new()
        .route("/drive/v3/files", routing::get(list))
        .route("/drive/v3/files/{id}", routing::get(get))
        .route("/drive/v3/files/{id}/export", routing::get(export))
        .route(
            "/drive/v3/files/{id}/comments",
            routing::post(comments::create).get(comments::list),
        )
}
