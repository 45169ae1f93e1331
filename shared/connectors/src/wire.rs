//! Helpers shared by the upstream wire types.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Deserializes a list, skipping elements that are not a `T`: upstreams return partial objects
/// (Notion) or items without the fields a hit needs, and one odd element must not fail a search.
/// A missing list or `null` is empty.
///
/// Each element is first only delimited (a raw JSON slice, validated but not built into a tree),
/// then parsed as a `T`. Building every element as a `serde_json::Value` first, as this did, was
/// over a quarter of a warm search's instructions (`make profile`): a map allocation per key of
/// every search result, for fields no hit reads.
pub(crate) fn skip_invalid<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(Option::<SkipInvalid<T>>::deserialize(deserializer)?
        .map(|list| list.0)
        .unwrap_or_default())
}

/// The list [`skip_invalid`] reads.
struct SkipInvalid<T>(Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for SkipInvalid<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Elements<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for Elements<T> {
            type Value = SkipInvalid<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
                while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                    if let Ok(item) = serde_json::from_str(raw.get()) {
                        items.push(item);
                    }
                }
                Ok(SkipInvalid(items))
            }
        }

        deserializer.deserialize_seq(Elements(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: String,
    }

    #[derive(Debug, Deserialize)]
    struct List {
        #[serde(default, deserialize_with = "skip_invalid")]
        results: Vec<Item>,
    }

    fn ids(json: &str) -> Vec<String> {
        let list: List = serde_json::from_str(json).expect("the list parses");
        list.results.into_iter().map(|i| i.id).collect()
    }

    #[test]
    fn elements_that_are_not_items_are_skipped_and_the_rest_kept_in_order() {
        let json = r#"{"results": [{"id": "a"}, {"object": "page"}, 7, null, "x", [1],
            {"id": 3}, {"id": "b", "extra": {"deep": [1, {"k": "v"}]}}, {"id": "c"}]}"#;
        assert_eq!(ids(json), ["a", "b", "c"]);
    }

    #[test]
    fn a_missing_or_null_list_is_empty_and_a_list_that_is_not_one_is_an_error() {
        assert!(ids("{}").is_empty());
        assert!(ids(r#"{"results": null}"#).is_empty());
        assert!(ids(r#"{"results": []}"#).is_empty());
        assert!(serde_json::from_str::<List>(r#"{"results": {"id": "a"}}"#).is_err());
        // Malformed JSON inside the list is still an error: only well-formed odd elements skip.
        assert!(serde_json::from_str::<List>(r#"{"results": [{"id": "a"}, {"id": ]}"#).is_err());
    }

    #[test]
    fn a_list_read_from_a_value_is_read_the_same_way() {
        let value = serde_json::json!({"results": [{"id": "a"}, {"nope": 1}, {"id": "b"}]});
        let list: List = serde_json::from_value(value).expect("the list parses");
        assert_eq!(
            list.results,
            [Item { id: "a".into() }, Item { id: "b".into() }]
        );
    }
}
