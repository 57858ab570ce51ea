//! Comparison semantics of Arazzo simple conditions, for operands only known at run time.
//!
//! The generator turns each condition into Rust at build time; where an operand's value comes
//! from a response or a JSON input, the comparison itself is one of these functions. The rules
//! (also in the README): string equality ignores case, as the Arazzo specification says;
//! a string that reads as a number compares numerically with a number; `null` equals only
//! `null`; values of different kinds are unequal and unordered.

use std::cmp::Ordering;

use serde_json::Value;

/// `a == b` under Arazzo's rules.
pub fn eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(x), Value::String(y)) => {
            match (x.trim().parse::<f64>(), y.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => x.to_lowercase() == y.to_lowercase(),
            }
        }
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Bool(x), Value::String(y)) | (Value::String(y), Value::Bool(x)) => {
            y.eq_ignore_ascii_case(if *x { "true" } else { "false" })
        }
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// The order of `a` and `b` for `<`, `<=`, `>`, `>=`: numbers (and numeric strings)
/// numerically, other strings by case-folded text; `None` when they cannot be ordered.
pub fn cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x.partial_cmp(&y);
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => None,
    }
}

/// `a < b`.
pub fn lt(a: &Value, b: &Value) -> bool {
    cmp(a, b) == Some(Ordering::Less)
}

/// `a <= b`.
pub fn le(a: &Value, b: &Value) -> bool {
    matches!(cmp(a, b), Some(Ordering::Less | Ordering::Equal))
}

/// `a > b`.
pub fn gt(a: &Value, b: &Value) -> bool {
    cmp(a, b) == Some(Ordering::Greater)
}

/// `a >= b`.
pub fn ge(a: &Value, b: &Value) -> bool {
    matches!(cmp(a, b), Some(Ordering::Greater | Ordering::Equal))
}

/// A bare operand used as a condition: `true`, or the string `"true"` (any case).
pub fn truthy(a: &Value) -> bool {
    match a {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A value as text for `regex` and `xpath` criteria: a string as it is, anything else as JSON.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `.member` / `[index]` navigation on an operand; a missing step yields `null`.
pub fn member<'a>(value: &'a Value, name: &str) -> &'a Value {
    value.get(name).unwrap_or(&Value::Null)
}

/// `[index]` navigation on an array operand.
pub fn index(value: &Value, index: usize) -> &Value {
    value.get(index).unwrap_or(&Value::Null)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_compare_without_case() {
        assert!(eq(&json!("Approved"), &json!("approved")));
        assert!(!eq(&json!("approved"), &json!("denied")));
    }

    #[test]
    fn numeric_strings_compare_as_numbers() {
        assert!(eq(&json!("200"), &json!(200)));
        assert!(eq(&json!("1.0"), &json!("1")));
        assert!(gt(&json!("10"), &json!(9)));
        assert!(le(&json!(3), &json!(3.0)));
    }

    #[test]
    fn null_equals_only_null() {
        assert!(eq(&Value::Null, &Value::Null));
        assert!(!eq(&Value::Null, &json!("")));
        assert!(!eq(&json!(0), &Value::Null));
        assert!(!lt(&Value::Null, &json!(1)));
    }

    #[test]
    fn different_kinds_are_unordered() {
        assert_eq!(cmp(&json!(true), &json!(1)), None);
        assert!(!eq(&json!([1]), &json!(1)));
        assert!(eq(&json!({"a": 1}), &json!({"a": 1})));
    }

    #[test]
    fn navigation_yields_null_when_missing() {
        let v = json!({"a": [1, {"b": "x"}]});
        assert_eq!(member(index(member(&v, "a"), 1), "b"), &json!("x"));
        assert_eq!(member(&v, "zz"), &Value::Null);
    }

    #[test]
    fn truthiness() {
        assert!(truthy(&json!(true)));
        assert!(truthy(&json!("TRUE")));
        assert!(!truthy(&json!(1)));
    }
}
