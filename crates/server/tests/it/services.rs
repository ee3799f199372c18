//! The services without HTTP: making a piece (with its tag, all or nothing), the order lifecycle's
//! rule that pieces are made from production on, and the vault's admission and storage — called
//! as the routes call them, on an in-memory SQLite store and the embedded demo catalog.

use bytes::Bytes;
use orfevre_commerce::{OrderStatus, VaultKind};
use orfevre_engine::Design;
use orfevre_server::services::making::{self, MakingError};
use orfevre_server::services::vault::{self, Upload, VaultError};
use orfevre_server::{state, AppState, Config};
use orfevre_store::{Created, NewOrder, StoreError};
use serde_json::json;
use std::sync::Arc;

async fn app() -> (Arc<AppState>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some("sqlite::memory:".into()),
        ..Config::default()
    };
    (state(config, "http://shop.test".into()).await.unwrap(), dir)
}

/// An order of the demo's valid bracelet, by a shop's token (no account: its piece gets a claim
/// code), in `status`.
async fn order(s: &AppState, status: OrderStatus) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/demo/examples/valid-moments-bracelet.json");
    let d = Design::from_json(&std::fs::read(path).unwrap()).unwrap();
    s.store.put_design(&d.hash(), &d.catalog.version, &d.canonical_json(), None).await.unwrap();
    let o = NewOrder {
        principal: "token:tok_1".into(),
        idempotency_key: orfevre_store::new_id("k"),
        request_hash: "h".into(),
        user_id: None,
        token_id: Some("tok_1".into()),
        quote_id: orfevre_store::new_id("quo_"),
        design_hash: d.hash(),
        catalog_version: d.catalog.version.clone(),
        total: "120.00".into(),
        currency: "EUR".into(),
        customer: json!({}),
        status,
    };
    match s.store.create_order(o, |_| "{}".into()).await.unwrap() {
        Created::New(o) => o.id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_piece_is_made_once_production_starts_with_its_certificate_and_claim_code() {
    let (s, _dir) = app().await;
    let placed = order(&s, OrderStatus::Placed).await;
    let e = making::make(&s, &placed, None, "bench").await.err().unwrap();
    assert!(matches!(e, MakingError::NotInProduction { status: OrderStatus::Placed, .. }), "{e:?}");
    assert_eq!(e.to_string(), format!("order {placed} is placed; pieces are made once production starts"));

    let id = order(&s, OrderStatus::InProduction).await;
    let made = making::make(&s, &id, Some("04A1B2C3D4E5F6"), "bench").await.unwrap();
    assert_eq!(made.piece.serial.len(), 12);
    assert!(made.claim_code.is_some(), "an order without an account gets a code for the box");
    assert_eq!(made.piece.certificate["credentialSubject"]["serialNumber"], made.piece.serial.as_str());
    assert_eq!(s.store.tags(&made.piece.serial).await.unwrap().len(), 1);

    // The same tag on a second piece: nothing is recorded.
    let before = s.store.piece_count().await.unwrap();
    let e = making::make(&s, &id, Some("04A1B2C3D4E5F6"), "bench").await.err().unwrap();
    assert!(matches!(&e, MakingError::Store(StoreError::Unique(m)) if m.contains("already fitted")), "{e:?}");
    assert_eq!(s.store.piece_count().await.unwrap(), before);
    assert!(matches!(making::make(&s, "ord_none", None, "bench").await, Err(MakingError::NoOrder(_))));
}

#[tokio::test]
async fn a_vault_admits_what_it_takes_and_stores_a_voice_message_until_it_is_full() {
    let (s, _dir) = app().await;
    let id = order(&s, OrderStatus::InProduction).await;
    let p = making::make(&s, &id, None, "bench").await.unwrap().piece;
    let upload =
        |ct: &'static str, len: Option<u64>| Upload { content_type: ct, declared_length: len, name: Some("Hello") };

    let e = vault::admit(&s, &p, upload("text/plain", None)).await.err().unwrap();
    assert!(matches!(&e, VaultError::UnsupportedType(t) if t == "text/plain"), "{e:?}");
    let e = vault::admit(&s, &p, upload("audio/webm", Some(21 << 20))).await.err().unwrap();
    assert!(matches!(e, VaultError::DeclaredTooLarge(VaultKind::Voice)), "{e:?}");

    let webm = |n: usize| {
        let mut b = vec![0x1a, 0x45, 0xdf, 0xa3];
        b.resize(n, 7);
        futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(b))])
    };
    let a = vault::admit(&s, &p, upload("audio/webm;codecs=opus", None)).await.unwrap();
    let item = vault::store(&s, &p, a, webm(100)).await.unwrap();
    assert_eq!((item.kind, item.bytes, item.name.as_str()), (VaultKind::Voice, 100, "Hello"));
    assert_eq!(s.media.get(&item.object).await.unwrap().len(), 100);

    // Not what its type says: refused before anything is stored.
    let a = vault::admit(&s, &p, upload("audio/ogg", None)).await.unwrap();
    let e = vault::store(&s, &p, a, webm(100)).await.err().unwrap();
    assert!(matches!(e, VaultError::Mismatch("audio/ogg")), "{e:?}");

    for _ in 1..VaultKind::Voice.max_items() {
        let a = vault::admit(&s, &p, upload("audio/webm", None)).await.unwrap();
        vault::store(&s, &p, a, webm(10)).await.unwrap();
    }
    let e = vault::admit(&s, &p, upload("audio/webm", None)).await.err().unwrap();
    assert_eq!(e.to_string(), "a vault holds at most 20 voice item(s); remove one first");

    let zip = vault::export(&s, &p).await.unwrap();
    let mut z = zip::ZipArchive::new(zip).unwrap();
    assert_eq!(z.len(), 2 + 20, "manifest, certificate and every item");
    assert!(z.by_name("voice/001-Hello.webm").is_ok());
}
