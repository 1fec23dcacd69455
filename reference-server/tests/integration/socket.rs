//! Over a real socket on port 0: the way the binary serves.

use std::net::SocketAddr;

use axum::ServiceExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::harness::{ADMIN, TestApp};

/// An app served on 127.0.0.1:0 until dropped.
pub struct Served {
    pub addr: SocketAddr,
    /// Owns the app's data directory for as long as the server runs.
    _test: TestApp,
    task: JoinHandle<()>,
}

impl Served {
    pub async fn start(test: TestApp) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("addr");
        let site = test.app.site();
        let task = tokio::spawn(async move {
            axum::serve(listener, site.into_make_service())
                .await
                .expect("serve");
        });
        Self {
            addr,
            _test: test,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn serves_pages_and_assets_over_a_socket() {
    let served = Served::start(TestApp::new(&[])).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(served.url(path));
    let home = get("/").send().await.expect("home");
    assert_eq!(home.status(), 200);
    let css = get("/static/css/style.css").send().await.expect("css");
    assert_eq!(css.status(), 200);
    let length = css.content_length().expect("content-length");
    assert_eq!(css.bytes().await.expect("body").len() as u64, length);
    let large = get("/static/img/large.png").send().await.expect("large");
    assert_eq!(large.status(), 200);
    assert!(large.bytes().await.expect("body").len() > 1024 * 1024);
    let admin = get("/admin")
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("admin");
    assert_eq!(admin.status(), 200);
}
