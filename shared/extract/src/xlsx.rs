//! Excel (`.xlsx`, also what Google Sheets exports): sheet by sheet, each as a Markdown table
//! under a `## Sheet: name` heading, the first row as the header.
//!
//! calamine reads the workbook. It trusts ZIP headers and a sheet's declared dimensions, so it is
//! given a verified copy of the package (see [`Package::verified_copy`]) and its streaming cell
//! reader, never `worksheet_range`, which allocates the declared bounding box: two cells at `A1`
//! and `XFD1048576` would ask for 17 billion cells.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, XlsxError};

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};
use crate::zip_guard::Package;

mod parser_estimate;

const FORMAT: &str = "xlsx";
/// Columns rendered per sheet; wider sheets are cut (and reported truncated).
pub(crate) const MAX_COLUMNS: u32 = 64;
/// Cells read between two looks at the clock.
const CELLS_PER_TIME_CHECK: usize = 1024;

/// Extracts the sheets of a `.xlsx` into `budget`; returns how many sheets were read.
pub(crate) fn extract(bytes: &[u8], budget: &mut Budget) -> Result<usize, ExtractError> {
    let mut package = Package::open(bytes, FORMAT, budget)?;
    // Worksheets over the memory left are left out (the others are read); a part calamine
    // reads whole (shared strings, styles, the workbook) over it refuses the file.
    let copy = package.verified_copy(budget, is_worksheet, parser_estimate::of)?;
    let mut workbook = match Xlsx::new(Cursor::new(copy)) {
        Ok(workbook) => workbook,
        Err(XlsxError::Password) => return Err(ExtractError::Encrypted),
        Err(_) if budget.stopped().is_some() => return Ok(0),
        Err(err) => return Err(ExtractError::corrupt(FORMAT, err)),
    };
    let mut read = 0;
    for (n, name) in workbook.sheet_names().into_iter().enumerate() {
        if n >= budget.limits.max_pages {
            budget.stop(Cap::Pages);
            break;
        }
        // Parts left out of the verified copy (over the decompression cap or the memory budget)
        // do not stop the other sheets; these caps do.
        if budget.check_time().is_err()
            || matches!(
                budget.stopped(),
                Some(Cap::Time | Cap::OutputChars | Cap::Cells | Cap::XmlElements)
            )
        {
            break;
        }
        let rows = match sheet_rows(&mut workbook, &name, budget) {
            Ok(rows) => rows,
            // The sheet's part was left out of the verified copy: over the decompression cap or
            // the memory budget (the first one hit is already recorded).
            Err(XlsxError::WorksheetNotFound(_)) => {
                budget.stop(Cap::DecompressedBytes);
                continue;
            }
            Err(err) => return Err(ExtractError::corrupt(FORMAT, err)),
        };
        read += 1;
        let rendered = render(&name, &rows.cells, budget);
        budget.release(rows.held);
        if rendered.is_err() {
            break;
        }
    }
    Ok(read)
}

fn is_worksheet(name: &str) -> bool {
    name.starts_with("xl/worksheets/")
}

/// A sheet's non-empty cells as text, by row then column, within the cell and column caps, and
/// the bytes they count for towards the memory budget.
#[derive(Default)]
struct Rows {
    cells: BTreeMap<u32, BTreeMap<u32, String>>,
    held: u64,
}

/// What one cell of [`Rows`] is counted as besides its text: its `String`, its B-tree slot and
/// the allocator's overhead.
const CELL_OVERHEAD: u64 = 96;

fn sheet_rows(
    workbook: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    budget: &mut Budget,
) -> Result<Rows, XlsxError> {
    let mut rows = Rows::default();
    let mut reader = workbook.worksheet_cells_reader(name)?;
    let mut seen = 0usize;
    while let Some(cell) = reader.next_cell()? {
        seen += 1;
        if seen.is_multiple_of(CELLS_PER_TIME_CHECK) && budget.check_time().is_err() {
            break;
        }
        let (row, col) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if matches!(value, Data::Empty) {
            continue;
        }
        if col >= MAX_COLUMNS {
            budget.stop(Cap::Cells);
            continue;
        }
        if budget.cells >= budget.limits.max_cells {
            budget.stop(Cap::Cells);
            break;
        }
        let text = value.to_string();
        // A shared string is copied into every cell that uses it: one long string in 200 000
        // cells is gigabytes. The rows are held until the sheet is rendered.
        let size = CELL_OVERHEAD + text.len() as u64;
        if budget.charge(size).is_err() {
            break;
        }
        rows.held += size;
        budget.cells += 1;
        rows.cells.entry(row).or_default().insert(col, text);
    }
    Ok(rows)
}

fn render(
    name: &str,
    rows: &BTreeMap<u32, BTreeMap<u32, String>>,
    budget: &mut Budget,
) -> Result<(), Cap> {
    budget.blank_line()?;
    budget.push(&format!("## Sheet: {}\n", cell_text(name)))?;
    let (Some(first), Some(last)) = (
        rows.values().filter_map(|r| r.keys().next()).min(),
        rows.values().filter_map(|r| r.keys().next_back()).max(),
    ) else {
        return budget.push("(empty sheet)\n");
    };
    for (i, cells) in rows.values().enumerate() {
        let mut line = String::from("|");
        for col in *first..=*last {
            line.push(' ');
            line.push_str(&cell_text(cells.get(&col).map_or("", String::as_str)));
            line.push_str(" |");
        }
        line.push('\n');
        budget.push(&line)?;
        if i == 0 {
            budget.push(&format!(
                "|{}\n",
                " --- |".repeat((last - first + 1) as usize)
            ))?;
        }
    }
    Ok(())
}

/// A cell's text on one table line: pipes escaped, line breaks as spaces.
pub(crate) fn cell_text(s: &str) -> String {
    s.replace('|', "\\|")
        .replace(['\r', '\n'], " ")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;
    use crate::limits::Limits;

    /// The demo tracker with its second sheet replaced by `size` bytes of XML comment, under
    /// honest ZIP headers: only the counted cap can stop it.
    fn tracker_with_bomb(size: usize) -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../infra/fakes/corpus/files/budget-tracker-fy2027.xlsx"
        );
        let bytes = std::fs::read(path).unwrap();
        let mut src = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for i in 0..src.len() {
            let mut entry = src.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            if name == "xl/worksheets/sheet2.xml" {
                data = format!(
                    "<worksheet><!--{}--><sheetData/></worksheet>",
                    " ".repeat(size)
                )
                .into_bytes();
            }
            out.start_file(name, options).unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_bomb_sheet_under_honest_headers_is_left_out_and_the_rest_read() {
        let limits = Limits {
            max_decompressed_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        let sheets = extract(&tracker_with_bomb(2 * 1024 * 1024), &mut budget).unwrap();
        assert_eq!(sheets, 1);
        assert_eq!(budget.stopped(), Some(Cap::DecompressedBytes));
        assert!(budget.decompressed <= limits.max_decompressed_bytes);
        let text = budget.into_text();
        assert!(text.contains("## Sheet: Tracker"), "{text}");
        assert!(!text.contains("Allocations"), "{text}");
    }

    #[test]
    fn a_sheet_over_the_memory_budget_is_left_out_and_the_rest_read() {
        let limits = Limits {
            max_memory_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        let sheets = extract(&tracker_with_bomb(2 * 1024 * 1024), &mut budget).unwrap();
        assert_eq!(sheets, 1);
        assert_eq!(budget.stopped(), Some(Cap::Memory));
        let text = budget.into_text();
        assert!(text.contains("## Sheet: Tracker"), "{text}");
    }

    #[test]
    fn a_table_renders_with_a_header_rule_and_escaped_pipes() {
        let mut rows = BTreeMap::<u32, BTreeMap<u32, String>>::new();
        rows.entry(0).or_default().insert(0, "Name".to_owned());
        rows.entry(0).or_default().insert(1, "Note".to_owned());
        rows.entry(2).or_default().insert(0, "a|b".to_owned());
        rows.entry(2)
            .or_default()
            .insert(1, "two\nlines".to_owned());
        let mut budget = Budget::new(&Limits::default());
        render("S1", &rows, &mut budget).unwrap();
        assert_eq!(
            budget.into_text(),
            "## Sheet: S1\n| Name | Note |\n| --- | --- |\n| a\\|b | two lines |\n"
        );
    }
}
