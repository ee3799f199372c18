//! One module per resource: its handlers, request and response types, routes and part of the
//! OpenAPI document. A route module imports the HTTP kernel, the services and the state — never
//! another route module (the layering test holds them to it); what two of them share lives in a
//! service or in the kernel.

pub mod accounts;
pub mod catalog;
pub mod designs;
pub mod engraving;
pub mod gifts;
pub mod model;
pub mod orders;
pub mod pieces;
pub mod production;
pub mod public;
pub mod quotes;
pub mod site;
pub mod tags;
pub mod taps;
pub mod tokens;
pub mod vault;
pub mod versions;
pub mod webhooks;

use crate::state::AppState;
use axum::Router;
use std::sync::Arc;

/// Every resource's routes.
pub fn all() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/openapi.json", axum::routing::get(|| async { axum::Json(document()) }))
        .merge(catalog::routes())
        .merge(versions::routes())
        .merge(designs::routes())
        .merge(model::routes())
        .merge(engraving::routes())
        .merge(quotes::routes())
        .merge(orders::routes())
        .merge(production::routes())
        .merge(accounts::routes())
        .merge(tokens::routes())
        .merge(webhooks::routes())
        .merge(pieces::routes())
        .merge(tags::routes())
        .merge(taps::routes())
        .merge(vault::routes())
        .merge(gifts::routes())
        .merge(public::routes())
        .merge(site::routes())
}

/// The whole OpenAPI document, as `/api/v1/openapi.json` serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::openapi::document(documents())
}

/// Every resource's part of the OpenAPI document.
fn documents() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        catalog::Api::openapi(),
        versions::Api::openapi(),
        designs::Api::openapi(),
        model::Api::openapi(),
        engraving::Api::openapi(),
        quotes::Api::openapi(),
        orders::Api::openapi(),
        production::Api::openapi(),
        accounts::Api::openapi(),
        tokens::Api::openapi(),
        webhooks::Api::openapi(),
        pieces::Api::openapi(),
        tags::Api::openapi(),
        taps::Api::openapi(),
        vault::Api::openapi(),
        gifts::Api::openapi(),
        public::Api::openapi(),
    ]
}
