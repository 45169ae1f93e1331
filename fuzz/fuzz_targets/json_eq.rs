//! JSON equality for round-trip checks: serde_json's default float parsing is not correctly
//! rounded for long literals, so a float may move by an ulp when written and read again. That is
//! a property of the parser production uses, not of our code, so round trips compare floats within
//! a rounding error and everything else exactly.

use serde_json::Value;

/// Equal, except that floats may differ by a rounding error.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x != y => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
