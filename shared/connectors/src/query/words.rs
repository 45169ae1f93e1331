//! Tokens, stop words and plural/stem variants.
//!
//! Every upstream tokenizes on non-alphanumeric characters (Drive `fullText` matches whole
//! tokens, Graph KQL free words, Notion title words), so the planner does too: a term it emits is
//! only ever lowercase alphanumeric words separated by single spaces. That is also what makes the
//! dialects safe: no quote, backslash, colon or parenthesis of the caller's text survives.

/// Lowercase alphanumeric tokens of `text`.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words that carry no topic: question words, auxiliaries, pronouns, prepositions and the
/// filler of requests ("find me the doc about ..."). Dropped from keywords; kept in phrases.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "allowed",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doc",
    "docs",
    "document",
    "documents",
    "during",
    "file",
    "files",
    "find",
    "for",
    "from",
    "get",
    "give",
    "go",
    "going",
    "happened",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "know",
    "let",
    "like",
    "look",
    "looking",
    "me",
    "my",
    "need",
    "of",
    "on",
    "or",
    "our",
    "out",
    "please",
    "say",
    "says",
    "see",
    "should",
    "show",
    "since",
    "so",
    "some",
    "tell",
    "that",
    "the",
    "their",
    "them",
    "there",
    "these",
    "this",
    "those",
    "to",
    "up",
    "us",
    "was",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "caused",
    "cause",
    "anything",
    "something",
    "info",
    "information",
    "where's",
];

/// Whether `word` (lowercase) carries no topic.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Singular/plural and simple suffix variants of one lowercase word, the word itself first.
/// Upstreams match whole tokens without stemming, so "policies" never finds "policy" unless
/// both are asked for. Short words and numbers get none (too many false friends).
pub fn variants(word: &str) -> Vec<String> {
    let mut out = vec![word.to_owned()];
    if word.chars().count() < 4 || word.chars().any(|c| c.is_ascii_digit()) {
        return out;
    }
    let mut add = |w: String| {
        if w.chars().count() >= 3 && !out.contains(&w) {
            out.push(w);
        }
    };
    if let Some(stem) = word.strip_suffix("ies") {
        add(format!("{stem}y"));
    } else if let Some(stem) = ["sses", "xes", "ches", "shes"]
        .iter()
        .find_map(|s| word.strip_suffix(s).map(|_| &word[..word.len() - 2]))
    {
        add(stem.to_owned());
    } else if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        add(word[..word.len() - 1].to_owned());
    } else if let Some(stem) = word
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        add(format!("{stem}ies"));
    } else if word.ends_with(['s', 'x']) || word.ends_with("ch") || word.ends_with("sh") {
        add(format!("{word}es"));
    } else {
        add(format!("{word}s"));
    }
    if let Some(stem) = word.strip_suffix("ing").filter(|s| s.len() >= 4) {
        add(stem.to_owned());
    }
    if let Some(stem) = word.strip_suffix("ed").filter(|s| s.len() >= 4) {
        add(stem.to_owned());
        add(format!("{stem}s"));
        add(format!("{stem}e"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_on_anything_not_alphanumeric() {
        assert_eq!(
            tokens("Sign-on: O'Brien's 2026-10"),
            ["sign", "on", "o", "brien", "s", "2026", "10"]
        );
    }

    #[test]
    fn plural_and_singular_both_ways() {
        assert_eq!(variants("policies"), ["policies", "policy"]);
        assert_eq!(variants("policy"), ["policy", "policies"]);
        assert_eq!(variants("budgets"), ["budgets", "budget"]);
        assert_eq!(variants("budget"), ["budget", "budgets"]);
        assert_eq!(variants("delays"), ["delays", "delay"]);
        assert_eq!(variants("process"), ["process", "processes"]);
        assert_eq!(variants("q3"), ["q3"]);
        assert_eq!(variants("tls"), ["tls"]);
        assert!(variants("delayed").contains(&"delay".to_owned()));
    }
}
