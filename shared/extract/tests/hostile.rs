//! Caps and hostile input: every kind answers garbage with a typed error, every cap cuts with the
//! text so far, and the async helper runs off the runtime's workers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;
use std::time::Duration;

use workplace_extract::{Cap, DocumentKind, ExtractError, Limits, extract, extract_blocking};

const KINDS: [DocumentKind; 6] = [
    DocumentKind::Docx,
    DocumentKind::Xlsx,
    DocumentKind::Pptx,
    DocumentKind::Pdf,
    DocumentKind::Csv,
    DocumentKind::Text,
];

fn demo(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../infra/fakes/corpus/files")
            .join(name),
    )
    .unwrap()
}

#[test]
fn garbage_and_empty_input_give_typed_errors_for_binary_kinds() {
    for kind in &KINDS[..4] {
        for input in [
            &b""[..],
            b"garbage",
            b"PK\x03\x04\x14\x00",
            b"%PDF-1.7\n1 0 obj <<",
        ] {
            let result = extract(input, *kind, &Limits::default());
            assert!(
                matches!(result, Err(ExtractError::Corrupt { .. })),
                "{kind:?} {input:?}: {result:?}"
            );
        }
    }
}

#[test]
fn a_file_over_the_input_cap_is_refused_unless_it_is_text() {
    let limits = Limits {
        max_input_bytes: 100,
        ..Limits::default()
    };
    let docx = demo("marketing-budget-plan-2027.docx");
    assert_eq!(
        extract(&docx, DocumentKind::Docx, &limits),
        Err(ExtractError::TooLarge {
            size: docx.len(),
            limit: 100
        })
    );
    let text = "word ".repeat(100);
    let got = extract(text.as_bytes(), DocumentKind::Text, &limits).unwrap();
    assert_eq!(got.truncated_by, Some(Cap::InputBytes));
    assert_eq!(got.text.len(), 100);
}

#[test]
fn the_output_cap_keeps_the_text_so_far() {
    let limits = Limits {
        max_output_chars: 40,
        ..Limits::default()
    };
    let got = extract(
        &demo("design-doc-search-ranking.docx"),
        DocumentKind::Docx,
        &limits,
    )
    .unwrap();
    assert!(got.truncated);
    assert_eq!(got.truncated_by, Some(Cap::OutputChars));
    assert!(
        got.text
            .starts_with("# Design doc: workplace search ranking")
    );
    assert!(got.text.chars().count() <= 41);
}

#[test]
fn the_page_cap_stops_after_that_many_slides() {
    let limits = Limits {
        max_pages: 1,
        ..Limits::default()
    };
    let got = extract(
        &demo("q4-planning-company-priorities.pptx"),
        DocumentKind::Pptx,
        &limits,
    )
    .unwrap();
    assert_eq!((got.slides, got.truncated_by), (1, Some(Cap::Pages)));
    assert!(got.text.starts_with("## Slide 1\n"));
    assert!(!got.text.contains("## Slide 2"));
}

#[test]
fn an_exhausted_time_budget_gives_no_text_and_says_so() {
    let limits = Limits {
        time_budget: Duration::ZERO,
        ..Limits::default()
    };
    for (name, kind) in [
        ("q4-planning-company-priorities.pptx", DocumentKind::Pptx),
        ("budget-tracker-fy2027.xlsx", DocumentKind::Xlsx),
        ("information-security-policy.pdf", DocumentKind::Pdf),
    ] {
        assert_eq!(
            extract(&demo(name), kind, &limits),
            Err(ExtractError::LimitExceeded(Cap::Time)),
            "{name}"
        );
    }
}

#[test]
fn the_bomb_alone_under_a_small_cap_is_a_limit_error_not_an_allocation() {
    // Sheet 1 does not fit either: nothing is produced, and the error names the cap.
    let limits = Limits {
        max_decompressed_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(
        extract(
            &demo("expense-archive-bomb.xlsx"),
            DocumentKind::Xlsx,
            &limits
        ),
        Err(ExtractError::LimitExceeded(Cap::DecompressedBytes))
    );
}

#[test]
fn cell_cap_cuts_a_spreadsheet() {
    let limits = Limits {
        max_cells: 7,
        ..Limits::default()
    };
    let got = extract(
        &demo("budget-tracker-fy2027.xlsx"),
        DocumentKind::Xlsx,
        &limits,
    )
    .unwrap();
    assert_eq!(got.truncated_by, Some(Cap::Cells));
    assert!(
        got.text.contains("| Quarter | Department |"),
        "{}",
        got.text
    );
    assert!(!got.text.contains("Q3"), "{}", got.text);
}

#[test]
fn a_legacy_or_encrypted_office_container_is_named() {
    let cfb = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    assert!(matches!(
        extract(&cfb, DocumentKind::Docx, &Limits::default()),
        Err(ExtractError::Unsupported(_))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_helper_extracts_on_the_blocking_pool() {
    let got = extract_blocking(
        demo("postmortem-data-export-timeout.pdf"),
        DocumentKind::Pdf,
        Limits::default(),
    )
    .await
    .unwrap();
    assert!(
        got.text
            .contains("exports over 10 MB hit an upstream size limit")
    );
    assert_eq!(got.pages, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn the_guard_is_held_by_the_blocking_task_and_dropped_when_it_ends() {
    let guard = std::sync::Arc::new(());
    let got = workplace_extract::extract_blocking_holding(
        demo("postmortem-data-export-timeout.pdf"),
        DocumentKind::Pdf,
        Limits::default(),
        guard.clone(),
    )
    .await
    .unwrap();
    assert_eq!(got.pages, 1);
    // The task has ended: its copy of the guard is gone.
    assert_eq!(std::sync::Arc::strong_count(&guard), 1);
}

#[test]
fn a_pdf_encrypted_only_against_copying_opens_with_the_empty_password() {
    let got = extract(
        &demo("restricted-security-policy.pdf"),
        DocumentKind::Pdf,
        &Limits::default(),
    )
    .unwrap();
    assert!(
        got.text.contains("Information security policy"),
        "{}",
        got.text
    );
}
