//! The memory vault's items (their media live in the media store, keyed here) and the one-time
//! gift codes that hand a piece — and its vault, or not — to someone else.

use crate::pieces::add_event;
use crate::webhooks::enqueue;
use crate::{new_id, now_ms, secret_hash, Result, Store, Word};
use orfevre_commerce::{GiftVault, PieceEventKind, VaultKind};
use serde::Serialize;
use sqlx::Row;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct VaultItem {
    pub id: String,
    #[serde(skip)]
    pub serial: String,
    #[sqlx(try_from = "Word<VaultKind>")]
    pub kind: VaultKind,
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

const VAULT_COLUMNS: &str = "id, serial, kind, mime, name, bytes, object, thumb, created_at";

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

#[derive(sqlx::FromRow)]
struct ClaimRow {
    serial: String,
    from_user: Option<String>,
    #[sqlx(try_from = "Word<GiftVault>")]
    vault_mode: GiftVault,
}

impl Store {
    /// Adds an item unless the piece holds as many items of its kind as the kind allows (false
    /// then). One statement: two uploads racing for the last place cannot both get it.
    pub async fn add_vault_item(&self, item: &VaultItem) -> Result<bool> {
        let r = sqlx::query(&format!(
            "INSERT INTO vault_items ({VAULT_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
             WHERE (SELECT COUNT(*) FROM vault_items WHERE serial = $2 AND kind = $3) < $10"
        ))
        .bind(&item.id)
        .bind(&item.serial)
        .bind(item.kind.as_str())
        .bind(&item.mime)
        .bind(&item.name)
        .bind(item.bytes)
        .bind(&item.object)
        .bind(&item.thumb)
        .bind(item.created_at)
        .bind(item.kind.max_items())
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn vault_items(&self, serial: &str) -> Result<Vec<VaultItem>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VAULT_COLUMNS} FROM vault_items WHERE serial = $1 ORDER BY created_at, id"
        ))
        .bind(serial)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn vault_item(&self, serial: &str, id: &str) -> Result<Option<VaultItem>> {
        Ok(sqlx::query_as(&format!("SELECT {VAULT_COLUMNS} FROM vault_items WHERE serial = $1 AND id = $2"))
            .bind(serial)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Removes an item; returns it so that the caller deletes its media.
    pub async fn delete_vault_item(&self, serial: &str, id: &str) -> Result<Option<VaultItem>> {
        Ok(sqlx::query_as(&format!("DELETE FROM vault_items WHERE serial = $1 AND id = $2 RETURNING {VAULT_COLUMNS}"))
            .bind(serial)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A one-time gift code for a piece, replacing any open one. `from` is None for a piece whose
    /// order had no account (the code then goes in the box).
    pub async fn create_claim(
        &self,
        serial: &str,
        from: Option<&str>,
        vault: GiftVault,
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
        .bind(vault.as_str())
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
    /// `piece.transferred` webhook deliveries queued (`event_payload(serial, vault)`).
    pub async fn redeem_claim(
        &self,
        code: &str,
        user: &str,
        actor: &str,
        event_payload: impl Fn(&str, GiftVault) -> String,
    ) -> Result<Redeemed> {
        let hash = secret_hash(&normalise_claim_code(code));
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let claim: Option<ClaimRow> = sqlx::query_as(
            "UPDATE claims SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING serial, from_user, vault_mode",
        )
        .bind(now)
        .bind(user)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(claim) = claim else {
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
        let serial = claim.serial;
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
        let wiped: Vec<VaultItem> = if claim.vault_mode == GiftVault::Wipe {
            sqlx::query_as(&format!("DELETE FROM vault_items WHERE serial = $1 RETURNING {VAULT_COLUMNS}"))
                .bind(&serial)
                .fetch_all(&mut *tx)
                .await?
        } else {
            Vec::new()
        };
        sqlx::query("DELETE FROM viewer_caps WHERE serial = $1").bind(&serial).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM claims WHERE serial = $1 AND used_at IS NULL").bind(&serial).execute(&mut *tx).await?;
        let detail = serde_json::json!({"vault": claim.vault_mode, "from": claim.from_user.is_some(), "items_wiped": wiped.len()});
        add_event(&mut tx, &serial, PieceEventKind::Transferred, &detail, actor, now).await?;
        enqueue(&mut tx, "piece.transferred", &event_payload(&serial, claim.vault_mode), now).await?;
        tx.commit().await?;
        Ok(Redeemed::Done { serial, wiped })
    }
}
