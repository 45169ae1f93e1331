//! What lopdf will allocate to load a PDF, measured before it is given the file.
//!
//! lopdf parses the whole file into objects when it loads it, and every compressed object stream
//! (`/Type /ObjStm`) with it. Its decompression cap is per stream: two thousand object streams of
//! 256 KiB of `0 0 0 …` each pass it, and become half a billion `Object`s (4 GB and more).
//! Memory grows with the number of *tokens* (each becomes an `Object`, a `Vec` slot, a dictionary
//! entry) and with the raw stream data lopdf copies, not with the file's size. So the file is
//! scanned first: tokens outside streams, raw stream bytes, and the tokens of every object and
//! cross-reference stream, inflated (counted, never kept) with the decompression cap summed over
//! the file. The estimate is charged to the memory budget, and a file over it is refused before
//! lopdf allocates anything.

use std::io::Read;

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};

/// What one token of PDF syntax becomes in lopdf: an `Object` (120 bytes) in a `Vec` or a
/// dictionary, and a small heap allocation (a name's bytes, an index slot). Measured: about 130
/// bytes per `0` of an array in an object stream (`tests/memory_budget.rs`, object-streams-25).
pub(crate) const TOKEN_BYTES: u64 = std::mem::size_of::<lopdf::Object>() as u64 + 32;
/// A dictionary before `stream` is looked for this far back.
const DICT_WINDOW: usize = 4096;
/// Bytes inflated at a time.
const CHUNK: usize = 64 * 1024;

/// Measures `bytes` against the budget; charges the estimate, or refuses the file with the cap it
/// is over.
pub(crate) fn check(bytes: &[u8], budget: &mut Budget) -> Result<(), ExtractError> {
    let mut tokens = 0u64;
    let mut raw_stream_bytes = 0u64;
    let mut at = 0;
    while let Some(start) = find(bytes, b"stream", at) {
        budget.check_time().map_err(ExtractError::LimitExceeded)?;
        // `endstream` also contains `stream`: only a keyword followed by an end of line opens one.
        let Some(data_start) = data_start(bytes, start + b"stream".len()) else {
            tokens += count_tokens(bytes.get(at..start + 1).unwrap_or_default());
            at = start + 1;
            continue;
        };
        tokens += count_tokens(bytes.get(at..start).unwrap_or_default());
        let end = find(bytes, b"endstream", data_start).unwrap_or(bytes.len());
        let data = bytes.get(data_start..end).unwrap_or_default();
        raw_stream_bytes += data.len() as u64;
        let dict = dictionary_before(bytes, start);
        if contains(dict, b"/ObjStm") || contains(dict, b"/XRef") {
            tokens += if contains(dict, b"/FlateDecode") {
                inflated_tokens(data, budget)?
            } else {
                count_tokens(data)
            };
        }
        at = end + b"endstream".len();
    }
    tokens += count_tokens(bytes.get(at..).unwrap_or_default());
    let estimate = tokens
        .saturating_mul(TOKEN_BYTES)
        .saturating_add(raw_stream_bytes);
    budget.charge(estimate).map_err(ExtractError::LimitExceeded)
}

/// Where a stream's data starts: after `stream` and its end of line (CRLF or LF).
fn data_start(bytes: &[u8], after: usize) -> Option<usize> {
    match bytes.get(after..after + 2)? {
        [b'\r', b'\n'] => Some(after + 2),
        [b'\n', _] => Some(after + 1),
        _ => None,
    }
}

/// The text between the last `obj` keyword before `stream_at` (within [`DICT_WINDOW`]) and it.
fn dictionary_before(bytes: &[u8], stream_at: usize) -> &[u8] {
    let window = bytes
        .get(stream_at.saturating_sub(DICT_WINDOW)..stream_at)
        .unwrap_or_default();
    match window.windows(3).rposition(|w| w == b"obj") {
        Some(obj) => window.get(obj..).unwrap_or_default(),
        None => window,
    }
}

/// Inflates a stream without keeping it, counting its tokens and its bytes against the
/// decompression cap (summed over the file). A stream that does not inflate is left to lopdf.
fn inflated_tokens(data: &[u8], budget: &mut Budget) -> Result<u64, ExtractError> {
    let mut decoder = flate2::read::ZlibDecoder::new(data);
    let mut chunk = vec![0u8; CHUNK];
    let mut tokens = 0u64;
    let mut previous_was_space = true;
    loop {
        let n = match decoder.read(&mut chunk) {
            Ok(0) | Err(_) => return Ok(tokens),
            Ok(n) => n,
        };
        budget.decompressed += n as u64;
        if budget.decompressed > budget.limits.max_decompressed_bytes {
            budget.stop(Cap::DecompressedBytes);
            return Err(ExtractError::LimitExceeded(Cap::DecompressedBytes));
        }
        budget.check_time().map_err(ExtractError::LimitExceeded)?;
        let slice = chunk.get(..n).unwrap_or_default();
        tokens += count_tokens_from(slice, &mut previous_was_space);
    }
}

fn count_tokens(bytes: &[u8]) -> u64 {
    count_tokens_from(bytes, &mut true)
}

/// Tokens: runs of regular characters (a name's `/` starts one), and each other delimiter.
/// Text inside literal strings is counted as if it were tokens too, which overestimates (safely).
fn count_tokens_from(bytes: &[u8], previous_was_space: &mut bool) -> u64 {
    let mut tokens = 0;
    for &b in bytes {
        let space = matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0');
        let delimiter = matches!(b, b'[' | b']' | b'<' | b'>' | b'(' | b')' | b'{' | b'}');
        if delimiter || b == b'/' || (!space && *previous_was_space) {
            tokens += 1;
        }
        *previous_was_space = space || delimiter;
    }
    tokens
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::limits::Limits;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_token_is_charged_an_object_and_an_allocation() {
        let object = std::mem::size_of::<lopdf::Object>() as u64;
        assert_eq!(TOKEN_BYTES, object + 32);
        println!("size_of::<lopdf::Object>() = {object}");
    }

    #[test]
    fn tokens_are_runs_and_delimiters() {
        assert_eq!(count_tokens(b"<< /Type /Page >>"), 6);
        assert_eq!(count_tokens(b"<</Type/Page>>"), 6);
        assert_eq!(count_tokens(b"[0 0 0]"), 5);
    }

    #[test]
    fn object_streams_are_inflated_and_counted_against_the_memory_budget() {
        let zeros = "0 ".repeat(100_000);
        let mut pdf =
            b"%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend(deflate(zeros.as_bytes()));
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        let roomy = Limits::default();
        let mut budget = Budget::new(&roomy);
        assert!(check(&pdf, &mut budget).is_ok());
        assert!(budget.memory_room() < roomy.max_memory_bytes - 100_000 * TOKEN_BYTES);
        let tight = Limits {
            max_memory_bytes: 1024 * 1024,
            ..Limits::default()
        };
        assert_eq!(
            check(&pdf, &mut Budget::new(&tight)),
            Err(ExtractError::LimitExceeded(Cap::Memory))
        );
    }
}
