//! What a mail, meeting or CRM hit says beyond a document's fields.
//!
//! A document is answered by its title, link and snippet; an email needs its sender and date, a
//! meeting its time, place and attendees, a CRM record its stage or status. Carrying those in the
//! hit lets an agent answer "who is coming?" or "what stage is the renewal in?" without a `fetch`.
//! Every string here comes from the upstream: third-party text, labelled like titles and snippets.

use serde::Serialize;

/// The kind-specific fields of one hit or fetched item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HitDetails {
    /// One email message.
    Email(EmailDetails),
    /// One calendar event (one occurrence of a recurring one).
    Event(EventDetails),
    /// One CRM record.
    Record(RecordDetails),
}

/// A person as a message or an event names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Their address.
    pub email: String,
    /// Their display name, when the upstream gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An email message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailDetails {
    /// The sender.
    pub from: Person,
    /// The `To` recipients.
    pub to: Vec<Person>,
    /// The `Cc` recipients.
    pub cc: Vec<Person>,
    /// When it was sent (RFC 3339; a date alone where the upstream gives only that).
    pub sent: String,
    /// The thread (conversation) it belongs to, in the upstream's own ids.
    pub thread_id: String,
    /// Attachment file names (their contents are not read).
    pub attachments: Vec<String>,
}

/// A calendar event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDetails {
    /// Start, RFC 3339 (a date alone for an all-day event).
    pub start: String,
    /// End (exclusive), RFC 3339 (a date alone for an all-day event).
    pub end: String,
    /// Whether it lasts whole days.
    pub all_day: bool,
    /// The time zone the organiser set, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Where, as the organiser wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Who organised it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<Person>,
    /// Who is invited, with their answers.
    pub attendees: Vec<Attendee>,
    /// `confirmed`, `tentative` or `cancelled`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The video-call link, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_url: Option<String>,
}

/// One invitee of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    /// Their address.
    pub email: String,
    /// Their display name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their answer (`accepted`, `declined`, `tentative`, `needs_action`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// A CRM record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDetails {
    /// The record's object type (`Account`, `Contact`, `Opportunity`, `Case`).
    pub object: String,
    /// Its key fields, in the order the source lists them.
    pub fields: Vec<RecordField>,
}

/// One field of a CRM record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordField {
    /// The field's label (`Stage`, `Amount`, `Close date`).
    pub name: String,
    /// Its value as text.
    pub value: String,
}

impl HitDetails {
    /// One `Label: value` line per field, for the text rendering of an answer. Every label is
    /// ours (`From`, `When`, `Field`...); every value is third-party text, so `quote` (the
    /// caller's quoting for single-line fields) is applied to each, a record field's name
    /// included.
    pub fn lines(&self, quote: &dyn Fn(&str) -> String) -> Vec<String> {
        let person = |p: &Person| match &p.name {
            Some(name) => quote(&format!("{name} <{}>", p.email)),
            None => quote(&p.email),
        };
        let people = |list: &[Person]| list.iter().map(person).collect::<Vec<_>>().join(", ");
        let mut lines = Vec::new();
        match self {
            Self::Email(mail) => {
                lines.push(format!("From: {}", person(&mail.from)));
                if !mail.to.is_empty() {
                    lines.push(format!("To: {}", people(&mail.to)));
                }
                if !mail.cc.is_empty() {
                    lines.push(format!("Cc: {}", people(&mail.cc)));
                }
                lines.push(format!("Sent: {}", quote(&mail.sent)));
                if !mail.attachments.is_empty() {
                    let names: Vec<String> = mail.attachments.iter().map(|a| quote(a)).collect();
                    lines.push(format!("Attachments: {}", names.join(", ")));
                }
            }
            Self::Event(event) => {
                lines.push(format!(
                    "When: {} to {}{}",
                    quote(&event.start),
                    quote(&event.end),
                    if event.all_day { " (all day)" } else { "" }
                ));
                if let Some(location) = &event.location {
                    lines.push(format!("Location: {}", quote(location)));
                }
                if let Some(organizer) = &event.organizer {
                    lines.push(format!("Organizer: {}", person(organizer)));
                }
                if !event.attendees.is_empty() {
                    let attendees: Vec<String> = event
                        .attendees
                        .iter()
                        .map(|a| {
                            let who = person(&Person {
                                email: a.email.clone(),
                                name: a.name.clone(),
                            });
                            match &a.response {
                                Some(response) => format!("{who} ({})", quote(response)),
                                None => who,
                            }
                        })
                        .collect();
                    lines.push(format!("Attendees: {}", attendees.join(", ")));
                }
                if let Some(status) = &event.status {
                    lines.push(format!("Status: {}", quote(status)));
                }
                if let Some(url) = &event.conference_url {
                    lines.push(format!("Conference: {}", quote(url)));
                }
            }
            Self::Record(record) => {
                lines.push(format!("Object: {}", quote(&record.object)));
                for field in &record.fields {
                    lines.push(format!(
                        "Field: {} = {}",
                        quote(&field.name),
                        quote(&field.value)
                    ));
                }
            }
        }
        lines
    }

    /// The JSON Schema of the serialized form, for tools' output schemas (the TypeScript SDK
    /// validates every `structuredContent` against it).
    pub fn json_schema() -> serde_json::Value {
        let person = serde_json::json!({
            "type": "object",
            "properties": {"email": {"type": "string"}, "name": {"type": "string"}},
            "required": ["email"]
        });
        serde_json::json!({
            "type": "object",
            "description": "Fields beyond a document's, for an email, an event or a CRM record (third-party text).",
            "properties": {
                "type": {"type": "string", "enum": ["email", "event", "record"]},
                "from": person,
                "to": {"type": "array", "items": person},
                "cc": {"type": "array", "items": person},
                "sent": {"type": "string"},
                "thread_id": {"type": "string"},
                "attachments": {"type": "array", "items": {"type": "string"}},
                "start": {"type": "string"},
                "end": {"type": "string"},
                "all_day": {"type": "boolean"},
                "time_zone": {"type": "string"},
                "location": {"type": "string"},
                "organizer": person,
                "attendees": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "email": {"type": "string"},
                        "name": {"type": "string"},
                        "response": {"type": "string"}
                    },
                    "required": ["email"]
                }},
                "status": {"type": "string"},
                "conference_url": {"type": "string"},
                "object": {"type": "string"},
                "fields": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                    "required": ["name", "value"]
                }}
            },
            "required": ["type"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(s: &str) -> String {
        format!("\"{s}\"")
    }

    fn event() -> HitDetails {
        HitDetails::Event(EventDetails {
            start: "2026-12-08T15:00:00Z".into(),
            end: "2026-12-08T16:00:00Z".into(),
            all_day: false,
            time_zone: Some("UTC".into()),
            location: Some("Madrid-2 / Meet".into()),
            organizer: Some(Person {
                email: "alice@acme.example".into(),
                name: Some("Alice Nguyen".into()),
            }),
            attendees: vec![Attendee {
                email: "hank.scorpio@globex.example".into(),
                name: None,
                response: Some("accepted".into()),
            }],
            status: Some("confirmed".into()),
            conference_url: None,
        })
    }

    #[test]
    fn serializes_tagged_and_skips_absent_fields() {
        let json = serde_json::to_value(event()).unwrap();
        assert_eq!(json["type"], "event");
        assert_eq!(json["attendees"][0]["response"], "accepted");
        assert!(json["attendees"][0].get("name").is_none());
        assert!(json.get("conference_url").is_none());
    }

    #[test]
    fn every_serialized_field_is_in_the_schema() {
        let schema = HitDetails::json_schema();
        let record = HitDetails::Record(RecordDetails {
            object: "Opportunity".into(),
            fields: vec![RecordField {
                name: "Stage".into(),
                value: "Negotiation/Review".into(),
            }],
        });
        let email = HitDetails::Email(EmailDetails {
            from: Person {
                email: "a@x.example".into(),
                name: None,
            },
            to: vec![],
            cc: vec![],
            sent: "2026-12-01".into(),
            thread_id: "t1".into(),
            attachments: vec!["a.pdf".into()],
        });
        for details in [event(), record, email] {
            let json = serde_json::to_value(details).unwrap();
            for key in json.as_object().unwrap().keys() {
                assert!(
                    schema["properties"].get(key).is_some(),
                    "{key} is serialized but not in the schema"
                );
            }
        }
    }

    #[test]
    fn lines_quote_every_upstream_value() {
        let lines = event().lines(&quote);
        assert_eq!(
            lines[0],
            "When: \"2026-12-08T15:00:00Z\" to \"2026-12-08T16:00:00Z\""
        );
        assert!(lines.contains(&"Location: \"Madrid-2 / Meet\"".to_owned()));
        assert!(lines.contains(&"Organizer: \"Alice Nguyen <alice@acme.example>\"".to_owned()));
        assert!(
            lines.contains(&"Attendees: \"hank.scorpio@globex.example\" (\"accepted\")".to_owned())
        );
    }
}
