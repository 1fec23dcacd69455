//! Look-alike keys: warnings that name the key that counts, errors in strict mode, and
//! unrelated variables left alone.

use super::*;

fn look_alike_warning(key: &str, value: &str) -> ConfigWarning {
    let c = ok(&[(key, value)]);
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    c.warnings[0].clone()
}

#[test]
fn look_alikes_warn_and_are_not_used() {
    for (key, value, meant) in [
        ("metrics_sampling_rate", "0.1", "METRICS_SAMPLING_RATE"),
        ("METRICS_SAMPLNG_RATE", "0.1", "METRICS_SAMPLING_RATE"),
        ("METRIC_SAMPLING_RATE", "0.1", "METRICS_SAMPLING_RATE"),
        ("METRICS_BUFFER_SIZES", "5", "METRICS_BUFFER_SIZE"),
    ] {
        let c = ok(&[(key, value)]);
        assert_eq!(
            c,
            Config {
                warnings: c.warnings.clone(),
                env: c.env.clone(),
                ..Config::default()
            }
        );
        let w = look_alike_warning(key, value);
        assert_eq!(w.key, key);
        assert_eq!(
            w.kind,
            WarningKind::LookAlike {
                probably_meant: meant.into()
            }
        );
        assert!(w.message.contains(meant), "{}", w.message);
        assert!(w.message.contains("keeps its default"), "{}", w.message);
        assert!(w.message.starts_with(key), "{}", w.message);
        assert_eq!(w.to_string(), w.message);
    }
}

#[test]
fn look_alike_beside_the_real_key_does_not_override_it() {
    let c = ok(&[
        ("METRICS_SAMPLING_RATE", "0.5"),
        ("metrics_sampling_rate", "0.1"),
    ]);
    assert_eq!(rates(&c), [0.5; 3]);
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0]
            .message
            .contains("METRICS_SAMPLING_RATE comes from METRICS_SAMPLING_RATE)"),
        "{}",
        c.warnings[0].message
    );
}

#[test]
fn look_alike_message_names_the_key_that_counts() {
    let c = ok(&[
        ("METRICS_SAMPLING_RATES", "0.5"),
        ("METRICS_SAMPLNG_RATE", "0.1"),
    ]);
    let w = c
        .warnings
        .iter()
        .find(|w| w.key == "METRICS_SAMPLNG_RATE")
        .expect("a look-alike warning");
    assert!(
        w.message
            .contains("METRICS_SAMPLING_RATE comes from METRICS_SAMPLING_RATES"),
        "{}",
        w.message
    );
}

#[test]
fn look_alike_of_the_alias_names_the_alias() {
    let w = look_alike_warning("metrics_sampling_rates", "0.1");
    assert_eq!(
        w.kind,
        WarningKind::LookAlike {
            probably_meant: "METRICS_SAMPLING_RATES".into()
        }
    );
    assert!(
        w.message
            .contains("deprecated alias of METRICS_SAMPLING_RATE"),
        "{}",
        w.message
    );
}

#[test]
fn strict_mode_turns_look_alikes_into_errors() {
    let errors = err(&[
        ("CONFIG_STRICT", "true"),
        ("METRICS_SAMPLNG_RATE", "0.1"),
        ("metrics_buffer_size", "5"),
    ]);
    assert!(errors.warnings.is_empty(), "{:?}", errors.warnings);
    let kinds: Vec<_> = errors
        .errors
        .iter()
        .map(|e| (e.key.as_str(), e.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "METRICS_SAMPLNG_RATE",
                ConfigErrorKind::UnknownKey {
                    probably_meant: "METRICS_SAMPLING_RATE".into()
                }
            ),
            (
                "metrics_buffer_size",
                ConfigErrorKind::UnknownKey {
                    probably_meant: "METRICS_BUFFER_SIZE".into()
                }
            ),
        ]
    );
}

#[test]
fn strict_mode_off_or_invalid_keeps_warnings() {
    let c = ok(&[("CONFIG_STRICT", "false"), ("METRICS_SAMPLNG_RATE", "0.1")]);
    assert_eq!(c.warnings.len(), 1);
    // An invalid CONFIG_STRICT is its own error; look-alikes stay warnings.
    let errors = err(&[("CONFIG_STRICT", "sure"), ("METRICS_SAMPLNG_RATE", "0.1")]);
    assert_eq!(errors.errors.len(), 1);
    assert_eq!(errors.errors[0].key, "CONFIG_STRICT");
    assert_eq!(errors.warnings.len(), 1);
}

#[test]
fn strict_mode_redacts_a_misspelled_admin_token() {
    let errors = err(&[
        ("CONFIG_STRICT", "1"),
        ("ADMIN_TOKN", "s3cret-s3cret-s3cret"),
    ]);
    let text = errors.to_string();
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("ADMIN_TOKN"), "{text}");
}

#[test]
fn unrelated_keys_are_ignored_silently() {
    let c = ok(&[
        ("PATH", "/usr/bin"),
        ("HOME", "/root"),
        ("CARGO_PKG_NAME", "reference-server"),
        ("CARGO_MANIFEST_DIR", "/work"),
        ("RUST_LOG", "debug"),
        ("RUST_BACKTRACE", "1"),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm"),
    ]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.raw("RUST_LOG"), Some("debug"));
    let errors = err(&[("CONFIG_STRICT", "1"), ("PATH", "/bin"), ("BIND_ADDR", "x")]);
    assert_eq!(errors.errors.len(), 1);
}

#[test]
fn warnings_are_sorted_by_key() {
    let c = ok(&[
        ("METRICS_SAMPLNG_RATE", "0.1"),
        ("BIND_ADDRS", "127.0.0.1:1"),
        ("METRICS_SAMPLING_RATES", "0.3"),
        ("Data_Path", "x"),
    ]);
    let keys: Vec<_> = c.warnings.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "BIND_ADDRS",
            "Data_Path",
            "METRICS_SAMPLING_RATES",
            "METRICS_SAMPLNG_RATE"
        ]
    );
}
