//! PDF: the text layer of each page, in page order, pages separated by a blank line.
//!
//! lopdf parses the file. Its own decompression cap bounds object streams while loading and each
//! page's content streams while extracting, so a deflate bomb inside a PDF stops at
//! [`Limits::max_decompressed_bytes`](crate::Limits::max_decompressed_bytes). An encrypted file
//! that does not open with the empty user password is [`ExtractError::Encrypted`]; a file whose
//! pages yield no text (a scan) is [`ExtractError::NoTextLayer`].
//!
//! Memory: lopdf's caps bound bytes inflated per stream, not what it builds from them. The file
//! is measured before it is loaded (see `pdf_budget`), and each page's content is capped to what
//! its parsed operations can take of the memory budget left; a page over it is skipped
//! (`Cap::Memory`) and the next one read.

use lopdf::{Document, LoadOptions};

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};
use crate::pdf_budget;

const FORMAT: &str = "pdf";
/// Memory per byte of a page's decoded content while lopdf parses it into operations (each
/// two-byte `0 ` operand is an `Object` in a `Vec`; measured about 60 bytes, rounded up).
const CONTENT_BYTES_PER_BYTE: u64 = 64;
/// How far into the file the `%PDF-` header may start (the specification allows leading junk).
const HEADER_WINDOW: usize = 1024;

/// Extracts the text of a PDF into `budget`; returns how many pages were read.
pub(crate) fn extract(bytes: &[u8], budget: &mut Budget) -> Result<usize, ExtractError> {
    let window = &bytes[..bytes.len().min(HEADER_WINDOW)];
    if !window.windows(5).any(|w| w == b"%PDF-") {
        return Err(ExtractError::corrupt(FORMAT, "no %PDF- header"));
    }
    pdf_budget::check(bytes, budget)?;
    let cap = usize::try_from(budget.limits.max_decompressed_bytes).unwrap_or(usize::MAX);
    let options = LoadOptions {
        max_decompressed_size: Some(cap),
        ..LoadOptions::default()
    };
    let mut document = Document::load_mem_with_options(bytes, options).map_err(load_error)?;
    // A file encrypted only to restrict printing or copying opens with the empty user password;
    // one that needs a real password stays encrypted.
    if document.is_encrypted() && document.decrypt("").is_err() {
        return Err(ExtractError::Encrypted);
    }
    let pages = document.get_pages();
    if pages.is_empty() {
        return Err(ExtractError::corrupt(FORMAT, "no pages"));
    }
    let mut read = 0;
    let mut first_error = None;
    let mut skipped = false;
    for (i, number) in pages.keys().enumerate() {
        if i >= budget.limits.max_pages {
            budget.stop(Cap::Pages);
            break;
        }
        if budget.check_time().is_err() || budget.stopped().is_some() {
            break;
        }
        read += 1;
        // A page's content is parsed into operations at once, about CONTENT_BYTES_PER_BYTE
        // bytes of memory per byte of content: the page's cap is what fits the memory left.
        let memory_cap =
            usize::try_from(budget.memory_room() / CONTENT_BYTES_PER_BYTE).unwrap_or(usize::MAX);
        let page_cap = cap.min(memory_cap);
        match document.extract_text_with_limit(&[*number], page_cap) {
            Ok(text) => {
                if budget.blank_line().is_err() || budget.push(text.trim_end()).is_err() {
                    break;
                }
            }
            // Over the memory left: this page is skipped, the next may be smaller.
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) if page_cap < cap => {
                skipped = true;
            }
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => {
                budget.stop(Cap::DecompressedBytes);
                break;
            }
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    if skipped {
        budget.stop(Cap::Memory);
    }
    if budget.has_text() || budget.stopped().is_some() {
        return Ok(read);
    }
    match first_error {
        Some(err) if document.is_encrypted() => Err(encrypted_or_corrupt(err)),
        Some(err) => Err(ExtractError::corrupt(FORMAT, err)),
        None => Err(ExtractError::NoTextLayer { pages: read }),
    }
}

fn load_error(err: lopdf::Error) -> ExtractError {
    match err {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            ExtractError::LimitExceeded(Cap::DecompressedBytes)
        }
        other => encrypted_or_corrupt(other),
    }
}

fn encrypted_or_corrupt(err: lopdf::Error) -> ExtractError {
    match err {
        lopdf::Error::InvalidPassword
        | lopdf::Error::Decryption(_)
        | lopdf::Error::AlreadyEncrypted => ExtractError::Encrypted,
        other => ExtractError::corrupt(FORMAT, other),
    }
}
