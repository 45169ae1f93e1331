//! KQL's syntax, as the Microsoft Graph fakes read it: free words and `"quoted phrases"`, `AND`,
//! `OR`, `NOT` (upper case only; lower-case `and` is a word), parentheses, implicit `AND` between
//! adjacent terms, and property restrictions `Prop:value`, `Prop=value`, `Prop>=value`, ... .
//! KQL is forgiving: nothing here is an error, a dangling operator or parenthesis is ignored.
//!
//! What the terms mean differs by API (SharePoint search over documents, Outlook `$search` over
//! messages), so each fake supplies a [`Dialect`]: how a phrase, a word and a property become its
//! terms, and how terms combine.

/// One API's meaning for KQL's terms.
pub(crate) trait Dialect: Clone + PartialEq + Sized {
    /// A quoted phrase, as lowercase tokens in order.
    fn phrase(words: Vec<String>) -> Self;
    /// A free word (not an operator, not a property restriction).
    fn word(word: &str) -> Self;
    /// `name<op>value` (the value's quotes removed), or `None` to read the whole as a word.
    fn property(name: &str, op: &str, value: &str) -> Option<Self>;
    /// All of `items` (never exactly one; possibly none, for an empty query).
    fn and(items: Vec<Self>) -> Self;
    /// Any of `items` (at least two).
    fn or(items: Vec<Self>) -> Self;
    /// Not `item`.
    fn not(item: Self) -> Self;
    /// What an ignored operator or parenthesis stands for.
    fn ignored() -> Self;
}

/// Parses a query in dialect `D`.
pub(crate) fn parse<D: Dialect>(query: &str) -> D {
    let mut parser = Parser {
        toks: lex(query),
        at: 0,
    };
    let mut items = Vec::new();
    while parser.at < parser.toks.len() {
        items.push(parser.or());
    }
    one_or(items, D::and)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<T> {
    Open,
    Close,
    And,
    Or,
    Not,
    Term(T),
}

fn lex<D: Dialect>(input: &str) -> Vec<Tok<D>> {
    let mut out = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .map_or(chars.len(), |p| i + 1 + p);
            let phrase: String = chars[i + 1..end].iter().collect();
            out.push(Tok::Term(D::phrase(crate::corpus::tokens(&phrase))));
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')') {
                // A quoted property value (`Path:"https://x y"`) belongs to the word.
                if chars[i] == '"' {
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        i += 1;
                    }
                }
                i += 1;
            }
            let word: String = chars[start..i.min(chars.len())].iter().collect();
            out.push(match word.as_str() {
                "AND" => Tok::And,
                "OR" => Tok::Or,
                "NOT" => Tok::Not,
                _ => Tok::Term(property(&word).unwrap_or_else(|| D::word(&word))),
            });
        }
    }
    out
}

/// `Prop<op>value`, when `word` is a property restriction the dialect knows.
fn property<D: Dialect>(word: &str) -> Option<D> {
    let at = word.find([':', '=', '<', '>'])?;
    let (name, rest) = word.split_at(at);
    if name.is_empty() || !name.chars().all(char::is_alphanumeric) {
        return None;
    }
    let op_len = rest
        .chars()
        .take_while(|c| matches!(c, ':' | '=' | '<' | '>'))
        .count();
    let (op, value) = rest.split_at(op_len);
    D::property(name, op, value.trim_matches('"'))
}

/// The one item, or `combine(items)`.
fn one_or<D>(mut items: Vec<D>, combine: fn(Vec<D>) -> D) -> D {
    if items.len() == 1 {
        items.remove(0)
    } else {
        combine(items)
    }
}

struct Parser<D> {
    toks: Vec<Tok<D>>,
    at: usize,
}

impl<D: Dialect> Parser<D> {
    fn or(&mut self) -> D {
        let mut items = vec![self.and()];
        while self.toks.get(self.at) == Some(&Tok::Or) {
            self.at += 1;
            items.push(self.and());
        }
        one_or(items, D::or)
    }

    fn and(&mut self) -> D {
        let mut items = vec![self.unary()];
        loop {
            match self.toks.get(self.at) {
                Some(Tok::And) => {
                    self.at += 1;
                    items.push(self.unary());
                }
                Some(Tok::Open | Tok::Not | Tok::Term(_)) => items.push(self.unary()),
                _ => break,
            }
        }
        one_or(items, D::and)
    }

    fn unary(&mut self) -> D {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        match tok {
            Some(Tok::Not) => D::not(self.unary()),
            Some(Tok::Open) => {
                let inner = self.or();
                if self.toks.get(self.at) == Some(&Tok::Close) {
                    self.at += 1;
                }
                inner
            }
            Some(Tok::Term(t)) => t,
            // A dangling operator or parenthesis: KQL ignores it.
            _ => D::ignored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dialect that shows the tree.
    #[derive(Debug, Clone, PartialEq)]
    enum T {
        W(Vec<String>),
        P(String, String, String),
        And(Vec<T>),
        Or(Vec<T>),
        Not(Box<T>),
        Nothing,
    }

    impl Dialect for T {
        fn phrase(words: Vec<String>) -> Self {
            Self::W(words)
        }
        fn word(word: &str) -> Self {
            Self::W(crate::corpus::tokens(word))
        }
        fn property(name: &str, op: &str, value: &str) -> Option<Self> {
            (name != "unknown").then(|| Self::P(name.into(), op.into(), value.into()))
        }
        fn and(items: Vec<Self>) -> Self {
            Self::And(items)
        }
        fn or(items: Vec<Self>) -> Self {
            Self::Or(items)
        }
        fn not(item: Self) -> Self {
            Self::Not(Box::new(item))
        }
        fn ignored() -> Self {
            Self::Nothing
        }
    }

    fn w(s: &str) -> T {
        T::W(s.split(' ').map(str::to_owned).collect())
    }

    #[test]
    fn precedence_implicit_and_phrases_and_properties() {
        assert_eq!(
            parse::<T>("(a OR b) c NOT \"d e\" Path:\"x y\" x>=2"),
            T::And(vec![
                T::Or(vec![w("a"), w("b")]),
                w("c"),
                T::Not(Box::new(w("d e"))),
                T::P("Path".into(), ":".into(), "x y".into()),
                T::P("x".into(), ">=".into(), "2".into()),
            ])
        );
        assert_eq!(parse::<T>("a or b"), T::And(vec![w("a"), w("or"), w("b")]));
        assert_eq!(parse::<T>("unknown:v"), w("unknown v"));
        assert_eq!(parse::<T>(""), T::And(vec![]));
        assert_eq!(parse::<T>("AND"), T::Nothing);
        for odd in ["(", ")", "\"", "a:\"b", "OR OR (NOT", "NOT"] {
            let _ = parse::<T>(odd);
        }
    }
}
