//! Plain text (what Google Slides and Docs export as `text/plain`) and CSV (what Google Sheets
//! exports), the latter as a Markdown table like a spreadsheet's.

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};
use crate::xlsx::{MAX_COLUMNS, cell_text};

/// Records read between two looks at the clock.
const RECORDS_PER_TIME_CHECK: usize = 256;

/// Plain text: UTF-8 (invalid sequences replaced), without a byte-order mark.
pub(crate) fn text(bytes: &[u8], budget: &mut Budget) -> Result<(), ExtractError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let _ = budget.push(&text.replace("\r\n", "\n"));
    Ok(())
}

/// CSV: one table, the first record as its header. Ragged records are accepted, as Sheets
/// exports them.
pub(crate) fn csv(bytes: &[u8], budget: &mut Budget) -> Result<(), ExtractError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) if budget.has_text() => {
                // A cut or damaged tail: keep what was read.
                budget.stop(Cap::InputBytes);
                break;
            }
            Err(err) => return Err(ExtractError::corrupt("csv", err)),
        }
        rows += 1;
        if rows.is_multiple_of(RECORDS_PER_TIME_CHECK) && budget.check_time().is_err() {
            break;
        }
        let fields = record.len().min(MAX_COLUMNS as usize);
        if fields < record.len() {
            budget.stop(Cap::Cells);
        }
        budget.cells += fields;
        if budget.cells > budget.limits.max_cells {
            budget.stop(Cap::Cells);
            break;
        }
        let mut line = String::from("|");
        for field in record.iter().take(fields) {
            line.push(' ');
            line.push_str(&cell_text(&String::from_utf8_lossy(field)));
            line.push_str(" |");
        }
        line.push('\n');
        if budget.push(&line).is_err() {
            break;
        }
        if rows == 1
            && budget
                .push(&format!("|{}\n", " --- |".repeat(fields.max(1))))
                .is_err()
        {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn csv_becomes_a_table_with_ragged_rows_and_quoted_commas() {
        let mut budget = Budget::new(&Limits::default());
        csv(b"\xef\xbb\xbfQuarter,Note\nQ1,\"a, b\"\nQ2\n", &mut budget).unwrap();
        assert_eq!(
            budget.into_text(),
            "| Quarter | Note |\n| --- | --- |\n| Q1 | a, b |\n| Q2 |\n"
        );
    }

    #[test]
    fn text_drops_the_byte_order_mark_and_carriage_returns() {
        let mut budget = Budget::new(&Limits::default());
        text("\u{feff}one\r\ntwo\n".as_bytes(), &mut budget).unwrap();
        assert_eq!(budget.into_text(), "one\ntwo\n");
    }
}
