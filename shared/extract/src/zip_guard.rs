//! Reading the parts of an Office package (a ZIP file) without trusting its headers.
//!
//! A ZIP's local and central headers declare each entry's uncompressed size, but a ZIP bomb lies:
//! it declares a few kilobytes and inflates to gigabytes. So sizes are counted while inflating,
//! against [`Limits::max_decompressed_bytes`](crate::Limits::max_decompressed_bytes) shared by all
//! parts of the file, and reading stops at the cap whatever the headers say. (The zip crate also
//! stops an entry that inflates past its declared size; that too is treated as a bomb.)

use std::borrow::Cow;
use std::io::{Cursor, Read, Write};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};

/// Magic bytes of an OLE compound file: what an encrypted OOXML file (or a legacy .doc/.xls)
/// is instead of a ZIP.
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Bytes inflated between two checks of the deadline.
const CHUNK: usize = 64 * 1024;

/// One part of a package, decompressed.
#[derive(Debug)]
pub(crate) struct Part {
    /// The bytes read, at most what the budget allowed.
    pub(crate) bytes: Vec<u8>,
    /// Whether reading stopped at a cap before the end of the part.
    pub(crate) cut: bool,
}

/// An opened Office package.
pub(crate) struct Package<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    format: &'static str,
}

impl<'a> Package<'a> {
    /// Opens `bytes` as the package of a `format` file.
    pub(crate) fn open(
        bytes: &'a [u8],
        format: &'static str,
        budget: &mut Budget,
    ) -> Result<Self, ExtractError> {
        if bytes.starts_with(&CFB_MAGIC) {
            return Err(cfb_error(bytes));
        }
        let archive = ZipArchive::new(Cursor::new(bytes))
            .map_err(|err| ExtractError::corrupt(format, zip_detail(&err)))?;
        if archive.len() > budget.limits.max_zip_entries {
            budget.stop(Cap::ZipEntries);
            return Err(ExtractError::LimitExceeded(Cap::ZipEntries));
        }
        Ok(Self { archive, format })
    }

    /// Names of the entries, in archive order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.archive
            .file_names()
            .filter_map(Result::ok)
            .map(Cow::into_owned)
            .collect()
    }

    /// Reads the entry `name` within the budget; `Ok(None)` when there is no such entry.
    pub(crate) fn read(
        &mut self,
        name: &str,
        budget: &mut Budget,
    ) -> Result<Option<Part>, ExtractError> {
        let format = self.format;
        let mut entry = match self.archive.by_name(name) {
            Ok(entry) => entry,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(err) => return Err(entry_error(format, &err)),
        };
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; CHUNK];
        loop {
            if budget.check_time().is_err() {
                return Ok(Some(Part { bytes, cut: true }));
            }
            let inflate_room = budget
                .limits
                .max_decompressed_bytes
                .saturating_sub(budget.decompressed);
            // The part is held whole while it is parsed: it must also fit the memory budget
            // beside what is already held.
            let memory_room = budget.memory_room().saturating_sub(bytes.len() as u64);
            let (room, cap) = if memory_room < inflate_room {
                (memory_room, Cap::Memory)
            } else {
                (inflate_room, Cap::DecompressedBytes)
            };
            let n = match entry.read(&mut chunk) {
                Ok(0) => return Ok(Some(Part { bytes, cut: false })),
                Ok(n) => n,
                // zip itself refuses to inflate past the size the headers declare: a header that
                // lies is a bomb, cut here like one that tells the truth but is over the cap.
                Err(err) if err.to_string().contains("declared uncompressed size") => {
                    budget.stop(Cap::DecompressedBytes);
                    return Ok(Some(Part { bytes, cut: true }));
                }
                Err(err) => return Err(ExtractError::corrupt(format, err)),
            };
            let take = usize::try_from(room).map_or(n, |room| n.min(room));
            bytes.extend_from_slice(&chunk[..take]);
            budget.decompressed += take as u64;
            if take < n {
                budget.stop(cap);
                return Ok(Some(Part { bytes, cut: true }));
            }
        }
    }

    /// A copy of the package holding only its XML parts (`.xml`, `.rels`), each verified to
    /// inflate within the budget, stored without compression so that their declared sizes are
    /// true. Parts over the budget are left out, which the caller reports as truncation. This is
    /// what a third-party reader that trusts the headers (calamine) is given.
    ///
    /// Parts for which `read_last` is true (the bulky ones, e.g. worksheets) are read after the
    /// others, so that a bomb among them cannot starve the structure the rest depends on.
    ///
    /// Each part kept counts towards the memory budget with its size plus `estimate(name, part)`,
    /// what the third-party reader will allocate from it beyond its bytes (e.g. one `String` per
    /// shared string). A bulky part (`read_last`) that does not fit is left out (`Cap::Memory`);
    /// any other refuses the file with `LimitExceeded(Memory)`.
    pub(crate) fn verified_copy(
        &mut self,
        budget: &mut Budget,
        read_last: impl Fn(&str) -> bool,
        estimate: impl Fn(&str, &Part, &mut Budget) -> u64,
    ) -> Result<Vec<u8>, ExtractError> {
        let format = self.format;
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false);
        let mut names = self.names();
        names.sort_by_key(|name| read_last(name));
        for name in names {
            if !(name.ends_with(".xml") || name.ends_with(".rels")) {
                continue;
            }
            let Some(part) = self.read(&name, budget)? else {
                continue;
            };
            if part.cut {
                // A structural part cut at the memory budget: as below, nothing is worth reading.
                if !read_last(&name) && budget.stopped() == Some(Cap::Memory) {
                    return Err(ExtractError::LimitExceeded(Cap::Memory));
                }
                // A part cut short would only fail to parse; the rest may still be readable.
                continue;
            }
            // The copy keeps the part, and the reader builds from it what `estimate` says: both
            // are held until the extraction ends. A part that does not fit is left out.
            let extra = estimate(&name, &part, budget);
            if let Err(cap) = budget.charge((part.bytes.len() as u64).saturating_add(extra)) {
                if read_last(&name) {
                    continue;
                }
                // A structural part (shared strings, styles, the workbook) the reader needs
                // whole: without it, nothing is worth reading.
                return Err(ExtractError::LimitExceeded(cap));
            }
            out.start_file(name.as_str(), options)
                .and_then(|()| out.write_all(&part.bytes).map_err(ZipError::from))
                .map_err(|err| ExtractError::corrupt(format, err))?;
        }
        out.finish()
            .map(Cursor::into_inner)
            .map_err(|err| ExtractError::corrupt(format, err))
    }
}

/// What an OLE compound file in place of a package means.
fn cfb_error(bytes: &[u8]) -> ExtractError {
    // An encrypted OOXML file is a compound file with an "EncryptionInfo" stream; directory
    // entry names are UTF-16LE.
    let marker: Vec<u8> = "EncryptionInfo"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
        ExtractError::Encrypted
    } else {
        ExtractError::Unsupported("legacy binary Office format (.doc, .xls, .ppt)".to_owned())
    }
}

fn entry_error(format: &'static str, err: &ZipError) -> ExtractError {
    match err {
        ZipError::UnsupportedArchive(msg) if msg.contains("assword") => ExtractError::Encrypted,
        ZipError::InvalidPassword => ExtractError::Encrypted,
        _ => ExtractError::corrupt(format, zip_detail(err)),
    }
}

fn zip_detail(err: &ZipError) -> String {
    format!("not a readable ZIP package ({err})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            out.start_file(*name, options).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn reading_stops_at_the_decompression_cap_across_parts() {
        let zeros = vec![b'a'; 300_000];
        let bytes = zip_of(&[("a.xml", &zeros), ("b.xml", &zeros)]);
        assert!(bytes.len() < 10_000, "highly compressed: {}", bytes.len());
        let limits = Limits {
            max_decompressed_bytes: 400_000,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        let mut package = Package::open(&bytes, "docx", &mut budget).unwrap();
        let a = package.read("a.xml", &mut budget).unwrap().unwrap();
        assert!(!a.cut);
        let b = package.read("b.xml", &mut budget).unwrap().unwrap();
        assert!(b.cut);
        assert_eq!(a.bytes.len() + b.bytes.len(), 400_000);
        assert_eq!(budget.stopped(), Some(Cap::DecompressedBytes));
        assert!(package.read("missing.xml", &mut budget).unwrap().is_none());
    }

    #[test]
    fn too_many_entries_is_refused() {
        let entries: Vec<(String, Vec<u8>)> =
            (0..20).map(|i| (format!("{i}.xml"), Vec::new())).collect();
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let bytes = zip_of(&refs);
        let limits = Limits {
            max_zip_entries: 10,
            ..Limits::default()
        };
        let err = Package::open(&bytes, "xlsx", &mut Budget::new(&limits)).err();
        assert_eq!(err, Some(ExtractError::LimitExceeded(Cap::ZipEntries)));
    }

    #[test]
    fn a_compound_file_is_encrypted_or_legacy() {
        let mut encrypted = CFB_MAGIC.to_vec();
        encrypted.extend("EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes));
        let mut budget = Budget::new(&Limits::default());
        assert_eq!(
            Package::open(&encrypted, "docx", &mut budget).err(),
            Some(ExtractError::Encrypted)
        );
        assert!(matches!(
            Package::open(&CFB_MAGIC, "docx", &mut budget).err(),
            Some(ExtractError::Unsupported(_))
        ));
    }

    #[test]
    fn garbage_is_a_corrupt_package() {
        let err = Package::open(
            b"PK\x03\x04 not really",
            "pptx",
            &mut Budget::new(&Limits::default()),
        );
        assert!(matches!(
            err.err(),
            Some(ExtractError::Corrupt { format: "pptx", .. })
        ));
    }

    #[test]
    fn the_verified_copy_drops_parts_over_the_budget() {
        let big = vec![b'x'; 100_000];
        let bytes = zip_of(&[
            ("small.xml", b"<a/>"),
            ("big.xml", &big),
            ("image.png", &big),
        ]);
        let limits = Limits {
            max_decompressed_bytes: 50_000,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        let mut package = Package::open(&bytes, "xlsx", &mut budget).unwrap();
        let copy = package
            .verified_copy(&mut budget, |_| false, |_, _, _| 0)
            .unwrap();
        let archive = ZipArchive::new(Cursor::new(copy.as_slice())).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["small.xml"]);
    }
}
