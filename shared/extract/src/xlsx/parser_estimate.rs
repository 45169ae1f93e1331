//! What calamine allocates from a part of a workbook beyond the part's bytes, estimated by
//! reading the part once with quick-xml (no allocation per element) before calamine is given it.
//!
//! calamine reads the workbook, its relationships, its styles and its shared strings whole when
//! the workbook is opened, outside our element budget. The shared strings are the large one: a
//! `<si><t>a</t></si>` is 17 bytes of XML and a `String` in a `Vec` in calamine (24 bytes, a heap
//! allocation of at least 32 with the allocator's overhead, and the `Vec` doubling as it grows).
//! Worksheets are read cell by cell by the streaming reader and cost nothing here.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::limits::Budget;
use crate::zip_guard::Part;

/// One shared string in calamine, besides its text: its `String` in the table (24 bytes, twice
/// that while the table doubles), and its heap allocation with the allocator's overhead.
const SHARED_STRING_BYTES: u64 = 80;
/// Any other element of a part calamine reads whole (a style, a defined name, a sheet entry).
const ELEMENT_BYTES: u64 = 64;
/// Events between two looks at the clock.
const EVENTS_PER_TIME_CHECK: u32 = 4096;

/// The bytes calamine is estimated to allocate from part `name` (beyond the part itself); `u64::MAX`
/// when the time budget ran out before the part was measured.
pub(super) fn of(name: &str, part: &Part, budget: &mut Budget) -> u64 {
    if super::is_worksheet(name) {
        return 0;
    }
    let shared_strings = name.to_ascii_lowercase().ends_with("sharedstrings.xml");
    let mut reader = Reader::from_reader(part.bytes.as_slice());
    let mut buf = Vec::new();
    let mut total = 0u64;
    let mut since_check = 0u32;
    loop {
        since_check += 1;
        if since_check >= EVENTS_PER_TIME_CHECK {
            since_check = 0;
            if budget.check_time().is_err() {
                return u64::MAX;
            }
        }
        buf.clear();
        let cost = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(tag) | Event::Empty(tag)) => {
                if !shared_strings {
                    ELEMENT_BYTES
                } else if tag.local_name().as_ref() == "si" {
                    SHARED_STRING_BYTES
                } else {
                    0
                }
            }
            Ok(Event::Text(text)) => text.len() as u64,
            Ok(Event::CData(data)) => data.len() as u64,
            Ok(Event::GeneralRef(_)) => 4,
            Ok(Event::Eof) | Err(_) => return total,
            Ok(_) => 0,
        };
        total = total.saturating_add(cost);
    }
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

    #[test]
    fn shared_strings_cost_their_text_and_a_string_each() {
        let mut budget = Budget::new(&Limits::default());
        let sst = part("<sst><si><t>abc</t></si><si><r><t>de</t></r></si></sst>");
        assert_eq!(
            of("xl/sharedStrings.xml", &sst, &mut budget),
            2 * SHARED_STRING_BYTES + 5
        );
        let styles = part("<styleSheet><xf/><xf/></styleSheet>");
        assert_eq!(of("xl/styles.xml", &styles, &mut budget), 3 * ELEMENT_BYTES);
        assert_eq!(of("xl/worksheets/sheet1.xml", &styles, &mut budget), 0);
    }
}
