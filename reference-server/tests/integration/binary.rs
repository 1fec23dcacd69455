//! The binary as operators run it: port 0, the first stdout line, the generated admin
//! token, graceful SIGTERM, and the `config` subcommand's exit codes.

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[path = "../support/child.rs"]
mod child;
use child::{Reaped, stdout_lines};

const BIN: &str = env!("CARGO_BIN_EXE_reference-server");

fn base_command(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("DATA_PATH", dir)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    command
}

fn next_line(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server printed a line within 60 s")
}

#[tokio::test]
async fn binds_port_zero_prints_address_and_token_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = base_command(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let rx = stdout_lines(&mut child);
    let mut running = Reaped(child);

    let first = next_line(&rx);
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line names the address, got {first:?}"))
        .to_owned();
    assert!(!url.ends_with(":0"), "a real port was bound: {url}");
    let token_line = next_line(&rx);
    let token = token_line.rsplit(' ').next().expect("token").to_owned();
    assert!(token_line.contains("generated"), "{token_line}");

    let client = reqwest::Client::new();
    let health = client
        .get(format!("{url}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let admin = client
        .get(format!("{url}/admin/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("admin");
    assert_eq!(admin.status(), 200, "the printed token works");

    let pid = running.0.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || {
        let waited = running.0.wait();
        (running, waited)
    });
    let (_running, waited) = tokio::time::timeout(Duration::from_secs(30), exit)
        .await
        .expect("server exits within 30 s of SIGTERM")
        .expect("join");
    assert!(waited.expect("wait").success(), "graceful shutdown exits 0");
}

#[test]
fn config_subcommand_prints_json_or_every_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = base_command(dir.path())
        .arg("config")
        .env("METRICS_SAMPLING_RATE", "0.25")
        .output()
        .expect("run config");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("JSON on stdout");
    assert_eq!(
        json["settings"]["METRICS_SAMPLING_RATE"]["source"],
        "env:METRICS_SAMPLING_RATE"
    );

    let bad = base_command(dir.path())
        .arg("config")
        .env("METRICS_SAMPLING_RATE", "1.5")
        .env("METRICS_BUFFER_SIZE", "zero")
        .output()
        .expect("run config");
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("METRICS_SAMPLING_RATE") && stderr.contains("1.5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("METRICS_BUFFER_SIZE") && stderr.contains("zero"),
        "{stderr}"
    );
}

#[test]
fn bad_config_stops_serving_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = base_command(dir.path())
        .env("REFSERVER_REGRESSIONS", "no-such-bug")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-bug"));
    assert!(out.stdout.is_empty(), "nothing was served");
}
