//! The Gmail product of the fake Google Workspace MCP servers (`gmailmcp.googleapis.com`):
//! the `search_threads` and `get_thread` tools over the demo mailboxes of `corpus/gmail.json`
//! (see `shared/reference/google-workspace-mcp.md` §3-4).
//!
//! - A token names one user, who sees only the threads they are on, and in each thread only the
//!   messages they sent or received ([`crate::mailbox`]).
//! - `search_threads {query, pageSize, pageToken, includeTrash}`: Gmail `q` syntax ([`query`]);
//!   threads newest activity first; `pageSize` defaults to 20 and is capped at 50; each thread
//!   previews at most its [`PREVIEW_MESSAGES`] oldest messages, without bodies and without a
//!   marker that more exist (as observed of Google's server); `nextPageToken` is opaque, bound to
//!   the user and the query (a token used with another query is an invalid argument), and comes
//!   with every full page, so a result that ends exactly on a page boundary ends with an empty
//!   page.
//! - `get_thread {threadId, messageFormat}`: every message the user has, oldest first;
//!   `FULL_CONTENT` (the default) adds `plaintextBody` and the attachments' names.
//! - Message: `id, snippet, subject, sender, toRecipients[], ccRecipients[], date` (YYYY-MM-DD),
//!   `attachmentIds[]`; people as `Name <address>`.

mod query;

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::corpus::{Principal, Upstream};
use crate::google_mcp::{Product, ToolAnswer, ToolCall, ToolDef};
use crate::mailbox::{Mailbox, Message, Thread};

/// The scope Gmail reads need, and the broader ones that include reading.
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const READ_SCOPES: &[&str] = &[
    READONLY,
    "https://www.googleapis.com/auth/gmail.modify",
    "https://mail.google.com/",
];

/// The demo mail, parsed once (tool handlers are plain functions).
pub(crate) fn mailbox() -> &'static Mailbox {
    static MAILBOX: OnceLock<Mailbox> = OnceLock::new();
    MAILBOX.get_or_init(|| Mailbox::parse(include_str!("../../corpus/gmail.json")))
}

/// Gmail's fake in [`crate::UPSTREAMS`]: its API is the `gmailmcp` server of the fake Google MCP
/// frame, so it adds no routes of its own; Drive's outbound app (Google's) hands out its tokens,
/// asked for `gmail.readonly` only.
pub(crate) const UPSTREAM: crate::FakeUpstream = crate::FakeUpstream {
    kind: Upstream::Gmail,
    descope_app: "google-drive",
    token_prefix: "ya29.fake",
    routes: axum::Router::new,
    google_mcp: Some(product),
    knobs: crate::FakeKnobs {
        route_of,
        fault: crate::errors::google_fault,
    },
};

/// The server's name: its path segment and knob route name.
const NAME: &str = "gmailmcp";

/// The knob route name of a request to the server.
fn route_of(method: &str, segments: &[&str]) -> Option<&'static str> {
    crate::google_mcp::serves(NAME, method, segments).then_some(NAME)
}

/// The Gmail MCP server (`gmailmcp`) for the frame of `crate::google_mcp`.
fn product() -> Product {
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
        title: "Gmail MCP server",
        upstream: Upstream::GoogleDrive,
        scopes: &[
            READONLY,
            "https://www.googleapis.com/auth/gmail.compose",
            "https://www.googleapis.com/auth/gmail.modify",
            "https://www.googleapis.com/auth/gmail.metadata",
            "https://mail.google.com/",
        ],
        tools: vec![
            tool(
                "search_threads",
                "Lists email threads from the authenticated user's Gmail account that match the query. Message bodies are not included.",
                search_input,
                thread_list_output,
                search_threads_tool,
            ),
            tool(
                "get_thread",
                "Retrieves a specific email thread from the authenticated user's Gmail account, including a list of its messages.",
                get_thread_input,
                thread_output,
                get_thread_tool,
            ),
        ],
    }
}

/// The mailbox owner a token acts for; Gmail has no app-only access.
fn owner<'a>(call: &'a ToolCall<'_>) -> Result<&'a str, String> {
    match call.principal {
        Principal::User(email) => Ok(email),
        Principal::App => Err("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.".into()),
    }
}

fn search_threads_tool(call: &ToolCall<'_>) -> ToolAnswer {
    let user = owner(call)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    search_threads(mailbox(), user, &Value::Object(call.args.clone()), now)
        .map_err(|e| e.to_string())
}

fn get_thread_tool(call: &ToolCall<'_>) -> ToolAnswer {
    let user = owner(call)?;
    get_thread(mailbox(), user, &Value::Object(call.args.clone())).map_err(|e| e.to_string())
}

/// `search_threads`' default page size.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 20;
/// `search_threads`' largest page.
pub(crate) const MAX_PAGE_SIZE: usize = 50;
/// Messages a `search_threads` thread previews.
pub(crate) const PREVIEW_MESSAGES: usize = 5;
/// Characters of a message's snippet.
const SNIPPET_CHARS: usize = 140;

/// A tool call that Gmail answers with an error result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ToolError {
    /// An argument is missing or wrong (Google's `INVALID_ARGUMENT`).
    #[error("Request contains an invalid argument: {0}")]
    InvalidArgument(String),
    /// No such thread for this user (`NOT_FOUND`).
    #[error("Requested entity was not found.")]
    NotFound,
}

/// A person as Gmail's headers show them.
fn person(mailbox: &Mailbox, email: &str) -> String {
    match mailbox.name(email) {
        Some(name) => format!("{name} <{email}>"),
        None => email.to_owned(),
    }
}

fn snippet(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(SNIPPET_CHARS).collect()
}

/// One message in the tool's shape; `full` adds the body and the attachments' names.
fn message(mailbox: &Mailbox, m: &Message, full: bool) -> Value {
    let mut out = json!({
        "id": m.id,
        "snippet": snippet(&m.body),
        "subject": m.subject,
        "sender": person(mailbox, &m.from),
        "toRecipients": m.to.iter().map(|a| person(mailbox, a)).collect::<Vec<_>>(),
        "ccRecipients": m.cc.iter().map(|a| person(mailbox, a)).collect::<Vec<_>>(),
        "date": m.date.get(..10).unwrap_or_default(),
        "attachmentIds": m.attachments.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
    });
    if full {
        out["plaintextBody"] = json!(m.body);
        out["attachments"] = m
            .attachments
            .iter()
            .map(|a| json!({"attachmentId": a.id, "filename": a.name, "mimeType": a.mime, "size": a.size}))
            .collect();
    }
    out
}

/// The page token's binding: who asked, for what.
fn binding(user: &str, query: &str, include_trash: bool) -> String {
    let digest = Sha256::digest(format!("{user}\n{query}\n{include_trash}").as_bytes());
    hex::encode(&digest[..8])
}

fn page_token(offset: usize, bound: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{bound}"))
}

fn read_token(token: &str, bound: &str) -> Result<usize, ToolError> {
    let invalid = || ToolError::InvalidArgument("Invalid page token.".into());
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let (offset, token_bound) = raw.split_once(':').ok_or_else(invalid)?;
    if token_bound != bound {
        return Err(invalid());
    }
    offset.parse().map_err(|_| invalid())
}

fn optional_str<'a>(args: &'a Value, name: &str) -> Result<Option<&'a str>, ToolError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ToolError::InvalidArgument(format!(
            "{name} must be a string"
        ))),
    }
}

/// `search_threads` for `user` at `now` (epoch seconds, for `newer_than:`).
pub(crate) fn search_threads(
    mailbox: &Mailbox,
    user: &str,
    args: &Value,
    now: i64,
) -> Result<Value, ToolError> {
    let query = optional_str(args, "query")?.unwrap_or_default();
    let size = match args.get("pageSize") {
        None | Some(Value::Null) => DEFAULT_PAGE_SIZE,
        Some(v) => match v.as_i64() {
            Some(n) if n < 0 => {
                return Err(ToolError::InvalidArgument(
                    "pageSize must not be negative".into(),
                ));
            }
            Some(0) => DEFAULT_PAGE_SIZE,
            Some(n) => usize::try_from(n)
                .unwrap_or(MAX_PAGE_SIZE)
                .min(MAX_PAGE_SIZE),
            None => {
                return Err(ToolError::InvalidArgument(
                    "pageSize must be an integer".into(),
                ));
            }
        },
    };
    let include_trash = args
        .get("includeTrash")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let bound = binding(user, query, include_trash);
    let offset = match optional_str(args, "pageToken")? {
        Some(token) if !token.is_empty() => read_token(token, &bound)?,
        _ => 0,
    };
    let expr = query::parse(query, now);
    let matching: Vec<Thread> = mailbox
        .threads_of(user)
        .into_iter()
        .filter(|t| include_trash || !t.labels.iter().any(|l| l == "TRASH"))
        .filter(|t| t.messages.iter().any(|m| expr.matches(mailbox, t, m)))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(size)
        .map(|t| {
            let previews: Vec<Value> = t
                .messages
                .iter()
                .take(PREVIEW_MESSAGES)
                .map(|m| message(mailbox, m, false))
                .collect();
            json!({"id": t.id, "messages": previews})
        })
        .collect();
    let mut out = json!({"threads": page});
    if page.len() == size {
        out["nextPageToken"] = json!(page_token(offset + size, &bound));
    }
    Ok(out)
}

/// `get_thread` for `user`.
pub(crate) fn get_thread(mailbox: &Mailbox, user: &str, args: &Value) -> Result<Value, ToolError> {
    let Some(id) = optional_str(args, "threadId")?.filter(|s| !s.is_empty()) else {
        return Err(ToolError::InvalidArgument("threadId is required".into()));
    };
    let full = match optional_str(args, "messageFormat")? {
        None | Some("FULL_CONTENT" | "MESSAGE_FORMAT_UNSPECIFIED") => true,
        Some("MINIMAL" | "METADATA_ONLY") => false,
        Some(other) => {
            return Err(ToolError::InvalidArgument(format!(
                "Invalid value for messageFormat: {other}"
            )));
        }
    };
    let thread = mailbox
        .threads_of(user)
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(ToolError::NotFound)?;
    let messages: Vec<Value> = thread
        .messages
        .iter()
        .map(|m| message(mailbox, m, full))
        .collect();
    Ok(json!({"id": thread.id, "messages": messages}))
}

fn search_input() -> Value {
    json!({"type": "object", "properties": {
        "query": {"type": "string", "description": "Gmail search query, e.g. `from:alice subject:budget`. label: takes label IDs."},
        "pageSize": {"type": "integer", "description": "Maximum threads to return (default 20, maximum 50)."},
        "pageToken": {"type": "string"},
        "includeTrash": {"type": "boolean"}
    }})
}

fn get_thread_input() -> Value {
    json!({"type": "object", "required": ["threadId"], "properties": {
        "threadId": {"type": "string"},
        "messageFormat": {"type": "string", "enum": ["MESSAGE_FORMAT_UNSPECIFIED", "MINIMAL", "FULL_CONTENT", "METADATA_ONLY"]}
    }})
}

fn message_schema() -> Value {
    json!({"type": "object", "properties": {
        "id": {"type": "string"}, "snippet": {"type": "string"}, "subject": {"type": "string"},
        "sender": {"type": "string"},
        "toRecipients": {"type": "array", "items": {"type": "string"}},
        "ccRecipients": {"type": "array", "items": {"type": "string"}},
        "date": {"type": "string"}, "plaintextBody": {"type": "string"},
        "attachmentIds": {"type": "array", "items": {"type": "string"}},
        "attachments": {"type": "array", "items": {"type": "object"}}
    }})
}

fn thread_output() -> Value {
    json!({"type": "object", "properties": {
        "id": {"type": "string"},
        "messages": {"type": "array", "items": message_schema()}
    }})
}

fn thread_list_output() -> Value {
    json!({"type": "object", "properties": {
        "threads": {"type": "array", "items": thread_output()},
        "nextPageToken": {"type": "string"}
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    const DANA: &str = "dev@acme.example";

    fn ids(page: &Value) -> Vec<String> {
        page["threads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_budget_approval_is_found_in_danas_mail_only_by_those_on_it() {
        let mail = mailbox();
        let q = json!({"query": "(budget OR budgets) (approved OR approve)"});
        let dana = search_threads(mail, DANA, &q, 0).unwrap();
        assert_eq!(ids(&dana), ["19a3c1f0b2d4e601"]);
        let messages = &dana["threads"][0]["messages"];
        assert_eq!(messages[1]["sender"], "Alice Nguyen <alice@acme.example>");
        assert_eq!(messages[1]["date"], "2026-12-01");
        assert!(messages[1].get("plaintextBody").is_none());
        let bob = search_threads(mail, "bob@acme.example", &q, 0).unwrap();
        assert!(ids(&bob).is_empty());
        let globex = json!({"query": "globex"});
        assert!(ids(&search_threads(mail, DANA, &globex, 0).unwrap()).len() >= 3);
        for other in ["bob@acme.example", "carol@acme.example"] {
            assert!(ids(&search_threads(mail, other, &globex, 0).unwrap()).is_empty());
        }
    }

    #[test]
    fn pages_are_bound_to_the_query_and_end_with_an_empty_page_when_full() {
        let mail = mailbox();
        let all = ids(&search_threads(mail, DANA, &json!({}), 0).unwrap());
        let total = all.len();
        assert!(total >= 4);
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut args = json!({"pageSize": 2});
            if let Some(t) = &token {
                args["pageToken"] = json!(t);
            }
            let page = search_threads(mail, DANA, &args, 0).unwrap();
            seen.extend(ids(&page));
            pages += 1;
            match page["nextPageToken"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, all);
        assert_eq!(
            pages,
            total / 2 + 1,
            "a full last page is followed by an empty one"
        );
        let first = search_threads(mail, DANA, &json!({"pageSize": 1}), 0).unwrap();
        let token = first["nextPageToken"].as_str().unwrap();
        let other = json!({"query": "budget", "pageSize": 1, "pageToken": token});
        assert!(matches!(
            search_threads(mail, DANA, &other, 0),
            Err(ToolError::InvalidArgument(_))
        ));
        let as_bob = json!({"pageSize": 1, "pageToken": token});
        assert!(search_threads(mail, "bob@acme.example", &as_bob, 0).is_err());
        let big = search_threads(mail, DANA, &json!({"pageSize": 500}), 0).unwrap();
        assert!(ids(&big).len() <= MAX_PAGE_SIZE);
    }

    #[test]
    fn get_thread_has_bodies_and_attachment_names_for_its_members_only() {
        let mail = mailbox();
        let thread = get_thread(mail, DANA, &json!({"threadId": "19a3c1f0b2d4e601"})).unwrap();
        let first = &thread["messages"][0];
        assert!(
            first["plaintextBody"]
                .as_str()
                .unwrap()
                .contains("approve it")
        );
        assert_eq!(first["attachments"][0]["filename"], "FY2027-Q3-budget.xlsx");
        let minimal = json!({"threadId": "19a3c1f0b2d4e601", "messageFormat": "MINIMAL"});
        assert!(
            get_thread(mail, DANA, &minimal).unwrap()["messages"][0]
                .get("plaintextBody")
                .is_none()
        );
        let bob = get_thread(
            mail,
            "bob@acme.example",
            &json!({"threadId": "19a3c1f0b2d4e601"}),
        );
        assert_eq!(bob, Err(ToolError::NotFound));
        assert!(matches!(
            get_thread(mail, DANA, &json!({})),
            Err(ToolError::InvalidArgument(_))
        ));
    }
}
