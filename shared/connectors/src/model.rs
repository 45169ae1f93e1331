//! What a source returns, and the identity it acts for.

use std::fmt;

use serde::Serialize;

use crate::{HitDetails, ItemId, SourceKind};

/// The user a search runs as. Connectors use it to obtain the *user's own* upstream token (or to
/// impersonate the user with a service account); the caller's bearer token is deliberately absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserContext {
    /// The identity provider's stable user id (`sub`).
    pub subject: String,
    /// The email Google domain-wide delegation acts as: from an OIDC token, the email its
    /// identity provider issued; for a service token, only the identity the operator configured
    /// for its subject (never a claim of the token).
    pub email: Option<String>,
    /// Whether the identity provider vouched for `email` (`email_verified: true`). Delegation
    /// impersonates only verified emails: an unverified one may name someone else's account.
    pub email_verified: bool,
}

/// One search result as a source ranked it. The orchestration adds the merged score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The upstream's own id of the item (Drive file id, Notion page id, `driveId/itemId` in Graph).
    pub item_id: String,
    /// Title shown to the user.
    pub title: String,
    /// A link the user can open.
    pub url: String,
    /// A short plain-text excerpt (no markup).
    pub snippet: String,
    /// RFC 3339 time of the last change, when the upstream reports it.
    pub modified_time: Option<String>,
    /// Who wrote or last changed it, when known.
    pub author: Option<String>,
    /// RFC 3339 time of its creation, when the upstream reports it: for the `created_*` filters.
    #[serde(skip)]
    pub created_time: Option<String>,
    /// Its owner's (sender's, organiser's) address, when the upstream reports it: for the
    /// `owner` filter, which also matches [`Self::author`].
    #[serde(skip)]
    pub owner: Option<String>,
    /// What kind of item it is, when known: for the `type` filter.
    #[serde(skip)]
    pub item_type: Option<crate::query::ItemType>,
    /// The item's MIME type, when the upstream reports it *and* the caller's own search showed
    /// they may read the item's content (Drive: `capabilities.canDownload`): lets
    /// [`crate::Source::hit_text`] read the item without asking for its metadata again; `None`
    /// means it reads nothing. Not part of any response.
    #[serde(skip)]
    pub media_type: Option<String>,
    /// What a mail, meeting or CRM hit says beyond a document's fields; `None` for documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<HitDetails>,
}

/// The text of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// The title, so `fetch` can answer without a second search.
    pub title: String,
    /// A link the user can open.
    pub url: String,
    /// Plain text. Connectors bound it (see each connector's limits); `truncated` says when they cut.
    pub text: String,
    /// Whether `text` is shorter than the item because a size limit applied.
    pub truncated: bool,
    /// Why there is no text, when there is none (for example an export limit).
    pub unavailable_reason: Option<String>,
    /// What a mail, meeting or CRM item says beyond a document's fields; `None` for documents.
    pub details: Option<HitDetails>,
}

impl Content {
    /// Downloaded bytes as text: decoded (lossily) as UTF-8 without a byte-order mark, cut to
    /// `max_chars`; `cut_bytes` says the download itself was already cut.
    pub(crate) fn from_bytes(
        title: String,
        url: String,
        bytes: &[u8],
        cut_bytes: bool,
        max_chars: usize,
    ) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (text, cut) = crate::text::cut_chars(text, max_chars);
        Self {
            title,
            url,
            text: text.to_owned(),
            truncated: cut || cut_bytes,
            unavailable_reason: None,
            details: None,
        }
    }

    /// An item with no text to show, and why.
    pub(crate) fn unavailable(title: String, url: String, reason: String) -> Self {
        Self {
            title,
            url,
            text: String::new(),
            truncated: false,
            unavailable_reason: Some(reason),
            details: None,
        }
    }
}

/// Why a string is not an [`ItemId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemIdError {
    /// No `source:` prefix.
    #[error("expected `<source>:<item id>`, e.g. `google_drive:1a2b3c`")]
    Shape,
    /// The prefix is not a known source.
    #[error(transparent)]
    Source(#[from] crate::UnknownSource),
    /// The item part is not in the source's id grammar (see [`crate::id`]).
    #[error("not a {} item id: it {reason}", kind.display_name())]
    Item {
        /// The source named by the prefix.
        kind: SourceKind,
        /// What is wrong with the item part.
        reason: crate::id::IdError,
    },
}

impl ItemId {
    /// Upper bound on an id's length; upstream ids are far shorter.
    pub const MAX_LEN: usize = 512;

    /// Parses `<source>:<item id>`, checking the item against the source's grammar (see
    /// [`crate::id`]).
    pub fn parse(s: &str) -> Result<Self, ItemIdError> {
        let (source, item) = s.split_once(':').ok_or(ItemIdError::Shape)?;
        if item.is_empty() || s.len() > Self::MAX_LEN || item.chars().any(char::is_control) {
            return Err(ItemIdError::Shape);
        }
        let source: SourceKind = source.parse()?;
        Self::new(source, item).map_err(|reason| ItemIdError::Item {
            kind: source,
            reason,
        })
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source(), self.item())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_round_trip() {
        let id = ItemId::parse("sharepoint:b!abc-def/01XYZ").unwrap();
        assert_eq!(id.source(), SourceKind::Sharepoint);
        assert_eq!(id.item().to_string(), "b!abc-def/01XYZ");
        assert_eq!(id.to_string(), "sharepoint:b!abc-def/01XYZ");
    }

    #[test]
    fn bad_item_ids_are_rejected() {
        assert_eq!(ItemId::parse("nocolon"), Err(ItemIdError::Shape));
        assert_eq!(ItemId::parse("notion:"), Err(ItemIdError::Shape));
        assert_eq!(ItemId::parse("notion:a\nb"), Err(ItemIdError::Shape));
        assert!(matches!(
            ItemId::parse("dropbox:1"),
            Err(ItemIdError::Source(_))
        ));
        let long = format!("notion:{}", "a".repeat(600));
        assert_eq!(ItemId::parse(&long), Err(ItemIdError::Shape));
    }

    #[test]
    fn item_parts_follow_the_source_grammar() {
        let id = ItemId::parse("notion:2F1C4B6E8D3A4F7E9A2B0123456789AB").unwrap();
        assert_eq!(
            id.to_string(),
            "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab"
        );
        for bad in [
            "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab/../../../v1/users",
            "notion:x?filter=1",
            "google_drive:abc/../../about",
            "sharepoint:b!x/01ABC%2F..%2Fme",
            "sharepoint:b!abc:def/01XYZ",
        ] {
            let err = ItemId::parse(bad).unwrap_err();
            assert!(matches!(err, ItemIdError::Item { .. }), "{bad}: {err:?}");
        }
        let err = ItemId::parse("notion:x?filter=1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a Notion item id: it contains 'x', which Notion ids never contain"
        );
    }
}
