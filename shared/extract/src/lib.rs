//! Text from the files agents are asked to read: Word, Excel, PowerPoint, PDF, and the CSV and
//! plain-text exports of Google Sheets, Docs and Slides.
//!
//! Every file is treated as hostile. Extraction runs under [`Limits`] (bytes in, bytes
//! decompressed, XML depth and element count, pages, cells, characters out, wall time, and memory
//! held, third-party parsers' tables estimated before they are built): when a
//! cap is reached after some text was produced, the result is that text with `truncated: true`
//! and the cap in `truncated_by`; when nothing was produced, [`ExtractError::LimitExceeded`].
//! Encrypted, scanned and corrupt files give their own [`ExtractError`]. No input panics or hangs:
//! the glue here never panics, and the third-party parsers (zip, quick-xml, calamine, lopdf) are
//! fuzzed (see `fuzz/`).
//!
//! Extraction is CPU-bound: from async code, call [`extract_blocking`], which runs it on tokio's
//! blocking pool so that a large file does not stall the runtime's worker threads.

mod docx;
mod error;
mod kind;
mod limits;
mod pdf;
mod pdf_budget;
mod plain;
mod pptx;
mod rels;
mod xlsx;
mod xml;
mod zip_guard;

use std::panic::{AssertUnwindSafe, catch_unwind};

pub use error::ExtractError;
pub use kind::DocumentKind;
pub use limits::{Cap, Limits};

use limits::Budget;

/// The text of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The text, Markdown-like: headings as `#`, slides as `## Slide N`, sheets as
    /// `## Sheet: name` followed by a table.
    pub text: String,
    /// Whether a cap stopped extraction before the end of the file.
    pub truncated: bool,
    /// The cap that did.
    pub truncated_by: Option<Cap>,
    /// PDF pages read (0 for other kinds).
    pub pages: usize,
    /// Sheets read (0 for other kinds).
    pub sheets: usize,
    /// Slides read (0 for other kinds).
    pub slides: usize,
}

/// Extracts the text of `bytes`, a file of `kind`, within `limits`.
pub fn extract(
    bytes: &[u8],
    kind: DocumentKind,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let mut budget = Budget::new(limits);
    let mut bytes = bytes;
    if bytes.len() > limits.max_input_bytes {
        match kind {
            // Text can be read from a prefix; a container cannot.
            DocumentKind::Text | DocumentKind::Csv => {
                bytes = &bytes[..limits.max_input_bytes];
                budget.stop(Cap::InputBytes);
            }
            _ => {
                return Err(ExtractError::TooLarge {
                    size: bytes.len(),
                    limit: limits.max_input_bytes,
                });
            }
        }
    }
    // The third-party parsers are not supposed to panic, but a panic on a hostile file must not
    // take the caller down: it is contained here and reported as `ParserPanicked`. This only
    // works where panics unwind (tests, fuzzing, debug builds); the release profile aborts on
    // panic, which is why every parser is fuzzed. Our own code does not panic (clippy denies
    // `unwrap`, `expect` and `panic`), so this guards the third-party code only.
    let outcome = catch_unwind(AssertUnwindSafe(|| run(bytes, kind, &mut budget)));
    let (pages, sheets, slides) = match outcome {
        Ok(result) => result?,
        Err(_) => return Err(ExtractError::ParserPanicked(kind.name())),
    };
    let truncated_by = budget.stopped();
    if let Some(cap) = truncated_by
        && !budget.has_text()
    {
        return Err(ExtractError::LimitExceeded(cap));
    }
    Ok(Extracted {
        text: budget.into_text(),
        truncated: truncated_by.is_some(),
        truncated_by,
        pages,
        sheets,
        slides,
    })
}

/// Runs the reader for `kind`; returns the (pages, sheets, slides) read.
fn run(
    bytes: &[u8],
    kind: DocumentKind,
    budget: &mut Budget,
) -> Result<(usize, usize, usize), ExtractError> {
    Ok(match kind {
        DocumentKind::Docx => {
            docx::extract(bytes, budget)?;
            (0, 0, 0)
        }
        DocumentKind::Xlsx => (0, xlsx::extract(bytes, budget)?, 0),
        DocumentKind::Pptx => (0, 0, pptx::extract(bytes, budget)?),
        DocumentKind::Pdf => (pdf::extract(bytes, budget)?, 0, 0),
        DocumentKind::Csv => {
            plain::csv(bytes, budget)?;
            (0, 0, 0)
        }
        DocumentKind::Text => {
            plain::text(bytes, budget)?;
            (0, 0, 0)
        }
    })
}

/// [`extract`] on tokio's blocking pool, off the async worker threads. The time budget is
/// enforced inside the extraction (so the blocking thread is released by then), and awaited here
/// with a grace second on top, so the caller gets an answer even if a parser is stuck in a single
/// long call.
pub async fn extract_blocking(
    bytes: Vec<u8>,
    kind: DocumentKind,
    limits: Limits,
) -> Result<Extracted, ExtractError> {
    extract_blocking_holding(bytes, kind, limits, ()).await
}

/// [`extract_blocking`], holding `guard` (e.g. a semaphore permit) until the blocking task
/// really ends. When the wait times out the caller gets [`Cap::Time`] at once, but the task may
/// still be inside a parser and holding its memory: the guard is dropped only with the task, so
/// whatever it counts (extractions at once in this process) stays true.
pub async fn extract_blocking_holding<G: Send + 'static>(
    bytes: Vec<u8>,
    kind: DocumentKind,
    limits: Limits,
    guard: G,
) -> Result<Extracted, ExtractError> {
    let wait = limits.time_budget + std::time::Duration::from_secs(1);
    let task = tokio::task::spawn_blocking(move || {
        let result = extract(&bytes, kind, &limits);
        drop(bytes);
        drop(guard);
        result
    });
    match tokio::time::timeout(wait, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(err)) => Err(ExtractError::Task(err.to_string())),
        Err(_) => Err(ExtractError::LimitExceeded(Cap::Time)),
    }
}
