//! In-process requests through the whole app (router, middleware, handlers, body fully
//! read; no network), with monitoring off and on at sampling 0.0, 0.1 and 1.0, side by
//! side in one group per endpoint: `requests/<endpoint>/<variant>`.

use std::hint::black_box;

use axum::http::StatusCode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rc_benches::{BenchApp, MONITORING, criterion_config, get, runtime};

/// An endpoint measured: its name in bench ids, its path, and the smallest body it
/// must answer with (so a 404 or an empty body can never pass for a fast response).
struct Endpoint {
    name: &'static str,
    uri: &'static str,
    min_body: usize,
}

const ENDPOINTS: [Endpoint; 4] = [
    Endpoint {
        name: "static_small",
        uri: "/static/css/style.css",
        min_body: 1024,
    },
    Endpoint {
        name: "static_large",
        uri: "/static/img/large.png",
        min_body: 1 << 20,
    },
    Endpoint {
        name: "note_page",
        uri: "/notes/hello-world",
        min_body: 256,
    },
    Endpoint {
        name: "feed",
        uri: "/feed.xml",
        min_body: 256,
    },
];

fn requests(c: &mut Criterion) {
    let rt = runtime();
    let apps: Vec<(String, BenchApp)> = MONITORING
        .iter()
        .map(|&m| (m.id(), BenchApp::new(m).expect("bench app builds")))
        .collect();
    for endpoint in &ENDPOINTS {
        let mut group = c.benchmark_group(format!("requests/{}", endpoint.name));
        let mut throughput_set = false;
        for (variant, bench) in &apps {
            let router = bench.app().site();
            let (status, body) = rt.block_on(get(router.clone(), endpoint.uri));
            assert_eq!(status, StatusCode::OK, "GET {} ({variant})", endpoint.uri);
            assert!(
                body.len() >= endpoint.min_body,
                "GET {} ({variant}): {} bytes, expected at least {}",
                endpoint.uri,
                body.len(),
                endpoint.min_body
            );
            if !throughput_set {
                group.throughput(Throughput::Bytes(body.len() as u64));
                throughput_set = true;
            }
            group.bench_function(variant.as_str(), |b| {
                b.to_async(&rt)
                    .iter(|| get(router.clone(), black_box(endpoint.uri)));
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = requests
}
criterion_main!(benches);
