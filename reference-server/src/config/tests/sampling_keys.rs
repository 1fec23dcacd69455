//! `METRICS_SAMPLING_RATE` and its deprecated alias: plain rates, per-type maps, bounds,
//! and the alias alone, agreeing or disagreeing.

use super::*;

#[test]
fn plain_sampling_rate_applies_to_every_type() {
    let c = ok(&[("METRICS_SAMPLING_RATE", "0.25")]);
    assert_eq!(rates(&c), [0.25; 3]);
    assert_eq!(origins(&c), ["METRICS_SAMPLING_RATE"; 3].map(String::from));
    assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATE"));
}

#[test]
fn sampling_rate_boundaries() {
    for (value, rate) in [("0", 0.0), ("1", 1.0), (".5", 0.5), ("1e-1", 0.1)] {
        assert_eq!(rates(&ok(&[("METRICS_SAMPLING_RATE", value)])), [rate; 3]);
    }
    assert_refused(
        "METRICS_SAMPLING_RATE",
        &[
            ("-0.1", ConfigErrorKind::OutOfRange),
            ("1.0001", ConfigErrorKind::OutOfRange),
            ("NaN", ConfigErrorKind::NotFinite),
            ("inf", ConfigErrorKind::NotFinite),
            ("lots", ConfigErrorKind::NotANumber),
        ],
    );
}

#[test]
fn sampling_list_map() {
    let c = ok(&[("METRICS_SAMPLING_RATE", " http = 0.1 , database=1 ")]);
    assert_eq!(rates(&c), [0.1, 1.0, 1.0]);
    assert_eq!(
        origins(&c),
        [
            "METRICS_SAMPLING_RATE[http]",
            "METRICS_SAMPLING_RATE[database]",
            "default"
        ]
        .map(String::from)
    );
}

#[test]
fn sampling_json_map() {
    let c = ok(&[("METRICS_SAMPLING_RATE", r#"{"http":0.1,"database":1}"#)]);
    assert_eq!(rates(&c), [0.1, 1.0, 1.0]);
    assert_eq!(c.sampling.value.origin(OpType::Render), "default");
}

#[test]
fn sampling_map_default_entry_is_visible_in_origins() {
    let c = ok(&[("METRICS_SAMPLING_RATE", "database=1,default=0.2")]);
    assert_eq!(rates(&c), [0.2, 1.0, 0.2]);
    assert_eq!(
        c.sampling.value.origin(OpType::Http),
        "METRICS_SAMPLING_RATE[default]"
    );
    assert_eq!(
        c.sampling.value.origin(OpType::Database),
        "METRICS_SAMPLING_RATE[database]"
    );
}

#[test]
fn sampling_map_errors() {
    assert_eq!(
        only_error("METRICS_SAMPLING_RATE", "http=0.1,queries=1").kind,
        ConfigErrorKind::UnknownType {
            name: "queries".into()
        }
    );
    assert_eq!(
        only_error("METRICS_SAMPLING_RATE", r#"{"http":0.1,"http":0.2}"#).kind,
        ConfigErrorKind::DuplicateType {
            name: "http".into()
        }
    );
    assert!(matches!(
        only_error("METRICS_SAMPLING_RATE", "http=0.1,,").kind,
        ConfigErrorKind::Malformed { .. }
    ));
    assert!(matches!(
        only_error("METRICS_SAMPLING_RATE", r#"{"http":2}"#).kind,
        ConfigErrorKind::BadMapValue { .. }
    ));
    let text = only_error("METRICS_SAMPLING_RATE", "http=0.1,db=1").to_string();
    assert!(
        text.starts_with("METRICS_SAMPLING_RATE=\"http=0.1,db=1\": unknown type `db`; expected"),
        "{text}"
    );
    assert!(
        text.contains("types: http, database, render, default"),
        "{text}"
    );
}

#[test]
fn sampling_alias_alone_is_used_with_a_warning() {
    let c = ok(&[("METRICS_SAMPLING_RATES", "database=0.5")]);
    assert_eq!(rates(&c), [1.0, 0.5, 1.0]);
    assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATES"));
    assert_eq!(
        c.sampling.value.origin(OpType::Database),
        "METRICS_SAMPLING_RATES[database]"
    );
    assert_eq!(c.warnings.len(), 1);
    let w = &c.warnings[0];
    assert_eq!(w.key, "METRICS_SAMPLING_RATES");
    assert_eq!(
        w.kind,
        WarningKind::DeprecatedAlias {
            canonical: "METRICS_SAMPLING_RATE".into()
        }
    );
    assert!(
        w.message.starts_with(
            "METRICS_SAMPLING_RATES is deprecated; its value is used, but rename it to \
             METRICS_SAMPLING_RATE"
        ),
        "{}",
        w.message
    );
}

#[test]
fn sampling_alias_agreeing_uses_canonical_and_warns() {
    let c = ok(&[
        ("METRICS_SAMPLING_RATE", "0.5"),
        (
            "METRICS_SAMPLING_RATES",
            r#"{"http":0.5,"database":0.5,"render":0.5}"#,
        ),
    ]);
    assert_eq!(rates(&c), [0.5; 3]);
    assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATE"));
    assert_eq!(origins(&c), ["METRICS_SAMPLING_RATE"; 3].map(String::from));
    assert_eq!(c.warnings.len(), 1);
    assert!(matches!(
        c.warnings[0].kind,
        WarningKind::DeprecatedAlias { .. }
    ));
}

#[test]
fn sampling_alias_disagreeing_is_an_error_naming_both_values() {
    let errors = err(&[
        ("METRICS_SAMPLING_RATE", "0.5"),
        ("METRICS_SAMPLING_RATES", "0.1"),
    ]);
    assert_eq!(errors.errors.len(), 1, "{errors}");
    let e = &errors.errors[0];
    assert_eq!(e.key, "METRICS_SAMPLING_RATES");
    assert_eq!(e.value, "0.1");
    assert!(matches!(e.kind, ConfigErrorKind::AliasConflict { .. }));
    let text = e.to_string();
    assert!(
        text.starts_with(
            "METRICS_SAMPLING_RATES=\"0.1\": conflicts with METRICS_SAMPLING_RATE=\"0.5\""
        ),
        "{text}"
    );
    assert!(text.contains("http=0.1,database=0.1,render=0.1"), "{text}");
    assert!(text.contains("http=0.5,database=0.5,render=0.5"), "{text}");
    // The deprecation warning travels with the errors.
    assert_eq!(errors.warnings.len(), 1);
}

#[test]
fn sampling_alias_with_a_bad_value_is_an_error() {
    let errors = err(&[("METRICS_SAMPLING_RATES", "2")]);
    assert_eq!(errors.errors.len(), 1);
    assert_eq!(errors.errors[0].key, "METRICS_SAMPLING_RATES");
    assert_eq!(errors.errors[0].kind, ConfigErrorKind::OutOfRange);
    let errors = err(&[
        ("METRICS_SAMPLING_RATE", "2"),
        ("METRICS_SAMPLING_RATES", "x"),
    ]);
    let keys: Vec<_> = errors.errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["METRICS_SAMPLING_RATE", "METRICS_SAMPLING_RATES"]);
}
