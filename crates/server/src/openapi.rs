//! The OpenAPI 3.1 document, generated from the handlers' annotations (utoipa): the document's
//! frame here, each route module's paths merged in.

use crate::http::problem::{FieldError, Problem};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Orfèvre API", description = "Jewelry personalization: catalog, designs, quotes, orders, accounts, webhooks. \
        Errors are RFC 9457 problem+json with the JSON pointer of each field at fault."),
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
struct Frame;

/// The whole document, as `/api/v1/openapi.json` serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Frame::openapi();
    for part in crate::routes::documents() {
        doc.merge(part);
    }
    doc
}

pub async fn json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(document())
}
