//! Operation types and per-type sampling rates: parsing a plain rate or a per-type map,
//! and remembering where each type's rate came from.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::error::ConfigErrorKind;

/// The built-in sampling rate for a type nobody configured: keep every event.
pub(crate) const DEFAULT_RATE: f64 = 1.0;

/// The origin string of a rate that comes from the built-in default.
pub(crate) const DEFAULT_ORIGIN: &str = "default";

/// The name of the catch-all entry in a per-type map.
pub(crate) const MAP_DEFAULT_ENTRY: &str = "default";

/// The kinds of operation the monitoring records; each has its own sampling rate.
pub use crate::monitoring::OpType;

/// A sampling rate in [0, 1] per operation type, each with its origin ("default",
/// `KEY`, `KEY[type]` or `KEY[default]`) so the effective config can show exactly which
/// spelling decided each rate.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingRates {
    rates: [f64; 3],
    origins: [String; 3],
}

impl Default for SamplingRates {
    fn default() -> Self {
        Self {
            rates: [DEFAULT_RATE; 3],
            origins: OpType::ALL.map(|_| DEFAULT_ORIGIN.to_owned()),
        }
    }
}

impl SamplingRates {
    /// The rate for `op`, in [0, 1].
    pub fn rate(&self, op: OpType) -> f64 {
        self.rates[op.index()]
    }

    /// Where the rate for `op` came from: `default`, `KEY`, `KEY[type]` or `KEY[default]`.
    pub fn origin(&self, op: OpType) -> &str {
        &self.origins[op.index()]
    }

    /// One rate for every type (e.g. a regression's legacy default), or `None` if the
    /// rate is not a finite number in [0, 1].
    #[cfg(test)]
    pub(crate) fn uniform(rate: f64, origin: impl Into<String>) -> Option<Self> {
        if !in_unit_range(rate) {
            return None;
        }
        let origin = origin.into();
        Some(Self {
            rates: [rate + 0.0; 3],
            origins: OpType::ALL.map(|_| origin.clone()),
        })
    }

    /// Parse a value of `key` (a plain rate, a JSON object or a `type=rate` list);
    /// origins name `key`. Surrounding whitespace is ignored.
    pub(crate) fn parse(key: &str, value: &str) -> Result<Self, ConfigErrorKind> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ConfigErrorKind::Empty);
        }
        if value.starts_with('{') {
            from_entries(key, json_entries(value)?)
        } else if value.contains('=') {
            from_entries(key, list_entries(value)?)
        } else {
            let rate = parse_rate(value)?;
            Ok(Self {
                rates: [rate; 3],
                origins: OpType::ALL.map(|_| key.to_owned()),
            })
        }
    }

    /// Whether both give every type the same rate, whatever the origins.
    pub(crate) fn same_rates(&self, other: &SamplingRates) -> bool {
        self.rates == other.rates
    }

    /// `http=0.1,database=1,render=1`, for messages.
    pub(crate) fn summary(&self) -> String {
        OpType::ALL
            .iter()
            .map(|op| format!("{op}={}", self.rate(*op)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A finite number in [0, 1].
fn in_unit_range(rate: f64) -> bool {
    rate.is_finite() && (0.0..=1.0).contains(&rate)
}

/// A plain rate: a finite number in [0, 1]. `-0` is read as `0`.
pub(crate) fn parse_rate(text: &str) -> Result<f64, ConfigErrorKind> {
    let rate: f64 = text
        .trim()
        .parse()
        .map_err(|_| ConfigErrorKind::NotANumber)?;
    if !rate.is_finite() {
        return Err(ConfigErrorKind::NotFinite);
    }
    if !in_unit_range(rate) {
        return Err(ConfigErrorKind::OutOfRange);
    }
    Ok(rate + 0.0)
}

/// One entry of a per-type map: the type as written, and its rate or why it is bad.
type Entry = (String, Result<f64, ConfigErrorKind>);

/// Entries of a JSON object, in order, duplicates kept (serde_json's own map would
/// keep only the last one silently).
struct OrderedEntries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for OrderedEntries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = OrderedEntries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of type names to numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    entries.push(entry);
                }
                Ok(OrderedEntries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// The entries of `{"http":0.1,...}`.
fn json_entries(text: &str) -> Result<Vec<Entry>, ConfigErrorKind> {
    let OrderedEntries(entries) =
        serde_json::from_str(text).map_err(|e| ConfigErrorKind::Malformed {
            detail: format!("not a valid JSON object ({e})"),
        })?;
    Ok(entries
        .into_iter()
        .map(|(name, value)| {
            let rate = match value {
                serde_json::Value::Number(n) => n
                    .as_f64()
                    .ok_or(ConfigErrorKind::NotANumber)
                    .and_then(check_map_rate),
                other => Err(ConfigErrorKind::Malformed {
                    detail: format!("{other} is not a JSON number"),
                }),
            };
            (name, rate)
        })
        .collect())
}

/// Range check for a rate read from JSON (JSON has no NaN or infinity).
fn check_map_rate(rate: f64) -> Result<f64, ConfigErrorKind> {
    if in_unit_range(rate) {
        Ok(rate + 0.0)
    } else {
        Err(ConfigErrorKind::OutOfRange)
    }
}

/// The entries of `http=0.1, database = 1`.
fn list_entries(text: &str) -> Result<Vec<Entry>, ConfigErrorKind> {
    text.split(',')
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(ConfigErrorKind::Malformed {
                    detail: "empty item in the type=rate list (stray comma?)".into(),
                });
            }
            let Some((name, rate)) = item.split_once('=') else {
                return Err(ConfigErrorKind::Malformed {
                    detail: format!("item `{item}` is not type=rate"),
                });
            };
            Ok((name.to_owned(), parse_rate(rate)))
        })
        .collect()
}

/// Build the rates from map entries: listed types take their rate, the others the
/// map's `default` entry if any, else [`DEFAULT_RATE`]; each origin says which.
fn from_entries(key: &str, entries: Vec<Entry>) -> Result<SamplingRates, ConfigErrorKind> {
    if entries.is_empty() {
        return Err(ConfigErrorKind::Malformed {
            detail: "the map names no types".into(),
        });
    }
    let mut explicit: [Option<f64>; 3] = [None; 3];
    let mut default_entry: Option<f64> = None;
    for (written, rate) in entries {
        let name = written.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(ConfigErrorKind::Malformed {
                detail: "an entry has no type name".into(),
            });
        }
        let slot = if name == MAP_DEFAULT_ENTRY {
            &mut default_entry
        } else if let Some(op) = OpType::from_name(&name) {
            &mut explicit[op.index()]
        } else {
            return Err(ConfigErrorKind::UnknownType {
                name: written.trim().to_owned(),
            });
        };
        if slot.is_some() {
            return Err(ConfigErrorKind::DuplicateType { name });
        }
        let rate = rate.map_err(|reason| ConfigErrorKind::BadMapValue {
            name: name.clone(),
            reason: reason.to_string(),
        })?;
        *slot = Some(rate);
    }
    let mut rates = SamplingRates::default();
    for op in OpType::ALL {
        let i = op.index();
        let (rate, origin) = match (explicit[i], default_entry) {
            (Some(rate), _) => (rate, format!("{key}[{op}]")),
            (None, Some(rate)) => (rate, format!("{key}[{MAP_DEFAULT_ENTRY}]")),
            (None, None) => (DEFAULT_RATE, DEFAULT_ORIGIN.to_owned()),
        };
        rates.rates[i] = rate;
        rates.origins[i] = origin;
    }
    Ok(rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "METRICS_SAMPLING_RATE";

    fn parse(value: &str) -> Result<SamplingRates, ConfigErrorKind> {
        SamplingRates::parse(KEY, value)
    }

    fn rates(value: &str) -> [f64; 3] {
        let r = parse(value).expect("valid sampling value");
        OpType::ALL.map(|op| r.rate(op))
    }

    fn origins(value: &str) -> [String; 3] {
        let r = parse(value).expect("valid sampling value");
        OpType::ALL.map(|op| r.origin(op).to_owned())
    }

    #[test]
    fn op_types_have_stable_names() {
        let names: Vec<_> = OpType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(names, ["http", "database", "render"]);
        for op in OpType::ALL {
            assert_eq!(OpType::from_name(op.as_str()), Some(op));
            assert_eq!(op.to_string(), op.as_str());
        }
        assert_eq!(OpType::from_name("default"), None);
    }

    #[test]
    fn default_is_one_everywhere() {
        let d = SamplingRates::default();
        for op in OpType::ALL {
            assert_eq!(d.rate(op), 1.0);
            assert_eq!(d.origin(op), "default");
        }
    }

    #[test]
    fn plain_rates_apply_to_all_types_with_the_key_as_origin() {
        assert_eq!(rates("0.25"), [0.25; 3]);
        assert_eq!(origins("0.25"), [KEY, KEY, KEY].map(String::from));
    }

    #[test]
    fn plain_rate_spellings() {
        assert_eq!(rates(".5"), [0.5; 3]);
        assert_eq!(rates("1e-1"), [0.1; 3]);
        assert_eq!(rates("0"), [0.0; 3]);
        assert_eq!(rates("1"), [1.0; 3]);
        assert_eq!(rates("  0.5\t"), [0.5; 3]);
        let zero = rates("-0")[0];
        assert!(zero == 0.0 && zero.is_sign_positive());
    }

    #[test]
    fn plain_rates_out_of_range_or_not_numbers_are_rejected() {
        assert_eq!(parse("-0.1"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse("1.0001"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse("NaN"), Err(ConfigErrorKind::NotFinite));
        assert_eq!(parse("nan"), Err(ConfigErrorKind::NotFinite));
        assert_eq!(parse("inf"), Err(ConfigErrorKind::NotFinite));
        assert_eq!(parse("-infinity"), Err(ConfigErrorKind::NotFinite));
        assert_eq!(parse("ten percent"), Err(ConfigErrorKind::NotANumber));
        assert_eq!(parse("10%"), Err(ConfigErrorKind::NotANumber));
        assert_eq!(parse("0.1,0.2"), Err(ConfigErrorKind::NotANumber));
        assert_eq!(parse("   "), Err(ConfigErrorKind::Empty));
    }

    #[test]
    fn list_map_sets_listed_types_and_defaults_the_rest() {
        assert_eq!(rates("http=0.1,database=1"), [0.1, 1.0, 1.0]);
        assert_eq!(
            origins("http=0.1,database=1"),
            [
                "METRICS_SAMPLING_RATE[http]".to_owned(),
                "METRICS_SAMPLING_RATE[database]".to_owned(),
                "default".to_owned(),
            ]
        );
    }

    #[test]
    fn list_map_allows_whitespace() {
        assert_eq!(
            rates("  http = 0.1 ,  database=1 ,render= .5 "),
            [0.1, 1.0, 0.5]
        );
    }

    #[test]
    fn json_map_sets_listed_types() {
        assert_eq!(rates(r#"{"http":0.1,"database":1}"#), [0.1, 1.0, 1.0]);
        assert_eq!(
            rates(r#" { "render" : 0 , "http": 1e-1 } "#),
            [0.1, 1.0, 0.0]
        );
        assert_eq!(
            origins(r#"{"database":0.5}"#)[1],
            "METRICS_SAMPLING_RATE[database]"
        );
    }

    #[test]
    fn map_default_entry_fills_unlisted_types_and_says_so() {
        for value in ["http=0.1,default=0.5", r#"{"default":0.5,"http":0.1}"#] {
            assert_eq!(rates(value), [0.1, 0.5, 0.5], "{value}");
            assert_eq!(
                origins(value),
                [
                    "METRICS_SAMPLING_RATE[http]".to_owned(),
                    "METRICS_SAMPLING_RATE[default]".to_owned(),
                    "METRICS_SAMPLING_RATE[default]".to_owned(),
                ],
                "{value}"
            );
        }
    }

    #[test]
    fn map_type_names_ignore_case() {
        assert_eq!(rates("HTTP=0.1"), [0.1, 1.0, 1.0]);
    }

    #[test]
    fn unknown_type_is_rejected() {
        assert_eq!(
            parse("http=0.1,db=1"),
            Err(ConfigErrorKind::UnknownType { name: "db".into() })
        );
        assert_eq!(
            parse(r#"{"queries":1}"#),
            Err(ConfigErrorKind::UnknownType {
                name: "queries".into()
            })
        );
    }

    #[test]
    fn duplicate_type_is_rejected() {
        assert_eq!(
            parse("http=0.1,http=0.2"),
            Err(ConfigErrorKind::DuplicateType {
                name: "http".into()
            })
        );
        assert_eq!(
            parse(r#"{"http":0.1,"http":0.1}"#),
            Err(ConfigErrorKind::DuplicateType {
                name: "http".into()
            })
        );
        assert_eq!(
            parse("default=0.1, default=0.2"),
            Err(ConfigErrorKind::DuplicateType {
                name: "default".into()
            })
        );
    }

    #[test]
    fn out_of_range_map_values_name_the_type() {
        let err = parse("http=1.5").expect_err("1.5 is out of range");
        assert_eq!(
            err,
            ConfigErrorKind::BadMapValue {
                name: "http".into(),
                reason: "out of range".into()
            }
        );
        assert_eq!(err.to_string(), "type `http`: out of range");
        assert!(matches!(
            parse(r#"{"render":-0.5}"#),
            Err(ConfigErrorKind::BadMapValue { name, .. }) if name == "render"
        ));
        assert!(matches!(
            parse("database=NaN"),
            Err(ConfigErrorKind::BadMapValue { reason, .. }) if reason == "not a finite number"
        ));
    }

    #[test]
    fn malformed_maps_are_rejected() {
        for value in [
            "http=0.1,,database=1",
            "http=0.1,",
            "http=0.1,database",
            "{",
            r#"{"http":0.1"#,
            r#"{"http":0.1} trailing"#,
            "{}",
            "=0.5",
            r#"{"":0.5}"#,
        ] {
            assert!(
                matches!(parse(value), Err(ConfigErrorKind::Malformed { .. })),
                "{value}: {:?}",
                parse(value)
            );
        }
        for value in ["http=abc", r#"{"http":"0.1"}"#, r#"{"http":null}"#] {
            assert!(
                matches!(parse(value), Err(ConfigErrorKind::BadMapValue { .. })),
                "{value}: {:?}",
                parse(value)
            );
        }
    }

    #[test]
    fn uniform_validates_the_rate() {
        let r = SamplingRates::uniform(0.1, "legacy-sampling").expect("0.1 is valid");
        assert_eq!(r.rate(OpType::Database), 0.1);
        assert_eq!(r.origin(OpType::Render), "legacy-sampling");
        assert!(SamplingRates::uniform(f64::NAN, "x").is_none());
        assert!(SamplingRates::uniform(1.5, "x").is_none());
    }

    #[test]
    fn same_rates_ignores_origins() {
        let plain = parse("0.5").expect("valid");
        let map =
            SamplingRates::parse("METRICS_SAMPLING_RATES", "http=0.5,database=0.5,render=0.5")
                .expect("valid");
        assert!(plain.same_rates(&map));
        assert_ne!(plain, map);
        assert!(!plain.same_rates(&parse("http=0.5").expect("valid")));
        assert_eq!(map.summary(), "http=0.5,database=0.5,render=0.5");
    }
}
