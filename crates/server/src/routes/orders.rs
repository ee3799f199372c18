//! Orders: placed from a signed quote (once per idempotency key and per quote), read by their
//! maker and the order staff, moved through their statuses as `OrderStatus::transition` allows.

use crate::http::extract::IdempotencyKey;
use crate::http::problem;
use crate::http::respond::created;
use crate::http::{ApiResult, Json, Principal, Problem, Query, S};
use crate::services::orders::{self, Customer, Maker, OrderView, Placed};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orfevre_commerce::{policy, Actor, OrderStatus, UnknownValue};
use orfevre_store::{Order, Transition};
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
    let request_hash = hex::encode(Sha256::digest(serde_json::to_vec(&req).map_err(Problem::internal)?));
    let maker = Maker {
        principal: who.key().unwrap_or_default(),
        user_id: who.user_id().map(String::from),
        token_id: who.token_id().map(String::from),
        role,
    };
    let customer = req.customer.unwrap_or_default();
    let (o, placed) = orders::place(&s, maker, &key, &request_hash, &req.quote, customer).await?;
    let id = o.id.clone();
    let mut r = created(format!("/api/v1/orders/{id}"), orders::view(&s.store, &s.public_url, o).await?);
    if placed == Placed::Replayed {
        r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(r)
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
    /// awaiting_payment → placed (paid) → in_production → packed → shipped → delivered; on_hold
    /// from placed or in_production, back to in_production; cancelled before packing.
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
