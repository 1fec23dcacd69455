//! JSON metrics: a document read with RFC 6901 pointers.

use serde_json::Value;

use super::MetricsError;

/// The number at `pointer` in `document` (booleans read as 0/1).
pub fn read_pointer(document: &Value, pointer: &str) -> Result<f64, MetricsError> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(MetricsError::Syntax(format!(
            "JSON pointer {pointer:?} must start with '/' (RFC 6901), e.g. \"/types/database/count\""
        )));
    }
    let found = document
        .pointer(pointer)
        .ok_or_else(|| MetricsError::Pointer {
            pointer: pointer.to_owned(),
            message: format!(
                "resolves to nothing; {}",
                nearest_existing(document, pointer)
            ),
        })?;
    match found {
        Value::Number(n) => n.as_f64().ok_or_else(|| MetricsError::Pointer {
            pointer: pointer.to_owned(),
            message: format!("{n} is not representable as a float"),
        }),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        other => Err(MetricsError::Pointer {
            pointer: pointer.to_owned(),
            message: format!("expected a number, found {}", describe(other)),
        }),
    }
}

/// The longest prefix of `pointer` that exists, and its keys: points at the typo.
fn nearest_existing(document: &Value, pointer: &str) -> String {
    let mut prefix = String::new();
    let mut node = document;
    for token in pointer.split('/').skip(1) {
        let next = format!("{prefix}/{token}");
        match document.pointer(&next) {
            Some(child) => {
                prefix = next;
                node = child;
            }
            None => break,
        }
    }
    let keys = match node {
        Value::Object(map) => map.keys().take(12).cloned().collect::<Vec<_>>().join(", "),
        Value::Array(items) => format!("an array of {}", items.len()),
        other => describe(other),
    };
    let at = if prefix.is_empty() { "/" } else { &prefix };
    format!("{at} exists and holds: {keys}")
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(o) => format!("an object with {} keys", o.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_numbers_and_names_the_gap() {
        let doc = json!({"types": {"database": {"count": 3, "enabled": true, "name": "x"}}});
        assert_eq!(read_pointer(&doc, "/types/database/count").expect("n"), 3.0);
        assert_eq!(
            read_pointer(&doc, "/types/database/enabled").expect("b"),
            1.0
        );
        let missing = read_pointer(&doc, "/types/databse/count")
            .expect_err("typo")
            .to_string();
        assert!(
            missing.contains("/types exists and holds: database"),
            "{missing}"
        );
        let string = read_pointer(&doc, "/types/database/name")
            .expect_err("string")
            .to_string();
        assert!(string.contains("string \"x\""), "{string}");
        assert!(matches!(
            read_pointer(&doc, "types"),
            Err(MetricsError::Syntax(_))
        ));
    }
}
