//! End-to-end property against the real binary: for a generated environment the server
//! shows the same effective config as the in-process resolver, refuses a bad one with
//! exit code 2 naming the key, and counts low traffic exactly whatever the sampling.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use reference_server::config::{self, Config, ConfigErrors, OpType};
use serde_json::Value;

use crate::env::Case;
use crate::server::{ADMIN_TOKEN, Boot, Server, boot, server_env};

/// Cases per run: each boots a server, one at a time (the machine has two cores).
pub const CASES: u32 = 64;

/// Per-request limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The route the traffic hits, and the operation each type records for it.
const PAGE: &str = "/notes/hello-world";
const OPERATIONS: [(OpType, &str); 3] = [
    (OpType::Http, "GET /notes/{slug}"),
    (OpType::Database, "SELECT notes"),
    (OpType::Render, "note.html"),
];

/// What a value looks like after a trip through JSON text, as the client sees it.
fn via_json(value: &Value) -> Value {
    let text = serde_json::to_string(value).expect("serialize");
    serde_json::from_str(&text).expect("parse back")
}

async fn get_json(client: &reqwest::Client, server: &Server, path: &str) -> Value {
    let url = format!("{}{path}", server.url);
    let response = client
        .get(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url} failed: {e}\nstderr:\n{}", server.stderr()));
    assert_eq!(response.status(), 200, "GET {url}");
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

/// A server that started: its effective config, then its counts after the traffic.
async fn check_serving(
    server: &Server,
    expected: &Config,
    traffic: u64,
) -> Result<(), TestCaseError> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("HTTP client");

    let shown = get_json(&client, server, "/admin/config").await;
    let want = via_json(&expected.to_json());
    prop_assert_eq!(
        &shown["settings"],
        &want["settings"],
        "/admin/config settings differ from the in-process resolver"
    );
    prop_assert_eq!(&shown["warnings"], &want["warnings"], "warnings differ");

    for i in 0..traffic {
        let url = format!("{}{PAGE}", server.url);
        let response = client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("request {i} to {url} failed: {e}"));
        prop_assert_eq!(response.status(), 200, "GET {}", url);
        response.bytes().await.expect("read the page");
    }

    let metrics = get_json(&client, server, "/admin/metrics").await;
    let enabled = expected.metrics_enabled.value;
    let min_samples = expected.min_samples.value;
    for (op, name) in OPERATIONS {
        let figures = &metrics["types"][op.as_str()];
        let count = figures["operations"]
            .as_array()
            .and_then(|ops| ops.iter().find(|o| o["name"] == name))
            .map_or(Some(0), |o| o["count"].as_u64());
        let want_count = if enabled { traffic } else { 0 };
        prop_assert_eq!(
            count,
            Some(want_count),
            "{} `{}` after {} requests (metrics enabled: {}): {}",
            op.as_str(),
            name,
            traffic,
            enabled,
            figures
        );
        let sampled = figures["sampled"].as_u64().unwrap_or(u64::MAX);
        if enabled {
            prop_assert!(
                sampled >= traffic.min(min_samples),
                "{} sampled {} < min({}, METRICS_MIN_SAMPLES={})",
                op.as_str(),
                sampled,
                traffic,
                min_samples
            );
        } else {
            prop_assert_eq!(sampled, 0, "{} sampled with metrics off", op.as_str());
        }
        let rate = via_json(&serde_json::json!(expected.sampling.value.rate(op)));
        prop_assert_eq!(
            &figures["effective_rate"],
            &rate,
            "{} effective rate",
            op.as_str()
        );
    }
    Ok(())
}

/// A server that must refuse to start.
fn check_refused(boot: Boot, errors: &ConfigErrors) -> Result<(), TestCaseError> {
    let Boot::Exited { status, stderr } = boot else {
        return Err(TestCaseError::fail(format!(
            "the server started although the resolver rejects its env:\n{errors}"
        )));
    };
    prop_assert_eq!(status.code(), Some(2), "exit code; stderr:\n{}", stderr);
    for error in &errors.errors {
        prop_assert!(
            stderr.contains(&error.key) && stderr.contains(&error.to_string()),
            "stderr does not name {}:\n{}",
            error.key,
            stderr
        );
    }
    Ok(())
}

/// Whether a case booted a server or was refused at startup.
enum Outcome {
    Served,
    Refused,
}

fn run(case: &Case, traffic: u64) -> Result<Outcome, TestCaseError> {
    let data = tempfile::tempdir().expect("temp dir");
    let env = server_env(&case.env, &data);
    let expected = config::resolve(&env);
    // The generator's oracle holds for the server's full environment as well.
    crate::resolver::check(case, &expected)?;
    let booted = boot(&env, data);
    match expected {
        Err(errors) => check_refused(booted, &errors).map(|()| Outcome::Refused),
        Ok(config) => {
            let server = match booted {
                Boot::Serving(server) => server,
                Boot::Exited { status, stderr } => {
                    return Err(TestCaseError::fail(format!(
                        "the server exited ({status}) although its env is valid:\n{stderr}"
                    )));
                }
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(check_serving(&server, &config, traffic))?;
            Ok(Outcome::Served)
        }
    }
}

/// Mostly valid environments (so most cases boot and serve), some rejected ones.
#[test]
fn booted_servers_agree_with_the_resolver_and_count_low_traffic() {
    let started = Instant::now();
    let served = AtomicU32::new(0);
    let refused = AtomicU32::new(0);
    let mut runner = TestRunner::new(crate::ProptestConfig {
        max_shrink_iters: 24,
        // Where the runner saves failures (`end_to_end.regressions`), as `proptest!` does.
        source_file: Some(file!()),
        ..crate::config(CASES)
    });
    let strategy = (
        prop_oneof![2 => crate::env::case(true), 1 => crate::env::case(false)],
        1u64..=10,
    );
    let result = runner.run(&strategy, |(case, traffic)| {
        let outcome = run(&case, traffic)?;
        match outcome {
            Outcome::Served => served.fetch_add(1, Ordering::Relaxed),
            Outcome::Refused => refused.fetch_add(1, Ordering::Relaxed),
        };
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}\n{runner}");
    }
    eprintln!(
        "end to end: {CASES} cases ({} served, {} refused at startup) in {:?}",
        served.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        started.elapsed()
    );
    assert!(
        served.load(Ordering::Relaxed) >= CASES / 2,
        "most cases should boot a server"
    );
    assert!(
        refused.load(Ordering::Relaxed) >= 1,
        "some cases should be refused"
    );
}
