//! One message with its conversation and attachment names.

use secrecy::SecretString;
use tokio::time::Instant;

use super::id::MessageId;
use super::search::HIT_FIELDS;
use super::wire::{AttachmentPage, Message, MessagePage};
use super::{OutlookMail, access_denied_is_reauth, render};
use crate::upstream::Auth;
use crate::{Content, SourceError};

/// Messages of one conversation read for context; a longer one shows its newest.
const MAX_CONVERSATION: usize = 50;

impl OutlookMail {
    /// The message `id`, its conversation around it and its attachments' names.
    pub(crate) async fn read(
        &self,
        token: &SecretString,
        id: &MessageId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let fields = format!("{HIT_FIELDS},body");
        let mut url = self.base_url.join(&["v1.0", "me", "messages", id.as_str()]);
        url.query_pairs_mut().append_pair("$select", &fields);
        let message: Message = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
            .await
            .map_err(access_denied_is_reauth)?;
        let (conversation, attachments) = futures::join!(
            self.conversation(token, &message, &fields, deadline),
            self.attachment_names(token, id, message.has_attachments, deadline)
        );
        let conversation = conversation.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "Outlook mail: conversation not read; the message is shown alone");
            Vec::new()
        });
        let attachments = attachments.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "Outlook mail: attachment names not read");
            vec!["(attachment names could not be read)".to_owned()]
        });
        Ok(render::content(
            &message,
            &conversation,
            attachments,
            max_chars,
        ))
    }

    /// Every message of `message`'s conversation the user has, oldest first. The filter takes no
    /// `$orderby` (Graph refuses one on a property the filter does not start with), so they are
    /// ordered here.
    async fn conversation(
        &self,
        token: &SecretString,
        message: &Message,
        fields: &str,
        deadline: Instant,
    ) -> Result<Vec<Message>, SourceError> {
        let Some(conversation) = message.conversation_id.as_deref() else {
            return Ok(Vec::new());
        };
        // It came from Graph, but it goes into a filter expression: only the id alphabet, which
        // has no quote to close the literal.
        let conversation = MessageId::parse(conversation)
            .map_err(|e| SourceError::InvalidResponse(format!("conversationId {e}")))?;
        let mut url = self.base_url.join(&["v1.0", "me", "messages"]);
        url.query_pairs_mut()
            .append_pair(
                "$filter",
                &format!("conversationId eq '{}'", conversation.as_str()),
            )
            .append_pair("$select", fields)
            .append_pair("$top", &MAX_CONVERSATION.to_string());
        let page: MessagePage = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
            .await?;
        let mut messages = page.value;
        messages.sort_by(|a, b| a.sent().cmp(&b.sent()));
        Ok(messages)
    }

    /// The names of the message's attachments (none asked for when it has none).
    async fn attachment_names(
        &self,
        token: &SecretString,
        id: &MessageId,
        has_attachments: bool,
        deadline: Instant,
    ) -> Result<Vec<String>, SourceError> {
        if !has_attachments {
            return Ok(Vec::new());
        }
        let mut url = self
            .base_url
            .join(&["v1.0", "me", "messages", id.as_str(), "attachments"]);
        url.query_pairs_mut().append_pair("$select", "name");
        let page: AttachmentPage = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| http.get(url.clone()))
            .await?;
        Ok(page.value.into_iter().map(|a| a.name).collect())
    }
}
