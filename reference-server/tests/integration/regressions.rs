//! Each regression switch brings back the behaviour it names (and only when asked).

use crate::harness::{TestApp, run_config};

async fn count(t: &TestApp, kind: &str) -> u64 {
    t.admin_get("/admin/metrics").await.json()["types"][kind]["count"]
        .as_u64()
        .expect("count")
}

#[tokio::test]
async fn buffered_body_size_turns_static_files_into_500s() {
    let fixed = TestApp::new(&[]);
    assert_eq!(fixed.get("/static/css/style.css").await.status, 200);

    let broken = TestApp::new(&[("REFSERVER_REGRESSIONS", "buffered-body-size")]);
    let reply = broken.get("/static/css/style.css").await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains("direct passthrough mode"),
        "{}",
        reply.text()
    );
    assert_eq!(
        broken.get("/").await.status,
        200,
        "buffered pages still work, as in rc.1"
    );
}

#[tokio::test]
async fn wrong_content_type_serves_octet_stream() {
    let broken = TestApp::new(&[("REFSERVER_REGRESSIONS", "wrong-content-type")]);
    let reply = broken.get("/static/css/style.css").await;
    reply.assert_ok_as("application/octet-stream");
}

#[tokio::test]
async fn plural_sampling_key_ignores_the_canonical_key() {
    let env = [("METRICS_SAMPLING_RATE", "1.0")];
    let fixed = TestApp::new(&env);
    let rate = |m: serde_json::Value| m["types"]["database"]["effective_rate"].as_f64();
    assert_eq!(
        rate(fixed.admin_get("/admin/metrics").await.json()),
        Some(1.0)
    );

    let broken = TestApp::new(&[env[0], ("REFSERVER_REGRESSIONS", "plural-sampling-key")]);
    assert_eq!(
        rate(broken.admin_get("/admin/metrics").await.json()),
        Some(0.1),
        "silent 10%"
    );
    // The effective config still claims 1.0: exactly the rc.1 mismatch.
    let config = broken.admin_get("/admin/config").await.json();
    assert_eq!(
        config["settings"]["METRICS_SAMPLING_RATE"]["value"]["database"],
        1.0
    );

    let plural = TestApp::new(&[
        ("METRICS_SAMPLING_RATES", "0.5"),
        ("REFSERVER_REGRESSIONS", "plural-sampling-key"),
    ]);
    assert_eq!(
        rate(plural.admin_get("/admin/metrics").await.json()),
        Some(0.5)
    );
}

#[tokio::test]
async fn legacy_sampling_computes_aggregates_from_samples() {
    let env = [("METRICS_SAMPLING_RATE", "0")];
    let fixed = TestApp::new(&env);
    let broken = TestApp::new(&[env[0], ("REFSERVER_REGRESSIONS", "legacy-sampling")]);
    for _ in 0..10 {
        fixed.get("/notes/hello-world").await;
        broken.get("/notes/hello-world").await;
    }
    assert_eq!(count(&fixed, "database").await, 10);
    assert_eq!(
        count(&broken, "database").await,
        0,
        "no minimum, aggregates from samples"
    );

    let default_rate = TestApp::new(&[("REFSERVER_REGRESSIONS", "legacy-sampling")]);
    let m = default_rate.admin_get("/admin/metrics").await.json();
    assert_eq!(
        m["types"]["database"]["effective_rate"].as_f64(),
        Some(0.1),
        "old 10% default"
    );
}

#[tokio::test]
async fn unwired_db_metrics_leaves_database_counts_at_zero() {
    let broken = TestApp::new(&[("REFSERVER_REGRESSIONS", "unwired-db-metrics")]);
    for _ in 0..3 {
        assert_eq!(broken.get("/").await.status, 200);
    }
    assert_eq!(count(&broken, "http").await, 3);
    assert_eq!(count(&broken, "render").await, 3);
    assert_eq!(count(&broken, "database").await, 0);
}

#[tokio::test]
async fn switches_are_listed_in_the_effective_config() {
    let t = TestApp::new(&[(
        "REFSERVER_REGRESSIONS",
        "wrong-content-type,unwired-db-metrics",
    )]);
    let config = t.admin_get("/admin/config").await.json();
    let listed = config["regressions"].as_array().expect("list").len();
    assert_eq!(listed, 2, "{config}");
}

/// Guards regression `silent-config-fallback` at the process edge (sampling-config's
/// three `expect-boot-failure` steps): each environment is refused with exit 2 and a
/// message naming the key; with the switch, `reference-server config` exits 0, says
/// nothing on stderr, and shows the default (or the canonical key) in force.
#[test]
fn silent_config_fallback_accepts_what_is_refused_and_says_nothing() {
    // Each environment, and where the sampling rate (1.0 every time) comes from then.
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("METRICS_SAMPLING_RATE", "1.0"),
                ("METRICS_SAMPLING_RATES", "0.1"),
            ],
            "env:METRICS_SAMPLING_RATE",
        ),
        (
            &[("METRICS_SAMPLNG_RATE", "0.5"), ("CONFIG_STRICT", "true")],
            "default",
        ),
        (&[("METRICS_SAMPLING_RATE", "1.5")], "default"),
    ];
    for (env, source) in cases {
        let (code, _, stderr) = run_config(env);
        assert_eq!(code, Some(2), "{env:?}");
        assert!(stderr.contains(env[0].0), "{env:?}");

        let with_switch: Vec<(&str, &str)> = env
            .iter()
            .copied()
            .chain([("REFSERVER_REGRESSIONS", "silent-config-fallback")])
            .collect();
        let (code, stdout, stderr) = run_config(&with_switch);
        assert_eq!(code, Some(0), "{env:?}: {stderr}");
        assert!(stderr.is_empty(), "nothing said for {env:?}: {stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        let sampling = &json["settings"]["METRICS_SAMPLING_RATE"];
        assert_eq!(sampling["source"], source, "{env:?}");
        assert_eq!(sampling["value"]["database"], 1.0, "{env:?}");
        assert_eq!(json["warnings"], serde_json::json!([]), "{env:?}");
        assert_eq!(
            json["regressions"],
            serde_json::json!(["silent-config-fallback"])
        );
    }
}
