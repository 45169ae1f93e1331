//! Peak memory of extraction on hostile files, at the production defaults, measured in a child
//! process.
//!
//! Each file is built here, deterministically (nothing big is committed), written to a temporary
//! folder, and extracted by a copy of this test binary re-run as a child (`child_extracts`, which
//! does nothing unless `EXTRACT_MEMORY_CHILD` is set). The child resets its high-water mark after
//! reading the file, extracts, and prints `VmHWM` (peak resident memory) and the resident memory
//! it started from, both from `/proc/self/status`. A child is limited to 4 GB of address space
//! (`ulimit -v`), so a runaway allocation fails there instead of taking the machine with it.
//!
//! The budget (see `docs/SECURITY.md`, "Extraction memory budget"): each file at most
//! [`PER_FILE_MIB`] above the resident memory the child had once the file was read; nine of them
//! at once, one per thread, under [`FUNCTION_MIB`] in all (the Lambda's `MemorySize`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use workplace_extract::{DocumentKind, Limits, extract};

/// Peak resident memory one extraction may add, in MiB.
const PER_FILE_MIB: u64 = 64;
/// The function's `MemorySize` (template.yaml), in MiB: nine extractions at once stay under it.
const FUNCTION_MIB: u64 = 512;
const CHILD_ENV: &str = "EXTRACT_MEMORY_CHILD";

/// One hostile file: a name, its kind, and its bytes.
struct Hostile {
    name: &'static str,
    kind: DocumentKind,
    bytes: Vec<u8>,
    /// What the outcome must say (a substring), so that the budget is kept the intended way.
    expect: &'static str,
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, data) in entries {
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn entry(name: &str, data: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (name.to_owned(), data.into())
}

/// A workbook whose shared-strings part holds `count` one-character strings: about 17 bytes of
/// XML each, under the decompression cap, but a `String` each in calamine.
fn workbook_with_shared_strings(count: usize) -> Vec<u8> {
    let mut strings = String::with_capacity(count * 17 + 200);
    strings.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#);
    for _ in 0..count {
        strings.push_str("<si><t>a</t></si>");
    }
    strings.push_str("</sst>");
    zip_of(&[
        entry(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        ),
        entry(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        entry(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        entry(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
        entry(
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>inline</t></is></c></row></sheetData></worksheet>"#,
        ),
        entry("xl/sharedStrings.xml", strings),
    ])
}

const PPTX_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#;
const PPTX_ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/></Relationships>"#;

/// A presentation listing `listed` slides (`<p:sldId>` and relationships), `parts` of which
/// exist as slide parts with a line of text each.
fn presentation(listed: usize, parts: usize) -> Vec<u8> {
    let mut main = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for i in 0..listed {
        main.push_str(&format!(r#"<p:sldId id="{}" r:id="rId{i}"/>"#, 256 + i));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide{i}.xml"/>"#
        ));
    }
    main.push_str("</p:sldIdLst></p:presentation>");
    rels.push_str("</Relationships>");
    let mut entries = vec![
        entry("[Content_Types].xml", PPTX_TYPES),
        entry("_rels/.rels", PPTX_ROOT_RELS),
        entry("ppt/presentation.xml", main),
        entry("ppt/_rels/presentation.xml.rels", rels),
    ];
    for i in 0..parts {
        entries.push(entry(
            &format!("ppt/slides/slide{i}.xml"),
            format!(
                r#"<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Slide {i} {}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#,
                "x".repeat(2000)
            ),
        ));
    }
    zip_of(&entries)
}

/// A Word file whose main part is `size` bytes of text in one paragraph, with one byte that is
/// not UTF-8 when `invalid_utf8`.
fn big_document(size: usize, invalid_utf8: bool) -> Vec<u8> {
    let mut doc = br#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#.to_vec();
    if invalid_utf8 {
        doc.push(0xFF);
    }
    doc.extend(std::iter::repeat_n(b'w', size));
    doc.extend_from_slice(b"</w:t></w:r></w:p></w:body></w:document>");
    zip_of(&[
        entry(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        ),
        entry(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        entry("word/document.xml", doc),
    ])
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Assembles a PDF from numbered object bodies (object `i + 1` is `bodies[i]`), with a classic
/// cross-reference table and object 1 as the catalog.
fn pdf_of(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream_object(dict: &str, data: &[u8]) -> Vec<u8> {
    let packed = deflate(data);
    let mut body = format!(
        "<< {dict} /Filter /FlateDecode /Length {} >>\nstream\n",
        packed.len()
    )
    .into_bytes();
    body.extend_from_slice(&packed);
    body.extend_from_slice(b"\nendstream");
    body
}

/// The first objects of a one-page PDF whose page has `contents` (object 3 is the page, 4 its
/// font): `/Contents` is given by the caller.
fn one_page(contents: &str) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents {contents} >>"
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ]
}

/// A PDF with `count` object streams, each decoding to `each` bytes of one array of zeros: under
/// the per-stream cap, but an `Object` per two bytes in lopdf, and all of them loaded at once.
fn pdf_with_object_streams(count: usize, each: usize) -> Vec<u8> {
    let mut bodies = one_page("5 0 R");
    bodies.push(stream_object("", b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"));
    let array = format!("[{}]", "0 ".repeat(each / 2));
    for i in 0..count {
        let header = format!("{} 0 ", 100_000 + i);
        let mut data = header.clone().into_bytes();
        data.extend_from_slice(array.as_bytes());
        bodies.push(stream_object(
            &format!("/Type /ObjStm /N 1 /First {}", header.len()),
            &data,
        ));
    }
    pdf_of(&bodies)
}

/// A one-page PDF whose page has `count` content streams of `each` bytes of operands each:
/// under the per-page cap, parsed into operations all at once.
fn pdf_with_content_streams(count: usize, each: usize) -> Vec<u8> {
    let refs: Vec<String> = (0..count).map(|i| format!("{} 0 R", 5 + i)).collect();
    let mut bodies = one_page(&format!("[{}]", refs.join(" ")));
    let data = format!(
        "BT /F1 12 Tf 72 720 Td (Hello) Tj ET {}",
        "0 ".repeat(each / 2)
    );
    for _ in 0..count {
        bodies.push(stream_object("", data.as_bytes()));
    }
    pdf_of(&bodies)
}

fn demo(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../infra/fakes/corpus/files")
            .join(name),
    )
    .unwrap()
}

/// Every hostile file: the suite's own (the demo bomb and the damaged and encrypted demo
/// files) and the ones built for the memory budget.
fn hostile_files() -> Vec<Hostile> {
    let mut files = vec![
        Hostile {
            name: "expense-archive-bomb.xlsx",
            kind: DocumentKind::Xlsx,
            bytes: demo("expense-archive-bomb.xlsx"),
            expect: "DecompressedBytes",
        },
        Hostile {
            name: "board-minutes-truncated.docx",
            kind: DocumentKind::Docx,
            bytes: demo("board-minutes-truncated.docx"),
            expect: "corrupt",
        },
        Hostile {
            name: "bank-statement-protected.pdf",
            kind: DocumentKind::Pdf,
            bytes: demo("bank-statement-protected.pdf"),
            expect: "encrypted",
        },
        Hostile {
            name: "vendor-invoice-scan.pdf",
            kind: DocumentKind::Pdf,
            bytes: demo("vendor-invoice-scan.pdf"),
            expect: "no text layer",
        },
    ];
    files.extend([
        Hostile {
            name: "shared-strings-3.5M.xlsx",
            kind: DocumentKind::Xlsx,
            bytes: workbook_with_shared_strings(3_500_000),
            expect: "memory budget",
        },
        Hostile {
            name: "slides-5000.pptx",
            kind: DocumentKind::Pptx,
            bytes: presentation(5_000, 5_000),
            expect: "OutputChars",
        },
        Hostile {
            name: "slide-list-1M.pptx",
            kind: DocumentKind::Pptx,
            bytes: presentation(1_000_000, 0),
            expect: "no text within",
        },
        Hostile {
            name: "document-60MB.docx",
            kind: DocumentKind::Docx,
            bytes: big_document(60_000_000, false),
            expect: "Some(Memory)",
        },
        Hostile {
            name: "document-60MB-not-utf8.docx",
            kind: DocumentKind::Docx,
            bytes: big_document(60_000_000, true),
            expect: "memory budget",
        },
        Hostile {
            name: "object-streams-2000.pdf",
            kind: DocumentKind::Pdf,
            bytes: pdf_with_object_streams(2_000, 256 * 1024),
            expect: "decompressed size",
        },
        Hostile {
            name: "content-streams-1000.pdf",
            kind: DocumentKind::Pdf,
            bytes: pdf_with_content_streams(1_000, 60 * 1024),
            expect: "memory budget",
        },
        // Under the decompression cap, over the memory budget.
        Hostile {
            name: "object-streams-200.pdf",
            kind: DocumentKind::Pdf,
            bytes: pdf_with_object_streams(200, 256 * 1024),
            expect: "memory budget",
        },
        // Just within the estimates, so that they are read: the measured peak checks them.
        Hostile {
            name: "shared-strings-250k.xlsx",
            kind: DocumentKind::Xlsx,
            bytes: workbook_with_shared_strings(250_000),
            expect: "ok ",
        },
        Hostile {
            name: "object-streams-25.pdf",
            kind: DocumentKind::Pdf,
            bytes: pdf_with_object_streams(25, 20 * 1024),
            expect: "ok ",
        },
        Hostile {
            name: "content-stream-600KB.pdf",
            kind: DocumentKind::Pdf,
            bytes: pdf_with_content_streams(1, 600 * 1024),
            expect: "ok ",
        },
    ]);
    files
}

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn kind_name(kind: DocumentKind) -> &'static str {
    kind.name()
}

fn kind_of(name: &str) -> DocumentKind {
    [
        DocumentKind::Docx,
        DocumentKind::Xlsx,
        DocumentKind::Pptx,
        DocumentKind::Pdf,
    ]
    .into_iter()
    .find(|k| k.name() == name)
    .unwrap()
}

/// The child: extracts the files named in `EXTRACT_MEMORY_CHILD` (`kind:path` pairs, separated
/// by `;`), all at once, one thread each, and prints its memory.
#[test]
fn child_extracts() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let files: Vec<(DocumentKind, Vec<u8>)> = spec
        .split(';')
        .map(|item| {
            let (kind, path) = item.split_once(':').unwrap();
            (kind_of(kind), std::fs::read(path).unwrap())
        })
        .collect();
    // The high-water mark from here on: "5" resets it (Linux 4.0+).
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let start = status_kib("VmRSS");
    let outcomes: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|(kind, bytes)| {
                scope.spawn(move || {
                    let started = std::time::Instant::now();
                    let result = extract(bytes, *kind, &Limits::default());
                    let outcome = match result {
                        Ok(got) => format!(
                            "ok {} chars truncated_by={:?}",
                            got.text.chars().count(),
                            got.truncated_by
                        ),
                        Err(err) => format!("error: {err}"),
                    };
                    format!("{outcome} in {} ms", started.elapsed().as_millis())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let peak = status_kib("VmHWM");
    println!(
        "MEMORY start_kib={start} peak_kib={peak} outcome={}",
        outcomes.join(" | ")
    );
}

/// What a child measured.
struct Measured {
    start_mib: u64,
    peak_mib: u64,
    outcome: String,
}

fn run_child(files: &[(&Hostile, PathBuf)]) -> Measured {
    let spec: Vec<String> = files
        .iter()
        .map(|(h, path)| format!("{}:{}", kind_name(h.kind), path.display()))
        .collect();
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 4194304; exec "$0" "$@""#)
        .arg(&exe)
        .args([
            "child_extracts",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec.join(";"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout
        .lines()
        .find_map(|l| l.find("MEMORY ").map(|at| &l[at..]))
    else {
        // The child died (out of its address space, or killed): no budget held.
        return Measured {
            start_mib: 0,
            peak_mib: u64::MAX,
            outcome: format!(
                "child failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .rev()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
        };
    };
    let field = |key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    Measured {
        start_mib: field("start_kib=") / 1024,
        peak_mib: field("peak_kib=") / 1024,
        outcome: line
            .split_once("outcome=")
            .map_or(String::new(), |(_, o)| o.to_owned()),
    }
}

fn write_all(dir: &Path, files: &[Hostile]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    files
        .iter()
        .map(|h| {
            let path = dir.join(h.name);
            std::fs::write(&path, &h.bytes).unwrap();
            path
        })
        .collect()
}

#[test]
fn every_hostile_file_stays_within_the_memory_budget() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let files = hostile_files();
    let dir = std::env::temp_dir().join(format!("extract-memory-{}", std::process::id()));
    let paths = write_all(&dir, &files);
    let mut over = Vec::new();
    let mut unexpected = Vec::new();
    println!("| file | input | start | peak | above start | outcome |");
    for (file, path) in files.iter().zip(&paths) {
        let m = run_child(&[(file, path.clone())]);
        let above = m.peak_mib.saturating_sub(m.start_mib);
        println!(
            "| {} | {} KiB | {} MiB | {} MiB | {} MiB | {} |",
            file.name,
            file.bytes.len() / 1024,
            m.start_mib,
            if m.peak_mib == u64::MAX {
                0
            } else {
                m.peak_mib
            },
            if m.peak_mib == u64::MAX {
                u64::MAX
            } else {
                above
            },
            m.outcome
        );
        if above > PER_FILE_MIB {
            over.push(file.name);
        }
        if !m.outcome.contains(file.expect) {
            unexpected.push(format!("{}: {}", file.name, m.outcome));
        }
    }
    // Nine at once, one thread each: the heaviest nine (the generated ones, then the bomb).
    let mut nine: Vec<(&Hostile, PathBuf)> = files
        .iter()
        .zip(paths.iter().cloned())
        .rev()
        .take(9)
        .collect();
    nine.reverse();
    let m = run_child(&nine);
    println!(
        "nine at once: start {} MiB, peak {} MiB ({})",
        m.start_mib,
        if m.peak_mib == u64::MAX {
            0
        } else {
            m.peak_mib
        },
        m.outcome
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(over.is_empty(), "over {PER_FILE_MIB} MiB: {over:?}");
    assert!(unexpected.is_empty(), "unexpected outcomes: {unexpected:?}");
    assert!(
        m.peak_mib < FUNCTION_MIB,
        "nine at once: {} MiB, over the function's {FUNCTION_MIB} MiB",
        m.peak_mib
    );
}
