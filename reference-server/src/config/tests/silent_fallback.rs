//! Regression `silent-config-fallback`: each of the three refusals dropped silently, and
//! nothing else changed.

use super::*;

const SILENT: (&str, &str) = ("REFSERVER_REGRESSIONS", "silent-config-fallback");

/// The config with `silent-config-fallback` on; every other setting must be the
/// default, sourced `default`, and nothing may be said about it.
fn silently(pairs: &[(&str, &str)]) -> Config {
    let with_switch: Vec<(&str, &str)> = pairs.iter().copied().chain([SILENT]).collect();
    let c = ok(&with_switch);
    assert!(c.regression(Regression::SilentConfigFallback));
    c
}

/// Guards regression `silent-config-fallback`, refusal 1 of 3 (sampling-config's
/// out-of-range step): an invalid value is refused without the switch, and with it
/// silently becomes the default.
#[test]
fn silent_config_fallback_turns_an_invalid_value_into_the_default() {
    assert_eq!(
        only_error("METRICS_SAMPLING_RATE", "1.5").kind,
        ConfigErrorKind::OutOfRange
    );
    let c = silently(&[("METRICS_SAMPLING_RATE", "1.5")]);
    assert_eq!(rates(&c), [1.0; 3]);
    assert_eq!(c.sampling.source, Source::Default, "no trace of the key");
    assert!(c.warnings.is_empty(), "nothing said: {:?}", c.warnings);
    // Every kind of bad value, on every kind of key.
    let c = silently(&[
        ("METRICS_ENABLED", "sure"),
        ("METRICS_SLOW_QUERY_THRESHOLD", "1s"),
        ("METRICS_BUFFER_SIZE", "0"),
        ("METRICS_MIN_SAMPLES", "ten"),
        ("CONFIG_STRICT", ""),
        ("BIND_ADDR", "localhost:8000"),
        ("SITE_URL", "example.org"),
        ("ADMIN_TOKEN", "tooshort"),
        ("TOKEN_ENDPOINT", "ftp://tokens.example.org"),
    ]);
    assert_eq!(
        c,
        Config {
            regressions: c.regressions.clone(),
            env: c.env.clone(),
            ..Config::default()
        }
    );
    for value in [
        "2",
        "x",
        "http=",
        "{\"http\": 0.5",
        "http=0.1,http=0.2",
        "-0.1",
    ] {
        let c = silently(&[("METRICS_SAMPLING_RATE", value)]);
        assert_eq!(rates(&c), [1.0; 3], "{value}");
        assert_eq!(c.sampling.source, Source::Default, "{value}");
    }
}

/// Guards regression `silent-config-fallback`, refusal 2 of 3 (sampling-config's
/// "both keys disagreeing" step): the conflict is resolved silently, canonical wins.
#[test]
fn silent_config_fallback_resolves_an_alias_conflict_silently() {
    let conflict = [
        ("METRICS_SAMPLING_RATE", "1.0"),
        ("METRICS_SAMPLING_RATES", "0.1"),
    ];
    let errors = err(&conflict);
    assert!(matches!(
        errors.errors[0].kind,
        ConfigErrorKind::AliasConflict { .. }
    ));
    let c = silently(&conflict);
    assert_eq!(rates(&c), [1.0; 3]);
    assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATE"));
    assert!(c.warnings.is_empty(), "nothing said: {:?}", c.warnings);
    // An invalid alias beside a valid canonical key: ignored too.
    let c = silently(&[
        ("METRICS_SAMPLING_RATE", "0.5"),
        ("METRICS_SAMPLING_RATES", "lots"),
    ]);
    assert_eq!(rates(&c), [0.5; 3]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    // An invalid canonical value counts as unset, so the alias decides.
    let c = silently(&[
        ("METRICS_SAMPLING_RATE", "1.5"),
        ("METRICS_SAMPLING_RATES", "0.25"),
    ]);
    assert_eq!(rates(&c), [0.25; 3]);
    assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATES"));
}

/// Guards regression `silent-config-fallback`, refusal 3 of 3 (sampling-config's
/// CONFIG_STRICT typo step): strict mode refuses nothing and says nothing.
#[test]
fn silent_config_fallback_drops_strict_mode_refusals() {
    let typo = [("CONFIG_STRICT", "true"), ("METRICS_SAMPLNG_RATE", "0.5")];
    assert_eq!(err(&typo).errors.len(), 1);
    let c = silently(&typo);
    assert!(c.strict.value, "strict mode is on, and refuses nothing");
    assert_eq!(rates(&c), [1.0; 3]);
    assert!(c.warnings.is_empty(), "nothing said: {:?}", c.warnings);
}

/// The switch changes nothing about a valid environment: values, sources and
/// warnings stay what they are without it.
#[test]
fn silent_config_fallback_leaves_valid_settings_alone() {
    for pairs in [
        &[
            ("METRICS_SAMPLING_RATE", "0.5"),
            ("METRICS_BUFFER_SIZE", "50"),
        ][..],
        &[("METRICS_SAMPLING_RATES", "http=0.1")][..],
        &[("METRICS_SAMPLNG_RATE", "0.5")][..],
        &[
            ("METRICS_SAMPLING_RATE", "0.5"),
            ("METRICS_SAMPLING_RATES", "0.5"),
        ][..],
    ] {
        let plain = ok(pairs);
        let c = silently(pairs);
        assert_eq!(c.sampling, plain.sampling, "{pairs:?}");
        assert_eq!(c.buffer_size, plain.buffer_size, "{pairs:?}");
        if pairs.len() == 2 && pairs[1].0 == "METRICS_SAMPLING_RATES" {
            // Beside the canonical key the alias is not read at all.
            assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        } else {
            assert_eq!(c.warnings, plain.warnings, "{pairs:?}");
        }
    }
}

/// The switch list itself is never silenced: an unknown name still stops start-up.
#[test]
fn silent_config_fallback_does_not_silence_unknown_switch_names() {
    let errors = err(&[
        ("REFSERVER_REGRESSIONS", "silent-config-fallback,typo"),
        ("METRICS_SAMPLING_RATE", "1.5"),
    ]);
    let keys: Vec<_> = errors.errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        ["METRICS_SAMPLING_RATE", "REFSERVER_REGRESSIONS"],
        "without a valid switch list the switch is off, so the bad rate is refused too"
    );
}
