//! The webhook outbox: endpoints, and one delivery per event and endpoint, queued in the
//! transaction that makes the event and leased to one server at a time.

use crate::{new_id, now_ms, Result, Store, Tx};
use serde::Serialize;
use sqlx::Row;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: String,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

const DELIVERY_SELECT: &str = "SELECT d.id, d.endpoint_id, e.url, e.secret, d.event_type, d.payload, d.attempts, \
     d.delivered_at, d.failed_at, d.last_error FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id";

/// Queues one delivery of an event per enabled webhook endpoint (inside the caller's transaction).
pub(crate) async fn enqueue(tx: &mut Tx<'_>, event_type: &str, payload: &str, now: i64) -> Result<()> {
    let ids: Vec<String> = sqlx::query("SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    for endpoint in ids {
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(new_id("msg_"))
        .bind(endpoint)
        .bind(event_type)
        .bind(payload)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn add_webhook(&self, url: &str, secret: &str) -> Result<WebhookEndpoint> {
        let e = WebhookEndpoint { id: new_id("whe_"), url: url.into(), secret: secret.into(), created_at: now_ms() };
        sqlx::query("INSERT INTO webhook_endpoints (id, url, secret, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&e.id)
            .bind(&e.url)
            .bind(&e.secret)
            .bind(e.created_at)
            .execute(&self.pool)
            .await?;
        Ok(e)
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>> {
        Ok(sqlx::query_as(
            "SELECT id, url, secret, created_at FROM webhook_endpoints WHERE disabled_at IS NULL ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn disable_webhook(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("UPDATE webhook_endpoints SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Claims up to `limit` deliveries that are due, leasing each to the caller for `lease`. A
    /// delivery is claimed by one server only (compare-and-set on the lease).
    pub async fn claim_deliveries(&self, limit: i64, lease: Duration) -> Result<Vec<Delivery>> {
        let now = now_ms();
        let due: Vec<Delivery> = sqlx::query_as(&format!(
            "{DELIVERY_SELECT} WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 \
             AND (d.lease_until IS NULL OR d.lease_until < $1) ORDER BY d.next_attempt_at, d.id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for d in due {
            let won = sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = $1 WHERE id = $2 AND (lease_until IS NULL OR lease_until < $3)",
            )
            .bind(now + lease.as_millis() as i64)
            .bind(&d.id)
            .bind(now)
            .execute(&self.pool)
            .await?;
            if won.rows_affected() == 1 {
                claimed.push(d);
            }
        }
        Ok(claimed)
    }

    pub async fn delivered(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET delivered_at = $1, attempts = attempts + 1, lease_until = NULL, last_error = NULL \
             WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or given up when `retry_at` is `None`.
    pub async fn delivery_failed(&self, id: &str, error: &str, retry_at: Option<i64>) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, lease_until = NULL, last_error = $1, \
             next_attempt_at = $2, failed_at = $3 WHERE id = $4",
        )
        .bind(error)
        .bind(retry_at.unwrap_or(now))
        .bind(if retry_at.is_none() { Some(now) } else { None })
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Recent deliveries to one endpoint, newest first (for the back office and tests).
    pub async fn deliveries(&self, endpoint_id: &str) -> Result<Vec<Delivery>> {
        Ok(sqlx::query_as(&format!(
            "{DELIVERY_SELECT} WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, d.id LIMIT 200"
        ))
        .bind(endpoint_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
