//! Google's `fields` partial-response syntax: `nextPageToken,files(id,name,owners(displayName))`.

use serde_json::{Map, Value};

/// A parsed selector: each name, with a nested selector when it had parentheses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields(Vec<(String, Option<Fields>)>);

impl Fields {
    /// Parses a selector; `None` on syntax errors.
    pub(crate) fn parse(spec: &str) -> Option<Self> {
        let chars: Vec<char> = spec.chars().filter(|c| !c.is_whitespace()).collect();
        let (fields, at) = parse_list(&chars, 0)?;
        (at == chars.len()).then_some(fields)
    }

    /// Keeps only the selected members of `value` (recursing into arrays).
    pub(crate) fn project(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.project(v)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (name, nested) in &self.0 {
                    if name == "*" {
                        return value.clone();
                    }
                    if let Some(member) = map.get(name) {
                        let projected = match nested {
                            Some(inner) => inner.project(member),
                            None => member.clone(),
                        };
                        out.insert(name.clone(), projected);
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

/// `a/b/c` is Google's shorthand for `a(b(c))`: the selector at the end applies to the last
/// segment.
fn path(name: &str, nested: Option<Fields>) -> (String, Option<Fields>) {
    match name.split_once('/') {
        Some((first, rest)) => {
            let inner = path(rest, nested);
            (first.to_owned(), Some(Fields(vec![inner])))
        }
        None => (name.to_owned(), nested),
    }
}

fn parse_list(chars: &[char], mut at: usize) -> Option<(Fields, usize)> {
    let mut fields = Vec::new();
    loop {
        let start = at;
        while at < chars.len()
            && (chars[at].is_alphanumeric() || matches!(chars[at], '_' | '*' | '/'))
        {
            at += 1;
        }
        if at == start {
            return None;
        }
        let name: String = chars[start..at].iter().collect();
        let mut nested = None;
        if chars.get(at) == Some(&'(') {
            let (inner, next) = parse_list(chars, at + 1)?;
            if chars.get(next) != Some(&')') {
                return None;
            }
            nested = Some(inner);
            at = next + 1;
        }
        fields.push(path(&name, nested));
        match chars.get(at) {
            Some(',') => at += 1,
            _ => return Some((Fields(fields), at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn projects_nested_selectors() {
        let fields = Fields::parse("nextPageToken, files(id,owners(displayName))").unwrap();
        let value = json!({"kind": "drive#fileList", "nextPageToken": "t",
            "files": [{"id": "1", "name": "n", "owners": [{"displayName": "A", "emailAddress": "a@x"}]}]});
        assert_eq!(
            fields.project(&value),
            json!({"nextPageToken": "t", "files": [{"id": "1", "owners": [{"displayName": "A"}]}]})
        );
        let slash = Fields::parse("id,capabilities/canDownload").unwrap();
        let file = json!({"id": "1", "capabilities": {"canDownload": false, "canCopy": false}});
        assert_eq!(
            slash.project(&file),
            json!({"id": "1", "capabilities": {"canDownload": false}})
        );
        assert!(Fields::parse("files(id").is_none());
        assert!(Fields::parse("files(),").is_none());
    }
}
