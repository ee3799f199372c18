//! Pieces (the produced items), their history, NFC tags with the last tap counter, the memory
//! vault's items, gift claims and the viewer capabilities a genuine tap gives.
//!
//! The tap counter only goes up: `advance_tag` is one conditional `UPDATE … WHERE counter < $n`,
//! which both databases apply atomically per row, so two servers racing on one tag accept a
//! counter once and never move it back.

use crate::{is_unique_violation, new_id, new_secret, now_ms, secret_hash, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::time::Duration;

#[derive(Clone, Debug, Serialize)]
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
    pub record: serde_json::Value,
    /// The signed certificate of authenticity (a Verifiable Credential).
    pub certificate: serde_json::Value,
    pub status_list: i64,
    pub status_index: i64,
    pub owner_id: Option<String>,
    /// Whether a genuine tap opens the vault to whoever holds the piece.
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

#[derive(Clone, Debug, Serialize)]
pub struct PieceEvent {
    pub kind: String,
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Tag {
    pub uid: String,
    pub serial: String,
    /// The highest tap counter accepted so far (-1 before the first tap).
    pub counter: i64,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
}

/// What a tap's counter did to its tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TapOutcome {
    /// The counter was above the last one: accepted and stored.
    Accepted { serial: String },
    /// The counter was not above the last one: a copied or replayed URL.
    Replayed { serial: String, last: i64 },
    /// The tag was declared lost.
    Revoked { serial: String },
    /// No tag has this UID.
    Unknown,
}

#[derive(Clone, Debug, Serialize)]
pub struct VaultItem {
    pub id: String,
    #[serde(skip)]
    pub serial: String,
    /// photo, video or voice.
    pub kind: String,
    pub mime: String,
    pub name: String,
    pub bytes: i64,
    /// The media store's key of the item and of its thumbnail.
    #[serde(skip)]
    pub object: String,
    #[serde(skip)]
    pub thumb: Option<String>,
    pub created_at: i64,
}

/// A viewer capability as read back.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub serial: String,
    pub needs_pin: bool,
    pub attempts: i64,
}

/// The outcome of redeeming a gift code.
#[derive(Debug)]
pub enum Redeemed {
    /// The piece is the redeemer's now; `wiped` lists the vault items removed (their media must
    /// be deleted by the caller).
    Done {
        serial: String,
        wiped: Vec<VaultItem>,
    },
    Unknown,
    Used,
    Expired,
    /// The redeemer already owns the piece.
    OwnPiece,
}

const PIECE_COLUMNS: &str = "serial, order_id, design_hash, catalog_version, base_id, gtin, record, certificate, \
     status_list, status_index, owner_id, tap_access, pin_hash, revoked_at, made_at";
const VAULT_COLUMNS: &str = "id, serial, kind, mime, name, bytes, object, thumb, created_at";

fn json_col(r: &AnyRow, col: &str) -> Result<serde_json::Value> {
    let s: String = r.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| StoreError::Conflict(format!("{col} is not JSON: {e}")))
}

fn piece_of(r: &AnyRow) -> Result<Piece> {
    Ok(Piece {
        serial: r.try_get("serial")?,
        order_id: r.try_get("order_id")?,
        design_hash: r.try_get("design_hash")?,
        catalog_version: r.try_get("catalog_version")?,
        base_id: r.try_get("base_id")?,
        gtin: r.try_get("gtin")?,
        record: json_col(r, "record")?,
        certificate: json_col(r, "certificate")?,
        status_list: r.try_get("status_list")?,
        status_index: r.try_get("status_index")?,
        owner_id: r.try_get("owner_id")?,
        tap_access: r.try_get::<i64, _>("tap_access")? != 0,
        pin_hash: r.try_get("pin_hash")?,
        revoked_at: r.try_get("revoked_at")?,
        made_at: r.try_get("made_at")?,
    })
}

fn tag_of(r: &AnyRow) -> Result<Tag> {
    Ok(Tag {
        uid: r.try_get("uid")?,
        serial: r.try_get("serial")?,
        counter: r.try_get("counter")?,
        revoked_at: r.try_get("revoked_at")?,
        created_at: r.try_get("created_at")?,
    })
}

fn vault_of(r: &AnyRow) -> Result<VaultItem> {
    Ok(VaultItem {
        id: r.try_get("id")?,
        serial: r.try_get("serial")?,
        kind: r.try_get("kind")?,
        mime: r.try_get("mime")?,
        name: r.try_get("name")?,
        bytes: r.try_get("bytes")?,
        object: r.try_get("object")?,
        thumb: r.try_get("thumb")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A gift code: 12 characters of Crockford base 32 (60 bits) in groups of four, easy to read
/// aloud or copy from a card.
pub fn new_claim_code() -> String {
    let raw = new_id("").to_uppercase();
    format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
}

/// The canonical form of a typed gift code: upper case, no separators or spaces.
pub fn normalise_claim_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

impl Store {
    /// Records a made piece with its first event and its `piece.made` webhook deliveries (one
    /// transaction), or `None` when its serial or status index is taken (the caller draws again).
    pub async fn create_piece(&self, p: &NewPiece, actor: &str, event_payload: &str) -> Result<Option<Piece>> {
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
        Self::piece_event_tx(&mut tx, &p.serial, "made", &serde_json::json!({"order": p.order_id}), actor, now).await?;
        Self::enqueue(&mut tx, "piece.made", event_payload, now).await?;
        tx.commit().await?;
        self.piece(&p.serial).await
    }

    async fn piece_event_tx(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        serial: &str,
        kind: &str,
        detail: &serde_json::Value,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO piece_events (id, serial, kind, detail, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id("pev_"))
            .bind(serial)
            .bind(kind)
            .bind(detail.to_string())
            .bind(actor)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn piece(&self, serial: &str) -> Result<Option<Piece>> {
        let row = sqlx::query(&format!("SELECT {PIECE_COLUMNS} FROM pieces WHERE serial = $1"))
            .bind(serial)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(piece_of).transpose()
    }

    pub async fn pieces_of_owner(&self, user_id: &str) -> Result<Vec<Piece>> {
        let rows =
            sqlx::query(&format!("SELECT {PIECE_COLUMNS} FROM pieces WHERE owner_id = $1 ORDER BY made_at DESC"))
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(piece_of).collect()
    }

    pub async fn pieces_of_order(&self, order_id: &str) -> Result<Vec<Piece>> {
        let rows = sqlx::query(&format!("SELECT {PIECE_COLUMNS} FROM pieces WHERE order_id = $1 ORDER BY made_at"))
            .bind(order_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(piece_of).collect()
    }

    pub async fn piece_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM pieces").fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// The piece's history, oldest first.
    pub async fn piece_events(&self, serial: &str) -> Result<Vec<PieceEvent>> {
        let rows = sqlx::query("SELECT kind, detail, actor, at FROM piece_events WHERE serial = $1 ORDER BY at, id")
            .bind(serial)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PieceEvent {
                    kind: r.try_get("kind")?,
                    detail: json_col(r, "detail")?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    pub async fn add_piece_event(
        &self,
        serial: &str,
        kind: &str,
        detail: &serde_json::Value,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::piece_event_tx(&mut tx, serial, kind, detail, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a piece to the state an alteration gives it — its design, the catalog version that
    /// design is checked against, its record — with the history event and the `piece.altered`
    /// webhook deliveries, in one transaction. A compare-and-set on the design the alteration was
    /// checked against: false when another alteration came first (the caller checks again on the
    /// new state), so no alteration is lost or made on a state it was not checked against.
    #[allow(clippy::too_many_arguments)]
    pub async fn alter_piece(
        &self,
        serial: &str,
        from_design: &str,
        to: &PieceState,
        kind: &str,
        detail: &serde_json::Value,
        actor: &str,
        event_payload: &str,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(
            "UPDATE pieces SET design_hash = $1, catalog_version = $2, record = $3 \
             WHERE serial = $4 AND design_hash = $5 AND revoked_at IS NULL",
        )
        .bind(&to.design_hash)
        .bind(&to.catalog_version)
        .bind(to.record.to_string())
        .bind(serial)
        .bind(from_design)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        Self::piece_event_tx(&mut tx, serial, kind, detail, actor, now).await?;
        Self::enqueue(&mut tx, "piece.altered", event_payload, now).await?;
        tx.commit().await?;
        Ok(true)
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
            Self::piece_event_tx(
                &mut tx,
                serial,
                "certificate_revoked",
                &serde_json::json!({"reason": reason}),
                actor,
                now,
            )
            .await?;
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

    // ----- tags -----------------------------------------------------------------------------

    /// Registers a tag on a piece. False when the UID is registered already.
    pub async fn add_tag(&self, uid: &str, serial: &str, actor: &str) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(
            "INSERT INTO tags (uid, serial, counter, revoked_at, created_at) VALUES ($1, $2, -1, NULL, $3) \
             ON CONFLICT (uid) DO NOTHING",
        )
        .bind(uid)
        .bind(serial)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 1 {
            Self::piece_event_tx(&mut tx, serial, "tag_added", &serde_json::json!({"uid": uid}), actor, now).await?;
        }
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn tag(&self, uid: &str) -> Result<Option<Tag>> {
        let row = sqlx::query("SELECT uid, serial, counter, revoked_at, created_at FROM tags WHERE uid = $1")
            .bind(uid)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tag_of).transpose()
    }

    pub async fn tags(&self, serial: &str) -> Result<Vec<Tag>> {
        let rows = sqlx::query(
            "SELECT uid, serial, counter, revoked_at, created_at FROM tags WHERE serial = $1 ORDER BY created_at",
        )
        .bind(serial)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tag_of).collect()
    }

    /// Declares a tag lost: its taps open nothing from now on. False when it was not a live tag
    /// of this piece.
    pub async fn revoke_tag(&self, serial: &str, uid: &str, actor: &str) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("UPDATE tags SET revoked_at = $1 WHERE uid = $2 AND serial = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(uid)
            .bind(serial)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 1 {
            Self::piece_event_tx(&mut tx, serial, "tag_revoked", &serde_json::json!({"uid": uid}), actor, now).await?;
        }
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// Accepts a verified tap's counter if it is above the last one seen for the tag. One
    /// statement: concurrent taps on any number of servers accept each counter at most once and
    /// the stored counter never decreases.
    pub async fn advance_tag(&self, uid: &str, counter: i64) -> Result<TapOutcome> {
        let row = sqlx::query(
            "UPDATE tags SET counter = $1 WHERE uid = $2 AND counter < $1 AND revoked_at IS NULL RETURNING serial",
        )
        .bind(counter)
        .bind(uid)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = row {
            return Ok(TapOutcome::Accepted { serial: r.try_get("serial")? });
        }
        Ok(match self.tag(uid).await? {
            None => TapOutcome::Unknown,
            Some(t) if t.revoked_at.is_some() => TapOutcome::Revoked { serial: t.serial },
            Some(t) => TapOutcome::Replayed { serial: t.serial, last: t.counter },
        })
    }

    // ----- viewer capabilities -------------------------------------------------------------

    /// A capability to see one piece's vault for `ttl`, given by a genuine tap. Returns the
    /// secret for the cookie (only its hash is stored).
    pub async fn create_viewer(&self, serial: &str, needs_pin: bool, ttl: Duration) -> Result<String> {
        let secret = new_secret();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO viewer_caps (token_hash, serial, needs_pin, attempts, created_at, expires_at) \
             VALUES ($1, $2, $3, 0, $4, $5)",
        )
        .bind(secret_hash(&secret))
        .bind(serial)
        .bind(needs_pin as i64)
        .bind(now)
        .bind(now + ttl.as_millis() as i64)
        .execute(&self.pool)
        .await?;
        // Expired capabilities are of no use: every 32nd new one (on average) sweeps them away, so
        // that a tap costs two writes, not three, and the table stays at about 15 minutes of taps.
        if rand::random::<u8>() < 8 {
            sqlx::query("DELETE FROM viewer_caps WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
        }
        Ok(secret)
    }

    /// The live capability with this secret, if any.
    pub async fn viewer(&self, secret: &str) -> Result<Option<Viewer>> {
        let row = sqlx::query(
            "SELECT serial, needs_pin, attempts FROM viewer_caps WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(secret_hash(secret))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Viewer {
                serial: r.try_get("serial")?,
                needs_pin: r.try_get::<i64, _>("needs_pin")? != 0,
                attempts: r.try_get("attempts")?,
            })
        })
        .transpose()
    }

    /// Records a PIN attempt on a capability: a right PIN unlocks it, a wrong one counts (the
    /// caller burns the capability after too many).
    pub async fn viewer_pin(&self, secret: &str, right: bool) -> Result<()> {
        let sql = if right {
            "UPDATE viewer_caps SET needs_pin = 0 WHERE token_hash = $1"
        } else {
            "UPDATE viewer_caps SET attempts = attempts + 1 WHERE token_hash = $1"
        };
        sqlx::query(sql).bind(secret_hash(secret)).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn drop_viewer(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM viewer_caps WHERE token_hash = $1")
            .bind(secret_hash(secret))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ----- vault ----------------------------------------------------------------------------

    /// Adds an item unless the piece holds `max_of_kind` items of its kind already (false then).
    pub async fn add_vault_item(&self, item: &VaultItem, max_of_kind: i64) -> Result<bool> {
        let r = sqlx::query(&format!(
            "INSERT INTO vault_items ({VAULT_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
             WHERE (SELECT COUNT(*) FROM vault_items WHERE serial = $2 AND kind = $3) < $10"
        ))
        .bind(&item.id)
        .bind(&item.serial)
        .bind(&item.kind)
        .bind(&item.mime)
        .bind(&item.name)
        .bind(item.bytes)
        .bind(&item.object)
        .bind(&item.thumb)
        .bind(item.created_at)
        .bind(max_of_kind)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn vault_items(&self, serial: &str) -> Result<Vec<VaultItem>> {
        let rows =
            sqlx::query(&format!("SELECT {VAULT_COLUMNS} FROM vault_items WHERE serial = $1 ORDER BY created_at, id"))
                .bind(serial)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(vault_of).collect()
    }

    pub async fn vault_item(&self, serial: &str, id: &str) -> Result<Option<VaultItem>> {
        let row = sqlx::query(&format!("SELECT {VAULT_COLUMNS} FROM vault_items WHERE serial = $1 AND id = $2"))
            .bind(serial)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(vault_of).transpose()
    }

    /// Removes an item; returns it so that the caller deletes its media.
    pub async fn delete_vault_item(&self, serial: &str, id: &str) -> Result<Option<VaultItem>> {
        let row =
            sqlx::query(&format!("DELETE FROM vault_items WHERE serial = $1 AND id = $2 RETURNING {VAULT_COLUMNS}"))
                .bind(serial)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(vault_of).transpose()
    }

    // ----- gifts ----------------------------------------------------------------------------

    /// A one-time gift code for a piece, replacing any open one. `vault_mode` is `hand_over` or
    /// `wipe`. `from` is None for a piece whose order had no account (the code then goes in the box).
    pub async fn create_claim(
        &self,
        serial: &str,
        from: Option<&str>,
        vault_mode: &str,
        ttl: Duration,
    ) -> Result<String> {
        let code = new_claim_code();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM claims WHERE serial = $1 AND used_at IS NULL").bind(serial).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO claims (code_hash, serial, from_user, vault_mode, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(secret_hash(&normalise_claim_code(&code)))
        .bind(serial)
        .bind(from)
        .bind(vault_mode)
        .bind(now)
        .bind(now + ttl.as_millis() as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(code)
    }

    /// Redeems a gift code for `user`: in one transaction the code is spent (at most once, on any
    /// server), the piece changes hands, the vault is kept or wiped as the giver chose, viewer
    /// capabilities and sharing settings are reset, the transfer is recorded and its
    /// `piece.transferred` webhook deliveries queued (`event_payload(serial, vault_mode)`).
    pub async fn redeem_claim(
        &self,
        code: &str,
        user: &str,
        actor: &str,
        event_payload: impl Fn(&str, &str) -> String,
    ) -> Result<Redeemed> {
        let hash = secret_hash(&normalise_claim_code(code));
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE claims SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING serial, from_user, vault_mode",
        )
        .bind(now)
        .bind(user)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            drop(tx);
            let r = sqlx::query("SELECT used_at FROM claims WHERE code_hash = $1")
                .bind(&hash)
                .fetch_optional(&self.pool)
                .await?;
            return Ok(match r {
                None => Redeemed::Unknown,
                Some(r) if r.try_get::<Option<i64>, _>("used_at")?.is_some() => Redeemed::Used,
                Some(_) => Redeemed::Expired,
            });
        };
        let serial: String = row.try_get("serial")?;
        let from: Option<String> = row.try_get("from_user")?;
        let mode: String = row.try_get("vault_mode")?;
        let owner: Option<String> = sqlx::query("SELECT owner_id FROM pieces WHERE serial = $1")
            .bind(&serial)
            .fetch_one(&mut *tx)
            .await?
            .try_get("owner_id")?;
        if owner.as_deref() == Some(user) {
            drop(tx); // rolls back: the code stays usable for someone else
            return Ok(Redeemed::OwnPiece);
        }
        sqlx::query("UPDATE pieces SET owner_id = $1, tap_access = 0, pin_hash = NULL WHERE serial = $2")
            .bind(user)
            .bind(&serial)
            .execute(&mut *tx)
            .await?;
        let wiped = if mode == "wipe" {
            let rows = sqlx::query(&format!("DELETE FROM vault_items WHERE serial = $1 RETURNING {VAULT_COLUMNS}"))
                .bind(&serial)
                .fetch_all(&mut *tx)
                .await?;
            rows.iter().map(vault_of).collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        sqlx::query("DELETE FROM viewer_caps WHERE serial = $1").bind(&serial).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM claims WHERE serial = $1 AND used_at IS NULL").bind(&serial).execute(&mut *tx).await?;
        let detail = serde_json::json!({"vault": mode, "from": from.is_some(), "items_wiped": wiped.len()});
        Self::piece_event_tx(&mut tx, &serial, "transferred", &detail, actor, now).await?;
        Self::enqueue(&mut tx, "piece.transferred", &event_payload(&serial, &mode), now).await?;
        tx.commit().await?;
        Ok(Redeemed::Done { serial, wiped })
    }
}
