//! Word (`.docx`): the main document's paragraphs, with headings as `#`, list items as `- `,
//! quotes as `> ` and tables as `| a | b |` rows.

use crate::error::ExtractError;
use crate::limits::{Budget, Cap};
use crate::rels;
use crate::xml::{Ev, attr, walk};
use crate::zip_guard::Package;

const FORMAT: &str = "docx";
const OFFICE_DOCUMENT: &str = "/officeDocument";

/// Extracts the text of a `.docx` into `budget`.
pub(crate) fn extract(bytes: &[u8], budget: &mut Budget) -> Result<(), ExtractError> {
    let mut package = Package::open(bytes, FORMAT, budget)?;
    let root = rels::read(&mut package, "", FORMAT, budget)?;
    let main =
        rels::target_of(&root, OFFICE_DOCUMENT).unwrap_or_else(|| "word/document.xml".into());
    let Some(part) = package.read(&main, budget)? else {
        return Err(ExtractError::corrupt(FORMAT, "no main document part"));
    };
    let mut state = Paragraphs::default();
    walk(&part, FORMAT, budget, |ev, budget| state.on(ev, budget))?;
    if part.cut {
        budget.stop(Cap::DecompressedBytes);
    }
    Ok(())
}

/// Where the walk is in the document.
#[derive(Default)]
struct Paragraphs {
    /// Inside `<w:t>` (text) or `<w:delText>` is excluded: deleted text is not text.
    in_text: bool,
    /// The prefix for the current paragraph (from its style), written before its first text.
    prefix: &'static str,
    /// Whether the current paragraph has written anything.
    started: bool,
    /// Table cells currently open.
    cells: usize,
    /// Runs currently open: `<w:tab/>` and `<w:br/>` count only inside one (elsewhere `tab` is a
    /// tab stop of the paragraph's properties).
    runs: usize,
}

impl Paragraphs {
    fn on(&mut self, ev: Ev<'_, '_>, budget: &mut Budget) -> Result<(), Cap> {
        match ev {
            Ev::Open { name, tag, .. } => match name {
                "t" => self.in_text = true,
                "p" => {
                    self.prefix = "";
                    self.started = false;
                }
                "pStyle" => self.prefix = style_prefix(attr(tag, "w:val").as_deref()),
                "numPr" if self.prefix.is_empty() => self.prefix = "- ",
                "tab" if self.in_run() => self.text("\t", budget)?,
                "br" | "cr" if self.in_run() => self.text("\n", budget)?,
                "tr" => {
                    budget.newline()?;
                    budget.push("|")?;
                }
                "tc" => self.cells += 1,
                "r" => self.runs += 1,
                _ => {}
            },
            Ev::Close(name) => match name {
                "t" => self.in_text = false,
                "p" if self.cells > 0 && self.started => budget.push(" ")?,
                "p" if self.cells > 0 => {}
                "p" => budget.newline()?,
                "tc" => {
                    self.cells = self.cells.saturating_sub(1);
                    budget.push(" |")?;
                }
                "tr" => budget.newline()?,
                "r" => self.runs = self.runs.saturating_sub(1),
                _ => {}
            },
            Ev::Text(t) if self.in_text => self.text(t, budget)?,
            Ev::Text(_) => {}
        }
        Ok(())
    }

    fn in_run(&self) -> bool {
        self.runs > 0
    }

    fn text(&mut self, t: &str, budget: &mut Budget) -> Result<(), Cap> {
        if !self.started {
            self.started = true;
            if self.cells > 0 {
                budget.push(" ")?;
            } else {
                budget.push(self.prefix)?;
            }
        }
        budget.push(t)
    }
}

/// The Markdown prefix for a paragraph style id (`Heading1`, `ListBullet`, `Quote`...).
fn style_prefix(style: Option<&str>) -> &'static str {
    let Some(style) = style else { return "" };
    let lower = style.to_ascii_lowercase();
    if lower == "title" {
        return "# ";
    }
    if let Some(level) = lower.strip_prefix("heading") {
        return match level.trim() {
            "1" => "# ",
            "2" => "## ",
            "3" => "### ",
            _ => "#### ",
        };
    }
    if lower.starts_with("list") {
        return "- ";
    }
    if lower.contains("quote") {
        return "> ";
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::style_prefix;

    #[test]
    fn styles_map_to_markdown_prefixes() {
        assert_eq!(style_prefix(Some("Heading1")), "# ");
        assert_eq!(style_prefix(Some("Heading2")), "## ");
        assert_eq!(style_prefix(Some("Title")), "# ");
        assert_eq!(style_prefix(Some("ListBullet")), "- ");
        assert_eq!(style_prefix(Some("IntenseQuote")), "> ");
        assert_eq!(style_prefix(Some("Normal")), "");
        assert_eq!(style_prefix(None), "");
    }
}
