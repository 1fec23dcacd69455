//! Micropub writes, with the IndieAuth token endpoint mocked by wiremock.

use axum::body::Body;
use axum::http::Request;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::TestApp;

const SITE: &str = "https://blog.example";
const GOOD: &str = "good-token";

/// A token endpoint that knows one token with `create` scope and rejects the rest.
async fn token_endpoint(scope: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", format!("Bearer {GOOD}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "me": format!("{SITE}/"), "client_id": "https://client.example/", "scope": scope,
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "invalid_token"})),
        )
        .mount(&server)
        .await;
    server
}

/// An app at `SITE` whose token endpoint knows `GOOD` with `scope`, and that endpoint
/// (keep it: the app asks it on every write).
async fn app_for(scope: &str) -> (MockServer, TestApp) {
    let server = token_endpoint(scope).await;
    let app = TestApp::new(&[("TOKEN_ENDPOINT", &server.uri()), ("SITE_URL", SITE)]);
    (server, app)
}

fn form_post(token: Option<&str>, body: &str) -> Request<Body> {
    let mut request =
        Request::post("/micropub").header("content-type", "application/x-www-form-urlencoded");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::from(body.to_owned())).expect("request")
}

fn json_post(token: &str, body: serde_json::Value) -> Request<Body> {
    Request::post("/micropub")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[tokio::test]
async fn form_post_creates_a_note() {
    let (_endpoint, t) = app_for("create update").await;
    let reply = t
        .send(form_post(
            Some(GOOD),
            "h=entry&name=Fresh+note&content=Hello+*there*",
        ))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some("https://blog.example/notes/fresh-note")
    );
    let page = t.get("/notes/fresh-note").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<em>there</em>"));
    assert!(
        t.get("/").await.text().contains("Fresh note"),
        "home lists the new note first"
    );
}

#[tokio::test]
async fn json_post_creates_a_note() {
    let (_endpoint, t) = app_for("create").await;
    let body = serde_json::json!({"type": ["h-entry"], "properties": {"content": ["From JSON"], "mp-slug": ["json-note"]}});
    let reply = t.send(json_post(GOOD, body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some("https://blog.example/notes/json-note")
    );
    assert!(t.get("/notes/json-note").await.text().contains("From JSON"));
}

#[tokio::test]
async fn access_token_in_form_body_is_accepted() {
    let (_endpoint, t) = app_for("create").await;
    let reply = t
        .send(form_post(
            None,
            &format!("h=entry&content=hi&access_token={GOOD}"),
        ))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
}

#[tokio::test]
async fn missing_or_rejected_tokens_are_401() {
    let (_endpoint, t) = app_for("create").await;
    let missing = t.send(form_post(None, "h=entry&content=hi")).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    let rejected = t
        .send(form_post(Some("stolen-token"), "h=entry&content=hi"))
        .await;
    assert_eq!(rejected.status, 401);
    assert!(
        rejected.text().contains("token rejected"),
        "{}",
        rejected.text()
    );
}

#[tokio::test]
async fn token_without_create_scope_is_403() {
    let (_endpoint, t) = app_for("read").await;
    let reply = t.send(form_post(Some(GOOD), "h=entry&content=hi")).await;
    assert_eq!(reply.status, 403, "{}", reply.text());
}

#[tokio::test]
async fn bad_input_is_400_naming_the_field() {
    let (_endpoint, t) = app_for("create").await;
    for (body, field) in [
        ("h=entry", "content"),
        ("content=x", "h"),
        ("h=entry&content=x&published=soon", "published"),
    ] {
        let reply = t.send(form_post(Some(GOOD), body)).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(
            reply.json()["error_description"]
                .as_str()
                .unwrap_or_default()
                .starts_with(field),
            "{body}: {}",
            reply.text()
        );
    }
    let reply = t
        .send(json_post(
            GOOD,
            serde_json::json!({"type": ["h-entry"], "properties": {}}),
        ))
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("content"), "{}", reply.text());
    let unsupported = t
        .send(
            Request::post("/micropub")
                .header("content-type", "text/plain")
                .header("authorization", format!("Bearer {GOOD}"))
                .body(Body::from("x"))
                .expect("req"),
        )
        .await;
    assert_eq!(unsupported.status, 400);
    assert!(unsupported.text().contains("Content-Type"));
}

#[tokio::test]
async fn micropub_without_token_endpoint_is_503() {
    let t = TestApp::new(&[]);
    let reply = t.send(form_post(Some(GOOD), "h=entry&content=hi")).await;
    assert_eq!(reply.status, 503);
    assert!(reply.text().contains("TOKEN_ENDPOINT"), "{}", reply.text());
}

#[tokio::test]
async fn duplicate_titles_get_distinct_slugs() {
    let (_endpoint, t) = app_for("create").await;
    for expected in ["twice", "twice-2"] {
        let reply = t
            .send(form_post(Some(GOOD), "h=entry&name=Twice&content=x"))
            .await;
        assert_eq!(
            reply.header("location"),
            Some(format!("{SITE}/notes/{expected}").as_str())
        );
    }
}

/// Guards regression `any-bearer-token` (micropub-write's 401 step): without the
/// switch a token the endpoint does not know is refused; with it, any token creates a
/// note and the token endpoint is never asked.
#[tokio::test]
async fn any_bearer_token_accepts_a_stolen_token_without_asking() {
    let (_endpoint, fixed) = app_for("create").await;
    let refused = fixed
        .send(form_post(Some("stolen-token"), "h=entry&content=hi"))
        .await;
    assert_eq!(refused.status, 401, "{}", refused.text());

    let silent = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(0)
        .named("the token endpoint, which must not be asked")
        .mount(&silent)
        .await;
    let broken = TestApp::new(&[
        ("TOKEN_ENDPOINT", &silent.uri()),
        ("SITE_URL", SITE),
        ("REFSERVER_REGRESSIONS", "any-bearer-token"),
    ]);
    let reply = broken
        .send(form_post(
            Some("stolen-token"),
            "h=entry&content=Stolen&mp-slug=stolen",
        ))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some("https://blog.example/notes/stolen"),
        "as if issued to SITE_URL"
    );
    assert!(broken.get("/notes/stolen").await.text().contains("Stolen"));
    // The query endpoint trusts it too; only a missing token is still refused.
    let config = broken
        .send(
            Request::get("/micropub?q=config")
                .header("authorization", "Bearer anything-at-all")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(config.status, 200, "{}", config.text());
    let missing = broken.send(form_post(None, "h=entry&content=hi")).await;
    assert_eq!(missing.status, 401);
    silent.verify().await;
}

/// Guards regression `accept-empty-note` (micropub-write's 400 step): without the
/// switch an entry without content is 400 naming `content`; with it, an empty note is
/// created and served.
#[tokio::test]
async fn accept_empty_note_creates_an_entry_without_content() {
    let (server, fixed) = app_for("create").await;
    let refused = fixed.send(form_post(Some(GOOD), "h=entry")).await;
    assert_eq!(refused.status, 400, "{}", refused.text());

    let broken = TestApp::new(&[
        ("TOKEN_ENDPOINT", &server.uri()),
        ("SITE_URL", SITE),
        ("REFSERVER_REGRESSIONS", "accept-empty-note"),
    ]);
    let reply = broken.send(form_post(Some(GOOD), "h=entry")).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some("https://blog.example/notes/note")
    );
    assert_eq!(broken.get("/notes/note").await.status, 200);
    let json = broken
        .send(json_post(
            GOOD,
            serde_json::json!({"type": ["h-entry"], "properties": {}}),
        ))
        .await;
    assert_eq!(json.status, 201, "{}", json.text());
    // The token is still checked: only the content rule is broken.
    let stolen = broken
        .send(form_post(Some("stolen-token"), "h=entry"))
        .await;
    assert_eq!(stolen.status, 401);
}
