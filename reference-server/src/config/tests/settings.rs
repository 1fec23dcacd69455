//! One setting at a time: booleans, numbers, server basics and the regression switches.

use super::*;

// ---- booleans -------------------------------------------------------------------

#[test]
fn bool_keys_accept_all_spellings() {
    for (value, expected) in [
        ("true", true),
        ("TRUE", true),
        ("1", true),
        ("Yes", true),
        ("false", false),
        ("False", false),
        ("0", false),
        ("NO", false),
    ] {
        let c = ok(&[("METRICS_ENABLED", value), ("CONFIG_STRICT", value)]);
        assert_eq!(c.metrics_enabled.value, expected, "{value}");
        assert_eq!(c.strict.value, expected, "{value}");
    }
}

#[test]
fn bool_keys_reject_other_words() {
    for key in ["METRICS_ENABLED", "CONFIG_STRICT"] {
        for value in ["on", "off", "2", "enabled"] {
            assert_eq!(only_error(key, value).kind, ConfigErrorKind::NotABool);
        }
    }
}

// ---- numbers --------------------------------------------------------------------

#[test]
fn slow_query_threshold() {
    let c = ok(&[("METRICS_SLOW_QUERY_THRESHOLD", "1e-3")]);
    assert_eq!(c.slow_query_threshold.value, Duration::from_millis(1));
    let c = ok(&[("METRICS_SLOW_QUERY_THRESHOLD", "2")]);
    assert_eq!(c.slow_query_threshold.value, Duration::from_secs(2));
}

#[test]
fn buffer_size_bounds() {
    assert_eq!(ok(&[("METRICS_BUFFER_SIZE", "1")]).buffer_size.value, 1);
    assert_eq!(
        ok(&[("METRICS_BUFFER_SIZE", "1000000")]).buffer_size.value,
        1_000_000
    );
}

#[test]
fn min_samples_bounds() {
    assert_eq!(ok(&[("METRICS_MIN_SAMPLES", "0")]).min_samples.value, 0);
    assert_eq!(ok(&[("METRICS_MIN_SAMPLES", "500")]).min_samples.value, 500);
}

/// Every number setting's refused values, each with the kind of error it is.
#[test]
fn numbers_out_of_range_or_malformed_are_refused() {
    use ConfigErrorKind::{NotANumber, NotAnInteger, NotFinite, OutOfRange};
    for (key, kind, values) in [
        ("METRICS_SLOW_QUERY_THRESHOLD", OutOfRange, &["0", "-1"][..]),
        ("METRICS_SLOW_QUERY_THRESHOLD", NotFinite, &["inf", "NaN"]),
        ("METRICS_SLOW_QUERY_THRESHOLD", NotANumber, &["1s"]),
        ("METRICS_BUFFER_SIZE", OutOfRange, &["0", "1000001", "-5"]),
        ("METRICS_BUFFER_SIZE", NotAnInteger, &["10.5"]),
        ("METRICS_BUFFER_SIZE", NotANumber, &["big"]),
        ("METRICS_MIN_SAMPLES", OutOfRange, &["-1"]),
        ("METRICS_MIN_SAMPLES", NotAnInteger, &["1.5"]),
        ("METRICS_MIN_SAMPLES", NotANumber, &["ten"]),
    ] {
        for value in values {
            assert_eq!(only_error(key, value).kind, kind, "{key}={value}");
        }
    }
}

// ---- server basics --------------------------------------------------------------

#[test]
fn bind_addr() {
    let c = ok(&[("BIND_ADDR", "[::1]:8080")]);
    assert_eq!(c.bind_addr.value.port(), 8080);
    assert_eq!(
        ok(&[("BIND_ADDR", "127.0.0.1:0")]).bind_addr.value.port(),
        0
    );
    for value in ["localhost:8000", "127.0.0.1", "127.0.0.1:99999"] {
        assert_eq!(
            only_error("BIND_ADDR", value).kind,
            ConfigErrorKind::NotASocketAddr
        );
    }
}

#[test]
fn paths() {
    let c = ok(&[("DATA_PATH", "var/db"), ("STATIC_DIR", "theme")]);
    assert_eq!(c.data_path.value, PathBuf::from("var/db"));
    assert_eq!(c.static_dir.value, PathBuf::from("theme"));
}

#[test]
fn site_url_and_token_endpoint() {
    let c = ok(&[
        ("SITE_URL", "http://localhost:8000/"),
        ("TOKEN_ENDPOINT", "http://127.0.0.1:9/token/"),
    ]);
    assert_eq!(c.site_url.value.as_deref(), Some("http://localhost:8000"));
    // The endpoint is a full URL: kept exactly.
    assert_eq!(
        c.token_endpoint.value.as_deref(),
        Some("http://127.0.0.1:9/token/")
    );
    for key in ["SITE_URL", "TOKEN_ENDPOINT"] {
        for value in ["example.org", "ftp://example.org", "https://", "http://a b"] {
            assert!(
                matches!(
                    only_error(key, value).kind,
                    ConfigErrorKind::NotHttpUrl { .. }
                ),
                "{key}={value}"
            );
        }
    }
}

#[test]
fn admin_token_must_be_long_and_is_never_echoed() {
    assert!(
        ok(&[("ADMIN_TOKEN", "0123456789abcdef")])
            .admin_token
            .value
            .is_some()
    );
    let e = only_error("ADMIN_TOKEN", "tooshort");
    assert_eq!(e.kind, ConfigErrorKind::TooShort { len: 8, min: 16 });
    let text = e.to_string();
    assert!(text.contains("at least 16"), "{text}");
    assert!(!text.contains("tooshort"), "{text}");
}

// ---- regressions ----------------------------------------------------------------

#[test]
fn regressions_parse_from_the_env() {
    let c = ok(&[(
        "REFSERVER_REGRESSIONS",
        "buffered-body-size, unwired-db-metrics",
    )]);
    assert!(c.regression(Regression::BufferedBodySize));
    assert!(c.regression(Regression::UnwiredDbMetrics));
    assert!(!c.regression(Regression::LegacySampling));
    assert_eq!(c.regressions.value.len(), 2);
}

#[test]
fn unknown_regression_lists_valid_names() {
    let e = only_error("REFSERVER_REGRESSIONS", "legacy-sampling,typo");
    assert_eq!(
        e.kind,
        ConfigErrorKind::UnknownRegression {
            names: vec!["typo".into()]
        }
    );
    let text = e.to_string();
    for r in Regression::ALL {
        assert!(text.contains(r.name()), "{text}");
    }
}
