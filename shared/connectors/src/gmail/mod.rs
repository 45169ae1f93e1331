//! Gmail, through Google's Gmail MCP server (`gmailmcp.googleapis.com`), as the user.
//!
//! Google asks agents to reach Workspace data through its MCP servers (see
//! `shared/reference/google-workspace-mcp.md`), so this source never calls the Gmail REST API:
//! it is an MCP client of the server's `search_threads` and `get_thread` tools, with the user's
//! own Google token (Descope Outbound Apps, `gmail.readonly` only) as the bearer. Google
//! documents user OAuth only for these servers, so there is no service mode.
//!
//! - Search: the plan in Gmail `q` syntax ([`crate::query::mail::gmail`]), `pageSize` = the
//!   limit (Gmail's maximum is 50). **One hit per thread**: Gmail's search unit is the thread, and
//!   a hit per message would fill the results with one exchange's replies. The hit shows the
//!   previewed message whose subject and snippet hold the most of the query's concepts, the
//!   newest of equals (`render::representative`): for "the email where the budget was
//!   approved", the reply that says so, not the request before it. A short page with a
//!   `nextPageToken` is followed, at most [`MAX_PAGES`] pages (`search.rs`).
//! - Fetch: `get_thread` (`FULL_CONTENT`) and that message in full, with its attachments named
//!   and the rest of the thread as context (`content.rs`). The item id is
//!   `<thread id>/<message id>` ([`id`]).
//! - The server's error results are classified: a missing or refused credential asks the user
//!   to reconnect, a quota error is `rate_limited`, an unknown thread is not found.

mod content;
pub mod id;
mod render;
mod search;
pub(crate) mod settings;
mod source;
mod wire;

pub use source::Gmail;

/// The only Google scope this source asks for. Not `gmail.metadata`: a token holding it cannot
/// search with `q` at all, even beside `gmail.readonly`.
pub const SCOPE: &str = "https://www.googleapis.com/auth/gmail.readonly";
/// Pages of `search_threads` read at most.
pub const MAX_PAGES: usize = 3;
/// `search_threads`' largest page.
pub const MAX_PAGE_SIZE: usize = 50;

/// Gmail in the registry (`crate::registry`).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: crate::SourceKind::Gmail,
    mode_setting: "GMAIL_MODE",
    template_parameter: "GmailMode",
    deployed_settings: &[],
    on_by_default: false,
    base_url_settings: &[],
    endpoint_settings: &[(settings::MCP_URL_SETTING, "/gmailmcp/mcp/v1")],
    secret_keys: &[],
    shared_service_credential: false,
    comments: false,
    lists_events: false,
    item_types: &[crate::query::ItemType::Email],
    upstream_scopes: &[SCOPE],
    settings: settings::settings,
    example_id: "19a3c1f0b2d4e601/19a3d7a2c5e1f702",
};
