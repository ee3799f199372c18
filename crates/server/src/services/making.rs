//! The workshop's acts on pieces: recording a made piece (serial, signed certificate, owner,
//! claim code for a buyer without an account) and altering one later (a module added, swapped in
//! or taken off) under the catalog on sale now.

use crate::services::catalogs::CatalogError;
use crate::services::pieces::{identity_url, issuer, status_url, BOX_CLAIM_TTL, STATUS_BITS};
use crate::services::rfc3339;
use crate::state::AppState;
use orfevre_commerce::{GiftVault, OrderStatus, PieceEventKind};
use orfevre_engine::{Alteration, Altered, Design, Engine};
use orfevre_store::{now_ms, NewPiece, Piece, PieceState, StoreError};
use orfevre_twin::{credential, status};
use serde_json::{json, Value};

/// How often an alteration is checked: again each time another one changed the piece meanwhile.
/// Each loss is another alteration's success, so this many attempts always get through when at
/// most this many alterations of one piece race (a workshop has one or two benches on a piece).
pub const ALTER_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum MakingError {
    #[error("no order {0}")]
    NoOrder(String),
    #[error("no piece with serial {0}")]
    NoPiece(String),
    #[error("order {order} is {status}; pieces are made once production starts")]
    NotInProduction { order: String, status: OrderStatus },
    #[error("piece {0}'s certificate is revoked: it is not altered")]
    Revoked(String),
    /// The alteration breaks the design's rules: why, where in the alteration, and a verified
    /// repair if one exists.
    #[error("{serial} cannot take this: {}", .reasons.join("; "))]
    CannotAlter { serial: String, pointer: String, reasons: Vec<String>, repair: Option<orfevre_engine::Repair> },
    #[error("piece {0} kept changing while this alteration was checked; try again")]
    KeptChanging(String),
    /// Something the store holds is missing or unreadable (the server's problem).
    #[error("{0}")]
    Broken(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, MakingError>;

/// What a piece is, from its design: name, size, materials, weight, brand.
pub fn record_of(e: &Engine, d: &Design) -> Value {
    let ev = e.evaluate(d);
    let base = e.catalog.base(&d.base).map(|b| &e.catalog.bases[b as usize]);
    json!({
        "name": base.map(|b| b.name.clone()).unwrap_or_else(|| d.base.clone()),
        "size": d.size,
        "materials": ev.bom.iter().map(|l| json!({"sku": l.sku, "name": l.name, "qty": l.qty})).collect::<Vec<_>>(),
        "weight_g": ev.weight.as_decimal().to_string(),
        "brand": e.catalog.brand.name,
    })
}

/// 12 characters of Crockford base 32 (60 random bits): short enough to engrave, too many to guess.
fn new_serial() -> String {
    orfevre_store::new_id("")[..12].to_uppercase()
}

/// A made piece, and the code to print in its box when its order had no account.
pub struct Made {
    pub piece: Piece,
    pub claim_code: Option<String>,
}

/// Records a made piece of order `order_id`: a fresh serial and status-list index, the signed
/// certificate, the owner (the order's account), the NFC tag `tag` fitted to it, the `piece.made`
/// event — all or nothing.
pub async fn make(s: &AppState, order_id: &str, tag: Option<&str>, actor: &str) -> Result<Made> {
    let o = s.store.order(order_id).await?.ok_or_else(|| MakingError::NoOrder(order_id.to_string()))?;
    if !o.status.in_production_or_after() {
        return Err(MakingError::NotInProduction { order: order_id.to_string(), status: o.status });
    }
    let e = s
        .catalogs
        .get(&o.catalog_version)
        .await?
        .ok_or_else(|| MakingError::Broken(format!("catalog {} is missing", o.catalog_version)))?;
    let row = s.store.design(&o.design_hash).await?;
    let row = row.ok_or_else(|| MakingError::Broken("the order's design is missing".into()))?;
    let d = Design::from_json(row.body.as_bytes()).map_err(|e| MakingError::Broken(e.to_string()))?;
    let record = record_of(&e, &d);
    let gtin = e.catalog.base(&d.base).and_then(|b| e.catalog.bases[b as usize].gtin.clone());
    let (did, method) = issuer(s);
    let list = s.store.piece_count().await? / (STATUS_BITS as i64 / 2);
    let now = now_ms();
    for _ in 0..8 {
        let serial = new_serial();
        let index = rand::random::<u64>() % STATUS_BITS;
        let mut piece = Piece {
            serial: serial.clone(),
            order_id: o.id.clone(),
            design_hash: o.design_hash.clone(),
            catalog_version: o.catalog_version.clone(),
            base_id: d.base.clone(),
            gtin: gtin.clone(),
            record: record.clone(),
            certificate: Value::Null,
            status_list: list,
            status_index: index as i64,
            owner_id: o.user_id.clone(),
            tap_access: false,
            pin_hash: None,
            revoked_at: None,
            made_at: now,
        };
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "CertificateOfAuthenticity"],
            "issuer": {"id": did, "name": e.catalog.brand.name},
            "validFrom": rfc3339(now),
            "credentialSubject": {
                "id": identity_url(s, &piece),
                "serialNumber": serial,
                "gtin": gtin,
                "product": record["name"],
                "design": o.design_hash,
                "catalogVersion": o.catalog_version,
                "materials": record["materials"],
                "weightGrams": record["weight_g"],
                "madeAt": rfc3339(now),
            },
            "credentialStatus": status::entry(&status_url(s, list), index),
        });
        piece.certificate = credential::issue_as(&doc, &s.twin.passport, &rfc3339(now), &method)
            .map_err(|e| MakingError::Broken(e.to_string()))?;
        let url = identity_url(s, &piece);
        let new = NewPiece {
            serial,
            order_id: piece.order_id,
            design_hash: piece.design_hash,
            catalog_version: piece.catalog_version,
            base_id: piece.base_id,
            gtin: piece.gtin,
            record: piece.record,
            certificate: piece.certificate,
            status_list: list,
            status_index: index as i64,
            owner_id: piece.owner_id,
        };
        let payload = json!({
            "type": "piece.made",
            "timestamp": rfc3339(now),
            "data": {"serial": new.serial, "order_id": new.order_id, "design": new.design_hash,
                "url": url, "owner_account": new.owner_id.is_some()},
        })
        .to_string();
        if let Some(p) = s.store.create_piece(&new, tag, actor, &payload).await? {
            let claim_code = match &p.owner_id {
                None => Some(s.store.create_claim(&p.serial, None, GiftVault::HandOver, BOX_CLAIM_TTL).await?),
                Some(_) => None,
            };
            return Ok(Made { piece: p, claim_code });
        }
    }
    Err(MakingError::Broken("no free serial after 8 draws".into()))
}

/// Alters a made piece: checked against its current state under the catalog on sale now (a
/// module bought later comes from it); refused with the rules it would break, else the piece's
/// design, materials and weight follow and its story tells it. Checked again, up to
/// [`ALTER_ATTEMPTS`] times, when another alteration changed the piece meanwhile.
pub async fn alter(
    s: &AppState,
    serial: &str,
    alteration: &Alteration,
    note: Option<&str>,
    actor: &str,
) -> Result<(Piece, Altered)> {
    for _ in 0..ALTER_ATTEMPTS {
        let p = s.store.piece(serial).await?.ok_or_else(|| MakingError::NoPiece(serial.to_string()))?;
        if p.revoked_at.is_some() {
            return Err(MakingError::Revoked(serial.to_string()));
        }
        let row = s.store.design(&p.design_hash).await?;
        let row = row.ok_or_else(|| MakingError::Broken("a piece's design is missing".into()))?;
        let mut d = Design::from_json(row.body.as_bytes()).map_err(|e| MakingError::Broken(e.to_string()))?;
        let e = s.catalogs.active();
        d.catalog =
            orfevre_engine::CatalogRef { id: e.catalog.brand.id.clone(), version: e.catalog.brand.version.clone() };
        let a = alteration.clone();
        // Alterations evaluate candidates for the repair (milliseconds): off the async workers.
        let (e, checked) = tokio::task::spawn_blocking(move || {
            let checked = e.alter(&d, &a).map(|done| {
                let record = record_of(&e, &done.design);
                (done, record)
            });
            (e, checked)
        })
        .await
        .map_err(|e| MakingError::Broken(e.to_string()))?;
        let (done, record) = checked.map_err(|r| MakingError::CannotAlter {
            serial: serial.to_string(),
            pointer: r.pointer,
            reasons: r.reasons,
            repair: r.repair,
        })?;
        let hash = done.design.hash();
        let version = e.catalog.brand.version.clone();
        s.store.put_design(&hash, &version, &done.design.canonical_json(), None).await?;
        let name = e.catalog.component(&done.sku).map(|c| e.catalog.comp(c).name.clone());
        let kind: PieceEventKind = done
            .kind
            .as_str()
            .parse()
            .map_err(|e: orfevre_commerce::UnknownValue| MakingError::Broken(e.to_string()))?;
        let detail = json!({"sku": done.sku, "name": name, "replaced": done.replaced, "design": hash,
            "catalog_version": version, "note": note});
        let payload = json!({
            "type": "piece.altered",
            "timestamp": rfc3339(now_ms()),
            "data": {"serial": p.serial, "kind": kind, "sku": done.sku, "replaced": done.replaced, "design": hash},
        })
        .to_string();
        let to = PieceState { design_hash: hash, catalog_version: version, record };
        let change = orfevre_store::Alteration {
            serial: &p.serial,
            from_design: &p.design_hash,
            to,
            kind,
            detail,
            actor,
            event_payload: payload,
        };
        match s.store.alter_piece(change).await {
            Ok(()) => {
                let p = s.store.piece(serial).await?.ok_or_else(|| MakingError::NoPiece(serial.to_string()))?;
                return Ok((p, done));
            }
            // Another alteration (or a revocation) came first: check again on what the piece is now.
            Err(StoreError::Stale(_)) => tracing::debug!(serial, "alteration raced another one; checking again"),
            Err(e) => return Err(e.into()),
        }
    }
    Err(MakingError::KeptChanging(serial.to_string()))
}
