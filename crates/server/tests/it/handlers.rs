//! Handlers in process: the whole router (`router(state).oneshot(…)`) over an in-memory SQLite
//! store and the embedded demo catalog — no port, no process. What only a real process shows
//! (restarts, kill -9, two servers, the browser) stays in crates/orfevre/tests.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use orfevre_commerce::{OrderStatus, Role};
use orfevre_server::{router, state, AppState, Config};
use orfevre_store::{Created, NewOrder};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub(crate) struct App {
    pub(crate) state: Arc<AppState>,
    _dir: tempfile::TempDir,
}

pub(crate) async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some("sqlite::memory:".into()),
        ..Config::default()
    };
    App { state: state(config, "http://shop.test".into()).await.unwrap(), _dir: dir }
}

impl Session {
    pub(crate) fn cookie(&self) -> &str {
        &self.cookie
    }
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A signed-in caller: the session cookie and its CSRF token.
pub(crate) struct Session {
    cookie: String,
    csrf: String,
    pub(crate) key: String,
}

pub(crate) async fn signed_in(a: &App, email: &str, role: Role) -> Session {
    let u = a.state.store.create_user(email, "not-a-hash", role).await.unwrap();
    let secret = a.state.store.create_session(&u.id, "csrf-token", Duration::from_secs(600)).await.unwrap();
    Session { cookie: format!("orfevre_session={secret}"), csrf: "csrf-token".into(), key: format!("user:{}", u.id) }
}

async fn call(
    a: &App,
    method: &str,
    uri: &str,
    who: Option<&Session>,
    body: Option<Value>,
) -> (StatusCode, String, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(s) = who {
        req = req.header(header::COOKIE, &s.cookie).header("x-csrf-token", &s.csrf);
    }
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = router(a.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, ct, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// An order made by `maker`, in `status`, straight in the store (its design saved first).
async fn order(a: &App, maker: &Session, status: OrderStatus) -> String {
    let hash = "ab".repeat(32);
    a.state.store.put_design(&hash, "2026.12.0", "{}", None).await.unwrap();
    let o = NewOrder {
        principal: maker.key.clone(),
        idempotency_key: orfevre_store::new_id("k"),
        request_hash: "h".into(),
        user_id: maker.key.strip_prefix("user:").map(String::from),
        token_id: None,
        quote_id: orfevre_store::new_id("quo_"),
        design_hash: hash,
        catalog_version: "2026.12.0".into(),
        total: "120.00".into(),
        currency: "EUR".into(),
        customer: json!({}),
        status,
    };
    match a.state.store.create_order(o, |_| "{}".into()).await.unwrap() {
        Created::New(o) => o.id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_published_catalog_is_served_from_the_embedded_demo() {
    let a = app().await;
    let (st, ct, body) = call(&a, "GET", "/api/v1/catalog", None, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ct, "application/json");
    assert_eq!(body["version"], "2026.12.0");
    assert!(body["bases"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn an_anonymous_order_is_401_before_its_missing_idempotency_key_is_noticed() {
    let a = app().await;
    let (st, ct, p) = call(&a, "POST", "/api/v1/orders", None, Some(json!({"quote": "q1.x.y"}))).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(ct, "application/problem+json");
    assert_eq!(p["type"], "urn:orfevre:problem:unauthorized");
}

#[tokio::test]
async fn unknown_paths_methods_and_hashes_are_problems_that_say_where() {
    let a = app().await;
    let (st, _, p) = call(&a, "GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!((st, p["type"].as_str()), (StatusCode::NOT_FOUND, Some("urn:orfevre:problem:not-found")));
    let (st, _, p) = call(&a, "PUT", "/api/v1/catalog", None, None).await;
    assert_eq!(
        (st, p["type"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("urn:orfevre:problem:method-not-allowed"))
    );
    let (st, _, p) = call(&a, "GET", "/api/v1/designs/not-a-hash", None, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["pointer"], "path:hash");
    let (st, _, p) = call(&a, "GET", "/api/v1/catalog/components?limit=501", None, None).await;
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (StatusCode::BAD_REQUEST, Some("query:limit")));
}

#[tokio::test]
async fn an_order_moves_as_its_lifecycle_allows_and_no_further() {
    let a = app().await;
    let shopper = signed_in(&a, "ines@example.com", Role::Shopper).await;
    let workshop = signed_in(&a, "bench@example.com", Role::Workshop).await;
    let admin = signed_in(&a, "boss@example.com", Role::Admin).await;
    let id = order(&a, &shopper, OrderStatus::AwaitingPayment).await;
    let to = |s: &str| Some(json!({ "status": s }));
    let uri = format!("/api/v1/orders/{id}/status");

    let (st, _, p) = call(&a, "POST", &uri, Some(&workshop), to("placed")).await;
    assert_eq!((st, p["detail"].as_str()), (StatusCode::FORBIDDEN, Some("only an admin marks an order paid")));
    let (st, _, p) = call(&a, "POST", &uri, Some(&admin), to("shipped")).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(p["next_statuses"], json!(["placed", "cancelled"]));
    let (st, _, p) = call(&a, "POST", &uri, Some(&admin), to("lost")).await;
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("/status")));

    let (st, _, o) = call(&a, "POST", &uri, Some(&admin), to("placed")).await;
    assert_eq!((st, o["status"].as_str()), (StatusCode::OK, Some("placed")));
    assert_eq!(o["history"].as_array().unwrap().len(), 2);
    let (st, _, o) = call(&a, "POST", &uri, Some(&workshop), to("in_production")).await;
    assert_eq!((st, o["next_statuses"].clone()), (StatusCode::OK, json!(["packed", "on_hold", "cancelled"])));
    let (st, _, p) = call(&a, "POST", &uri, Some(&shopper), to("cancelled")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a maker cancels only until production starts: {p}");
    // A hold stops the bench and resumes it; a held order is not packed.
    let (st, _, o) = call(&a, "POST", &uri, Some(&workshop), to("on_hold")).await;
    assert_eq!((st, o["next_statuses"].clone()), (StatusCode::OK, json!(["in_production", "cancelled"])));
    let (st, _, _) = call(&a, "POST", &uri, Some(&workshop), to("packed")).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _, o) = call(&a, "POST", &uri, Some(&workshop), to("in_production")).await;
    assert_eq!((st, o["status"].as_str()), (StatusCode::OK, Some("in_production")));

    let other = signed_in(&a, "someone@example.com", Role::Shopper).await;
    let (st, _, _) = call(&a, "GET", &format!("/api/v1/orders/{id}"), Some(&other), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "another shopper's order is not even acknowledged");
    let (st, _, list) = call(&a, "GET", "/api/v1/orders", Some(&workshop), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list[0]["history"].as_array().unwrap().len(), 5, "the list carries each order's history");
}

#[tokio::test]
async fn a_signed_in_write_without_its_csrf_token_is_refused() {
    let a = app().await;
    let s = signed_in(&a, "ines@example.com", Role::Admin).await;
    let no_csrf = Session { csrf: String::new(), ..s };
    let (st, _, p) = call(&a, "POST", "/api/v1/tokens", Some(&no_csrf), Some(json!({"name": "shop"}))).await;
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (StatusCode::FORBIDDEN, Some("header:x-csrf-token")));
}

#[tokio::test]
async fn the_served_openapi_document_is_the_one_the_golden_test_checks() {
    let a = app().await;
    let (st, _, served) = call(&a, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(served, serde_json::to_value(orfevre_server::routes::document()).unwrap());
    assert!(served["paths"]["/api/v1/orders/{id}/status"]["post"].is_object());
}
