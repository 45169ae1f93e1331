//! Graph messages as hits and as fetched text.

use super::wire::{Message, Recipient};
use crate::details::{EmailDetails, HitDetails, Person};
use crate::text::cut_chars;
use crate::{Content, SearchHit};

/// Characters of each other message of the conversation shown around the fetched one.
const CONTEXT_CHARS: usize = 300;

fn person(r: &Recipient) -> Person {
    Person {
        email: r.email_address.address.clone().unwrap_or_default(),
        name: r.email_address.name.clone().filter(|n| !n.is_empty()),
    }
}

fn label(p: &Person) -> String {
    match &p.name {
        Some(name) if *name != p.email => format!("{name} <{}>", p.email),
        _ => p.email.clone(),
    }
}

fn subject(m: &Message) -> String {
    m.subject
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "(no subject)".to_owned())
}

/// The message's details, with `attachments` named.
pub(super) fn details(m: &Message, attachments: Vec<String>) -> HitDetails {
    HitDetails::Email(EmailDetails {
        from: m.from.as_ref().map_or(
            Person {
                email: String::new(),
                name: None,
            },
            person,
        ),
        to: m.to_recipients.iter().map(person).collect(),
        cc: m.cc_recipients.iter().map(person).collect(),
        sent: m.sent().unwrap_or_default().to_owned(),
        thread_id: m.conversation_id.clone().unwrap_or_default(),
        attachments,
    })
}

/// A search hit for a message.
pub(super) fn hit(m: &Message, attachments: Vec<String>) -> SearchHit {
    SearchHit {
        item_id: m.id.clone(),
        title: subject(m),
        url: m.web_link.clone().unwrap_or_default(),
        snippet: m.body_preview.clone().unwrap_or_default(),
        modified_time: m.sent().map(str::to_owned),
        author: m.from.as_ref().map(|f| label(&person(f))),
        // When it arrived in this mailbox; the sender owns it.
        created_time: m
            .received_date_time
            .clone()
            .or_else(|| m.sent().map(str::to_owned)),
        owner: m
            .from
            .as_ref()
            .and_then(|f| f.email_address.address.clone()),
        item_type: Some(crate::query::ItemType::Email),
        media_type: None,
        details: Some(details(m, attachments)),
    }
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fetched message in full, its attachments named, and the rest of its conversation (oldest
/// first) as context: each other message's sender, time and opening lines.
pub(super) fn content(
    m: &Message,
    conversation: &[Message],
    attachments: Vec<String>,
    max_chars: usize,
) -> Content {
    let details = details(m, attachments);
    let mut text = String::new();
    text.push_str(&format!("Subject: {}\n", subject(m)));
    if let HitDetails::Email(mail) = &details {
        text.push_str(&format!("From: {}\n", label(&mail.from)));
        if !mail.to.is_empty() {
            let to: Vec<String> = mail.to.iter().map(label).collect();
            text.push_str(&format!("To: {}\n", to.join(", ")));
        }
        if !mail.cc.is_empty() {
            let cc: Vec<String> = mail.cc.iter().map(label).collect();
            text.push_str(&format!("Cc: {}\n", cc.join(", ")));
        }
        text.push_str(&format!("Sent: {}\n", mail.sent));
        if !mail.attachments.is_empty() {
            text.push_str(&format!("Attachments: {}\n", mail.attachments.join(", ")));
        }
    }
    text.push('\n');
    let body = m
        .body
        .as_ref()
        .map(|b| b.content.trim().to_owned())
        .or_else(|| m.body_preview.clone())
        .unwrap_or_default();
    text.push_str(&body);
    text.push('\n');
    if conversation.len() > 1 {
        let position = conversation.iter().position(|c| c.id == m.id);
        text.push_str(&format!(
            "\nThread: {} messages{}\n",
            conversation.len(),
            position.map_or(String::new(), |p| format!(", this is message {}", p + 1))
        ));
        for (i, other) in conversation.iter().enumerate() {
            let from = other
                .from
                .as_ref()
                .map_or_else(String::new, |f| label(&person(f)));
            if other.id == m.id {
                text.push_str(&format!("{}. (this message)\n", i + 1));
                continue;
            }
            let preview = flat(
                other
                    .body
                    .as_ref()
                    .map(|b| b.content.as_str())
                    .or(other.body_preview.as_deref())
                    .unwrap_or_default(),
            );
            let (preview, cut) = cut_chars(&preview, CONTEXT_CHARS);
            text.push_str(&format!(
                "{}. {} from {}: {}{}\n",
                i + 1,
                other.sent().unwrap_or_default(),
                from,
                preview,
                if cut { " …" } else { "" }
            ));
        }
    }
    let (cut_text, truncated) = cut_chars(&text, max_chars);
    Content {
        title: subject(m),
        url: m.web_link.clone().unwrap_or_default(),
        text: cut_text.to_owned(),
        truncated,
        unavailable_reason: None,
        details: Some(details),
    }
}
