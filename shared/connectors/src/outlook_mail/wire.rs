//! Graph message payloads, as far as the Outlook mail source reads them.

use serde::Deserialize;

use crate::wire::skip_invalid;

/// A page of `GET /me/messages`.
#[derive(Deserialize)]
pub(crate) struct MessagePage {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) value: Vec<Message>,
    #[serde(rename = "@odata.nextLink", default)]
    pub(crate) next_link: Option<String>,
}

/// One message (the `$select`ed properties).
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Message {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) subject: Option<String>,
    #[serde(default)]
    pub(crate) body_preview: Option<String>,
    #[serde(default)]
    pub(crate) body: Option<Body>,
    #[serde(default)]
    pub(crate) from: Option<Recipient>,
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) to_recipients: Vec<Recipient>,
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) cc_recipients: Vec<Recipient>,
    #[serde(default)]
    pub(crate) sent_date_time: Option<String>,
    #[serde(default)]
    pub(crate) received_date_time: Option<String>,
    #[serde(default)]
    pub(crate) conversation_id: Option<String>,
    #[serde(default)]
    pub(crate) has_attachments: bool,
    #[serde(default)]
    pub(crate) web_link: Option<String>,
    /// Present when `$expand=attachments($select=name)` asked for them.
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) attachments: Vec<Attachment>,
}

impl Message {
    /// When it was sent (received, for a message without a send time).
    pub(crate) fn sent(&self) -> Option<&str> {
        self.sent_date_time
            .as_deref()
            .or(self.received_date_time.as_deref())
    }
}

/// `body`.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Body {
    #[serde(default)]
    pub(crate) content: String,
}

/// `from` / a recipient.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Recipient {
    pub(crate) email_address: EmailAddress,
}

/// `emailAddress`.
#[derive(Deserialize, Clone)]
pub(crate) struct EmailAddress {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) address: Option<String>,
}

/// `GET /me/messages/{id}/attachments?$select=name`.
#[derive(Deserialize)]
pub(crate) struct AttachmentPage {
    #[serde(default, deserialize_with = "skip_invalid")]
    pub(crate) value: Vec<Attachment>,
}

/// One attachment's name.
#[derive(Deserialize, Clone)]
pub(crate) struct Attachment {
    pub(crate) name: String,
}
