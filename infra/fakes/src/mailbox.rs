//! What the two mailbox fakes (`gmail`, `outlook_mail`) share: the demo mail of a corpus file
//! (`corpus/gmail.json`, `corpus/outlook_mail.json`), who may see which message, and a search
//! expression each fake's query language (Gmail `q`, Outlook KQL) is parsed into.
//!
//! Visibility is a mailbox's own: a user has a message when they sent it or it was addressed to
//! them (to or cc), and a thread holds only the messages its viewer has. Nobody sees a thread
//! they are not on, whatever their groups.

use std::collections::HashMap;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::corpus::tokens;

/// One attachment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Attachment {
    /// The upstream's attachment id.
    pub(crate) id: String,
    /// File name.
    pub(crate) name: String,
    /// MIME type.
    pub(crate) mime: String,
    /// Size in bytes.
    pub(crate) size: u64,
}

/// One message.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Message {
    /// The upstream's message id.
    pub(crate) id: String,
    /// Sender's address.
    pub(crate) from: String,
    /// Recipients.
    pub(crate) to: Vec<String>,
    /// Copied recipients.
    #[serde(default)]
    pub(crate) cc: Vec<String>,
    /// RFC 3339 UTC time it was sent (and received: the demo has no transit time).
    pub(crate) date: String,
    /// Subject line.
    pub(crate) subject: String,
    /// Plain-text body.
    pub(crate) body: String,
    /// Attachments.
    #[serde(default)]
    pub(crate) attachments: Vec<Attachment>,
}

impl Message {
    /// Whether `email` sent or received this message.
    pub(crate) fn involves(&self, email: &str) -> bool {
        std::iter::once(&self.from)
            .chain(&self.to)
            .chain(&self.cc)
            .any(|a| a.eq_ignore_ascii_case(email))
    }

    /// Seconds since the epoch of [`Self::date`] (0 when unreadable).
    pub(crate) fn epoch(&self) -> i64 {
        OffsetDateTime::parse(&self.date, &Rfc3339).map_or(0, OffsetDateTime::unix_timestamp)
    }
}

/// A conversation.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Thread {
    /// Gmail thread id / Outlook `conversationId`.
    pub(crate) id: String,
    /// Gmail label ids (Outlook: the folder).
    #[serde(default)]
    pub(crate) labels: Vec<String>,
    /// Oldest first.
    pub(crate) messages: Vec<Message>,
}

/// One product's mail.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Mailbox {
    /// Display names by address.
    people: HashMap<String, String>,
    threads: Vec<Thread>,
}

impl Mailbox {
    /// Parses a corpus file; a checked-in file that does not parse is a bug the fakes' tests catch,
    /// and serving an empty mailbox keeps the other fakes up meanwhile.
    pub(crate) fn parse(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_else(|err| {
            tracing::error!(error = %err, "mail corpus does not parse");
            Self {
                people: HashMap::new(),
                threads: Vec::new(),
            }
        })
    }

    /// The display name of an address, when the demo knows it.
    pub(crate) fn name(&self, email: &str) -> Option<&str> {
        self.people
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(email))
            .map(|(_, n)| n.as_str())
    }

    /// The threads `email` is on, each with only the messages they have, newest activity first.
    pub(crate) fn threads_of(&self, email: &str) -> Vec<Thread> {
        let mut out: Vec<Thread> = self
            .threads
            .iter()
            .filter_map(|t| {
                let messages: Vec<Message> = t
                    .messages
                    .iter()
                    .filter(|m| m.involves(email))
                    .cloned()
                    .collect();
                (!messages.is_empty()).then(|| Thread {
                    messages,
                    ..t.clone()
                })
            })
            .collect();
        out.sort_by_key(|t| std::cmp::Reverse(t.messages.iter().map(Message::epoch).max()));
        out
    }

    /// Every message `email` has, with its thread, newest first.
    pub(crate) fn messages_of(&self, email: &str) -> Vec<(Thread, Message)> {
        let mut out: Vec<(Thread, Message)> = self
            .threads_of(email)
            .into_iter()
            .flat_map(|t| t.messages.clone().into_iter().map(move |m| (t.clone(), m)))
            .collect();
        out.sort_by_key(|(_, m)| std::cmp::Reverse(m.epoch()));
        out
    }
}

/// A message field a search term can be restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    From,
    To,
    Cc,
    /// Sender or any recipient.
    Participants,
    Subject,
    Body,
    /// Attachment file names.
    Attachment,
}

/// A parsed mail search: what both query languages mean, evaluated against one message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// Lowercase tokens that occur in this order, in any field.
    Text(Vec<String>),
    /// Lowercase tokens in this order within one field (addresses and names for people).
    In(Field, Vec<String>),
    /// Sent at or after this epoch second.
    After(i64),
    /// Sent before this epoch second.
    Before(i64),
    /// Has (or, `false`, has no) attachments.
    HasAttachment(bool),
    /// Carries this label (compared case-insensitively).
    Label(String),
    /// Matches everything (an empty query, an operator the fake ignores).
    All,
}

fn contains_run(haystack: &[String], needle: &[String]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

impl Expr {
    /// Whether `message` (in `thread`, of `mailbox`) matches.
    pub(crate) fn matches(&self, mailbox: &Mailbox, thread: &Thread, message: &Message) -> bool {
        match self {
            Self::And(items) => items.iter().all(|e| e.matches(mailbox, thread, message)),
            Self::Or(items) => items.iter().any(|e| e.matches(mailbox, thread, message)),
            Self::Not(inner) => !inner.matches(mailbox, thread, message),
            Self::Text(words) => [
                Field::Subject,
                Field::Body,
                Field::Participants,
                Field::Attachment,
            ]
            .into_iter()
            .any(|f| contains_run(&field_tokens(mailbox, message, f), words)),
            Self::In(field, words) => contains_run(&field_tokens(mailbox, message, *field), words),
            Self::After(at) => message.epoch() >= *at,
            Self::Before(at) => message.epoch() < *at,
            Self::HasAttachment(has) => message.attachments.is_empty() != *has,
            Self::Label(label) => thread.labels.iter().any(|l| l.eq_ignore_ascii_case(label)),
            Self::All => true,
        }
    }
}

/// The tokens of one field; people are matched on their address and their display name.
fn field_tokens(mailbox: &Mailbox, message: &Message, field: Field) -> Vec<String> {
    let people = |addresses: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        addresses
            .flat_map(|a| {
                let mut t = tokens(a);
                t.extend(mailbox.name(a).map(tokens).unwrap_or_default());
                t
            })
            .collect()
    };
    match field {
        Field::From => people(&mut std::iter::once(&message.from)),
        Field::To => people(&mut message.to.iter()),
        Field::Cc => people(&mut message.cc.iter()),
        Field::Participants => people(
            &mut std::iter::once(&message.from)
                .chain(&message.to)
                .chain(&message.cc),
        ),
        Field::Subject => tokens(&message.subject),
        Field::Body => tokens(&message.body),
        Field::Attachment => message
            .attachments
            .iter()
            .flat_map(|a| tokens(&a.name))
            .collect(),
    }
}

/// A value as a field's words: `"quoted phrase"` or a bare word, tokenized.
pub(crate) fn value_words(value: &str) -> Vec<String> {
    tokens(value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gmail() -> Mailbox {
        Mailbox::parse(include_str!("../corpus/gmail.json"))
    }

    #[test]
    fn the_corpus_files_parse_and_threads_are_per_user() {
        let mail = gmail();
        assert!(mail.threads.len() >= 5);
        let outlook = Mailbox::parse(include_str!("../corpus/outlook_mail.json"));
        assert!(outlook.threads.len() >= 5);
        let globex = |m: &Mailbox, who: &str| {
            m.messages_of(who)
                .iter()
                .filter(|(_, msg)| {
                    Expr::Text(vec!["globex".into()]).matches(m, &Thread::default_for(msg), msg)
                })
                .count()
        };
        for m in [&mail, &outlook] {
            assert!(globex(m, "dev@acme.example") >= 3);
            assert!(globex(m, "alice@acme.example") >= 3);
            assert_eq!(globex(m, "bob@acme.example"), 0);
            assert_eq!(globex(m, "carol@acme.example"), 0);
            assert!(!m.threads_of("bob@acme.example").is_empty());
            assert!(!m.threads_of("carol@acme.example").is_empty());
        }
    }

    impl Thread {
        fn default_for(_: &Message) -> Self {
            Self {
                id: String::new(),
                labels: Vec::new(),
                messages: Vec::new(),
            }
        }
    }

    #[test]
    fn fields_match_names_and_addresses() {
        let mail = gmail();
        let (thread, approval) = mail
            .messages_of("dev@acme.example")
            .into_iter()
            .find(|(_, m)| m.id == "19a3d7a2c5e1f702")
            .unwrap();
        let yes = |e: Expr| e.matches(&mail, &thread, &approval);
        assert!(yes(Expr::In(Field::From, value_words("alice"))));
        assert!(yes(Expr::In(Field::From, value_words("Alice Nguyen"))));
        assert!(yes(Expr::In(
            Field::From,
            value_words("alice@acme.example")
        )));
        assert!(!yes(Expr::In(Field::To, value_words("alice"))));
        assert!(yes(Expr::Text(value_words("\"budget is approved\""))));
        assert!(!yes(Expr::Text(value_words("\"approved budget\""))));
        assert!(yes(Expr::Label("label_finance".into())));
        assert!(!yes(Expr::HasAttachment(true)));
    }
}
