//! Google Drive's MCP server (`drivemcp`): `search_files`, `get_file_metadata`,
//! `read_file_content`, `get_file_permissions`, `list_recent_files`, over the same demo corpus
//! and per-user visibility as the REST fake, with the REST fake's query engine in its MCP dialect
//! (`title`, not `name`).
//!
//! Shapes as Google's tool reference shows them (`shared/reference/google-workspace-mcp.md` §3):
//! `File` has `title`, `fileSize` as an int64 string, `viewUrl`, `owner` (an email) and `Z`
//! timestamps; snippets are on unless `excludeContentSnippets`; page tokens are opaque and bound
//! to their query; the last page may be empty (`{}`). Assumptions, as Google documents none:
//! search covers shared drives and leaves out the trash; a file the caller may see but not
//! download (`copyRequiresWriterPermission`) gets no snippet and no content.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::query::{self as drive_query, Dialect, Query};
use crate::corpus::{Document, Principal, Upstream, plain_text, tokens};
use crate::google_mcp::{Product, ToolAnswer, ToolCall, ToolDef, Variant};

const READONLY: &str = "https://www.googleapis.com/auth/drive.readonly";
const FULL: &str = "https://www.googleapis.com/auth/drive";
const FILE: &str = "https://www.googleapis.com/auth/drive.file";
/// Read tools accept any scope that reads the caller's files.
const READ_SCOPES: &[&str] = &[READONLY, FULL];
const GOOGLE_APPS: &str = "application/vnd.google-apps.";
/// Characters of a `contentSnippet`.
const SNIPPET_CHARS: usize = 200;

/// The server's name: its path segment and knob route name.
pub(super) const NAME: &str = "drivemcp";

/// The Drive MCP server, served by the fake Google MCP frame.
pub(super) fn product() -> Product {
    let tool = |name, description, input: fn() -> Value, output: fn() -> Value, handler| ToolDef {
        name,
        description,
        input_schema: input,
        output_schema: output,
        read_only: true,
        on_v1self: true,
        units: 1,
        scopes: READ_SCOPES,
        handler,
    };
    Product {
        name: NAME,
        title: "Google Drive MCP server",
        upstream: Upstream::GoogleDrive,
        scopes: &[READONLY, FILE],
        tools: vec![
            tool(
                "search_files",
                "Search for files in Google Drive with a structured query (title, fullText, mimeType, modifiedTime, viewedByMeTime, createdTime, parentId, owner, sharedWithMe).",
                search_input,
                file_list_output,
                search_files,
            ),
            tool(
                "get_file_metadata",
                "Get a Drive file's metadata.",
                metadata_input,
                file_schema,
                get_file_metadata,
            ),
            tool(
                "read_file_content",
                "Read a Drive file's content as text (Docs, Sheets, Slides, PDF, Office, OpenDocument, images). The text may be incomplete for very large files, and its format will change over time.",
                file_id_input,
                content_output,
                read_file_content,
            ),
            tool(
                "get_file_permissions",
                "List who has access to a Drive file.",
                file_id_input,
                permissions_output,
                get_file_permissions,
            ),
            tool(
                "list_recent_files",
                "List the user's recent files.",
                recent_input,
                recent_output,
                list_recent_files,
            ),
        ],
    }
}

fn search_input() -> Value {
    json!({"type": "object", "properties": {
        "query": {"type": "string", "description": "A Drive search query, e.g. title contains 'budget' and modifiedTime > '2026-01-01T00:00:00'."},
        "pageToken": {"type": "string"},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": 100},
        "excludeContentSnippets": {"type": "boolean"}
    }, "required": ["query"]})
}

fn metadata_input() -> Value {
    json!({"type": "object", "properties": {
        "fileId": {"type": "string"}, "excludeContentSnippets": {"type": "boolean"}
    }, "required": ["fileId"]})
}

fn file_id_input() -> Value {
    json!({"type": "object", "properties": {"fileId": {"type": "string"}}, "required": ["fileId"]})
}

fn recent_input() -> Value {
    json!({"type": "object", "properties": {
        "orderBy": {"type": "string", "enum": ["recency", "lastModified", "lastModifiedByMe"]},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": 100},
        "pageToken": {"type": "string"}
    }})
}

fn file_schema() -> Value {
    let s = json!({"type": "string"});
    json!({"type": "object", "properties": {
        "id": s, "title": s, "parentId": s, "mimeType": s,
        "fileSize": {"type": "string", "description": "int64 as a string"},
        "description": s, "fileExtension": s, "contentSnippet": s, "viewUrl": s,
        "sharedWithMeTime": s, "createdTime": s, "modifiedTime": s, "viewedByMeTime": s, "owner": s
    }})
}

fn file_list_output() -> Value {
    json!({"type": "object", "properties": {
        "files": {"type": "array", "items": file_schema()}, "nextPageToken": {"type": "string"}
    }})
}

fn recent_output() -> Value {
    json!({"type": "object", "properties": {
        "files": {"type": "array", "items": file_schema()}, "next_page_token": {"type": "string"}
    }})
}

fn content_output() -> Value {
    json!({"type": "object", "properties": {"fileContent": {"type": "string"}}})
}

fn permissions_output() -> Value {
    json!({"type": "object", "properties": {"permissions": {"type": "array", "items": {
    "type": "object", "properties": {
        "role": {"type": "string"}, "displayName": {"type": "string"}, "type": {"type": "string"},
        "emailAddress": {"type": "string"}, "view": {"type": "string"}
    }}}}})
}

fn email(principal: &Principal) -> &str {
    match principal {
        Principal::User(email) => email,
        Principal::App => "",
    }
}

/// RFC 3339 in UTC with `Z`, as Google writes timestamps.
fn zulu(time: &str) -> String {
    match time.strip_suffix("+00:00") {
        Some(head) => format!("{head}Z"),
        None => time.to_owned(),
    }
}

fn view_url(doc: &Document) -> String {
    let mime = doc.mime.as_deref().unwrap_or_default();
    match mime.strip_prefix(GOOGLE_APPS) {
        Some("document") => format!("https://docs.google.com/document/d/{}/edit", doc.id),
        Some("spreadsheet") => format!("https://docs.google.com/spreadsheets/d/{}/edit", doc.id),
        Some("presentation") => format!("https://docs.google.com/presentation/d/{}/edit", doc.id),
        _ => format!("https://drive.google.com/file/d/{}/view", doc.id),
    }
}

/// The passage around the first query word found in the text, else the text's start.
fn snippet(doc: &Document, words: &[String]) -> String {
    let text: String = plain_text(doc)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let lower = text.to_lowercase();
    let at = words
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .unwrap_or(0);
    // Back up to a word start about a third of the snippet before the match.
    let mut start = at.saturating_sub(SNIPPET_CHARS / 3);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    if let Some(space) = text[..start].rfind(' ') {
        start = space + 1;
    } else {
        start = 0;
    }
    text[start..].chars().take(SNIPPET_CHARS).collect()
}

/// A file as the Drive MCP server shows it to `principal`.
fn file(call: &ToolCall<'_>, doc: &Document, snippet_words: Option<&[String]>) -> Value {
    let corpus = &call.state.corpus;
    let mime = doc.mime.as_deref().unwrap_or("application/octet-stream");
    let me = email(call.principal);
    let mut file = json!({
        "id": doc.id,
        "title": doc.title,
        "mimeType": mime,
        "viewUrl": view_url(doc),
        "createdTime": zulu(&doc.modified),
        "modifiedTime": zulu(&doc.modified),
        "owner": doc.owner,
    });
    if doc.drive_id.is_none() {
        file["parentId"] = json!("root");
    } else if let Some(drive) = &doc.drive_id {
        file["parentId"] = json!(drive);
    }
    if !doc.owner.eq_ignore_ascii_case(me) {
        file["sharedWithMeTime"] = json!(zulu(&doc.modified));
    }
    if !mime.starts_with(GOOGLE_APPS) {
        let size = doc
            .file
            .as_deref()
            .and_then(crate::files::bytes)
            .map_or(doc.text.len(), <[u8]>::len);
        file["fileSize"] = json!(size.to_string());
        if let Some((_, extension)) = doc.title.rsplit_once('.') {
            file["fileExtension"] = json!(extension);
        }
    }
    if let Some(words) = snippet_words
        && corpus.can_download(call.principal, doc)
    {
        file["contentSnippet"] = json!(snippet(doc, words));
    }
    file
}

/// The words of a query's `fullText` and `title` terms, for snippets.
fn query_words(query: &Query) -> Vec<String> {
    match query {
        Query::And(a, b) | Query::Or(a, b) => {
            let mut words = query_words(a);
            words.extend(query_words(b));
            words
        }
        Query::Not(_) => Vec::new(),
        Query::Term { field, value, .. } if field == "fullText" || field == "title" => {
            tokens(value)
        }
        Query::Term { .. } => Vec::new(),
    }
}

/// An opaque page token, bound to `key` (the query) so it cannot be replayed on another.
fn page_token(key: &str, offset: usize) -> String {
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..6]);
    URL_SAFE_NO_PAD.encode(format!("{digest}:{offset}"))
}

fn page_offset(key: &str, token: Option<&str>) -> Result<usize, String> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    let invalid = || "Invalid pageToken.".to_owned();
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let (digest, offset) = raw.split_once(':').ok_or_else(invalid)?;
    if digest != hex::encode(&Sha256::digest(key.as_bytes())[..6]) {
        return Err(invalid());
    }
    offset.parse().map_err(|_| invalid())
}

/// One page of `items`: `{}` when empty (the final page may be), a token while the page was
/// full (so an exactly full last page is followed by an empty one).
fn page(items: Vec<Value>, offset: usize, size: usize, key: &str, token_field: &str) -> Value {
    let page: Vec<Value> = items.iter().skip(offset).take(size).cloned().collect();
    if page.is_empty() {
        return json!({});
    }
    let mut body = json!({ "files": page });
    if page.len() == size {
        body[token_field] = json!(page_token(key, offset + size));
    }
    body
}

/// The files a listing may show: not trashed; on `v1self`, only the caller's own (reading
/// items owned outside the account needs an approval form, which `v1self` clients cannot show,
/// so "list/search return only approval-free items").
fn visible<'a>(call: &'a ToolCall<'_>) -> impl Iterator<Item = &'a Document> + 'a {
    let me = email(call.principal);
    call.state
        .corpus
        .visible_in(Upstream::GoogleDrive, call.principal)
        .filter(move |d| {
            !d.trashed && (call.variant == Variant::V1 || d.owner.eq_ignore_ascii_case(me))
        })
}

fn search_files(call: &ToolCall<'_>) -> ToolAnswer {
    let q = call.required("query")?;
    let query =
        drive_query::parse_in(q, Dialect::Mcp).map_err(|e| format!("Invalid query: {e}."))?;
    let size = call.int_arg("pageSize", 10, 1..=100)? as usize;
    let offset = page_offset(q, call.str_arg("pageToken")?)?;
    let snippets = !call.bool_arg("excludeContentSnippets", false)?;
    let me = email(call.principal);
    let mut matches: Vec<(&Document, usize)> = visible(call)
        .filter(|d| query.matches_for(d, me))
        .map(|d| (d, query.score(d)))
        .collect();
    matches.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.modified.cmp(&a.0.modified)));
    let words = query_words(&query);
    let files = matches
        .iter()
        .map(|(d, _)| file(call, d, snippets.then_some(words.as_slice())))
        .collect();
    Ok(page(files, offset, size, q, "nextPageToken"))
}

fn visible_file<'a>(call: &'a ToolCall<'_>) -> Result<&'a Document, String> {
    let id = call.required("fileId")?;
    call.state
        .corpus
        .get(Upstream::GoogleDrive, id)
        .filter(|d| call.state.corpus.visible(call.principal, d))
        .ok_or_else(|| format!("File not found: {id}."))
}

fn get_file_metadata(call: &ToolCall<'_>) -> ToolAnswer {
    let doc = visible_file(call)?;
    let snippets = !call.bool_arg("excludeContentSnippets", false)?;
    Ok(file(call, doc, snippets.then_some(&[][..])))
}

fn read_file_content(call: &ToolCall<'_>) -> ToolAnswer {
    let doc = visible_file(call)?;
    if !call.state.corpus.can_download(call.principal, doc) {
        return Err(
            "The user does not have sufficient permissions to read the content of this file."
                .into(),
        );
    }
    Ok(json!({ "fileContent": plain_text(doc) }))
}

fn get_file_permissions(call: &ToolCall<'_>) -> ToolAnswer {
    let doc = visible_file(call)?;
    let mut permissions = vec![json!({
        "role": "owner", "displayName": doc.owner_name, "type": "user", "emailAddress": doc.owner,
    })];
    // Groups are the owner's organisation's (`all@acme.example`, `globex-all@globex.example`).
    let domain = doc
        .owner
        .rsplit_once('@')
        .map_or("acme.example", |(_, d)| d);
    for group in &doc.acl {
        let role = if doc.writers.contains(group) {
            "writer"
        } else {
            "reader"
        };
        permissions.push(json!({
            "role": role, "displayName": group, "type": "group",
            "emailAddress": format!("{group}@{domain}"),
        }));
    }
    Ok(json!({ "permissions": permissions }))
}

fn list_recent_files(call: &ToolCall<'_>) -> ToolAnswer {
    let order = call.str_arg("orderBy")?.unwrap_or("recency");
    if !matches!(order, "recency" | "lastModified" | "lastModifiedByMe") {
        return Err(format!("Invalid orderBy: {order}."));
    }
    let size = call.int_arg("pageSize", 10, 1..=100)? as usize;
    let key = format!("recent:{order}");
    let offset = page_offset(&key, call.str_arg("pageToken")?)?;
    let me = email(call.principal);
    let mut docs: Vec<&Document> = visible(call)
        .filter(|d| order != "lastModifiedByMe" || d.owner.eq_ignore_ascii_case(me))
        .collect();
    docs.sort_by(|a, b| b.modified.cmp(&a.modified));
    let files = docs.iter().map(|d| file(call, d, None)).collect();
    Ok(page(files, offset, size, &key, "next_page_token"))
}
