//! Evaluation: a pure function of (catalog, design) → violations, price, weight, lead time, BOM.
//! It never fails: anything wrong with a design is a [`Violation`], not an error.

use crate::design::{Design, FieldValue, MountDesign};
pub use crate::violation::{worse, Excess, Place, Violation};
use orfevre_catalog::*;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Clone, Debug, Serialize)]
pub struct PriceLine {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub qty: u32,
    pub unit: Money,
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct PriceBreakdown {
    pub currency: Currency,
    pub lines: Vec<PriceLine>,
    pub subtotal: Money,
    /// Price-point rounding (positive: rounded up to the brand's price point).
    pub rounding: Money,
    pub total: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct BomLine {
    pub sku: String,
    pub name: String,
    pub qty: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub design_hash: String,
    pub catalog: CatalogInfo,
    pub valid: bool,
    pub violations: Vec<Violation>,
    pub price: PriceBreakdown,
    pub weight: Grams,
    pub lead_time_days: u32,
    pub bom: Vec<BomLine>,
    /// The 3D piece the design describes, when its base is a ring band the geometry crate
    /// builds: what the viewer and the production files are made from.
    #[serde(skip)]
    pub geometry: Option<Geometry>,
}

/// A design's piece for `orfevre-model`, with the catalog's metal and stone ids for its looks.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    pub ring: orfevre_model::RingSpec,
    pub metal: String,
    pub stone: Option<(String, String, Decimal)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CatalogInfo {
    pub id: String,
    pub version: String,
    pub digest: String,
}

/// A catalog ready to evaluate designs: CEL rules compiled once.
pub struct Engine {
    pub catalog: Arc<Catalog>,
    rules: Vec<Option<(Option<cel::Program>, cel::Program)>>,
    /// The variables each CEL rule reads: only those are built for it.
    rule_vars: Vec<Vec<String>>,
    /// The string literals of each CEL rule: the map keys it may read, present (as 0) when unused.
    rule_literals: Vec<Vec<String>>,
    /// The rules' environment (`orfevre_catalog::rules::env`), built once: building it costs more
    /// than evaluating a rule.
    cel_env: Arc<cel::Env>,
    /// Every field id and parameter name of the catalog: rules see them all (blank when a base has
    /// no such field or parameter).
    field_ids: Vec<String>,
    param_names: Vec<String>,
}

impl Engine {
    pub fn new(catalog: Catalog) -> Engine {
        let rules = catalog
            .rules
            .iter()
            .map(|r| match &r.spec {
                RuleSpec::Expr { when, require } => {
                    let w = when.as_ref().and_then(|w| orfevre_catalog::rules::compile(w).ok());
                    orfevre_catalog::rules::compile(require).ok().map(|p| (w, p))
                }
                _ => None,
            })
            .collect::<Vec<_>>();
        let rule_vars = rules
            .iter()
            .map(|r: &Option<(Option<cel::Program>, cel::Program)>| {
                let mut v: Vec<String> = Vec::new();
                if let Some((w, p)) = r {
                    for prog in w.iter().chain(std::iter::once(p)) {
                        v.extend(prog.references().variables().into_iter().map(String::from));
                    }
                }
                v.sort();
                v.dedup();
                v
            })
            .collect();
        let rule_literals = catalog
            .rules
            .iter()
            .map(|r| match &r.spec {
                RuleSpec::Expr { when, require } => {
                    let mut v = string_literals(require);
                    if let Some(w) = when {
                        v.extend(string_literals(w));
                    }
                    v
                }
                _ => Vec::new(),
            })
            .collect();
        let (field_ids, param_names) = (catalog.field_ids(), catalog.param_names());
        Engine {
            catalog: Arc::new(catalog),
            rules,
            rule_vars,
            rule_literals,
            cel_env: orfevre_catalog::rules::env(),
            field_ids,
            param_names,
        }
    }

    pub fn info(&self) -> CatalogInfo {
        let b = &self.catalog.brand;
        CatalogInfo { id: b.id.clone(), version: b.version.clone(), digest: self.catalog.digest.clone() }
    }

    /// A component's list price in the brand's main currency: its fixed part plus its metal by weight.
    pub fn component_price(&self, c: CompId) -> Money {
        let comp = self.catalog.comp(c);
        let unit = comp.price + comp.metal.map(|m| metal_cost(&self.catalog, m, comp.weight)).unwrap_or_default();
        Money::new(unit, self.catalog.brand.currency).rounded()
    }

    /// A base's price before anything is added to it, in the brand's main currency.
    pub fn base_price(&self, b: BaseId) -> Money {
        let base = &self.catalog.bases[b as usize];
        let unit = base.price + base.metal.map(|m| metal_cost(&self.catalog, m, base.weight)).unwrap_or_default();
        Money::new(unit, self.catalog.brand.currency).rounded()
    }

    /// Evaluates a design in the brand's main currency.
    pub fn evaluate(&self, d: &Design) -> Evaluation {
        self.evaluate_in(d, None)
    }

    /// Evaluates a design, pricing it in `currency` (one of the brand's) when given.
    pub fn evaluate_in(&self, d: &Design, currency: Option<Currency>) -> Evaluation {
        let mut st = State::new(self, d);
        st.run();
        let price = st.price(currency);
        let bom = st
            .bom
            .iter()
            .map(|(&c, &q)| {
                let comp = self.catalog.comp(c);
                BomLine { sku: comp.sku.clone(), name: comp.name.clone(), qty: q }
            })
            .collect();
        let mut violations = st.violations;
        violations.sort_by(|a, b| (&a.place, &a.rule).cmp(&(&b.place, &b.rule)));
        violations.dedup();
        self.attach_repairs(d, &mut violations);
        Evaluation {
            design_hash: d.hash(),
            catalog: self.info(),
            valid: violations.is_empty(),
            violations,
            price,
            weight: st.weight,
            lead_time_days: st.lead,
            bom,
            geometry: st.geometry,
        }
    }

    /// Checks what the design's values are against the kinds of the base's fields: a text given to
    /// a choice field, a choice given to a text or engraving field, a font given to a plain text
    /// field. Such a design is malformed, not merely invalid: the error names the JSON pointer.
    /// (Evaluation, which never fails, reports the same as a `shape` violation.)
    pub fn check_shape(&self, d: &Design) -> Result<(), crate::design::DesignError> {
        let Some(b) = self.catalog.base(&d.base) else { return Ok(()) };
        let base = &self.catalog.bases[b as usize];
        for (id, v) in &d.fields {
            let Some(f) = base.fields.iter().find(|f| &f.id == id) else { continue };
            let esc = id.replace('~', "~0").replace('/', "~1");
            let (kind, expects) = match f.spec {
                FieldSpec::Engraving { .. } => ("an engraving field", "`text` (and `font`)"),
                FieldSpec::Text { .. } => ("a text field", "`text`"),
                FieldSpec::Choice { .. } => ("a choice field", "`choice`"),
                FieldSpec::Colour { .. } => ("a colour field", "`choice`"),
            };
            let wrong = match f.spec {
                FieldSpec::Engraving { .. } => v.choice.as_ref().map(|_| "choice"),
                FieldSpec::Text { .. } => v.choice.as_ref().map(|_| "choice").or(v.font.as_ref().map(|_| "font")),
                FieldSpec::Choice { .. } | FieldSpec::Colour { .. } => {
                    v.text.as_ref().map(|_| "text").or(v.font.as_ref().map(|_| "font"))
                }
            };
            if let Some(key) = wrong {
                return Err(crate::design::DesignError {
                    pointer: format!("/fields/{esc}/{key}"),
                    message: format!("{} (\"{id}\") is {kind}: it takes {expects}, not `{key}`", f.label),
                });
            }
        }
        Ok(())
    }

    /// Only the violations (the fast path for feasibility).
    pub fn violations(&self, d: &Design) -> Vec<Violation> {
        let mut st = State::new(self, d);
        st.run();
        st.violations
    }
}

struct State<'e> {
    e: &'e Engine,
    cat: &'e Catalog,
    d: &'e Design,
    base: Option<(BaseId, &'e Base)>,
    size: Option<&'e Size>,
    violations: Vec<Violation>,
    /// Every placed component with its place, in design order.
    placed: Vec<(CompId, Place)>,
    bom: BTreeMap<CompId, u32>,
    lines: Vec<(String, Option<String>, u32, Decimal)>,
    weight: Grams,
    lead: u32,
    params: BTreeMap<String, String>,
    /// Each field's effective value for rules: the text, the option chosen or its default.
    field_values: HashMap<String, String>,
    /// Days the filled engraving fields add to the lead time.
    engraving_days: u32,
    geometry: Option<Geometry>,
}

impl<'e> State<'e> {
    fn new(e: &'e Engine, d: &'e Design) -> State<'e> {
        State {
            e,
            cat: &e.catalog,
            d,
            base: None,
            size: None,
            violations: Vec::new(),
            placed: Vec::new(),
            bom: BTreeMap::new(),
            lines: Vec::new(),
            weight: Grams::ZERO,
            lead: 0,
            params: BTreeMap::new(),
            field_values: HashMap::new(),
            engraving_days: 0,
            geometry: None,
        }
    }

    fn v(&mut self, rule: &str, place: Place, message: String) {
        self.violations.push(Violation { rule: rule.into(), place, message, repair: None, excess: None });
    }

    /// A violation missed by `amount` on `subject` (see [`Excess`]).
    fn vx(&mut self, rule: &str, place: Place, message: String, subject: String, amount: u64) {
        let excess = Some(Excess { subject, amount: amount.max(1) });
        self.violations.push(Violation { rule: rule.into(), place, message, repair: None, excess });
    }

    fn run(&mut self) {
        let cat = self.cat;
        let brand = &cat.brand;
        if self.d.catalog.id != brand.id || self.d.catalog.version != brand.version {
            self.v(
                "catalog",
                Place::default(),
                format!(
                    "the design was made for catalog {} {}, this is {} {}",
                    self.d.catalog.id, self.d.catalog.version, brand.id, brand.version
                ),
            );
        }
        let Some(bid) = cat.base(&self.d.base) else {
            self.v("unknown-base", Place::default(), format!("there is no base \"{}\" in this catalog", self.d.base));
            return;
        };
        let base = &cat.bases[bid as usize];
        self.base = Some((bid, base));
        let size = match &self.d.size {
            Some(s) => match base.size(s) {
                Some(i) => Some(&base.sizes[i]),
                None => {
                    let labels: Vec<&str> = base.sizes.iter().map(|z| z.label.as_str()).collect();
                    self.v(
                        "size",
                        Place::default(),
                        format!("{} has no size “{s}”; its sizes are {}", base.name, labels.join(", ")),
                    );
                    None
                }
            },
            None => Some(&base.sizes[base.default_size]),
        };
        self.size = size;
        let base_line = base.price + base.metal.map(|m| metal_cost(cat, m, base.weight)).unwrap_or_default();
        self.lines.push((base.name.clone(), None, 1, base_line));
        self.weight = base.weight;
        self.lead = base.lead_time_days;
        for mid in self.d.mounts.keys() {
            if base.mount(mid).is_none() {
                self.v("unknown-mount", Place::mount(mid), format!("{} has no mount \"{mid}\"", base.name));
            }
        }
        for m in &base.mounts {
            let empty = MountDesign::default();
            let md = self.d.mounts.get(&m.id).unwrap_or(&empty);
            self.mount(m, md);
        }
        for fid in self.d.fields.keys() {
            if !base.fields.iter().any(|f| &f.id == fid) {
                self.v(
                    "unknown-field",
                    Place::field(fid),
                    format!("{} has no personalization field \"{fid}\"", base.name),
                );
            }
        }
        for f in &base.fields {
            self.field(f, self.d.fields.get(&f.id));
        }
        // Stock, per SKU over the whole design.
        let bom = self.bom.clone();
        for (&c, &q) in &bom {
            let comp = cat.comp(c);
            if let Some(s) = comp.stock {
                if q > s {
                    let place =
                        self.placed.iter().rev().find(|(x, _)| *x == c).map(|(_, p)| p.clone()).unwrap_or_default();
                    let msg = if s == 0 {
                        format!("{} is out of stock", comp.name)
                    } else {
                        format!("{} has {s} in stock; the design uses {q}", comp.name)
                    };
                    self.vx("stock", place, msg, format!("stock:{}", comp.sku), (q - s) as u64);
                }
            }
            self.lead = self.lead.max(comp.lead_time_days);
            // The weight is the piece's: the box it ships in is not weighed in.
            if comp.kind != Kind::Packaging {
                self.weight = self.weight + comp.weight * q;
            }
        }
        // The workshop engraves once the piece is assembled: engraving days come on top.
        self.lead += self.engraving_days;
        self.rules(bid);
    }

    fn place_component(&mut self, sku: &str, place: Place) -> Option<CompId> {
        match self.cat.component(sku) {
            Some(c) => {
                *self.bom.entry(c).or_default() += 1;
                self.placed.push((c, place));
                Some(c)
            }
            None => {
                self.v("unknown-sku", place, format!("there is no component \"{sku}\" in this catalog"));
                None
            }
        }
    }

    fn fit(&mut self, m: &Mount, c: CompId, place: &Place) -> bool {
        let comp = self.cat.comp(c);
        match self.cat.mount_takes(m, comp) {
            Ok(()) => true,
            Err(u) => {
                let rule = match u {
                    Unfit::Refused(Refusal::Family) => "family",
                    Unfit::Refused(Refusal::Connector) => "connector",
                    Unfit::Refused(Refusal::Kind) => "kind",
                    Unfit::Hole { .. } => "hole",
                    Unfit::LinkWidth { .. } => "link-width",
                    Unfit::Volume => "volume",
                    Unfit::NotPlaceable => "kind",
                };
                let msg = self.cat.unfit_text(m, comp, u);
                self.v(rule, place.clone(), msg);
                false
            }
        }
    }

    fn mount(&mut self, m: &'e Mount, md: &MountDesign) {
        let wrong = |kind: MountKind, md: &MountDesign| -> Option<&'static str> {
            let (has_sections, has_slots, has_item, has_items, has_params) = (
                md.sections.is_some() || md.stations.is_some(),
                md.slots.is_some(),
                md.item.is_some(),
                md.items.is_some(),
                md.params.is_some(),
            );
            match kind {
                MountKind::Strand if has_slots || has_item || has_items || has_params => Some("sections"),
                MountKind::Slots if has_sections || has_item || has_items || has_params => Some("slots"),
                MountKind::Socket if has_sections || has_slots || has_items || has_params => Some("item"),
                MountKind::Container if has_sections || has_slots || has_item || has_params => Some("items"),
                MountKind::Parametric if has_sections || has_slots || has_item || has_items => Some("params"),
                _ => None,
            }
        };
        if let Some(expected) = wrong(m.spec.kind(), md) {
            self.v(
                "shape",
                Place::mount(&m.id),
                format!("{} is a {} mount: give it `{expected}`", m.label, m.spec.kind()),
            );
            return;
        }
        match &m.spec {
            MountSpec::Strand(s) => self.strand(m, s, md),
            MountSpec::Slots(s) => self.slots(m, s, md),
            MountSpec::Socket(s) => match &md.item {
                Some(sku) => {
                    let place = Place::mount(&m.id);
                    if let Some(c) = self.place_component(sku, place.clone()) {
                        self.fit(m, c, &place);
                        self.component_line(c);
                    }
                }
                None if s.required => {
                    self.v("required", Place::mount(&m.id), format!("{} needs an insert", m.label));
                }
                None => {}
            },
            MountSpec::Container(s) => {
                let items = md.items.as_deref().unwrap_or_default();
                let mut volume = Decimal::ZERO;
                for (i, sku) in items.iter().enumerate() {
                    let place = Place::at(&m.id, 0, Some(i));
                    if let Some(c) = self.place_component(sku, place.clone()) {
                        self.fit(m, c, &place);
                        volume += self.cat.comp(c).volume_mm3.unwrap_or_default();
                        self.component_line(c);
                    }
                }
                if let Some(max) = s.max_count {
                    if items.len() as u32 > max {
                        self.vx(
                            "count",
                            Place::mount(&m.id),
                            format!("{} holds at most {max} pieces; the design has {}", m.label, items.len()),
                            m.id.clone(),
                            items.len() as u64 - max as u64,
                        );
                    }
                }
                if let Some(max) = s.max_volume_mm3 {
                    if volume > max {
                        let over = ((volume - max) * Decimal::ONE_THOUSAND).ceil();
                        self.vx(
                            "volume",
                            Place::mount(&m.id),
                            format!("{} holds {max} mm³; the pieces take {volume} mm³", m.label),
                            m.id.clone(),
                            over.try_into().unwrap_or(u64::MAX),
                        );
                    }
                }
            }
            MountSpec::Parametric(p) => self.parametric(m, p, md),
        }
    }

    fn component_line(&mut self, c: CompId) {
        let comp = self.cat.comp(c);
        let unit = comp.price + comp.metal.map(|m| metal_cost(self.cat, m, comp.weight)).unwrap_or_default();
        match self.lines.iter_mut().find(|l| l.1.as_deref() == Some(&comp.sku)) {
            Some(l) => l.2 += 1,
            None => self.lines.push((comp.name.clone(), Some(comp.sku.clone()), 1, unit)),
        }
    }

    fn strand(&mut self, m: &'e Mount, s: &StrandSpec, md: &MountDesign) {
        let sections = md.sections.as_deref().unwrap_or_default();
        let n = s.sections();
        if sections.len() > n {
            self.v(
                "sections",
                Place::mount(&m.id),
                format!("{} has {n} section(s); the design lists {}", m.label, sections.len()),
            );
        }
        let cap = self.size.map(|z| s.section_capacity(z));
        let mut kinds: HashMap<Kind, u32> = HashMap::new();
        let mut total = 0u32;
        let mut flat: Vec<(CompId, Place)> = Vec::new();
        for (si, sec) in sections.iter().enumerate().take(n) {
            let mut used = Mm::ZERO;
            for (i, sku) in sec.iter().enumerate() {
                let place = Place::at(&m.id, si, Some(i));
                let Some(c) = self.place_component(sku, place.clone()) else { continue };
                self.component_line(c);
                if self.fit(m, c, &place) {
                    let comp = self.cat.comp(c);
                    used += comp.width;
                    *kinds.entry(comp.kind).or_default() += 1;
                    total += 1;
                    flat.push((c, place));
                }
            }
            if let Some(cap) = cap {
                if used > cap {
                    let what = if n > 1 { format!("section {} of {}", si + 1, m.label) } else { m.label.clone() };
                    self.vx(
                        "capacity",
                        Place::at(&m.id, si, None),
                        format!("{what} holds {cap}; its pieces take {used} ({} too much)", used - cap),
                        format!("{}/{si}", m.id),
                        (used - cap).um() as u64,
                    );
                }
            }
            if let Some(max) = s.max_per_section {
                if sec.len() as u32 > max {
                    self.vx(
                        "count",
                        Place::at(&m.id, si, None),
                        format!("section {} holds at most {max} pieces; the design has {}", si + 1, sec.len()),
                        format!("{}/{si}", m.id),
                        sec.len() as u64 - max as u64,
                    );
                }
            }
        }
        if let Some(max) = s.max_count {
            if total > max {
                self.vx(
                    "count",
                    Place::mount(&m.id),
                    format!("{} holds at most {max} pieces; the design has {total}", m.label),
                    m.id.clone(),
                    (total - max) as u64,
                );
            }
        }
        for &(k, max) in &s.max {
            let have = kinds.get(&k).copied().unwrap_or(0);
            if have > max {
                self.vx(
                    "max-kind",
                    Place::mount(&m.id),
                    format!("{} takes at most {max} {}; the design has {have}", m.label, k.plural(max)),
                    format!("{}/{k}", m.id),
                    (have - max) as u64,
                );
            }
        }
        for &(k, min) in &s.min {
            let have = kinds.get(&k).copied().unwrap_or(0);
            if have < min {
                self.vx(
                    "min-kind",
                    Place::mount(&m.id),
                    format!("{} needs at least {min} {}; the design has {have}", m.label, k.plural(min)),
                    format!("{}/{k}", m.id),
                    (min - have) as u64,
                );
            }
        }
        if let (Some(k), Some((c, p))) = (s.first, flat.first()) {
            if self.cat.comp(*c).kind != k {
                let msg = format!("{} must start with a {}", m.label, k.plural(1));
                self.vx("order", p.clone(), msg, format!("{}/first", m.id), 1);
            }
        }
        if let (Some(k), Some((c, p))) = (s.last, flat.last()) {
            if self.cat.comp(*c).kind != k {
                let msg = format!("{} must end with a {}", m.label, k.plural(1));
                self.vx("order", p.clone(), msg, format!("{}/last", m.id), 1);
            }
        }
        let stations = md.stations.as_deref().unwrap_or_default();
        if stations.len() as u32 > s.stations {
            self.vx(
                "stations",
                Place::mount(&m.id),
                format!("{} has {} station(s); the design fills {}", m.label, s.stations, stations.len()),
                format!("{}/stations", m.id),
                stations.len() as u64 - s.stations as u64,
            );
        }
        for (i, st) in stations.iter().enumerate().take(s.stations as usize) {
            if let Some(sku) = st {
                let place =
                    Place { mount: Some(m.id.clone()), section: None, index: Some(i), field: Some("station".into()) };
                if let Some(c) = self.place_component(sku, place.clone()) {
                    self.component_line(c);
                    let comp = self.cat.comp(c);
                    if !s.station_connectors.contains(&comp.connector) {
                        self.v("station", place, format!("{} cannot sit on a station: stations take clips", comp.name));
                    }
                }
            }
        }
    }

    fn slots(&mut self, m: &'e Mount, s: &SlotsSpec, md: &MountDesign) {
        let slots = md.slots.as_deref().unwrap_or_default();
        // An unknown size (already a violation) still prices the links the design lists.
        let count = self.size.map(|z| s.slot_count(z) as usize).unwrap_or(slots.len());
        if let Some(size) = self.size.filter(|_| slots.len() > count) {
            self.vx(
                "slots",
                Place::mount(&m.id),
                format!("size {} holds {count} links; the design lists {}", size.label, slots.len()),
                m.id.clone(),
                (slots.len() - count) as u64,
            );
        }
        for i in 0..count.max(slots.len()) {
            let sku = slots.get(i).cloned().flatten().unwrap_or_else(|| self.cat.comp(s.default).sku.clone());
            let place = Place::at(&m.id, 0, Some(i));
            if let Some(c) = self.place_component(&sku, place.clone()) {
                self.component_line(c);
                self.fit(m, c, &place);
            }
        }
    }

    fn parametric(&mut self, m: &'e Mount, p: &ParametricSpec, md: &MountDesign) {
        let cat = self.cat;
        let no_params = BTreeMap::new();
        let given = md.params.as_ref().unwrap_or(&no_params);
        let names = p.param_names();
        for k in given.keys() {
            if !names.contains(&k.as_str()) {
                self.v(
                    "param",
                    Place::mount(&m.id),
                    format!("{} has no parameter \"{k}\" (it takes {})", m.label, names.join(", ")),
                );
            }
        }
        let place = |k: &str| Place { mount: Some(m.id.clone()), field: Some(k.to_string()), ..Place::default() };
        let get = |k: &str| given.get(k).map(|v| v.0.clone());
        // (id, name) of each value a parameter offers.
        let choice = |me: &mut Self, k: &str, opts: Vec<(String, String)>| -> Option<usize> {
            if opts.is_empty() {
                return None;
            }
            let v = get(k).unwrap_or_else(|| opts[0].0.clone());
            let i = opts.iter().position(|x| x.0 == v);
            if i.is_none() {
                let names: Vec<&str> = opts.iter().map(|o| o.1.as_str()).collect();
                let what = k.replace('_', " ");
                me.v(
                    "param",
                    place(k),
                    format!("this {what} is not offered for {}; it comes in {}", m.label, names.join(", ")),
                );
            }
            me.params.insert(k.to_string(), v);
            i
        };
        let named = |id: &str, name: &str| (id.to_string(), name.to_string());
        let metal = choice(
            self,
            "metal",
            p.metals.iter().map(|&i| named(&cat.metals[i as usize].id, &cat.metals[i as usize].name)).collect(),
        )
        .map(|i| p.metals[i]);
        let profile = choice(self, "profile", p.profiles.iter().map(|x| named(x.as_str(), x.as_str())).collect())
            .map(|i| p.profiles[i]);
        let stone = choice(
            self,
            "stone",
            p.stones.iter().map(|&i| named(&cat.stones[i as usize].id, &cat.stones[i as usize].name)).collect(),
        )
        .map(|i| p.stones[i]);
        let cut = choice(self, "cut", p.cuts.iter().map(|c| named(&c.id, &c.label)).collect()).map(|i| &p.cuts[i]);
        let setting = choice(self, "setting", p.settings.iter().map(|c| named(&c.id, &c.label)).collect())
            .map(|i| &p.settings[i]);
        let number = |me: &mut Self, k: &str, r: &Option<Range>, unit: &str| -> Option<Decimal> {
            let r = r.as_ref()?;
            let v = match get(k) {
                None => r.default,
                Some(s) => match s.parse::<Decimal>() {
                    Ok(v) => v,
                    Err(_) => {
                        me.v("param", place(k), format!("{k} \"{s}\" is not a number"));
                        return None;
                    }
                },
            };
            me.params.insert(k.to_string(), v.normalize().to_string());
            if !r.contains(v) {
                let what = k.replace('_', " ").replace(" mm", "");
                let why = if v < r.min || v > r.max {
                    format!("is outside {}–{}{unit}", r.min, r.max)
                } else {
                    format!("is not a multiple of {}{unit} from {}{unit}", r.step, r.min)
                };
                me.v("param", place(k), format!("this {what}, {v}{unit}, {why}"));
                return None;
            }
            Some(v)
        };
        let width = number(self, "width_mm", &p.width, " mm");
        let thickness = number(self, "thickness_mm", &p.thickness, " mm");
        let carat = number(self, "carat", &p.carat, " ct");
        let mut cost = Decimal::ZERO;
        let mut volume = p.metal_volume_mm3.unwrap_or_default();
        // A band's metal comes from its geometry (orfevre-model): the swept profile at the exact
        // size, and the head the model builds for the chosen cut, carat and setting. A setting
        // or cut the model does not know keeps the catalog's `metal_volume_mm3` for its head.
        let mut head_modelled = false;
        // Small stones the head adds (a halo's melee), in carats, priced as the centre's stone.
        let mut melee_ct = Decimal::ZERO;
        if p.model == Model::Band {
            if let (Some(w), Some(t), Some(pr), Some(circ)) =
                (width, thickness, profile, self.size.and_then(|s| s.circumference))
            {
                let f = |d: Decimal| d.to_string().parse::<f64>().unwrap_or(f64::NAN);
                let stone_spec = match (stone, cut, carat, setting) {
                    (Some(si), Some(c), Some(ct), Some(st)) => {
                        match (c.id.parse::<orfevre_model::Cut>(), st.id.parse::<orfevre_model::Setting>()) {
                            (Ok(cut), Ok(setting)) => Some(orfevre_model::StoneSpec {
                                cut,
                                size: orfevre_model::StoneSize::Carat(f(ct)),
                                specific_gravity: f(cat.stones[si as usize].specific_gravity),
                                setting,
                            }),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let spec = orfevre_model::RingSpec {
                    band: orfevre_model::Band {
                        inner_circumference_mm: circ.as_f64(),
                        width_mm: f(w),
                        thickness_mm: f(t),
                        profile: pr.as_str().parse().unwrap_or(orfevre_model::Profile::Flat),
                    },
                    stone: stone_spec,
                    pave: false,
                    top: p.top.as_ref().map(|t| orfevre_model::Top {
                        shape: match t.shape {
                            TopShape::Round => orfevre_model::Cut::Round,
                            TopShape::Oval => orfevre_model::Cut::Oval,
                            TopShape::Cushion => orfevre_model::Cut::Cushion,
                        },
                        width_mm: t.width.as_f64(),
                        length_mm: t.length.as_f64(),
                        thickness_mm: t.thickness.as_f64(),
                    }),
                    // The engine checks walls itself, against the metal chosen.
                    min_wall_mm: 0.0,
                };
                if let Some(mi) = metal {
                    let metal = &cat.metals[mi as usize];
                    self.geometry = Some(Geometry {
                        ring: orfevre_model::RingSpec {
                            min_wall_mm: metal.min_wall.map(|m| m.as_f64()).unwrap_or(0.0),
                            ..spec.clone()
                        },
                        metal: metal.id.clone(),
                        stone: stone.filter(|_| stone_spec.is_some()).map(|si| {
                            let s = &cat.stones[si as usize];
                            (s.id.clone(), s.species.clone(), s.refractive_index)
                        }),
                    });
                }
                match orfevre_model::figures(&spec) {
                    Ok(fig) => {
                        head_modelled = stone_spec.is_some();
                        if let (Some(_), Some(ct)) = (stone_spec, carat) {
                            let total = Decimal::from_f64_retain(fig.carats).unwrap_or_default().round_dp(3);
                            melee_ct = (total - ct).max(Decimal::ZERO);
                        }
                        volume += Decimal::from_f64_retain(fig.metal_volume_mm3).unwrap_or_default().round_dp(3);
                        for pb in fig.problems {
                            self.v(pb.code, place(pb.parameter), pb.message);
                        }
                    }
                    Err(e) => self.v("geometry", Place::mount(&m.id), e.to_string()),
                }
            }
        }
        if let Some(s) = setting {
            if !head_modelled {
                volume += s.metal_volume_mm3.unwrap_or_default();
            }
            cost += s.price;
            if let (Some(max), Some(c)) = (s.max_carat, carat) {
                if c > max {
                    let over = ((c - max) * Decimal::ONE_THOUSAND).ceil().try_into().unwrap_or(u64::MAX);
                    self.vx(
                        "setting",
                        place("setting"),
                        format!("a {} setting holds stones of at most {max} ct; this one is {c} ct", s.label),
                        format!("setting:{}", m.id),
                        over,
                    );
                }
            }
        }
        if let Some(c) = cut {
            cost += c.price;
        }
        if let Some(mi) = metal {
            let metal = &cat.metals[mi as usize];
            let g = Grams::from_volume(volume, metal.density);
            self.weight = self.weight + g;
            cost += g.as_decimal() * metal.price_per_gram;
            if let (Some(min), Some(t)) = (metal.min_wall, thickness) {
                if t < min.as_decimal() {
                    let under = ((min.as_decimal() - t) * Decimal::ONE_THOUSAND).ceil().try_into().unwrap_or(u64::MAX);
                    self.vx(
                        "wall",
                        place("thickness_mm"),
                        format!("{} needs walls of at least {min}; the band is {t} mm", metal.name),
                        format!("wall:{}", m.id),
                        under,
                    );
                }
            }
        }
        if let (Some(si), Some(ct)) = (stone, carat) {
            let s = &cat.stones[si as usize];
            let ct = ct + melee_ct;
            cost += ct * s.price_per_carat;
            // 1 ct = 0.2 g
            self.weight = self.weight + Grams::from_decimal((ct * Decimal::new(2, 1)).round_dp(3)).unwrap_or_default();
        }
        if cost > Decimal::ZERO || volume > Decimal::ZERO {
            let making = cat.pricing.making_charge;
            let total = (cost + making) * cat.pricing.markup;
            self.lines.push((format!("{} (metal, stone, setting, making)", m.label), None, 1, total.round_dp(2)));
        }
    }

    fn field(&mut self, f: &'e Field, v: Option<&FieldValue>) {
        let place = Place::field(&f.id);
        // Blank text is no text, everywhere: for rules, prices and checks alike (designs are
        // normalised that way; a design built in memory may still carry it).
        let text = v.and_then(|v| v.text.clone()).filter(|t| !t.trim().is_empty());
        let choice = v.and_then(|v| v.choice.clone());
        let takes_text = matches!(f.spec, FieldSpec::Engraving { .. } | FieldSpec::Text { .. });
        if let Some(v) = v {
            let wrong = if takes_text { v.choice.is_some() } else { v.text.is_some() || v.font.is_some() };
            let font_on_text = matches!(f.spec, FieldSpec::Text { .. }) && v.font.is_some();
            if wrong || font_on_text {
                let expected = if takes_text { "a text" } else { "a choice" };
                self.v("shape", place, format!("{} takes {expected}", f.label));
                return;
            }
        }
        match &f.spec {
            FieldSpec::Engraving {
                fonts,
                charset,
                max_length,
                min_length,
                price_per_character,
                price,
                lead_time_days,
                ..
            } => {
                let Some(t) = text else {
                    if f.required {
                        self.v("required", place, format!("{} is required", f.label));
                    }
                    return;
                };
                self.check_text(&f.label, &t, charset, *min_length, *max_length, &place);
                if let Some(font) = v.and_then(|v| v.font.as_ref()) {
                    if !fonts.iter().any(|&i| &self.cat.fonts[i as usize].id == font) {
                        let names: Vec<&str> =
                            fonts.iter().map(|&i| self.cat.fonts[i as usize].name.as_str()).collect();
                        self.v(
                            "font",
                            place.clone(),
                            format!("this font is not offered for {}; choose {}", f.label, names.join(" or ")),
                        );
                    }
                }
                // Spaces are not engraved, so they are not charged.
                let chars = t.chars().filter(|c| !c.is_whitespace()).count() as u32;
                if *price > Decimal::ZERO {
                    self.lines.push((f.label.clone(), None, 1, *price));
                }
                if *price_per_character > Decimal::ZERO && chars > 0 {
                    self.lines.push((format!("{} (per character)", f.label), None, chars, *price_per_character));
                }
                self.engraving_days += lead_time_days;
                self.field_values.insert(f.id.clone(), t);
            }
            FieldSpec::Text { max_length, min_length, charset, price } => {
                let Some(t) = text else {
                    if f.required {
                        self.v("required", place, format!("{} is required", f.label));
                    }
                    return;
                };
                self.check_text(&f.label, &t, charset, *min_length, *max_length, &place);
                if *price > Decimal::ZERO {
                    self.lines.push((f.label.clone(), None, 1, *price));
                }
                self.field_values.insert(f.id.clone(), t);
            }
            FieldSpec::Choice { options, default } => {
                let opt = match (&choice, default) {
                    (Some(c), _) => match options.iter().find(|o| &o.id == c) {
                        Some(o) => Some(o),
                        None => {
                            let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
                            self.v(
                                "option",
                                place,
                                format!("this is not an option of {}; choose {}", f.label, labels.join(", ")),
                            );
                            return;
                        }
                    },
                    (None, Some(d)) => Some(&options[*d]),
                    (None, None) => {
                        if f.required {
                            self.v("required", place.clone(), format!("choose a {}", f.label));
                        }
                        None
                    }
                };
                if let Some(o) = opt {
                    if let Some(sku) = o.sku {
                        let comp = self.cat.comp(sku).sku.clone();
                        self.place_component(&comp, place.clone());
                    }
                    if o.price > Decimal::ZERO {
                        self.lines.push((format!("{}: {}", f.label, o.label), None, 1, o.price));
                    }
                    self.field_values.insert(f.id.clone(), o.id.clone());
                }
            }
            FieldSpec::Colour { colours, default, price } => {
                let id = choice.or_else(|| default.map(|d| self.cat.materials[colours[d] as usize].id.clone()));
                match id {
                    Some(c) => {
                        if !colours.iter().any(|&i| self.cat.materials[i as usize].id == c) {
                            let names: Vec<&str> =
                                colours.iter().map(|&i| self.cat.materials[i as usize].name.as_str()).collect();
                            self.v(
                                "option",
                                place,
                                format!("this colour is not offered for {}; choose {}", f.label, names.join(", ")),
                            );
                        } else {
                            if *price > Decimal::ZERO {
                                self.lines.push((f.label.clone(), None, 1, *price));
                            }
                            self.field_values.insert(f.id.clone(), c);
                        }
                    }
                    None if f.required => self.v("required", place, format!("choose a {}", f.label)),
                    None => {}
                }
            }
        }
    }

    fn check_text(&mut self, label: &str, t: &str, charset: &Charset, min: u32, max: u32, place: &Place) {
        let n = t.chars().count() as u32;
        let subject = format!("text:{}", place.field.as_deref().unwrap_or_default());
        if n > max {
            self.vx(
                "text-length",
                place.clone(),
                format!("{label} takes at most {max} characters; \"{t}\" has {n}"),
                subject,
                (n - max) as u64,
            );
        } else if n < min {
            self.vx(
                "text-length",
                place.clone(),
                format!("{label} needs at least {min} characters; \"{t}\" has {n}"),
                subject,
                (min - n) as u64,
            );
        }
        let mut bad: Vec<char> = t.chars().filter(|c| !charset.allows(*c)).collect();
        bad.dedup();
        if !bad.is_empty() {
            let list: Vec<String> = bad.iter().map(|c| format!("“{c}”")).collect();
            self.v(
                "charset",
                place.clone(),
                format!("{label} cannot take {} (it takes {})", list.join(", "), charset.describe()),
            );
        }
    }

    fn rules(&mut self, bid: BaseId) {
        let cat = self.cat;
        for (ri, r) in cat.rules.iter().enumerate() {
            if !r.applies_to(bid) {
                continue;
            }
            let rule = format!("rule:{}", r.id);
            match &r.spec {
                RuleSpec::Requires { if_, then } => {
                    let trigger = self.placed.iter().find(|(c, _)| if_.matches(*c, cat.comp(*c)));
                    if let Some((_, p)) = trigger {
                        if !self.placed.iter().any(|(c, _)| then.matches(*c, cat.comp(*c))) {
                            let p = p.clone();
                            self.vx(&rule, p, r.message.clone(), rule.clone(), 1);
                        }
                    }
                }
                RuleSpec::Excludes { a, b } => {
                    let is = |sel: &Selector, c: CompId| sel.matches(c, cat.comp(c));
                    let hit = self.placed.iter().enumerate().find_map(|(i, (x, px))| {
                        if !is(a, *x) {
                            return None;
                        }
                        self.placed.iter().enumerate().find(|(j, (y, _))| *j != i && is(b, *y)).map(|_| px.clone())
                    });
                    if let Some(p) = hit {
                        // Worse means more to take off: the smaller side of the clash.
                        let na = self.placed.iter().filter(|(x, _)| is(a, *x)).count();
                        let nb = self.placed.iter().filter(|(x, _)| is(b, *x)).count();
                        self.vx(&rule, p, r.message.clone(), rule.clone(), na.min(nb) as u64);
                    }
                }
                RuleSpec::Expr { .. } => {
                    let Some((when, require)) = &self.e.rules[ri] else { continue };
                    let ctx = self.cel_context(bid, &self.e.rule_vars[ri], &self.e.rule_literals[ri]);
                    let applies = match when {
                        Some(w) => matches!(w.execute(&ctx), Ok(cel::Value::Bool(true))),
                        None => true,
                    };
                    if !applies {
                        continue;
                    }
                    // A rule that cannot be evaluated is a catalog mistake `catalog check` reports
                    // (it runs every rule on sample designs of each base); should one slip through,
                    // the shopper reads the rule's message, never the engine's.
                    if !matches!(require.execute(&ctx), Ok(cel::Value::Bool(true))) {
                        let d = orfevre_catalog::rules::distance(require.expression(), &ctx);
                        self.vx(&rule, Place::default(), r.message.clone(), rule.clone(), d);
                    }
                }
            }
        }
    }

    fn cel_context(&self, bid: BaseId, vars: &[String], literals: &[String]) -> cel::Context<'static, 'static> {
        let wants = |v: &str| vars.iter().any(|x| x == v);
        let cat = self.cat;
        let mut ctx = cel::Context::with_env(self.e.cel_env.clone());
        let base = &cat.bases[bid as usize];
        // Only the maps the rule reads are built. Every kind is present; every SKU, tag or family
        // the rule names is present (0 when unused), so `tags["large"]` reads 0 rather than
        // failing on a missing key. Building every name of a large catalog would cost more than
        // the rule itself.
        let count = |named: &dyn Fn(&str) -> bool, key: &dyn Fn(&Component) -> Vec<String>| -> HashMap<String, i64> {
            let mut m: HashMap<String, i64> =
                literals.iter().filter(|l| named(l.as_str())).map(|l| (l.clone(), 0)).collect();
            for (c, _) in &self.placed {
                for k in key(cat.comp(*c)) {
                    *m.entry(k).or_default() += 1;
                }
            }
            m
        };
        let skus = wants("skus").then(|| count(&|l| cat.by_sku.contains_key(l), &|c| vec![c.sku.clone()]));
        let tags = wants("tags").then(|| {
            count(&|l| cat.tag(l).is_some(), &|c| c.tags.iter().map(|t| cat.tag_name(*t).to_string()).collect())
        });
        let fams = wants("families")
            .then(|| count(&|l| cat.families.iter().any(|f| f == l), &|c| vec![cat.family_name(c.family).to_string()]));
        let kinds = wants("kinds").then(|| {
            let mut m = count(&|_| false, &|c| vec![c.kind.as_str().to_string()]);
            for k in Kind::ALL {
                m.entry(k.as_str().to_string()).or_insert(0);
            }
            m
        });
        if wants("base") {
            ctx.add_variable_from_value("base", base.id.clone());
        }
        if wants("piece") {
            ctx.add_variable_from_value("piece", base.piece.as_str().to_string());
        }
        if wants("size") {
            ctx.add_variable_from_value("size", self.size.map(|s| s.id.clone()).unwrap_or_default());
        }
        if wants("items") {
            ctx.add_variable_from_value("items", self.placed.len() as i64);
        }
        for (name, map) in [("skus", skus), ("kinds", kinds), ("tags", tags), ("families", fams)] {
            if let Some(m) = map {
                ctx.add_variable_from_value(name, m);
            }
        }
        if wants("params") {
            // Every parameter name of the catalog: the base's with their values (defaults
            // included), the others blank.
            let mut params: HashMap<String, String> =
                self.e.param_names.iter().map(|n| (n.clone(), String::new())).collect();
            params.extend(self.params.clone());
            ctx.add_variable_from_value("params", params);
        }
        if wants("fields") {
            // Every field id of the catalog: the base's with their effective values (a choice's
            // default included, blank text as ""), the others blank.
            let mut fields: HashMap<String, String> =
                self.e.field_ids.iter().map(|n| (n.clone(), String::new())).collect();
            fields.extend(self.field_values.clone());
            ctx.add_variable_from_value("fields", fields);
        }
        ctx
    }

    fn price(&self, currency: Option<Currency>) -> PriceBreakdown {
        let brand = &self.cat.brand;
        let (cur, rate, rounding) = match currency.and_then(|c| brand.currencies.iter().find(|a| a.code == c)) {
            Some(a) => (a.code, a.rate, a.rounding),
            None => (brand.currency, Decimal::ONE, brand.rounding),
        };
        let money = |d: Decimal| Money::new(d * rate, cur).rounded();
        let mut lines: Vec<PriceLine> = self
            .lines
            .iter()
            .map(|(label, sku, qty, unit)| {
                let u = money(*unit);
                PriceLine {
                    label: label.clone(),
                    sku: sku.clone(),
                    qty: *qty,
                    unit: u,
                    amount: Money::new(u.amount * Decimal::from(*qty), cur),
                }
            })
            .collect();
        // Bundles: a percentage off the matching lines once enough of them are in the design.
        for b in &self.cat.bundles {
            let matching: Vec<&PriceLine> = lines
                .iter()
                .filter(|l| {
                    l.sku
                        .as_deref()
                        .and_then(|s| self.cat.component(s))
                        .is_some_and(|c| b.select.matches(c, self.cat.comp(c)))
                })
                .collect();
            let qty: u32 = matching.iter().map(|l| l.qty).sum();
            if qty >= b.min_qty && qty > 0 {
                let base: Decimal = matching.iter().map(|l| l.amount.amount).sum();
                let off = Money::new(-(base * b.discount_percent / Decimal::ONE_HUNDRED), cur).rounded();
                lines.push(PriceLine {
                    label: format!("Bundle: {}", b.name),
                    sku: None,
                    qty: 1,
                    unit: off,
                    amount: off,
                });
            }
        }
        let subtotal: Decimal = lines.iter().map(|l| l.amount.amount).sum();
        let total = rounding.map(|r| r.apply(subtotal)).unwrap_or(subtotal);
        PriceBreakdown {
            currency: cur,
            lines,
            subtotal: Money::new(subtotal, cur),
            rounding: Money::new(total - subtotal, cur),
            total: Money::new(total, cur),
        }
    }
}

fn metal_cost(cat: &Catalog, m: MetalId, w: Grams) -> Decimal {
    w.as_decimal() * cat.metals[m as usize].price_per_gram
}

/// The string literals of a CEL source (single- or double-quoted, without escapes).
fn string_literals(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = src.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '"' || c == '\'' {
            if let Some(end) = src[i + 1..].find(c) {
                out.push(src[i + 1..i + 1 + end].to_string());
                let stop = i + 1 + end;
                for (j, _) in chars.by_ref() {
                    if j >= stop {
                        break;
                    }
                }
            }
        }
    }
    out
}

/// A valid strand design prepared for screening candidates added to one section: it answers
/// "certainly feasible" from counts kept once, and evaluates only the CEL rules per candidate class.
/// Anything it cannot decide is left to full evaluation.
pub(crate) struct InsertScreen<'e> {
    st: State<'e>,
    bid: BaseId,
    spec: &'e StrandSpec,
    cap: Mm,
    used: Mm,
    section_len: u32,
    total: u32,
    kinds: HashMap<Kind, u32>,
    cel_cache: HashMap<(Kind, FamilyId, Vec<TagId>, Option<CompId>), bool>,
    reads_skus: bool,
}

impl Engine {
    pub(crate) fn insert_screen<'e>(&'e self, d: &'e Design, mount: &str, section: usize) -> Option<InsertScreen<'e>> {
        let mut st = State::new(self, d);
        st.run();
        if !st.violations.is_empty() {
            return None;
        }
        let (bid, base) = st.base?;
        let size = st.size?;
        let m = base.mount(mount).map(|i| &base.mounts[i])?;
        let MountSpec::Strand(spec) = &m.spec else { return None };
        if spec.first.is_some() || spec.last.is_some() || section >= spec.sections() {
            return None;
        }
        let sections = d.mounts.get(mount).and_then(|md| md.sections.as_ref());
        let mut used = Mm::ZERO;
        let mut section_len = 0;
        let mut total = 0;
        let mut kinds: HashMap<Kind, u32> = HashMap::new();
        for (si, sec) in sections.into_iter().flatten().enumerate() {
            for sku in sec {
                let c = self.catalog.comp(self.catalog.component(sku)?);
                total += 1;
                *kinds.entry(c.kind).or_default() += 1;
                if si == section {
                    used += c.width;
                    section_len += 1;
                }
            }
        }
        let reads_skus = self
            .catalog
            .rules
            .iter()
            .enumerate()
            .any(|(i, r)| r.applies_to(bid) && self.rule_vars[i].iter().any(|v| v == "skus"));
        Some(InsertScreen {
            cap: spec.section_capacity(size),
            st,
            bid,
            spec,
            used,
            section_len,
            total,
            kinds,
            cel_cache: HashMap::new(),
            reads_skus,
        })
    }
}

impl InsertScreen<'_> {
    /// True only when adding `c` certainly adds no violation (the mount's static test passed).
    pub(crate) fn certainly_feasible(&mut self, c: CompId) -> bool {
        let cat = self.st.cat;
        let comp = cat.comp(c);
        let s = self.spec;
        if self.used + comp.width > self.cap
            || s.max_per_section.is_some_and(|m| self.section_len + 1 > m)
            || s.max_count.is_some_and(|m| self.total + 1 > m)
            || s.max.iter().any(|&(k, m)| k == comp.kind && self.kinds.get(&k).copied().unwrap_or(0) + 1 > m)
            || comp.stock.is_some_and(|st| self.st.bom.get(&c).copied().unwrap_or(0) + 1 > st)
        {
            return false;
        }
        let placed = &self.st.placed;
        for r in cat.rules.iter().filter(|r| r.applies_to(self.bid)) {
            match &r.spec {
                RuleSpec::Requires { if_, then } => {
                    if if_.matches(c, comp)
                        && !then.matches(c, comp)
                        && !placed.iter().any(|(x, _)| then.matches(*x, cat.comp(*x)))
                    {
                        return false;
                    }
                }
                RuleSpec::Excludes { a, b } => {
                    let hits = |sel: &Selector| placed.iter().any(|(x, _)| sel.matches(*x, cat.comp(*x)));
                    if (a.matches(c, comp) && hits(b)) || (b.matches(c, comp) && hits(a)) {
                        return false;
                    }
                }
                RuleSpec::Expr { .. } => {}
            }
        }
        let key = (comp.kind, comp.family, comp.tags.clone(), if self.reads_skus { Some(c) } else { None });
        if let Some(&ok) = self.cel_cache.get(&key) {
            return ok;
        }
        self.st.placed.push((c, Place::default()));
        let before = self.st.violations.len();
        self.st.rules(self.bid);
        let ok = self.st.violations.len() == before;
        self.st.violations.truncate(before);
        self.st.placed.pop();
        self.cel_cache.insert(key, ok);
        ok
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn string_literals_are_found() {
        assert_eq!(super::string_literals(r#"kinds["dangle"] <= 2 || kinds['clip'] >= 1"#), vec!["dangle", "clip"]);
    }
}
