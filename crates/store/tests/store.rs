//! The store on its own, without HTTP: each aggregate's writes and reads, its compare-and-sets
//! and its refusals, on an in-memory SQLite database and on a fresh PostgreSQL database
//! (127.0.0.1:5432, dropped afterwards). Under ORFEVRE_TEST_STRICT=1 an unusable PostgreSQL is a
//! failure, not a skip.

use orfevre_commerce::{GiftVault, OrderStatus, PieceEventKind, Role, VaultKind};
use orfevre_store::*;
use serde_json::json;
use std::time::Duration;

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh PostgreSQL database for one test, dropped when the guard goes.
struct Pg {
    name: String,
}

impl Pg {
    async fn create(test: &str) -> Option<(Pg, String)> {
        use sqlx::Connection;
        // PostgreSQL cuts names at 63 bytes: a hash of the test's name keeps them apart.
        let hash = test.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
        let name = format!("orfevre_s_{hash:016x}_{}", std::process::id());
        let made = async {
            let mut c = sqlx::PgConnection::connect(PG_ADMIN).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await?;
            c.close().await
        }
        .await;
        match made {
            Ok(()) => Some((Pg { name: name.clone() }, format!("postgres://postgres@127.0.0.1:5432/{name}"))),
            Err(e) => {
                orfevre_testkit::skip(&format!("the store's {test} on PostgreSQL: 127.0.0.1:5432 is not usable ({e})"));
                None
            }
        }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(PG_ADMIN).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                }
            })
        })
        .join();
    }
}

/// Runs `$body(store)` once on in-memory SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let s = Store::open("sqlite::memory:").await.unwrap();
                assert_eq!(s.backend(), Backend::Sqlite);
                ($body)(s).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some((_guard, url)) = Pg::create(stringify!($name)).await else { return };
                let s = Store::open(&url).await.unwrap();
                assert_eq!(s.backend(), Backend::Postgres);
                ($body)(s.clone()).await;
                s.close().await;
            }
        }
    };
}

/// The design every test order is of (orders refer to a saved design).
const DESIGN: &str = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

async fn with_design(s: &Store) {
    s.put_design(DESIGN, "2026.12.0", "{}", None).await.unwrap();
}

fn new_order(key: &str, quote: &str, status: OrderStatus) -> NewOrder {
    NewOrder {
        principal: "user:usr_1".into(),
        idempotency_key: key.into(),
        request_hash: format!("hash-of-{key}"),
        user_id: None,
        token_id: None,
        quote_id: quote.into(),
        design_hash: DESIGN.into(),
        catalog_version: "2026.12.0".into(),
        total: "120.00".into(),
        currency: "EUR".into(),
        customer: json!({"name": "Inès"}),
        status,
    }
}

#[tokio::test]
async fn an_unsupported_url_is_a_configuration_error() {
    let e = Store::open("mysql://root@localhost/x").await.unwrap_err();
    assert!(matches!(e, StoreError::Config(_)), "{e:?}");
    assert!(e.to_string().contains("use sqlite://PATH or postgres://"), "{e}");
}

#[tokio::test]
async fn in_memory_sqlite_stores_are_private_to_each_store_and_shared_by_its_connections() {
    let s = Store::open("sqlite::memory:").await.unwrap();
    s.set_setting("k", "here").await.unwrap();
    let other = Store::open("sqlite::memory:").await.unwrap();
    assert_eq!(other.setting("k").await.unwrap(), None);
    // More readers at once than one connection: every connection of the pool sees the same data.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let s = s.clone();
        set.spawn(async move { s.setting("k").await.unwrap() });
    }
    while let Some(r) = set.join_next().await {
        assert_eq!(r.unwrap().as_deref(), Some("here"));
    }
}

on_both!(the_first_setting_wins_for_every_server, |s: Store| async move {
    assert_eq!(s.setting_or_init("key", || "first".into()).await.unwrap(), "first");
    assert_eq!(s.setting_or_init("key", || "second".into()).await.unwrap(), "first");
});

on_both!(a_catalog_version_is_stored_once_and_never_with_other_content, |s: Store| async move {
    assert!(s.put_catalog("v1", "abc", "{}", Some("me")).await.unwrap());
    assert!(!s.put_catalog("v1", "abc", "{}", None).await.unwrap(), "same content: not new");
    let e = s.put_catalog("v1", "def", "{}", None).await.unwrap_err();
    assert!(matches!(&e, StoreError::Unique(m) if m.contains("catalog version v1 already exists")), "{e:?}");
    let rows = s.catalogs().await.unwrap();
    assert_eq!((rows.len(), rows[0].digest.as_str(), rows[0].created_by.as_deref()), (1, "abc", Some("me")));
    s.publish_catalog("v1").await.unwrap();
    assert_eq!(s.active_catalog().await.unwrap().as_deref(), Some("v1"));
});

on_both!(a_design_is_saved_once_and_listed_for_whoever_saved_it, |s: Store| async move {
    let u = s.create_user("a@example.com", "h", Role::Shopper).await.unwrap();
    let h = "a".repeat(64);
    assert!(s.put_design(&h, "v1", "{\"base\":\"x\"}", Some(&u.id)).await.unwrap());
    assert!(!s.put_design(&h, "v1", "{\"base\":\"x\"}", None).await.unwrap());
    assert_eq!(s.design(&h).await.unwrap().unwrap().catalog_version, "v1");
    let mine = s.user_designs(&u.id).await.unwrap();
    assert_eq!(mine.iter().map(|d| d.hash.as_str()).collect::<Vec<_>>(), [h.as_str()]);
});

on_both!(accounts_have_one_email_each_and_sessions_find_their_user, |s: Store| async move {
    let u = s.create_user("ines@example.com", "hash", Role::Workshop).await.unwrap();
    let e = s.create_user("ines@example.com", "other", Role::Shopper).await.unwrap_err();
    assert!(matches!(&e, StoreError::Unique(m) if m == "an account exists for ines@example.com"), "{e:?}");
    let secret = s.create_session(&u.id, "csrf", Duration::from_secs(60)).await.unwrap();
    let (found, csrf) = s.session(&secret).await.unwrap().unwrap();
    assert_eq!((found.id.as_str(), found.role, csrf.as_str()), (u.id.as_str(), Role::Workshop, "csrf"));
    s.delete_session(&secret).await.unwrap();
    assert!(s.session(&secret).await.unwrap().is_none());
    let (t, secret) = s.create_token("shop", Role::Integration).await.unwrap();
    assert_eq!(s.token(&secret).await.unwrap().unwrap().role, Role::Integration);
    assert!(s.revoke_token(&t.id).await.unwrap());
    assert!(!s.revoke_token(&t.id).await.unwrap(), "revoked once");
    assert!(s.token(&secret).await.unwrap().is_none());
    assert!(matches!(s.set_password("usr_nobody", "h").await, Err(StoreError::NotFound(_))));
});

/// Writes what the store never writes, as a damaged or hand-edited database would hold, then
/// reads it back through the store.
async fn unknown_words_are_corrupt_data(url: &str) {
    use sqlx::Connection;
    let s = Store::open(url).await.unwrap();
    with_design(&s).await;
    let u = s.create_user("x@example.com", "h", Role::Shopper).await.unwrap();
    let Created::New(o) = s.create_order(new_order("k", "q", OrderStatus::Placed), |_| "{}".into()).await.unwrap()
    else {
        panic!()
    };
    let mut raw = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query(&format!("UPDATE users SET role = 'superuser' WHERE id = '{}'", u.id)).execute(&mut raw).await.unwrap();
    sqlx::query(&format!("UPDATE orders SET status = 'lost' WHERE id = '{}'", o.id)).execute(&mut raw).await.unwrap();
    let e = s.user_by_email("x@example.com").await.unwrap_err();
    assert!(matches!(&e, StoreError::Corrupt(m) if m.contains("\"superuser\" is not a role")), "{e:?}");
    let e = s.order(&o.id).await.unwrap_err();
    assert!(matches!(&e, StoreError::Corrupt(m) if m.contains("\"lost\" is not an order status")), "{e:?}");
    sqlx::query(&format!("UPDATE orders SET status = 'placed', customer = 'not json' WHERE id = '{}'", o.id))
        .execute(&mut raw)
        .await
        .unwrap();
    let e = s.order(&o.id).await.unwrap_err();
    assert!(matches!(&e, StoreError::Corrupt(m) if m.contains("customer") && m.contains("not JSON")), "{e:?}");
    s.close().await;
}

#[tokio::test]
async fn an_unknown_word_in_sqlite_is_corrupt_data_not_a_default() {
    let path = std::env::temp_dir().join(format!("orfevre-store-corrupt-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    unknown_words_are_corrupt_data(&format!("sqlite://{}", path.display())).await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn an_unknown_word_in_postgresql_is_corrupt_data_not_a_default() {
    let Some((_guard, url)) = Pg::create("corrupt").await else { return };
    unknown_words_are_corrupt_data(&url).await;
}

on_both!(an_order_is_made_once_per_key_and_once_per_quote, |s: Store| async move {
    with_design(&s).await;
    let Created::New(o) = s.create_order(new_order("k1", "quo_1", OrderStatus::Placed), |_| "{}".into()).await.unwrap()
    else {
        panic!("a new order")
    };
    assert_eq!(o.status, OrderStatus::Placed);
    assert!(matches!(s.create_order(new_order("k1", "quo_1", OrderStatus::Placed), |_| "{}".into()).await.unwrap(),
        Created::Replayed(r) if r.id == o.id));
    let mut other = new_order("k1", "quo_2", OrderStatus::Placed);
    other.request_hash = "different".into();
    assert!(matches!(s.create_order(other, |_| "{}".into()).await.unwrap(), Created::KeyReused(r) if r.id == o.id));
    assert!(matches!(s.create_order(new_order("k2", "quo_1", OrderStatus::Placed), |_| "{}".into()).await.unwrap(),
        Created::QuoteUsed(id) if id == o.id));
    let back = s.order(&o.id).await.unwrap().unwrap();
    assert_eq!(back.customer, json!({"name": "Inès"}));
    assert_eq!(s.order_events(&o.id).await.unwrap().len(), 1);
});

on_both!(a_move_from_a_status_the_order_left_is_stale, |s: Store| async move {
    with_design(&s).await;
    let Created::New(o) =
        s.create_order(new_order("k", "q", OrderStatus::AwaitingPayment), |_| "{}".into()).await.unwrap()
    else {
        panic!()
    };
    let t = Transition { order: &o.id, from: OrderStatus::AwaitingPayment, to: OrderStatus::Placed, actor: "admin" };
    assert_eq!(s.transition_order(t, |_| "{}".into()).await.unwrap().status, OrderStatus::Placed);
    let again = s.transition_order(t, |_| "{}".into()).await.unwrap_err();
    assert!(matches!(again, StoreError::Stale(_)), "{again:?}");
    let events = s.order_events(&o.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.status).collect::<Vec<_>>(),
        [OrderStatus::AwaitingPayment, OrderStatus::Placed]
    );
    assert_eq!(events[1].actor, "admin");
});

on_both!(the_histories_of_many_orders_come_in_one_query_grouped_by_order, |s: Store| async move {
    with_design(&s).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let Created::New(o) = s
            .create_order(new_order(&format!("k{i}"), &format!("q{i}"), OrderStatus::Placed), |_| "{}".into())
            .await
            .unwrap()
        else {
            panic!()
        };
        if i % 2 == 0 {
            let t = Transition { order: &o.id, from: OrderStatus::Placed, to: OrderStatus::InProduction, actor: "w" };
            s.transition_order(t, |_| "{}".into()).await.unwrap();
        }
        ids.push(o.id);
    }
    let all = s.order_events_of(&ids).await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(all[id], s.order_events(id).await.unwrap().into_iter().collect::<Vec<_>>(), "order {i}");
        assert_eq!(all[id].len(), if i % 2 == 0 { 2 } else { 1 });
    }
    assert!(s.order_events_of(&[]).await.unwrap().is_empty());
    let listed = s.orders(None, None, 3).await.unwrap();
    assert_eq!(listed.len(), 3, "the limit holds");
});

/// What a piece needs first: its order (of the test design) and two people, its maker and a
/// friend.
struct Fixture {
    order: String,
    alice: String,
    bob: String,
}

async fn fixture(s: &Store) -> Fixture {
    with_design(s).await;
    let alice = s.create_user("alice@example.com", "h", Role::Shopper).await.unwrap().id;
    let bob = s.create_user("bob@example.com", "h", Role::Shopper).await.unwrap().id;
    let Created::New(o) =
        s.create_order(new_order("k", "q", OrderStatus::InProduction), |_| "{}".into()).await.unwrap()
    else {
        panic!("a new order")
    };
    Fixture { order: o.id, alice, bob }
}

fn new_piece(f: &Fixture, serial: &str, index: i64) -> NewPiece {
    NewPiece {
        serial: serial.into(),
        order_id: f.order.clone(),
        design_hash: "d1".into(),
        catalog_version: "v1".into(),
        base_id: "ring".into(),
        gtin: None,
        record: json!({"name": "Ring"}),
        certificate: json!({"proof": 1}),
        status_list: 0,
        status_index: index,
        owner_id: Some(f.alice.clone()),
    }
}

on_both!(an_alteration_checked_on_an_old_design_is_stale_and_changes_nothing, |s: Store| async move {
    let f = fixture(&s).await;
    let p = s.create_piece(&new_piece(&f, "SER1", 7), None, "workshop", "{}").await.unwrap().unwrap();
    assert!(s.create_piece(&new_piece(&f, "SER1", 8), None, "workshop", "{}").await.unwrap().is_none(), "serial taken");
    let to = PieceState { design_hash: "d2".into(), catalog_version: "v2".into(), record: json!({"name": "Ring+"}) };
    let a = Alteration {
        serial: &p.serial,
        from_design: "d1",
        to: to.clone(),
        kind: PieceEventKind::ModuleAdded,
        detail: json!({"sku": "X"}),
        actor: "workshop",
        event_payload: "{}".into(),
    };
    s.alter_piece(a.clone()).await.unwrap();
    assert!(matches!(s.alter_piece(a).await.unwrap_err(), StoreError::Stale(_)));
    let now = s.piece("SER1").await.unwrap().unwrap();
    assert_eq!((now.design_hash.as_str(), now.record["name"].as_str()), ("d2", Some("Ring+")));
    let kinds: Vec<PieceEventKind> = s.piece_events("SER1").await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [PieceEventKind::Made, PieceEventKind::ModuleAdded]);
    assert!(s.revoke_piece("SER1", "lost", "admin").await.unwrap());
    assert!(!s.revoke_piece("SER1", "lost", "admin").await.unwrap());
    assert_eq!(s.revoked_indices(0).await.unwrap(), [7]);
});

on_both!(a_piece_with_a_tag_fitted_elsewhere_is_not_recorded_at_all, |s: Store| async move {
    let f = fixture(&s).await;
    s.create_piece(&new_piece(&f, "SER5", 3), Some("04AABBCCDDEE11"), "w", "{}").await.unwrap().unwrap();
    assert_eq!(s.tags("SER5").await.unwrap().len(), 1, "made with its tag");
    let e = s.create_piece(&new_piece(&f, "SER6", 4), Some("04AABBCCDDEE11"), "w", "{}").await.unwrap_err();
    assert!(matches!(&e, StoreError::Unique(m) if m == "tag 04AABBCCDDEE11 is already fitted to a piece"), "{e:?}");
    assert!(s.piece("SER6").await.unwrap().is_none(), "no piece without the tag it was made with");
    assert_eq!(s.piece_count().await.unwrap(), 1);
});

on_both!(a_tag_counter_only_goes_up_and_a_lost_tag_opens_nothing, |s: Store| async move {
    let f = fixture(&s).await;
    s.create_piece(&new_piece(&f, "SER2", 1), None, "w", "{}").await.unwrap().unwrap();
    assert!(s.add_tag("04AABBCCDDEEFF", "SER2", "w").await.unwrap());
    assert!(!s.add_tag("04AABBCCDDEEFF", "SER2", "w").await.unwrap(), "a UID is fitted once");
    assert_eq!(s.advance_tag("04AABBCCDDEEFF", 5).await.unwrap(), TapOutcome::Accepted { serial: "SER2".into() });
    assert_eq!(
        s.advance_tag("04AABBCCDDEEFF", 5).await.unwrap(),
        TapOutcome::Replayed { serial: "SER2".into(), last: 5 }
    );
    assert_eq!(
        s.advance_tag("04AABBCCDDEEFF", 3).await.unwrap(),
        TapOutcome::Replayed { serial: "SER2".into(), last: 5 }
    );
    assert!(s.revoke_tag("SER2", "04AABBCCDDEEFF", "owner").await.unwrap());
    assert_eq!(s.advance_tag("04AABBCCDDEEFF", 9).await.unwrap(), TapOutcome::Revoked { serial: "SER2".into() });
    assert_eq!(s.advance_tag("04000000000000", 1).await.unwrap(), TapOutcome::Unknown);
    let v = s.create_viewer("SER2", true, Duration::from_secs(60)).await.unwrap();
    s.viewer_pin(&v, false).await.unwrap();
    let seen = s.viewer(&v).await.unwrap().unwrap();
    assert_eq!((seen.needs_pin, seen.attempts), (true, 1));
    s.viewer_pin(&v, true).await.unwrap();
    assert!(!s.viewer(&v).await.unwrap().unwrap().needs_pin);
});

fn item(serial: &str, n: usize, kind: VaultKind) -> VaultItem {
    VaultItem {
        id: format!("vlt_{n}"),
        serial: serial.into(),
        kind,
        mime: "video/mp4".into(),
        name: format!("item {n}"),
        bytes: 10,
        object: format!("vault/{serial}/{n}"),
        thumb: None,
        created_at: n as i64,
    }
}

on_both!(a_vault_holds_what_its_kind_allows_and_a_wiping_gift_empties_it, |s: Store| async move {
    let f = fixture(&s).await;
    s.create_piece(&new_piece(&f, "SER3", 2), None, "w", "{}").await.unwrap().unwrap();
    assert!(s.add_vault_item(&item("SER3", 1, VaultKind::Video)).await.unwrap());
    assert!(!s.add_vault_item(&item("SER3", 2, VaultKind::Video)).await.unwrap(), "one video per vault");
    assert!(s.add_vault_item(&item("SER3", 3, VaultKind::Voice)).await.unwrap());
    assert_eq!(
        s.vault_items("SER3").await.unwrap().iter().map(|i| i.kind).collect::<Vec<_>>(),
        [VaultKind::Video, VaultKind::Voice]
    );
    let code = s.create_claim("SER3", Some(&f.alice), GiftVault::Wipe, Duration::from_secs(60)).await.unwrap();
    assert!(matches!(s.redeem_claim(&code, &f.alice, "a", |_, _| "{}".into()).await.unwrap(), Redeemed::OwnPiece));
    let Redeemed::Done { serial, wiped } =
        s.redeem_claim(&code.to_lowercase(), &f.bob, "b", |_, v| format!("{v}")).await.unwrap()
    else {
        panic!("the code is good for someone else")
    };
    assert_eq!((serial.as_str(), wiped.len()), ("SER3", 2));
    assert!(s.vault_items("SER3").await.unwrap().is_empty());
    assert!(matches!(s.redeem_claim(&code, &f.alice, "a", |_, _| "{}".into()).await.unwrap(), Redeemed::Used));
    assert!(matches!(
        s.redeem_claim("AAAA-BBBB-CCCC", &f.alice, "a", |_, _| "{}".into()).await.unwrap(),
        Redeemed::Unknown
    ));
    assert_eq!(s.piece("SER3").await.unwrap().unwrap().owner_id.as_deref(), Some(f.bob.as_str()));
    let last = s.piece_events("SER3").await.unwrap().pop().unwrap();
    assert_eq!((last.kind, &last.detail["vault"]), (PieceEventKind::Transferred, &json!("wipe")));
});

on_both!(an_event_is_queued_for_every_live_endpoint_and_leased_once, |s: Store| async move {
    with_design(&s).await;
    let a = s.add_webhook("http://a.example/hook", "s1").await.unwrap();
    let b = s.add_webhook("http://b.example/hook", "s2").await.unwrap();
    assert!(s.disable_webhook(&b.id).await.unwrap());
    s.create_order(new_order("k", "q", OrderStatus::Placed), |o| format!("{{\"id\":\"{}\"}}", o.id)).await.unwrap();
    let first = s.claim_deliveries(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(first.len(), 1, "only the live endpoint");
    assert_eq!((first[0].endpoint_id.as_str(), first[0].event_type.as_str()), (a.id.as_str(), "order.created"));
    assert!(s.claim_deliveries(10, Duration::from_secs(30)).await.unwrap().is_empty(), "leased");
    s.delivery_failed(&first[0].id, "boom", None).await.unwrap();
    let d = s.deliveries(&a.id).await.unwrap();
    assert_eq!((d[0].attempts, d[0].failed_at.is_some(), d[0].last_error.as_deref()), (1, true, Some("boom")));
});
