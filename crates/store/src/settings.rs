//! Settings: the server-wide values all servers of a brand share (keys, the published catalog).

use crate::{Result, Store, StoreError};
use sqlx::Row;

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The value of `key`, set to `make()` by whichever server asks first (all servers then agree).
    pub async fn setting_or_init(&self, key: &str, make: impl FnOnce() -> String) -> Result<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(make())
            .execute(&self.pool)
            .await?;
        self.setting(key).await?.ok_or_else(|| StoreError::NotFound(format!("setting {key} vanished")))
    }
}
