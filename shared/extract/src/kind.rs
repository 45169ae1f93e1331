//! Which reader a file needs, from its MIME type or its name.

/// A file type this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// Word (`.docx`).
    Docx,
    /// Excel (`.xlsx`), also Google Sheets exported as xlsx.
    Xlsx,
    /// PowerPoint (`.pptx`), also Google Slides exported as pptx.
    Pptx,
    /// PDF, also any Google file exported as PDF.
    Pdf,
    /// CSV, as Google Sheets exports a sheet.
    Csv,
    /// Plain text (`text/plain`, Markdown), as Google Docs and Slides export.
    Text,
}

impl DocumentKind {
    /// The kind for a MIME type (parameters such as `; charset=utf-8` are ignored).
    pub fn from_mime(mime: &str) -> Option<Self> {
        let essence = mime.split(';').next().unwrap_or_default().trim();
        Some(match essence.to_ascii_lowercase().as_str() {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Self::Docx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Self::Xlsx,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Self::Pptx
            }
            "application/pdf" => Self::Pdf,
            "text/csv" => Self::Csv,
            "text/plain" | "text/markdown" => Self::Text,
            _ => return None,
        })
    }

    /// The kind for a file name's extension.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        Some(match ext.to_ascii_lowercase().as_str() {
            "docx" => Self::Docx,
            "xlsx" => Self::Xlsx,
            "pptx" => Self::Pptx,
            "pdf" => Self::Pdf,
            "csv" => Self::Csv,
            "txt" | "md" | "markdown" => Self::Text,
            _ => return None,
        })
    }

    /// The kind from the MIME type when it names one, else from the file name: uploads are often
    /// labelled `application/octet-stream`.
    pub fn detect(mime: Option<&str>, file_name: Option<&str>) -> Option<Self> {
        mime.and_then(Self::from_mime)
            .or_else(|| file_name.and_then(Self::from_file_name))
    }

    /// The short name used in errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
            Self::Pdf => "pdf",
            Self::Csv => "csv",
            Self::Text => "text",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DocumentKind;

    #[test]
    fn kinds_come_from_mime_types_then_names() {
        assert_eq!(
            DocumentKind::from_mime("text/csv; charset=utf-8"),
            Some(DocumentKind::Csv)
        );
        assert_eq!(
            DocumentKind::detect(Some("application/octet-stream"), Some("Plan.PPTX")),
            Some(DocumentKind::Pptx)
        );
        assert_eq!(
            DocumentKind::detect(Some("image/png"), Some("scan.png")),
            None
        );
        assert_eq!(DocumentKind::from_file_name("noextension"), None);
    }
}
