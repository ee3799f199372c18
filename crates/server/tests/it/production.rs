//! The job bag over HTTP: `GET /api/v1/orders/{id}/job.zip` for the workshop, built from the
//! order's stored design and catalog version.

use crate::handlers::{app, signed_in, App, Session};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use orfevre_commerce::{OrderStatus, Role};
use orfevre_engine::Design;
use orfevre_store::{Created, NewOrder};
use serde_json::{json, Value};
use std::io::Read;
use tower::ServiceExt;

/// An order of the demo's example design `example`, in `status`, straight in the store.
async fn order_of(a: &App, maker: &Session, example: &str, status: OrderStatus) -> (String, String) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../catalogs/demo/examples/{example}.json"));
    let d = Design::from_json(&std::fs::read(path).unwrap()).unwrap();
    let hash = d.hash();
    a.state.store.put_design(&hash, &d.catalog.version, &serde_json::to_string(&d).unwrap(), None).await.unwrap();
    let o = NewOrder {
        principal: maker.key.clone(),
        idempotency_key: orfevre_store::new_id("k"),
        request_hash: "h".into(),
        user_id: maker.key.strip_prefix("user:").map(String::from),
        token_id: None,
        quote_id: orfevre_store::new_id("quo_"),
        design_hash: hash.clone(),
        catalog_version: d.catalog.version.clone(),
        total: "120.00".into(),
        currency: "EUR".into(),
        customer: json!({}),
        status,
    };
    match a.state.store.create_order(o, |_| "{}".into()).await.unwrap() {
        Created::New(o) => (o.id, hash),
        other => panic!("{other:?}"),
    }
}

async fn get(a: &App, uri: &str, who: &Session) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder().uri(uri).header(header::COOKIE, who.cookie()).body(Body::empty()).unwrap();
    let res = orfevre_server::router(a.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, axum::body::to_bytes(res.into_body(), 32 << 20).await.unwrap().to_vec())
}

fn entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut out = Vec::new();
    f.read_to_end(&mut out).unwrap();
    out
}

#[tokio::test]
async fn the_workshop_downloads_a_paid_orders_job_bag_built_from_its_design() {
    let a = app().await;
    let shopper = signed_in(&a, "lea@example.com", Role::Shopper).await;
    let workshop = signed_in(&a, "atelier@example.com", Role::Workshop).await;
    let (id, hash) = order_of(&a, &shopper, "valid-engraved-pendant", OrderStatus::Placed).await;
    let (st, ct, body) = get(&a, &format!("/api/v1/orders/{id}/job.zip"), &workshop).await;
    assert_eq!((st, ct.as_str()), (StatusCode::OK, "application/zip"), "{}", String::from_utf8_lossy(&body));
    let m: Value = serde_json::from_slice(&entry(&body, "manifest.json")).unwrap();
    assert_eq!(m["order"], id.as_str());
    assert_eq!(m["design_hash"], hash.as_str());
    assert_eq!(m["catalog"]["version"], "2026.12.0");
    for name in ["assembly.pdf", "pick-list.csv", "engraving/engraving.gcode", "engraving/engraving.dxf"] {
        assert!(m["files"][name].is_string(), "{name} missing from {m}");
    }
    assert!(entry(&body, "assembly.pdf").starts_with(b"%PDF-"));
    // US Letter on request; an unknown paper is refused at its query parameter.
    let (st, _, letter) = get(&a, &format!("/api/v1/orders/{id}/job.zip?paper=letter"), &workshop).await;
    assert_eq!(st, StatusCode::OK);
    let m: Value = serde_json::from_slice(&entry(&letter, "manifest.json")).unwrap();
    assert_eq!(m["paper"], "letter");
    let (st, ct, p) = get(&a, &format!("/api/v1/orders/{id}/job.zip?paper=a3"), &workshop).await;
    let p: Value = serde_json::from_slice(&p).unwrap();
    assert_eq!((st, ct.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "application/problem+json"));
    assert_eq!(p["errors"][0]["pointer"], "query:paper");
}

#[tokio::test]
async fn an_unpaid_or_cancelled_order_has_no_job_and_a_shopper_none_at_all() {
    let a = app().await;
    let shopper = signed_in(&a, "lea@example.com", Role::Shopper).await;
    let workshop = signed_in(&a, "atelier@example.com", Role::Workshop).await;
    for status in [OrderStatus::AwaitingPayment, OrderStatus::Cancelled] {
        let (id, _) = order_of(&a, &shopper, "valid-moments-bracelet", status).await;
        let (st, ct, p) = get(&a, &format!("/api/v1/orders/{id}/job.zip"), &workshop).await;
        let p: Value = serde_json::from_slice(&p).unwrap();
        assert_eq!((st, ct.as_str()), (StatusCode::CONFLICT, "application/problem+json"), "{status}");
        assert_eq!(p["status"], status.to_string());
        assert!(p["detail"].as_str().unwrap().contains("paid orders only"), "{p}");
    }
    let (id, _) = order_of(&a, &shopper, "valid-moments-bracelet", OrderStatus::Placed).await;
    let (st, _, _) = get(&a, &format!("/api/v1/orders/{id}/job.zip"), &shopper).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = get(&a, "/api/v1/orders/ord_nothing/job.zip", &workshop).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

async fn post(a: &App, uri: &str, who: &Session, body: Value) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, who.cookie())
        .header("x-csrf-token", who.csrf())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = orfevre_server::router(a.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, axum::body::to_bytes(res.into_body(), 32 << 20).await.unwrap().to_vec())
}

#[tokio::test]
async fn paid_pendants_go_on_a_plate_and_the_others_are_listed_with_the_reason() {
    let a = app().await;
    let shopper = signed_in(&a, "lea@example.com", Role::Shopper).await;
    let workshop = signed_in(&a, "atelier@example.com", Role::Workshop).await;
    let (paid, _) = order_of(&a, &shopper, "valid-engraved-pendant", OrderStatus::Placed).await;
    let (unpaid, _) = order_of(&a, &shopper, "valid-engraved-pendant", OrderStatus::AwaitingPayment).await;
    let (bracelet, _) = order_of(&a, &shopper, "valid-moments-bracelet", OrderStatus::InProduction).await;
    let body = json!({ "orders": [paid, unpaid, bracelet], "jig": "pendant-plate" });
    let (st, ct, zip) = post(&a, "/api/v1/production/plates", &workshop, body).await;
    assert_eq!((st, ct.as_str()), (StatusCode::OK, "application/zip"), "{}", String::from_utf8_lossy(&zip));
    let report: Value = serde_json::from_slice(&entry(&zip, "plate.json")).unwrap();
    assert_eq!(report["placed"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["placed"][0]["job"], format!("{paid}-1"));
    let reasons: Vec<&str> = report["left"].as_array().unwrap().iter().map(|l| l["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["the order is awaiting_payment", "nothing to engrave"]);
    assert!(String::from_utf8(entry(&zip, "plate.gcode")).unwrap().contains(&format!("; part {paid}-1")));
    // An unknown jig is refused where it is named; a shopper has no plates.
    let (st, _, p) = post(&a, "/api/v1/production/plates", &workshop, json!({ "orders": [paid], "jig": "nope" })).await;
    let p: Value = serde_json::from_slice(&p).unwrap();
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("/jig")), "{p}");
    let (st, _, _) =
        post(&a, "/api/v1/production/plates", &shopper, json!({ "orders": [paid], "jig": "pendant-plate" })).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}
