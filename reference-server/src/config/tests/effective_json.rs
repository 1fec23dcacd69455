//! The effective configuration's JSON form, as `/admin/config` and
//! `reference-server config` show it.

use super::*;

#[test]
fn to_json_shows_values_sources_origins_and_warnings() {
    let c = ok(&[
        ("METRICS_SAMPLING_RATES", "http=0.1"),
        ("ADMIN_TOKEN", TOKEN),
        ("METRICS_SLOW_QUERY_THRESHOLD", "0.5"),
        ("REFSERVER_REGRESSIONS", "legacy-sampling"),
    ]);
    let v = c.to_json();
    let s = &v["settings"];
    assert_eq!(
        s["METRICS_SAMPLING_RATE"],
        json!({
            "value": {"http": 0.1, "database": 1.0, "render": 1.0},
            "source": "env:METRICS_SAMPLING_RATES",
            "origins": {
                "http": "METRICS_SAMPLING_RATES[http]",
                "database": "default",
                "render": "default"
            }
        })
    );
    assert_eq!(
        s["METRICS_ENABLED"],
        json!({"value": true, "source": "default"})
    );
    assert_eq!(
        s["METRICS_SLOW_QUERY_THRESHOLD"],
        json!({"value": 0.5, "source": "env:METRICS_SLOW_QUERY_THRESHOLD"})
    );
    assert_eq!(
        s["ADMIN_TOKEN"],
        json!({"value": "set", "source": "env:ADMIN_TOKEN"})
    );
    assert_eq!(s["BIND_ADDR"]["value"], "127.0.0.1:8000");
    assert_eq!(s["SITE_URL"], json!({"value": null, "source": "default"}));
    assert_eq!(
        s["REFSERVER_REGRESSIONS"],
        json!({"value": ["legacy-sampling"], "source": "env:REFSERVER_REGRESSIONS"})
    );
    assert_eq!(v["regressions"], json!(["legacy-sampling"]));
    assert_eq!(v["warnings"][0]["key"], "METRICS_SAMPLING_RATES");
    assert_eq!(v["warnings"][0]["kind"], "deprecated-alias");
    assert!(!v.to_string().contains(TOKEN));
    // Every setting of the 12 canonical keys plus the regression switches.
    let keys: Vec<_> = s
        .as_object()
        .expect("settings is an object")
        .keys()
        .cloned()
        .collect();
    let mut expected: Vec<_> = Key::ALL
        .iter()
        .filter(|k| !k.is_deprecated_alias())
        .map(|k| k.name().to_owned())
        .collect();
    expected.sort();
    assert_eq!(keys, expected);
}

#[test]
fn to_json_of_defaults() {
    let v = ok(&[]).to_json();
    assert_eq!(
        v["settings"]["ADMIN_TOKEN"],
        json!({"value": "generated at start", "source": "default"})
    );
    assert_eq!(v["settings"]["METRICS_BUFFER_SIZE"]["value"], 1000);
    assert_eq!(v["settings"]["METRICS_MIN_SAMPLES"]["value"], 10);
    assert_eq!(v["settings"]["METRICS_SLOW_QUERY_THRESHOLD"]["value"], 1.0);
    assert_eq!(v["warnings"], json!([]));
    assert_eq!(v["regressions"], json!([]));
    assert_eq!(v.to_string(), ok(&[]).to_json().to_string());
}

#[test]
fn to_json_lists_look_alike_warnings() {
    let v = ok(&[("METRICS_SAMPLNG_RATE", "0.1")]).to_json();
    let w = &v["warnings"][0];
    assert_eq!(w["kind"], "look-alike");
    assert_eq!(w["probably_meant"], "METRICS_SAMPLING_RATE");
    assert_eq!(w["key"], "METRICS_SAMPLNG_RATE");
}
