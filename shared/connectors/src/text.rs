//! Plain-text helpers shared by the connectors.

/// Cuts `text` to at most `max` characters, on a character boundary.
pub(crate) fn cut_chars(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((byte, _)) => (&text[..byte], true),
        None => (text, false),
    }
}

/// Turns Graph's highlighted summaries into plain text: `<c0>`/`</c0>` dropped, `<ddd/>` as an
/// ellipsis, the common entities decoded, whitespace collapsed.
pub(crate) fn strip_highlights(summary: &str) -> String {
    let text = summary
        .replace("<c0>", "")
        .replace("</c0>", "")
        .replace("<ddd/>", "…")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_become_plain_text() {
        assert_eq!(
            strip_highlights("Q3 <c0>quarterly</c0>  <c0>report</c0> for R&amp;D <ddd/>"),
            "Q3 quarterly report for R&D …"
        );
    }
}
