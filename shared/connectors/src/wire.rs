//! Helpers shared by the upstream wire types.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// Deserializes a list, skipping elements that are not a `T`: upstreams return partial objects
/// (Notion) or items without the fields a hit needs, and one odd element must not fail a search.
pub(crate) fn skip_invalid<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let items = Option::<Vec<serde_json::Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect())
}
