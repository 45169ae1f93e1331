//! `get_thread`: the message with its thread and attachments.

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use super::id::GmailItemId;
use super::wire::Thread;
use super::{Gmail, render};
use crate::{Content, SourceError};

impl Gmail {
    /// The message `id` in full, with the rest of its thread as context.
    pub(crate) async fn read(
        &self,
        token: &SecretString,
        id: &GmailItemId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let arguments = json!({"threadId": id.thread(), "messageFormat": "FULL_CONTENT"});
        let thread: Thread = self
            .server
            .call_tool(token, "get_thread", arguments, deadline)
            .await?
            .parse(self.server.product())?;
        // The thread as this user has it: a message id from elsewhere names nothing here.
        render::content(&thread, id, max_chars).ok_or(SourceError::NotFound)
    }
}
