//! A file's text: `get_file_metadata` for its title and link and `read_file_content` for the text
//! Google extracted, asked at the same time.

use serde_json::json;
use tokio::time::Instant;

use super::DriveMcp;
use super::wire::{File, FileContent};
use crate::drive::content::NOT_DOWNLOADABLE;
use crate::id::DriveFileId;
use crate::text::cut_chars;
use crate::{Content, SourceError, UserContext};

impl DriveMcp {
    pub(super) async fn read(
        &self,
        user: &UserContext,
        id: &DriveFileId,
        max_chars: usize,
        deadline: Instant,
    ) -> Result<Content, SourceError> {
        let metadata = self.call::<File>(
            user,
            "get_file_metadata",
            json!({"fileId": id.as_str(), "excludeContentSnippets": true}),
            deadline,
        );
        let text = self.call::<FileContent>(
            user,
            "read_file_content",
            json!({"fileId": id.as_str()}),
            deadline,
        );
        let (metadata, text) = tokio::join!(metadata, text);
        let file = metadata?;
        let title = file.title.unwrap_or_default();
        let url = file
            .view_url
            .unwrap_or_else(|| format!("https://drive.google.com/file/d/{}/view", id.as_str()));
        match text {
            Ok(content) => {
                let text = content.file_content.trim_start_matches('\u{feff}');
                let (text, cut) = cut_chars(text, max_chars);
                Ok(Content {
                    title,
                    url,
                    text: text.to_owned(),
                    truncated: cut,
                    unavailable_reason: None,
                    details: None,
                })
            }
            // A viewer of a file whose owner turned off downloading: Drive refuses its content,
            // as the REST API refuses its export.
            Err(SourceError::Upstream { message, .. })
                if message.contains("sufficient permissions") =>
            {
                Ok(Content::unavailable(
                    title,
                    url,
                    NOT_DOWNLOADABLE.to_owned(),
                ))
            }
            Err(err) => Err(err),
        }
    }
}
