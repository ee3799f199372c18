//! The OpenAPI 3.1 document's frame (title, tags, the problem schemas); each route module's paths
//! are merged into it by `routes::document`.

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

/// The frame with `parts` merged in.
pub fn document(parts: Vec<utoipa::openapi::OpenApi>) -> utoipa::openapi::OpenApi {
    let mut doc = Frame::openapi();
    for part in parts {
        doc.merge(part);
    }
    doc
}
