//! Outlook message ids.
//!
//! Graph's message ids (immutable ones included, which this source asks for) are URL-safe
//! base64: letters, digits, `-`, `_` and `=` padding, 100 to 200 characters today. A caller's id
//! is parsed into a [`MessageId`] before anything is sent, so it can only ever be one path
//! segment (`/me/messages/{id}`), never a path, a query or an escape.

use crate::id::IdError;

/// Longest message id accepted; Graph's are about 150 characters.
pub const MAX_MESSAGE_ID: usize = 400;

const WITHIN: &str = "Outlook mail";

/// An Outlook message id (or a `conversationId`, which has the same alphabet).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId(String);

impl MessageId {
    /// Parses an id: `[A-Za-z0-9_=-]`, 1 to [`MAX_MESSAGE_ID`] characters.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if s.len() > MAX_MESSAGE_ID {
            return Err(IdError::TooLong {
                max: MAX_MESSAGE_ID,
            });
        }
        if let Some(found) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=')))
        {
            return Err(IdError::Character {
                found,
                within: WITHIN,
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_base64url_ids_parse() {
        let id = "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ2xvYmV4LXNzby0wMQAA";
        assert_eq!(MessageId::parse(id).unwrap().as_str(), id);
        for bad in [
            "",
            "AAk/../../users",
            "AAk?$select=body",
            "AAk%2F..",
            "AAk#x",
            "AAk'",
            "..",
            "AAk AA",
            "AAkü",
        ] {
            assert!(MessageId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            MessageId::parse(&"A".repeat(401)),
            Err(IdError::TooLong { max: 400 })
        );
    }
}
