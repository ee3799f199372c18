//! Orders: placed from a signed quote (once per idempotency key and per quote), read by their
//! maker and the order staff, moved through their statuses as `OrderStatus::transition` allows.

use crate::http::extract::IdempotencyKey;
use crate::http::problem;
use crate::http::respond::created;
use crate::http::{ApiResult, Json, Principal, Problem, Query, S};
use crate::services::orders::{self, OrderView};
use crate::services::quotes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orfevre_commerce::{policy, Actor, OrderStatus, UnknownValue};
use orfevre_store::{now_ms, Created, NewOrder, Order, Transition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/orders", get(list_orders).post(create_order))
        .route("/api/v1/orders/{id}", get(get_order))
        .route("/api/v1/orders/{id}/status", post(set_order_status))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_order, list_orders, get_order, set_order_status))]
pub struct Api;

#[derive(Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Free text for the workshop (gift message, delivery notes).
    pub note: Option<String>,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// A signed quote from POST /api/v1/quotes.
    pub quote: String,
    #[serde(default)]
    pub customer: Option<Customer>,
}

/// Place an order from a signed quote. `Idempotency-Key` is required: the same key from the same
/// caller returns the same order (header `Idempotent-Replayed: true`), on any server.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per order attempt")),
    responses((status = 201, body = OrderView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_order(
    State(s): S,
    who: Principal,
    key: Result<IdempotencyKey, Problem>,
    Json(req): Json<OrderRequest>,
) -> ApiResult<Response> {
    let role = who.require(policy::ORDER_MAKERS)?;
    let IdempotencyKey(key) = key?;
    let claims = quotes::verify(&s.quote_key, &req.quote, now_ms()).map_err(|e| problem::quote(e, "/quote"))?;
    let customer = req.customer.clone().unwrap_or(Customer { name: None, email: None, phone: None, note: None });
    for (field, v, max) in [
        ("name", &customer.name, 200),
        ("email", &customer.email, 254),
        ("phone", &customer.phone, 40),
        ("note", &customer.note, 2000),
    ] {
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(problem::field(&format!("/customer/{field}"), format!("at most {max} characters")));
        }
    }
    let request_hash = hex::encode(Sha256::digest(serde_json::to_vec(&req).map_err(Problem::internal)?));
    let new = NewOrder {
        principal: who.key().unwrap_or_default(),
        idempotency_key: key,
        request_hash,
        user_id: who.user_id().map(String::from),
        token_id: who.token_id().map(String::from),
        quote_id: claims.id.clone(),
        design_hash: claims.design.clone(),
        catalog_version: claims.catalog_version.clone(),
        total: claims.total.clone(),
        currency: claims.currency.clone(),
        customer: serde_json::to_value(&customer).map_err(Problem::internal)?,
        status: OrderStatus::initial(role),
    };
    match s.store.create_order(new, |o| orders::payload(o, "order.created")).await? {
        Created::New(o) => {
            metrics::counter!("orfevre_orders_created_total").increment(1);
            let id = o.id.clone();
            Ok(created(format!("/api/v1/orders/{id}"), orders::view(&s.store, &s.public_url, o).await?))
        }
        Created::Replayed(o) => {
            let id = o.id.clone();
            let mut r = created(format!("/api/v1/orders/{id}"), orders::view(&s.store, &s.public_url, o).await?);
            r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(r)
        }
        Created::KeyReused(o) => Err(Problem::invalid(
            "idempotency-key-reused",
            format!("this Idempotency-Key was used for order {} with a different request", o.id),
        )
        .at("header:idempotency-key", "already used with another body")
        .with("order_id", o.id)),
        Created::QuoteUsed(id) => Err(Problem::conflict(format!("this quote was already ordered as {id}"))
            .at("/quote", "one order per quote")
            .with("order_id", id)),
    }
}

/// Whether the caller may see this order: staff who handle orders, or its maker.
fn may_see(who: &Principal, o: &Order) -> ApiResult<bool> {
    let role = who.require(policy::ORDER_PARTIES)?;
    Ok(policy::ORDER_STAFF.contains(&role) || is_maker(who, o))
}

fn is_maker(who: &Principal, o: &Order) -> bool {
    who.key().as_deref() == Some(o.principal.as_str())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderList {
    /// At most 500 (default 100).
    pub limit: Option<i64>,
}

/// Orders, newest first: all for order staff, one's own for shoppers and shop tokens.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderList),
    responses((status = 200, body = [OrderView]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_orders(
    State(s): S,
    who: Principal,
    q: Result<Query<OrderList>, Problem>,
) -> ApiResult<axum::Json<Vec<OrderView>>> {
    let role = who.require(policy::ORDER_PARTIES)?;
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let list = if policy::ORDER_STAFF.contains(&role) {
        s.store.orders(None, None, limit).await?
    } else {
        s.store
            .orders(Some(who.user_id().unwrap_or("-")).filter(|_| who.user_id().is_some()), who.token_id(), limit)
            .await?
    };
    Ok(axum::Json(orders::views(&s.store, &s.public_url, list).await?))
}

/// One order with its history.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    responses((status = 200, body = OrderView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_order(State(s): S, who: Principal, Path(id): Path<String>) -> ApiResult<axum::Json<OrderView>> {
    who.require(policy::ORDER_PARTIES)?;
    let o = s.store.order(&id).await?.filter(|o| may_see(&who, o).unwrap_or(false));
    let o = o.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    Ok(axum::Json(orders::view(&s.store, &s.public_url, o).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// awaiting_payment → placed (paid) → in_production → shipped → delivered, or cancelled before
    /// shipping.
    pub status: String,
}

/// Move an order on. Order staff make the allowed moves (only an admin marks an order paid:
/// `awaiting_payment` → `placed`); the maker of an order may only cancel it before production.
#[utoipa::path(post, path = "/api/v1/orders/{id}/status", tag = "orders", request_body = StatusChange,
    responses((status = 200, body = OrderView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_order_status(
    State(s): S,
    who: Principal,
    Path(id): Path<String>,
    Json(c): Json<StatusChange>,
) -> ApiResult<axum::Json<OrderView>> {
    let role = who.require(policy::ORDER_PARTIES)?;
    let to: OrderStatus =
        c.status.parse().map_err(|e: UnknownValue| problem::field("/status", format!("one of {}", e.expected)))?;
    let o = s.store.order(&id).await?.filter(|o| may_see(&who, o).unwrap_or(false));
    let o = o.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    o.status.transition(to, Actor { role, maker: is_maker(&who, &o) })?;
    let actor = who.actor();
    let t = Transition { order: &id, from: o.status, to, actor: &actor };
    let o = s.store.transition_order(t, |o| orders::payload(o, "order.status_changed")).await?;
    Ok(axum::Json(orders::view(&s.store, &s.public_url, o).await?))
}
