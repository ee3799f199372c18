//! The `/api/v1` handlers. Each one parses its input into domain types (problems name the field),
//! checks who may call it, and calls the engine or the store; none holds state of its own.

use crate::auth::{self, Principal, Role};
use crate::problem::{body_bytes, ApiResult, Json, Problem};
use crate::quote::{self, Claims, QuoteError};
use crate::{views, AppState};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use orfevre_catalog::Currency;
use orfevre_engine::{Design, Engine};
use orfevre_store::{now_ms, Created, NewOrder, Order};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

pub type S = State<Arc<AppState>>;

/// Largest catalog upload (compressed or not); the catalog's own limits apply once unpacked.
pub const UPLOAD_LIMIT: usize = 16 << 20;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/openapi.json", get(crate::openapi::json))
        .route("/api/v1/catalog", get(catalog_info))
        .route("/api/v1/catalog/bases", get(list_bases))
        .route("/api/v1/catalog/bases/{id}", get(get_base))
        .route("/api/v1/catalog/components", get(list_components))
        .route("/api/v1/catalog/components/{sku}", get(get_component))
        .route("/api/v1/catalog/art/{*path}", get(get_art))
        .route("/api/v1/catalog/versions", get(list_versions).post(upload_catalog))
        .route("/api/v1/catalog/versions/{version}/publish", post(publish_catalog))
        .route("/api/v1/catalog/versions/{version}/sources", get(catalog_sources))
        .route("/api/v1/catalog/versions/{version}/metal-prices", post(set_metal_prices))
        .route("/api/v1/designs/evaluate", post(evaluate))
        .route("/api/v1/designs/choice", post(choose))
        .route("/api/v1/designs/spell", post(spell))
        .route("/api/v1/engraving/preview", post(crate::engraving::preview))
        .route("/api/v1/designs", post(save_design))
        .route("/api/v1/designs/{hash}", get(get_design))
        .route("/api/v1/designs/model", post(crate::model::design_model))
        .route("/api/v1/designs/{hash}/model.glb", get(crate::model::saved_model))
        .route("/api/v1/quotes", post(create_quote))
        .route("/api/v1/quotes/verify", post(verify_quote))
        .route("/api/v1/orders", get(list_orders).post(create_order))
        .route("/api/v1/orders/{id}", get(get_order))
        .route("/api/v1/orders/{id}/status", post(set_order_status))
        .route("/api/v1/accounts", post(register))
        .route("/api/v1/session", get(whoami).post(login).delete(logout))
        .route("/api/v1/me/designs", get(my_designs))
        .route("/api/v1/staff", post(create_staff))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/v1/webhooks/{id}", delete(delete_webhook))
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
}

/// An RFC 3339 date-time of Unix milliseconds (empty if out of range).
pub(crate) fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

fn created<T: Serialize>(location: String, body: T) -> Response {
    let mut r = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

// ----- catalog ---------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub digest: String,
    /// The main currency, then the others the brand sells in.
    pub currencies: Vec<String>,
    pub locales: Vec<String>,
    pub families: Vec<String>,
    pub tags: Vec<String>,
    pub bases: usize,
    pub components: usize,
    pub metals: Vec<MetalView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MetalView {
    pub id: String,
    pub name: String,
    /// Brand currency per gram, a decimal string.
    #[schema(value_type = String)]
    pub price_per_gram: Decimal,
    /// g/cm³, a decimal string.
    #[schema(value_type = String)]
    pub density: Decimal,
}

/// The published catalog.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", responses((status = 200, body = CatalogInfo)))]
pub async fn catalog_info(State(s): S) -> axum::Json<CatalogInfo> {
    let e = s.catalogs.active();
    let c = &e.catalog;
    let mut currencies = vec![c.brand.currency.to_string()];
    currencies.extend(c.brand.currencies.iter().map(|a| a.code.to_string()));
    axum::Json(CatalogInfo {
        id: c.brand.id.clone(),
        name: c.brand.name.clone(),
        version: c.brand.version.clone(),
        digest: c.digest.clone(),
        currencies,
        locales: c.brand.locales.clone(),
        families: c.families.clone(),
        tags: c.tags.clone(),
        bases: c.bases.len(),
        components: c.components.len(),
        metals: c
            .metals
            .iter()
            .map(|m| MetalView {
                id: m.id.clone(),
                name: m.name.clone(),
                price_per_gram: m.price_per_gram,
                density: m.density,
            })
            .collect(),
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BaseFilter {
    /// Only bases of this piece kind (bracelet, necklace, ring…).
    pub piece: Option<String>,
    /// Only bases with a mount taking this family.
    pub family: Option<String>,
    /// Only bases priced at most this (brand currency).
    #[param(value_type = Option<String>)]
    pub max_price: Option<Decimal>,
    pub in_stock: Option<bool>,
}

/// Bases, filtered.
#[utoipa::path(get, path = "/api/v1/catalog/bases", tag = "catalog", params(BaseFilter),
    responses((status = 200, body = [views::BaseView]), (status = 400, body = Problem)))]
pub async fn list_bases(
    State(s): S,
    q: Result<Query<BaseFilter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(f) = q.map_err(query_problem)?;
    let e = s.catalogs.active();
    let cat = &e.catalog;
    let out: Vec<views::BaseView> = (0..cat.bases.len() as u32)
        .map(|b| views::base(&e, b))
        .filter(|b| f.piece.as_ref().is_none_or(|p| b.piece == p))
        .filter(|b| f.family.as_ref().is_none_or(|fam| b.mounts.iter().any(|m| m.families.contains(fam))))
        .filter(|b| f.max_price.is_none_or(|m| b.price.amount <= m))
        .filter(|b| f.in_stock.is_none_or(|want| b.in_stock == want))
        .collect();
    Ok(axum::Json(out).into_response())
}

pub(crate) fn query_problem(e: axum::extract::rejection::QueryRejection) -> Problem {
    let msg = e.body_text();
    Problem::bad_request("query", format!("bad query string: {msg}")).at("query:", msg)
}

/// One base.
#[utoipa::path(get, path = "/api/v1/catalog/bases/{id}", tag = "catalog",
    responses((status = 200, body = views::BaseView), (status = 404, body = Problem)))]
pub async fn get_base(State(s): S, Path(id): Path<String>) -> ApiResult<axum::Json<views::BaseView>> {
    let e = s.catalogs.active();
    let b = e.catalog.base(&id).ok_or_else(|| Problem::not_found(format!("there is no base {id:?}")))?;
    Ok(axum::Json(views::base(&e, b)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComponentFilter {
    pub family: Option<String>,
    pub kind: Option<String>,
    pub tag: Option<String>,
    /// Brand currency, decimal.
    #[param(value_type = Option<String>)]
    pub min_price: Option<Decimal>,
    #[param(value_type = Option<String>)]
    pub max_price: Option<Decimal>,
    pub in_stock: Option<bool>,
    /// Words in the name (case-insensitive).
    pub q: Option<String>,
    /// Only components this base's mount takes (with `mount`).
    pub base: Option<String>,
    pub mount: Option<String>,
    /// At most 500 (default 100).
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComponentPage {
    pub total: usize,
    pub items: Vec<views::ComponentView>,
}

/// Components, filtered and paged.
#[utoipa::path(get, path = "/api/v1/catalog/components", tag = "catalog", params(ComponentFilter),
    responses((status = 200, body = ComponentPage), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_components(
    State(s): S,
    q: Result<Query<ComponentFilter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<axum::Json<ComponentPage>> {
    let Query(f) = q.map_err(query_problem)?;
    let e = s.catalogs.active();
    let cat = &e.catalog;
    let limit = f.limit.unwrap_or(100);
    if limit > 500 {
        return Err(Problem::bad_request("query", "limit is at most 500").at("query:limit", "at most 500"));
    }
    let mount = match (&f.base, &f.mount) {
        (Some(b), Some(m)) => {
            let bi = cat.base(b).ok_or_else(|| {
                Problem::not_found(format!("there is no base {b:?}")).at("query:base", "unknown base")
            })?;
            let base = &cat.bases[bi as usize];
            let mi = base.mount(m).ok_or_else(|| {
                Problem::not_found(format!("base {b} has no mount {m:?}")).at("query:mount", "unknown mount")
            })?;
            Some(&base.mounts[mi])
        }
        (None, None) => None,
        _ => {
            return Err(Problem::bad_request("query", "base and mount go together")
                .at("query:mount", "give both base and mount"))
        }
    };
    let q = f.q.as_ref().map(|q| q.to_lowercase());
    let mut items = Vec::new();
    let mut total = 0;
    for id in 0..cat.components.len() as u32 {
        let c = cat.comp(id);
        if f.family.as_ref().is_some_and(|x| cat.family_name(c.family) != x)
            || f.kind.as_ref().is_some_and(|x| c.kind.as_str() != x)
            || f.tag.as_ref().is_some_and(|x| !c.tags.iter().any(|t| cat.tag_name(*t) == x))
            || f.in_stock.is_some_and(|want| (c.stock != Some(0)) != want)
            || q.as_ref().is_some_and(|q| !c.name.to_lowercase().contains(q.as_str()))
            || mount.is_some_and(|m| cat.mount_takes(m, c).is_err())
        {
            continue;
        }
        let price = e.component_price(id).amount;
        if f.min_price.is_some_and(|m| price < m) || f.max_price.is_some_and(|m| price > m) {
            continue;
        }
        total += 1;
        if total > f.offset.unwrap_or(0) && items.len() < limit {
            items.push(views::component(&e, id));
        }
    }
    Ok(axum::Json(ComponentPage { total, items }))
}

/// One component.
#[utoipa::path(get, path = "/api/v1/catalog/components/{sku}", tag = "catalog",
    responses((status = 200, body = views::ComponentView), (status = 404, body = Problem)))]
pub async fn get_component(State(s): S, Path(sku): Path<String>) -> ApiResult<axum::Json<views::ComponentView>> {
    let e = s.catalogs.active();
    let c = e.catalog.component(&sku).ok_or_else(|| Problem::not_found(format!("there is no component {sku:?}")))?;
    Ok(axum::Json(views::component(&e, c)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArtQuery {
    /// Catalog version (default: the published one).
    pub v: Option<String>,
}

/// A component's or base's SVG drawing (`art` in the catalog views), served with a CSP that
/// forbids scripts.
#[utoipa::path(get, path = "/api/v1/catalog/art/{path}", tag = "catalog", params(ArtQuery),
    responses((status = 200, content_type = "image/svg+xml"), (status = 404, body = Problem)))]
pub async fn get_art(
    State(s): S,
    Path(path): Path<String>,
    q: Result<Query<ArtQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(query_problem)?;
    let version = q.v.unwrap_or_else(|| s.catalogs.active().catalog.brand.version.clone());
    let svg = s.catalogs.art(&version, &path).await?.ok_or_else(|| Problem::not_found(format!("no drawing {path}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"),
        ],
        axum::body::Bytes::from(svg.to_vec()),
    )
        .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogVersion {
    pub version: String,
    pub digest: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub active: bool,
}

const CATALOG_STAFF: &[Role] = &[Role::Admin, Role::Merchandiser];

/// Stored catalog versions (staff).
#[utoipa::path(get, path = "/api/v1/catalog/versions", tag = "catalog",
    responses((status = 200, body = [CatalogVersion]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_versions(State(s): S, who: Principal) -> ApiResult<axum::Json<Vec<CatalogVersion>>> {
    who.require(CATALOG_STAFF)?;
    let active = s.store.active_catalog().await?;
    let rows = s.store.catalogs().await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| CatalogVersion {
                active: active.as_deref() == Some(r.version.as_str()),
                version: r.version,
                digest: r.digest,
                created_at: rfc3339(r.created_at),
                created_by: r.created_by,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadResult {
    pub version: String,
    pub digest: String,
    /// False when this exact version was already stored.
    pub created: bool,
    pub warnings: usize,
    /// The checker's report (warnings only: a catalog with errors is refused with 422).
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: Vec<orfevre_catalog::Diagnostic>,
}

/// Upload a catalog version (staff): a tar or tar.gz archive of the catalog directory, or JSON
/// `{"files": {"brand.toml": "…"}}`. Checked first: with errors, nothing is stored and the 422
/// problem lists every diagnostic (`file:line:column`). Publishing is a separate step.
#[utoipa::path(post, path = "/api/v1/catalog/versions", tag = "catalog",
    request_body(content = Vec<u8>, content_type = "application/x-tar", description = "tar (or tar.gz as application/gzip) of the catalog directory, or JSON {\"files\": {path: text}}"),
    responses((status = 201, body = UploadResult), (status = 200, body = UploadResult), (status = 422, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn upload_catalog(State(s): S, who: Principal, req: Request) -> ApiResult<Response> {
    who.require(CATALOG_STAFF)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let body = body_bytes(
        req,
        UPLOAD_LIMIT,
        &["application/x-tar", "application/gzip", "application/x-gzip", "application/tar+gzip", "application/json"],
    )
    .await?;
    let set = crate::catalogs::read_upload(&ct, &body)?;
    let checked = crate::catalogs::check(&set)?;
    let out = UploadResult {
        version: checked.version.clone(),
        digest: checked.digest.clone(),
        created: false,
        warnings: checked.diagnostics.len(),
        diagnostics: checked.diagnostics.clone(),
    };
    let version = checked.version.clone();
    let new = s.catalogs.put(checked, &who.actor()).await?;
    let out = UploadResult { created: new, ..out };
    Ok(if new { created(format!("/api/v1/catalog/versions/{version}"), out) } else { axum::Json(out).into_response() })
}

/// Publish a stored version (staff): every server switches to it (within the poll interval).
#[utoipa::path(post, path = "/api/v1/catalog/versions/{version}/publish", tag = "catalog",
    responses((status = 200, body = CatalogInfo), (status = 404, body = Problem)))]
pub async fn publish_catalog(
    State(s): S,
    who: Principal,
    Path(version): Path<String>,
) -> ApiResult<axum::Json<CatalogInfo>> {
    who.require(CATALOG_STAFF)?;
    s.catalogs.publish(&version).await?;
    tracing::info!(%version, by = %who.actor(), "catalog published");
    Ok(catalog_info(State(s)).await)
}

/// A stored version's files as `{"files": {path: text}}` — the upload format — so that a version
/// made in the back office can be taken back into the brand's git repository (staff).
#[utoipa::path(get, path = "/api/v1/catalog/versions/{version}/sources", tag = "catalog",
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn catalog_sources(State(s): S, who: Principal, Path(version): Path<String>) -> ApiResult<Response> {
    who.require(CATALOG_STAFF)?;
    let files = s.store.catalog_sources(&version).await?;
    let files = files.ok_or_else(|| Problem::not_found(format!("there is no catalog version {version}")))?;
    let body = format!("{{\"files\":{files}}}");
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetalPrices {
    /// The new version's name (brand.toml's `version`); it must not exist yet.
    pub version: String,
    /// Metal id → price per gram in the brand's currency (decimal string).
    pub prices: BTreeMap<String, String>,
}

/// Make a new catalog version from `{version}` with new metal prices per gram (staff). The TOML
/// sources are edited in place (comments and layout kept), checked like an upload and stored
/// unpublished; publishing is the same separate step.
#[utoipa::path(post, path = "/api/v1/catalog/versions/{version}/metal-prices", tag = "catalog",
    request_body = MetalPrices,
    responses((status = 201, body = UploadResult), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_metal_prices(
    State(s): S,
    who: Principal,
    Path(version): Path<String>,
    Json(req): Json<MetalPrices>,
) -> ApiResult<Response> {
    who.require(CATALOG_STAFF)?;
    let set = crate::catalogs::sources(&s.store, &version).await.map_err(Problem::internal)?;
    let set = set.ok_or_else(|| Problem::not_found(format!("there is no catalog version {version}")))?;
    let edited = orfevre_catalog::edit::set_metal_prices(&set, &req.version, &req.prices).map_err(|e| {
        let pointer = if e.key == "version" { "/version".to_string() } else { format!("/prices/{}", e.key) };
        Problem::invalid("validation", format!("{pointer}: {}", e.message)).at(pointer, e.message)
    })?;
    let checked = crate::catalogs::check(&edited)?;
    let out = UploadResult {
        version: checked.version.clone(),
        digest: checked.digest.clone(),
        created: true,
        warnings: checked.diagnostics.len(),
        diagnostics: checked.diagnostics.clone(),
    };
    let new_version = checked.version.clone();
    // An existing version is refused, whether its content matches (false) or not (a 409 already).
    let stored = s.catalogs.put(checked, &who.actor()).await.map_err(|p| {
        if p.status == 409 {
            p.at("/version", "choose a new version name")
        } else {
            p
        }
    })?;
    if !stored {
        return Err(Problem::conflict(format!("catalog version {new_version} already exists"))
            .at("/version", "choose a new version name"));
    }
    tracing::info!(from = %version, version = %new_version, by = %who.actor(), "metal prices changed");
    Ok(created(format!("/api/v1/catalog/versions/{new_version}"), out))
}

// ----- designs ---------------------------------------------------------------------------------

/// Parses a design body; a JSON syntax error is 400, a shape error 422, both with the pointer.
fn parse_design(bytes: &[u8]) -> ApiResult<Design> {
    Design::from_json(bytes).map_err(|e| {
        if bytes.len() > orfevre_engine::design::MAX_DESIGN_BYTES {
            return crate::problem::too_large(orfevre_engine::design::MAX_DESIGN_BYTES);
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() {
            Problem::bad_request("malformed-json", format!("the body is not valid JSON: {}", e.message))
                .at(e.pointer, e.message)
        } else {
            Problem::invalid("invalid-design", format!("{e}")).at(e.pointer, e.message)
        }
    })
}

pub(crate) async fn design_body(req: Request) -> ApiResult<Design> {
    let bytes = body_bytes(req, orfevre_engine::design::MAX_DESIGN_BYTES, &["application/json"]).await?;
    parse_design(&bytes)
}

/// The engine a design names, or the active one (which then reports the mismatch). A design whose
/// values are of the wrong kind for the base's fields is malformed: 422 with the JSON pointer.
pub(crate) async fn engine_for(s: &AppState, d: &Design) -> ApiResult<Arc<Engine>> {
    let active = s.catalogs.active();
    let e = if active.catalog.brand.version == d.catalog.version {
        active
    } else {
        s.catalogs.get(&d.catalog.version).await?.unwrap_or(active)
    };
    // Against another version than its own, the design's fields are not checked: the evaluation
    // reports the version mismatch.
    if e.catalog.brand.version == d.catalog.version {
        check_shape(&e, d)?;
    }
    Ok(e)
}

/// [`Engine::check_shape`] as a 422 problem.
pub(crate) fn check_shape(e: &Engine, d: &Design) -> ApiResult<()> {
    e.check_shape(d).map_err(|err| Problem::invalid("invalid-design", err.to_string()).at(err.pointer, err.message))
}

fn currency_of(e: &Engine, c: Option<&str>) -> ApiResult<Option<Currency>> {
    let Some(c) = c else { return Ok(None) };
    let bad = |why: String| Problem::bad_request("currency", why.clone()).at("query:currency", why);
    let cur: Currency = c.parse().map_err(|e: String| bad(e))?;
    let b = &e.catalog.brand;
    if cur != b.currency && !b.currencies.iter().any(|a| a.code == cur) {
        return Err(bad(format!("{} does not sell in {cur}", b.name)));
    }
    Ok(Some(cur))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    /// One of the brand's currencies (default: its main one).
    pub currency: Option<String>,
    /// Also report every open choice with its feasible candidates and repairs.
    pub choices: Option<bool>,
}

/// Evaluate a design (stateless): valid or not with every violation, price breakdown, weight,
/// lead time, bill of materials, and optionally the open choices. Body: a design
/// (docs/design.md).
#[utoipa::path(post, path = "/api/v1/designs/evaluate", tag = "designs", params(EvalQuery),
    request_body(content = Object, description = "A design document (docs/design.md)"),
    responses((status = 200, description = "The evaluation; `valid` says whether the design can be made"),
        (status = 400, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn evaluate(
    State(s): S,
    q: Result<Query<EvalQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(query_problem)?;
    let d = design_body(req).await?;
    let e = engine_for(&s, &d).await?;
    let cur = currency_of(&e, q.currency.as_deref())?;
    let body = if q.choices.unwrap_or(false) {
        // Choices evaluate every candidate (milliseconds): off the async workers, so that the
        // cheap requests around it are not held up.
        tokio::task::spawn_blocking(move || {
            let ev = e.evaluate_in(&d, cur);
            serde_json::to_vec(&serde_json::json!({ "evaluation": ev, "choices": e.all_choices(&d) }))
        })
        .await
        .map_err(Problem::internal)?
    } else {
        serde_json::to_vec(&serde_json::json!({ "evaluation": e.evaluate_in(&d, cur) }))
    }
    .map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceRequest {
    design: Box<serde_json::value::RawValue>,
    choice: orfevre_engine::Choice,
}

/// The candidates of one open choice of a design — feasible or not with the reasons, and a
/// verified repair where one exists. Body: `{"design": {…}, "choice": {"kind": "insert",
/// "mount": "strand", "section": 0}}` (kinds: insert, station, slot, socket, param, field, size).
#[utoipa::path(post, path = "/api/v1/designs/choice", tag = "designs",
    request_body(content = Object, description = "{design, choice}"),
    responses((status = 200, description = "The choice's candidates"), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn choose(State(s): S, req: Request) -> ApiResult<Response> {
    let bytes = body_bytes(req, orfevre_engine::design::MAX_DESIGN_BYTES + 4096, &["application/json"]).await?;
    let r: ChoiceRequest = crate::problem::parse_json(&bytes)?;
    let under_design = |mut p: Problem| {
        for e in &mut p.errors {
            e.pointer = format!("/design{}", e.pointer);
        }
        p
    };
    let d = parse_design(r.design.get().as_bytes()).map_err(under_design)?;
    let e = engine_for(&s, &d).await.map_err(under_design)?;
    let choice = r.choice;
    let body = tokio::task::spawn_blocking(move || serde_json::to_vec(&e.choice(&d, &choice)))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpellRequest {
    /// A base with a strand of letter beads (default: name-bracelet).
    pub base: Option<String>,
    /// Its strand mount (default: strand).
    pub mount: Option<String>,
    /// The size to spell at (default: the base's default size).
    pub size: Option<String>,
    /// The word (at most 100 characters).
    pub text: String,
}

/// Spell a word in letter beads: the design, every letter missing or short of stock with its
/// fallback (never substituted silently), and why the word as a whole cannot be made as it is
/// (`problems`: too many letters, a larger size needed, too long for the largest size, empty).
#[utoipa::path(post, path = "/api/v1/designs/spell", tag = "designs", request_body = SpellRequest,
    responses((status = 200, description = "skus, issues and the design"), (status = 422, body = Problem)))]
pub async fn spell(State(s): S, Json(r): Json<SpellRequest>) -> ApiResult<Response> {
    if r.text.chars().count() > 100 {
        return Err(
            Problem::invalid("validation", "/text: at most 100 characters").at("/text", "at most 100 characters")
        );
    }
    let e = s.catalogs.active();
    let base = r.base.unwrap_or_else(|| "name-bracelet".into());
    let mount = r.mount.unwrap_or_else(|| "strand".into());
    let sp = e.spell(&base, &mount, r.size.as_deref(), &r.text);
    if sp.design.is_none() {
        return Err(Problem::invalid("validation", format!("base {base} has no strand mount {mount}"))
            .at("/base", "no such strand of letter beads"));
    }
    Ok(axum::Json(sp).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SavedDesign {
    pub hash: String,
    pub catalog_version: String,
    /// Where a shopper opens it.
    pub share_url: String,
    pub valid: bool,
    pub created_at: String,
    #[schema(value_type = Object)]
    pub design: serde_json::Value,
}

/// Save a design (immutable, content-addressed): 201 the first time, 200 after. Signed-in
/// shoppers find it under /api/v1/me/designs.
#[utoipa::path(post, path = "/api/v1/designs", tag = "designs",
    request_body(content = Object, description = "A design document (docs/design.md)"),
    responses((status = 201, body = SavedDesign), (status = 200, body = SavedDesign), (status = 422, body = Problem)))]
pub async fn save_design(State(s): S, who: Principal, req: Request) -> ApiResult<Response> {
    let d = design_body(req).await?;
    let Some(e) = s.catalogs.get(&d.catalog.version).await? else {
        return Err(Problem::invalid("unknown-catalog", format!("there is no catalog version {}", d.catalog.version))
            .at("/catalog/version", "unknown catalog version"));
    };
    check_shape(&e, &d)?;
    let valid = e.violations(&d).is_empty();
    let hash = d.hash();
    let body = d.canonical_json();
    let new = s.store.put_design(&hash, &d.catalog.version, &body, who.user_id()).await?;
    let row = s.store.design(&hash).await?.ok_or_else(|| Problem::internal("a saved design vanished"))?;
    let out = SavedDesign {
        share_url: format!("{}/d/{hash}", s.public_url),
        catalog_version: d.catalog.version.clone(),
        valid,
        created_at: rfc3339(row.created_at),
        design: serde_json::from_str(&body).map_err(Problem::internal)?,
        hash: hash.clone(),
    };
    Ok(if new { created(format!("/api/v1/designs/{hash}"), out) } else { axum::Json(out).into_response() })
}

pub(crate) fn check_hash(h: &str) -> ApiResult<()> {
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(Problem::bad_request("design-hash", "a design hash is 64 lowercase hexadecimal digits")
            .at("path:hash", "not a SHA-256 hex digest"))
    }
}

/// A saved design.
#[utoipa::path(get, path = "/api/v1/designs/{hash}", tag = "designs",
    responses((status = 200, body = SavedDesign), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn get_design(State(s): S, Path(hash): Path<String>) -> ApiResult<axum::Json<SavedDesign>> {
    check_hash(&hash)?;
    let row = s.store.design(&hash).await?.ok_or_else(|| Problem::not_found(format!("no design {hash}")))?;
    let d =
        Design::from_json(row.body.as_bytes()).map_err(|e| Problem::internal(format!("stored design {hash}: {e}")))?;
    let valid = match s.catalogs.get(&row.catalog_version).await? {
        Some(e) => e.violations(&d).is_empty(),
        None => false,
    };
    Ok(axum::Json(SavedDesign {
        share_url: format!("{}/d/{hash}", s.public_url),
        catalog_version: row.catalog_version,
        valid,
        created_at: rfc3339(row.created_at),
        design: serde_json::from_str(&row.body).map_err(Problem::internal)?,
        hash,
    }))
}

// ----- quotes ----------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The hash of a saved design.
    pub design: String,
    /// One of the brand's currencies (default: its main one).
    pub currency: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LineItemProperties {
    pub _design: String,
    pub _quote: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteResponse {
    /// The signed quote token: give it back when ordering.
    pub quote: String,
    pub claims: Claims,
    pub expires_at: String,
    /// What to attach to the cart line in a Shopify-style shop (docs/integration.md).
    pub line_item_properties: LineItemProperties,
}

/// Quote a saved, valid design at the published catalog's price: a signed token a shop can carry.
#[utoipa::path(post, path = "/api/v1/quotes", tag = "orders", request_body = QuoteRequest,
    responses((status = 201, body = QuoteResponse), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_quote(State(s): S, Json(q): Json<QuoteRequest>) -> ApiResult<Response> {
    check_hash(&q.design).map_err(|p| Problem {
        errors: vec![crate::problem::FieldError { pointer: "/design".into(), detail: p.detail.clone() }],
        ..p
    })?;
    let row = s.store.design(&q.design).await?.ok_or_else(|| {
        Problem::not_found(format!("no saved design {}", q.design)).at("/design", "save the design first")
    })?;
    // The published version is read from the database, not the cache: a quote is never made on a
    // catalog another server has just replaced.
    let active = s.store.active_catalog().await?.unwrap_or_default();
    if row.catalog_version != active {
        return Err(Problem::invalid(
            "stale-catalog",
            format!("the design was made on catalog {}; the published catalog is {active}", row.catalog_version),
        )
        .at("/design", "re-make the design on the published catalog"));
    }
    let e = s.catalogs.get(&active).await?.ok_or_else(|| Problem::internal("published catalog missing"))?;
    let d = Design::from_json(row.body.as_bytes()).map_err(Problem::internal)?;
    let cur = currency_of(&e, q.currency.as_deref()).map_err(|p| Problem {
        errors: vec![crate::problem::FieldError { pointer: "/currency".into(), detail: p.detail.clone() }],
        ..p
    })?;
    let ev = e.evaluate_in(&d, cur);
    if !ev.valid {
        return Err(Problem::invalid(
            "invalid-design",
            format!("the design cannot be made: {} problem(s)", ev.violations.len()),
        )
        .at("/design", ev.violations.first().map(|v| v.message.clone()).unwrap_or_default())
        .with("violations", &ev.violations));
    }
    let (st, engine, design) = (s.clone(), e.clone(), d.clone());
    tokio::task::spawn_blocking(move || crate::engraving::check_design(&st, &engine, &design))
        .await
        .map_err(Problem::internal)??;
    let claims = Claims {
        id: orfevre_store::new_id("quo_"),
        design: q.design.clone(),
        catalog_version: active,
        total: ev.price.total.amount_string(),
        currency: ev.price.total.currency.to_string(),
        expires_at: now_ms() + s.config.quote_ttl.as_millis() as i64,
    };
    let token = quote::sign(&s.quote_key, &claims);
    let out = QuoteResponse {
        expires_at: rfc3339(claims.expires_at),
        line_item_properties: LineItemProperties { _design: q.design.clone(), _quote: token.clone() },
        quote: token,
        claims,
    };
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub quote: String,
}

fn verify_or_problem(s: &AppState, token: &str, pointer: &str) -> ApiResult<Claims> {
    quote::verify(&s.quote_key, token, now_ms()).map_err(|e| {
        let slug = match e {
            QuoteError::Expired => "quote-expired",
            _ => "invalid-quote",
        };
        Problem::invalid(slug, e.to_string()).at(pointer, e.to_string())
    })
}

/// Check a quote (for a shop's checkout): its claims when genuine and unexpired.
#[utoipa::path(post, path = "/api/v1/quotes/verify", tag = "orders", request_body = VerifyRequest,
    responses((status = 200, body = Claims), (status = 422, body = Problem)))]
pub async fn verify_quote(State(s): S, Json(v): Json<VerifyRequest>) -> ApiResult<axum::Json<Claims>> {
    Ok(axum::Json(verify_or_problem(&s, &v.quote, "/quote")?))
}

// ----- orders ----------------------------------------------------------------------------------

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

pub const STATUSES: [&str; 6] = ["awaiting_payment", "placed", "in_production", "shipped", "delivered", "cancelled"];

/// The statuses an order may move to from `from`.
pub fn next_statuses(from: &str) -> &'static [&'static str] {
    match from {
        "awaiting_payment" => &["placed", "cancelled"],
        "placed" => &["in_production", "cancelled"],
        "in_production" => &["shipped", "cancelled"],
        "shipped" => &["delivered"],
        _ => &[],
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

fn order_payload(o: &Order, event: &str) -> String {
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

async fn order_view(s: &AppState, o: Order) -> ApiResult<OrderView> {
    let history = s
        .store
        .order_events(&o.id)
        .await?
        .into_iter()
        .map(|e| EventView { status: e.status, actor: e.actor, at: rfc3339(e.at) })
        .collect();
    Ok(OrderView {
        next_statuses: next_statuses(&o.status).to_vec(),
        design_url: format!("{}/d/{}", s.public_url, o.design_hash),
        id: o.id,
        status: o.status,
        design: o.design_hash,
        catalog_version: o.catalog_version,
        total: o.total,
        currency: o.currency,
        quote_id: o.quote_id,
        customer: o.customer,
        created_at: rfc3339(o.created_at),
        updated_at: rfc3339(o.updated_at),
        history,
    })
}

const ORDER_MAKERS: &[Role] = &[Role::Shopper, Role::Integration, Role::Admin];
const ORDER_STAFF: &[Role] = &[Role::Admin, Role::Workshop];

fn idempotency_key(h: &HeaderMap) -> ApiResult<String> {
    let Some(v) = h.get("idempotency-key") else {
        return Err(Problem::bad_request("idempotency-key", "creating an order needs an Idempotency-Key header")
            .at("header:idempotency-key", "missing"));
    };
    let k = v.to_str().unwrap_or("").trim().trim_matches('"');
    if k.is_empty() || k.len() > 255 || !k.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(Problem::bad_request("idempotency-key", "an Idempotency-Key is 1 to 255 visible ASCII characters")
            .at("header:idempotency-key", "malformed"));
    }
    Ok(k.to_string())
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
    headers: HeaderMap,
    Json(req): Json<OrderRequest>,
) -> ApiResult<Response> {
    who.require(ORDER_MAKERS)?;
    let key = idempotency_key(&headers)?;
    let claims = verify_or_problem(&s, &req.quote, "/quote")?;
    let customer = req.customer.clone().unwrap_or(Customer { name: None, email: None, phone: None, note: None });
    for (field, v, max) in [
        ("name", &customer.name, 200),
        ("email", &customer.email, 254),
        ("phone", &customer.phone, 40),
        ("note", &customer.note, 2000),
    ] {
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            let why = format!("at most {max} characters");
            return Err(Problem::invalid("validation", format!("/customer/{field}: {why}"))
                .at(format!("/customer/{field}"), why));
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
        status: initial_status(&who).into(),
    };
    match s.store.create_order(new, |o| order_payload(o, "order.created")).await? {
        Created::New(o) => {
            metrics::counter!("orfevre_orders_created_total").increment(1);
            let id = o.id.clone();
            Ok(created(format!("/api/v1/orders/{id}"), order_view(&s, o).await?))
        }
        Created::Replayed(o) => {
            let id = o.id.clone();
            let mut r = created(format!("/api/v1/orders/{id}"), order_view(&s, o).await?);
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

/// A shop's integration token places orders its own checkout has charged: they start `placed`.
/// Orfèvre takes no payment itself, so an order a shopper places in its storefront waits as
/// `awaiting_payment` until staff mark it paid (the demo shop's stand-in for a payment provider).
fn initial_status(who: &Principal) -> &'static str {
    match who.role() {
        Some(Role::Shopper) => "awaiting_payment",
        _ => "placed",
    }
}

/// Whether the caller may see this order: staff who handle orders, or its maker.
fn may_see(who: &Principal, o: &Order) -> ApiResult<bool> {
    let role = who.require(&[Role::Shopper, Role::Integration, Role::Admin, Role::Workshop])?;
    Ok(ORDER_STAFF.contains(&role) || who.key().as_deref() == Some(o.principal.as_str()))
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
    q: Result<Query<OrderList>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<axum::Json<Vec<OrderView>>> {
    let role = who.require(&[Role::Shopper, Role::Integration, Role::Admin, Role::Workshop])?;
    let Query(q) = q.map_err(query_problem)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let orders = if ORDER_STAFF.contains(&role) {
        s.store.orders(None, None, limit).await?
    } else {
        s.store
            .orders(Some(who.user_id().unwrap_or("-")).filter(|_| who.user_id().is_some()), who.token_id(), limit)
            .await?
    };
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        out.push(order_view(&s, o).await?);
    }
    Ok(axum::Json(out))
}

/// One order with its history.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    responses((status = 200, body = OrderView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_order(State(s): S, who: Principal, Path(id): Path<String>) -> ApiResult<axum::Json<OrderView>> {
    who.require(&[Role::Shopper, Role::Integration, Role::Admin, Role::Workshop])?;
    let o = s.store.order(&id).await?.filter(|o| may_see(&who, o).unwrap_or(false));
    let o = o.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    Ok(axum::Json(order_view(&s, o).await?))
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
    let role = who.require(&[Role::Shopper, Role::Integration, Role::Admin, Role::Workshop])?;
    if !STATUSES.contains(&c.status.as_str()) {
        let why = format!("one of {}", STATUSES.join(", "));
        return Err(Problem::invalid("validation", format!("/status: {why}")).at("/status", why));
    }
    let o = s.store.order(&id).await?.filter(|o| may_see(&who, o).unwrap_or(false));
    let o = o.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    let maker_cancels = c.status == "cancelled" && ["awaiting_payment", "placed"].contains(&o.status.as_str());
    if !(ORDER_STAFF.contains(&role) || maker_cancels) {
        return Err(Problem::forbidden(
            "only the workshop moves an order on; its maker may cancel it until production starts",
        ));
    }
    if o.status == "awaiting_payment" && c.status == "placed" && role != Role::Admin {
        return Err(Problem::forbidden("only an admin marks an order paid"));
    }
    if !next_statuses(&o.status).contains(&c.status.as_str()) {
        return Err(Problem::conflict(format!("an order that is {} cannot become {}", o.status, c.status))
            .at("/status", format!("allowed next: {}", next_statuses(&o.status).join(", ")))
            .with("next_statuses", next_statuses(&o.status)));
    }
    let moved = s
        .store
        .transition_order(&id, &o.status, &c.status, &who.actor(), |o| order_payload(o, "order.status_changed"))
        .await?;
    let o = moved.ok_or_else(|| Problem::conflict("the order changed meanwhile; read it again"))?;
    Ok(axum::Json(order_view(&s, o).await?))
}

// ----- accounts --------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    /// Send it back in `X-CSRF-Token` on every signed-in POST, PUT, PATCH and DELETE.
    pub csrf_token: String,
}

fn session_cookie(s: &AppState, secret: &str, max_age: i64) -> HeaderValue {
    let secure = if s.config.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={secret}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}",
        auth::SESSION_COOKIE
    ))
    .expect("cookie is ASCII")
}

async fn open_session(s: &AppState, user: &orfevre_store::User, status: StatusCode) -> ApiResult<Response> {
    let csrf = orfevre_store::new_secret();
    let secret = s.store.create_session(&user.id, &csrf, s.config.session_ttl).await?;
    let body = SessionView {
        user_id: user.id.clone(),
        email: user.email.clone(),
        role: Role::parse(&user.role).unwrap_or(Role::Shopper),
        csrf_token: csrf,
    };
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(s, &secret, s.config.session_ttl.as_secs() as i64));
    Ok(r)
}

async fn hash_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)
}

/// Create a shopper account and sign in.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = Credentials,
    responses((status = 201, body = SessionView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register(State(s): S, Json(c): Json<Credentials>) -> ApiResult<Response> {
    let email = auth::parse_email(&c.email)?;
    auth::check_password(&c.password)?;
    let hash = hash_blocking(c.password).await?;
    let user = s
        .store
        .create_user(&email, &hash, Role::Shopper.as_str())
        .await
        .map_err(|e| Problem::from(e).at("/email", "taken"))?;
    open_session(&s, &user, StatusCode::CREATED).await
}

/// Sign in (sets the session cookie).
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts", request_body = Credentials,
    responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn login(State(s): S, Json(c): Json<Credentials>) -> ApiResult<Response> {
    let email = c.email.trim().to_lowercase();
    let user = s.store.user_by_email(&email).await?;
    // Verify against a dummy hash when there is no such user, so both cases take as long.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4eTDRKs1Lv7iwpzEI+vHoHEHgWqgYyDmCGfG25Ogfko";
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY.to_string());
    let pw = c.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash)).await.map_err(Problem::internal)?;
    match user {
        Some(u) if ok => open_session(&s, &u, StatusCode::OK).await,
        _ => {
            Err(Problem::new(StatusCode::UNAUTHORIZED, "bad-credentials", "Sign-in failed", "wrong email or password")
                .at("/password", "wrong email or password"))
        }
    }
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/session", tag = "accounts",
    responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn whoami(who: Principal) -> ApiResult<axum::Json<SessionView>> {
    match who {
        Principal::User { user, role, csrf } => {
            Ok(axum::Json(SessionView { user_id: user.id, email: user.email, role, csrf_token: csrf }))
        }
        _ => Err(Problem::unauthorized()),
    }
}

/// Sign out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts", responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(State(s): S, who: Principal, req: Request) -> ApiResult<Response> {
    if !matches!(who, Principal::User { .. }) {
        return Err(Problem::unauthorized());
    }
    let (parts, _) = req.into_parts();
    if let Some(secret) = auth::cookie(&parts.headers, auth::SESSION_COOKIE) {
        s.store.delete_session(&secret).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, "", 0));
    Ok(r)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DesignSummary {
    pub hash: String,
    pub catalog_version: String,
    pub base: String,
    pub share_url: String,
    pub saved_at: String,
}

/// The designs the signed-in user saved.
#[utoipa::path(get, path = "/api/v1/me/designs", tag = "accounts",
    responses((status = 200, body = [DesignSummary]), (status = 401, body = Problem)))]
pub async fn my_designs(State(s): S, who: Principal) -> ApiResult<axum::Json<Vec<DesignSummary>>> {
    let Some(uid) = who.user_id() else { return Err(Problem::unauthorized()) };
    let rows = s.store.user_designs(uid).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| DesignSummary {
                base: serde_json::from_str::<serde_json::Value>(&r.body)
                    .ok()
                    .and_then(|v| v["base"].as_str().map(String::from))
                    .unwrap_or_default(),
                share_url: format!("{}/d/{}", s.public_url, r.hash),
                hash: r.hash,
                catalog_version: r.catalog_version,
                saved_at: rfc3339(r.created_at),
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub email: String,
    pub password: String,
    /// admin, merchandiser, workshop or designer.
    pub role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub role: Role,
}

/// Create a staff account (admin).
#[utoipa::path(post, path = "/api/v1/staff", tag = "accounts", request_body = NewStaff,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_staff(State(s): S, who: Principal, Json(n): Json<NewStaff>) -> ApiResult<Response> {
    who.require(&[Role::Admin])?;
    if !n.role.is_staff() {
        return Err(Problem::invalid("validation", "/role: a staff role is admin, merchandiser, workshop or designer")
            .at("/role", "not a staff role"));
    }
    let email = auth::parse_email(&n.email)?;
    auth::check_password(&n.password)?;
    let hash = hash_blocking(n.password).await?;
    let u = s
        .store
        .create_user(&email, &hash, n.role.as_str())
        .await
        .map_err(|e| Problem::from(e).at("/email", "taken"))?;
    Ok((StatusCode::CREATED, axum::Json(UserView { id: u.id, email: u.email, role: n.role })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (e.g. "shopify").
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// `orf_…`: shown once; send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// Create an API token for a shop integration (admin).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, body = TokenCreated), (status = 403, body = Problem)))]
pub async fn create_token(State(s): S, who: Principal, Json(n): Json<NewToken>) -> ApiResult<Response> {
    who.require(&[Role::Admin])?;
    let name = n.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Problem::invalid("validation", "/name: 1 to 100 characters").at("/name", "1 to 100 characters"));
    }
    let (t, secret) = s.store.create_token(name, Role::Integration.as_str()).await?;
    Ok((StatusCode::CREATED, axum::Json(TokenCreated { id: t.id, name: t.name, role: Role::Integration, secret }))
        .into_response())
}

/// Revoke an API token (admin).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(State(s): S, who: Principal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    who.require(&[Role::Admin])?;
    if s.store.revoke_token(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no live token {id}")))
    }
}

// ----- webhooks --------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// http:// or https:// URL receiving `order.created`, `order.status_changed`, `piece.made`, `piece.altered` and `piece.transferred`.
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    /// `whsec_…`: only in the response that creates the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: String,
}

/// Register a webhook endpoint (admin).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = WebhookView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_webhook(State(s): S, who: Principal, Json(n): Json<NewWebhook>) -> ApiResult<Response> {
    who.require(&[Role::Admin])?;
    let url = n.url.trim();
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= 2000
        && reqwest::Url::parse(url).is_ok();
    if !ok {
        return Err(Problem::invalid("validation", "/url: an http:// or https:// URL").at("/url", "not an http(s) URL"));
    }
    let e = s.store.add_webhook(url, &crate::webhooks::new_secret()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookView { id: e.id, url: e.url, secret: Some(e.secret), created_at: rfc3339(e.created_at) }),
    )
        .into_response())
}

/// Webhook endpoints (admin).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = [WebhookView]), (status = 403, body = Problem)))]
pub async fn list_webhooks(State(s): S, who: Principal) -> ApiResult<axum::Json<Vec<WebhookView>>> {
    who.require(&[Role::Admin])?;
    Ok(axum::Json(
        s.store
            .webhooks()
            .await?
            .into_iter()
            .map(|e| WebhookView { id: e.id, url: e.url, secret: None, created_at: rfc3339(e.created_at) })
            .collect(),
    ))
}

/// Stop sending to an endpoint (admin).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_webhook(State(s): S, who: Principal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    who.require(&[Role::Admin])?;
    if s.store.disable_webhook(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no webhook endpoint {id}")))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub event_type: String,
    pub attempts: i64,
    /// pending, delivered or failed.
    pub state: &'static str,
    pub last_error: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// Recent deliveries to an endpoint (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    responses((status = 200, body = [DeliveryView]), (status = 403, body = Problem)))]
pub async fn list_deliveries(
    State(s): S,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<DeliveryView>>> {
    who.require(&[Role::Admin])?;
    Ok(axum::Json(
        s.store
            .deliveries(&id)
            .await?
            .into_iter()
            .map(|d| DeliveryView {
                state: if d.delivered_at.is_some() {
                    "delivered"
                } else if d.failed_at.is_some() {
                    "failed"
                } else {
                    "pending"
                },
                id: d.id,
                event_type: d.event_type,
                attempts: d.attempts,
                last_error: d.last_error,
                payload: serde_json::from_str(&d.payload).unwrap_or_default(),
            })
            .collect(),
    ))
}
