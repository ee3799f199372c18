//! Catalog versions: their sources as stored, and which one is published.

use crate::{now_ms, Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CatalogRow {
    pub version: String,
    pub digest: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

impl Store {
    /// Stores a catalog version. Returns false when the same version with the same digest is there
    /// already, and `Unique` when that version holds other content.
    pub async fn put_catalog(&self, version: &str, digest: &str, sources: &str, by: Option<&str>) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO catalogs (version, digest, sources, created_at, created_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(version)
        .bind(digest)
        .bind(sources)
        .bind(now_ms())
        .bind(by)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(true);
        }
        let existing: String = sqlx::query("SELECT digest FROM catalogs WHERE version = $1")
            .bind(version)
            .fetch_one(&self.pool)
            .await?
            .try_get("digest")?;
        if existing == digest {
            Ok(false)
        } else {
            Err(StoreError::Unique(format!(
                "catalog version {version} already exists with other content; give the new catalog a new version in brand.toml"
            )))
        }
    }

    pub async fn catalog_sources(&self, version: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT sources FROM catalogs WHERE version = $1")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("sources")).transpose()?)
    }

    pub async fn catalogs(&self) -> Result<Vec<CatalogRow>> {
        Ok(sqlx::query_as("SELECT version, digest, created_at, created_by FROM catalogs ORDER BY created_at, version")
            .fetch_all(&self.pool)
            .await?)
    }

    /// The published catalog version, if any.
    pub async fn active_catalog(&self) -> Result<Option<String>> {
        self.setting("active_catalog").await
    }

    pub async fn publish_catalog(&self, version: &str) -> Result<()> {
        self.set_setting("active_catalog", version).await
    }
}
