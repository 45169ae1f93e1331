//! `add_comment`'s arguments: which item (by the source's id grammar) and what to say.

use serde_json::Value;
use workplace_connectors::{ItemId, MAX_COMMENT_CHARS};

use super::InvalidArgument;
use super::values::{invalid, kind_of, object, reject_unknown, required_text};

/// A valid `add_comment` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentArgs {
    /// The item to comment on, as `workplace_search` and `fetch` name it.
    pub id: ItemId,
    /// The comment, trimmed: 1 to [`MAX_COMMENT_CHARS`] characters.
    pub text: String,
}

impl CommentArgs {
    /// Validates `add_comment` arguments.
    pub fn parse(arguments: Option<&Value>) -> Result<Self, InvalidArgument> {
        let map = object(arguments)?;
        reject_unknown(&map, &["id", "text"])?;
        let id = match map.get("id") {
            None | Some(Value::Null) => return Err(invalid("id", "is required")),
            Some(Value::String(s)) => {
                ItemId::parse(s.trim()).map_err(|e| invalid("id", e.to_string()))?
            }
            Some(other) => {
                return Err(invalid(
                    "id",
                    format!("must be a result id string, not {}", kind_of(other)),
                ));
            }
        };
        // Line breaks and tabs lay a comment out; other control characters are not text.
        let text = required_text(&map, "text", MAX_COMMENT_CHARS)?;
        Ok(Self { id, text })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use workplace_connectors::SourceKind;

    use super::*;

    fn field_of(args: Value) -> String {
        CommentArgs::parse(Some(&args)).unwrap_err().field
    }

    #[test]
    fn a_valid_call_is_trimmed_and_canonical() {
        let args = CommentArgs::parse(Some(&json!({
            "id": " notion:2F1C4B6E8D3A4F7E9A2B0123456789AB ",
            "text": "  Please update the figures.\nThanks  "
        })))
        .unwrap();
        assert_eq!(args.id.source(), SourceKind::Notion);
        assert_eq!(
            args.id.item().to_string(),
            "2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab"
        );
        assert_eq!(args.text, "Please update the figures.\nThanks");
    }

    #[test]
    fn text_is_required_bounded_and_printable() {
        let id = "google_drive:1AcmeDrv007x7Hq2LmZ9pR4tW";
        assert!(CommentArgs::parse(Some(&json!({"id": id, "text": "é".repeat(2000)}))).is_ok());
        let err =
            CommentArgs::parse(Some(&json!({"id": id, "text": "é".repeat(2001)}))).unwrap_err();
        assert_eq!(err.field, "text");
        assert!(err.reason.contains("2001"), "{err}");
        for bad in [
            json!({"id": id}),
            json!({"id": id, "text": "   "}),
            json!({"id": id, "text": 5}),
            json!({"id": id, "text": "a\u{0}b"}),
        ] {
            assert_eq!(field_of(bad), "text");
        }
    }

    #[test]
    fn ids_follow_the_source_grammar_and_unknown_fields_are_named() {
        for bad in [
            json!({"text": "x"}),
            json!({"id": "abc", "text": "x"}),
            json!({"id": "google_drive:1a2b/../about", "text": "x"}),
            json!({"id": "notion:x?filter=1", "text": "x"}),
            json!({"id": 3, "text": "x"}),
        ] {
            assert_eq!(field_of(bad), "id");
        }
        let err = CommentArgs::parse(Some(
            &json!({"id": "notion:2f1c4b6e8d3a4f7e9a2b0123456789ab", "text": "x", "resolve": true}),
        ))
        .unwrap_err();
        assert_eq!(err.field, "resolve");
        assert!(err.reason.contains("id, text"), "{err}");
        assert_eq!(field_of(json!(["id"])), "arguments");
    }
}
