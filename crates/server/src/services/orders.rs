//! Orders as the API shows them, and the events they announce. The rules of an order's life
//! (who moves it where) are `orfevre_commerce::OrderStatus`'s; this module reads and writes
//! through the store.

use crate::services::quotes::{self, QuoteError};
use crate::services::rfc3339;
use crate::state::AppState;
use orfevre_commerce::{OrderStatus, Role};
use orfevre_store::{now_ms, Created, NewOrder, Order, OrderEvent, Store, StoreError};
use serde::{Deserialize, Serialize};

/// Why an order is not placed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The quote token is not genuine, or expired.
    #[error("{0}")]
    Quote(QuoteError),
    #[error("/customer/{field}: at most {max} characters")]
    CustomerField { field: &'static str, max: usize },
    #[error("this Idempotency-Key was used for order {0} with a different request")]
    KeyReused(String),
    #[error("this quote was already ordered as {0}")]
    QuoteUsed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Free text for the workshop (gift message, delivery notes).
    pub note: Option<String>,
}

/// Who places an order: the key their orders are found by, their account or token, their role.
pub struct Maker {
    pub principal: String,
    pub user_id: Option<String>,
    pub token_id: Option<String>,
    pub role: Role,
}

/// Whether an order was placed now or found from an earlier request with the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placed {
    New,
    Replayed,
}

/// The customer's fields and their longest lengths, in characters.
const CUSTOMER_LIMITS: [(&str, usize); 4] = [("name", 200), ("email", 254), ("phone", 40), ("note", 2000)];

/// Places an order from a signed quote, once per (maker, idempotency key) and once per quote:
/// the order, its first event and its `order.created` webhooks in one transaction. A request
/// seen before with the same key and body gives the order it made.
pub async fn place(
    s: &AppState,
    maker: Maker,
    key: &str,
    request_hash: &str,
    quote: &str,
    customer: Customer,
) -> Result<(Order, Placed), OrderError> {
    let claims = quotes::verify(&s.quote_key, quote, now_ms()).map_err(OrderError::Quote)?;
    let fields = [&customer.name, &customer.email, &customer.phone, &customer.note];
    for ((field, max), v) in CUSTOMER_LIMITS.into_iter().zip(fields) {
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(OrderError::CustomerField { field, max });
        }
    }
    let new = NewOrder {
        principal: maker.principal,
        idempotency_key: key.to_string(),
        request_hash: request_hash.to_string(),
        user_id: maker.user_id,
        token_id: maker.token_id,
        quote_id: claims.id,
        design_hash: claims.design,
        catalog_version: claims.catalog_version,
        total: claims.total,
        currency: claims.currency,
        customer: serde_json::to_value(&customer).unwrap_or_default(),
        status: OrderStatus::initial(maker.role),
    };
    match s.store.create_order(new, |o| payload(o, "order.created")).await? {
        Created::New(o) => {
            metrics::counter!("orfevre_orders_created_total").increment(1);
            Ok((o, Placed::New))
        }
        Created::Replayed(o) => Ok((o, Placed::Replayed)),
        Created::KeyReused(o) => Err(OrderError::KeyReused(o.id)),
        Created::QuoteUsed(id) => Err(OrderError::QuoteUsed(id)),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    pub status: String,
    pub next_statuses: Vec<&'static str>,
    pub design: String,
    pub design_url: String,
    pub catalog_version: String,
    pub total: String,
    pub currency: String,
    pub quote_id: String,
    #[schema(value_type = Object)]
    pub customer: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
    pub history: Vec<EventView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub status: String,
    pub actor: String,
    pub at: String,
}

/// The body of an order's webhook event.
pub fn payload(o: &Order, event: &str) -> String {
    serde_json::json!({
        "type": event,
        "timestamp": rfc3339(o.updated_at),
        "data": {
            "id": o.id, "status": o.status, "design": o.design_hash, "catalog_version": o.catalog_version,
            "total": o.total, "currency": o.currency, "quote_id": o.quote_id,
        }
    })
    .to_string()
}

fn view_with(public_url: &str, o: Order, events: Vec<OrderEvent>) -> OrderView {
    OrderView {
        next_statuses: o.status.next().iter().map(|s| s.as_str()).collect(),
        design_url: format!("{public_url}/d/{}", o.design_hash),
        history: events
            .into_iter()
            .map(|e| EventView { status: e.status.to_string(), actor: e.actor, at: rfc3339(e.at) })
            .collect(),
        id: o.id,
        status: o.status.to_string(),
        design: o.design_hash,
        catalog_version: o.catalog_version,
        total: o.total,
        currency: o.currency,
        quote_id: o.quote_id,
        customer: o.customer,
        created_at: rfc3339(o.created_at),
        updated_at: rfc3339(o.updated_at),
    }
}

/// One order with its history.
pub async fn view(store: &Store, public_url: &str, o: Order) -> Result<OrderView, StoreError> {
    let events = store.order_events(&o.id).await?;
    Ok(view_with(public_url, o, events))
}

/// Orders with their histories, read in one query whatever their number.
pub async fn views(store: &Store, public_url: &str, orders: Vec<Order>) -> Result<Vec<OrderView>, StoreError> {
    let ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
    let mut events = store.order_events_of(&ids).await?;
    Ok(orders
        .into_iter()
        .map(|o| {
            let history = events.remove(&o.id).unwrap_or_default();
            view_with(public_url, o, history)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use orfevre_commerce::OrderStatus;
    use orfevre_store::{Created, NewOrder, Transition};

    async fn placed(s: &Store, n: usize) -> Order {
        let o = NewOrder {
            principal: "token:t".into(),
            idempotency_key: format!("k{n}"),
            request_hash: "h".into(),
            user_id: None,
            token_id: Some("t".into()),
            quote_id: format!("q{n}"),
            design_hash: "ab".repeat(32),
            catalog_version: "v".into(),
            total: "10.00".into(),
            currency: "EUR".into(),
            customer: serde_json::json!({}),
            status: OrderStatus::Placed,
        };
        match s.create_order(o, |o| payload(o, "order.created")).await.unwrap() {
            Created::New(o) => o,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_list_of_orders_shows_each_ones_own_history_and_next_moves() {
        let s = Store::open("sqlite::memory:").await.unwrap();
        s.put_design(&"ab".repeat(32), "v", "{}", None).await.unwrap();
        let a = placed(&s, 1).await;
        let b = placed(&s, 2).await;
        let t = Transition { order: &b.id, from: OrderStatus::Placed, to: OrderStatus::InProduction, actor: "bench" };
        let b = s.transition_order(t, |o| payload(o, "order.status_changed")).await.unwrap();
        let listed = views(&s, "https://shop", vec![b.clone(), a.clone()]).await.unwrap();
        assert_eq!(
            listed[0].history.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(),
            ["placed", "in_production"]
        );
        assert_eq!(listed[0].next_statuses, ["packed", "on_hold", "cancelled"]);
        assert_eq!(listed[1].history.len(), 1);
        assert_eq!(listed[1].design_url, format!("https://shop/d/{}", "ab".repeat(32)));
        let one = view(&s, "https://shop", b).await.unwrap();
        assert_eq!(serde_json::to_value(&one).unwrap(), serde_json::to_value(&listed[0]).unwrap());
    }

    #[test]
    fn an_order_event_names_the_order_and_its_money_as_decimal_strings() {
        let o = Order {
            id: "ord_1".into(),
            principal: String::new(),
            request_hash: String::new(),
            user_id: None,
            token_id: None,
            quote_id: "quo_1".into(),
            design_hash: "d".into(),
            catalog_version: "v".into(),
            total: "120.50".into(),
            currency: "CHF".into(),
            customer: serde_json::Value::Null,
            status: OrderStatus::Shipped,
            created_at: 0,
            updated_at: 0,
        };
        let p: serde_json::Value = serde_json::from_str(&payload(&o, "order.status_changed")).unwrap();
        assert_eq!(p["type"], "order.status_changed");
        assert_eq!(p["data"]["status"], "shipped");
        assert_eq!(p["data"]["total"], "120.50");
        assert_eq!(p["timestamp"], "1970-01-01T00:00:00Z");
    }
}
