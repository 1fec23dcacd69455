//! What holds for every key: defaults and sources, trimming, empty values, every error
//! collected and sorted, deterministic results, and error text that names the key.

use super::*;

// ---- defaults -------------------------------------------------------------------

#[test]
fn empty_env_gives_defaults_with_default_sources() {
    let c = ok(&[]);
    assert_eq!(c, Config::default());
    assert!(c.metrics_enabled.value);
    assert_eq!(rates(&c), [1.0; 3]);
    assert_eq!(
        origins(&c),
        ["default", "default", "default"].map(String::from)
    );
    assert_eq!(c.slow_query_threshold.value, Duration::from_secs(1));
    assert_eq!(c.buffer_size.value, 1000);
    assert_eq!(c.min_samples.value, 10);
    assert!(!c.strict.value);
    assert_eq!(
        c.bind_addr.value,
        "127.0.0.1:8000".parse::<SocketAddr>().expect("valid addr")
    );
    assert_eq!(c.data_path.value, PathBuf::from("data"));
    assert_eq!(c.static_dir.value, PathBuf::from(DEFAULT_STATIC_DIR));
    assert_eq!(c.site_url.value, None);
    assert_eq!(c.admin_token.value, None);
    assert_eq!(c.token_endpoint.value, None);
    assert!(c.regressions.value.is_empty());
    assert!(c.warnings.is_empty());
    let sources = [
        &c.metrics_enabled.source,
        &c.sampling.source,
        &c.slow_query_threshold.source,
        &c.buffer_size.source,
        &c.min_samples.source,
        &c.strict.source,
        &c.bind_addr.source,
        &c.data_path.source,
        &c.static_dir.source,
        &c.site_url.source,
        &c.admin_token.source,
        &c.token_endpoint.source,
        &c.regressions.source,
    ];
    assert!(sources.iter().all(|s| **s == Source::Default));
}

#[test]
fn every_key_set_validly_is_sourced_from_its_key() {
    let c = ok(&[
        ("METRICS_ENABLED", "no"),
        ("METRICS_SAMPLING_RATE", "0.5"),
        ("METRICS_SLOW_QUERY_THRESHOLD", "0.25"),
        ("METRICS_BUFFER_SIZE", "50"),
        ("METRICS_MIN_SAMPLES", "0"),
        ("CONFIG_STRICT", "yes"),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("DATA_PATH", "/tmp/blog"),
        ("STATIC_DIR", "/srv/static"),
        ("SITE_URL", "https://blog.example.org/"),
        ("ADMIN_TOKEN", TOKEN),
        ("TOKEN_ENDPOINT", "https://tokens.example.org/token"),
        ("REFSERVER_REGRESSIONS", "wrong-content-type"),
    ]);
    assert!(!c.metrics_enabled.value);
    assert_eq!(rates(&c), [0.5; 3]);
    assert_eq!(c.slow_query_threshold.value, Duration::from_millis(250));
    assert_eq!(c.buffer_size.value, 50);
    assert_eq!(c.min_samples.value, 0);
    assert!(c.strict.value);
    assert_eq!(c.bind_addr.value.port(), 0);
    assert_eq!(c.data_path.value, PathBuf::from("/tmp/blog"));
    assert_eq!(c.static_dir.value, PathBuf::from("/srv/static"));
    assert_eq!(
        c.site_url.value.as_deref(),
        Some("https://blog.example.org")
    );
    assert_eq!(c.admin_token.value.as_deref(), Some(TOKEN));
    assert_eq!(
        c.token_endpoint.value.as_deref(),
        Some("https://tokens.example.org/token")
    );
    assert!(c.regression(Regression::WrongContentType));
    assert!(c.warnings.is_empty());
    for (source, key) in [
        (&c.metrics_enabled.source, "METRICS_ENABLED"),
        (&c.sampling.source, "METRICS_SAMPLING_RATE"),
        (
            &c.slow_query_threshold.source,
            "METRICS_SLOW_QUERY_THRESHOLD",
        ),
        (&c.buffer_size.source, "METRICS_BUFFER_SIZE"),
        (&c.min_samples.source, "METRICS_MIN_SAMPLES"),
        (&c.strict.source, "CONFIG_STRICT"),
        (&c.bind_addr.source, "BIND_ADDR"),
        (&c.data_path.source, "DATA_PATH"),
        (&c.static_dir.source, "STATIC_DIR"),
        (&c.site_url.source, "SITE_URL"),
        (&c.admin_token.source, "ADMIN_TOKEN"),
        (&c.token_endpoint.source, "TOKEN_ENDPOINT"),
        (&c.regressions.source, "REFSERVER_REGRESSIONS"),
    ] {
        assert_eq!(*source, env_source(key));
    }
}

// ---- generic rules --------------------------------------------------------------

#[test]
fn values_are_trimmed() {
    let c = ok(&[
        ("METRICS_ENABLED", "  FALSE \n"),
        ("METRICS_BUFFER_SIZE", "\t7 "),
        ("BIND_ADDR", " 127.0.0.1:9 "),
        ("DATA_PATH", " db "),
        ("ADMIN_TOKEN", &format!("  {TOKEN}  ")),
    ]);
    assert!(!c.metrics_enabled.value);
    assert_eq!(c.buffer_size.value, 7);
    assert_eq!(c.bind_addr.value.port(), 9);
    assert_eq!(c.data_path.value, PathBuf::from("db"));
    assert_eq!(c.admin_token.value.as_deref(), Some(TOKEN));
    assert_eq!(c.raw("DATA_PATH"), Some(" db "));
}

#[test]
fn empty_is_an_error_for_every_key() {
    for key in Key::ALL {
        for value in ["", "   ", "\t\n"] {
            let errors = err(&[(key.name(), value)]);
            let e = errors
                .for_key(key.name())
                .find(|e| e.kind == ConfigErrorKind::Empty);
            assert!(e.is_some(), "{key}={value:?}: {errors}");
        }
    }
}

#[test]
fn multiple_errors_are_all_collected_and_sorted_by_key() {
    let errors = err(&[
        ("METRICS_SAMPLING_RATE", "1.5"),
        ("BIND_ADDR", "nowhere"),
        ("METRICS_ENABLED", "maybe"),
        ("METRICS_BUFFER_SIZE", "0"),
        ("ADMIN_TOKEN", "short"),
        ("REFSERVER_REGRESSIONS", "nope"),
        ("TOKEN_ENDPOINT", "ftp://x"),
    ]);
    let keys: Vec<_> = errors.errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "ADMIN_TOKEN",
            "BIND_ADDR",
            "METRICS_BUFFER_SIZE",
            "METRICS_ENABLED",
            "METRICS_SAMPLING_RATE",
            "REFSERVER_REGRESSIONS",
            "TOKEN_ENDPOINT",
        ]
    );
    assert_eq!(errors.to_string().lines().count(), 7);
}

#[test]
fn resolution_is_deterministic() {
    let pairs = [
        ("METRICS_SAMPLNG_RATE", "0.1"),
        ("metrics_enabled", "no"),
        ("METRICS_SAMPLING_RATES", "0.3"),
        ("BIND_ADDR", "bad"),
        ("DATA_PATH", ""),
    ];
    let a = err(&pairs);
    let mut reversed = pairs;
    reversed.reverse();
    let b = err(&reversed);
    assert_eq!(a, b);
    assert_eq!(a.to_json(), b.to_json());
}

#[test]
fn error_display_names_key_value_and_accepted_forms() {
    let e = only_error("METRICS_SAMPLING_RATE", "1.5");
    assert_eq!(
        e.to_string(),
        "METRICS_SAMPLING_RATE=\"1.5\": out of range; expected a number in [0, 1] \
         (e.g. 0.25) or a per-type map like http=0.1,database=1 or {\"database\":1.0} \
         (types: http, database, render, default)"
    );
    for (key, value, forms) in [
        ("METRICS_ENABLED", "maybe", "true/false/1/0/yes/no"),
        ("METRICS_SLOW_QUERY_THRESHOLD", "0", "finite number > 0"),
        ("METRICS_BUFFER_SIZE", "0", "1 to 1000000"),
        ("METRICS_MIN_SAMPLES", "-1", "integer >= 0"),
        ("BIND_ADDR", "localhost:80", "ip:port"),
        ("SITE_URL", "blog.example.org", "http:// or https://"),
        ("TOKEN_ENDPOINT", "tokens", "http:// or https://"),
        ("REFSERVER_REGRESSIONS", "bogus", "buffered-body-size"),
    ] {
        let text = only_error(key, value).to_string();
        assert!(text.starts_with(&format!("{key}=\"{value}\": ")), "{text}");
        assert!(text.contains(forms), "{text}");
    }
}
