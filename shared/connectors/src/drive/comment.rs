//! A comment on a Drive file: `comments.create` (`POST /drive/v3/files/{fileId}/comments`).
//!
//! Drive requires the `fields` parameter on every comments method and the `drive` (or
//! `drive.file`) scope: a `drive.readonly` token is refused with 403 `insufficientPermissions`,
//! and a user who may only view the file with 403 `insufficientFilePermissions`. The file is read
//! first (`files.get`) for its title and link, which also turns a file the user cannot see into a
//! plain not-found before anything is written. Drive gives a comment no link of its own; the
//! file's `webViewLink` with `disco=<comment id>` opens the file at the comment.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use super::Drive;
use super::wire::File;
use crate::SourceError;
use crate::comment::{AddedComment, CommentError};
use crate::connector::Comment;
use crate::id::DriveFileId;
use crate::upstream::Auth;

/// The scope a comment needs, as Google names it.
pub const DRIVE_WRITE_SCOPE: &str = "https://www.googleapis.com/auth/drive";

/// `comments.create` answer, as far as it is read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DriveComment {
    id: String,
    #[serde(default)]
    created_time: Option<String>,
}

/// Drive's 403s on a write, in words that say what to grant.
fn refused(err: SourceError) -> CommentError {
    match err {
        SourceError::Upstream {
            status: Some(403),
            message,
            ..
        } => {
            let message = if message.contains("insufficientPermissions")
                || message.contains("insufficient authentication scopes")
            {
                format!(
                    "Google Drive refused the comment because the user's Google connection is read-only ({message}). \
                     Adding comments needs the {DRIVE_WRITE_SCOPE} scope: reconnect Google Drive and grant it."
                )
            } else {
                format!(
                    "Google Drive refused the comment: the user may view this file but not comment on it ({message})."
                )
            };
            CommentError::Forbidden { message }
        }
        other => CommentError::Source(other),
    }
}

/// The file's link, opened at the comment.
fn comment_link(web_view_link: Option<&str>, comment_id: &str) -> String {
    match web_view_link.and_then(|link| url::Url::parse(link).ok()) {
        Some(mut link) => {
            link.query_pairs_mut().append_pair("disco", comment_id);
            link.into()
        }
        None => String::new(),
    }
}

impl Comment for Drive {
    const NOT_SUPPORTED: Option<&'static str> = None;

    async fn comment_with(
        &self,
        token: &SecretString,
        id: &DriveFileId,
        text: &str,
        deadline: Instant,
    ) -> Result<AddedComment, CommentError> {
        let file_url = self.base_url.join(&["drive", "v3", "files", id.as_str()]);
        let file: File = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| {
                http.get(file_url.clone()).query(&[
                    ("supportsAllDrives", "true"),
                    ("fields", "id,name,webViewLink"),
                ])
            })
            .await
            .map_err(refused)?;
        let url = self
            .base_url
            .join(&["drive", "v3", "files", id.as_str(), "comments"]);
        let body = json!({ "content": text });
        let created: DriveComment = self
            .upstream
            .json_once(Auth::Bearer(token), deadline, |http| {
                http.post(url.clone())
                    .query(&[("fields", "id,createdTime")])
                    .json(&body)
            })
            .await
            .map_err(refused)?;
        Ok(AddedComment {
            url: comment_link(file.web_view_link.as_deref(), &created.id),
            comment_id: created.id,
            title: file.name.unwrap_or_default(),
            created_time: created.created_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_opens_the_file_at_the_comment() {
        assert_eq!(
            comment_link(
                Some("https://docs.google.com/document/d/1abc/edit?usp=drivesdk"),
                "AAAB&x"
            ),
            "https://docs.google.com/document/d/1abc/edit?usp=drivesdk&disco=AAAB%26x"
        );
        assert_eq!(comment_link(None, "AAAB"), "");
        assert_eq!(comment_link(Some("not a url"), "AAAB"), "");
    }

    #[test]
    fn a_read_only_token_and_a_viewer_are_told_apart() {
        let scope = refused(SourceError::Upstream {
            status: Some(403),
            message: "Google Drive answered HTTP 403: insufficientPermissions: Request had insufficient authentication scopes.".into(),
            retryable: false,
        });
        assert!(scope.to_string().contains(DRIVE_WRITE_SCOPE), "{scope}");
        let viewer = refused(SourceError::Upstream {
            status: Some(403),
            message: "Google Drive answered HTTP 403: insufficientFilePermissions: The user does not have sufficient permissions for this file.".into(),
            retryable: false,
        });
        assert!(viewer.to_string().contains("not comment"), "{viewer}");
        assert_eq!(
            refused(SourceError::NotFound),
            CommentError::Source(SourceError::NotFound)
        );
    }
}
