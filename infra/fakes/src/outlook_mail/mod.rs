//! Outlook mail through Microsoft Graph, delegated (`/me`), over the demo mailboxes of
//! `corpus/outlook_mail.json` (see `shared/reference/upstream-apis-2.md` §3, §7):
//!
//! - `GET /v1.0/me/messages`: `$search="<KQL>"` ([`kql`]; newest sent first), or `$filter` with
//!   `conversationId eq '<id>'` (the only filter the fake reads; others are 400), `$top`
//!   (default 10, at most 1000), `$skip`, `$select`, `$orderby`. `$search` with `$filter` or
//!   `$orderby` is a 400, as on Graph; so is `$orderby` on a property `$filter` does not lead
//!   with (`InefficientFilter`). A page that is full carries `@odata.nextLink`, the same query
//!   with `$skip` advanced, on this server's own origin.
//! - `GET /v1.0/me/messages/{id}` and `GET /v1.0/me/messages/{id}/attachments` (`$select`).
//! - Bodies are HTML unless `Prefer: outlook.body-content-type="text"`.
//! - A token names one user, who sees only messages they sent or received; it must be a
//!   delegated Microsoft token granted `Mail.Read` (403 `ErrorAccessDenied` otherwise; an app-only
//!   token gets Graph's 400 for `/me`). Another user's message is 404 `ErrorItemNotFound`.
//! - More than [`MAX_CONCURRENT`] requests in flight on one mailbox: 429 `ApplicationThrottled`
//!   with `Retry-After`. How long each request holds its slot is set with
//!   `POST /_fake/outlook_mail {"hold_ms": N}` (default 0), so a test can make requests overlap.

mod kql;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::extract::rejection::ExtensionRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::corpus::{Principal, Upstream};
use crate::errors;
use crate::mailbox::{Expr, Mailbox, Message, Thread};
use crate::state::FakeState;

/// Requests one mailbox serves at once; Graph's documented limit per app per mailbox.
pub(crate) const MAX_CONCURRENT: usize = 4;
/// The delegated permission the routes require.
pub(crate) const MAIL_READ: &str = "Mail.Read";
/// `$top` when absent, and its largest value.
const DEFAULT_TOP: usize = 10;
const MAX_TOP: usize = 1000;
/// `Retry-After` of a concurrency 429, in seconds.
const RETRY_AFTER: u64 = 1;

/// The fake's own state beside the shared one.
struct Outlook {
    mailbox: Mailbox,
    in_flight: Mutex<HashMap<String, usize>>,
    hold_ms: AtomicU64,
}

/// What a handler works with: the shared state, and this fake's own.
#[derive(Clone)]
struct Fake {
    state: Arc<FakeState>,
    outlook: Arc<Outlook>,
}

impl FromRequestParts<Arc<FakeState>> for Fake {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<FakeState>,
    ) -> Result<Self, Self::Rejection> {
        let Extension(outlook) =
            Extension::<Arc<Outlook>>::from_request_parts(parts, state).await?;
        Ok(Self {
            state: state.clone(),
            outlook,
        })
    }
}

/// This fake in [`crate::UPSTREAMS`]: Microsoft's outbound app (SharePoint's) hands out its
/// tokens, asked for `Mail.Read`.
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::OutlookMail,
    descope_app: "microsoft",
    token_prefix: "eyJ0eXAiOiJKV1QiLCJmYWtlIjoi",
    routes,
    google_mcp: None,
    knobs: crate::FakeKnobs { route_of, fault },
};

/// The knob route name of a request to one of this fake's routes.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    match (method, segments) {
        ("GET", ["v1.0", "me", "messages"]) => Some("outlook_mail.messages"),
        ("GET", ["v1.0", "me", "messages", _]) => Some("outlook_mail.message"),
        ("GET", ["v1.0", "me", "messages", _, "attachments"]) => Some("outlook_mail.attachments"),
        _ => None,
    }
}

/// An injected fault in Graph's dialect on a mailbox: throttled as `ApplicationThrottled`.
fn fault(fault: crate::Fault) -> Response {
    match fault.status {
        429 => errors::graph(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
        ),
        _ => errors::graph_fault(fault),
    }
}

/// The routes. The mailboxes and their concurrency counters are this fake's own state, one per
/// started fake (an extension beside the shared state).
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    let outlook = Arc::new(Outlook {
        mailbox: Mailbox::parse(include_str!("../../corpus/outlook_mail.json")),
        in_flight: Mutex::new(HashMap::new()),
        hold_ms: AtomicU64::new(0),
    });
    Router::new()
        .route("/v1.0/me/messages", get(list))
        .route("/v1.0/me/messages/{id}", get(one))
        .route("/v1.0/me/messages/{id}/attachments", get(attachments))
        .route("/_fake/outlook_mail", post(control))
        .layer(Extension(outlook))
}

#[derive(Deserialize)]
struct Control {
    hold_ms: u64,
}

async fn control(fake: Fake, axum::Json(c): axum::Json<Control>) -> Response {
    fake.outlook.hold_ms.store(c.hold_ms, Ordering::Relaxed);
    axum::Json(json!({"ok": true})).into_response()
}

/// A slot in a mailbox's concurrency allowance, given back when dropped.
struct Slot {
    outlook: Arc<Outlook>,
    user: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self
            .outlook
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.user) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Fake {
    /// The caller's mailbox and a concurrency slot in it, or Graph's answer why not.
    async fn enter(&self, headers: &HeaderMap) -> Result<(String, Slot), Response> {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let user = match self.state.check_token(Upstream::Sharepoint, bearer) {
            None => {
                return Err(errors::graph(
                    401,
                    "InvalidAuthenticationToken",
                    "Access token is empty or invalid.",
                ));
            }
            Some(Principal::App) => {
                return Err(errors::graph(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                ));
            }
            Some(Principal::User(email)) => email,
        };
        let scopes = self.state.token_scopes(bearer);
        if !scopes.iter().any(|s| s.eq_ignore_ascii_case(MAIL_READ)) {
            return Err(errors::graph(
                403,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            ));
        }
        {
            let mut map = self
                .outlook
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let n = map.entry(user.to_lowercase()).or_default();
            if *n >= MAX_CONCURRENT {
                let mut response = errors::graph(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                );
                response
                    .headers_mut()
                    .insert("retry-after", RETRY_AFTER.into());
                return Err(response);
            }
            *n += 1;
        }
        let slot = Slot {
            outlook: self.outlook.clone(),
            user: user.to_lowercase(),
        };
        let hold = self.outlook.hold_ms.load(Ordering::Relaxed);
        if hold > 0 {
            tokio::time::sleep(Duration::from_millis(hold)).await;
        }
        Ok((user, slot))
    }
}

fn bad_request(code: &str, message: &str) -> Response {
    errors::graph(400, code, message)
}

fn not_found() -> Response {
    errors::graph(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// Whether the caller asked for text bodies.
fn wants_text(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.replace(' ', "")
                .contains("outlook.body-content-type=\"text\"")
        })
}

fn address(mailbox: &Mailbox, email: &str) -> Value {
    json!({"emailAddress": {"name": mailbox.name(email).unwrap_or(email), "address": email}})
}

fn html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| {
            let escaped = p
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{}</p>", escaped.replace('\n', "<br>"))
        })
        .collect();
    format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{}</body></html>",
        paragraphs.concat()
    )
}

/// A message in Graph's shape, every property.
fn message(mailbox: &Mailbox, thread: &Thread, m: &Message, text: bool) -> Map<String, Value> {
    let time = kql::graph_time(&m.date);
    let preview: String = m
        .body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(255)
        .collect();
    let body = if text {
        json!({"contentType": "text", "content": m.body})
    } else {
        json!({"contentType": "html", "content": html(&m.body)})
    };
    let encoded: String = url::form_urlencoded::byte_serialize(m.id.as_bytes()).collect();
    let value = json!({
        "@odata.etag": format!("W/\"CQAAABYAAAB{}\"", &m.id[m.id.len().saturating_sub(8)..]),
        "id": m.id,
        "createdDateTime": time, "lastModifiedDateTime": time,
        "receivedDateTime": time, "sentDateTime": time,
        "hasAttachments": !m.attachments.is_empty(),
        "internetMessageId": format!("<{}@acme.example>", &m.id[m.id.len().saturating_sub(12)..]),
        "subject": m.subject, "bodyPreview": preview, "importance": "normal",
        "parentFolderId": "AAMkAGFjbWUtZGVtbwAuAAAAAABJbmJveAAA",
        "conversationId": thread.id,
        "isDeliveryReceiptRequested": false, "isReadReceiptRequested": false,
        "isRead": true, "isDraft": false,
        "webLink": format!("https://outlook.office365.com/owa/?ItemID={encoded}&exvsurl=1&viewmodel=ReadMessageItem"),
        "inferenceClassification": "focused",
        "body": body,
        "sender": address(mailbox, &m.from), "from": address(mailbox, &m.from),
        "toRecipients": m.to.iter().map(|a| address(mailbox, a)).collect::<Vec<_>>(),
        "ccRecipients": m.cc.iter().map(|a| address(mailbox, a)).collect::<Vec<_>>(),
        "bccRecipients": [], "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Keeps the `$select`ed properties (and `id`, `@odata.etag`, as Graph does).
fn select(mut map: Map<String, Value>, selected: Option<&str>) -> Value {
    if let Some(selected) = selected {
        let keep: Vec<&str> = selected.split(',').map(str::trim).collect();
        map.retain(|k, _| k == "id" || k == "@odata.etag" || keep.contains(&k.as_str()));
    }
    Value::Object(map)
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(rename = "$search")]
    search: Option<String>,
    #[serde(rename = "$filter")]
    filter: Option<String>,
    #[serde(rename = "$orderby")]
    orderby: Option<String>,
    #[serde(rename = "$top")]
    top: Option<String>,
    #[serde(rename = "$skip")]
    skip: Option<String>,
    #[serde(rename = "$select")]
    select: Option<String>,
    #[serde(rename = "$expand")]
    expand: Option<String>,
}

/// A `$search` value: `"..."` with `\"` inside, the outer quotes required for KQL with spaces.
fn search_value(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(raw);
    inner.replace("\\\"", "\"")
}

/// `conversationId eq '<id>'`, the one `$filter` the fake reads.
fn conversation_filter(filter: &str) -> Option<String> {
    let rest = filter.trim().strip_prefix("conversationId eq '")?;
    let id = rest.strip_suffix('\'')?;
    (!id.contains('\'')).then(|| id.to_owned())
}

fn count(raw: Option<&str>, default: usize, name: &str) -> Result<usize, Response> {
    match raw {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            bad_request(
                "BadRequest",
                &format!("Invalid value '{v}' for query option '{name}'."),
            )
        }),
    }
}

/// `GET /v1.0/me/messages`.
async fn list(fake: Fake, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let (user, _slot) = match fake.enter(&headers).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    if q.search.is_some() && (q.filter.is_some() || q.orderby.is_some()) {
        let option = if q.filter.is_some() {
            "$filter"
        } else {
            "$orderby"
        };
        return bad_request(
            "BadRequest",
            &format!("Query option '{option}' is not allowed with '$search'."),
        );
    }
    let top = match count(q.top.as_deref(), DEFAULT_TOP, "$top") {
        Ok(n) if (1..=MAX_TOP).contains(&n) => n,
        Ok(_) => {
            return bad_request(
                "BadRequest",
                "The value of '$top' must be between 1 and 1000.",
            );
        }
        Err(response) => return response,
    };
    let skip = match count(q.skip.as_deref(), 0, "$skip") {
        Ok(n) => n,
        Err(response) => return response,
    };
    let conversation = match q.filter.as_deref() {
        None => None,
        Some(filter) => match conversation_filter(filter) {
            Some(id) => Some(id),
            None => {
                return bad_request(
                    "ErrorInvalidUrlQueryFilter",
                    "The query filter contains one or more invalid nodes.",
                );
            }
        },
    };
    if let Some(orderby) = q.orderby.as_deref() {
        let first = orderby.split_whitespace().next().unwrap_or_default();
        if conversation.is_some() && !first.eq_ignore_ascii_case("conversationId") {
            return bad_request(
                "InefficientFilter",
                "The restriction or sort order is too complex for this operation.",
            );
        }
    }
    let mailbox = &fake.outlook.mailbox;
    let expr = q
        .search
        .as_deref()
        .map_or(Expr::All, |s| kql::parse(&search_value(s)));
    let matching: Vec<(Thread, Message)> = mailbox
        .messages_of(&user)
        .into_iter()
        .filter(|(t, _)| conversation.as_ref().is_none_or(|c| *c == t.id))
        .filter(|(t, m)| expr.matches(mailbox, t, m))
        .take(if q.search.is_some() { 1000 } else { usize::MAX })
        .collect();
    let text = wants_text(&headers);
    let value: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(top)
        .map(|(t, m)| {
            let mut value = select(message(mailbox, t, m, text), q.select.as_deref());
            if expands_attachments(q.expand.as_deref()) {
                value["attachments"] = attachment_list(m, Some("name"));
            }
            value
        })
        .collect();
    let mut out = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{user}')/messages"),
        "value": value,
    });
    if skip + top < matching.len() {
        out["@odata.nextLink"] = json!(next_link(&headers, &q, top, skip + top));
    }
    axum::Json(out).into_response()
}

/// The same query on this server with `$skip` advanced.
fn next_link(headers: &HeaderMap, q: &ListQuery, top: usize, skip: usize) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("$search", &q.search),
        ("$filter", &q.filter),
        ("$orderby", &q.orderby),
        ("$select", &q.select),
        ("$expand", &q.expand),
    ] {
        if let Some(value) = value {
            pairs.append_pair(name, value);
        }
    }
    pairs.append_pair("$top", &top.to_string());
    pairs.append_pair("$skip", &skip.to_string());
    format!("http://{host}/v1.0/me/messages?{}", pairs.finish())
}

/// Whether `$expand` asks for the attachments (`attachments` or `attachments($select=name)`).
fn expands_attachments(expand: Option<&str>) -> bool {
    expand.is_some_and(|e| e.trim().starts_with("attachments"))
}

/// A message's attachments as Graph lists them, `$select`ed.
fn attachment_list(m: &Message, selected: Option<&str>) -> Value {
    m.attachments
        .iter()
        .map(|a| {
            let full = json!({
                "@odata.type": "#microsoft.graph.fileAttachment",
                "@odata.mediaContentType": a.mime,
                "id": a.id, "name": a.name, "contentType": a.mime, "size": a.size,
                "isInline": false, "lastModifiedDateTime": kql::graph_time(&m.date),
            });
            match full {
                Value::Object(map) => {
                    let mut v = select(map, selected);
                    v["@odata.type"] = json!("#microsoft.graph.fileAttachment");
                    v
                }
                other => other,
            }
        })
        .collect()
}

/// The caller's message `id`, with its thread.
fn find(mailbox: &Mailbox, user: &str, id: &str) -> Option<(Thread, Message)> {
    mailbox
        .messages_of(user)
        .into_iter()
        .find(|(_, m)| m.id == id)
}

#[derive(Debug, Default, Deserialize)]
struct SelectQuery {
    #[serde(rename = "$select")]
    select: Option<String>,
}

/// `GET /v1.0/me/messages/{id}`.
async fn one(
    fake: Fake,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<SelectQuery>,
) -> Response {
    let (user, _slot) = match fake.enter(&headers).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let mailbox = &fake.outlook.mailbox;
    let Some((thread, m)) = find(mailbox, &user, &id) else {
        return not_found();
    };
    let mut value = select(
        message(mailbox, &thread, &m, wants_text(&headers)),
        q.select.as_deref(),
    );
    value["@odata.context"] = json!(format!(
        "https://graph.microsoft.com/v1.0/$metadata#users('{user}')/messages/$entity"
    ));
    axum::Json(value).into_response()
}

/// `GET /v1.0/me/messages/{id}/attachments`.
async fn attachments(
    fake: Fake,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<SelectQuery>,
) -> Response {
    let (user, _slot) = match fake.enter(&headers).await {
        Ok(entered) => entered,
        Err(response) => return response,
    };
    let mailbox = &fake.outlook.mailbox;
    let Some((_, m)) = find(mailbox, &user, &id) else {
        return not_found();
    };
    let value = attachment_list(&m, q.select.as_deref());
    axum::Json(json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{user}')/messages('{id}')/attachments"),
        "value": value,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_values_and_filters_are_read_like_graph() {
        assert_eq!(
            search_value("\"globex AND \\\"sso login\\\"\""),
            "globex AND \"sso login\""
        );
        assert_eq!(search_value("globex"), "globex");
        assert_eq!(
            conversation_filter("conversationId eq 'AAQk=='").as_deref(),
            Some("AAQk==")
        );
        assert_eq!(
            conversation_filter("conversationId eq 'a' or 1 eq 1'"),
            None
        );
        assert_eq!(conversation_filter("subject eq 'x'"), None);
    }
}
