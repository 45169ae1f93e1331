//! Reading one argument out of the JSON object: each check names the field and says why.

use serde_json::{Map, Value};

use super::InvalidArgument;

pub(super) fn invalid(field: &str, reason: impl Into<String>) -> InvalidArgument {
    InvalidArgument {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

pub(super) fn object(arguments: Option<&Value>) -> Result<Map<String, Value>, InvalidArgument> {
    match arguments {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(invalid("arguments", "must be a JSON object")),
    }
}

pub(super) fn reject_unknown(
    map: &Map<String, Value>,
    known: &[&str],
) -> Result<(), InvalidArgument> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(invalid(
            unknown,
            format!("unknown argument (expected one of: {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// `f` as a `u64` when it is a whole number from 0 to `max` (larger values are out of range
/// anyway, and the bound keeps the conversion exact).
pub(super) fn whole(f: f64, max: u64) -> Option<u64> {
    let max = u32::try_from(max).unwrap_or(u32::MAX);
    (f.fract() == 0.0 && (0.0..=f64::from(max)).contains(&f)).then(|| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = f as u64;
        v
    })
}

pub(super) fn integer(
    map: &Map<String, Value>,
    field: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, InvalidArgument> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        // `11.0` is an integer to JSON Schema (and so to clients that validate against our
        // `inputSchema`), so a float with no fraction is read as the whole number it is.
        Some(Value::Number(n)) => match n.as_u64().or_else(|| whole(n.as_f64()?, *range.end())) {
            Some(v) if range.contains(&v) => Ok(Some(v)),
            _ => Err(invalid(
                field,
                format!(
                    "must be a whole number from {} to {} (got {n})",
                    range.start(),
                    range.end()
                ),
            )),
        },
        Some(other) => Err(invalid(
            field,
            format!("must be a whole number, not {}", kind_of(other)),
        )),
    }
}

pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A required text argument: a string, trimmed, not empty, at most `max` characters, and without
/// control characters other than line breaks and tabs (the rule for a query and for a comment, so
/// their OpenAPI patterns are one).
pub(super) fn required_text(
    map: &Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<String, InvalidArgument> {
    let text = match map.get(field) {
        None | Some(Value::Null) => return Err(invalid(field, "is required")),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(other) => {
            return Err(invalid(
                field,
                format!("must be a string, not {}", kind_of(other)),
            ));
        }
    };
    let chars = text.chars().count();
    if chars == 0 {
        return Err(invalid(field, "must not be empty or only whitespace"));
    }
    if chars > max {
        return Err(invalid(
            field,
            format!("must be at most {max} characters (got {chars})"),
        ));
    }
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(text)
}
