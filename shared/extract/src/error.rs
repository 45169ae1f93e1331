//! Why a file gave no text.

use crate::limits::Cap;

/// Why extraction produced no text. Each variant is precise enough to show a user (it becomes the
/// `content_error` of a fetch) and never carries document content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The file's type is not one this crate reads.
    #[error("unsupported file type: {0}")]
    Unsupported(String),
    /// The file is larger than [`crate::Limits::max_input_bytes`]; it was not parsed.
    #[error("the file is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The file's size.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// The file is password-protected (an encrypted PDF, or an Office file wrapped in an
    /// encrypted container).
    #[error("the file is encrypted (password-protected)")]
    Encrypted,
    /// A PDF whose pages have no text layer, e.g. a scan: it would need OCR.
    #[error("the PDF has no text layer ({pages} page(s), likely scanned images)")]
    NoTextLayer {
        /// Pages inspected.
        pages: usize,
    },
    /// The file is damaged or not what its type says.
    #[error("the {format} file is corrupt: {detail}")]
    Corrupt {
        /// `docx`, `xlsx`, `pptx`, `pdf`, `csv` or `text`.
        format: &'static str,
        /// What was wrong (parser message; never document text).
        detail: String,
    },
    /// A cap was reached before any text was produced (a ZIP bomb, a runaway XML nesting, a
    /// file too slow to parse). When some text was produced, the result is that text with
    /// `truncated: true` instead.
    #[error("no text within the {0} limit")]
    LimitExceeded(Cap),
    /// A third-party parser panicked on this file; the panic was contained (see `pdf.rs`).
    #[error("the {0} parser failed on this file")]
    ParserPanicked(&'static str),
    /// The background task running the extraction could not complete.
    #[error("the extraction task failed: {0}")]
    Task(String),
}

impl ExtractError {
    /// Whether the same bytes under the same limits would fail the same way (an unsupported,
    /// encrypted, corrupt or oversized file), so the failure may be remembered for the file's
    /// version; not a cap that depends on the time or memory left, nor a failed task.
    pub fn is_lasting(&self) -> bool {
        !matches!(self, Self::LimitExceeded(_) | Self::Task(_))
    }

    pub(crate) fn corrupt(format: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            format,
            detail: detail.to_string(),
        }
    }
}
