//! What the API shows of a catalog: plain JSON views of bases and components (ids by name,
//! lengths in mm, list prices as money), built from the resolved catalog.

use orfevre_catalog::*;
use orfevre_engine::Engine;
use serde::Serialize;

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
