//! Saved designs (content-addressed, immutable) and which account saved which.

use crate::{now_ms, Result, Store};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DesignRow {
    pub hash: String,
    pub catalog_version: String,
    pub body: String,
    pub created_at: i64,
}

impl Store {
    /// Saves a design (idempotent: a design is its hash). Returns whether it was new.
    pub async fn put_design(&self, hash: &str, catalog_version: &str, body: &str, owner: Option<&str>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let r = sqlx::query(
            "INSERT INTO designs (hash, catalog_version, body, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash)
        .bind(catalog_version)
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(user) = owner {
            sqlx::query(
                "INSERT INTO user_designs (user_id, hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(user)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn design(&self, hash: &str) -> Result<Option<DesignRow>> {
        Ok(sqlx::query_as("SELECT hash, catalog_version, body, created_at FROM designs WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The designs a user saved, newest first (at most 500).
    pub async fn user_designs(&self, user_id: &str) -> Result<Vec<DesignRow>> {
        Ok(sqlx::query_as(
            "SELECT d.hash, d.catalog_version, d.body, u.created_at FROM user_designs u JOIN designs d ON d.hash = u.hash \
             WHERE u.user_id = $1 ORDER BY u.created_at DESC, d.hash LIMIT 500",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
