//! Orders: created once per idempotency key and quote, moved through their statuses by
//! compare-and-set, each move recorded as an event and announced to the webhooks in the same
//! transaction.

use crate::webhooks::enqueue;
use crate::{
    is_unique_violation, new_id, next_event_at, now_ms, History, JsonText, Result, Store, StoreError, Tx, Word,
};
use orfevre_commerce::OrderStatus;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Order {
    pub id: String,
    #[serde(skip)]
    pub principal: String,
    #[serde(skip)]
    pub request_hash: String,
    pub user_id: Option<String>,
    pub token_id: Option<String>,
    pub quote_id: String,
    pub design_hash: String,
    pub catalog_version: String,
    pub total: String,
    pub currency: String,
    #[sqlx(try_from = "JsonText")]
    pub customer: serde_json::Value,
    #[sqlx(try_from = "Word<OrderStatus>")]
    pub status: OrderStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrderEvent {
    #[sqlx(try_from = "Word<OrderStatus>")]
    pub status: OrderStatus,
    pub actor: String,
    pub at: i64,
}

/// An order to create, keyed by who asks and their idempotency key.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub principal: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub user_id: Option<String>,
    pub token_id: Option<String>,
    pub quote_id: String,
    pub design_hash: String,
    pub catalog_version: String,
    pub total: String,
    pub currency: String,
    pub customer: serde_json::Value,
    pub status: OrderStatus,
}

/// The outcome of creating an order.
#[derive(Debug)]
pub enum Created {
    /// A new order.
    New(Order),
    /// The same principal and idempotency key were seen before with the same request.
    Replayed(Order),
    /// The same principal and key were seen before with a different request.
    KeyReused(Order),
    /// The quote was already turned into another order.
    QuoteUsed(String),
}

/// A move of one order, as checked by the caller against the status it read.
#[derive(Clone, Copy, Debug)]
pub struct Transition<'a> {
    pub order: &'a str,
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// Who to name in the order's history.
    pub actor: &'a str,
}

const ORDER_COLUMNS: &str = "id, principal, request_hash, user_id, token_id, quote_id, design_hash, catalog_version, \
     total, currency, customer, status, created_at, updated_at";

impl Store {
    /// Creates an order, its first event and its webhook deliveries in one transaction — or finds
    /// the order this principal already made with this idempotency key.
    pub async fn create_order(&self, o: NewOrder, event_payload: impl Fn(&Order) -> String) -> Result<Created> {
        let replay = |existing: Order, o: &NewOrder| {
            if existing.request_hash == o.request_hash {
                Created::Replayed(existing)
            } else {
                Created::KeyReused(existing)
            }
        };
        if let Some(existing) = self.order_by_key(&o.principal, &o.idempotency_key).await? {
            return Ok(replay(existing, &o));
        }
        let now = now_ms();
        let order = Order {
            id: new_id("ord_"),
            principal: o.principal.clone(),
            request_hash: o.request_hash.clone(),
            user_id: o.user_id.clone(),
            token_id: o.token_id.clone(),
            quote_id: o.quote_id.clone(),
            design_hash: o.design_hash.clone(),
            catalog_version: o.catalog_version.clone(),
            total: o.total.clone(),
            currency: o.currency.clone(),
            customer: o.customer.clone(),
            status: o.status,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO orders ({ORDER_COLUMNS}, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(&order.id)
        .bind(&order.principal)
        .bind(&order.request_hash)
        .bind(&order.user_id)
        .bind(&order.token_id)
        .bind(&order.quote_id)
        .bind(&order.design_hash)
        .bind(&order.catalog_version)
        .bind(&order.total)
        .bind(&order.currency)
        .bind(order.customer.to_string())
        .bind(order.status.as_str())
        .bind(order.created_at)
        .bind(order.updated_at)
        .bind(&o.idempotency_key)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            drop(tx);
            if is_unique_violation(&e) {
                // Another request (maybe on another server) won the race: report what it made.
                if let Some(existing) = self.order_by_key(&o.principal, &o.idempotency_key).await? {
                    return Ok(replay(existing, &o));
                }
                let by: Option<String> = sqlx::query("SELECT id FROM orders WHERE quote_id = $1")
                    .bind(&o.quote_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.try_get("id"))
                    .transpose()?;
                if let Some(id) = by {
                    return Ok(Created::QuoteUsed(id));
                }
            }
            return Err(e.into());
        }
        add_event(&mut tx, &order.id, order.status, "system", now).await?;
        enqueue(&mut tx, "order.created", &event_payload(&order), now).await?;
        tx.commit().await?;
        Ok(Created::New(order))
    }

    async fn order_by_key(&self, principal: &str, key: &str) -> Result<Option<Order>> {
        let row: Option<Order> = sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE principal = $1 AND idempotency_key = $2"
        ))
        .bind(principal)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>> {
        let row: Option<Order> = sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row)
    }

    /// Orders, newest first: all of them, or those of one user or one API token.
    pub async fn orders(&self, user_id: Option<&str>, token_id: Option<&str>, limit: i64) -> Result<Vec<Order>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR token_id = $2) \
             ORDER BY created_at DESC, id LIMIT $3"
        ))
        .bind(user_id)
        .bind(token_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One order's history, oldest first.
    pub async fn order_events(&self, id: &str) -> Result<Vec<OrderEvent>> {
        Ok(sqlx::query_as("SELECT status, actor, at FROM order_events WHERE order_id = $1 ORDER BY at, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The histories of several orders in one query (a list page reads them all at once), each
    /// oldest first; an order without events has none in the map.
    pub async fn order_events_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<OrderEvent>>> {
        let mut out: HashMap<String, Vec<OrderEvent>> = HashMap::new();
        // Bind parameters per statement are limited (SQLite: 32,766; PostgreSQL: 65,535).
        for chunk in ids.chunks(1000) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT order_id, status, actor, at FROM order_events WHERE order_id IN ({}) ORDER BY at, id",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            for row in q.fetch_all(&self.pool).await? {
                let order: String = row.try_get("order_id")?;
                let event = <OrderEvent as sqlx::FromRow<_>>::from_row(&row)?;
                out.entry(order).or_default().push(event);
            }
        }
        Ok(out)
    }

    /// Moves an order as `t` says (compare-and-set: `Stale` when its status was no longer
    /// `t.from`), recording the event and queueing its webhooks in the same transaction.
    pub async fn transition_order(&self, t: Transition<'_>, event_payload: impl Fn(&Order) -> String) -> Result<Order> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(t.to.as_str())
            .bind(now)
            .bind(t.order)
            .bind(t.from.as_str())
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale("the order changed meanwhile; read it again".into()));
        }
        add_event(&mut tx, t.order, t.to, t.actor, now).await?;
        let order: Order = sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(t.order)
            .fetch_one(&mut *tx)
            .await?;
        enqueue(&mut tx, "order.status_changed", &event_payload(&order), now).await?;
        tx.commit().await?;
        Ok(order)
    }
}

/// Records an order's event, stamped after the order's last one ([`next_event_at`]).
async fn add_event(tx: &mut Tx<'_>, order: &str, status: OrderStatus, actor: &str, now: i64) -> Result<()> {
    let at = next_event_at(tx, History::Order, order, now).await?;
    sqlx::query("INSERT INTO order_events (id, order_id, status, actor, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id("evt_"))
        .bind(order)
        .bind(status.as_str())
        .bind(actor)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
