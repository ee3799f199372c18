//! Pieces (the produced items) and their history: made once per serial, altered by
//! compare-and-set on the design they were checked against, revoked once.

use crate::webhooks::enqueue;
use crate::{
    is_unique_violation, new_id, next_event_at, now_ms, Flag, History, JsonText, Result, Store, StoreError, Tx, Word,
};
use orfevre_commerce::PieceEventKind;
use serde::Serialize;
use sqlx::Row;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Piece {
    pub serial: String,
    pub order_id: String,
    /// The piece's current design: the order's as made, then each alteration's (the certificate
    /// keeps what was made).
    pub design_hash: String,
    /// The catalog version the current design is checked against.
    pub catalog_version: String,
    pub base_id: String,
    pub gtin: Option<String>,
    /// What the piece is: name, materials, weight (JSON, written at making and at each
    /// alteration).
    #[sqlx(try_from = "JsonText")]
    pub record: serde_json::Value,
    /// The signed certificate of authenticity (a Verifiable Credential).
    #[sqlx(try_from = "JsonText")]
    pub certificate: serde_json::Value,
    pub status_list: i64,
    pub status_index: i64,
    pub owner_id: Option<String>,
    /// Whether a genuine tap opens the vault to whoever holds the piece.
    #[sqlx(try_from = "Flag")]
    pub tap_access: bool,
    #[serde(skip)]
    pub pin_hash: Option<String>,
    pub revoked_at: Option<i64>,
    pub made_at: i64,
}

/// A piece to record; `serial` and `status_index` are the caller's random picks (a collision
/// makes `create_piece` answer `None`, and the caller picks again).
#[derive(Clone, Debug)]
pub struct NewPiece {
    pub serial: String,
    pub order_id: String,
    pub design_hash: String,
    pub catalog_version: String,
    pub base_id: String,
    pub gtin: Option<String>,
    pub record: serde_json::Value,
    pub certificate: serde_json::Value,
    pub status_list: i64,
    pub status_index: i64,
    pub owner_id: Option<String>,
}

/// A piece's current state: as made, then after each alteration.
#[derive(Clone, Debug)]
pub struct PieceState {
    pub design_hash: String,
    pub catalog_version: String,
    pub record: serde_json::Value,
}

/// An alteration to record, as checked by the caller against the design `from_design`.
#[derive(Clone, Debug)]
pub struct Alteration<'a> {
    pub serial: &'a str,
    pub from_design: &'a str,
    pub to: PieceState,
    /// module_added, module_swapped or module_removed.
    pub kind: PieceEventKind,
    pub detail: serde_json::Value,
    pub actor: &'a str,
    /// The `piece.altered` webhook's body.
    pub event_payload: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PieceEvent {
    #[sqlx(try_from = "Word<PieceEventKind>")]
    pub kind: PieceEventKind,
    #[sqlx(try_from = "JsonText")]
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: i64,
}

pub(crate) const PIECE_COLUMNS: &str = "serial, order_id, design_hash, catalog_version, base_id, gtin, record, \
     certificate, status_list, status_index, owner_id, tap_access, pin_hash, revoked_at, made_at";

/// Adds an event to a piece's history (inside the caller's transaction), at least a
/// millisecond after its last one, so that the history read back in time order is the order of
/// the writes.
pub(crate) async fn add_event(
    tx: &mut Tx<'_>,
    serial: &str,
    kind: PieceEventKind,
    detail: &serde_json::Value,
    actor: &str,
    now: i64,
) -> Result<()> {
    let at = next_event_at(tx, History::Piece, serial, now).await?;
    sqlx::query("INSERT INTO piece_events (id, serial, kind, detail, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id("pev_"))
        .bind(serial)
        .bind(kind.as_str())
        .bind(detail.to_string())
        .bind(actor)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Records a made piece with its first event, the NFC tag fitted to it if any, and its
    /// `piece.made` webhook deliveries — one transaction — or `None` when its serial or status
    /// index is taken (the caller draws again). A tag fitted to another piece meanwhile is
    /// `Unique`, and nothing is recorded.
    pub async fn create_piece(
        &self,
        p: &NewPiece,
        tag: Option<&str>,
        actor: &str,
        event_payload: &str,
    ) -> Result<Option<Piece>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO pieces ({PIECE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, NULL, NULL, $12)"
        ))
        .bind(&p.serial)
        .bind(&p.order_id)
        .bind(&p.design_hash)
        .bind(&p.catalog_version)
        .bind(&p.base_id)
        .bind(&p.gtin)
        .bind(p.record.to_string())
        .bind(p.certificate.to_string())
        .bind(p.status_list)
        .bind(p.status_index)
        .bind(&p.owner_id)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        add_event(&mut tx, &p.serial, PieceEventKind::Made, &serde_json::json!({"order": p.order_id}), actor, now)
            .await?;
        if let Some(uid) = tag {
            if !crate::tags::insert_tag(&mut tx, uid, &p.serial, actor, now).await? {
                return Err(StoreError::Unique(format!("tag {uid} is already fitted to a piece")));
            }
        }
        enqueue(&mut tx, "piece.made", event_payload, now).await?;
        tx.commit().await?;
        self.piece(&p.serial).await
    }

    pub async fn piece(&self, serial: &str) -> Result<Option<Piece>> {
        let row: Option<Piece> = sqlx::query_as(&format!("SELECT {PIECE_COLUMNS} FROM pieces WHERE serial = $1"))
            .bind(serial)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row)
    }

    pub async fn pieces_of_owner(&self, user_id: &str) -> Result<Vec<Piece>> {
        let rows: Vec<Piece> =
            sqlx::query_as(&format!("SELECT {PIECE_COLUMNS} FROM pieces WHERE owner_id = $1 ORDER BY made_at DESC"))
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows)
    }

    pub async fn pieces_of_order(&self, order_id: &str) -> Result<Vec<Piece>> {
        let rows: Vec<Piece> =
            sqlx::query_as(&format!("SELECT {PIECE_COLUMNS} FROM pieces WHERE order_id = $1 ORDER BY made_at"))
                .bind(order_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows)
    }

    pub async fn piece_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM pieces").fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// The piece's history, oldest first.
    pub async fn piece_events(&self, serial: &str) -> Result<Vec<PieceEvent>> {
        Ok(sqlx::query_as("SELECT kind, detail, actor, at FROM piece_events WHERE serial = $1 ORDER BY at, id")
            .bind(serial)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn add_piece_event(
        &self,
        serial: &str,
        kind: PieceEventKind,
        detail: &serde_json::Value,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        add_event(&mut tx, serial, kind, detail, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a piece to the state an alteration gives it — its design, the catalog version that
    /// design is checked against, its record — with the history event and the `piece.altered`
    /// webhook deliveries, in one transaction. A compare-and-set on the design the alteration was
    /// checked against: `Stale` when another alteration (or a revocation) came first — the caller
    /// checks again on the new state, so no alteration is lost or made on a state it was not
    /// checked against.
    pub async fn alter_piece(&self, a: Alteration<'_>) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(
            "UPDATE pieces SET design_hash = $1, catalog_version = $2, record = $3 \
             WHERE serial = $4 AND design_hash = $5 AND revoked_at IS NULL",
        )
        .bind(&a.to.design_hash)
        .bind(&a.to.catalog_version)
        .bind(a.to.record.to_string())
        .bind(a.serial)
        .bind(a.from_design)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale(format!("piece {} changed meanwhile", a.serial)));
        }
        add_event(&mut tx, a.serial, a.kind, &a.detail, a.actor, now).await?;
        enqueue(&mut tx, "piece.altered", &a.event_payload, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a piece's certificate (its bit in the status list goes to 1). False when it was
    /// revoked already or does not exist.
    pub async fn revoke_piece(&self, serial: &str, reason: &str, actor: &str) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("UPDATE pieces SET revoked_at = $1 WHERE serial = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(serial)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 1 {
            let detail = serde_json::json!({"reason": reason});
            add_event(&mut tx, serial, PieceEventKind::CertificateRevoked, &detail, actor, now).await?;
        }
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// The revoked indices of one status list.
    pub async fn revoked_indices(&self, list: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT status_index FROM pieces WHERE status_list = $1 AND revoked_at IS NOT NULL")
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("status_index")?)).collect()
    }

    /// The owner's sharing choices. False when `owner` does not own the piece (any more).
    pub async fn set_sharing(
        &self,
        serial: &str,
        owner: &str,
        tap_access: bool,
        pin_hash: Option<&str>,
    ) -> Result<bool> {
        let r = sqlx::query("UPDATE pieces SET tap_access = $1, pin_hash = $2 WHERE serial = $3 AND owner_id = $4")
            .bind(tap_access as i64)
            .bind(pin_hash)
            .bind(serial)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
