//! The resolved catalog: every reference checked and turned into an index, every unit typed.
//! The engine reads only this; it never sees TOML.

use crate::diag::Loc;
use crate::units::{Currency, Grams, Mm, PricePoint};
use crate::workshop::{Jig, Machine, MachineId, Production};
use rust_decimal::Decimal;
use std::collections::HashMap;

pub type CompId = u32;
pub type BaseId = u32;
pub type MetalId = u32;
pub type StoneId = u32;
pub type MaterialId = u32;
pub type FontId = u32;
pub type FamilyId = u16;
pub type TagId = u16;

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            pub fn names() -> String {
                [$($text),+].join(", ")
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

named_enum!(
    /// What a component is.
    Kind {
        Charm = "charm",
        Dangle = "dangle",
        Clip = "clip",
        Spacer = "spacer",
        Bead = "bead",
        LetterBead = "letter-bead",
        Link = "link",
        Insert = "insert",
        Capsule = "capsule",
        FloatingCharm = "floating-charm",
        Stone = "stone",
        Cord = "cord",
        Chain = "chain",
        Clasp = "clasp",
        Packaging = "packaging",
    }
);

impl Kind {
    /// The kind in words, singular or plural by `n`: "1 letter bead", "3 charms".
    pub fn plural(self, n: u32) -> String {
        let one = match self {
            Kind::LetterBead => "letter bead",
            Kind::FloatingCharm => "floating charm",
            Kind::Packaging => return "packaging".into(),
            other => other.as_str(),
        };
        if n == 1 {
            one.to_string()
        } else if one.ends_with('h') || one.ends_with('s') {
            format!("{one}es")
        } else {
            format!("{one}s")
        }
    }
}

named_enum!(
    /// How a component attaches to its mount.
    Connector {
        Threaded = "threaded",
        Dangle = "dangle",
        Clip = "clip",
        SnapLink = "snap-link",
        Magnet = "magnet",
        Slide = "slide",
        JumpRing = "jump-ring",
        Loose = "loose",
        None = "none",
    }
);

named_enum!(
    /// The kind of piece a base is.
    Piece {
        Bracelet = "bracelet",
        Bangle = "bangle",
        Necklace = "necklace",
        Anklet = "anklet",
        Ring = "ring",
        Pendant = "pendant",
        Cuff = "cuff",
        Locket = "locket",
        Earring = "earring",
    }
);

named_enum!(
    /// A ring band's cross-section.
    Profile {
        Flat = "flat",
        DShape = "d-shape",
        Comfort = "comfort",
        Court = "court",
        KnifeEdge = "knife-edge",
    }
);

named_enum!(
    /// What a mount holds.
    MountKind {
        Strand = "strand",
        Slots = "slots",
        Socket = "socket",
        Container = "container",
        Parametric = "parametric",
    }
);

named_enum!(
    /// A personalization field's kind.
    FieldKind {
        Engraving = "engraving",
        Text = "text",
        Choice = "choice",
        Colour = "colour",
    }
);

named_enum!(
    /// A parametric mount's model, which decides how weight follows the parameters.
    Model {
        Band = "band",
        Fixed = "fixed",
    }
);

named_enum!(
    /// A rule's kind.
    RuleKind {
        Requires = "requires",
        Excludes = "excludes",
        Expr = "expr",
    }
);

#[derive(Clone, Debug)]
pub struct Brand {
    pub id: String,
    pub name: String,
    pub version: String,
    pub currency: Currency,
    pub locales: Vec<String>,
    pub rounding: Option<PricePoint>,
    pub currencies: Vec<AltCurrency>,
    pub domain: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AltCurrency {
    pub code: Currency,
    pub rate: Decimal,
    pub rounding: Option<PricePoint>,
}

#[derive(Clone, Debug, Default)]
pub struct Pricing {
    pub engraving_per_character: Decimal,
    pub making_charge: Decimal,
    pub markup: Decimal,
}

#[derive(Clone, Debug)]
pub struct Font {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub file: Option<String>,
    pub package: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Metal {
    pub id: String,
    pub name: String,
    /// g/cm³
    pub density: Decimal,
    pub price_per_gram: Decimal,
    pub min_wall: Option<Mm>,
    pub colour: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Stone {
    pub id: String,
    pub name: String,
    pub species: String,
    pub specific_gravity: Decimal,
    pub refractive_index: Decimal,
    pub price_per_carat: Decimal,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaterialClass {
    Cord,
    Leather,
    Enamel,
    Colour,
}

#[derive(Clone, Debug)]
pub struct Material {
    pub id: String,
    pub name: String,
    pub class: MaterialClass,
    pub diameter: Option<Mm>,
    pub hex: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Component {
    pub sku: String,
    pub name: String,
    pub kind: Kind,
    pub family: FamilyId,
    pub connector: Connector,
    pub width: Mm,
    pub hole: Option<Mm>,
    pub thickness: Option<Mm>,
    pub volume_mm3: Option<Decimal>,
    pub weight: Grams,
    /// The fixed part of the price, in the brand's main currency.
    pub price: Decimal,
    /// Weight-priced metal, if any.
    pub metal: Option<MetalId>,
    /// Units on hand; `None` is made to order.
    pub stock: Option<u32>,
    pub lead_time_days: u32,
    pub tags: Vec<TagId>,
    pub art: Option<String>,
    pub glyph: Option<String>,
    pub colour: Option<MaterialId>,
    pub enamel: Option<MaterialId>,
    /// Where the workshop keeps it.
    pub bin: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Size {
    pub id: String,
    pub label: String,
    pub length: Option<Mm>,
    pub circumference: Option<Mm>,
}

/// Which components a mount takes. An empty list accepts anything on that axis.
#[derive(Clone, Debug, Default)]
pub struct Accept {
    pub families: Vec<FamilyId>,
    pub connectors: Vec<Connector>,
    pub kinds: Vec<Kind>,
}

#[derive(Clone, Debug)]
pub struct StrandSpec {
    pub accept: Accept,
    /// Diameter of the cord or chain threaded beads go on.
    pub core: Option<Mm>,
    pub core_material: Option<MaterialId>,
    /// Length taken by the clasp and ease, not available to components.
    pub reserve: Mm,
    /// The fraction of each section's length that may be filled (1 = full).
    pub max_fill: Decimal,
    pub max_count: Option<u32>,
    pub max_per_section: Option<u32>,
    /// Fixed stations (clip threads) splitting the strand into `stations + 1` equal sections.
    pub stations: u32,
    pub station_connectors: Vec<Connector>,
    pub min: Vec<(Kind, u32)>,
    pub max: Vec<(Kind, u32)>,
    pub first: Option<Kind>,
    pub last: Option<Kind>,
}

impl StrandSpec {
    pub fn sections(&self) -> usize {
        self.stations as usize + 1
    }
    /// Length components may fill in each section at `size`: (length − reserve) split equally
    /// between sections, times `max_fill`, rounded down to the micrometre.
    pub fn section_capacity(&self, size: &Size) -> Mm {
        let usable = size.length.unwrap_or(Mm::ZERO) - self.reserve;
        let per = Mm::from_um(usable.um().max(0) / self.sections() as i64);
        per.scale_floor(self.max_fill)
    }
    /// Whether a threaded component's hole takes the core (cord or chain).
    pub fn hole_fits(&self, c: &Component) -> bool {
        match (c.connector, self.core, c.hole) {
            (Connector::Threaded, Some(core), Some(hole)) => hole >= core,
            (Connector::Threaded, Some(_), None) => false,
            _ => true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SlotsSpec {
    pub accept: Accept,
    pub link_width: Mm,
    pub default: CompId,
}

impl SlotsSpec {
    /// Links in a bracelet of `size`: its length divided by the link width, rounded down.
    pub fn slot_count(&self, size: &Size) -> u32 {
        let len = size.length.unwrap_or(Mm::ZERO).um();
        (len / self.link_width.um().max(1)) as u32
    }
}

#[derive(Clone, Debug)]
pub struct SocketSpec {
    pub accept: Accept,
    pub required: bool,
}

#[derive(Clone, Debug)]
pub struct ContainerSpec {
    pub accept: Accept,
    pub max_count: Option<u32>,
    pub max_volume_mm3: Option<Decimal>,
}

#[derive(Clone, Debug)]
pub struct Range {
    pub min: Decimal,
    pub max: Decimal,
    pub step: Decimal,
    pub default: Decimal,
}

impl Range {
    pub fn contains(&self, v: Decimal) -> bool {
        v >= self.min && v <= self.max && ((v - self.min) / self.step).fract().is_zero()
    }
    /// Every value from min to max by step (at most `limit`).
    pub fn values(&self, limit: usize) -> Vec<Decimal> {
        let mut out = Vec::new();
        let mut v = self.min;
        while v <= self.max && out.len() < limit {
            out.push(v.normalize());
            v += self.step;
        }
        out
    }
}

#[derive(Clone, Debug)]
pub struct PricedOption {
    pub id: String,
    pub label: String,
    pub price: Decimal,
    pub metal_volume_mm3: Option<Decimal>,
    pub max_carat: Option<Decimal>,
    pub sku: Option<CompId>,
}

#[derive(Clone, Debug)]
pub struct ParametricSpec {
    pub model: Model,
    pub metals: Vec<MetalId>,
    pub profiles: Vec<Profile>,
    pub width: Option<Range>,
    pub thickness: Option<Range>,
    pub stones: Vec<StoneId>,
    pub cuts: Vec<PricedOption>,
    pub carat: Option<Range>,
    pub settings: Vec<PricedOption>,
    /// For the fixed model: the metal volume of the piece.
    pub metal_volume_mm3: Option<Decimal>,
    /// A band's signet table, built in 3D and weighed from its geometry.
    pub top: Option<Top>,
}

named_enum!(
    /// The outline of a signet's table.
    TopShape {
        Round = "round",
        Oval = "oval",
        Cushion = "cushion",
    }
);

/// A signet's table: its outline, its width (across the finger), its length (along it) and its
/// thickness above the band.
#[derive(Clone, Debug, PartialEq)]
pub struct Top {
    pub shape: TopShape,
    pub width: Mm,
    pub length: Mm,
    pub thickness: Mm,
}

impl ParametricSpec {
    /// The parameter names this mount takes, in presentation order.
    pub fn param_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if !self.metals.is_empty() {
            v.push("metal");
        }
        if !self.profiles.is_empty() {
            v.push("profile");
        }
        if self.width.is_some() {
            v.push("width_mm");
        }
        if self.thickness.is_some() {
            v.push("thickness_mm");
        }
        if !self.stones.is_empty() {
            v.push("stone");
        }
        if !self.cuts.is_empty() {
            v.push("cut");
        }
        if self.carat.is_some() {
            v.push("carat");
        }
        if !self.settings.is_empty() {
            v.push("setting");
        }
        v
    }
}

#[derive(Clone, Debug)]
pub enum MountSpec {
    Strand(StrandSpec),
    Slots(SlotsSpec),
    Socket(SocketSpec),
    Container(ContainerSpec),
    Parametric(ParametricSpec),
}

impl MountSpec {
    pub fn kind(&self) -> MountKind {
        match self {
            MountSpec::Strand(_) => MountKind::Strand,
            MountSpec::Slots(_) => MountKind::Slots,
            MountSpec::Socket(_) => MountKind::Socket,
            MountSpec::Container(_) => MountKind::Container,
            MountSpec::Parametric(_) => MountKind::Parametric,
        }
    }
    pub fn accept(&self) -> Option<&Accept> {
        match self {
            MountSpec::Strand(s) => Some(&s.accept),
            MountSpec::Slots(s) => Some(&s.accept),
            MountSpec::Socket(s) => Some(&s.accept),
            MountSpec::Container(s) => Some(&s.accept),
            MountSpec::Parametric(_) => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Mount {
    pub id: String,
    pub label: String,
    pub spec: MountSpec,
    pub loc: Loc,
}

/// Characters an engraving or text field accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Charset {
    /// Latin letters with their accents (Latin-1 and Latin Extended-A), digits, space and `.,'-&!?♥`.
    Latin,
    /// Capital Latin letters with accents, digits and space.
    Upper,
    /// Digits, space and `./-`.
    Digits,
    /// Exactly these characters.
    Custom(String),
}

impl Charset {
    /// The named sets a field's `charset` may give (docs/catalog.md lists their characters).
    pub const NAMES: &'static [&'static str] = &["latin", "upper", "digits"];

    /// The set named `s`, if it is one.
    pub fn named(s: &str) -> Option<Charset> {
        match s {
            "latin" => Some(Charset::Latin),
            "upper" => Some(Charset::Upper),
            "digits" => Some(Charset::Digits),
            _ => None,
        }
    }
    pub fn allows(&self, c: char) -> bool {
        let latin_letter =
            |c: char| c.is_ascii_alphabetic() || (('\u{C0}'..='\u{17F}').contains(&c) && c != '×' && c != '÷');
        match self {
            Charset::Latin => latin_letter(c) || c.is_ascii_digit() || " .,'-&!?♥".contains(c),
            Charset::Upper => (latin_letter(c) && !c.is_lowercase()) || c.is_ascii_digit() || c == ' ',
            Charset::Digits => c.is_ascii_digit() || " ./-".contains(c),
            Charset::Custom(set) => set.contains(c),
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Charset::Latin => "letters with or without accents, digits, spaces and . , ' - & ! ? ♥".into(),
            Charset::Upper => "capital letters with or without accents, digits and spaces".into(),
            Charset::Digits => "digits, spaces and . / -".into(),
            Charset::Custom(s) => {
                let list: Vec<String> =
                    s.chars().map(|c| if c == ' ' { "space".to_string() } else { c.to_string() }).collect();
                format!("only {}", list.join(" "))
            }
        }
    }
}

#[derive(Clone, Debug)]
pub enum FieldSpec {
    Engraving {
        width: Mm,
        height: Mm,
        fonts: Vec<FontId>,
        charset: Charset,
        max_length: u32,
        /// Fewest characters a filled field takes (0: any).
        min_length: u32,
        min_stroke: Option<Mm>,
        /// The laser its engravings are made on, and at which settings.
        machine: Option<MachineId>,
        price_per_character: Decimal,
        price: Decimal,
        /// Days the engraving adds to the piece's lead time when the field is filled.
        lead_time_days: u32,
    },
    Text {
        max_length: u32,
        min_length: u32,
        charset: Charset,
        price: Decimal,
    },
    Choice {
        options: Vec<PricedOption>,
        default: Option<usize>,
    },
    Colour {
        colours: Vec<MaterialId>,
        default: Option<usize>,
        price: Decimal,
    },
}

#[derive(Clone, Debug)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub required: bool,
    pub spec: FieldSpec,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Base {
    pub id: String,
    pub name: String,
    pub piece: Piece,
    pub gtin: Option<String>,
    pub price: Decimal,
    pub metal: Option<MetalId>,
    pub weight: Grams,
    pub lead_time_days: u32,
    pub art: Option<String>,
    pub sizes: Vec<Size>,
    pub default_size: usize,
    pub stock: Option<u32>,
    pub mounts: Vec<Mount>,
    pub fields: Vec<Field>,
    pub loc: Loc,
}

impl Base {
    pub fn size(&self, id: &str) -> Option<usize> {
        self.sizes.iter().position(|s| s.id == id)
    }
    /// The sizes larger than size `current`, smallest first: by length or circumference (the
    /// list's order when sizes have neither).
    pub fn larger_sizes(&self, current: usize) -> Vec<&Size> {
        let measure = |s: &Size| s.length.or(s.circumference);
        match self.sizes.get(current).and_then(measure) {
            Some(m) => {
                let mut v: Vec<&Size> = self.sizes.iter().filter(|s| measure(s).is_some_and(|x| x > m)).collect();
                v.sort_by_key(|s| measure(s));
                v
            }
            None => self.sizes.get(current.saturating_add(1)..).unwrap_or_default().iter().collect(),
        }
    }
    pub fn mount(&self, id: &str) -> Option<usize> {
        self.mounts.iter().position(|m| m.id == id)
    }
}

/// Picks components by SKU, tag or kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Selector {
    Sku(CompId),
    Tag(TagId),
    Kind(Kind),
}

impl Selector {
    pub fn matches(&self, c: CompId, comp: &Component) -> bool {
        match *self {
            Selector::Sku(s) => s == c,
            Selector::Tag(t) => comp.tags.contains(&t),
            Selector::Kind(k) => comp.kind == k,
        }
    }
}

#[derive(Clone, Debug)]
pub enum RuleSpec {
    /// When a component matching `if_` is in the design, one matching `then` must be too.
    Requires { if_: Selector, then: Selector },
    /// Components matching `a` and `b` may not be in the same design.
    Excludes { a: Selector, b: Selector },
    /// A CEL condition over the design (see docs/catalog.md for the variables).
    Expr { when: Option<String>, require: String },
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub message: String,
    /// Bases the rule applies to; empty means every base.
    pub bases: Vec<BaseId>,
    pub spec: RuleSpec,
    pub loc: Loc,
}

impl Rule {
    pub fn applies_to(&self, base: BaseId) -> bool {
        self.bases.is_empty() || self.bases.contains(&base)
    }
}

#[derive(Clone, Debug)]
pub struct Bundle {
    pub id: String,
    pub name: String,
    pub select: Selector,
    pub min_qty: u32,
    pub discount_percent: Decimal,
}

/// A loaded, resolved catalog: one brand at one version.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub brand: Brand,
    /// SHA-256 over the catalog's files, so two catalogs with one version label can be told apart.
    pub digest: String,
    pub pricing: Pricing,
    pub fonts: Vec<Font>,
    pub metals: Vec<Metal>,
    pub stones: Vec<Stone>,
    pub materials: Vec<Material>,
    pub components: Vec<Component>,
    pub bases: Vec<Base>,
    pub rules: Vec<Rule>,
    pub bundles: Vec<Bundle>,
    pub production: Production,
    pub machines: Vec<Machine>,
    pub jigs: Vec<Jig>,
    pub families: Vec<String>,
    pub tags: Vec<String>,
    pub by_sku: HashMap<String, CompId>,
    pub by_base: HashMap<String, BaseId>,
}

impl Catalog {
    pub fn component(&self, sku: &str) -> Option<CompId> {
        self.by_sku.get(sku).copied()
    }
    pub fn comp(&self, id: CompId) -> &Component {
        &self.components[id as usize]
    }
    pub fn base(&self, id: &str) -> Option<BaseId> {
        self.by_base.get(id).copied()
    }
    pub fn family_name(&self, f: FamilyId) -> &str {
        &self.families[f as usize]
    }
    pub fn tag_name(&self, t: TagId) -> &str {
        &self.tags[t as usize]
    }
    pub fn tag(&self, name: &str) -> Option<TagId> {
        self.tags.iter().position(|t| t == name).map(|i| i as TagId)
    }
    pub fn machine(&self, id: &str) -> Option<MachineId> {
        self.machines.iter().position(|m| m.id == id).map(|i| i as MachineId)
    }
    pub fn metal(&self, id: &str) -> Option<MetalId> {
        self.metals.iter().position(|m| m.id == id).map(|i| i as MetalId)
    }
    pub fn stone(&self, id: &str) -> Option<StoneId> {
        self.stones.iter().position(|m| m.id == id).map(|i| i as StoneId)
    }
    /// Whether `accept` takes component `c`, and if not, which axis refuses it.
    pub fn accepts(&self, accept: &Accept, c: &Component) -> Result<(), Refusal> {
        if !accept.kinds.is_empty() && !accept.kinds.contains(&c.kind) {
            return Err(Refusal::Kind);
        }
        if !accept.families.is_empty() && !accept.families.contains(&c.family) {
            return Err(Refusal::Family);
        }
        if !accept.connectors.is_empty() && !accept.connectors.contains(&c.connector) {
            return Err(Refusal::Connector);
        }
        Ok(())
    }
    /// Every field id of every base, sorted: what a rule's `fields` holds.
    pub fn field_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.bases.iter().flat_map(|b| b.fields.iter().map(|f| f.id.clone())).collect();
        v.sort();
        v.dedup();
        v
    }
    /// Every parameter name of every parametric mount, sorted: what a rule's `params` holds.
    pub fn param_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .bases
            .iter()
            .flat_map(|b| b.mounts.iter())
            .filter_map(|m| match &m.spec {
                MountSpec::Parametric(p) => Some(p.param_names()),
                _ => None,
            })
            .flatten()
            .map(String::from)
            .collect();
        v.sort();
        v.dedup();
        v
    }
    /// Describes a selector in words.
    pub fn selector_text(&self, s: &Selector) -> String {
        match *s {
            Selector::Sku(c) => format!("{} ({})", self.comp(c).name, self.comp(c).sku),
            Selector::Tag(t) => format!("a piece tagged \"{}\"", self.tag_name(t)),
            Selector::Kind(k) => format!("a {k}"),
        }
    }
}

/// Why a mount refuses a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Kind,
    Family,
    Connector,
}

/// Why a mount can never take a component, whatever the size and the rest of the design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unfit {
    Refused(Refusal),
    /// A threaded bead whose hole is narrower than the strand's core.
    Hole {
        hole: Option<Mm>,
        core: Mm,
    },
    /// A link of another width than the row's links.
    LinkWidth {
        width: Mm,
        link: Mm,
    },
    /// A loose charm larger than the whole container.
    Volume,
    /// The mount takes no placed components (parametric).
    NotPlaceable,
}

impl Catalog {
    /// The size-independent test of whether `mount` can ever hold component `c`.
    pub fn mount_takes(&self, mount: &Mount, c: &Component) -> Result<(), Unfit> {
        let accept = mount.spec.accept().ok_or(Unfit::NotPlaceable)?;
        self.accepts(accept, c).map_err(Unfit::Refused)?;
        match &mount.spec {
            MountSpec::Strand(s) => {
                if !s.hole_fits(c) {
                    return Err(Unfit::Hole { hole: c.hole, core: s.core.unwrap_or_default() });
                }
            }
            MountSpec::Slots(s) => {
                if c.width != s.link_width {
                    return Err(Unfit::LinkWidth { width: c.width, link: s.link_width });
                }
            }
            MountSpec::Container(s) => {
                if let (Some(max), Some(v)) = (s.max_volume_mm3, c.volume_mm3) {
                    if v > max {
                        return Err(Unfit::Volume);
                    }
                }
            }
            MountSpec::Socket(_) | MountSpec::Parametric(_) => {}
        }
        Ok(())
    }

    /// Explains an [`Unfit`] in a shopper's words.
    pub fn unfit_text(&self, mount: &Mount, c: &Component, u: Unfit) -> String {
        let accept = mount.spec.accept();
        match u {
            Unfit::Refused(Refusal::Family) => {
                let fams: Vec<&str> =
                    accept.map(|a| a.families.iter().map(|f| self.family_name(*f)).collect()).unwrap_or_default();
                format!(
                    "{} belongs to the {} system; {} takes {}",
                    c.name,
                    self.family_name(c.family),
                    mount.label,
                    fams.join(" or ")
                )
            }
            Unfit::Refused(Refusal::Connector) => {
                let cons: Vec<&str> =
                    accept.map(|a| a.connectors.iter().map(|c| c.as_str()).collect()).unwrap_or_default();
                format!("{} attaches by {}; {} takes {}", c.name, c.connector, mount.label, cons.join(" or "))
            }
            Unfit::Refused(Refusal::Kind) => {
                let kinds: Vec<&str> = accept.map(|a| a.kinds.iter().map(|c| c.as_str()).collect()).unwrap_or_default();
                format!("{} is a {}; {} takes {}", c.name, c.kind, mount.label, kinds.join(" or "))
            }
            Unfit::Hole { hole: Some(h), core } => format!("{}'s hole ({h}) is narrower than the {core} core", c.name),
            Unfit::Hole { hole: None, core } => format!("{} has no hole size to thread on the {core} core", c.name),
            Unfit::LinkWidth { width, link } => format!("{} is {width} wide; this bracelet's links are {link}", c.name),
            Unfit::Volume => format!("{} is larger than the whole {}", c.name, mount.label),
            Unfit::NotPlaceable => format!("{} takes parameters, not components", mount.label),
        }
    }
}
