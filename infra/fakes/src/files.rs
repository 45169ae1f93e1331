//! The real Office and PDF files of the demo workspace (`corpus/files/`, written by its
//! `generate.py` from the corpus text), compiled in so the fakes need no files at run time.

/// The bytes of the demo file `name`, as listed in `corpus/files/files.json`.
pub(crate) fn bytes(name: &str) -> Option<&'static [u8]> {
    macro_rules! files {
        ($($file:literal),* $(,)?) => {
            match name {
                $($file => Some(include_bytes!(concat!("../corpus/files/", $file)).as_slice()),)*
                _ => None,
            }
        };
    }
    files!(
        "architecture-overview-2026.pptx",
        "bank-statement-protected.pdf",
        "board-minutes-truncated.docx",
        "budget-tracker-fy2027.xlsx",
        "design-doc-search-ranking.docx",
        "expense-archive-bomb.xlsx",
        "information-security-policy.pdf",
        "marketing-budget-plan-2027.docx",
        "postmortem-data-export-timeout.pdf",
        "q4-planning-company-priorities.pptx",
        "vendor-invoice-scan.pdf",
    )
}

#[cfg(test)]
mod tests {
    use crate::corpus::Corpus;

    #[test]
    fn every_file_the_corpus_names_is_compiled_in() {
        let corpus = Corpus::demo();
        let named: Vec<&str> = corpus
            .documents
            .iter()
            .chain(&corpus.files)
            .filter_map(|d| d.file.as_deref())
            .collect();
        assert_eq!(named.len(), 15, "{named:?}");
        for name in named {
            assert!(super::bytes(name).is_some_and(|b| b.len() > 1000), "{name}");
        }
    }
}
