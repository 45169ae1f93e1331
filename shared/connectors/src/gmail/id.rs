//! Gmail item ids: `<thread id>/<message id>`.
//!
//! A hit is one thread, shown by one of its messages ([`super`] says which); `fetch` reads the
//! thread and renders that message with the rest of the thread as context, so the id names both.
//! Gmail's ids are 16 hex digits today; the grammar allows `[A-Za-z0-9_-]` up to
//! [`MAX_GMAIL_ID`] per part. They travel as tool arguments, not URL paths, but are parsed all the
//! same: an id that Gmail could not have issued names nothing the user can see.

use std::fmt;

use crate::id::IdError;

/// Longest thread or message id accepted.
pub const MAX_GMAIL_ID: usize = 64;

const WITHIN: &str = "Gmail";

/// A message in its thread.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GmailItemId {
    thread: String,
    message: String,
}

fn part(s: &str) -> Result<&str, IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_GMAIL_ID {
        return Err(IdError::TooLong { max: MAX_GMAIL_ID });
    }
    if let Some(found) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Err(IdError::Character {
            found,
            within: WITHIN,
        });
    }
    Ok(s)
}

impl GmailItemId {
    /// Parses `<thread id>/<message id>`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let (thread, message) = s.split_once('/').ok_or(IdError::Shape(
            "a Gmail id is `<thread id>/<message id>`, as search returns it",
        ))?;
        Ok(Self {
            thread: part(thread)?.to_owned(),
            message: part(message)?.to_owned(),
        })
    }

    /// The id of a search hit.
    pub(crate) fn new(thread: &str, message: &str) -> Result<Self, IdError> {
        Ok(Self {
            thread: part(thread)?.to_owned(),
            message: part(message)?.to_owned(),
        })
    }

    /// The thread.
    pub fn thread(&self) -> &str {
        &self.thread
    }

    /// The message within it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for GmailItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.thread, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_and_message_parts_parse() {
        let id = GmailItemId::parse("19a3c1f0b2d4e601/19a3d7a2c5e1f702").unwrap();
        assert_eq!(
            (id.thread(), id.message()),
            ("19a3c1f0b2d4e601", "19a3d7a2c5e1f702")
        );
        assert_eq!(id.to_string(), "19a3c1f0b2d4e601/19a3d7a2c5e1f702");
        for bad in [
            "19a3c1f0b2d4e601",
            "/19a3",
            "19a3/",
            "19a3/19a4/19a5",
            "../19a4",
            "19a3/x\"}",
            "19a3/x y",
            "19a3/%2F",
        ] {
            assert!(GmailItemId::parse(bad).is_err(), "{bad}");
        }
    }
}
