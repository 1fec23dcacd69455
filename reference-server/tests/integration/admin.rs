//! Admin endpoints require the bearer token and show monitoring and configuration.

use axum::body::Body;
use axum::http::Request;

use crate::harness::TestApp;

#[tokio::test]
async fn admin_endpoints_need_the_token() {
    let t = TestApp::new(&[]);
    for path in ["/admin", "/admin/metrics", "/admin/config", "/metrics"] {
        assert_eq!(t.get(path).await.status, 401, "{path} without token");
        let wrong = t
            .send(
                Request::get(path)
                    .header("authorization", "Bearer wrong-token-000000000")
                    .body(Body::empty())
                    .expect("req"),
            )
            .await;
        assert_eq!(wrong.status, 401, "{path} with a wrong token");
        assert_eq!(t.admin_get(path).await.status, 200, "{path} with the token");
    }
}

#[tokio::test]
async fn dashboard_shows_monitoring_tables() {
    let t = TestApp::new(&[]);
    t.get("/").await;
    let html = t.admin_get("/admin").await.text();
    assert!(html.contains("<h1>Monitoring</h1>"), "{html}");
    assert!(html.contains("<code>home.html</code>"), "{html}");
    assert!(html.contains("<code>SELECT notes</code>"), "{html}");
    assert!(html.contains("METRICS_SAMPLING_RATE"), "{html}");
}

#[tokio::test]
async fn config_endpoint_hides_the_token() {
    let t = TestApp::new(&[]);
    let reply = t.admin_get("/admin/config").await;
    let text = reply.text();
    assert!(!text.contains(crate::harness::ADMIN), "{text}");
    assert_eq!(
        reply.json()["settings"]["ADMIN_TOKEN"]["source"],
        "env:ADMIN_TOKEN"
    );
}
