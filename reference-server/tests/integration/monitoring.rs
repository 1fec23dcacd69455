//! Monitoring under low traffic: exact counts whatever the sampling rate, the minimum
//! sample guarantee, response sizes counted while streaming.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;

use crate::harness::TestApp;

async fn metrics(t: &TestApp) -> serde_json::Value {
    let reply = t.admin_get("/admin/metrics").await;
    assert_eq!(reply.status, 200);
    reply.json()
}

#[tokio::test]
async fn counts_equal_traffic_at_every_rate_and_sampled_meets_the_minimum() {
    for rate in ["0.0", "0.1", "1.0"] {
        for n in [1u64, 3, 10] {
            let t = TestApp::new(&[
                ("METRICS_SAMPLING_RATE", rate),
                ("METRICS_MIN_SAMPLES", "10"),
            ]);
            for _ in 0..n {
                assert_eq!(t.get("/notes/hello-world").await.status, 200);
            }
            let m = metrics(&t).await;
            for kind in ["http", "database", "render"] {
                let count = m["types"][kind]["count"].as_u64().expect("count");
                let sampled = m["types"][kind]["sampled"].as_u64().expect("sampled");
                assert_eq!(count, n, "rate {rate}, {n} requests: {kind} count");
                assert!(
                    sampled >= n.min(10),
                    "rate {rate}, {n} requests: {kind} sampled {sampled}"
                );
                assert_eq!(
                    m["types"][kind]["effective_rate"].as_f64(),
                    Some(rate.parse().expect("rate"))
                );
            }
            let ops = &m["types"]["http"]["operations"];
            assert_eq!(ops[0]["name"], "GET /notes/{slug}");
            assert_eq!(ops[0]["count"].as_u64(), Some(n));
        }
    }
}

#[tokio::test]
async fn sampling_beyond_the_minimum_follows_the_rate() {
    // 30 requests, minimum 5: rate 0 keeps exactly 5 events per type, rate 1 all 30.
    for (rate, expected) in [("0", 5u64), ("1", 30)] {
        let t = TestApp::new(&[
            ("METRICS_SAMPLING_RATE", rate),
            ("METRICS_MIN_SAMPLES", "5"),
        ]);
        for _ in 0..30 {
            t.get("/").await;
        }
        let m = metrics(&t).await;
        assert_eq!(m["types"]["database"]["count"].as_u64(), Some(30));
        assert_eq!(
            m["types"]["database"]["sampled"].as_u64(),
            Some(expected),
            "rate {rate}"
        );
    }
}

#[tokio::test]
async fn streamed_large_asset_is_recorded_with_its_exact_size() {
    let t = TestApp::new(&[]);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/site/static/img/large.png");
    let size = std::fs::metadata(path).expect("fixture").len();
    assert!(size > 1024 * 1024);
    let reply = t.get("/static/img/large.png").await;
    assert_eq!(reply.body.len() as u64, size);
    let head = t
        .send(
            Request::head("/static/img/large.png")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(head.status, 200);

    let m = metrics(&t).await;
    let op = &m["types"]["http"]["operations"][0];
    assert_eq!(op["name"], "GET /static/*", "{op}");
    assert_eq!(op["count"].as_u64(), Some(1));
    assert_eq!(
        op["bytes"].as_u64(),
        Some(size),
        "GET bytes counted while streaming"
    );
    let head_op = &m["types"]["http"]["operations"][1];
    assert_eq!(head_op["name"], "HEAD /static/*", "{head_op}");
    assert_eq!(head_op["bytes"].as_u64(), Some(0), "HEAD counts 0 bytes");
}

#[tokio::test]
async fn a_body_dropped_mid_stream_is_recorded_as_aborted() {
    let t = TestApp::new(&[]);
    let response = t.response("/static/img/large.png").await;
    let mut body = response.into_body();
    let first = body.frame().await.expect("a frame").expect("ok");
    assert!(first.is_data());
    drop(body);
    let m = metrics(&t).await;
    let http = &m["types"]["http"];
    assert_eq!(http["aborted"].as_u64(), Some(1), "{http}");
    let op = &http["operations"][0];
    assert!(
        op["bytes"].as_u64().expect("bytes") > 0,
        "bytes sent before the abort are kept"
    );
}

/// hyper stops polling a body once its `Content-Length` is out, and drops it without
/// waiting for the stream's end: such a body was sent whole, not aborted (every
/// static file served over HTTP/1.1 was counted as aborted and as an error until the
/// low-traffic scenario's check found it).
#[tokio::test]
async fn a_body_dropped_once_its_length_is_out_is_complete() {
    for path in ["/static/css/style.css", "/static/img/large.png"] {
        let t = TestApp::new(&[]);
        let response = t.response(path).await;
        let length: u64 = response.headers()["content-length"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("a number");
        let mut body = response.into_body();
        let mut sent = 0;
        while sent < length {
            let frame = body.frame().await.expect("a frame").expect("ok");
            sent += frame.into_data().map_or(0, |data| data.len() as u64);
        }
        drop(body);
        let m = metrics(&t).await;
        let http = &m["types"]["http"];
        assert_eq!(http["aborted"].as_u64(), Some(0), "{path}: {http}");
        assert_eq!(http["errors"].as_u64(), Some(0), "{path}: {http}");
        assert_eq!(
            http["operations"][0]["bytes"].as_u64(),
            Some(length),
            "{path}"
        );
    }
}

/// A small file is answered from memory once read: its body records the request
/// itself, so the second request onward takes another path than the first. Each
/// counts once, with its exact size; a HEAD, a 304 and a body dropped before its first
/// frame count too (no bytes; the dropped one as aborted).
#[tokio::test]
async fn a_small_file_from_memory_counts_every_request_exactly() {
    let t = TestApp::new(&[("METRICS_SAMPLING_RATE", "0")]);
    let first = t.get("/static/css/style.css").await;
    assert_eq!(first.status, 200);
    let length = first.body.len() as u64;
    assert!(length > 0);
    let etag = first.header("etag").expect("an ETag").to_owned();
    for _ in 0..3 {
        let again = t.get("/static/css/style.css").await;
        assert_eq!(again.body.len() as u64, length);
    }
    let head = Request::head("/static/css/style.css").body(Body::empty());
    assert_eq!(t.send(head.expect("req")).await.status, 200);
    let revalidate = Request::get("/static/css/style.css")
        .header("if-none-match", etag)
        .body(Body::empty());
    assert_eq!(t.send(revalidate.expect("req")).await.status, 304);
    drop(t.response("/static/css/style.css").await);

    let m = metrics(&t).await;
    let http = &m["types"]["http"];
    assert_eq!(http["aborted"].as_u64(), Some(1), "the unread body: {http}");
    let ops = http["operations"].as_array().expect("operations");
    let op = |name: &str| {
        ops.iter()
            .find(|op| op["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {http}"))
    };
    let get = op("GET /static/*");
    assert_eq!(get["count"].as_u64(), Some(6), "{get}");
    assert_eq!(get["bytes"].as_u64(), Some(4 * length), "{get}");
    assert_eq!(op("HEAD /static/*")["count"].as_u64(), Some(1));
    assert_eq!(op("HEAD /static/*")["bytes"].as_u64(), Some(0));
}

#[tokio::test]
async fn prometheus_exposition_has_the_same_counts() {
    let t = TestApp::new(&[("METRICS_SAMPLING_RATE", "0")]);
    for _ in 0..3 {
        t.get("/notes/hello-world").await;
    }
    let text = t.admin_get("/metrics").await.text();
    let line = text
        .lines()
        .find(|l| l.starts_with("refserver_operations_total{") && l.contains("type=\"database\""))
        .unwrap_or_else(|| panic!("no database series in:\n{text}"));
    assert!(line.ends_with(" 3"), "{line}");
    assert!(
        text.contains("refserver_db_pool_connections"),
        "pool gauges exported"
    );
    assert!(text.trim_end().ends_with("# EOF"));
}

#[tokio::test]
async fn monitoring_off_records_nothing_and_says_so() {
    let t = TestApp::new(&[("METRICS_ENABLED", "no")]);
    t.get("/").await;
    t.get("/static/css/style.css").await;
    let m = metrics(&t).await;
    assert_eq!(m["settings"]["enabled"], false);
    for kind in ["http", "database", "render"] {
        assert_eq!(m["types"][kind]["count"].as_u64(), Some(0), "{kind}");
    }
}
