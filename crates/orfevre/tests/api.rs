//! The HTTP API end to end: the real binary on a random port, each suite on SQLite and on
//! PostgreSQL (see `common`).

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn post_json(s: &Server, c: &reqwest::blocking::Client, path: &str, body: &[u8]) -> (u16, Value) {
    json(s.post(c, path).header("content-type", "application/json").body(body.to_vec()).send().unwrap())
}

/// Design → evaluate → save → fetch → quote → order (idempotent) → status changes.
fn design_to_order(db: &Db) {
    add_user(db, "admin@lumen.test", "admin");
    add_user(db, "atelier@lumen.test", "workshop");
    let s = Server::start(db, &[]);
    let c = client();
    let design = example("valid-moments-bracelet.json");

    let (st, ev) = post_json(&s, &c, "/api/v1/designs/evaluate", &design);
    assert_eq!(st, 200);
    assert_eq!(ev["evaluation"]["valid"], true, "{ev}");
    assert!(ev.get("choices").is_none());
    let (st, ev2) = post_json(&s, &c, "/api/v1/designs/evaluate?currency=USD&choices=true", &design);
    assert_eq!(st, 200);
    assert_eq!(ev2["evaluation"]["price"]["currency"], "USD");
    assert!(ev2["choices"].as_array().is_some_and(|a| !a.is_empty()), "choices reported");

    // One choice: the candidates for the strand's first section.
    let body = format!(
        r#"{{"design": {}, "choice": {{"kind": "insert", "mount": "strand", "section": 0}}}}"#,
        String::from_utf8_lossy(&design)
    );
    let (st, one) = post_json(&s, &c, "/api/v1/designs/choice", body.as_bytes());
    assert_eq!(st, 200, "{one}");
    assert_eq!(one["choice"], ev2["choices"][0]["choice"]);
    assert_eq!(one["candidates"], ev2["choices"][0]["candidates"], "the same verdicts as the full report");
    let (st, p) =
        post_json(&s, &c, "/api/v1/designs/choice", br#"{"design": {"base": 1}, "choice": {"kind": "size"}}"#);
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (422, Some("/design/base")), "{p}");
    let (st, p) = post_json(&s, &c, "/api/v1/designs/choice", br#"{"design": {}, "choice": {"kind": "pick"}}"#);
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (422, Some("/choice/kind")), "{p}");

    let (st, saved) = post_json(&s, &c, "/api/v1/designs", &design);
    assert_eq!(st, 201, "{saved}");
    let hash = saved["hash"].as_str().unwrap().to_string();
    assert_eq!(hash, ev["evaluation"]["design_hash"]);
    assert_eq!(saved["share_url"], format!("{}/d/{hash}", s.url));
    let (st, again) = post_json(&s, &c, "/api/v1/designs", &design);
    assert_eq!((st, &again["hash"]), (200, &saved["hash"]), "saving twice is idempotent");
    let (st, got) = json(s.get(&c, &format!("/api/v1/designs/{hash}")).send().unwrap());
    assert_eq!(st, 200);
    assert_eq!(got["design"], saved["design"]);
    assert_eq!(got["valid"], true);

    // An invalid design is saved (work in progress can be shared) but cannot be quoted.
    let (st, bad) = post_json(&s, &c, "/api/v1/designs", &example("invalid-capacity.json"));
    assert_eq!(st, 201);
    assert_eq!(bad["valid"], false);
    let (st, p) = json(s.post(&c, "/api/v1/quotes").json(&json!({"design": bad["hash"]})).send().unwrap());
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["type"], "urn:orfevre:problem:invalid-design");
    assert!(p["violations"].as_array().is_some_and(|v| !v.is_empty()));

    let (st, q) = json(s.post(&c, "/api/v1/quotes").json(&json!({"design": hash, "currency": "GBP"})).send().unwrap());
    assert_eq!(st, 201, "{q}");
    assert_eq!(q["claims"]["currency"], "GBP");
    assert_eq!(q["line_item_properties"]["_design"], hash.as_str());
    let token = q["quote"].as_str().unwrap().to_string();
    let (st, claims) = json(s.post(&c, "/api/v1/quotes/verify").json(&json!({"quote": token})).send().unwrap());
    assert_eq!(st, 200);
    assert_eq!(claims["design"], hash.as_str());
    let (_, ev_gbp) = post_json(&s, &c, "/api/v1/designs/evaluate?currency=GBP", &design);
    assert_eq!(
        claims["total"], ev_gbp["evaluation"]["price"]["total"]["amount"],
        "the quote carries the evaluated total"
    );

    // A shop integration token places the order.
    let admin = login(&s, "admin@lumen.test");
    let bearer = shop_token(&s, &admin);
    let order_body = json!({"quote": token, "customer": {"name": "Léa Martin", "email": "lea@example.com"}});
    let place = |key: &str, body: &Value| {
        s.post(&c, "/api/v1/orders")
            .header("authorization", &bearer)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .unwrap()
    };
    let r = place("order-1", &order_body);
    assert!(r.headers().get("idempotent-replayed").is_none());
    let (st, order) = json(r);
    assert_eq!(st, 201, "{order}");
    assert_eq!(order["status"], "placed");
    assert_eq!(order["total"], claims["total"]);
    assert_eq!(order["currency"], "GBP");
    let r = place("order-1", &order_body);
    assert_eq!(r.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let (st, replay) = json(r);
    assert_eq!((st, &replay["id"]), (201, &order["id"]), "same key, same order");
    let mut other = order_body.clone();
    other["customer"]["name"] = json!("Someone Else");
    let (st, p) = json(place("order-1", &other));
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["type"], "urn:orfevre:problem:idempotency-key-reused");
    assert_eq!(p["errors"][0]["pointer"], "header:idempotency-key");
    let (st, p) = json(place("order-2", &order_body));
    assert_eq!(st, 409, "one order per quote: {p}");
    assert_eq!(p["order_id"], order["id"]);
    let (st, p) = json(s.post(&c, "/api/v1/orders").header("authorization", &bearer).json(&order_body).send().unwrap());
    assert_eq!(st, 400);
    assert_eq!(p["errors"][0]["pointer"], "header:idempotency-key");

    // The workshop moves it on; illegal moves are refused with the allowed ones.
    let id = order["id"].as_str().unwrap();
    let ws = login(&s, "atelier@lumen.test");
    let set = |to: &str| {
        json(
            ws.client
                .post(format!("{}/api/v1/orders/{id}/status", s.url))
                .header("x-csrf-token", &ws.csrf)
                .json(&json!({"status": to}))
                .send()
                .unwrap(),
        )
    };
    let (st, p) = set("delivered");
    assert_eq!(st, 409, "{p}");
    assert_eq!(p["next_statuses"], json!(["in_production", "on_hold", "cancelled"]));
    for to in ["in_production", "packed", "shipped", "delivered"] {
        let (st, o) = set(to);
        assert_eq!(st, 200, "{o}");
        assert_eq!(o["status"], to);
    }
    let (st, o) = json(s.get(&c, &format!("/api/v1/orders/{id}")).header("authorization", &bearer).send().unwrap());
    assert_eq!(st, 200);
    let history: Vec<&str> = o["history"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(history, ["placed", "in_production", "packed", "shipped", "delivered"]);
    let (st, list) = json(s.get(&c, "/api/v1/orders").header("authorization", &bearer).send().unwrap());
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
}
both!(design_to_order);

/// Every 4xx is problem+json naming the field at fault; nothing is written on error.
fn bad_input(db: &Db) {
    let s = Server::start(db, &[]);
    let c = client();
    /// (path, content type, body, status, problem slug, pointer of the first error).
    type Case<'a> = (&'a str, &'a str, &'a [u8], u16, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("/api/v1/designs/evaluate", "application/json", b"{\"base\": ", 400, "malformed-json", ""),
        (
            "/api/v1/designs/evaluate",
            "application/json",
            b"{\"catalog\":{\"id\":\"maison-lumen\",\"version\":\"2026.12.0\"},\"base\":7}",
            422,
            "invalid-design",
            "/base",
        ),
        (
            "/api/v1/designs/evaluate",
            "application/json",
            b"{\"catalog\":{\"id\":\"maison-lumen\",\"version\":\"2026.12.0\"},\"base\":\"b\",\"colour\":1}",
            422,
            "invalid-design",
            "",
        ),
        // A value of the wrong kind for the base's field: malformed, at its pointer.
        (
            "/api/v1/designs/evaluate",
            "application/json",
            b"{\"catalog\":{\"id\":\"maison-lumen\",\"version\":\"2026.12.0\"},\"base\":\"engraved-pendant\",\"fields\":{\"engraving\":{\"choice\":\"ASB\"}}}",
            422,
            "invalid-design",
            "/fields/engraving/choice",
        ),
        (
            "/api/v1/designs/choice",
            "application/json",
            b"{\"design\":{\"catalog\":{\"id\":\"maison-lumen\",\"version\":\"2026.12.0\"},\"base\":\"engraved-pendant\",\"fields\":{\"packaging\":{\"text\":\"box\"}}},\"choice\":{\"kind\":\"size\"}}",
            422,
            "invalid-design",
            "/design/fields/packaging/text",
        ),
        ("/api/v1/designs/evaluate", "text/plain", b"{}", 415, "unsupported-media-type", "header:content-type"),
        (
            "/api/v1/designs",
            "application/json",
            b"{\"catalog\":{\"id\":\"maison-lumen\",\"version\":\"1999.1\"},\"base\":\"moments-bracelet\"}",
            422,
            "unknown-catalog",
            "/catalog/version",
        ),
        ("/api/v1/quotes", "application/json", b"{\"design\": \"abc\"}", 400, "design-hash", "/design"),
        (
            "/api/v1/quotes",
            "application/json",
            b"{\"design\": \"0000000000000000000000000000000000000000000000000000000000000000\"}",
            404,
            "not-found",
            "/design",
        ),
        ("/api/v1/quotes", "application/json", b"{\"design\": \"x\", \"price\": 1}", 422, "validation", ""),
        ("/api/v1/quotes/verify", "application/json", b"{\"quote\": \"q1.e30.AAAA\"}", 422, "invalid-quote", "/quote"),
        (
            "/api/v1/accounts",
            "application/json",
            b"{\"email\": \"lea@example.com\", \"password\": \"short\"}",
            422,
            "validation",
            "/password",
        ),
        (
            "/api/v1/accounts",
            "application/json",
            b"{\"email\": \"not-an-email\", \"password\": \"long enough password\"}",
            422,
            "validation",
            "/email",
        ),
        ("/api/v1/accounts", "application/json", b"{\"email\": 5}", 422, "validation", "/email"),
    ];
    for (path, ct, body, status, slug, pointer) in cases {
        let (st, p) = json(s.post(&c, path).header("content-type", ct).body(body.to_vec()).send().unwrap());
        assert_eq!(st, status, "{path} {}: {p}", String::from_utf8_lossy(body));
        assert_eq!(p["type"], format!("urn:orfevre:problem:{slug}"), "{p}");
        assert_eq!(p["status"], status);
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()));
        if !pointer.is_empty() {
            assert_eq!(p["errors"][0]["pointer"], pointer, "{path}: {p}");
        }
    }
    // Unknown fields are named.
    let (_, p) = post_json(&s, &c, "/api/v1/quotes", b"{\"design\": \"x\", \"price\": 1}");
    assert!(p["detail"].as_str().unwrap().contains("unknown field `price`"), "{p}");
    // Body limits: a design over 256 KiB, a JSON body over 256 KiB.
    let big = vec![b' '; 300 * 1024];
    let (st, p) = post_json(&s, &c, "/api/v1/designs/evaluate", &big);
    assert_eq!((st, p["type"].as_str().unwrap()), (413, "urn:orfevre:problem:payload-too-large"));
    let (st, _) = post_json(&s, &c, "/api/v1/accounts", &big);
    assert_eq!(st, 413);
    // A tampered quote is refused; nothing was ordered.
    let (_, q) = quote_for(&s, &c, &example("valid-locket.json"));
    let (claims, sig) = q.rsplit_once('.').unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut v: Value = serde_json::from_slice(&b64.decode(claims.strip_prefix("q1.").unwrap()).unwrap()).unwrap();
    v["total"] = json!("1.00");
    let forged = format!("q1.{}.{sig}", b64.encode(serde_json::to_vec(&v).unwrap()));
    let (st, p) = post_json(&s, &c, "/api/v1/quotes/verify", json!({"quote": forged}).to_string().as_bytes());
    assert_eq!(st, 422);
    assert!(p["detail"].as_str().unwrap().contains("signature"), "{p}");
    // Unknown routes and methods.
    let (st, _) = json(s.get(&c, "/api/v1/nothing").send().unwrap());
    assert_eq!(st, 404);
    let (st, _) = json(c.put(format!("{}/api/v1/designs/evaluate", s.url)).send().unwrap());
    assert_eq!(st, 405);
}
both!(bad_input);

/// Shopper accounts: register, sessions, CSRF, my designs, wrong passwords.
fn accounts(db: &Db) {
    let s = Server::start(db, &[]);
    let c = reqwest::blocking::Client::builder().cookie_store(true).build().unwrap();
    let (st, me) = json(
        s.post(&c, "/api/v1/accounts")
            .json(&json!({"email": " Lea@Example.com ", "password": PASSWORD}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201, "{me}");
    assert_eq!(me["email"], "lea@example.com");
    assert_eq!(me["role"], "shopper");
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let (st, p) = json(
        s.post(&c, "/api/v1/accounts").json(&json!({"email": "lea@example.com", "password": PASSWORD})).send().unwrap(),
    );
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (409, Some("/email")));
    // Signed-in writes need the CSRF token.
    let design = example("valid-name-bracelet.json");
    let r =
        s.post(&c, "/api/v1/designs").header("content-type", "application/json").body(design.clone()).send().unwrap();
    let (st, p) = json(r);
    assert_eq!((st, p["type"].as_str().unwrap()), (403, "urn:orfevre:problem:csrf"));
    let r = s
        .post(&c, "/api/v1/designs")
        .header("content-type", "application/json")
        .header("x-csrf-token", &csrf)
        .body(design)
        .send()
        .unwrap();
    let (st, saved) = json(r);
    assert_eq!(st, 201);
    let (st, mine) = json(s.get(&c, "/api/v1/me/designs").send().unwrap());
    assert_eq!(st, 200);
    assert_eq!(mine[0]["hash"], saved["hash"]);
    assert_eq!(mine[0]["base"], "name-bracelet");
    let (st, who) = json(s.get(&c, "/api/v1/session").send().unwrap());
    assert_eq!((st, &who["email"]), (200, &json!("lea@example.com")));
    let (st, _) = json(c.delete(format!("{}/api/v1/session", s.url)).header("x-csrf-token", &csrf).send().unwrap());
    assert_eq!(st, 204);
    let (st, _) = json(s.get(&c, "/api/v1/session").send().unwrap());
    assert_eq!(st, 401, "signed out");
    let (st, p) = json(
        s.post(&c, "/api/v1/session")
            .json(&json!({"email": "lea@example.com", "password": "wrong password!"}))
            .send()
            .unwrap(),
    );
    assert_eq!((st, p["type"].as_str().unwrap()), (401, "urn:orfevre:problem:bad-credentials"));
    let (st, _) = json(
        s.post(&c, "/api/v1/session")
            .json(&json!({"email": "nobody@example.com", "password": PASSWORD}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 401);
    let (st, _) = json(
        s.post(&c, "/api/v1/session").json(&json!({"email": "lea@example.com", "password": PASSWORD})).send().unwrap(),
    );
    assert_eq!(st, 200);
}
both!(accounts);

/// Every endpoint × every role and anonymous, with the expected status.
fn authorization_matrix(db: &Db) {
    for (email, role) in [
        ("admin@t.test", "admin"),
        ("merch@t.test", "merchandiser"),
        ("atelier@t.test", "workshop"),
        ("designer@t.test", "designer"),
        ("shopper@t.test", "shopper"),
        ("other@t.test", "shopper"),
    ] {
        add_user(db, email, role);
    }
    let s = Server::start(db, &[]);
    let anon = client();
    let admin = login(&s, "admin@t.test");
    let bearer = shop_token(&s, &admin);
    let (_, hook) = json(
        admin
            .client
            .post(format!("{}/api/v1/webhooks", s.url))
            .header("x-csrf-token", &admin.csrf)
            .json(&json!({"url": "http://127.0.0.1:9/hook"}))
            .send()
            .unwrap(),
    );
    let hook = hook["id"].as_str().unwrap().to_string();
    // An order made by `shopper@t.test`.
    let shopper = login(&s, "shopper@t.test");
    let (_, q) = quote_for(&s, &anon, &example("valid-moments-bracelet.json"));
    let (st, order) = json(
        shopper
            .client
            .post(format!("{}/api/v1/orders", s.url))
            .header("x-csrf-token", &shopper.csrf)
            .header("idempotency-key", "k1")
            .json(&json!({"quote": q}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201, "{order}");
    let order = order["id"].as_str().unwrap().to_string();
    let design = String::from_utf8(example("valid-locket.json")).unwrap();
    let hash = order_design_hash(&s, &anon, &design);
    // A made piece of another order of `shopper@t.test`, with an NFC tag.
    let workshop = login(&s, "atelier@t.test");
    let made_order = order_in_production(&s, &shopper, &admin, &workshop, "valid-locket.json");
    let (st, piece) = send_json(
        &workshop,
        "POST",
        format!("{}/api/v1/orders/{made_order}/pieces", s.url),
        &json!({"tag_uid": "04000000000001"}),
    );
    assert_eq!(st, 201, "{piece}");
    let serial = piece["serial"].as_str().unwrap().to_string();
    let p = format!("/api/v1/pieces/{serial}");

    type Who = &'static str;
    let who: [Who; 8] =
        ["anonymous", "shopper", "other-shopper", "admin", "merchandiser", "workshop", "designer", "integration"];
    let sessions: Vec<Option<Session>> = who
        .iter()
        .map(|w| match *w {
            "anonymous" | "integration" => None,
            "shopper" => Some(login(&s, "shopper@t.test")),
            "other-shopper" => Some(login(&s, "other@t.test")),
            "admin" => Some(login(&s, "admin@t.test")),
            "merchandiser" => Some(login(&s, "merch@t.test")),
            "workshop" => Some(login(&s, "atelier@t.test")),
            "designer" => Some(login(&s, "designer@t.test")),
            _ => unreachable!(),
        })
        .collect();
    // (method, path, body, expected status per principal in `who` order). Bodies are chosen so
    // that an authorised call succeeds or fails only on its input, never on a side effect of
    // an earlier row (e.g. the transitions use a status the order cannot reach: 409).
    let upload = json!({"files": {"brand.toml": "not toml ="}}).to_string();
    let rows: Vec<(&str, String, Option<String>, [u16; 8])> = vec![
        ("GET", "/api/v1/catalog".into(), None, [200; 8]),
        ("GET", "/api/v1/catalog/bases".into(), None, [200; 8]),
        ("GET", "/api/v1/catalog/bases/moments-bracelet".into(), None, [200; 8]),
        ("GET", "/api/v1/catalog/components?family=moments".into(), None, [200; 8]),
        ("GET", "/api/v1/catalog/components/MO-CH-HEART-LOVE".into(), None, [200; 8]),
        ("GET", "/api/v1/catalog/art/art/mo-ch-heart-love.svg".into(), None, [200; 8]),
        ("GET", "/api/v1/catalog/versions".into(), None, [401, 403, 403, 200, 200, 403, 403, 403]),
        ("POST", "/api/v1/catalog/versions".into(), Some(upload), [401, 403, 403, 422, 422, 403, 403, 403]),
        (
            "POST",
            "/api/v1/catalog/versions/0.0.0/publish".into(),
            Some(String::new()),
            [401, 403, 403, 404, 404, 403, 403, 403],
        ),
        ("GET", "/api/v1/catalog/versions/0.0.0/sources".into(), None, [401, 403, 403, 404, 404, 403, 403, 403]),
        (
            "POST",
            "/api/v1/catalog/versions/0.0.0/metal-prices".into(),
            Some(json!({"version": "0.0.1", "prices": {}}).to_string()),
            [401, 403, 403, 404, 404, 403, 403, 403],
        ),
        ("POST", "/api/v1/designs/evaluate".into(), Some(design.clone()), [200; 8]),
        ("POST", "/api/v1/designs/spell".into(), Some(json!({"text": "Léa"}).to_string()), [200; 8]),
        (
            "POST",
            "/api/v1/engraving/preview".into(),
            Some(json!({"base": "engraved-pendant", "field": "engraving", "text": ""}).to_string()),
            [200; 8],
        ),
        (
            "POST",
            "/api/v1/designs/choice".into(),
            Some(format!(r#"{{"design": {design}, "choice": {{"kind": "size"}}}}"#)),
            [200; 8],
        ),
        ("POST", "/api/v1/designs".into(), Some(design.clone()), [200; 8]),
        ("GET", format!("/api/v1/designs/{hash}"), None, [200; 8]),
        // A locket has no 3D model: every caller gets the same explanation.
        ("POST", "/api/v1/designs/model".into(), Some(design.clone()), [422; 8]),
        ("GET", format!("/api/v1/designs/{hash}/model.glb"), None, [422; 8]),
        ("POST", "/api/v1/quotes".into(), Some(json!({"design": hash}).to_string()), [201; 8]),
        ("POST", "/api/v1/quotes/verify".into(), Some(json!({"quote": "q1.x.y"}).to_string()), [422; 8]),
        (
            "POST",
            "/api/v1/orders".into(),
            Some(json!({"quote": "q1.x.y"}).to_string()),
            [401, 422, 422, 422, 403, 403, 403, 422],
        ),
        ("GET", "/api/v1/orders".into(), None, [401, 200, 200, 200, 403, 200, 403, 200]),
        ("GET", format!("/api/v1/orders/{order}"), None, [401, 200, 404, 200, 403, 200, 403, 404]),
        (
            "POST",
            format!("/api/v1/orders/{order}/status"),
            Some(json!({"status": "delivered"}).to_string()),
            [401, 403, 404, 409, 403, 409, 403, 404],
        ),
        ("POST", "/api/v1/accounts".into(), Some(json!({"email": "x", "password": "y"}).to_string()), [422; 8]),
        ("GET", "/api/v1/session".into(), None, [401, 200, 200, 200, 200, 200, 200, 401]),
        ("GET", "/api/v1/me/designs".into(), None, [401, 200, 200, 200, 200, 200, 200, 401]),
        (
            "POST",
            "/api/v1/staff".into(),
            Some(json!({"email": "new@t.test", "password": "p", "role": "workshop"}).to_string()),
            [401, 403, 403, 422, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/api/v1/tokens".into(),
            Some(json!({"name": ""}).to_string()),
            [401, 403, 403, 422, 403, 403, 403, 403],
        ),
        ("DELETE", "/api/v1/tokens/tok_none".into(), None, [401, 403, 403, 404, 403, 403, 403, 403]),
        ("GET", "/api/v1/webhooks".into(), None, [401, 403, 403, 200, 403, 403, 403, 403]),
        (
            "POST",
            "/api/v1/webhooks".into(),
            Some(json!({"url": "ftp://x"}).to_string()),
            [401, 403, 403, 422, 403, 403, 403, 403],
        ),
        ("GET", format!("/api/v1/webhooks/{hook}/deliveries"), None, [401, 403, 403, 200, 403, 403, 403, 403]),
        ("DELETE", "/api/v1/webhooks/whe_none".into(), None, [401, 403, 403, 404, 403, 403, 403, 403]),
        // Pieces: the public part for all, the private side for the owner (`shopper`) and staff,
        // the vault for the owner only (a tap viewer is walked in tests/twin.rs).
        (
            "POST",
            format!("/api/v1/orders/{made_order}/pieces"),
            Some(json!({"tag_uid": "zz"}).to_string()),
            [401, 403, 403, 422, 403, 422, 403, 403],
        ),
        ("GET", format!("/api/v1/orders/{made_order}/pieces"), None, [401, 200, 404, 200, 403, 200, 403, 404]),
        // The job bag is the workshop's: not the order's maker, not a shop's integration.
        ("GET", format!("/api/v1/orders/{made_order}/job.zip"), None, [401, 403, 403, 200, 403, 200, 403, 403]),
        (
            "POST",
            "/api/v1/production/plates".into(),
            Some(json!({"orders": [made_order], "jig": "pendant-plate"}).to_string()),
            [401, 403, 403, 200, 403, 200, 403, 403],
        ),
        ("GET", p.clone(), None, [200; 8]),
        ("GET", format!("{p}/certificate.json"), None, [200; 8]),
        ("GET", format!("{p}/qr.svg"), None, [200; 8]),
        ("GET", format!("{p}/qr.png"), None, [200; 8]),
        (
            "POST",
            format!("{p}/events"),
            Some(json!({"kind": "polished"}).to_string()),
            [401, 403, 403, 422, 403, 422, 403, 403],
        ),
        (
            "POST",
            format!("{p}/alterations"),
            Some(json!({"alteration": {"op": "add", "choice": {"kind": "size"}, "sku": "x"}}).to_string()),
            [401, 403, 403, 422, 403, 422, 403, 403],
        ),
        (
            "POST",
            format!("{p}/revoke"),
            Some(json!({"reason": ""}).to_string()),
            [401, 403, 403, 422, 403, 403, 403, 403],
        ),
        ("POST", format!("{p}/tags"), Some(json!({"uid": "x"}).to_string()), [401, 403, 403, 422, 403, 422, 403, 403]),
        ("POST", format!("{p}/tags/04000000000009/revoke"), None, [401, 404, 403, 404, 403, 404, 403, 403]),
        (
            "PUT",
            format!("{p}/sharing"),
            Some(json!({"tap_access": false, "pin": "x"}).to_string()),
            [401, 422, 403, 403, 403, 403, 403, 403],
        ),
        ("POST", format!("{p}/unlock"), Some(json!({"pin": "1234"}).to_string()), [403; 8]),
        // A JSON body is no media type a vault takes: the owner gets 415, the others no further.
        ("POST", format!("{p}/vault"), Some("{}".into()), [401, 415, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("{p}/vault.zip"), None, [401, 200, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("{p}/vault/vlt_none"), None, [401, 404, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("{p}/vault/vlt_none/thumb"), None, [401, 404, 403, 403, 403, 403, 403, 403]),
        ("DELETE", format!("{p}/vault/vlt_none"), None, [401, 404, 403, 403, 403, 403, 403, 403]),
        (
            "POST",
            format!("{p}/gift"),
            Some(json!({"vault": "keep"}).to_string()),
            [401, 422, 403, 403, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/api/v1/claims".into(),
            Some(json!({"code": "x"}).to_string()),
            [401, 422, 422, 422, 422, 422, 422, 403],
        ),
        ("GET", "/api/v1/me/pieces".into(), None, [401, 200, 200, 200, 200, 200, 200, 401]),
        ("GET", "/api/v1/status/0".into(), None, [200; 8]),
        ("GET", "/.well-known/did.json".into(), None, [200; 8]),
        ("GET", "/t".into(), None, [400; 8]),
        ("GET", "/api/v1/openapi.json".into(), None, [200; 8]),
        ("GET", "/healthz".into(), None, [200; 8]),
        ("GET", "/readyz".into(), None, [200; 8]),
        ("GET", "/metrics".into(), None, [200; 8]),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, w) in who.iter().enumerate() {
            let c = sessions[i].as_ref().map(|s| &s.client).unwrap_or(&anon);
            let mut rb = c.request(method.parse().unwrap(), format!("{}{path}", s.url));
            if let Some(sess) = &sessions[i] {
                rb = rb.header("x-csrf-token", &sess.csrf);
            }
            if *w == "integration" {
                rb = rb.header("authorization", &bearer);
            }
            if path == "/api/v1/orders" && *method == "POST" {
                rb = rb.header("idempotency-key", format!("m-{w}"));
            }
            if let Some(b) = body {
                rb = rb.header("content-type", "application/json").body(b.clone());
            }
            let got = rb.send().unwrap().status().as_u16();
            let want = expected[i];
            // Saving the same design is 201 the first time, 200 after.
            let ok = got == want || (path == "/api/v1/designs" && got == 201 && want == 200);
            if !ok {
                failures.push(format!("{method} {path} as {w}: expected {want}, got {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix:\n{}", failures.join("\n"));
    // Every documented path is in the matrix.
    let (_, doc) = json(s.get(&anon, "/api/v1/openapi.json").send().unwrap());
    for p in doc["paths"].as_object().unwrap().keys() {
        let covered = rows.iter().any(|(_, path, _, _)| {
            let a: Vec<&str> = p.split('/').collect();
            let b: Vec<&str> = path.split('?').next().unwrap().split('/').collect();
            // `{path}` (the drawings) is a catch-all over the remaining segments.
            let same_len = a.len() == b.len() || (p.ends_with("{path}") && b.len() >= a.len());
            same_len && a.iter().zip(&b).all(|(x, y)| x == y || x.starts_with('{'))
        });
        assert!(covered, "{p} is not in the authorization matrix");
    }
}
both!(authorization_matrix);

fn order_design_hash(s: &Server, c: &reqwest::blocking::Client, design: &str) -> String {
    let (_, saved) = post_json(s, c, "/api/v1/designs", design.as_bytes());
    saved["hash"].as_str().unwrap().to_string()
}

/// Catalog upload with the checker's diagnostics, then publishing.
fn catalog_versions(db: &Db) {
    add_user(db, "merch@t.test", "merchandiser");
    let s = Server::start(db, &[]);
    let m = login(&s, "merch@t.test");
    // A broken catalog: every diagnostic comes back with file:line:column; nothing is stored.
    let files = demo_files("2026.12.1");
    let brand = files["brand.toml"].as_str().unwrap().to_string();
    let mut broken = files.clone();
    broken.insert("brand.toml".into(), Value::String(brand.replace("currency = \"EUR\"", "currency = \"EURO\"")));
    let (st, p) = json(
        m.client
            .post(format!("{}/api/v1/catalog/versions", s.url))
            .header("x-csrf-token", &m.csrf)
            .json(&json!({"files": broken}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["type"], "urn:orfevre:problem:catalog-errors");
    let d = p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "brand.toml")
        .expect("a diagnostic in brand.toml");
    let line = brand.lines().position(|l| l.contains("currency = \"EUR\"")).unwrap() + 1;
    assert_eq!(
        (d["line"].as_u64(), d["col"].as_u64(), d["severity"].as_str()),
        (Some(line as u64), Some(12), Some("error")),
        "{d}"
    );
    assert!(d["message"].as_str().unwrap().contains("EURO"), "{d}");
    let at = format!("brand.toml:{line}:12: error[");
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"].as_str().unwrap().starts_with(&at) && e["pointer"] == "/files/brand.toml"),
        "{p}"
    );
    // The same catalog with a new version, as a tar.gz of its folder.
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (rel, text) in &files {
        let text = if rel == "brand.toml" { brand.clone() } else { text.as_str().unwrap().to_string() };
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("demo/{rel}"), text.as_bytes()).unwrap();
    }
    let gz = tar.into_inner().unwrap().finish().unwrap();
    let upload = || {
        m.client
            .post(format!("{}/api/v1/catalog/versions", s.url))
            .header("x-csrf-token", &m.csrf)
            .header("content-type", "application/gzip")
            .body(gz.clone())
            .send()
            .unwrap()
    };
    let (st, up) = json(upload());
    assert_eq!(st, 201, "{up}");
    assert_eq!(up["version"], "2026.12.1");
    assert_eq!(up["created"], true);
    let (st, up2) = json(upload());
    assert_eq!((st, &up2["created"]), (200, &json!(false)), "uploading the same version again changes nothing");
    let (_, versions) = json(m.client.get(format!("{}/api/v1/catalog/versions", s.url)).send().unwrap());
    let active: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["active"] == true)
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["2026.12.0"], "uploading does not publish");
    let (st, info) = json(
        m.client
            .post(format!("{}/api/v1/catalog/versions/2026.12.1/publish", s.url))
            .header("x-csrf-token", &m.csrf)
            .send()
            .unwrap(),
    );
    assert_eq!((st, &info["version"]), (200, &json!("2026.12.1")));
    // Designs made on the old version still evaluate against it, but are no longer quoted.
    let c = client();
    let (st, ev) = post_json(&s, &c, "/api/v1/designs/evaluate", &example("valid-locket.json"));
    assert_eq!((st, &ev["evaluation"]["catalog"]["version"]), (200, &json!("2026.12.0")));
    let (_, saved) = post_json(&s, &c, "/api/v1/designs", &example("valid-locket.json"));
    let (st, p) = json(s.post(&c, "/api/v1/quotes").json(&json!({"design": saved["hash"]})).send().unwrap());
    assert_eq!((st, p["type"].as_str().unwrap()), (422, "urn:orfevre:problem:stale-catalog"));

    // Metal prices per gram: a new version made from the published one, priced by the new figure.
    let prices = |body: Value| {
        json(
            m.client
                .post(format!("{}/api/v1/catalog/versions/2026.12.1/metal-prices", s.url))
                .header("x-csrf-token", &m.csrf)
                .json(&body)
                .send()
                .unwrap(),
        )
    };
    let (st, p) = prices(json!({"version": "2026.12.2", "prices": {"18k-yellow": "68.00", "mithril": "1"}}));
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/prices/mithril");
    let (st, p) = prices(json!({"version": "2026.12.2", "prices": {"18k-yellow": "-3"}}));
    assert_eq!((st, &p["errors"][0]["pointer"]), (422, &json!("/prices/18k-yellow")), "{p}");
    let (st, p) = prices(json!({"version": "2026.12.0", "prices": {"18k-yellow": "80"}}));
    assert_eq!((st, &p["errors"][0]["pointer"]), (409, &json!("/version")), "{p}");
    let ring = String::from_utf8(example("valid-solitaire-ring.json")).unwrap().replace("2026.12.0", "2026.12.1");
    let (_, before) = post_json(&s, &c, "/api/v1/designs/evaluate", ring.as_bytes());
    let (st, up) = prices(json!({"version": "2026.12.2", "prices": {"18k-yellow": "136.00"}}));
    assert_eq!((st, &up["version"]), (201, &json!("2026.12.2")), "{up}");
    let (st, src) = json(m.client.get(format!("{}/api/v1/catalog/versions/2026.12.2/sources", s.url)).send().unwrap());
    assert_eq!(st, 200);
    let materials = src["files"]["materials.toml"].as_str().unwrap();
    assert!(materials.contains("price_per_gram = \"136.00\""), "{materials}");
    assert!(materials.starts_with("# Densities from"), "comments are kept");
    let (_, info) = json(c.get(format!("{}/api/v1/catalog", s.url)).send().unwrap());
    assert_eq!(info["version"], "2026.12.1", "a new price waits for publishing");
    m.client
        .post(format!("{}/api/v1/catalog/versions/2026.12.2/publish", s.url))
        .header("x-csrf-token", &m.csrf)
        .send()
        .unwrap();
    let (_, info) = json(c.get(format!("{}/api/v1/catalog", s.url)).send().unwrap());
    let gold = info["metals"].as_array().unwrap().iter().find(|m| m["id"] == "18k-yellow").unwrap().clone();
    assert_eq!(gold["price_per_gram"], "136.00");
    let (_, after) = post_json(&s, &c, "/api/v1/designs/evaluate", ring.replace("2026.12.1", "2026.12.2").as_bytes());
    let amount = |e: &Value| e["evaluation"]["price"]["total"]["amount"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(amount(&after) > amount(&before), "doubling gold's price per gram raises a gold ring's price");
}
both!(catalog_versions);

/// The storefront takes no payment: a shopper's order waits until an admin marks it paid.
fn demo_shop_payment(db: &Db) {
    add_user(db, "admin@t.test", "admin");
    add_user(db, "atelier@t.test", "workshop");
    add_user(db, "shopper@t.test", "shopper");
    let s = Server::start(db, &[]);
    let (_, q) = quote_for(&s, &client(), &example("valid-locket.json"));
    let shopper = login(&s, "shopper@t.test");
    let (st, order) = json(
        shopper
            .client
            .post(format!("{}/api/v1/orders", s.url))
            .header("x-csrf-token", &shopper.csrf)
            .header("idempotency-key", "pay-1")
            .json(&json!({"quote": q}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201, "{order}");
    assert_eq!(order["status"], "awaiting_payment");
    assert_eq!(order["next_statuses"], json!(["placed", "cancelled"]));
    let id = order["id"].as_str().unwrap();
    let set = |who: &Session, to: &str| {
        json(
            who.client
                .post(format!("{}/api/v1/orders/{id}/status", s.url))
                .header("x-csrf-token", &who.csrf)
                .json(&json!({"status": to}))
                .send()
                .unwrap(),
        )
    };
    let (st, p) = set(&shopper, "placed");
    assert_eq!(st, 403, "a shopper cannot mark her own order paid: {p}");
    let (st, p) = set(&login(&s, "atelier@t.test"), "placed");
    assert_eq!(st, 403, "the workshop does not take payments: {p}");
    let (st, o) = set(&login(&s, "admin@t.test"), "placed");
    assert_eq!((st, &o["status"]), (200, &json!("placed")), "{o}");
    let history: Vec<&str> = o["history"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(history, ["awaiting_payment", "placed"]);
    let (st, o) = set(&shopper, "cancelled");
    assert_eq!((st, &o["status"]), (200, &json!("cancelled")), "the maker may cancel until production: {o}");
}
both!(demo_shop_payment);

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().unwrap() != "examples" {
                out.extend(walk(&p));
            }
        } else {
            out.push(p);
        }
    }
    out
}

/// Webhooks are signed (Standard Webhooks) and retried after a failure.
fn webhooks(db: &Db) {
    add_user(db, "admin@t.test", "admin");
    add_user(db, "atelier@t.test", "workshop");
    let s = Server::start(db, &["--webhook-retry-base-ms", "300"]);
    let receiver = Receiver::start(1);
    let admin = login(&s, "admin@t.test");
    let (st, hook) = json(
        admin
            .client
            .post(format!("{}/api/v1/webhooks", s.url))
            .header("x-csrf-token", &admin.csrf)
            .json(&json!({"url": receiver.url}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201);
    let secret = hook["secret"].as_str().unwrap().to_string();
    let c = client();
    let (_, q) = quote_for(&s, &c, &example("valid-moments-bracelet.json"));
    let (st, order) = json(
        admin
            .client
            .post(format!("{}/api/v1/orders", s.url))
            .header("x-csrf-token", &admin.csrf)
            .header("idempotency-key", "w1")
            .json(&json!({"quote": q}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201);
    let ws = login(&s, "atelier@t.test");
    let (st, _) = json(
        ws.client
            .post(format!("{}/api/v1/orders/{}/status", s.url, order["id"].as_str().unwrap()))
            .header("x-csrf-token", &ws.csrf)
            .json(&json!({"status": "in_production"}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 200);
    // First attempt of the first event fails (500); it is retried; both events arrive signed.
    let got = receiver.wait_for_successes(2, Duration::from_secs(30));
    assert!(receiver.requests() >= 3, "one failure then two deliveries");
    let types: Vec<String> = got
        .iter()
        .map(|m| serde_json::from_str::<Value>(&m.body).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        types.contains(&"order.created".to_string()) && types.contains(&"order.status_changed".to_string()),
        "{types:?}"
    );
    for m in &got {
        assert!(verify_standard_webhook(&secret, m), "signature of {}", m.id);
        assert_eq!(serde_json::from_str::<Value>(&m.body).unwrap()["data"]["id"], order["id"]);
    }
    let (_, deliveries) = json(
        admin
            .client
            .get(format!("{}/api/v1/webhooks/{}/deliveries", s.url, hook["id"].as_str().unwrap()))
            .send()
            .unwrap(),
    );
    let created = deliveries.as_array().unwrap().iter().find(|d| d["event_type"] == "order.created").unwrap();
    assert_eq!(created["state"], "delivered");
    assert_eq!(created["attempts"], 2, "{created}");
}
both!(webhooks);

fn verify_standard_webhook(secret: &str, m: &Message) -> bool {
    use base64::Engine as _;
    use hmac::Mac;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", m.id, m.timestamp, m.body).as_bytes());
    let want = format!("v1,{}", b64.encode(mac.finalize().into_bytes()));
    m.signature.split(' ').any(|s| s == want)
}

#[derive(Clone, Debug)]
struct Message {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// A tiny HTTP receiver: answers 500 to the first `fail_first` requests, 200 after.
struct Receiver {
    url: String,
    state: std::sync::Arc<std::sync::Mutex<(usize, Vec<Message>)>>,
}

impl Receiver {
    fn start(fail_first: usize) -> Receiver {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", l.local_addr().unwrap());
        let state = std::sync::Arc::new(std::sync::Mutex::new((0usize, Vec::new())));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let n = conn.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        break (String::new(), String::new());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((h, b)) = text.split_once("\r\n\r\n") {
                        let len = h
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if b.len() >= len {
                            break (h.to_string(), b[..len].to_string());
                        }
                    }
                };
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| {
                            l.split_once(':')
                                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                                .map(|(_, v)| v.trim().to_string())
                        })
                        .unwrap_or_default()
                };
                let mut g = st.lock().unwrap();
                g.0 += 1;
                let ok = g.0 > fail_first;
                if ok {
                    g.1.push(Message {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                    });
                }
                drop(g);
                let status = if ok { "200 OK" } else { "500 Internal Server Error" };
                let _ = conn.write_all(
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes(),
                );
            }
        });
        Receiver { url, state }
    }
    fn requests(&self) -> usize {
        self.state.lock().unwrap().0
    }
    fn wait_for_successes(&self, n: usize, timeout: Duration) -> Vec<Message> {
        let start = Instant::now();
        loop {
            let got = self.state.lock().unwrap().1.clone();
            if got.len() >= n || start.elapsed() > timeout {
                assert!(got.len() >= n, "only {} of {n} webhooks arrived in {timeout:?}", got.len());
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// kill -9 while orders are being placed: every order acknowledged with 201 is there after restart.
fn crash_keeps_acknowledged_orders(db: &Db) {
    add_user(db, "admin@t.test", "admin");
    let mut s = Server::start(db, &[]);
    let admin = login(&s, "admin@t.test");
    let bearer = shop_token(&s, &admin);
    let c = client();
    // Quotes for distinct orders: one design, many quotes.
    let quotes: Vec<String> = (0..400).map(|_| quote_for(&s, &c, &example("valid-moments-bracelet.json")).1).collect();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let url = s.url.clone();
    let mut threads = Vec::new();
    for t in 0..4 {
        let (acked, url, bearer) = (acked.clone(), url.clone(), bearer.clone());
        let qs: Vec<String> = quotes.iter().enumerate().filter(|(i, _)| i % 4 == t).map(|(_, q)| q.clone()).collect();
        threads.push(std::thread::spawn(move || {
            let c = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
            for (i, q) in qs.iter().enumerate() {
                let r = c
                    .post(format!("{url}/api/v1/orders"))
                    .header("authorization", &bearer)
                    .header("idempotency-key", format!("crash-{t}-{i}"))
                    .json(&json!({"quote": q}))
                    .send();
                match r {
                    Ok(r) if r.status() == 201 => {
                        let v: Value = r.json().unwrap();
                        acked.lock().unwrap().push(v["id"].as_str().unwrap().to_string());
                    }
                    _ => return, // the server is gone
                }
            }
        }));
    }
    // Kill it mid-stream.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 40 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    s.kill9();
    for t in threads {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40, "orders were being placed when the server was killed ({} acknowledged)", acked.len());
    assert!(acked.len() < quotes.len(), "the kill happened while orders were still coming");
    let s = Server::start(db, &[]);
    let admin = login(&s, "admin@t.test");
    let (st, all) = json(admin.client.get(format!("{}/api/v1/orders?limit=500", s.url)).send().unwrap());
    assert_eq!(st, 200);
    let stored: std::collections::HashSet<&str> =
        all.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged order(s) lost after kill -9: {lost:?}", lost.len());
}
both!(crash_keeps_acknowledged_orders);

/// The configurator's engraving preview is the production layout: an SVG in the field's zone, in mm.
#[test]
fn engraving_preview() {
    if !std::path::Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf").exists()
        || !std::path::Path::new("/usr/share/hershey-fonts/scripts.jhf").exists()
    {
        orfevre_testkit::skip("engraving_preview: fonts-dejavu-core or hershey-fonts-data is missing");
        return;
    }
    let db = Db::sqlite();
    let s = Server::start(&db, &[]);
    let c = client();
    let preview = |body: Value| {
        let r = s.post(&c, "/api/v1/engraving/preview").json(&body).send().unwrap();
        let st = r.status().as_u16();
        let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
        (st, ct, r.text().unwrap())
    };
    let (st, ct, svg) = preview(json!({"base": "engraved-pendant", "field": "engraving", "text": "Zoë"}));
    assert_eq!((st, ct.as_str()), (200, "image/svg+xml"), "{svg}");
    assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="16mm" height="8mm""#), "{svg}");
    assert!(svg.contains(r#"fill="currentColor""#), "outline font: filled outlines");
    let (st, _, svg) =
        preview(json!({"base": "engraved-pendant", "field": "engraving", "text": "Zoë", "font": "script"}));
    assert_eq!(st, 200);
    assert!(svg.contains(r#"stroke="currentColor""#) && !svg.contains("fill=\"currentColor\""), "single-line: strokes");
    let problem = |body: Value| {
        let (st, ct, text) = preview(body);
        assert_eq!(ct, "application/problem+json", "{text}");
        let p: Value = serde_json::from_str(&text).unwrap();
        (st, p["errors"][0]["pointer"].as_str().unwrap_or("").to_string(), p["detail"].as_str().unwrap().to_string())
    };
    let (st, ptr, detail) =
        problem(json!({"base": "engraved-pendant", "field": "engraving", "text": "Zoë ♥", "font": "script"}));
    assert_eq!((st, ptr.as_str()), (422, "/text"), "{detail}");
    assert!(detail.contains("Hershey Script (single line) has no glyph for '♥'"), "{detail}");
    let (st, ptr, _) = problem(json!({"base": "engraved-pendant", "field": "engraving", "text": "a".repeat(13)}));
    assert_eq!((st, ptr.as_str()), (422, "/text"));
    let (st, ptr, _) = problem(json!({"base": "engraved-pendant", "field": "engraving", "text": "x", "font": "comic"}));
    assert_eq!((st, ptr.as_str()), (422, "/font"));
    let (st, ptr, _) = problem(json!({"base": "engraved-pendant", "field": "packaging", "text": "x"}));
    assert_eq!((st, ptr.as_str()), (422, "/field"));
    let (st, _, _) = problem(json!({"base": "nope", "field": "engraving", "text": "x"}));
    assert_eq!(st, 404);

    // Quotes check the engraving against the font file: every demo example can be made…
    for entry in std::fs::read_dir(format!("{}/../../catalogs/demo/examples", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with("valid-") {
            quote_for(&s, &c, &example(&name));
        }
    }
    // …but a heart the script font has no glyph for is refused, though its characters are allowed.
    let mut d: Value = serde_json::from_slice(&example("valid-engraved-pendant.json")).unwrap();
    d["fields"]["engraving"] = json!({"text": "Zoé ♥", "font": "script"});
    let (st, saved) = json(s.post(&c, "/api/v1/designs").json(&d).send().unwrap());
    assert_eq!(st, 201, "{saved}");
    assert_eq!(saved["valid"], true, "the engine allows ♥ in the charset");
    let (st, p) = json(s.post(&c, "/api/v1/quotes").json(&json!({"design": saved["hash"]})).send().unwrap());
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["type"], "urn:orfevre:problem:cannot-engrave");
    assert_eq!((p["field"].as_str(), p["errors"][0]["pointer"].as_str()), (Some("engraving"), Some("/design")));
    assert!(p["detail"].as_str().unwrap().contains("no glyph for '♥'"), "{p}");

    // The field's smallest stroke: a brand whose pendant is cast in relief (0.3 mm strokes, not
    // the demo laser's 0.05 mm) cannot take a long name in DejaVu Serif's hairlines.
    let dir = tempfile::tempdir().unwrap();
    let demo = format!("{}/../../catalogs/demo", env!("CARGO_MANIFEST_DIR"));
    let copy = std::process::Command::new("cp").args(["-r", &demo, dir.path().to_str().unwrap()]).status().unwrap();
    assert!(copy.success());
    let cat = dir.path().join("demo");
    let f = cat.join("bases/engraved.toml");
    let toml = std::fs::read_to_string(&f).unwrap().replacen("min_stroke_mm = 0.05", "min_stroke_mm = 0.3", 1);
    std::fs::write(&f, toml).unwrap();
    let db2 = Db::sqlite();
    let relief = Server::start(&db2, &["--catalog", cat.to_str().unwrap()]);
    let r = relief
        .post(&c, "/api/v1/engraving/preview")
        .json(&json!({"base": "engraved-pendant", "field": "engraving", "text": "Marie-Chloé", "font": "serif"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let p: Value = r.json().unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/text");
    assert!(p["detail"].as_str().unwrap().contains("thinner than the material's 0.3 mm"), "{p}");
    // The demo's laser takes it.
    let (st, _, _) =
        preview(json!({"base": "engraved-pendant", "field": "engraving", "text": "Marie-Chloé", "font": "serif"}));
    assert_eq!(st, 200);
}

/// Operations endpoints: health, readiness, Prometheus metrics, the OpenAPI document, request ids.
fn operations(db: &Db) {
    let s = Server::start(db, &[]);
    let c = client();
    let r = s.get(&c, "/healthz").send().unwrap();
    assert!(r.headers().get("x-request-id").is_some(), "request id on every response");
    assert_eq!(r.text().unwrap(), "ok");
    assert_eq!(s.get(&c, "/readyz").send().unwrap().status(), 200);
    post_json(&s, &c, "/api/v1/designs/evaluate", &example("valid-locket.json"));
    let m = s.get(&c, "/metrics").send().unwrap().text().unwrap();
    assert!(m.contains(r#"http_requests_total{method="POST",route="/api/v1/designs/evaluate",status="200"} 1"#), "{m}");
    assert!(m.contains("http_request_duration_seconds_bucket"), "{m}");
    let (st, doc) = json(s.get(&c, "/api/v1/openapi.json").send().unwrap());
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert!(doc["paths"]["/api/v1/designs/evaluate"]["post"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // Catalog listing with filters.
    let (_, page) =
        json(s.get(&c, "/api/v1/catalog/components?family=moments&kind=charm&max_price=30&limit=5").send().unwrap());
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 5);
    assert!(page["total"].as_u64().unwrap() >= items.len() as u64);
    for i in items {
        assert_eq!(i["family"], "moments");
        assert_eq!(i["kind"], "charm");
        assert!(i["price"]["amount"].as_str().unwrap().parse::<f64>().unwrap() <= 30.0, "{i}");
    }
    let (_, page) =
        json(s.get(&c, "/api/v1/catalog/components?base=moments-bracelet&mount=strand&limit=500").send().unwrap());
    assert!(page["items"].as_array().unwrap().iter().all(|i| i["family"] == "moments"), "only what the strand takes");
    let (st, p) = json(s.get(&c, "/api/v1/catalog/components?colour=red").send().unwrap());
    assert_eq!((st, p["type"].as_str().unwrap()), (400, "urn:orfevre:problem:query"));
    let (st, _) = json(s.get(&c, "/api/v1/catalog/bases/nope").send().unwrap());
    assert_eq!(st, 404);
    // Drawings: SVG with a script-forbidding CSP; unknown paths are 404.
    let (_, comp) = json(s.get(&c, "/api/v1/catalog/components/MO-CH-HEART-LOVE").send().unwrap());
    let art = comp["art"].as_str().unwrap();
    let r = s.get(&c, &format!("/api/v1/catalog/art/{art}")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let svg = r.text().unwrap();
    let on_disk = std::fs::read_to_string(format!("{}/../../catalogs/demo/{art}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(svg, on_disk);
    let (st, _) = json(s.get(&c, "/api/v1/catalog/art/art/none.svg").send().unwrap());
    assert_eq!(st, 404);
    // Spelling: an accented letter without its own bead is flagged with its fallback.
    let (st, sp) = json(s.post(&c, "/api/v1/designs/spell").json(&json!({"text": "Zoé"})).send().unwrap());
    assert_eq!(st, 200, "{sp}");
    assert!(sp["design"]["mounts"]["strand"].is_object(), "{sp}");
    let (st, sp2) = json(s.post(&c, "/api/v1/designs/spell").json(&json!({"text": "LEA"})).send().unwrap());
    assert_eq!((st, sp2["issues"].as_array().map(|a| a.len())), (200, Some(0)), "{sp2}");
    let (st, p) = json(s.post(&c, "/api/v1/designs/spell").json(&json!({"text": "x".repeat(101)})).send().unwrap());
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (422, Some("/text")));
    let (st, p) =
        json(s.post(&c, "/api/v1/designs/spell").json(&json!({"text": "A", "base": "solitaire-ring"})).send().unwrap());
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (422, Some("/base")));
    let (_, bases) = json(s.get(&c, "/api/v1/catalog/bases?piece=ring").send().unwrap());
    assert!(bases.as_array().unwrap().iter().all(|b| b["piece"] == "ring") && !bases.as_array().unwrap().is_empty());
}
both!(operations);

/// Two servers on one PostgreSQL behave as one.
#[test]
fn two_servers_one_postgres() {
    let Some(db) = Db::postgres("two_servers") else { return };
    add_user(&db, "admin@t.test", "admin");
    add_user(&db, "merch@t.test", "merchandiser");
    let a = Server::start(&db, &[]);
    let b = Server::start(&db, &[]);
    let c = client();
    // A design saved through one is read through the other.
    let (st, saved) = post_json(&a, &c, "/api/v1/designs", &example("valid-name-bracelet.json"));
    assert_eq!(st, 201);
    let (st, got) = json(b.get(&c, &format!("/api/v1/designs/{}", saved["hash"].as_str().unwrap())).send().unwrap());
    assert_eq!((st, &got["design"]), (200, &saved["design"]));
    // A quote signed by one is honoured by the other (the key is shared through the database).
    let (_, q) = quote_for(&a, &c, &example("valid-moments-bracelet.json"));
    // One idempotency key used on both, at the same time, creates one order.
    let sa = login(&a, "admin@t.test");
    let sb = login(&b, "admin@t.test");
    let body = json!({"quote": q});
    let ha = {
        let (url, csrf, client, body) = (a.url.clone(), sa.csrf.clone(), sa.client.clone(), body.clone());
        std::thread::spawn(move || {
            json(
                client
                    .post(format!("{url}/api/v1/orders"))
                    .header("x-csrf-token", csrf)
                    .header("idempotency-key", "same")
                    .json(&body)
                    .send()
                    .unwrap(),
            )
        })
    };
    let hb = {
        let (url, csrf, client, body) = (b.url.clone(), sb.csrf.clone(), sb.client.clone(), body.clone());
        std::thread::spawn(move || {
            json(
                client
                    .post(format!("{url}/api/v1/orders"))
                    .header("x-csrf-token", csrf)
                    .header("idempotency-key", "same")
                    .json(&body)
                    .send()
                    .unwrap(),
            )
        })
    };
    let (ra, rb) = (ha.join().unwrap(), hb.join().unwrap());
    assert_eq!((ra.0, rb.0), (201, 201), "{ra:?} {rb:?}");
    assert_eq!(ra.1["id"], rb.1["id"], "one order");
    let (_, all) = json(sa.client.get(format!("{}/api/v1/orders", a.url)).send().unwrap());
    assert_eq!(all.as_array().unwrap().len(), 1);
    // A catalog published through one is followed by the other.
    let m = login(&a, "merch@t.test");
    let files = demo_files("2027.1.1");
    let (st, _) = json(
        m.client
            .post(format!("{}/api/v1/catalog/versions", a.url))
            .header("x-csrf-token", &m.csrf)
            .json(&json!({"files": files}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201);
    let (st, _) = json(
        m.client
            .post(format!("{}/api/v1/catalog/versions/2027.1.1/publish", a.url))
            .header("x-csrf-token", &m.csrf)
            .send()
            .unwrap(),
    );
    assert_eq!(st, 200);
    let start = Instant::now();
    loop {
        let (_, info) = json(b.get(&c, "/api/v1/catalog").send().unwrap());
        if info["version"] == "2027.1.1" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "server B never followed the published catalog");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An API token for a shop integration, created by a signed-in admin: the Authorization value.
fn shop_token(s: &Server, admin: &Session) -> String {
    let r = admin
        .client
        .post(format!("{}/api/v1/tokens", s.url))
        .header("x-csrf-token", &admin.csrf)
        .json(&json!({"name": "shop"}))
        .send()
        .unwrap();
    let (st, tok) = json(r);
    assert_eq!(st, 201, "{tok}");
    format!("Bearer {}", tok["secret"].as_str().unwrap())
}

/// The demo catalog's files (examples left out), with brand.toml's version replaced by `version`.
fn demo_files(version: &str) -> serde_json::Map<String, Value> {
    let demo = format!("{}/../../catalogs/demo", env!("CARGO_MANIFEST_DIR"));
    let mut files = serde_json::Map::new();
    for entry in walk(std::path::Path::new(&demo)) {
        let rel = entry.strip_prefix(&demo).unwrap().to_string_lossy().trim_start_matches('/').to_string();
        let mut text = std::fs::read_to_string(&entry).unwrap();
        if rel == "brand.toml" {
            text = text.replace("version = \"2026.12.0\"", &format!("version = \"{version}\""));
        }
        files.insert(rel, Value::String(text));
    }
    files
}

#[test]
fn design_model_glb() {
    let db = Db::sqlite();
    let s = Server::start(&db, &[]);
    let c = client();
    let design: Value = serde_json::from_slice(&example("valid-solitaire-ring.json")).unwrap();
    let glb = |d: &Value| s.post(&c, "/api/v1/designs/model").json(d).send().unwrap();
    let r = glb(&design);
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "model/gltf-binary");
    let volume: f64 = r.headers()["x-orfevre-metal-volume-mm3"].to_str().unwrap().parse().unwrap();
    let bytes = r.bytes().unwrap();
    assert_eq!(&bytes[..4], b"glTF");
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize, bytes.len());
    // The JSON chunk names the 18k yellow metal and the lab diamond's refractive index.
    let json_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let doc: Value = serde_json::from_slice(&bytes[20..20 + json_len]).unwrap();
    assert_eq!(doc["materials"][0]["name"], "18k-yellow");
    assert_eq!(doc["materials"][1]["extensions"]["KHR_materials_ior"]["ior"], 2.417);
    // The weight the evaluation reports comes from the same geometry: a thicker band is heavier
    // in the evaluation and in the model.
    let mut thick = design.clone();
    thick["mounts"]["ring"]["params"]["thickness_mm"] = json!("2.0");
    let v2: f64 = glb(&thick).headers()["x-orfevre-metal-volume-mm3"].to_str().unwrap().parse().unwrap();
    assert!(v2 > volume + 10.0, "{v2} vs {volume}");
    let weight = |d: &Value| {
        let (st, v) = json(s.post(&c, "/api/v1/designs/evaluate").json(d).send().unwrap());
        assert_eq!(st, 200);
        v["evaluation"]["weight"].as_str().unwrap().parse::<f64>().unwrap()
    };
    let dw = weight(&thick) - weight(&design);
    assert!((dw - (v2 - volume) * 15.58 / 1000.0).abs() < 0.01, "weight difference {dw} follows the volume");
    // A base without a 3D model: 422 problem+json.
    let bracelet: Value = serde_json::from_slice(&example("valid-moments-bracelet.json")).unwrap();
    let r = glb(&bracelet);
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.text().unwrap().contains("no 3D model"));
    // A saved design's model is immutable.
    let (st, saved) = json(s.post(&c, "/api/v1/designs").json(&design).send().unwrap());
    assert_eq!(st, 201, "{saved}");
    let hash = saved["hash"].as_str().unwrap();
    let r = s.get(&c, &format!("/api/v1/designs/{hash}/model.glb")).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(r.bytes().unwrap(), bytes, "the saved design's model is the live one");
    let r = s.get(&c, &format!("/api/v1/designs/{}/model.glb", "0".repeat(64))).send().unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

/// A copy of `catalogs/<name>` (examples left out) in a folder of its own, to edit.
fn copy_catalog(name: &str) -> tempfile::TempDir {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogs").join(name);
    let dir = tempfile::tempdir().unwrap();
    for f in walk(&from) {
        let to = dir.path().join(f.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    dir
}

/// The embedded demo never replaces a brand's own catalog, not even one that uses the demo's
/// version name.
#[test]
fn the_embedded_demo_never_replaces_a_brands_catalog() {
    let dir = copy_catalog("atelier-sable");
    let brand = dir.path().join("brand.toml");
    let text = std::fs::read_to_string(&brand).unwrap();
    let demo_version = "2026.12.0";
    std::fs::write(&brand, text.replace("version = \"2026.12.1\"", &format!("version = \"{demo_version}\""))).unwrap();
    let db = Db::sqlite();
    let catalog = dir.path().to_str().unwrap().to_string();
    drop(Server::start(&db, &["--catalog", &catalog]));
    // Started again without --catalog: the demo (same version name, another brand) is left aside.
    let s = Server::start(&db, &[]);
    let (_, info) = json(client().get(format!("{}/api/v1/catalog", s.url)).send().unwrap());
    assert_eq!(info["id"], "atelier-sable", "{info}");
}

/// A catalog folder edited without a new version is refused at start (designs and pieces are
/// bound to the version), and saying why; with a new version it is stored and published.
#[test]
fn a_catalog_edited_under_its_version_is_refused_at_start() {
    let dir = copy_catalog("demo");
    let db = Db::sqlite();
    let catalog = dir.path().to_str().unwrap().to_string();
    let version = {
        let s = Server::start(&db, &["--catalog", &catalog]);
        let (_, info) = json(client().get(format!("{}/api/v1/catalog", s.url)).send().unwrap());
        info["version"].as_str().unwrap().to_string()
    };
    // A price changed, the version left as it was.
    let moments = dir.path().join("components/moments.toml");
    let text = std::fs::read_to_string(&moments).unwrap();
    std::fs::write(&moments, text.replacen("price = \"39.00\"", "price = \"41.00\"", 1)).unwrap();
    let out = std::process::Command::new(common::BIN)
        .arg("serve")
        .args(db.args())
        .args(["--addr", "127.0.0.1:0", "--catalog", &catalog])
        .env("ORFEVRE_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("differs from the version {version} already stored")), "{err}");
    assert!(err.contains("new version"), "the message says what to do: {err}");
    // A new version: stored and published.
    let brand = dir.path().join("brand.toml");
    let text = std::fs::read_to_string(&brand).unwrap();
    std::fs::write(&brand, text.replace(&format!("version = \"{version}\""), "version = \"edited-1\"")).unwrap();
    let s = Server::start(&db, &["--catalog", &catalog]);
    let (_, info) = json(client().get(format!("{}/api/v1/catalog", s.url)).send().unwrap());
    assert_eq!(info["version"], "edited-1");
}
