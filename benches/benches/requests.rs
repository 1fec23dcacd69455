//! Requests through the whole app with monitoring off and on at sampling 0.0, 0.1 and
//! 1.0, side by side in one group per endpoint, two ways:
//!
//! - `served_requests/<endpoint>/<variant>`: served over HTTP/1.1 by `axum::serve` on
//!   one kept-alive in-memory connection, hyper's parsing and writing included. The
//!   request budgets of `bench-gate/budgets.toml` name these.
//! - `requests/<endpoint>/<variant>`: the site's service called in-process (router,
//!   middleware, handlers, body fully read; no HTTP), which shows what share of the
//!   site's own work monitoring is.

use std::hint::black_box;
use std::time::Instant;

use axum::http::StatusCode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rc_benches::served::{Connection, Prepared};
use rc_benches::{BenchApp, ENDPOINTS, Endpoint, MONITORING, criterion_config, get, runtime};
use tokio::runtime::Runtime;

/// Panics unless `variant` answered `endpoint` with 200 and the body it promises: a
/// 404 must never pass for a fast response.
fn check_answer(endpoint: &Endpoint, variant: &str, status: StatusCode, bytes: usize) {
    assert_eq!(status, StatusCode::OK, "GET {} ({variant})", endpoint.uri);
    assert!(
        bytes >= endpoint.min_body,
        "GET {} ({variant}): {bytes} bytes, expected at least {}",
        endpoint.uri,
        endpoint.min_body
    );
}

fn requests(c: &mut Criterion) {
    let rt = runtime();
    let apps: Vec<(String, BenchApp)> = MONITORING
        .iter()
        .map(|&m| (m.id(), BenchApp::new(m).expect("bench app builds")))
        .collect();
    for endpoint in &ENDPOINTS {
        served(c, &rt, &apps, endpoint);
        in_process(c, &rt, &apps, endpoint);
    }
}

/// `served_requests/<endpoint>/...`: one connection per variant, opened once.
fn served(c: &mut Criterion, rt: &Runtime, apps: &[(String, BenchApp)], endpoint: &Endpoint) {
    let mut group = c.benchmark_group(format!("served_requests/{}", endpoint.name));
    let request = Prepared::get(endpoint.uri);
    for (index, (variant, bench)) in apps.iter().enumerate() {
        let site = bench.app().site();
        let mut connection = rt.block_on(async { Connection::open(site) });
        let (status, bytes) = rt
            .block_on(connection.send(&request))
            .unwrap_or_else(|error| panic!("GET {} ({variant}): {error}", endpoint.uri));
        check_answer(endpoint, variant, status, bytes);
        if index == 0 {
            group.throughput(Throughput::Bytes(bytes as u64));
        }
        group.bench_function(variant.as_str(), |b| {
            b.iter_custom(|iterations| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        match connection.send(black_box(&request)).await {
                            Ok(answer) => _ = black_box(answer),
                            Err(error) => panic!("GET {} ({variant}): {error}", endpoint.uri),
                        }
                    }
                    started.elapsed()
                })
            });
        });
    }
    group.finish();
}

/// `requests/<endpoint>/...`: the site's service called with each request.
fn in_process(c: &mut Criterion, rt: &Runtime, apps: &[(String, BenchApp)], endpoint: &Endpoint) {
    let mut group = c.benchmark_group(format!("requests/{}", endpoint.name));
    for (index, (variant, bench)) in apps.iter().enumerate() {
        let router = bench.app().site();
        let (status, body) = rt.block_on(get(router.clone(), endpoint.uri));
        check_answer(endpoint, variant, status, body.len());
        if index == 0 {
            group.throughput(Throughput::Bytes(body.len() as u64));
        }
        group.bench_function(variant.as_str(), |b| {
            b.to_async(rt)
                .iter(|| get(router.clone(), black_box(endpoint.uri)));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = requests
}
criterion_main!(benches);
