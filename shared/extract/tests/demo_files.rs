//! The demo files the fakes serve (`infra/fakes/corpus/files`, written by `generate.py` from the
//! corpus text): each readable one extracts to the text it was generated from, each hostile one
//! gives its precise error within the default caps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;

use serde_json::Value;
use workplace_extract::{Cap, DocumentKind, ExtractError, Extracted, Limits, extract};

fn files_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/fakes/corpus/files")
}

fn corpus_text(title: &str) -> String {
    let corpus: Value =
        serde_json::from_str(&std::fs::read_to_string(files_dir().join("../demo.json")).unwrap())
            .unwrap();
    corpus["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == title)
        .unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The manifest's entries, one per distinct file.
fn manifest() -> Vec<Value> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(files_dir().join("files.json")).unwrap())
            .unwrap();
    let mut seen = std::collections::HashSet::new();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| seen.insert(f["file"].as_str().unwrap().to_owned()))
        .cloned()
        .collect()
}

fn run(entry: &Value) -> Result<Extracted, ExtractError> {
    let bytes = std::fs::read(files_dir().join(entry["file"].as_str().unwrap())).unwrap();
    let kind = DocumentKind::detect(entry["mime"].as_str(), entry["title"].as_str()).unwrap();
    extract(&bytes, kind, &Limits::default())
}

/// Words of a text with the markup of either side removed: corpus markup (`# `, `- `, `> `,
/// code fences) and extraction markup (slide and sheet headings, table pipes and rules).
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
            line.split(|c: char| c.is_whitespace() || c == '|')
                .filter(|w| !w.is_empty() && *w != "---")
                .map(str::to_owned),
        );
    }
    out
}

#[test]
fn every_readable_demo_file_extracts_to_the_text_it_was_made_from() {
    let mut checked = 0;
    for entry in manifest() {
        let Some(origin) = entry["from"].as_str() else {
            continue;
        };
        let name = entry["file"].as_str().unwrap();
        let got = run(&entry).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(!got.truncated, "{name}");
        let expected = corpus_text(origin);
        match entry["expect"].as_str().unwrap() {
            "sheets" => {
                // Sheet 1 is the tracker's CSV as a table, header rule after the first row.
                let mut table = String::from("## Sheet: Tracker\n");
                for (i, row) in expected.lines().enumerate() {
                    table.push_str(&format!("| {} |\n", row.replace(',', " | ")));
                    if i == 0 {
                        table.push_str(&format!("|{}\n", " --- |".repeat(row.split(',').count())));
                    }
                }
                assert!(got.text.starts_with(&table), "{name}:\n{}", got.text);
                assert!(
                    got.text
                        .contains("## Sheet: Allocations\n| Department | Share |")
                );
                assert!(got.text.contains(
                    "| Engineering | 41% (platform reliability, search infrastructure) |"
                ));
                assert_eq!(got.sheets, 2);
            }
            "slides" => {
                assert_eq!(words(&got.text), words(&expected), "{name}:\n{}", got.text);
                let headings = expected.lines().filter(|l| l.starts_with("# ")).count();
                assert_eq!(got.slides, headings, "{name}");
                assert!(got.text.starts_with("## Slide 1\n"), "{name}");
                assert!(
                    got.text.contains(&format!("## Slide {headings}\n")),
                    "{name}"
                );
            }
            _ => {
                assert_eq!(words(&got.text), words(&expected), "{name}:\n{}", got.text);
                if name.ends_with(".docx") {
                    // Headings and bullets keep their Markdown shape.
                    let first = expected.lines().next().unwrap();
                    assert!(got.text.starts_with(first), "{name}:\n{}", got.text);
                    assert!(got.text.contains("\n- "), "{name}");
                }
                if name.ends_with(".pdf") {
                    assert_eq!(got.pages, 1, "{name}");
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 7, "every readable file was checked");
}

#[test]
fn every_hostile_demo_file_gives_its_precise_outcome_within_the_caps() {
    let mut checked = 0;
    for entry in manifest() {
        let name = entry["file"].as_str().unwrap();
        match entry["expect"].as_str().unwrap() {
            "zip_bomb" => {
                // Sheet 1 is read; sheet 2 inflates past the 64 MiB cap though its headers say
                // 4 KiB, so it is left out and the result says why.
                let got = run(&entry).unwrap();
                assert!(got.truncated, "{name}");
                assert_eq!(got.truncated_by, Some(Cap::DecompressedBytes));
                assert!(got.text.contains("## Sheet: Tracker"), "{}", got.text);
                assert!(!got.text.contains("## Sheet: Allocations"), "{}", got.text);
            }
            "encrypted" => assert_eq!(run(&entry), Err(ExtractError::Encrypted), "{name}"),
            "no_text_layer" => assert_eq!(
                run(&entry),
                Err(ExtractError::NoTextLayer { pages: 1 }),
                "{name}"
            ),
            "corrupt" => assert!(
                matches!(
                    run(&entry),
                    Err(ExtractError::Corrupt { format: "docx", .. })
                ),
                "{name}: {:?}",
                run(&entry)
            ),
            _ => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, 4, "every hostile file was checked");
}
