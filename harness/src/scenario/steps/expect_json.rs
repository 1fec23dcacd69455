//! `expect-json = { path = "/admin/config", pointer = "/x", equals = 1 }` (or
//! `contains = ...`): read a JSON document from the target and check one value.

use std::time::Instant;

use serde::Deserialize;
use serde_json::Value;

use crate::metrics;
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::scenario::context::{Context, Stop};

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectJson {
    path: String,
    pointer: String,
    equals: Option<toml::Value>,
    contains: Option<toml::Value>,
}

/// What the step wants of the value it points at.
#[derive(Debug, Clone)]
enum Expectation {
    /// Equal, numbers compared as numbers (`1` equals `1.0`).
    Equals(Value),
    /// A substring of a string, or a value equal to (or containing) it anywhere inside
    /// an array or object.
    Contains(Value),
}

/// A document path (sent with the target's auth), a pointer into it, and what the
/// value there must be.
#[derive(Debug, Clone)]
pub(crate) struct ExpectJson {
    path: String,
    pointer: String,
    expectation: Expectation,
}

impl TryFrom<RawExpectJson> for ExpectJson {
    type Error = String;

    fn try_from(raw: RawExpectJson) -> Result<Self, String> {
        let json = |value: toml::Value| {
            serde_json::to_value(value).map_err(|e| format!("not representable as JSON: {e}"))
        };
        let expectation = match (raw.equals, raw.contains) {
            (Some(equals), None) => Expectation::Equals(json(equals)?),
            (None, Some(part)) => Expectation::Contains(json(part)?),
            _ => return Err("expect-json needs exactly one of equals, contains".to_owned()),
        };
        Ok(Self {
            path: raw.path,
            pointer: raw.pointer,
            expectation,
        })
    }
}

impl ExpectJson {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("expect-json")?;
        let started = Instant::now();
        let bearer = cx.bearer()?;
        let url = cx.url(target, &self.path)?;
        let expected = self.expectation.to_string();
        let verdict = match metrics::fetch(cx.client, &url, bearer.as_deref()).await {
            Ok(body) => match serde_json::from_str::<Value>(&body) {
                Ok(document) => match document.pointer(&self.pointer) {
                    Some(seen) => {
                        Verdict::expect(self.expectation.holds(seen), expected, seen.to_string())
                    }
                    None => Verdict::Fail {
                        expected,
                        seen: format!("nothing at {}", self.pointer),
                    },
                },
                Err(e) => Verdict::Fail {
                    expected,
                    seen: format!("not JSON: {e}"),
                },
            },
            Err(e) => Verdict::Fail {
                expected,
                seen: e.to_string(),
            },
        };
        Ok(vec![CheckOutcome::new(
            CheckKind::Config,
            format!("{} {}", self.path, self.pointer),
            format!("{url} {}", self.pointer),
            verdict,
            started.elapsed(),
        )])
    }
}

impl Expectation {
    fn holds(&self, seen: &Value) -> bool {
        match self {
            Self::Equals(want) => json_equal(seen, want),
            Self::Contains(part) => json_contains(seen, part),
        }
    }
}

impl std::fmt::Display for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Equals(want) => write!(f, "{want}"),
            Self::Contains(part) => write!(f, "a value containing {part}"),
        }
    }
}

/// Equality with numbers compared as numbers (`1` equals `1.0`).
fn json_equal(seen: &Value, want: &Value) -> bool {
    match (seen.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => seen == want,
    }
}

/// Values, never their text: a string contains a substring, an array or object
/// contains `part` when one of its elements or member values does (keys do not count),
/// and anything contains a value equal to it.
fn json_contains(seen: &Value, part: &Value) -> bool {
    json_equal(seen, part)
        || match (seen, part) {
            (Value::String(s), Value::String(p)) => s.contains(p.as_str()),
            (Value::Array(items), _) => items.iter().any(|item| json_contains(item, part)),
            (Value::Object(members), _) => members.values().any(|v| json_contains(v, part)),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_comparisons() {
        assert!(json_equal(&json!(1.0), &json!(1)));
        assert!(!json_equal(&json!("1"), &json!(1)));
        assert!(json_contains(
            &json!([{"key": "METRICS_SAMPLNG_RATE"}]),
            &json!("SAMPLNG")
        ));
        assert!(!json_contains(&json!("abc"), &json!("x")));
        // Values, not the serialised text: 1 is not in 10, a key is not a value.
        assert!(!json_contains(&json!({"rate": 10}), &json!(1)));
        assert!(!json_contains(
            &json!({"deprecated": true}),
            &json!("deprecated")
        ));
        assert!(json_contains(&json!({"rates": [0.5, 1]}), &json!(1.0)));
        assert!(json_contains(&json!([true, false]), &json!(false)));
        assert!(!json_contains(&json!(["0.5"]), &json!(0.5)));
    }
}
