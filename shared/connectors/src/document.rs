//! Downloaded files as text: plain text as it is, Office and PDF files through
//! `workplace-extract`, off the async worker threads and within [`ContentLimits`].

use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;
use tokio::time::Instant;
use workplace_extract::{DocumentKind, extract_blocking_holding};

use crate::text::cut_chars;
use crate::{Content, ContentLimits};

/// How a downloaded file becomes text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// Text as it is (UTF-8, lossily; byte-order mark dropped); only a prefix is downloaded.
    Plain,
    /// A container or PDF, read whole by the extractor.
    Extract(DocumentKind),
}

impl Reader {
    /// The extractor's reader for an Office or PDF file, from its MIME type, else its name
    /// (uploads are often `application/octet-stream`). Text kinds are left to [`Reader::Plain`].
    pub(crate) fn office(mime: Option<&str>, name: Option<&str>) -> Option<Self> {
        match DocumentKind::detect(mime, name)? {
            kind @ (DocumentKind::Docx
            | DocumentKind::Xlsx
            | DocumentKind::Pptx
            | DocumentKind::Pdf) => Some(Self::Extract(kind)),
            DocumentKind::Csv | DocumentKind::Text => None,
        }
    }

    /// Bytes to download for at most `max_chars` characters: a text prefix, or the whole file up
    /// to the download cap (for a search snippet, `snippet`, up to the smaller snippet cap: a
    /// snippet is not worth downloading and parsing a 20 MB file for each of a search's hits).
    pub(crate) fn byte_limit(
        self,
        max_chars: usize,
        limits: &ContentLimits,
        snippet: bool,
    ) -> usize {
        match self {
            Self::Plain => max_chars.saturating_mul(4).saturating_add(4),
            Self::Extract(_) if snippet => limits
                .max_snippet_download_bytes
                .min(limits.max_download_bytes),
            Self::Extract(_) => limits.max_download_bytes,
        }
    }
}

/// A file's text, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Text {
    /// The text, at most the characters asked for; `truncated` when a cap cut it.
    Read {
        /// The text.
        text: String,
        /// Whether a cap cut it.
        truncated: bool,
    },
    /// Why there is no text this time (becomes `content_error`): busy, out of time.
    Unavailable(String),
    /// Why there is no text, and will be none for this version of the file read with the same
    /// limits (becomes `content_error`): unsupported, encrypted, corrupt, over a size limit.
    /// Remembered with the version, so the file is not downloaded again to fail again.
    Unreadable(String),
}

impl Text {
    /// The item's [`Content`].
    pub(crate) fn into_content(self, title: String, url: String) -> Content {
        match self {
            Self::Read { text, truncated } => Content {
                title,
                url,
                text,
                truncated,
                unavailable_reason: None,
                details: None,
            },
            Self::Unavailable(reason) | Self::Unreadable(reason) => {
                Content::unavailable(title, url, reason)
            }
        }
    }

    /// The text, when there is some.
    pub(crate) fn into_text(self) -> Option<String> {
        match self {
            Self::Read { text, .. } if !text.trim().is_empty() => Some(text),
            _ => None,
        }
    }
}

/// The extractions that may run at once in this process (container), shared by snippet reads
/// and `include_content`/fetch: sized once, from the first caller's
/// [`ContentLimits::max_concurrent_extractions`] (read at cold start).
fn extraction_slots(limits: &ContentLimits) -> Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS
        .get_or_init(|| Arc::new(Semaphore::new(limits.max_concurrent_extractions.max(1))))
        .clone()
}

/// Reads `bytes` (`cut`: the download stopped at its byte limit) with `reader`, at most
/// `max_chars` characters; extraction runs on the blocking pool, within `limits` and never
/// past `deadline`, once one of the process's extraction slots is free (waiting no longer than
/// `deadline`). The slot is held until the blocking task ends, even when the wait for its
/// result gives up, so the slots count the memory really in use.
pub(crate) async fn read(
    reader: Reader,
    bytes: Vec<u8>,
    cut: bool,
    limits: &ContentLimits,
    max_chars: usize,
    deadline: Instant,
) -> Text {
    let kind = match reader {
        Reader::Plain => {
            let content = Content::from_bytes(String::new(), String::new(), &bytes, cut, max_chars);
            return Text::Read {
                text: content.text,
                truncated: content.truncated,
            };
        }
        Reader::Extract(kind) => kind,
    };
    if cut {
        return Text::Unreadable(format!(
            "the file is larger than the {}-byte download limit (CONTENT_MAX_DOWNLOAD_BYTES)",
            limits.max_download_bytes
        ));
    }
    let slots = extraction_slots(limits);
    let Ok(Ok(permit)) = tokio::time::timeout_at(deadline, slots.acquire_owned()).await else {
        return Text::Unavailable(
            "too many files are being read at once; try again in a moment".to_owned(),
        );
    };
    // The time left is measured after the wait for a slot.
    let caps = limits.for_extraction(max_chars, deadline);
    match extract_blocking_holding(bytes, kind, caps, permit).await {
        Ok(extracted) => {
            let (text, cut) = cut_chars(&extracted.text, max_chars);
            Text::Read {
                text: text.to_owned(),
                truncated: cut || extracted.truncated,
            }
        }
        Err(err) if err.is_lasting() => Text::Unreadable(err.to_string()),
        Err(err) => Text::Unavailable(err.to_string()),
    }
}
