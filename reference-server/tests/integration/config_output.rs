//! `reference-server config`: the effective configuration operators and the harness
//! read, snapshotted for a few environments.

use crate::harness::run_config;

fn filters() -> Vec<(&'static str, &'static str)> {
    // The default static dir is an absolute path of the build machine.
    vec![(r#""[^"]*fixtures/site/static""#, r#""[static dir]""#)]
}

#[test]
fn config_snapshots() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("defaults", &[]),
        ("canonical_float", &[("METRICS_SAMPLING_RATE", " 0.25 ")]),
        (
            "plural_alias",
            &[("METRICS_SAMPLING_RATES", "database=1,http=0.1")],
        ),
        (
            "map_with_default_and_typo",
            &[
                (
                    "METRICS_SAMPLING_RATE",
                    r#"{"database": 1, "default": 0.2}"#,
                ),
                ("METRICS_SAMPLNG_RATE", "0.5"),
                ("metrics_buffer_size", "10"),
            ],
        ),
    ];
    for (name, env) in cases {
        let (code, stdout, stderr) = run_config(env);
        assert_eq!(code, Some(0), "{name}: {stderr}");
        insta::with_settings!({ filters => filters(), snapshot_suffix => *name }, {
            insta::assert_snapshot!("config", stdout);
        });
    }
}

#[test]
fn config_errors_snapshot() {
    let (code, stdout, stderr) = run_config(&[
        ("METRICS_SAMPLING_RATE", "0.5"),
        ("METRICS_SAMPLING_RATES", "0.1"),
        ("METRICS_BUFFER_SIZE", "0"),
        ("METRICS_SLOW_QUERY_THRESHOLD", "NaN"),
        ("METRICS_MIN_SAMPLES", "-1"),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stdout.is_empty(),
        "no config is printed when it is rejected"
    );
    insta::assert_snapshot!("config_errors", stderr);
}
