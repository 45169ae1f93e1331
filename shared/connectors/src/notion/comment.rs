//! A comment on a Notion page: `POST /v1/comments` with `parent.page_id` and `rich_text`.
//!
//! The integration needs the "Insert comments" capability; without it Notion answers 403
//! `restricted_resource`, as it does when the user's access to the page does not allow comments.
//! A page that is not shared with the integration is a 404 `object_not_found`. The page is read
//! first for its title and link (and to fail as not-found before writing). A page-level comment
//! starts a discussion shown at the top of the page, so the link is the page's.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use super::Notion;
use super::render::page_hit;
use super::wire::Page;
use crate::SourceError;
use crate::comment::{AddedComment, CommentError};
use crate::connector::Comment;
use crate::id::NotionId;
use crate::upstream::Auth;

/// A comment object, as far as it is read.
#[derive(Deserialize)]
struct NotionComment {
    id: String,
    #[serde(default)]
    created_time: Option<String>,
}

/// Notion's 403 on a write, in words that say what to grant.
fn refused(err: SourceError) -> CommentError {
    match err {
        SourceError::Upstream {
            status: Some(403),
            message,
            ..
        } => CommentError::Forbidden {
            message: format!(
                "Notion refused the comment ({message}). The Notion integration needs the \"Insert comments\" \
                 capability, and the user needs comment access to the page."
            ),
        },
        other => CommentError::Source(other),
    }
}

impl Comment for Notion {
    const NOT_SUPPORTED: Option<&'static str> = None;

    async fn comment_with(
        &self,
        token: &SecretString,
        page_id: &NotionId,
        text: &str,
        deadline: Instant,
    ) -> Result<AddedComment, CommentError> {
        let page_url = self.base_url.join(&["v1", "pages", page_id.as_str()]);
        let page: Page = self
            .upstream
            .json(Auth::Bearer(token), deadline, |http| {
                http.get(page_url.clone())
            })
            .await
            .map_err(refused)?;
        let hit = page_hit(&page).ok_or(SourceError::NotFound)?;
        let body = json!({
            "parent": {"page_id": page_id.as_str()},
            "rich_text": [{"type": "text", "text": {"content": text}}],
        });
        let url = self.base_url.join(&["v1", "comments"]);
        let created: NotionComment = self
            .upstream
            .json_once(Auth::Bearer(token), deadline, |http| {
                http.post(url.clone()).json(&body)
            })
            .await
            .map_err(refused)?;
        Ok(AddedComment {
            comment_id: created.id,
            url: hit.url,
            title: hit.title,
            created_time: created.created_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_capability_names_it() {
        let err = refused(SourceError::Upstream {
            status: Some(403),
            message: "Notion answered HTTP 403: restricted_resource: Insufficient permissions for this endpoint.".into(),
            retryable: false,
        });
        assert!(err.to_string().contains("Insert comments"), "{err}");
        assert_eq!(
            refused(SourceError::NotFound),
            CommentError::Source(SourceError::NotFound)
        );
    }
}
