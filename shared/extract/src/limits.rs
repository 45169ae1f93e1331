//! The caps every extraction runs under, and the running budget that enforces them.
//!
//! A file is hostile until proven otherwise: every loop that grows with the input checks the
//! budget, so no input makes extraction allocate, recurse or run without bound.

use std::time::{Duration, Instant};

/// Caps on one extraction. The defaults fit several extractions at once in a Lambda with 512 MB
/// of memory and a search deadline of seconds: generous for real documents (a 300-page report, a
/// 50-sheet workbook), small enough that a hostile file costs at most
/// [`Limits::max_memory_bytes`] plus parser working memory, and a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the file itself (what was downloaded). Default 25 MiB. A larger file is refused
    /// before parsing: a ZIP or PDF cannot be read from a prefix.
    pub max_input_bytes: usize,
    /// Bytes decompressed from a ZIP container (docx, xlsx, pptx) or from one PDF page's content
    /// streams, counted while reading, never taken from the (forgeable) headers. Default 64 MiB.
    pub max_decompressed_bytes: u64,
    /// Entries in a ZIP container. Default 10 000.
    pub max_zip_entries: usize,
    /// Nesting depth of XML elements. Default 256.
    pub max_xml_depth: usize,
    /// XML elements read, over all parts of a file. Default 4 000 000.
    pub max_xml_elements: u64,
    /// PDF pages, slides or sheets read. Default 500.
    pub max_pages: usize,
    /// Spreadsheet cells read over all sheets (also CSV fields). Default 200 000.
    pub max_cells: usize,
    /// Characters of text produced. Default 1 000 000 (about 250 000 tokens).
    pub max_output_chars: usize,
    /// Wall time for one extraction, checked inside every loop. Default 10 s.
    pub time_budget: Duration,
    /// Bytes one extraction may hold at once, beyond the input: the decompressed part being
    /// read, the verified copy of a workbook, what a third-party parser builds from it (estimated
    /// before it is handed over: calamine's shared-strings table, lopdf's objects), the rows of
    /// a sheet, and the text produced. Default 40 MiB.
    ///
    /// Why a separate cap: the byte caps bound what is *inflated*, but a parser can allocate
    /// many times that (a one-character shared string is 17 bytes of XML and about 80 bytes in
    /// calamine; a `0` in a PDF array is 2 bytes and an `Object` in lopdf). Measured peaks stay
    /// within this plus about 16 MiB of parser working memory (see `tests/memory_budget.rs` and
    /// `docs/SECURITY.md`, "Extraction memory budget"), so that several extractions at once fit
    /// the function's memory.
    pub max_memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 25 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_xml_depth: 256,
            max_xml_elements: 4_000_000,
            max_pages: 500,
            max_cells: 200_000,
            max_output_chars: 1_000_000,
            time_budget: Duration::from_secs(10),
            max_memory_bytes: 40 * 1024 * 1024,
        }
    }
}

/// Which cap stopped an extraction early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cap {
    /// [`Limits::max_input_bytes`].
    InputBytes,
    /// [`Limits::max_decompressed_bytes`].
    DecompressedBytes,
    /// [`Limits::max_zip_entries`].
    ZipEntries,
    /// [`Limits::max_xml_depth`].
    XmlDepth,
    /// [`Limits::max_xml_elements`].
    XmlElements,
    /// [`Limits::max_pages`].
    Pages,
    /// [`Limits::max_cells`].
    Cells,
    /// [`Limits::max_output_chars`].
    OutputChars,
    /// [`Limits::time_budget`].
    Time,
    /// [`Limits::max_memory_bytes`].
    Memory,
}

impl std::fmt::Display for Cap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::InputBytes => "input size",
            Self::DecompressedBytes => "decompressed size",
            Self::ZipEntries => "ZIP entry count",
            Self::XmlDepth => "XML nesting depth",
            Self::XmlElements => "XML element count",
            Self::Pages => "page count",
            Self::Cells => "cell count",
            Self::OutputChars => "text length",
            Self::Time => "time budget",
            Self::Memory => "memory budget",
        })
    }
}

/// What is left of the limits while one file is extracted, and the text produced so far.
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    deadline: Instant,
    pub(crate) decompressed: u64,
    pub(crate) xml_elements: u64,
    pub(crate) cells: usize,
    /// Bytes held (or estimated to be allocated by a third-party parser) towards
    /// [`Limits::max_memory_bytes`], besides the text, which is counted by its capacity.
    held: u64,
    text: String,
    chars: usize,
    stopped: Option<Cap>,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            limits: limits.clone(),
            deadline: Instant::now() + limits.time_budget,
            decompressed: 0,
            xml_elements: 0,
            cells: 0,
            held: 0,
            text: String::new(),
            chars: 0,
            stopped: None,
        }
    }

    /// Records that `cap` stopped the extraction (the first cap hit is the one reported).
    pub(crate) fn stop(&mut self, cap: Cap) -> Cap {
        *self.stopped.get_or_insert(cap)
    }

    /// The cap that stopped the extraction, if any.
    pub(crate) fn stopped(&self) -> Option<Cap> {
        self.stopped
    }

    /// `Err(Cap::Time)` once the deadline has passed.
    pub(crate) fn check_time(&mut self) -> Result<(), Cap> {
        if Instant::now() >= self.deadline {
            return Err(self.stop(Cap::Time));
        }
        Ok(())
    }

    /// Bytes that may still be held within [`Limits::max_memory_bytes`].
    pub(crate) fn memory_room(&self) -> u64 {
        self.limits
            .max_memory_bytes
            .saturating_sub(self.held)
            .saturating_sub(self.text.capacity() as u64)
    }

    /// Counts `bytes` as held until [`Self::release`]d; `Err(Cap::Memory)` (recorded) and
    /// nothing counted when they do not fit.
    pub(crate) fn charge(&mut self, bytes: u64) -> Result<(), Cap> {
        if bytes > self.memory_room() {
            return Err(self.stop(Cap::Memory));
        }
        self.held += bytes;
        Ok(())
    }

    /// Gives back `bytes` counted by [`Self::charge`].
    pub(crate) fn release(&mut self, bytes: u64) {
        self.held = self.held.saturating_sub(bytes);
    }

    /// Appends text up to the output cap; `Err(Cap::OutputChars)` when it was cut.
    pub(crate) fn push(&mut self, s: &str) -> Result<(), Cap> {
        let room = self.limits.max_output_chars.saturating_sub(self.chars);
        let n = s.chars().count();
        if n <= room {
            self.text.push_str(s);
            self.chars += n;
            return Ok(());
        }
        self.text.extend(s.chars().take(room));
        self.chars += room;
        Err(self.stop(Cap::OutputChars))
    }

    /// Ends the current line unless the text is empty or already ends one.
    pub(crate) fn newline(&mut self) -> Result<(), Cap> {
        if self.text.is_empty() || self.text.ends_with('\n') {
            return Ok(());
        }
        self.push("\n")
    }

    /// Ends the current block with a blank line (used between slides, sheets and pages).
    pub(crate) fn blank_line(&mut self) -> Result<(), Cap> {
        self.newline()?;
        if self.text.is_empty() || self.text.ends_with("\n\n") {
            return Ok(());
        }
        self.push("\n")
    }

    /// Whether any non-blank text was produced.
    pub(crate) fn has_text(&self) -> bool {
        self.text.chars().any(|c| !c.is_whitespace())
    }

    /// The text produced, trimmed at the end to one newline.
    pub(crate) fn into_text(self) -> String {
        let mut text = self.text;
        let len = text.trim_end().len();
        text.truncate(len);
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_cut_at_the_char_cap_on_a_char_boundary() {
        let limits = Limits {
            max_output_chars: 5,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        assert_eq!(budget.push("héllo"), Ok(()));
        assert_eq!(budget.push("!"), Err(Cap::OutputChars));
        assert_eq!(budget.stopped(), Some(Cap::OutputChars));
        assert_eq!(budget.into_text(), "héllo\n");
    }

    #[test]
    fn a_zero_time_budget_stops_at_the_first_check() {
        let limits = Limits {
            time_budget: Duration::ZERO,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        assert_eq!(budget.check_time(), Err(Cap::Time));
    }

    #[test]
    fn charges_over_the_memory_budget_are_refused_and_released_ones_come_back() {
        let limits = Limits {
            max_memory_bytes: 100,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        assert_eq!(budget.charge(60), Ok(()));
        assert_eq!(budget.charge(60), Err(Cap::Memory));
        assert_eq!(budget.memory_room(), 40);
        budget.release(60);
        assert_eq!(budget.charge(100), Ok(()));
        assert_eq!(budget.stopped(), Some(Cap::Memory));
    }

    #[test]
    fn the_first_cap_hit_is_the_one_reported() {
        let mut budget = Budget::new(&Limits::default());
        budget.stop(Cap::Pages);
        budget.stop(Cap::Time);
        assert_eq!(budget.stopped(), Some(Cap::Pages));
    }
}
