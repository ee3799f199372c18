//! The published catalog as shoppers browse it: the brand, its bases and components (filtered
//! and paged), their drawings — plain JSON views (ids by name, lengths in mm, list prices as
//! money) built from the resolved catalog.

use crate::http::{ApiResult, Problem, Query, S};
use crate::services::catalogs::CatalogInfo;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use orfevre_catalog::*;
use orfevre_engine::Engine;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/catalog", get(catalog_info))
        .route("/api/v1/catalog/bases", get(list_bases))
        .route("/api/v1/catalog/bases/{id}", get(get_base))
        .route("/api/v1/catalog/components", get(list_components))
        .route("/api/v1/catalog/components/{sku}", get(get_component))
        .route("/api/v1/catalog/art/{*path}", get(get_art))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(catalog_info, list_bases, get_base, list_components, get_component, get_art))]
pub struct Api;

/// The published catalog.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", responses((status = 200, body = CatalogInfo)))]
pub async fn catalog_info(State(s): S) -> axum::Json<CatalogInfo> {
    axum::Json(CatalogInfo::of(&s.catalogs.active()))
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
    responses((status = 200, body = [BaseView]), (status = 400, body = Problem)))]
pub async fn list_bases(State(s): S, Query(f): Query<BaseFilter>) -> ApiResult<Response> {
    let e = s.catalogs.active();
    let cat = &e.catalog;
    let out: Vec<BaseView> = (0..cat.bases.len() as u32)
        .map(|b| base(&e, b))
        .filter(|b| f.piece.as_ref().is_none_or(|p| b.piece == p))
        .filter(|b| f.family.as_ref().is_none_or(|fam| b.mounts.iter().any(|m| m.families.contains(fam))))
        .filter(|b| f.max_price.is_none_or(|m| b.price.amount <= m))
        .filter(|b| f.in_stock.is_none_or(|want| b.in_stock == want))
        .collect();
    Ok(axum::Json(out).into_response())
}

/// One base.
#[utoipa::path(get, path = "/api/v1/catalog/bases/{id}", tag = "catalog",
    responses((status = 200, body = BaseView), (status = 404, body = Problem)))]
pub async fn get_base(State(s): S, Path(id): Path<String>) -> ApiResult<axum::Json<BaseView>> {
    let e = s.catalogs.active();
    let b = e.catalog.base(&id).ok_or_else(|| Problem::not_found(format!("there is no base {id:?}")))?;
    Ok(axum::Json(base(&e, b)))
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
    pub items: Vec<ComponentView>,
}

/// Components, filtered and paged.
#[utoipa::path(get, path = "/api/v1/catalog/components", tag = "catalog", params(ComponentFilter),
    responses((status = 200, body = ComponentPage), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_components(State(s): S, Query(f): Query<ComponentFilter>) -> ApiResult<axum::Json<ComponentPage>> {
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
            items.push(component(&e, id));
        }
    }
    Ok(axum::Json(ComponentPage { total, items }))
}

/// One component.
#[utoipa::path(get, path = "/api/v1/catalog/components/{sku}", tag = "catalog",
    responses((status = 200, body = ComponentView), (status = 404, body = Problem)))]
pub async fn get_component(State(s): S, Path(sku): Path<String>) -> ApiResult<axum::Json<ComponentView>> {
    let e = s.catalogs.active();
    let c = e.catalog.component(&sku).ok_or_else(|| Problem::not_found(format!("there is no component {sku:?}")))?;
    Ok(axum::Json(component(&e, c)))
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
pub async fn get_art(State(s): S, Path(path): Path<String>, Query(q): Query<ArtQuery>) -> ApiResult<Response> {
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

// ----- views -----------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComponentView {
    pub sku: String,
    pub name: String,
    pub kind: &'static str,
    pub family: String,
    pub connector: &'static str,
    /// Millimetres.
    #[schema(value_type = String)]
    pub width: Mm,
    #[schema(value_type = Option<String>)]
    pub hole: Option<Mm>,
    #[schema(value_type = String)]
    pub weight: Grams,
    /// List price in the brand's main currency.
    #[schema(value_type = Object)]
    pub price: Money,
    /// Units on hand; absent when made to order.
    pub stock: Option<u32>,
    pub in_stock: bool,
    pub lead_time_days: u32,
    pub tags: Vec<String>,
    /// Path of the SVG drawing inside the catalog.
    pub art: Option<String>,
    /// The letter a letter bead carries.
    pub glyph: Option<String>,
}

pub fn component(e: &Engine, id: CompId) -> ComponentView {
    let cat = &e.catalog;
    let c = cat.comp(id);
    ComponentView {
        sku: c.sku.clone(),
        name: c.name.clone(),
        kind: c.kind.as_str(),
        family: cat.family_name(c.family).to_string(),
        connector: c.connector.as_str(),
        width: c.width,
        hole: c.hole,
        weight: c.weight,
        price: e.component_price(id),
        stock: c.stock,
        in_stock: c.stock != Some(0),
        lead_time_days: c.lead_time_days,
        tags: c.tags.iter().map(|t| cat.tag_name(*t).to_string()).collect(),
        art: c.art.clone(),
        glyph: c.glyph.clone(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SizeView {
    pub id: String,
    pub label: String,
    #[schema(value_type = Option<String>)]
    pub length: Option<Mm>,
    #[schema(value_type = Option<String>)]
    pub circumference: Option<Mm>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MountView {
    pub id: String,
    pub label: String,
    /// strand, slots, socket, container or parametric.
    pub kind: &'static str,
    /// Families, connectors and kinds it takes (empty: any).
    pub families: Vec<String>,
    pub connectors: Vec<&'static str>,
    pub kinds: Vec<&'static str>,
    /// Strands: how many sections the clip stations divide it into.
    pub sections: Option<u32>,
    /// Parametric mounts: the parameters they take.
    pub params: Vec<&'static str>,
    /// A signet's table above the band, mm above its top (where its engraving goes).
    #[schema(value_type = Option<String>)]
    pub top_thickness: Option<Mm>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldView {
    pub id: String,
    pub label: String,
    /// engraving, text, choice or colour.
    pub kind: &'static str,
    pub required: bool,
    pub max_length: Option<u32>,
    /// The engraving zone, mm.
    #[schema(value_type = Option<String>)]
    pub width: Option<Mm>,
    #[schema(value_type = Option<String>)]
    pub height: Option<Mm>,
    pub fonts: Vec<String>,
    pub options: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BaseView {
    pub id: String,
    pub name: String,
    pub piece: &'static str,
    pub gtin: Option<String>,
    /// Price of the base alone, brand currency.
    #[schema(value_type = Object)]
    pub price: Money,
    pub in_stock: bool,
    pub lead_time_days: u32,
    pub art: Option<String>,
    pub default_size: Option<String>,
    pub sizes: Vec<SizeView>,
    pub mounts: Vec<MountView>,
    pub fields: Vec<FieldView>,
}

pub fn base(e: &Engine, id: BaseId) -> BaseView {
    let cat = &e.catalog;
    let b = &cat.bases[id as usize];
    BaseView {
        id: b.id.clone(),
        name: b.name.clone(),
        piece: b.piece.as_str(),
        gtin: b.gtin.clone(),
        price: e.base_price(id),
        in_stock: b.stock != Some(0),
        lead_time_days: b.lead_time_days,
        art: b.art.clone(),
        default_size: b.sizes.get(b.default_size).map(|s| s.id.clone()),
        sizes: b
            .sizes
            .iter()
            .map(|s| SizeView {
                id: s.id.clone(),
                label: s.label.clone(),
                length: s.length,
                circumference: s.circumference,
            })
            .collect(),
        mounts: b
            .mounts
            .iter()
            .map(|m| {
                let acc = m.spec.accept();
                MountView {
                    id: m.id.clone(),
                    label: m.label.clone(),
                    kind: m.spec.kind().as_str(),
                    families: acc
                        .map(|a| a.families.iter().map(|f| cat.family_name(*f).to_string()).collect())
                        .unwrap_or_default(),
                    connectors: acc.map(|a| a.connectors.iter().map(|c| c.as_str()).collect()).unwrap_or_default(),
                    kinds: acc.map(|a| a.kinds.iter().map(|k| k.as_str()).collect()).unwrap_or_default(),
                    sections: match &m.spec {
                        MountSpec::Strand(s) => Some(s.sections() as u32),
                        _ => None,
                    },
                    params: match &m.spec {
                        MountSpec::Parametric(p) => p.param_names(),
                        _ => Vec::new(),
                    },
                    top_thickness: match &m.spec {
                        MountSpec::Parametric(p) => p.top.as_ref().map(|t| t.thickness),
                        _ => None,
                    },
                }
            })
            .collect(),
        fields: b
            .fields
            .iter()
            .map(|f| {
                let mut v = FieldView {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    kind: "",
                    required: f.required,
                    max_length: None,
                    width: None,
                    height: None,
                    fonts: Vec::new(),
                    options: Vec::new(),
                };
                match &f.spec {
                    FieldSpec::Engraving { width, height, fonts, max_length, .. } => {
                        v.kind = "engraving";
                        v.width = Some(*width);
                        v.height = Some(*height);
                        v.max_length = Some(*max_length);
                        v.fonts = fonts.iter().map(|f| cat.fonts[*f as usize].id.clone()).collect();
                    }
                    FieldSpec::Text { max_length, .. } => {
                        v.kind = "text";
                        v.max_length = Some(*max_length);
                    }
                    FieldSpec::Choice { options, .. } => {
                        v.kind = "choice";
                        v.options = options.iter().map(|o| o.id.clone()).collect();
                    }
                    FieldSpec::Colour { colours, .. } => {
                        v.kind = "colour";
                        v.options = colours.iter().map(|c| cat.materials[*c as usize].id.clone()).collect();
                    }
                }
                v
            })
            .collect(),
    }
}
