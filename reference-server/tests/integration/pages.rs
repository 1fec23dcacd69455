//! Pages: home, note, feed, health, 404.

use crate::harness::{TestApp, date_filters};

#[tokio::test]
async fn home_lists_seeded_notes_newest_first() {
    let t = TestApp::new(&[]);
    let reply = t.get("/").await;
    reply.assert_ok_as("text/html; charset=utf-8");
    let html = reply.text();
    let newest = html.find("A new logo").expect("newest note shown");
    let oldest = html.find("Hello, world").expect("oldest note shown");
    assert!(newest < oldest, "newest first");
    insta::with_settings!({ filters => date_filters() }, {
        insta::assert_snapshot!("home_page", html);
    });
}

#[tokio::test]
async fn note_page_renders_markdown() {
    let t = TestApp::new(&[]);
    let reply = t.get("/notes/hello-world").await;
    assert_eq!(reply.status, 200);
    let html = reply.text();
    assert!(html.contains("<h2>What to expect</h2>"), "{html}");
    assert!(
        html.contains("<title>Hello, world · Field Notes</title>"),
        "{html}"
    );
}

#[tokio::test]
async fn missing_note_and_unknown_path_are_404_pages() {
    let t = TestApp::new(&[]);
    for path in ["/notes/no-such-note", "/no/such/page"] {
        let reply = t.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.text().contains("Not found"), "{path}");
    }
}

#[tokio::test]
async fn feed_is_valid_rss_with_every_note() {
    let t = TestApp::new(&[("SITE_URL", "https://blog.example")]);
    let reply = t.get("/feed.xml").await;
    reply.assert_ok_as("application/rss+xml; charset=utf-8");
    let channel = rss::Channel::read_from(&reply.body[..]).expect("valid RSS");
    assert_eq!(channel.items().len(), 4);
    assert_eq!(
        channel.items()[0].link(),
        Some("https://blog.example/notes/a-new-logo")
    );
    insta::with_settings!({ filters => date_filters() }, {
        insta::assert_snapshot!("feed", reply.text());
    });
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let t = TestApp::new(&[]);
    let reply = t.get("/health").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["database"], "ok");
}

#[tokio::test]
async fn pages_link_every_theme_asset() {
    let t = TestApp::new(&[]);
    let html = t.get("/").await.text();
    for asset in [
        "/static/css/style.css",
        "/static/js/app.js",
        "/static/favicon.ico",
        "/static/img/logo.svg",
        "/static/site.webmanifest",
        "/static/img/logo.png",
        "/static/img/large.png",
        "/static/img/photo-480.png",
    ] {
        assert!(html.contains(asset), "home page links {asset}");
        let reply = t.get(asset).await;
        assert_eq!(reply.status, 200, "{asset}");
    }
}
