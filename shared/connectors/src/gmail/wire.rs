//! The Gmail MCP server's tool results (`structuredContent`), as far as this source reads them.

use serde::Deserialize;

use crate::wire::skip_invalid;

/// `search_threads`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadPage {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) threads: Vec<Thread>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// A thread (`search_threads` previews its oldest messages; `get_thread` has them all).
#[derive(Deserialize)]
pub(crate) struct Thread {
    pub(crate) id: String,
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) messages: Vec<Message>,
}

/// A message.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Message {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) snippet: String,
    #[serde(default)]
    pub(crate) subject: String,
    /// `Name <address>` or an address.
    #[serde(default)]
    pub(crate) sender: String,
    #[serde(default)]
    pub(crate) to_recipients: Vec<String>,
    #[serde(default)]
    pub(crate) cc_recipients: Vec<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub(crate) date: String,
    /// `get_thread` with `FULL_CONTENT` only.
    #[serde(default)]
    pub(crate) plaintext_body: Option<String>,
    #[serde(default)]
    pub(crate) attachment_ids: Vec<String>,
    /// `get_thread` with `FULL_CONTENT`: the attachments with their file names.
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) attachments: Vec<Attachment>,
}

/// An attachment's name.
#[derive(Deserialize, Clone)]
pub(crate) struct Attachment {
    #[serde(default)]
    pub(crate) filename: String,
}
