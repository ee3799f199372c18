//! NFC tags with the last tap counter accepted, and the viewer capabilities a genuine tap gives.
//!
//! The tap counter only goes up: `advance_tag` is one conditional `UPDATE … WHERE counter < $n`,
//! which both databases apply atomically per row, so two servers racing on one tag accept a
//! counter once and never move it back.

use crate::pieces::add_event;
use crate::{new_secret, now_ms, secret_hash, Flag, Result, Store, Tx};
use orfevre_commerce::PieceEventKind;
use serde::Serialize;
use sqlx::Row;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
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

/// A viewer capability as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Viewer {
    pub serial: String,
    #[sqlx(try_from = "Flag")]
    pub needs_pin: bool,
    pub attempts: i64,
}

const TAG_COLUMNS: &str = "uid, serial, counter, revoked_at, created_at";

/// Registers a tag on a piece with its `tag_added` event (inside the caller's transaction).
/// False when the UID is registered already.
pub(crate) async fn insert_tag(tx: &mut Tx<'_>, uid: &str, serial: &str, actor: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(&format!(
        "INSERT INTO tags ({TAG_COLUMNS}) VALUES ($1, $2, -1, NULL, $3) ON CONFLICT (uid) DO NOTHING"
    ))
    .bind(uid)
    .bind(serial)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() == 1 {
        add_event(tx, serial, PieceEventKind::TagAdded, &serde_json::json!({"uid": uid}), actor, now).await?;
    }
    Ok(r.rows_affected() == 1)
}

impl Store {
    /// Registers a tag on a piece. False when the UID is registered already.
    pub async fn add_tag(&self, uid: &str, serial: &str, actor: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let added = insert_tag(&mut tx, uid, serial, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub async fn tag(&self, uid: &str) -> Result<Option<Tag>> {
        Ok(sqlx::query_as(&format!("SELECT {TAG_COLUMNS} FROM tags WHERE uid = $1"))
            .bind(uid)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn tags(&self, serial: &str) -> Result<Vec<Tag>> {
        Ok(sqlx::query_as(&format!("SELECT {TAG_COLUMNS} FROM tags WHERE serial = $1 ORDER BY created_at"))
            .bind(serial)
            .fetch_all(&self.pool)
            .await?)
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
            add_event(&mut tx, serial, PieceEventKind::TagRevoked, &serde_json::json!({"uid": uid}), actor, now)
                .await?;
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
        Ok(sqlx::query_as(
            "SELECT serial, needs_pin, attempts FROM viewer_caps WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(secret_hash(secret))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?)
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
}
