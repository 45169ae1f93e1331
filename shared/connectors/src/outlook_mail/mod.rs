//! Outlook mail through Microsoft Graph, as the user (`/me/messages`, delegated `Mail.Read`).
//!
//! - Search: `GET /v1.0/me/messages?$search="<KQL>"` ([`crate::query::mail::outlook`]), newest
//!   first (Graph sorts `$search` results by date and allows no `$orderby` or `$filter` with it),
//!   `$select`ing only what a hit shows and `$expand`ing attachment names, with
//!   `Prefer: outlook.body-content-type="text", IdType="ImmutableId"` so ids survive a message
//!   being moved. **One hit per conversation**: the newest matching message of each, because a
//!   reply chain would otherwise fill the results with one exchange and crowd out other sources;
//!   the rest of the conversation is what `fetch` shows as context. Pages are followed through
//!   `@odata.nextLink` (verbatim, and only on the configured Graph origin) while fewer
//!   conversations than asked for were found, at most [`MAX_PAGES`] pages (`search.rs`).
//! - Filters are KQL in the same `$search` (`sent`, `received`, `from:`), ANDed to both passes
//!   and checked exactly on each hit (`filters.rs`).
//! - Fetch: the message (`GET /me/messages/{id}`), its conversation
//!   (`$filter=conversationId eq '…'`, ordered here: Graph refuses `$orderby` on a property the
//!   filter does not lead with) and, when it has any, its attachments' names
//!   (`/attachments?$select=name`); the last two run concurrently (`content.rs`).
//! - Ids from the caller are parsed ([`id`]) and only ever one path segment.
//! - A token without `Mail.Read` (Graph's 403 `ErrorAccessDenied`) asks the user to reconnect.

mod content;
mod dialect;
mod filters;
pub mod id;
mod render;
mod search;
pub(crate) mod settings;
mod wire;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::connector::{Comment, Read, Search};
use crate::endpoint::BaseUrl;
use crate::query::{Plan, Planned};
use crate::upstream::Upstream;
use crate::{Content, SearchHit, SourceError, SourceKind};

/// Pages of search results read at most.
pub const MAX_PAGES: usize = 3;
/// The delegated permission this source needs, asked of the Microsoft outbound app.
pub const SCOPE: &str = "Mail.Read";

const REAUTH: &str =
    "Reconnect Microsoft 365 to workplace-mcp (allowing it to read your mail) and try again.";

/// Every request asks for text bodies and immutable ids.
const PREFER: &[(&str, &str)] = &[(
    "Prefer",
    "outlook.body-content-type=\"text\", IdType=\"ImmutableId\"",
)];

/// Outlook mail in the registry (`crate::registry`).
pub(crate) const ENTRY: crate::registry::SourceEntry = crate::registry::SourceEntry {
    kind: SourceKind::OutlookMail,
    mode_setting: "OUTLOOK_MAIL_MODE",
    template_parameter: "OutlookMailMode",
    deployed_settings: &[],
    on_by_default: false,
    base_url_settings: &["GRAPH_BASE_URL"],
    endpoint_settings: &[],
    secret_keys: &[],
    shared_service_credential: false,
    comments: false,
    lists_events: false,
    item_types: &[crate::query::ItemType::Email],
    upstream_scopes: &[SCOPE],
    settings: settings::settings,
    example_id: "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ2xvYmV4LXNzby0wMQAA",
};

/// The Outlook mail source.
pub struct OutlookMail {
    upstream: Upstream,
    base_url: BaseUrl,
}

impl OutlookMail {
    /// Graph at `base_url`.
    pub(crate) fn new(http: reqwest::Client, base_url: BaseUrl) -> Self {
        Self {
            upstream: Upstream::new(http, dialect::API, REAUTH).with_headers(PREFER),
            base_url,
        }
    }
}

/// Graph's 403 on a mailbox means the token lacks `Mail.Read`: only reconnecting fixes it.
fn access_denied_is_reauth(err: SourceError) -> SourceError {
    match err {
        SourceError::Upstream {
            status: Some(403),
            message,
            ..
        } => SourceError::ReauthRequired {
            message: format!("{message}. {REAUTH}"),
        },
        other => other,
    }
}

impl Search for OutlookMail {
    const KIND: SourceKind = SourceKind::OutlookMail;

    async fn search_with(
        &self,
        token: &SecretString,
        query: &str,
        limit: usize,
        deadline: Instant,
    ) -> Result<Vec<SearchHit>, SourceError> {
        self.search_text(token, query, limit, deadline).await
    }

    async fn search_plan_with(
        &self,
        token: &SecretString,
        plan: &Plan,
        limit: usize,
        deadline: Instant,
    ) -> Result<Planned, SourceError> {
        self.search_planned(token, plan, limit, deadline).await
    }
}

impl Read for OutlookMail {
    type Id = id::MessageId;

    async fn content_with(
        &self,
        token: &SecretString,
        id: &id::MessageId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        self.read(token, id, max_chars, deadline).await
    }
}

impl Comment for OutlookMail {
    const NOT_SUPPORTED: Option<&'static str> = Some(
        "adding comments is not supported for Outlook mail: a message has no comments, and a reply would send mail",
    );
}
