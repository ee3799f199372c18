//! The OpenAPI 3.1 document, generated from the handlers' annotations (utoipa).

use crate::problem::{FieldError, Problem};
use crate::{api, pieces};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Orfèvre API", description = "Jewelry personalization: catalog, designs, quotes, orders, accounts, webhooks. \
        Errors are RFC 9457 problem+json with the JSON pointer of each field at fault."),
    paths(
        api::catalog_info, api::list_bases, api::get_base, api::list_components, api::get_component,
        api::get_art, api::list_versions, api::upload_catalog, api::publish_catalog, api::catalog_sources,
        api::set_metal_prices,
        api::evaluate, api::choose, api::spell, crate::engraving::preview, api::save_design, api::get_design,
        crate::model::design_model, crate::model::saved_model,
        api::create_quote, api::verify_quote,
        api::create_order, api::list_orders, api::get_order, api::set_order_status,
        api::register, api::login, api::whoami, api::logout, api::my_designs, api::create_staff,
        api::create_token, api::revoke_token,
        api::create_webhook, api::list_webhooks, api::delete_webhook, api::list_deliveries,
        pieces::make_piece, pieces::order_pieces, pieces::get_piece, pieces::certificate, pieces::qr_svg, pieces::qr_png,
        pieces::add_event, pieces::alter_piece, pieces::revoke_piece, pieces::add_tag, pieces::revoke_tag, pieces::set_sharing,
        pieces::unlock, pieces::upload, pieces::export, pieces::vault_media, pieces::vault_thumb,
        pieces::delete_item, pieces::gift, pieces::claim, pieces::my_pieces, pieces::status_list,
        pieces::did_document, pieces::tap,
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "catalog", description = "The brand's catalog and its versions"),
        (name = "designs", description = "Evaluate and save designs"),
        (name = "orders", description = "Signed quotes and orders"),
        (name = "accounts", description = "Shoppers, staff, sessions, API tokens"),
        (name = "webhooks", description = "Outgoing, signed webhooks"),
        (name = "pieces", description = "Made pieces: certificates, NFC taps, the memory vault, gifts"),
    )
)]
pub struct ApiDoc;

pub async fn json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
