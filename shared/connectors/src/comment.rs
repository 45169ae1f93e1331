//! Adding a comment to an item, as the calling user: what comes back, and why it may not happen.
//!
//! Commenting is the one write the connectors do. It is a method of [`crate::Source`] with a
//! default "not supported" answer rather than a separate trait: the service holds its sources as
//! `dyn Source`, and a second trait would need a second registry or a downcast, while a default
//! method makes every source answer the question, SharePoint included (Microsoft Graph has no API
//! to comment on a drive item).
//!
//! A write differs from a read in three ways the connectors honour:
//! - It needs more upstream permission: Google's `drive` scope (the read broker asks only for
//!   `drive.readonly`), a Notion integration with the "insert comments" capability. The upstream's
//!   refusal becomes [`CommentError::Forbidden`], naming what to grant.
//! - It must be the user's own act: a source running on a shared credential would post as the
//!   integration for every caller, so it refuses ([`CommentError::SharedCredential`]).
//! - It is not idempotent: it is never retried once the upstream may have acted on it (only a
//!   throttled attempt is tried again), and a timeout says the comment may exist.

use serde::Serialize;

use crate::{SourceError, SourceKind};

/// Longest comment accepted, in characters: Notion's limit for one rich-text object, and far more
/// than a review note needs. Drive accepts longer comments; one bound keeps the tool simple.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// A comment the upstream created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedComment {
    /// The upstream's id of the comment.
    pub comment_id: String,
    /// A link that opens the item, at the comment where the upstream supports it (Drive's
    /// `disco=` parameter); Notion pages show page comments at the top.
    pub url: String,
    /// The item's title.
    pub title: String,
    /// RFC 3339 time the upstream recorded, when it said.
    pub created_time: Option<String>,
}

/// Why a comment was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommentError {
    /// The source has no API to comment through.
    #[error("{reason}")]
    NotSupported {
        /// The source.
        kind: SourceKind,
        /// Why, for a person or a model.
        reason: &'static str,
    },
    /// The source runs on one credential shared by every caller: a comment would be posted as the
    /// integration, not as the caller, so none is posted.
    #[error(
        "{} runs on a shared integration credential on this server, so a comment would be posted as the integration rather than as you; add_comment needs per-user access (descope_outbound mode)",
        kind.display_name()
    )]
    SharedCredential {
        /// The source.
        kind: SourceKind,
    },
    /// The upstream refused the write: the user's connection lacks the write scope or capability,
    /// or the user may view the item but not comment on it.
    #[error("{message}")]
    Forbidden {
        /// What was refused and what to grant, without secrets.
        message: String,
    },
    /// The text is empty or longer than [`MAX_COMMENT_CHARS`] (the service refuses it first).
    #[error("a comment must be 1 to {MAX_COMMENT_CHARS} characters, not only whitespace")]
    InvalidText,
    /// Any other failure of the upstream call (not found, reauth, throttled, timeout, ...).
    #[error(transparent)]
    Source(#[from] SourceError),
}

impl CommentError {
    /// Whether the upstream may have created the comment anyway (the call timed out after the
    /// request was sent): the caller should look before trying again.
    pub fn may_have_applied(&self) -> bool {
        matches!(self, Self::Source(SourceError::Timeout))
    }
}

/// The comment text as the upstreams take it: at most [`MAX_COMMENT_CHARS`] characters. The
/// service validates the caller's text first; this is the connectors' own bound.
pub(crate) fn bounded(text: &str) -> Result<&str, CommentError> {
    if text.trim().is_empty() || text.chars().count() > MAX_COMMENT_CHARS {
        return Err(CommentError::InvalidText);
    }
    Ok(text)
}
