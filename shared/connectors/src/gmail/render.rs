//! Gmail threads as hits and as fetched text.

use super::id::GmailItemId;
use super::wire::{Message, Thread};
use crate::details::{EmailDetails, HitDetails, Person};
use crate::text::cut_chars;
use crate::{Content, SearchHit};

/// Characters of each other message of the thread shown around the fetched one.
const CONTEXT_CHARS: usize = 300;

/// `Name <address>`, `"Name" <address>` or a bare address.
pub(super) fn person(header: &str) -> Person {
    let header = header.trim();
    match (header.rfind('<'), header.ends_with('>')) {
        (Some(open), true) => {
            let name = header[..open].trim().trim_matches('"').trim();
            Person {
                email: header[open + 1..header.len() - 1].trim().to_owned(),
                name: (!name.is_empty()).then(|| name.to_owned()),
            }
        }
        _ => Person {
            email: header.to_owned(),
            name: None,
        },
    }
}

fn label(p: &Person) -> String {
    match &p.name {
        Some(name) => format!("{name} <{}>", p.email),
        None => p.email.clone(),
    }
}

fn subject(m: &Message) -> String {
    if m.subject.trim().is_empty() {
        "(no subject)".to_owned()
    } else {
        m.subject.clone()
    }
}

/// Gmail has no documented deep link to a message; the thread's link opens it in the signed-in
/// web client (a cold load may land on the inbox: see upstream-apis-2.md §1).
pub(super) fn url(thread: &str) -> String {
    format!("https://mail.google.com/mail/u/0/#all/{thread}")
}

fn details(thread: &str, m: &Message) -> HitDetails {
    HitDetails::Email(EmailDetails {
        from: person(&m.sender),
        to: m.to_recipients.iter().map(|r| person(r)).collect(),
        cc: m.cc_recipients.iter().map(|r| person(r)).collect(),
        sent: m.date.clone(),
        thread_id: thread.to_owned(),
        attachments: m
            .attachments
            .iter()
            .map(|a| a.filename.clone())
            .filter(|n| !n.is_empty())
            .collect(),
    })
}

/// Lowercase alphanumeric words.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The message a thread hit shows: the one whose subject and snippet hold the most concepts
/// (`concepts`: each a list of alternative terms, lowercase words), the newest of equals. Gmail
/// matched the thread, not a message, and previews only its oldest messages: this is the best
/// guess of the message the query was about, from what the preview shows.
pub(super) fn representative<'a>(
    thread: &'a Thread,
    concepts: &[Vec<String>],
) -> Option<&'a Message> {
    thread
        .messages
        .iter()
        .enumerate()
        .max_by_key(|(i, m)| {
            let words = tokens(&format!("{} {}", m.subject, m.snippet));
            let found = concepts
                .iter()
                .filter(|terms| {
                    terms.iter().any(|t| {
                        let t = tokens(t);
                        !t.is_empty() && words.windows(t.len()).any(|w| w == t.as_slice())
                    })
                })
                .count();
            (found, *i)
        })
        .map(|(_, m)| m)
}

/// A search hit for `thread`, shown by `m`; `None` when Gmail's ids are outside the grammar.
pub(super) fn hit(thread: &Thread, m: &Message) -> Option<SearchHit> {
    let id = GmailItemId::new(&thread.id, &m.id).ok()?;
    let from = person(&m.sender);
    Some(SearchHit {
        item_id: id.to_string(),
        title: subject(m),
        url: url(&thread.id),
        snippet: m.snippet.clone(),
        modified_time: (!m.date.is_empty()).then(|| m.date.clone()),
        created_time: (!m.date.is_empty()).then(|| m.date.clone()),
        owner: Some(from.email.clone()),
        author: Some(from.name.unwrap_or(from.email)),
        item_type: Some(crate::query::ItemType::Email),
        media_type: None,
        details: Some(details(&thread.id, m)),
    })
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message `id.message()` of `thread` in full, its attachments named, and the rest of the
/// thread (oldest first) as context: each other message's sender, date and opening lines.
/// `None` when the thread has no such message (for this user).
pub(super) fn content(thread: &Thread, id: &GmailItemId, max_chars: usize) -> Option<Content> {
    let position = thread.messages.iter().position(|m| m.id == id.message())?;
    let m = &thread.messages[position];
    let details = details(&thread.id, m);
    let mut text = format!("Subject: {}\n", subject(m));
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
        } else if !m.attachment_ids.is_empty() {
            text.push_str(&format!(
                "Attachments: {} (names not given)\n",
                m.attachment_ids.len()
            ));
        }
    }
    text.push('\n');
    text.push_str(m.plaintext_body.as_deref().unwrap_or(&m.snippet).trim());
    text.push('\n');
    if thread.messages.len() > 1 {
        text.push_str(&format!(
            "\nThread: {} messages, this is message {}\n",
            thread.messages.len(),
            position + 1
        ));
        for (i, other) in thread.messages.iter().enumerate() {
            if i == position {
                text.push_str(&format!("{}. (this message)\n", i + 1));
                continue;
            }
            let preview = flat(other.plaintext_body.as_deref().unwrap_or(&other.snippet));
            let (preview, cut) = cut_chars(&preview, CONTEXT_CHARS);
            text.push_str(&format!(
                "{}. {} from {}: {}{}\n",
                i + 1,
                other.date,
                label(&person(&other.sender)),
                preview,
                if cut { " …" } else { "" }
            ));
        }
    }
    let (cut_text, truncated) = cut_chars(&text, max_chars);
    Some(Content {
        title: subject(m),
        url: url(&thread.id),
        text: cut_text.to_owned(),
        truncated,
        unavailable_reason: None,
        details: Some(details),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, subject: &str, snippet: &str) -> Message {
        serde_json::from_value(serde_json::json!({
            "id": id, "subject": subject, "snippet": snippet,
            "sender": "\"Alice Nguyen\" <alice@acme.example>", "date": "2026-12-01"
        }))
        .unwrap()
    }

    #[test]
    fn people_are_read_from_headers() {
        let p = person("\"Alice Nguyen\" <alice@acme.example>");
        assert_eq!(
            (p.email.as_str(), p.name.as_deref()),
            ("alice@acme.example", Some("Alice Nguyen"))
        );
        assert_eq!(person("bob@acme.example").name, None);
        assert_eq!(person("<x@y>").email, "x@y");
    }

    #[test]
    fn the_message_with_most_concepts_represents_the_thread_newest_first() {
        let thread = Thread {
            id: "t1".into(),
            messages: vec![
                message("m1", "FY2027 Q3 budget", "Could you approve the budget?"),
                message("m2", "Re: FY2027 Q3 budget", "The Q3 budget is approved."),
                message("m3", "Re: FY2027 Q3 budget", "Thanks Alice"),
            ],
        };
        let concepts = vec![
            vec!["budget".to_owned()],
            vec!["approved".to_owned(), "approve".to_owned()],
        ];
        assert_eq!(representative(&thread, &concepts).unwrap().id, "m2");
        assert_eq!(representative(&thread, &[]).unwrap().id, "m3");
        let hit = hit(&thread, &thread.messages[1]).unwrap();
        assert_eq!(hit.item_id, "t1/m2");
        assert_eq!(hit.author.as_deref(), Some("Alice Nguyen"));
    }
}
