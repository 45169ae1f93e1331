//! Comments added through the fakes ([`crate::FakeState::comments_on`]): the store the comment
//! routes of Drive (`drive/comments.rs`) and Notion (`notion/comments.rs`) write and list back, so
//! a test can see what was written and by whom.

use serde::Serialize;

use crate::corpus::{Principal, Upstream};
use crate::state::now;

/// A comment someone added through the fakes.
#[derive(Debug, Clone, Serialize)]
pub struct StoredComment {
    /// The upstream it was added to.
    pub upstream: Upstream,
    /// The file or page id.
    pub item: String,
    /// The comment's id.
    pub id: String,
    /// Who added it: the user's email, or `app` for an integration token.
    pub author: String,
    /// The text.
    pub content: String,
    /// RFC 3339.
    pub created_time: String,
}

/// Who a comment is by: the user's email, or `app` for an integration token.
pub(crate) fn author(principal: &Principal) -> String {
    match principal {
        Principal::User(email) => email.clone(),
        Principal::App => "app".into(),
    }
}

/// Now, as the APIs write comment times.
pub(crate) fn rfc3339_now() -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(now()).unwrap_or(0))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}
