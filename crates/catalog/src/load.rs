//! Loading: files → TOML tables → one resolved [`Catalog`], collecting every problem on the way.
//!
//! Loading never stops at the first mistake: a file that does not parse is skipped and reported, an
//! entry with a bad reference is reported and left out, and the rest is still resolved so that the
//! checker can report on it too. A catalog is returned only when there is no error at all.

use crate::diag::{Diagnostic, LineIndex, Loc, Severity};
use crate::model::*;
use crate::raw::*;
use crate::units::Mm;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Largest catalog file read (a catalog is reviewed text, not data dumps).
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// Largest whole catalog.
pub const MAX_TOTAL_BYTES: usize = 64 << 20;
/// Most files in a catalog directory.
pub const MAX_FILES: usize = 20_000;

/// The files of a catalog, by path relative to the catalog root (with `/` separators).
#[derive(Clone, Debug, Default)]
pub struct SourceSet {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Problems met while reading (too large, unreadable).
    pub problems: Vec<Diagnostic>,
}

impl SourceSet {
    pub fn new() -> SourceSet {
        SourceSet::default()
    }

    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }

    /// Reads every `.toml` and `.svg` file under `dir` (examples/ and hidden folders are skipped).
    pub fn from_dir(dir: &Path) -> std::io::Result<SourceSet> {
        let mut set = SourceSet::new();
        let mut total = 0usize;
        let mut stack = vec![dir.to_path_buf()];
        let mut count = 0usize;
        if !dir.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} is not a catalog directory", dir.display()),
            ));
        }
        while let Some(d) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let path = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                if name.starts_with('.') {
                    continue;
                }
                let ft = e.file_type()?;
                if ft.is_dir() {
                    if rel != "examples" {
                        stack.push(path);
                    }
                    continue;
                }
                if !(name.ends_with(".toml") || name.ends_with(".svg")) {
                    continue;
                }
                count += 1;
                if count > MAX_FILES {
                    set.problems.push(Diagnostic::error(
                        "too-many-files",
                        Loc::file_only(&rel),
                        format!("the catalog has more than {MAX_FILES} files; the rest were not read"),
                    ));
                    return Ok(set);
                }
                let len = e.metadata()?.len() as usize;
                if len > MAX_FILE_BYTES {
                    set.problems.push(
                        Diagnostic::error(
                            "file-too-large",
                            Loc::file_only(&rel),
                            format!("file is {len} bytes; catalog files are limited to {MAX_FILE_BYTES} bytes"),
                        )
                        .hint("split it into several files: every .toml file in the directory is read"),
                    );
                    continue;
                }
                total += len;
                if total > MAX_TOTAL_BYTES {
                    set.problems.push(Diagnostic::error(
                        "catalog-too-large",
                        Loc::file_only(&rel),
                        format!("the catalog exceeds {MAX_TOTAL_BYTES} bytes; this file and the rest were not read"),
                    ));
                    return Ok(set);
                }
                set.files.insert(rel, std::fs::read(&path)?);
            }
        }
        Ok(set)
    }

    /// SHA-256 over every file's path and content, in path order.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (p, b) in &self.files {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
        hex::encode(h.finalize())
    }
}

/// The outcome of loading: the catalog when it has no error, and every diagnostic.
#[derive(Debug)]
pub struct Loaded {
    pub catalog: Option<Catalog>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count()
    }
}

/// Loads and checks the catalog in `dir`.
pub fn load_dir(dir: &Path) -> std::io::Result<Loaded> {
    Ok(load(&SourceSet::from_dir(dir)?))
}

/// Loads and checks a catalog from its files.
pub fn load(sources: &SourceSet) -> Loaded {
    let mut r = Resolver::new(sources);
    r.diags.extend(sources.problems.iter().cloned());
    let files = r.parse_all();
    let catalog = r.resolve(files);
    let mut diags = r.diags;
    if let Some(cat) = &catalog {
        diags.extend(crate::check::check(cat, &r.extra));
    }
    diags.sort_by(|a, b| (&a.loc, a.severity, a.code, &a.message).cmp(&(&b.loc, b.severity, b.code, &b.message)));
    diags.dedup();
    let has_errors = diags.iter().any(|d| d.severity == Severity::Error);
    Loaded { catalog: if has_errors { None } else { catalog }, diagnostics: diags }
}

/// Facts the loader knows that the resolved catalog does not keep but the checker needs.
#[derive(Debug, Default)]
pub struct Extra {
    /// Where each rule's CEL source starts (for messages about it).
    pub rule_expr_locs: HashMap<usize, Loc>,
    /// SKUs of components that are sold through a field option (packaging), not placed on a mount.
    pub option_skus: Vec<CompId>,
    /// Where each metal, stone and material is used.
    pub used_metals: Vec<bool>,
    pub used_materials: Vec<bool>,
}

struct Resolver<'a> {
    sources: &'a SourceSet,
    diags: Vec<Diagnostic>,
    extra: Extra,
    index: HashMap<String, LineIndex>,
    default_per_char: Decimal,
    /// A file failed to parse: names it defines are unknown, so don't report them missing.
    parse_failed: bool,
}

/// The identifiers CEL rules may read.
pub const CEL_VARIABLES: &[&str] =
    &["base", "piece", "size", "skus", "kinds", "tags", "families", "params", "fields", "items"];

impl<'a> Resolver<'a> {
    fn new(sources: &'a SourceSet) -> Resolver<'a> {
        Resolver {
            sources,
            diags: Vec::new(),
            extra: Extra::default(),
            index: HashMap::new(),
            default_per_char: Decimal::ZERO,
            parse_failed: false,
        }
    }

    fn loc(&self, file: &str, offset: usize) -> Loc {
        match self.index.get(file) {
            Some(i) => i.loc(offset),
            None => Loc::file_only(file),
        }
    }

    fn at<T>(&self, file: &str, s: &S<T>) -> Loc {
        self.loc(file, s.span().start)
    }

    fn err(&mut self, code: &'static str, loc: Loc, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, loc, msg));
        self.diags.last_mut().unwrap()
    }

    fn parse_all(&mut self) -> Vec<(String, RawFile)> {
        let mut out = Vec::new();
        for (path, bytes) in &self.sources.files {
            if !path.ends_with(".toml") {
                continue;
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let idx = LineIndex::new(path, &String::from_utf8_lossy(&bytes[..e.valid_up_to()]));
                    self.diags.push(Diagnostic::error(
                        "not-utf8",
                        idx.loc(e.valid_up_to()),
                        "the file is not valid UTF-8 text",
                    ));
                    continue;
                }
            };
            self.index.insert(path.clone(), LineIndex::new(path, text));
            match toml::from_str::<RawFile>(text) {
                Ok(f) => out.push((path.clone(), f)),
                Err(e) => {
                    self.parse_failed = true;
                    let loc = self.loc(path, e.span().map(|s| s.start).unwrap_or(0));
                    let msg = e.message().trim().to_string();
                    let code = if msg.contains("unknown field") { "unknown-field" } else { "toml" };
                    let d = self.err(code, loc, msg.clone());
                    if code == "unknown-field" {
                        d.hint = Some("check the spelling against docs/catalog.md; unknown fields are refused so that typos cannot pass silently".into());
                    } else if msg.contains("duplicate key") {
                        d.hint = Some("a key may appear once per table".into());
                    }
                }
            }
        }
        out
    }

    fn resolve(&mut self, files: Vec<(String, RawFile)>) -> Option<Catalog> {
        // Brand and pricing: exactly one of each (pricing optional).
        let mut brand: Option<(String, RawBrand)> = None;
        let mut pricing: Option<RawPricing> = None;
        let mut pricing_seen = false;
        let mut brand_seen: Option<String> = None;
        for (f, raw) in &files {
            if let Some(b) = &raw.brand {
                if let Some(first) = brand_seen.clone() {
                    self.err("duplicate-definition", self.at(f, b), "a second [brand] table").hint =
                        Some(format!("the catalog's brand is already defined in {first}"));
                }
                brand_seen.get_or_insert_with(|| f.clone());
            }
            if let Some(p) = &raw.pricing {
                if pricing_seen {
                    let loc = self.at(f, p);
                    self.err("duplicate-definition", loc, "a second [pricing] table");
                }
                pricing_seen = true;
            }
        }
        let mut files = files;
        for (f, raw) in files.iter_mut() {
            if brand.is_none() {
                if let Some(b) = raw.brand.take() {
                    brand = Some((f.clone(), b.into_inner()));
                }
            }
            if pricing.is_none() {
                pricing = raw.pricing.take().map(|p| p.into_inner());
            }
        }
        let brand_ok = brand.is_some();
        if !brand_ok && !self.sources.files.is_empty() {
            let first = self
                .sources
                .files
                .keys()
                .find(|p| p.ends_with(".toml"))
                .cloned()
                .unwrap_or_else(|| "brand.toml".into());
            self.err("missing-brand", Loc::file_only(&first), "the catalog has no [brand] table").hint =
                Some("add brand.toml with [brand] id, name, version and currency (see docs/catalog.md)".into());
        } else if self.sources.files.is_empty() {
            self.err("empty-catalog", Loc::file_only("."), "the catalog directory has no .toml file");
        }
        let brand = brand.map(|(f, b)| {
            for (i, c) in b.currencies.iter().enumerate() {
                if b.currencies[..i].iter().any(|o| o.get_ref().code == c.get_ref().code)
                    || c.get_ref().code == b.currency
                {
                    let loc = self.at(&f, c);
                    self.err("duplicate-definition", loc, format!("currency {} is listed twice", c.get_ref().code));
                }
                if c.get_ref().rate.0.is_zero() {
                    let loc = self.at(&f, c);
                    self.err("invalid-value", loc, "an exchange rate must be above zero");
                }
            }
            if b.id.get_ref().trim().is_empty() {
                let loc = self.at(&f, &b.id);
                self.err("invalid-value", loc, "the brand id is empty");
            }
            Brand {
                id: b.id.into_inner(),
                name: b.name,
                version: b.version.into_inner(),
                currency: b.currency,
                locales: b.locales,
                rounding: b.rounding,
                currencies: b
                    .currencies
                    .into_iter()
                    .map(|c| {
                        let c = c.into_inner();
                        AltCurrency { code: c.code, rate: c.rate.0, rounding: c.rounding }
                    })
                    .collect(),
                domain: b.domain,
            }
        });
        let pricing = pricing.unwrap_or_default();
        let pricing = Pricing {
            engraving_per_character: pricing.engraving_per_character.map(|p| p.0).unwrap_or_default(),
            making_charge: pricing.making_charge.map(|p| p.0).unwrap_or_default(),
            markup: pricing.markup.map(|p| p.0).unwrap_or(Decimal::ONE),
        };

        self.default_per_char = pricing.engraving_per_character;
        // Fonts, metals, stones, materials.
        let mut fonts = Vec::new();
        let mut metals = Vec::new();
        let mut stones = Vec::new();
        let mut materials: Vec<Material> = Vec::new();
        let mut seen: HashMap<(&'static str, String), Loc> = HashMap::new();
        for (f, raw) in &files {
            for x in &raw.font {
                if self.unique(&mut seen, "font", f, &x.get_ref().id) {
                    let x = x.get_ref();
                    if x.kind != "outline" && x.kind != "single-line" {
                        let loc = self.at(f, &x.id);
                        self.err(
                            "invalid-value",
                            loc,
                            format!("font kind \"{}\" is neither outline nor single-line", x.kind),
                        );
                    }
                    fonts.push(Font {
                        id: x.id.get_ref().clone(),
                        name: x.name.clone(),
                        kind: x.kind.clone(),
                        file: x.file.clone(),
                        package: x.package.clone(),
                    });
                }
            }
            for x in &raw.metal {
                if self.unique(&mut seen, "metal", f, &x.get_ref().id) {
                    let m = x.get_ref();
                    if m.density.0.is_zero() {
                        let loc = self.at(f, x);
                        self.err("invalid-value", loc, format!("metal {} has zero density", m.id.get_ref()));
                    }
                    metals.push(Metal {
                        id: m.id.get_ref().clone(),
                        name: m.name.clone(),
                        density: m.density.0,
                        price_per_gram: m.price_per_gram.0,
                        min_wall: m.min_wall_mm,
                        colour: m.colour.clone(),
                        loc: self.at(f, &m.id),
                    });
                }
            }
            for x in &raw.stone {
                if self.unique(&mut seen, "stone", f, &x.get_ref().id) {
                    let s = x.get_ref();
                    stones.push(Stone {
                        id: s.id.get_ref().clone(),
                        name: s.name.clone(),
                        species: s.species.clone(),
                        specific_gravity: s.specific_gravity.0,
                        refractive_index: s.refractive_index.0,
                        price_per_carat: s.price_per_carat.0,
                        loc: self.at(f, &s.id),
                    });
                }
            }
            for (class, list) in [
                (MaterialClass::Cord, &raw.cord),
                (MaterialClass::Leather, &raw.leather),
                (MaterialClass::Enamel, &raw.enamel),
                (MaterialClass::Colour, &raw.colour),
            ] {
                for x in list {
                    if self.unique(&mut seen, "material", f, &x.get_ref().id) {
                        let m = x.get_ref();
                        if let Some(h) = &m.hex {
                            let ok = h.get_ref().len() == 7
                                && h.get_ref().starts_with('#')
                                && h.get_ref()[1..].chars().all(|c| c.is_ascii_hexdigit());
                            if !ok {
                                let loc = self.at(f, h);
                                self.err("invalid-value", loc, format!("\"{}\" is not a #rrggbb colour", h.get_ref()));
                            }
                        }
                        materials.push(Material {
                            id: m.id.get_ref().clone(),
                            name: m.name.clone(),
                            class,
                            diameter: m.diameter_mm,
                            hex: m.hex.as_ref().map(|h| h.get_ref().clone()),
                            loc: self.at(f, &m.id),
                        });
                    }
                }
            }
        }
        let metal_ix: HashMap<String, MetalId> =
            metals.iter().enumerate().map(|(i, m)| (m.id.clone(), i as MetalId)).collect();
        let stone_ix: HashMap<String, StoneId> =
            stones.iter().enumerate().map(|(i, m)| (m.id.clone(), i as StoneId)).collect();
        let mat_ix: HashMap<String, MaterialId> =
            materials.iter().enumerate().map(|(i, m)| (m.id.clone(), i as MaterialId)).collect();
        let font_ix: HashMap<String, FontId> =
            fonts.iter().enumerate().map(|(i, m)| (m.id.clone(), i as FontId)).collect();
        self.extra.used_metals = vec![false; metals.len()];
        self.extra.used_materials = vec![false; materials.len()];

        // Components.
        let mut families: Vec<String> = Vec::new();
        let mut tags: Vec<String> = Vec::new();
        let mut components = Vec::new();
        let mut by_sku: HashMap<String, CompId> = HashMap::new();
        let mut sku_loc: HashMap<String, Loc> = HashMap::new();
        for (f, raw) in &files {
            for x in &raw.component {
                let c = x.get_ref();
                let sku = c.sku.get_ref().clone();
                let loc = self.at(f, &c.sku);
                if let Some(first) = sku_loc.get(&sku) {
                    let first = first.clone();
                    self.err("duplicate-sku", loc, format!("SKU \"{sku}\" is defined twice")).hint =
                        Some(format!("first defined at {first}; every component needs its own SKU"));
                    continue;
                }
                if !valid_ident(&sku) {
                    self.err(
                        "invalid-value",
                        loc.clone(),
                        format!("SKU \"{sku}\" may hold only letters, digits, '-', '_' and '.'"),
                    );
                }
                sku_loc.insert(sku.clone(), loc.clone());
                let Some(kind) = self.parse_named(f, &c.kind, Kind::parse, "component kind", Kind::names) else {
                    continue;
                };
                let Some(connector) =
                    self.parse_named(f, &c.connector, Connector::parse, "connector", Connector::names)
                else {
                    continue;
                };
                let family = intern(&mut families, c.family.get_ref()) as FamilyId;
                let ctags: Vec<TagId> = c.tags.iter().map(|t| intern(&mut tags, t) as TagId).collect();
                let metal = self.lookup(f, c.metal.as_ref(), &metal_ix, "metal");
                if let Some(m) = metal {
                    self.extra.used_metals[m as usize] = true;
                }
                let colour = self.lookup(f, c.colour.as_ref(), &mat_ix, "colour");
                let enamel = self.lookup(f, c.enamel.as_ref(), &mat_ix, "enamel");
                for m in [colour, enamel].into_iter().flatten() {
                    self.extra.used_materials[m as usize] = true;
                }
                if (c.metal.is_some() && metal.is_none())
                    || (c.colour.is_some() && colour.is_none())
                    || (c.enamel.is_some() && enamel.is_none())
                {
                    continue;
                }
                if c.price.is_none() && metal.is_none() {
                    self.err(
                        "missing-price",
                        loc.clone(),
                        format!("component {sku} has neither a price nor a weight-priced metal"),
                    )
                    .hint = Some("add price = \"…\" or metal = \"…\" (priced by weight)".into());
                }
                if c.width_mm == Mm::ZERO
                    && !matches!(
                        kind,
                        Kind::Packaging | Kind::FloatingCharm | Kind::Insert | Kind::Capsule | Kind::Stone
                    )
                {
                    self.err("invalid-value", loc.clone(), format!("component {sku} has zero width along the strand"));
                }
                if kind == Kind::LetterBead {
                    match &c.glyph {
                        None => {
                            self.err("missing-field", loc.clone(), format!("letter bead {sku} has no glyph")).hint =
                                Some("add glyph = \"A\": the letter the bead shows".into());
                        }
                        Some(g) if g.get_ref().chars().count() != 1 => {
                            let gl = self.at(f, g);
                            self.err("invalid-value", gl, format!("glyph \"{}\" must be one character", g.get_ref()));
                        }
                        _ => {}
                    }
                }
                let art = c.art.as_ref().map(|a| {
                    self.check_art(f, a);
                    a.get_ref().clone()
                });
                let id = components.len() as CompId;
                by_sku.insert(sku.clone(), id);
                components.push(Component {
                    sku,
                    name: c.name.clone(),
                    kind,
                    family,
                    connector,
                    width: c.width_mm,
                    hole: c.hole_mm,
                    thickness: c.thickness_mm,
                    volume_mm3: c.volume_mm3.map(|d| d.0),
                    weight: c.weight_g,
                    price: c.price.map(|p| p.0).unwrap_or_default(),
                    metal,
                    stock: c.stock,
                    lead_time_days: c.lead_time_days,
                    tags: ctags,
                    art,
                    glyph: c.glyph.as_ref().map(|g| g.get_ref().clone()),
                    colour,
                    enamel,
                    loc,
                });
            }
        }

        // Bases.
        let mut bases = Vec::new();
        let mut by_base: HashMap<String, BaseId> = HashMap::new();
        for (f, raw) in &files {
            for x in &raw.base {
                if !self.unique(&mut seen, "base", f, &x.get_ref().id) {
                    continue;
                }
                if let Some(b) = self.resolve_base(
                    f,
                    x.get_ref(),
                    &families,
                    &by_sku,
                    &metal_ix,
                    &stone_ix,
                    &mat_ix,
                    &font_ix,
                    &materials,
                ) {
                    by_base.insert(b.id.clone(), bases.len() as BaseId);
                    bases.push(b);
                }
            }
        }

        // Rules and bundles.
        let mut rules = Vec::new();
        let mut bundles = Vec::new();
        for (f, raw) in &files {
            for x in &raw.rule {
                if !self.unique(&mut seen, "rule", f, &x.get_ref().id) {
                    continue;
                }
                let i = rules.len();
                if let Some(r) = self.resolve_rule(f, x, &by_sku, &tags, &by_base, i) {
                    rules.push(r);
                }
            }
            for x in &raw.bundle {
                if !self.unique(&mut seen, "bundle", f, &x.get_ref().id) {
                    continue;
                }
                let b = x.get_ref();
                if let Some(sel) = self.selector(f, &b.select, &by_sku, &tags) {
                    if b.discount_percent.0 > Decimal::from(100) {
                        let loc = self.at(f, x);
                        self.err("invalid-value", loc, "a discount cannot exceed 100 %");
                    }
                    if b.min_qty == 0 {
                        let loc = self.at(f, x);
                        self.err("invalid-value", loc, "min_qty must be at least 1");
                    }
                    bundles.push(Bundle {
                        id: b.id.get_ref().clone(),
                        name: b.name.clone(),
                        select: sel,
                        min_qty: b.min_qty,
                        discount_percent: b.discount_percent.0,
                    });
                }
            }
        }

        let brand = brand?;
        Some(Catalog {
            brand,
            digest: self.sources.digest(),
            pricing,
            fonts,
            metals,
            stones,
            materials,
            components,
            bases,
            rules,
            bundles,
            families,
            tags,
            by_sku,
            by_base,
        })
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<(&'static str, String), Loc>,
        what: &'static str,
        file: &str,
        id: &S<String>,
    ) -> bool {
        let loc = self.at(file, id);
        if !valid_ident(id.get_ref()) {
            self.err(
                "invalid-value",
                loc.clone(),
                format!("{what} id \"{}\" may hold only letters, digits, '-', '_' and '.'", id.get_ref()),
            );
        }
        match seen.get(&(what, id.get_ref().clone())) {
            Some(first) => {
                let first = first.clone();
                self.err("duplicate-definition", loc, format!("{what} \"{}\" is defined twice", id.get_ref())).hint =
                    Some(format!("first defined at {first}"));
                false
            }
            None => {
                seen.insert((what, id.get_ref().clone()), loc);
                true
            }
        }
    }

    fn parse_named<T>(
        &mut self,
        file: &str,
        s: &S<String>,
        parse: fn(&str) -> Option<T>,
        what: &str,
        names: fn() -> String,
    ) -> Option<T> {
        let v = parse(s.get_ref());
        if v.is_none() {
            let loc = self.at(file, s);
            self.err("unknown-value", loc, format!("unknown {what} \"{}\"", s.get_ref())).hint =
                Some(format!("expected one of: {}", names()));
        }
        v
    }

    fn lookup(&mut self, file: &str, s: Option<&S<String>>, ix: &HashMap<String, u32>, what: &str) -> Option<u32> {
        let s = s?;
        match ix.get(s.get_ref()) {
            Some(&i) => Some(i),
            None => {
                let loc = self.at(file, s);
                let mut known: Vec<&String> = ix.keys().collect();
                known.sort();
                let hint = suggest(s.get_ref(), known.iter().map(|k| k.as_str()));
                let d = self.err("unknown-reference", loc, format!("unknown {what} \"{}\"", s.get_ref()));
                d.hint = Some(match hint {
                    Some(h) => format!("did you mean \"{h}\"?"),
                    None if known.is_empty() => format!("no {what} is defined yet: add one to the catalog"),
                    None => format!(
                        "define it first (known: {})",
                        known.iter().take(8).map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
                None
            }
        }
    }

    fn check_art(&mut self, file: &str, a: &S<String>) {
        let loc = self.at(file, a);
        let path = a.get_ref();
        match self.sources.files.get(path.as_str()) {
            None => {
                self.err("missing-art", loc, format!("art file \"{path}\" is not in the catalog")).hint =
                    Some("paths are relative to the catalog root, e.g. art/charm-heart.svg".into());
            }
            Some(bytes) => {
                let ok = std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|t| roxmltree::Document::parse(t).ok())
                    .map(|d| d.root_element().tag_name().name() == "svg");
                if ok != Some(true) {
                    self.err("invalid-art", loc, format!("art file \"{path}\" is not a well-formed SVG document"));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_base(
        &mut self,
        f: &str,
        b: &RawBase,
        families: &[String],
        by_sku: &HashMap<String, CompId>,
        metal_ix: &HashMap<String, MetalId>,
        stone_ix: &HashMap<String, StoneId>,
        mat_ix: &HashMap<String, MaterialId>,
        font_ix: &HashMap<String, FontId>,
        materials: &[Material],
    ) -> Option<Base> {
        let bloc = self.at(f, &b.id);
        let piece = self.parse_named(f, &b.piece, Piece::parse, "piece", Piece::names)?;
        let metal = self.lookup(f, b.metal.as_ref(), metal_ix, "metal");
        if let Some(m) = metal {
            self.extra.used_metals[m as usize] = true;
        }
        if let Some(g) = &b.gtin {
            if let Err(e) = check_gtin(g.get_ref()) {
                let loc = self.at(f, g);
                self.err("invalid-gtin", loc, e).hint =
                    Some("a GTIN has 8, 12, 13 or 14 digits, the last a mod-10 check digit".into());
            }
        }
        let art = b.art.as_ref().map(|a| {
            self.check_art(f, a);
            a.get_ref().clone()
        });
        let sizes_loc = self.at(f, &b.sizes);
        let mut sizes = Vec::new();
        for s in b.sizes.get_ref() {
            if sizes.iter().any(|o: &Size| o.id == s.id) {
                self.err("duplicate-definition", sizes_loc.clone(), format!("size \"{}\" is listed twice", s.id));
                continue;
            }
            sizes.push(Size {
                id: s.id.clone(),
                label: s.label.clone().unwrap_or_else(|| s.id.clone()),
                length: s.length_mm,
                circumference: s.circumference_mm,
            });
        }
        if sizes.is_empty() {
            self.err("impossible-base", sizes_loc.clone(), format!("base {} has no size", b.id.get_ref())).hint =
                Some("list at least one size, e.g. sizes = [{ id = \"one\" }]".into());
            return None;
        }
        let default_size = match &b.default_size {
            Some(d) => match sizes.iter().position(|s| &s.id == d) {
                Some(i) => i,
                None => {
                    self.err(
                        "unknown-reference",
                        bloc.clone(),
                        format!("default_size \"{d}\" is not one of the base's sizes"),
                    );
                    0
                }
            },
            None => 0,
        };
        let mut mounts: Vec<Mount> = Vec::new();
        for m in &b.mount {
            let mloc = self.at(f, m);
            let raw = m.get_ref();
            if mounts.iter().any(|o| &o.id == raw.id.get_ref()) {
                self.err(
                    "duplicate-definition",
                    mloc.clone(),
                    format!("mount \"{}\" is defined twice on base {}", raw.id.get_ref(), b.id.get_ref()),
                );
                continue;
            }
            let Some(kind) = self.parse_named(f, &raw.kind, MountKind::parse, "mount kind", MountKind::names) else {
                continue;
            };
            self.inapplicable(f, raw, kind, &mloc);
            let accept = self.accept(f, raw, families);
            let spec = match kind {
                MountKind::Strand => {
                    let core_material = self.lookup(f, raw.core.as_ref(), mat_ix, "cord");
                    if let Some(m) = core_material {
                        self.extra.used_materials[m as usize] = true;
                    }
                    let core = core_material.and_then(|i| materials[i as usize].diameter);
                    if let (Some(i), None) = (core_material, core) {
                        self.err(
                            "missing-field",
                            mloc.clone(),
                            format!("core material {} has no diameter_mm", materials[i as usize].id),
                        )
                        .hint = Some("threaded beads are checked against the core's diameter".into());
                    }
                    let min = self.kind_counts(f, &raw.min, &mloc);
                    let max = self.kind_counts(f, &raw.max, &mloc);
                    let first = raw
                        .first
                        .as_ref()
                        .and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
                    let last = raw
                        .last
                        .as_ref()
                        .and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
                    let max_fill = raw.max_fill.map(|d| d.0).unwrap_or(Decimal::ONE);
                    if max_fill.is_zero() || max_fill > Decimal::ONE {
                        self.err(
                            "invalid-value",
                            mloc.clone(),
                            format!("max_fill {max_fill} must be above 0 and at most 1"),
                        );
                    }
                    for s in &sizes {
                        if s.length.is_none() {
                            self.err(
                                "missing-field",
                                sizes_loc.clone(),
                                format!("size \"{}\" has no length_mm, which a strand needs", s.id),
                            );
                        }
                    }
                    let mut station_connectors = Vec::new();
                    if let Some(st) = &raw.stations {
                        for c in &st.connectors {
                            match Connector::parse(c) {
                                Some(c) => station_connectors.push(c),
                                None => {
                                    self.err(
                                        "unknown-value",
                                        mloc.clone(),
                                        format!("unknown connector \"{c}\" for stations"),
                                    )
                                    .hint = Some(format!("expected one of: {}", Connector::names()));
                                }
                            }
                        }
                    }
                    MountSpec::Strand(StrandSpec {
                        accept,
                        core,
                        core_material,
                        reserve: raw.reserve_mm.unwrap_or(Mm::ZERO),
                        max_fill,
                        max_count: raw.max_count,
                        max_per_section: raw.max_per_section,
                        stations: raw.stations.as_ref().map(|s| s.count).unwrap_or(0),
                        station_connectors,
                        min,
                        max,
                        first,
                        last,
                    })
                }
                MountKind::Slots => {
                    let Some(w) = raw.link_width_mm else {
                        self.err("missing-field", mloc.clone(), "a slots mount needs link_width_mm");
                        continue;
                    };
                    if w == Mm::ZERO {
                        self.err("invalid-value", mloc.clone(), "link_width_mm must be above zero");
                        continue;
                    }
                    for s in &sizes {
                        if s.length.is_none() {
                            self.err(
                                "missing-field",
                                sizes_loc.clone(),
                                format!("size \"{}\" has no length_mm, which a slots mount needs", s.id),
                            );
                        }
                    }
                    let Some(d) = &raw.default else {
                        self.err(
                            "missing-field",
                            mloc.clone(),
                            "a slots mount needs a default component (the plain link)",
                        );
                        continue;
                    };
                    let Some(def) = self.lookup(f, Some(d), by_sku, "component") else { continue };
                    MountSpec::Slots(SlotsSpec { accept, link_width: w, default: def })
                }
                MountKind::Socket => MountSpec::Socket(SocketSpec { accept, required: raw.required.unwrap_or(true) }),
                MountKind::Container => {
                    if raw.max_count.is_none() && raw.max_volume_mm3.is_none() {
                        self.err("missing-field", mloc.clone(), "a container needs max_count or max_volume_mm3");
                    }
                    MountSpec::Container(ContainerSpec {
                        accept,
                        max_count: raw.max_count,
                        max_volume_mm3: raw.max_volume_mm3.map(|d| d.0),
                    })
                }
                MountKind::Parametric => match self.parametric(f, raw, &mloc, &sizes, metal_ix, stone_ix, by_sku) {
                    Some(p) => MountSpec::Parametric(p),
                    None => continue,
                },
            };
            mounts.push(Mount {
                id: raw.id.get_ref().clone(),
                label: raw.label.clone().unwrap_or_else(|| raw.id.get_ref().clone()),
                spec,
                loc: mloc,
            });
        }
        let mut fields: Vec<Field> = Vec::new();
        for x in &b.field {
            let floc = self.at(f, x);
            let raw = x.get_ref();
            if fields.iter().any(|o| &o.id == raw.id.get_ref()) || mounts.iter().any(|o| &o.id == raw.id.get_ref()) {
                self.err(
                    "duplicate-definition",
                    floc.clone(),
                    format!("field \"{}\" is defined twice on base {}", raw.id.get_ref(), b.id.get_ref()),
                );
                continue;
            }
            let Some(kind) = self.parse_named(f, &raw.kind, FieldKind::parse, "field kind", FieldKind::names) else {
                continue;
            };
            let options = self.options(f, &raw.options, by_sku);
            let default_opt = |opts: &Vec<String>, me: &mut Self| -> Option<usize> {
                let d = raw.default.as_ref()?;
                let p = opts.iter().position(|o| o == d);
                if p.is_none() {
                    me.err(
                        "unknown-reference",
                        floc.clone(),
                        format!("default \"{d}\" is not one of the field's options"),
                    );
                }
                p
            };
            let spec = match kind {
                FieldKind::Engraving => {
                    let Some(zone) = &raw.zone else {
                        self.err(
                            "missing-field",
                            floc.clone(),
                            "an engraving field needs zone = { width_mm, height_mm }",
                        );
                        continue;
                    };
                    if zone.width_mm == Mm::ZERO || zone.height_mm == Mm::ZERO {
                        self.err(
                            "invalid-value",
                            floc.clone(),
                            "an engraving zone must have a width and a height above zero",
                        );
                    }
                    let mut fl = Vec::new();
                    for fnt in &raw.fonts {
                        if let Some(i) = self.lookup(f, Some(fnt), font_ix, "font") {
                            fl.push(i);
                        }
                    }
                    if raw.fonts.is_empty() {
                        self.err("missing-field", floc.clone(), "an engraving field needs at least one font").hint =
                            Some("fonts = [\"serif\"] naming a [[font]] of the catalog".into());
                    }
                    let (min_length, max_length) = self.lengths(f, raw, 20);
                    FieldSpec::Engraving {
                        width: zone.width_mm,
                        height: zone.height_mm,
                        fonts: fl,
                        charset: self.charset(f, raw),
                        max_length,
                        min_length,
                        min_stroke: raw.min_stroke_mm,
                        price_per_character: raw.price_per_character.map(|p| p.0).unwrap_or(self.default_per_char),
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                        lead_time_days: raw.lead_time_days.unwrap_or(0),
                    }
                }
                FieldKind::Text => {
                    let (min_length, max_length) = self.lengths(f, raw, 140);
                    FieldSpec::Text {
                        max_length,
                        min_length,
                        charset: self.charset(f, raw),
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                    }
                }
                FieldKind::Choice => {
                    if options.is_empty() {
                        self.err("missing-field", floc.clone(), "a choice field needs options");
                    }
                    let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
                    FieldSpec::Choice { default: default_opt(&ids, self), options }
                }
                FieldKind::Colour => {
                    let mut cl = Vec::new();
                    for c in &raw.colours {
                        if let Some(i) = self.lookup(f, Some(c), mat_ix, "colour") {
                            self.extra.used_materials[i as usize] = true;
                            cl.push(i);
                        }
                    }
                    if raw.colours.is_empty() {
                        self.err("missing-field", floc.clone(), "a colour field needs colours");
                    }
                    let ids: Vec<String> = raw.colours.iter().map(|c| c.get_ref().clone()).collect();
                    FieldSpec::Colour {
                        default: default_opt(&ids, self),
                        colours: cl,
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                    }
                }
            };
            fields.push(Field {
                id: raw.id.get_ref().clone(),
                label: raw.label.clone().unwrap_or_else(|| raw.id.get_ref().clone()),
                required: raw.required,
                spec,
                loc: floc,
            });
        }
        Some(Base {
            id: b.id.get_ref().clone(),
            name: b.name.clone(),
            piece,
            gtin: b.gtin.as_ref().map(|g| g.get_ref().clone()),
            price: b.price.0,
            metal,
            weight: b.weight_g,
            lead_time_days: b.lead_time_days,
            art,
            sizes,
            default_size,
            stock: b.stock,
            mounts,
            fields,
            loc: bloc,
        })
    }

    /// A text field's character set: a named `charset`, or exactly the characters of `chars`.
    fn charset(&mut self, f: &str, raw: &RawField) -> Charset {
        match (&raw.charset, &raw.chars) {
            (Some(_), Some(c)) => {
                let loc = self.at(f, c);
                self.err(
                    "inapplicable-field",
                    loc,
                    "give `charset` (a named set) or `chars` (exact characters), not both",
                );
                Charset::Latin
            }
            (None, Some(c)) => {
                if c.get_ref().is_empty() {
                    let loc = self.at(f, c);
                    self.err("invalid-value", loc, "`chars` lists no character");
                }
                let mut set: Vec<char> = c.get_ref().chars().collect();
                set.sort();
                set.dedup();
                Charset::Custom(set.into_iter().collect())
            }
            (Some(n), None) => match Charset::named(n.get_ref()) {
                Some(c) => c,
                None => {
                    let loc = self.at(f, n);
                    let hint = match suggest(n.get_ref(), Charset::NAMES.iter().copied()) {
                        Some(h) => format!("did you mean \"{h}\"? To list the exact characters, write chars = \"…\""),
                        None => format!(
                            "the named sets are {}; to list the exact characters, write chars = \"…\"",
                            Charset::NAMES.join(", ")
                        ),
                    };
                    self.err("unknown-value", loc, format!("there is no character set \"{}\"", n.get_ref())).hint =
                        Some(hint);
                    Charset::Latin
                }
            },
            (None, None) => Charset::Latin,
        }
    }

    /// A text field's (min_length, max_length), checked.
    fn lengths(&mut self, f: &str, raw: &RawField, default_max: u32) -> (u32, u32) {
        let max = raw.max_length.as_ref().map(|m| *m.get_ref()).unwrap_or(default_max);
        let min = raw.min_length.as_ref().map(|m| *m.get_ref()).unwrap_or(0);
        if let Some(m) = &raw.max_length {
            if max == 0 {
                let loc = self.at(f, m);
                self.err("invalid-value", loc, "max_length must be at least 1");
            }
        }
        if let Some(m) = &raw.min_length {
            if min > max {
                let loc = self.at(f, m);
                self.err("invalid-value", loc, format!("min_length {min} is above max_length {max}"));
            }
        }
        (min, max.max(min))
    }

    fn options(&mut self, f: &str, raw: &[RawPricedOption], by_sku: &HashMap<String, CompId>) -> Vec<PricedOption> {
        let mut out: Vec<PricedOption> = Vec::new();
        for o in raw {
            if out.iter().any(|x| x.id == o.id) {
                let loc = o.sku.as_ref().map(|s| self.at(f, s)).unwrap_or_else(|| Loc::file_only(f));
                self.err("duplicate-definition", loc, format!("option \"{}\" is listed twice", o.id));
                continue;
            }
            let sku = self.lookup(f, o.sku.as_ref(), by_sku, "component");
            if let Some(s) = sku {
                self.extra.option_skus.push(s);
            }
            out.push(PricedOption {
                id: o.id.clone(),
                label: o.label.clone().unwrap_or_else(|| o.id.clone()),
                price: o.price.0,
                metal_volume_mm3: o.metal_volume_mm3.map(|d| d.0),
                max_carat: o.max_carat.map(|d| d.0),
                sku,
            });
        }
        out
    }

    /// Reports fields set on a mount whose kind does not use them.
    fn inapplicable(&mut self, _f: &str, raw: &RawMount, kind: MountKind, loc: &Loc) {
        let mut set: Vec<(&str, bool, &[MountKind])> = Vec::new();
        use MountKind::*;
        let placed: &[MountKind] = &[Strand, Slots, Socket, Container];
        set.push(("families", !raw.families.is_empty(), placed));
        set.push(("connectors", !raw.connectors.is_empty(), placed));
        set.push(("kinds", !raw.kinds.is_empty(), placed));
        set.push(("core", raw.core.is_some(), &[Strand]));
        set.push(("reserve_mm", raw.reserve_mm.is_some(), &[Strand]));
        set.push(("max_fill", raw.max_fill.is_some(), &[Strand]));
        set.push(("max_count", raw.max_count.is_some(), &[Strand, Container]));
        set.push(("max_per_section", raw.max_per_section.is_some(), &[Strand]));
        set.push(("stations", raw.stations.is_some(), &[Strand]));
        set.push(("min", !raw.min.is_empty(), &[Strand]));
        set.push(("max", !raw.max.is_empty(), &[Strand]));
        set.push(("first", raw.first.is_some(), &[Strand]));
        set.push(("last", raw.last.is_some(), &[Strand]));
        set.push(("link_width_mm", raw.link_width_mm.is_some(), &[Slots]));
        set.push(("default", raw.default.is_some(), &[Slots]));
        set.push(("required", raw.required.is_some(), &[Socket]));
        set.push(("max_volume_mm3", raw.max_volume_mm3.is_some(), &[Container]));
        set.push(("model", raw.model.is_some(), &[Parametric]));
        set.push(("metals", !raw.metals.is_empty(), &[Parametric]));
        set.push(("profiles", !raw.profiles.is_empty(), &[Parametric]));
        set.push(("width_mm", raw.width_mm.is_some(), &[Parametric]));
        set.push(("thickness_mm", raw.thickness_mm.is_some(), &[Parametric]));
        set.push(("stones", !raw.stones.is_empty(), &[Parametric]));
        set.push(("cuts", !raw.cuts.is_empty(), &[Parametric]));
        set.push(("carat", raw.carat.is_some(), &[Parametric]));
        set.push(("settings", !raw.settings.is_empty(), &[Parametric]));
        set.push(("metal_volume_mm3", raw.metal_volume_mm3.is_some(), &[Parametric]));
        set.push(("top", raw.top.is_some(), &[Parametric]));
        for (name, present, kinds) in set {
            if present && !kinds.contains(&kind) {
                self.err("inapplicable-field", loc.clone(), format!("`{name}` does not apply to a {kind} mount"))
                    .hint = Some(format!(
                    "`{name}` is for {} mounts",
                    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }

    fn accept(&mut self, f: &str, raw: &RawMount, families: &[String]) -> Accept {
        let mut a = Accept::default();
        for fam in &raw.families {
            match families.iter().position(|x| x == fam.get_ref()) {
                Some(i) => a.families.push(i as FamilyId),
                None if self.parse_failed => {}
                None => {
                    let loc = self.at(f, fam);
                    let hint = suggest(fam.get_ref(), families.iter().map(|s| s.as_str()));
                    self.err(
                        "unknown-reference",
                        loc,
                        format!("no component belongs to family \"{}\"", fam.get_ref()),
                    )
                    .hint = Some(match hint {
                        Some(h) => format!("did you mean \"{h}\"?"),
                        None => "families are named by the components' `family` field".into(),
                    });
                }
            }
        }
        for c in &raw.connectors {
            if let Some(c) = self.parse_named(f, c, Connector::parse, "connector", Connector::names) {
                a.connectors.push(c);
            }
        }
        for k in &raw.kinds {
            if let Some(k) = self.parse_named(f, k, Kind::parse, "component kind", Kind::names) {
                a.kinds.push(k);
            }
        }
        a
    }

    fn kind_counts(&mut self, _f: &str, m: &BTreeMap<String, u32>, loc: &Loc) -> Vec<(Kind, u32)> {
        let mut out = Vec::new();
        for (k, &n) in m {
            match Kind::parse(k) {
                Some(kind) => out.push((kind, n)),
                None => {
                    self.err(
                        "unknown-value",
                        loc.clone(),
                        format!("unknown component kind \"{k}\" in a count limit"),
                    )
                    .hint = Some(format!("expected one of: {}", Kind::names()));
                }
            }
        }
        out
    }

    fn range(&mut self, r: &Option<RawRange>, what: &str, loc: &Loc) -> Option<Range> {
        let r = r.as_ref()?;
        let ok = r.min.0 <= r.max.0 && !r.step.0.is_zero() && ((r.max.0 - r.min.0) / r.step.0).fract().is_zero();
        if !ok {
            self.err(
                "invalid-value",
                loc.clone(),
                format!("{what} range {}..{} by {} is empty or does not land on max", r.min.0, r.max.0, r.step.0),
            );
            return None;
        }
        let default = r.default.map(|d| d.0).unwrap_or(r.min.0);
        let range = Range { min: r.min.0, max: r.max.0, step: r.step.0, default };
        if !range.contains(default) {
            self.err("invalid-value", loc.clone(), format!("{what} default {default} is not a value of the range"));
        }
        Some(range)
    }

    #[allow(clippy::too_many_arguments)]
    fn parametric(
        &mut self,
        f: &str,
        raw: &RawMount,
        loc: &Loc,
        sizes: &[Size],
        metal_ix: &HashMap<String, MetalId>,
        stone_ix: &HashMap<String, StoneId>,
        by_sku: &HashMap<String, CompId>,
    ) -> Option<ParametricSpec> {
        let model = match &raw.model {
            Some(m) => self.parse_named(f, m, Model::parse, "model", Model::names)?,
            None => Model::Fixed,
        };
        let mut metals = Vec::new();
        for m in &raw.metals {
            if let Some(i) = self.lookup(f, Some(m), metal_ix, "metal") {
                self.extra.used_metals[i as usize] = true;
                metals.push(i);
            }
        }
        let mut profiles = Vec::new();
        for p in &raw.profiles {
            match Profile::parse(p) {
                Some(p) => profiles.push(p),
                None => {
                    self.err("unknown-value", loc.clone(), format!("unknown profile \"{p}\"")).hint =
                        Some(format!("expected one of: {}", Profile::names()));
                }
            }
        }
        let mut stones = Vec::new();
        for s in &raw.stones {
            if let Some(i) = self.lookup(f, Some(s), stone_ix, "stone") {
                stones.push(i);
            }
        }
        let width = self.range(&raw.width_mm, "width_mm", loc);
        let thickness = self.range(&raw.thickness_mm, "thickness_mm", loc);
        let carat = self.range(&raw.carat, "carat", loc);
        if model == Model::Band {
            if profiles.is_empty() || width.is_none() || thickness.is_none() {
                self.err("missing-field", loc.clone(), "a band model needs profiles, width_mm and thickness_mm");
            }
            for s in sizes {
                if s.circumference.is_none() {
                    self.err(
                        "missing-field",
                        loc.clone(),
                        format!("size \"{}\" has no circumference_mm, which a band needs", s.id),
                    );
                }
            }
        }
        let top = raw.top.as_ref().and_then(|t| {
            let at = self.at(f, t);
            let Some(shape) = TopShape::parse(&t.get_ref().shape) else {
                self.err(
                    "invalid-value",
                    at,
                    format!("top shape \"{}\" is not one of round, oval, cushion", t.get_ref().shape),
                );
                return None;
            };
            if model != Model::Band {
                self.err("inapplicable-field", at, "a signet top sits on a band: it needs model = \"band\"");
                return None;
            }
            if raw.metal_volume_mm3.is_some() {
                self.err("invalid-value", at, "the top's metal is weighed from its geometry: drop metal_volume_mm3");
                return None;
            }
            let (w, l, th) = (t.get_ref().width_mm, t.get_ref().length_mm, t.get_ref().thickness_mm);
            if [w, l, th].iter().any(|m| m.as_f64() <= 0.0)
                || w.as_f64() > 40.0
                || l.as_f64() > 40.0
                || th.as_f64() > 10.0
            {
                self.err("invalid-value", at, "a top's width and length must be 0–40 mm and its thickness 0–10 mm");
                return None;
            }
            Some(Top { shape, width: w, length: l, thickness: th })
        });
        if model == Model::Fixed && raw.metal_volume_mm3.is_none() && !metals.is_empty() {
            self.err("missing-field", loc.clone(), "a fixed model priced by metal needs metal_volume_mm3");
        }
        if !stones.is_empty() && carat.is_none() {
            self.err("missing-field", loc.clone(), "a mount with stones needs a carat range");
        }
        if metals.is_empty() {
            self.err("missing-field", loc.clone(), "a parametric mount needs at least one metal");
        }
        Some(ParametricSpec {
            model,
            metals,
            profiles,
            width,
            thickness,
            stones,
            cuts: self.options(f, &raw.cuts, by_sku),
            carat,
            settings: self.options(f, &raw.settings, by_sku),
            metal_volume_mm3: raw.metal_volume_mm3.map(|d| d.0),
            top,
        })
    }

    fn selector(
        &mut self,
        f: &str,
        s: &S<RawSelector>,
        by_sku: &HashMap<String, CompId>,
        tags: &[String],
    ) -> Option<Selector> {
        let loc = self.at(f, s);
        let r = s.get_ref();
        let n = r.sku.is_some() as u8 + r.tag.is_some() as u8 + r.kind.is_some() as u8;
        if n != 1 {
            self.err("invalid-selector", loc, "a selector names exactly one of sku, tag or kind").hint =
                Some("e.g. { sku = \"CH-HEART\" } or { tag = \"birthstone\" }".into());
            return None;
        }
        if let Some(sku) = &r.sku {
            return match by_sku.get(sku) {
                Some(&c) => Some(Selector::Sku(c)),
                None => {
                    let hint = suggest(sku, by_sku.keys().map(|k| k.as_str()));
                    let d = self.err("unknown-reference", loc, format!("unknown SKU \"{sku}\""));
                    d.hint = hint.map(|h| format!("did you mean \"{h}\"?"));
                    None
                }
            };
        }
        if let Some(tag) = &r.tag {
            return match tags.iter().position(|t| t == tag) {
                Some(t) => Some(Selector::Tag(t as TagId)),
                None => {
                    self.err("unknown-reference", loc, format!("no component has the tag \"{tag}\""));
                    None
                }
            };
        }
        let k = r.kind.as_ref().unwrap();
        match Kind::parse(k) {
            Some(k) => Some(Selector::Kind(k)),
            None => {
                self.err("unknown-value", loc, format!("unknown component kind \"{k}\"")).hint =
                    Some(format!("expected one of: {}", Kind::names()));
                None
            }
        }
    }

    fn resolve_rule(
        &mut self,
        f: &str,
        x: &S<RawRule>,
        by_sku: &HashMap<String, CompId>,
        tags: &[String],
        by_base: &HashMap<String, BaseId>,
        index: usize,
    ) -> Option<Rule> {
        let r = x.get_ref();
        let loc = self.at(f, &r.id);
        let kind = self.parse_named(f, &r.kind, RuleKind::parse, "rule kind", RuleKind::names)?;
        let mut bases = Vec::new();
        for b in &r.bases {
            if let Some(i) = self.lookup(f, Some(b), by_base, "base") {
                bases.push(i);
            }
        }
        let need = |me: &mut Self, name: &str, present: bool| {
            if !present {
                me.err("missing-field", loc.clone(), format!("a {kind} rule needs `{name}`"));
            }
            present
        };
        let spec = match kind {
            RuleKind::Requires => {
                if !(need(self, "if", r.if_.is_some()) & need(self, "then", r.then.is_some())) {
                    return None;
                }
                let a = self.selector(f, r.if_.as_ref().unwrap(), by_sku, tags);
                let b = self.selector(f, r.then.as_ref().unwrap(), by_sku, tags);
                RuleSpec::Requires { if_: a?, then: b? }
            }
            RuleKind::Excludes => {
                if !(need(self, "a", r.a.is_some()) & need(self, "b", r.b.is_some())) {
                    return None;
                }
                let a = self.selector(f, r.a.as_ref().unwrap(), by_sku, tags);
                let b = self.selector(f, r.b.as_ref().unwrap(), by_sku, tags);
                RuleSpec::Excludes { a: a?, b: b? }
            }
            RuleKind::Expr => {
                if !need(self, "require", r.require.is_some()) {
                    return None;
                }
                let mut ok = true;
                for e in [r.when.as_ref(), r.require.as_ref()].into_iter().flatten() {
                    ok &= self.check_cel(f, e);
                }
                let req = r.require.as_ref().unwrap();
                self.extra.rule_expr_locs.insert(index, self.at(f, req));
                if !ok {
                    return None;
                }
                RuleSpec::Expr { when: r.when.as_ref().map(|w| w.get_ref().clone()), require: req.get_ref().clone() }
            }
        };
        let present = [
            ("if", r.if_.is_some()),
            ("then", r.then.is_some()),
            ("a", r.a.is_some()),
            ("b", r.b.is_some()),
            ("when", r.when.is_some()),
            ("require", r.require.is_some()),
        ];
        for (name, p) in present {
            let applies = match kind {
                RuleKind::Requires => name == "if" || name == "then",
                RuleKind::Excludes => name == "a" || name == "b",
                RuleKind::Expr => name == "when" || name == "require",
            };
            if p && !applies {
                self.err("inapplicable-field", loc.clone(), format!("`{name}` does not apply to a {kind} rule"));
            }
        }
        Some(Rule { id: r.id.get_ref().clone(), message: r.message.clone(), bases, spec, loc })
    }

    /// Compiles a CEL expression and checks the variables it reads.
    fn check_cel(&mut self, f: &str, e: &S<String>) -> bool {
        let start = e.span().start;
        // The expression text starts after the opening quote(s) of the TOML string.
        let text = self.sources.files.get(f).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
        let quote = if text.get(start..start + 3).is_some_and(|q| q == "\"\"\"" || q == "'''") { 3 } else { 1 };
        let base = self.loc(f, start + quote);
        if e.get_ref().len() > 4096 {
            self.err("invalid-expression", base, "a rule expression is limited to 4096 characters");
            return false;
        }
        match cel::Program::compile(e.get_ref()) {
            Err(errs) => {
                for pe in errs.errors.iter().take(3) {
                    let (l, c) = pe.pos;
                    let loc = if l <= 1 {
                        Loc { file: base.file.clone(), line: base.line, col: base.col + c.max(0) as u32 }
                    } else {
                        Loc { file: base.file.clone(), line: base.line + l as u32 - 1, col: c.max(0) as u32 + 1 }
                    };
                    self.err("invalid-expression", loc, format!("CEL syntax error: {}", pe.msg)).hint = Some(
                        "rules are written in CEL (https://cel.dev); see docs/catalog.md for the variables".into(),
                    );
                }
                false
            }
            Ok(p) => {
                let refs = p.references();
                let mut ok = true;
                for v in refs.variables() {
                    if !CEL_VARIABLES.contains(&v) {
                        ok = false;
                        let hint = suggest(v, CEL_VARIABLES.iter().copied());
                        self.err(
                            "invalid-expression",
                            base.clone(),
                            format!("unknown variable `{v}` in rule expression"),
                        )
                        .hint = Some(match hint {
                            Some(h) => format!("did you mean `{h}`? rules can read {}", CEL_VARIABLES.join(", ")),
                            None => format!("rules can read {}", CEL_VARIABLES.join(", ")),
                        });
                    }
                }
                ok
            }
        }
    }
}

fn intern(list: &mut Vec<String>, s: &str) -> usize {
    match list.iter().position(|x| x == s) {
        Some(i) => i,
        None => {
            list.push(s.to_string());
            list.len() - 1
        }
    }
}

fn valid_ident(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The known name closest to `s` (edit distance ≤ 2), for "did you mean" hints.
pub fn suggest<'k>(s: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    known.map(|k| (levenshtein(s, k), k)).filter(|(d, _)| *d <= 2).min().map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + (ca != *cb) as usize).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Validates a GTIN-8/12/13/14 and its mod-10 check digit (GS1 General Specifications §7.9).
pub fn check_gtin(g: &str) -> Result<(), String> {
    if !matches!(g.len(), 8 | 12 | 13 | 14) || !g.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{g}\" is not a GTIN (8, 12, 13 or 14 digits)"));
    }
    let digits: Vec<u32> = g.bytes().map(|b| (b - b'0') as u32).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    let expected = (10 - sum % 10) % 10;
    if expected != check[0] {
        return Err(format!("GTIN {g} has check digit {} but its digits give {expected}", check[0]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_check_digit() {
        assert!(check_gtin("4006381333931").is_ok());
        assert!(check_gtin("04006381333931").is_ok());
        assert!(check_gtin("4006381333932").is_err());
        assert!(check_gtin("12345").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("mometns", ["moments", "reflets"].into_iter()), Some("moments"));
        assert_eq!(suggest("zzz", ["moments"].into_iter()), None);
    }
}
