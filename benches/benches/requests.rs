//! In-process requests through the whole app (router, middleware, handlers, body fully
//! read; no network), with monitoring off and on at sampling 0.0, 0.1 and 1.0, side by
//! side in one group per endpoint: `requests/<endpoint>/<variant>`.

use std::hint::black_box;

use axum::http::StatusCode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rc_benches::{BenchApp, ENDPOINTS, MONITORING, criterion_config, get, runtime};

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
