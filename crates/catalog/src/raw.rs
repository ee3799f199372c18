//! The catalog's file format as written by merchandisers: one serde struct per TOML table.
//!
//! Every table denies unknown fields, so a typo (`widht_mm`) is an error at its line and column.
//! Values the checker may find wrong are [`Spanned`] so that it points at them, and the fields an
//! entry cannot do without are `Option`s the loader asks for by name, so that an entry missing
//! three of them gets three errors at once rather than one per run.
//! `docs/catalog.md` documents each field; keep the two in step.

use crate::units::{Currency, Dec, Grams, Mm, Price, PricePoint};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// One TOML file of a catalog. Any file may hold any of these tables; the usual layout puts
/// `[brand]` and `[pricing]` in `brand.toml`, materials in `materials.toml`, components under
/// `components/`, bases under `bases/` and rules in `rules.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub brand: Option<S<RawBrand>>,
    pub pricing: Option<S<RawPricing>>,
    #[serde(default)]
    pub font: Vec<S<RawFont>>,
    #[serde(default)]
    pub metal: Vec<S<RawMetal>>,
    #[serde(default)]
    pub stone: Vec<S<RawStone>>,
    #[serde(default)]
    pub cord: Vec<S<RawMaterial>>,
    #[serde(default)]
    pub leather: Vec<S<RawMaterial>>,
    #[serde(default)]
    pub enamel: Vec<S<RawMaterial>>,
    #[serde(default)]
    pub colour: Vec<S<RawMaterial>>,
    #[serde(default)]
    pub component: Vec<S<RawComponent>>,
    #[serde(default)]
    pub base: Vec<S<RawBase>>,
    #[serde(default)]
    pub rule: Vec<S<RawRule>>,
    #[serde(default)]
    pub bundle: Vec<S<RawBundle>>,
    pub production: Option<S<RawProduction>>,
    #[serde(default)]
    pub machine: Vec<S<RawMachine>>,
    #[serde(default)]
    pub jig: Vec<S<RawJig>>,
}

/// The workshop's tolerances.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProduction {
    /// How far a made piece's weight may be from the evaluation's, in per cent either way.
    pub weight_tolerance_percent: Option<S<Dec>>,
    /// Days from payment to dispatch the workshop promises on top of the pieces' lead times.
    pub handling_days: Option<u32>,
}

/// A laser of the workshop and the settings an engraving field is made at on it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMachine {
    pub id: S<String>,
    pub name: Option<String>,
    /// `fill` (hatched areas), `line` (outlines traced) or `single-line` (strokes followed).
    pub mode: Option<S<String>>,
    /// GRBL power `S`, 0–1000.
    pub power: Option<S<u32>>,
    pub speed_mm_min: Option<S<Dec>>,
    pub passes: Option<S<u32>>,
    /// Distance between hatch lines (fill mode).
    pub hatch_mm: Option<S<Mm>>,
    /// The width the laser burns.
    pub spot_mm: Option<S<Mm>>,
    /// The bed: the largest plate the machine takes.
    pub bed: Option<S<RawSize2>>,
}

/// A width and a height in millimetres.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSize2 {
    pub width_mm: Mm,
    pub height_mm: Mm,
}

/// An x and a y in millimetres.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoint {
    pub x_mm: Mm,
    pub y_mm: Mm,
}

/// A plate of fixed slots on a machine's bed: `columns × rows` slots of `slot` size, the first
/// with its bottom-left corner at `origin`, the others `pitch` apart.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJig {
    pub id: S<String>,
    pub name: Option<String>,
    pub machine: Option<S<String>>,
    pub slot: Option<S<RawSize2>>,
    pub columns: Option<S<u32>>,
    pub rows: Option<S<u32>>,
    pub pitch: Option<S<RawPoint>>,
    pub origin: Option<RawPoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBrand {
    pub id: Option<S<String>>,
    pub name: Option<String>,
    pub version: Option<S<String>>,
    pub currency: Option<Currency>,
    #[serde(default)]
    pub locales: Vec<String>,
    pub rounding: Option<PricePoint>,
    #[serde(default)]
    pub currencies: Vec<S<RawAltCurrency>>,
    pub domain: Option<String>,
}

/// Another currency the brand sells in: a fixed rate from the main currency and its own price points.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAltCurrency {
    pub code: Currency,
    pub rate: S<Dec>,
    pub rounding: Option<PricePoint>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    /// Default price per engraved character when a field sets none.
    pub engraving_per_character: Option<Price>,
    /// Workshop making charge added to parametric pieces (rings built from metal and stone).
    pub making_charge: Option<Price>,
    /// Multiplier applied to the cost of parametric pieces (metal + stone + setting + making).
    pub markup: Option<Dec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFont {
    pub id: S<String>,
    pub name: Option<String>,
    pub kind: Option<S<String>>,
    /// Where the font file comes from (a Debian package path or a file in the catalog).
    pub file: Option<String>,
    pub package: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetal {
    pub id: S<String>,
    pub name: Option<String>,
    /// g/cm³
    pub density: Option<S<Dec>>,
    pub price_per_gram: Option<Price>,
    /// Minimum cast wall for this alloy.
    pub min_wall_mm: Option<Mm>,
    pub colour: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStone {
    pub id: S<String>,
    pub name: Option<String>,
    pub species: Option<String>,
    pub specific_gravity: Option<S<Dec>>,
    pub refractive_index: Option<Dec>,
    pub price_per_carat: Option<Price>,
}

/// Cords, leathers, enamels and colours: a named material, some with a diameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMaterial {
    pub id: S<String>,
    pub name: Option<String>,
    pub diameter_mm: Option<Mm>,
    /// `#rrggbb`
    pub hex: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub sku: Option<S<String>>,
    pub name: Option<String>,
    pub kind: Option<S<String>>,
    pub family: Option<S<String>>,
    pub connector: Option<S<String>>,
    /// Width along the strand (0 for what is never placed on one: packaging shipped by an option).
    pub width_mm: Option<S<Mm>>,
    pub hole_mm: Option<Mm>,
    pub thickness_mm: Option<Mm>,
    pub volume_mm3: Option<Dec>,
    pub weight_g: Option<Grams>,
    pub price: Option<Price>,
    /// When set, the price adds `weight_g × price_per_gram` of this metal.
    pub metal: Option<S<String>>,
    pub stock: Option<u32>,
    #[serde(default)]
    pub lead_time_days: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    pub art: Option<S<String>>,
    /// The letter a letter bead shows.
    pub glyph: Option<S<String>>,
    pub colour: Option<S<String>>,
    pub enamel: Option<S<String>>,
    /// Where the workshop keeps it (shelf and bin), printed on pick lists.
    pub bin: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSize {
    pub id: S<String>,
    pub label: Option<String>,
    pub length_mm: Option<Mm>,
    /// Inner circumference of a ring (ISO 8653).
    pub circumference_mm: Option<Mm>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBase {
    pub id: Option<S<String>>,
    pub name: Option<String>,
    pub piece: Option<S<String>>,
    pub gtin: Option<S<String>>,
    /// The base's own price; a weight-priced base (`metal` + `weight_g`) may leave it out.
    pub price: Option<Price>,
    pub metal: Option<S<String>>,
    #[serde(default)]
    pub weight_g: Grams,
    #[serde(default)]
    pub lead_time_days: u32,
    pub art: Option<S<String>>,
    pub sizes: Option<S<Vec<RawSize>>>,
    pub default_size: Option<S<String>>,
    pub stock: Option<u32>,
    #[serde(default)]
    pub mount: Vec<S<RawMount>>,
    #[serde(default)]
    pub field: Vec<S<RawField>>,
    /// Mounts and fields read on their own (the base did not read whole), with the offset in the
    /// file where each part starts.
    #[serde(skip)]
    pub parts: Vec<(usize, RawBaseParts)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    pub min: Dec,
    pub max: Dec,
    pub step: Dec,
    pub default: Option<S<Dec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStations {
    pub count: u32,
    #[serde(default)]
    pub connectors: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricedOption {
    pub id: S<String>,
    pub label: Option<String>,
    #[serde(default)]
    pub price: Price,
    /// For settings: metal volume of the head, for weight-true pricing.
    pub metal_volume_mm3: Option<Dec>,
    /// For settings: the largest stone it holds safely.
    pub max_carat: Option<Dec>,
    /// For choices that ship an item (a gift box): its SKU, counted in the bill of materials.
    pub sku: Option<S<String>>,
}

/// A mount: where things go on a base. `kind` decides which of the optional fields apply.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMount {
    pub id: Option<S<String>>,
    pub kind: Option<S<String>>,
    pub label: Option<String>,
    #[serde(default)]
    pub families: Vec<S<String>>,
    #[serde(default)]
    pub connectors: Vec<S<String>>,
    #[serde(default)]
    pub kinds: Vec<S<String>>,
    // strand
    pub core: Option<S<String>>,
    pub reserve_mm: Option<Mm>,
    pub max_fill: Option<S<Dec>>,
    pub max_count: Option<S<u32>>,
    pub max_per_section: Option<u32>,
    pub stations: Option<S<RawStations>>,
    #[serde(default)]
    pub min: BTreeMap<S<String>, u32>,
    #[serde(default)]
    pub max: BTreeMap<S<String>, u32>,
    pub first: Option<S<String>>,
    pub last: Option<S<String>>,
    // slots
    pub link_width_mm: Option<S<Mm>>,
    pub default: Option<S<String>>,
    // socket
    pub required: Option<bool>,
    // container
    pub max_volume_mm3: Option<Dec>,
    // parametric
    pub model: Option<S<String>>,
    #[serde(default)]
    pub metals: Vec<S<String>>,
    #[serde(default)]
    pub profiles: Vec<S<String>>,
    pub width_mm: Option<S<RawRange>>,
    pub thickness_mm: Option<S<RawRange>>,
    #[serde(default)]
    pub stones: Vec<S<String>>,
    #[serde(default)]
    pub cuts: Vec<RawPricedOption>,
    pub carat: Option<S<RawRange>>,
    #[serde(default)]
    pub settings: Vec<RawPricedOption>,
    pub metal_volume_mm3: Option<Dec>,
    pub top: Option<S<RawTop>>,
}

/// A signet's table on a band: its outline, size and thickness.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTop {
    pub shape: S<String>,
    pub width_mm: Mm,
    pub length_mm: Mm,
    pub thickness_mm: Mm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawZone {
    pub width_mm: Mm,
    pub height_mm: Mm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub id: Option<S<String>>,
    pub kind: Option<S<String>>,
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    // engraving
    pub zone: Option<S<RawZone>>,
    #[serde(default)]
    pub fonts: Vec<S<String>>,
    pub charset: Option<S<String>>,
    /// Exactly the characters a field takes, instead of a named `charset`.
    pub chars: Option<S<String>>,
    pub max_length: Option<S<u32>>,
    pub min_length: Option<S<u32>>,
    pub lead_time_days: Option<u32>,
    pub min_stroke_mm: Option<Mm>,
    /// The `[[machine]]` its engravings are made on.
    pub machine: Option<S<String>>,
    pub price_per_character: Option<Price>,
    pub price: Option<Price>,
    // choice
    #[serde(default)]
    pub options: Vec<RawPricedOption>,
    // colour
    #[serde(default)]
    pub colours: Vec<S<String>>,
    pub default: Option<S<String>>,
}

/// Picks components: exactly one of the three.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSelector {
    pub sku: Option<S<String>>,
    pub tag: Option<S<String>>,
    pub kind: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Option<S<String>>,
    pub kind: Option<S<String>>,
    /// The sentence a shopper reads when the rule is broken.
    pub message: Option<String>,
    /// Limit the rule to these bases (all when empty).
    #[serde(default)]
    pub bases: Vec<S<String>>,
    // requires
    #[serde(rename = "if")]
    pub if_: Option<S<RawSelector>>,
    pub then: Option<S<RawSelector>>,
    // excludes
    pub a: Option<S<RawSelector>>,
    pub b: Option<S<RawSelector>>,
    // expr
    pub when: Option<S<String>>,
    pub require: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBundle {
    pub id: S<String>,
    pub name: Option<String>,
    pub select: Option<S<RawSelector>>,
    pub min_qty: Option<S<u32>>,
    pub discount_percent: Option<S<Dec>>,
}

/// The parts of a base written under its own `[[base.mount]]` and `[[base.field]]` headers, read
/// one by one when the base as a whole did not parse (the header renamed `[[mount]]`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBaseParts {
    #[serde(default)]
    pub mount: Vec<S<RawMount>>,
    #[serde(default)]
    pub field: Vec<S<RawField>>,
}
