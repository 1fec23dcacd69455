//! Hostile paths under `/static/` never escape the root and never cause a 500, with
//! any method. The corpus is `fixtures/bad-input/static-paths.txt`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::TestApp;
use crate::socket::Served;

fn corpus() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/bad-input/static-paths.txt");
    let text = std::fs::read_to_string(&path).expect("corpus exists");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The methods every target is sent with.
const METHODS: [&str; 4] = ["GET", "HEAD", "OPTIONS", "POST"];

/// Sends the request-target byte for byte (no client normalises it first).
fn raw_request(addr: std::net::SocketAddr, method: &str, target: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let head = String::from_utf8_lossy(&response[..response.len().min(64)]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {target}: no status line in {head:?}"));
    (status, response)
}

/// What follows the response head.
fn body_of(response: &[u8]) -> &[u8] {
    response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(&[], |end| &response[end + 4..])
}

/// None of the targets names a file, so every method gets 400 or 404: the route
/// looks the path up before the method (a missing file is 404 whatever the method;
/// 405 is for files that exist).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_static_paths_get_400_or_404_and_leak_nothing() {
    let paths = corpus();
    assert!(
        paths.len() >= 50,
        "corpus has {} paths; want at least 50",
        paths.len()
    );
    let served = Served::start(TestApp::new(&[])).await;
    let addr = served.addr;
    // Markers of files outside the static root that a traversal could reach.
    let secrets: Vec<Vec<u8>> = vec![
        b"root:x:0:0".to_vec(),
        b"[workspace]".to_vec(),
        b"[package]".to_vec(),
    ];
    let results = tokio::task::spawn_blocking(move || {
        paths
            .iter()
            .flat_map(|p| METHODS.map(|m| (m, p.clone())))
            .map(|(m, p)| {
                let r = raw_request(addr, m, &p);
                (m, p, r)
            })
            .collect::<Vec<_>>()
    })
    .await
    .expect("requests ran");
    for (method, path, (status, response)) in results {
        assert!(
            status == 400 || status == 404,
            "{method} {path}: got {status}, want 400 or 404"
        );
        if method == "HEAD" {
            assert!(
                body_of(&response).is_empty(),
                "HEAD {path}: a body after the head"
            );
        }
        for secret in &secrets {
            assert!(
                !response.windows(secret.len()).any(|w| w == &secret[..]),
                "{method} {path}: response leaks {:?}",
                String::from_utf8_lossy(secret)
            );
        }
    }
}
