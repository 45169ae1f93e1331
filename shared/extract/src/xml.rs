//! A bounded walk over one XML part: depth, element count and time are capped, entities are
//! never expanded beyond the five predefined ones and character references (so no "billion
//! laughs"), and a part cut short by the decompression cap ends quietly instead of failing.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};
use crate::zip_guard::Part;

/// Events checked between two looks at the clock.
const EVENTS_PER_TIME_CHECK: u32 = 1024;

/// What the walk hands to a format's handler.
pub(crate) enum Ev<'a, 'e> {
    /// An element opens (an empty one, `<w:tab/>`, is followed by its `Close`).
    Open {
        /// Its local name (without namespace prefix).
        name: &'a str,
        /// The tag, for attributes.
        tag: &'a BytesStart<'e>,
    },
    /// An element closes.
    Close(&'a str),
    /// Character data, unescaped.
    Text(&'a str),
}

/// The value of attribute `key` (qualified name as written, e.g. `w:val`), unescaped.
pub(crate) fn attr(tag: &BytesStart<'_>, key: &str) -> Option<String> {
    tag.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(Cow::into_owned)
        })
}

/// Walks `part`, calling `handle` for each event until the end, a cap (recorded in `budget`),
/// or malformed XML (an error, unless the part was cut short: then it is where the text ends).
pub(crate) fn walk(
    part: &Part,
    format: &'static str,
    budget: &mut Budget,
    mut handle: impl FnMut(Ev<'_, '_>, &mut Budget) -> Result<(), Cap>,
) -> Result<(), ExtractError> {
    let (text, cut) = as_text(part, budget);
    let mut reader = Reader::from_str(&text);
    let mut depth = 0usize;
    let mut since_check = 0u32;
    loop {
        since_check += 1;
        if since_check >= EVENTS_PER_TIME_CHECK {
            since_check = 0;
            if budget.check_time().is_err() {
                return Ok(());
            }
        }
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) if cut => return Ok(()),
            Err(err) => {
                return Err(ExtractError::corrupt(
                    format,
                    format!("malformed XML: {err}"),
                ));
            }
        };
        let flow = match &event {
            Event::Start(tag) | Event::Empty(tag) => {
                budget.xml_elements += 1;
                if budget.xml_elements > budget.limits.max_xml_elements {
                    budget.stop(Cap::XmlElements);
                    return Ok(());
                }
                let empty = matches!(event, Event::Empty(_));
                if !empty {
                    depth += 1;
                    if depth > budget.limits.max_xml_depth {
                        budget.stop(Cap::XmlDepth);
                        return Ok(());
                    }
                }
                let local = tag.local_name();
                let name = local.as_ref();
                handle(Ev::Open { name, tag }, budget).and_then(|()| {
                    if empty {
                        handle(Ev::Close(name), budget)
                    } else {
                        Ok(())
                    }
                })
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                handle(Ev::Close(tag.local_name().as_ref()), budget)
            }
            Event::Text(text) => handle(Ev::Text(&text.xml10_content()), budget),
            Event::CData(data) => handle(Ev::Text(&data.xml10_content()), budget),
            Event::GeneralRef(reference) => match predefined(reference.as_ref()) {
                Some(s) => handle(Ev::Text(s), budget),
                None => match reference.resolve_char_ref() {
                    Ok(Some(c)) => handle(Ev::Text(c.encode_utf8(&mut [0u8; 4])), budget),
                    // Entities declared in a DTD are not expanded: Office never writes them.
                    _ => Ok(()),
                },
            },
            Event::Eof => return Ok(()),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => Ok(()),
        };
        if flow.is_err() {
            return Ok(());
        }
    }
}

/// The part as text, and whether it was cut short. Office XML is UTF-8; a part that is not gets a
/// lossy copy (up to three bytes for each bad one) only when that copy fits the memory budget
/// beside the part itself, else only its valid prefix is read (`Cap::Memory`).
fn as_text<'p>(part: &'p Part, budget: &mut Budget) -> (Cow<'p, str>, bool) {
    match std::str::from_utf8(&part.bytes) {
        Ok(text) => (Cow::Borrowed(text), part.cut),
        Err(_) if (part.bytes.len() as u64).saturating_mul(4) <= budget.memory_room() => {
            (String::from_utf8_lossy(&part.bytes), part.cut)
        }
        Err(err) => {
            budget.stop(Cap::Memory);
            let valid = part.bytes.get(..err.valid_up_to()).unwrap_or_default();
            (
                Cow::Borrowed(std::str::from_utf8(valid).unwrap_or_default()),
                true,
            )
        }
    }
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn part(xml: &str) -> Part {
        Part {
            bytes: xml.as_bytes().to_vec(),
            cut: false,
        }
    }

    fn texts(xml: &str, limits: &Limits) -> (Result<String, ExtractError>, Option<Cap>) {
        let mut budget = Budget::new(limits);
        let mut out = String::new();
        let result = walk(&part(xml), "docx", &mut budget, |ev, _| {
            if let Ev::Text(t) = ev {
                out.push_str(t);
            }
            Ok(())
        });
        (result.map(|()| out), budget.stopped())
    }

    #[test]
    fn predefined_entities_and_char_refs_are_resolved_and_others_dropped() {
        let xml = r#"<!DOCTYPE a [<!ENTITY x "boom">]><a>1 &amp; 2 &lt; &#x33;&x;</a>"#;
        let (text, stopped) = texts(xml, &Limits::default());
        assert_eq!(text.unwrap(), "1 & 2 < 3");
        assert_eq!(stopped, None);
    }

    #[test]
    fn deep_nesting_stops_at_the_depth_cap() {
        let xml = format!("{}x{}", "<a>".repeat(1000), "</a>".repeat(1000));
        let (text, stopped) = texts(&xml, &Limits::default());
        assert_eq!(text.unwrap(), "");
        assert_eq!(stopped, Some(Cap::XmlDepth));
    }

    #[test]
    fn many_elements_stop_at_the_element_cap() {
        let xml = format!("<a>{}</a>", "<b/>".repeat(100));
        let limits = Limits {
            max_xml_elements: 10,
            ..Limits::default()
        };
        assert_eq!(texts(&xml, &limits).1, Some(Cap::XmlElements));
    }

    #[test]
    fn a_part_not_in_utf8_is_copied_only_within_the_memory_budget() {
        let mut bytes = b"<a>ok".to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice(b"more</a>");
        let bad = Part { bytes, cut: false };
        let mut budget = Budget::new(&Limits::default());
        let (text, cut) = as_text(&bad, &mut budget);
        assert!(text.contains("more") && !cut);
        let mut tight = Budget::new(&Limits {
            max_memory_bytes: 20,
            ..Limits::default()
        });
        let (text, cut) = as_text(&bad, &mut tight);
        assert_eq!((text.as_ref(), cut), ("<a>ok", true));
        assert_eq!(tight.stopped(), Some(Cap::Memory));
    }

    #[test]
    fn malformed_xml_is_corrupt_unless_cut_short() {
        let (text, _) = texts("<a>text</b>", &Limits::default());
        assert!(matches!(text, Err(ExtractError::Corrupt { .. })));
        let cut = Part {
            bytes: b"<a>text</b".to_vec(),
            cut: true,
        };
        let mut budget = Budget::new(&Limits::default());
        assert!(walk(&cut, "docx", &mut budget, |_, _| Ok(())).is_ok());
    }
}
