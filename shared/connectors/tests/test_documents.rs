//! Office and PDF files through the connectors, against the fakes over real HTTP: every readable
//! demo file `fetch`es to the corpus text it was generated from (`infra/fakes/corpus/files`),
//! every hostile one gives its precise `content_error` (or its text so far) within the caps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;
use upstream_fakes::SHAREPOINT_DRIVE_ID;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/fakes/corpus")
}

fn json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(corpus_dir().join(path)).unwrap()).unwrap()
}

/// The text the demo document titled `title` was generated from.
fn corpus_text(title: &str) -> String {
    json("demo.json")["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == title)
        .unwrap_or_else(|| panic!("no corpus document {title}"))["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Words with the markup of either side removed (corpus Markdown; slide, sheet and table markup).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line == "```" || line.starts_with("## Slide ") || line.starts_with("## Sheet: ") {
            continue;
        }
        let line = line.trim_start_matches('#').trim_start();
        let line = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("> "))
            .unwrap_or(line);
        out.extend(
            line.split(|c: char| c.is_whitespace() || c == '|' || c == ',')
                .filter(|w| !w.is_empty() && *w != "---")
                .map(str::to_owned),
        );
    }
    out
}

/// The source and `fetch` item id of a manifest entry.
fn target(entry: &Value) -> (SourceKind, String) {
    let id = entry["id"].as_str().unwrap();
    match entry["source"].as_str().unwrap() {
        "google_drive" => (SourceKind::GoogleDrive, id.to_owned()),
        "sharepoint" => (
            SourceKind::Sharepoint,
            format!("{SHAREPOINT_DRIVE_ID}/{id}"),
        ),
        other => panic!("unexpected source {other}"),
    }
}

#[tokio::test]
async fn every_demo_office_and_pdf_file_fetches_to_its_text_or_its_precise_error() {
    let h = harness(Duration::from_secs(3600)).await;
    let sources = h.sources(&[]);
    let (mut readable, mut hostile) = (0, 0);
    for entry in json("files/files.json")["files"].as_array().unwrap() {
        let (kind, id) = target(entry);
        let name = format!("{kind}:{}", entry["file"].as_str().unwrap());
        let content = sources[&kind]
            .content_of(
                &dev(),
                &id,
                100_000,
                tokio::time::Instant::now() + std::time::Duration::from_secs(8),
            )
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let error = content.unavailable_reason.clone().unwrap_or_default();
        match entry["expect"].as_str().unwrap() {
            expect @ ("text" | "slides" | "sheets") => {
                assert_eq!(error, "", "{name}");
                assert!(!content.truncated, "{name}");
                let expected = corpus_text(entry["from"].as_str().unwrap());
                if expect == "sheets" {
                    // Every cell of the tracker, sheet 1, in order; sheet 2 after it.
                    let got = words(&content.text);
                    assert_eq!(
                        got[..words(&expected).len()],
                        words(&expected)[..],
                        "{name}"
                    );
                    assert!(content.text.contains("## Sheet: Allocations"), "{name}");
                } else {
                    assert_eq!(words(&content.text), words(&expected), "{name}");
                }
                if expect == "slides" {
                    assert!(content.text.starts_with("## Slide 1\n"), "{name}");
                }
                readable += 1;
            }
            "zip_bomb" => {
                // The first sheet, then the decompression cap: the text so far, truncated.
                assert_eq!(error, "", "{name}");
                assert!(content.truncated, "{name}");
                assert!(content.text.contains("## Sheet: Tracker"), "{name}");
                hostile += 1;
            }
            "encrypted" => {
                assert_eq!(
                    error, "the file is encrypted (password-protected)",
                    "{name}"
                );
                hostile += 1;
            }
            "no_text_layer" => {
                assert!(error.contains("no text layer"), "{name}: {error}");
                hostile += 1;
            }
            "corrupt" => {
                assert!(
                    error.starts_with("the docx file is corrupt"),
                    "{name}: {error}"
                );
                hostile += 1;
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
        if !error.is_empty() {
            assert!(content.text.is_empty(), "{name}");
        }
    }
    assert_eq!(
        (readable, hostile),
        (8, 7),
        "every manifest entry was checked"
    );
}

#[tokio::test]
async fn downloads_stop_at_the_configured_cap_and_extraction_at_the_character_limit() {
    let h = harness(Duration::from_secs(3600)).await;
    let small = h.sources(&[("CONTENT_MAX_DOWNLOAD_BYTES", "2048")]);
    let drive = &small[&SourceKind::GoogleDrive];
    let docx = drive
        .content_of(
            &dev(),
            "1AcmeDrvF01x7Hq2LmZ9pR4tW",
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!(
        docx.unavailable_reason.as_deref(),
        Some("the file is larger than the 2048-byte download limit (CONTENT_MAX_DOWNLOAD_BYTES)")
    );
    let graph = &small[&SourceKind::Sharepoint];
    let pptx = graph
        .content_of(
            &dev(),
            &format!("{SHAREPOINT_DRIVE_ID}/01ACMESPF001Q3ZWBTUFOFD3GSPGO"),
            10_000,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert!(
        pptx.unavailable_reason.unwrap().contains("download limit"),
        "the deck is larger than 2 KiB"
    );
    let download = h
        .fakes
        .requests()
        .into_iter()
        .filter(|r| r.route == "download")
        .collect::<Vec<_>>();
    assert!(!download.is_empty() && download.iter().all(|r| !r.authorization));

    let cut = h.sources(&[])[&SourceKind::GoogleDrive]
        .content_of(
            &dev(),
            "1AcmeDrvF01x7Hq2LmZ9pR4tW",
            30,
            tokio::time::Instant::now() + std::time::Duration::from_secs(8),
        )
        .await
        .unwrap();
    assert_eq!((cut.text.chars().count(), cut.truncated), (30, true));
    assert!(cut.text.starts_with("# Design doc"), "{}", cut.text);
}
