//! `workplace_search`'s `filters` object: each field checked and named when it is wrong.

use serde_json::{Map, Value};
use workplace_connectors::SourceKind;
use workplace_connectors::query::filters::{Time, format_time, parse_time};
use workplace_connectors::query::{Filters, ItemType};

use super::InvalidArgument;
use super::values::{invalid, kind_of, reject_unknown};

/// The fields `filters` takes.
pub const FILTER_FIELDS: [&str; 7] = [
    "modified_after",
    "modified_before",
    "created_after",
    "created_before",
    "owner",
    "type",
    "containers",
];
/// Longest `owner`, in characters.
pub const MAX_OWNER_CHARS: usize = 200;
/// Most containers per source.
pub const MAX_CONTAINERS: usize = 10;
/// Longest container id, in characters.
pub const MAX_CONTAINER_CHARS: usize = 256;

/// Reads `filters` (absent or null: no filters).
pub fn parse(value: Option<&Value>) -> Result<Filters, InvalidArgument> {
    let map = match value {
        None | Some(Value::Null) => return Ok(Filters::default()),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(invalid(
                "filters",
                format!("must be an object, not {}", kind_of(other)),
            ));
        }
    };
    reject_unknown(map, &FILTER_FIELDS).map_err(|e| InvalidArgument {
        field: format!("filters.{}", e.field),
        reason: e.reason,
    })?;
    let filters = Filters {
        modified_after: time(map, "modified_after")?,
        modified_before: time(map, "modified_before")?,
        created_after: time(map, "created_after")?,
        created_before: time(map, "created_before")?,
        owner: owner(map)?,
        types: types(map)?,
        containers: containers(map)?,
    };
    for (after, before, a, b) in [
        (
            filters.modified_after,
            filters.modified_before,
            "modified_after",
            "modified_before",
        ),
        (
            filters.created_after,
            filters.created_before,
            "created_after",
            "created_before",
        ),
    ] {
        if let (Some(after), Some(before)) = (after, before)
            && after >= before
        {
            return Err(invalid(
                &format!("filters.{b}"),
                format!(
                    "must be later than filters.{a} ({} is not after {})",
                    format_time(before),
                    format_time(after)
                ),
            ));
        }
    }
    Ok(filters)
}

/// Writes `filters` back as the argument it was read from (the fuzz target's round trip).
pub fn to_json(filters: &Filters) -> Value {
    let mut map = Map::new();
    for (name, at) in [
        ("modified_after", filters.modified_after),
        ("modified_before", filters.modified_before),
        ("created_after", filters.created_after),
        ("created_before", filters.created_before),
    ] {
        if let Some(at) = at {
            map.insert(name.into(), Value::String(format_time(at)));
        }
    }
    if let Some(owner) = &filters.owner {
        map.insert("owner".into(), Value::String(owner.clone()));
    }
    if !filters.types.is_empty() {
        let types = filters.types.iter().map(|t| Value::from(t.as_str()));
        map.insert("type".into(), Value::Array(types.collect()));
    }
    if !filters.containers.is_empty() {
        let containers = filters
            .containers
            .iter()
            .map(|(kind, ids)| (kind.as_str().to_owned(), Value::from(ids.clone())));
        map.insert("containers".into(), Value::Object(containers.collect()));
    }
    Value::Object(map)
}

fn time(map: &Map<String, Value>, name: &str) -> Result<Option<Time>, InvalidArgument> {
    let field = format!("filters.{name}");
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => parse_time(text.trim()).map(Some).ok_or_else(|| {
            invalid(
                &field,
                "must be a date (2026-11-30) or an RFC 3339 time (2026-11-30T09:00:00Z), years 1 to 9999",
            )
        }),
        Some(other) => Err(invalid(
            &field,
            format!("must be a date string, not {}", kind_of(other)),
        )),
    }
}

fn owner(map: &Map<String, Value>) -> Result<Option<String>, InvalidArgument> {
    let field = "filters.owner";
    let text = match map.get("owner") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.trim(),
        Some(other) => {
            return Err(invalid(
                field,
                format!("must be a string, not {}", kind_of(other)),
            ));
        }
    };
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_OWNER_CHARS {
        return Err(invalid(
            field,
            format!("must be an email address or a name of 1 to {MAX_OWNER_CHARS} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(
            field,
            "must be one line without control characters",
        ));
    }
    Ok(Some(text.to_owned()))
}

fn types(map: &Map<String, Value>) -> Result<Vec<ItemType>, InvalidArgument> {
    let field = "filters.type";
    let names: Vec<&Value> = match map.get("type") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(one @ Value::String(_)) => vec![one],
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(Value::Array(_)) => {
            return Err(invalid(field, "must name at least one type, or be omitted"));
        }
        Some(other) => {
            return Err(invalid(
                field,
                format!(
                    "must be a type or an array of types, not {}",
                    kind_of(other)
                ),
            ));
        }
    };
    let mut types = Vec::with_capacity(names.len());
    for name in names {
        let parsed = name.as_str().and_then(ItemType::parse).ok_or_else(|| {
            let known: Vec<&str> = ItemType::ALL.iter().map(|t| t.as_str()).collect();
            invalid(
                field,
                format!("must be one or more of: {} (got {name})", known.join(", ")),
            )
        })?;
        if !types.contains(&parsed) {
            types.push(parsed);
        }
    }
    Ok(types)
}

fn containers(
    map: &Map<String, Value>,
) -> Result<std::collections::BTreeMap<SourceKind, Vec<String>>, InvalidArgument> {
    let field = "filters.containers";
    let entries = match map.get("containers") {
        None | Some(Value::Null) => return Ok(Default::default()),
        Some(Value::Object(entries)) if !entries.is_empty() => entries,
        Some(Value::Object(_)) => {
            return Err(invalid(
                field,
                "must name at least one source, or be omitted",
            ));
        }
        Some(other) => {
            return Err(invalid(
                field,
                format!(
                    "must be an object from source name to container ids, not {}",
                    kind_of(other)
                ),
            ));
        }
    };
    let mut containers = std::collections::BTreeMap::new();
    for (name, ids) in entries {
        let field = format!("{field}.{name}");
        let kind: SourceKind = name
            .parse()
            .map_err(|_| invalid(&field, "is not a source name"))?;
        let Value::Array(ids) = ids else {
            return Err(invalid(&field, "must be an array of container ids"));
        };
        if ids.is_empty() || ids.len() > MAX_CONTAINERS {
            return Err(invalid(
                &field,
                format!("must hold 1 to {MAX_CONTAINERS} container ids"),
            ));
        }
        let mut list = Vec::with_capacity(ids.len());
        for id in ids {
            let id = id.as_str().filter(|id| container_id_ok(id)).ok_or_else(|| {
                invalid(
                    &field,
                    format!(
                        "container ids are 1 to {MAX_CONTAINER_CHARS} letters, digits and . _ , : @ ! - (got {id})"
                    ),
                )
            })?;
            list.push(id.to_owned());
        }
        containers.insert(kind, list);
    }
    Ok(containers)
}

/// A shared drive's id, a SharePoint site's id (`host,guid,guid`), a Notion id, an sObject name:
/// none needs more than these characters, and none of them means anything in a query language
/// before the dialect escapes it.
fn container_id_ok(id: &str) -> bool {
    (1..=MAX_CONTAINER_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._,:@!-".contains(&b))
}
