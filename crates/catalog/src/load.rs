//! Loading: files → TOML tables → one resolved [`Catalog`], collecting every problem on the way.
//!
//! Loading never stops at the first mistake, and one mistake gives one error:
//! - a file is read whole when it can be; when it cannot, it is read entry by entry (each
//!   `[[component]]`, `[[base]]` with its mounts and fields, `[[rule]]`…), so a bad value or a
//!   broken string loses that entry only, and a bad mount or field of a base loses only itself;
//! - the names an unreadable entry defines (a SKU, a base id, a family) are still known, so
//!   nothing that refers to them gets a second error, and checks that need the whole catalog
//!   (options no design can use) keep quiet about what a lost entry may have used;
//! - an entry that lacks several fields gets one error per missing field, all at once.
//!
//! The rest is still resolved so that the checker can report on it too. A catalog is returned only
//! when there is no error at all.

use crate::analyse::{bound_names, rule_scope};
use crate::diag::{Diagnostic, LineIndex, Loc, Severity};
use crate::model::*;
use crate::raw::*;
pub use crate::recover::Broken;
use crate::recover::{groups, header, lift_header, salvage, scan_values, Group};
use crate::rules;
use crate::units::Mm;
use crate::workshop::*;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

mod base;
mod rule;
mod workshop;
use base::BaseCtx;

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
    let complete = !r.extra.placeholder_brand;
    Loaded { catalog: if has_errors || !complete { None } else { catalog }, diagnostics: diags }
}

/// Facts the loader knows that the resolved catalog does not keep but the checker needs.
#[derive(Debug, Default)]
pub struct Extra {
    /// Where each rule's CEL source starts (`require`, then `when`), for messages about it.
    pub rule_expr_locs: HashMap<usize, Loc>,
    pub rule_when_locs: HashMap<usize, Loc>,
    /// Rules whose expressions already have an error (the checker does not run them).
    pub rule_errors: HashSet<usize>,
    /// SKUs of components that are sold through a field option (packaging), not placed on a mount.
    pub option_skus: Vec<CompId>,
    /// Where each metal, stone and material is used.
    pub used_metals: Vec<bool>,
    pub used_materials: Vec<bool>,
    /// Components given a zero width, and where (fine unless a strand takes them).
    pub zero_width: Vec<(CompId, Loc)>,
    /// Components with neither a price nor a weight-priced metal, and where (fine for what only
    /// an option ships: the option is priced).
    pub unpriced: Vec<(CompId, Loc)>,
    /// What lost entries leave unknown (see [`Broken`]).
    pub broken: Broken,
    /// The brand could not be read: a stand-in let the rest be checked.
    pub placeholder_brand: bool,
    /// Where each component's family is written, by component id.
    pub family_locs: Vec<Loc>,
}

/// The identifiers CEL rules may read.
pub const CEL_VARIABLES: &[&str] =
    &["base", "piece", "size", "skus", "kinds", "tags", "families", "params", "fields", "items"];

/// A piece of a catalog file read on its own: the file, and where the piece starts in it, so that
/// the positions serde reports inside it map to the file's lines and columns.
#[derive(Clone, Debug)]
struct Unit {
    path: Arc<str>,
    offset: usize,
}

struct Resolver<'a> {
    sources: &'a SourceSet,
    diags: Vec<Diagnostic>,
    extra: Extra,
    index: HashMap<String, LineIndex>,
    default_per_char: Decimal,
}

impl<'a> Resolver<'a> {
    fn new(sources: &'a SourceSet) -> Resolver<'a> {
        Resolver {
            sources,
            diags: Vec::new(),
            extra: Extra::default(),
            index: HashMap::new(),
            default_per_char: Decimal::ZERO,
        }
    }

    fn loc(&self, file: &str, offset: usize) -> Loc {
        match self.index.get(file) {
            Some(i) => i.loc(offset),
            None => Loc::file_only(file),
        }
    }

    fn at<T>(&self, u: &Unit, s: &S<T>) -> Loc {
        self.loc(&u.path, u.offset + s.span().start)
    }

    fn err(&mut self, code: &'static str, loc: Loc, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, loc, msg));
        self.diags.last_mut().unwrap()
    }

    /// A required field an entry lacks, reported at the entry.
    fn missing(&mut self, loc: &Loc, what: &str, field: &str, hint: &str) {
        self.err("missing-field", loc.clone(), format!("{what} needs `{field}`")).hint = Some(hint.to_string());
    }

    /// A TOML or serde error of `text` (a file, or a piece of one starting at `offset`).
    fn toml_error(&mut self, path: &str, offset: usize, text: &str, e: &toml::de::Error) {
        let loc = self.loc(path, offset + e.span().map(|s| s.start).unwrap_or(0));
        let msg = e.message().trim().to_string();
        // Text that is TOML holds a value the catalog refuses; text that is not, a syntax error.
        let syntax = text.parse::<toml::Table>().is_err();
        let (code, hint) = if syntax {
            (
                "toml",
                Some("TOML syntax: https://toml.io; strings are quoted, tables are [name] or [[name]]".to_string()),
            )
        } else if let Some(rest) = msg.strip_prefix("unknown field `") {
            // "unknown field `max_lenght`, expected one of `id`, `kind`, …": name the nearest.
            let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
            let known: Vec<&str> =
                expected.split('`').enumerate().filter(|(i, _)| i % 2 == 1).map(|(_, k)| k).collect();
            let hint = match suggest(field, known.iter().copied()) {
                Some(k) => format!("did you mean `{k}`? Unknown fields are refused so that typos cannot pass silently"),
                None => "check the spelling against docs/catalog.md; unknown fields are refused so that typos cannot pass silently".into(),
            };
            let loc = loc.clone();
            self.err("unknown-field", loc, format!("unknown field `{field}`")).hint = Some(hint);
            return;
        } else if msg.contains("duplicate key") {
            ("toml", Some("a key may appear once per table".to_string()))
        } else if msg.starts_with("missing field") {
            ("missing-field", Some("docs/catalog.md lists what each table needs".to_string()))
        } else {
            ("invalid-value", Some("docs/catalog.md gives each field's type and unit".to_string()))
        };
        self.err(code, loc, msg).hint = hint;
    }

    /// Every `.toml` file, read whole when it can be and entry by entry when it cannot.
    fn parse_all(&mut self) -> Vec<(Unit, RawFile)> {
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
            let path: Arc<str> = Arc::from(path.as_str());
            match toml::from_str::<RawFile>(text) {
                Ok(f) => out.push((Unit { path, offset: 0 }, f)),
                Err(whole) => {
                    let before = self.diags.len();
                    for g in groups(text) {
                        self.parse_group(&path, &g, &mut out);
                    }
                    // Every entry read alone, yet the file is not TOML: two entries clash
                    // (a table defined twice); say so where the file's parser stopped.
                    if self.diags.len() == before {
                        self.toml_error(&path, 0, text, &whole);
                    }
                }
            }
        }
        out
    }

    /// One top-level entry of a file that did not read whole.
    fn parse_group(&mut self, path: &Arc<str>, g: &Group, out: &mut Vec<(Unit, RawFile)>) {
        match toml::from_str::<RawFile>(g.text) {
            Ok(f) => out.push((Unit { path: path.clone(), offset: g.offset }, f)),
            Err(_) if g.table == "base" && !g.subs.is_empty() => {
                // The base, then each mount and field on its own.
                let own_end = g.subs[0].0;
                let own = &g.text[..own_end];
                let mut base = match toml::from_str::<RawFile>(own) {
                    Ok(f) => Some(f),
                    Err(e) => {
                        self.toml_error(path, g.offset, own, &e);
                        salvage(
                            &mut self.extra.broken,
                            &Group { offset: g.offset, text: own, table: g.table.clone(), subs: Vec::new() },
                        );
                        None
                    }
                };
                let mut ends: Vec<usize> = g.subs[1..].iter().map(|s| s.0).collect();
                ends.push(g.text.len());
                let mut lost = false;
                for ((start, key), end) in g.subs.iter().zip(ends) {
                    // A deeper table (`[base.mount.top]`) stays with the part above it.
                    if key.len() > 2 {
                        continue;
                    }
                    let mut part_end = end;
                    for (s, k) in g.subs.iter() {
                        if *s > *start && k.len() <= 2 {
                            part_end = part_end.min(*s);
                        }
                    }
                    let part = &g.text[*start..part_end];
                    let lifted: String = part
                        .split_inclusive('\n')
                        .map(|l| if header(l).is_some() { lift_header(l, "base") } else { l.to_string() })
                        .collect();
                    match toml::from_str::<RawBaseParts>(&lifted) {
                        Ok(p) => {
                            let unit = Unit { path: path.clone(), offset: g.offset + start };
                            if let Some(b) = base.as_mut().and_then(|f| f.base.first_mut()) {
                                let b = b.get_mut();
                                // Spans inside a part are the part's: keep the part's unit with it.
                                b.parts.push((unit.offset, p));
                            }
                        }
                        Err(e) => {
                            self.toml_error(path, g.offset + start, &lifted, &e);
                            lost = true;
                            for f in scan_values(part, "families") {
                                self.extra.broken.add("family", &f);
                            }
                        }
                    }
                }
                if lost {
                    if let Some(id) = base.as_ref().and_then(|f| f.base.first()).and_then(|b| b.get_ref().id.clone()) {
                        self.extra.broken.add("mount", id.get_ref());
                    }
                }
                if let Some(f) = base {
                    out.push((Unit { path: path.clone(), offset: g.offset }, f));
                }
            }
            Err(e) => {
                self.toml_error(path, g.offset, g.text, &e);
                salvage(&mut self.extra.broken, g);
            }
        }
    }

    fn resolve(&mut self, files: Vec<(Unit, RawFile)>) -> Option<Catalog> {
        let brand = self.brand(&files);
        let pricing = files.iter().find_map(|(_, raw)| raw.pricing.as_ref()).map(|p| p.get_ref());
        let pricing = Pricing {
            engraving_per_character: pricing.and_then(|p| p.engraving_per_character).map(|p| p.0).unwrap_or_default(),
            making_charge: pricing.and_then(|p| p.making_charge).map(|p| p.0).unwrap_or_default(),
            markup: pricing.and_then(|p| p.markup).map(|p| p.0).unwrap_or(Decimal::ONE),
        };
        let mut seen_pricing: Option<Loc> = None;
        for (f, raw) in &files {
            if let Some(p) = &raw.pricing {
                let loc = self.at(f, p);
                match &seen_pricing {
                    Some(first) => {
                        let first = first.clone();
                        self.err("duplicate-definition", loc, "a second [pricing] table").hint =
                            Some(format!("the catalog's pricing is already defined at {first}"));
                    }
                    None => seen_pricing = Some(loc),
                }
            }
        }
        self.default_per_char = pricing.engraving_per_character;

        // Fonts, metals, stones, materials.
        let mut fonts = Vec::new();
        let mut metals = Vec::new();
        let mut stones = Vec::new();
        let mut materials: Vec<Material> = Vec::new();
        let mut seen: HashMap<(&'static str, String), Loc> = HashMap::new();
        for (f, raw) in &files {
            for x in &raw.font {
                let fx = x.get_ref();
                if !self.unique(&mut seen, "font", f, &fx.id) {
                    continue;
                }
                let loc = self.at(f, x);
                let kind = match &fx.kind {
                    None => "outline".to_string(),
                    Some(k) if k.get_ref() == "outline" || k.get_ref() == "single-line" => k.get_ref().clone(),
                    Some(k) => {
                        let at = self.at(f, k);
                        let hint = suggest(k.get_ref(), ["outline", "single-line"].into_iter())
                            .map(|h| format!("did you mean \"{h}\"?"))
                            .unwrap_or_else(|| {
                                "a font is outline (shaped glyphs) or single-line (Hershey strokes)".into()
                            });
                        self.err(
                            "unknown-value",
                            at,
                            format!("font kind \"{}\" is neither outline nor single-line", k.get_ref()),
                        )
                        .hint = Some(hint);
                        "outline".into()
                    }
                };
                if fx.name.is_none() {
                    self.missing(&loc, "a font", "name", "the name shown to the shopper, e.g. name = \"DejaVu Serif\"");
                }
                fonts.push(Font {
                    id: fx.id.get_ref().clone(),
                    name: fx.name.clone().unwrap_or_else(|| fx.id.get_ref().clone()),
                    kind,
                    file: fx.file.clone(),
                    package: fx.package.clone(),
                });
            }
            for x in &raw.metal {
                let m = x.get_ref();
                if !self.unique(&mut seen, "metal", f, &m.id) {
                    continue;
                }
                let loc = self.at(f, x);
                let what = format!("metal {}", m.id.get_ref());
                if m.name.is_none() {
                    self.missing(&loc, &what, "name", "the metal's name in words, e.g. name = \"18k yellow gold\"");
                }
                let density = match &m.density {
                    None => {
                        self.missing(&loc, &what, "density", "g/cm³, e.g. density = 15.5 for 18k yellow gold");
                        Decimal::ONE
                    }
                    Some(d) if d.get_ref().0 <= Decimal::ZERO => {
                        let at = self.at(f, d);
                        self.err(
                            "invalid-value",
                            at,
                            format!("{what} has a density of {}: it must be above zero", d.get_ref().0),
                        );
                        Decimal::ONE
                    }
                    Some(d) => d.get_ref().0,
                };
                if m.price_per_gram.is_none() {
                    self.missing(
                        &loc,
                        &what,
                        "price_per_gram",
                        "in the brand's currency, e.g. price_per_gram = \"52.00\"",
                    );
                }
                metals.push(Metal {
                    id: m.id.get_ref().clone(),
                    name: m.name.clone().unwrap_or_else(|| m.id.get_ref().clone()),
                    density,
                    price_per_gram: m.price_per_gram.map(|p| p.0).unwrap_or_default(),
                    min_wall: m.min_wall_mm,
                    colour: m.colour.clone(),
                    loc: self.at(f, &m.id),
                });
            }
            for x in &raw.stone {
                let s = x.get_ref();
                if !self.unique(&mut seen, "stone", f, &s.id) {
                    continue;
                }
                let loc = self.at(f, x);
                let what = format!("stone {}", s.id.get_ref());
                for (name, present, hint) in [
                    ("name", s.name.is_some(), "the stone's name in words"),
                    ("species", s.species.is_some(), "e.g. species = \"diamond\""),
                    ("specific_gravity", s.specific_gravity.is_some(), "e.g. specific_gravity = 3.52 for diamond"),
                    ("refractive_index", s.refractive_index.is_some(), "e.g. refractive_index = 2.417 for diamond"),
                    ("price_per_carat", s.price_per_carat.is_some(), "in the brand's currency"),
                ] {
                    if !present {
                        self.missing(&loc, &what, name, hint);
                    }
                }
                let sg = match &s.specific_gravity {
                    Some(g) if g.get_ref().0 <= Decimal::ZERO => {
                        let at = self.at(f, g);
                        self.err(
                            "invalid-value",
                            at,
                            format!("{what} has a specific gravity of {}: it must be above zero", g.get_ref().0),
                        );
                        Decimal::ONE
                    }
                    Some(g) => g.get_ref().0,
                    None => Decimal::ONE,
                };
                stones.push(Stone {
                    id: s.id.get_ref().clone(),
                    name: s.name.clone().unwrap_or_else(|| s.id.get_ref().clone()),
                    species: s.species.clone().unwrap_or_default(),
                    specific_gravity: sg,
                    refractive_index: s.refractive_index.map(|d| d.0).unwrap_or(Decimal::ONE),
                    price_per_carat: s.price_per_carat.map(|p| p.0).unwrap_or_default(),
                    loc: self.at(f, &s.id),
                });
            }
            for (class, list) in [
                (MaterialClass::Cord, &raw.cord),
                (MaterialClass::Leather, &raw.leather),
                (MaterialClass::Enamel, &raw.enamel),
                (MaterialClass::Colour, &raw.colour),
            ] {
                for x in list {
                    let m = x.get_ref();
                    if !self.unique(&mut seen, "material", f, &m.id) {
                        continue;
                    }
                    if let Some(h) = &m.hex {
                        let ok = h.get_ref().len() == 7
                            && h.get_ref().starts_with('#')
                            && h.get_ref()[1..].chars().all(|c| c.is_ascii_hexdigit());
                        if !ok {
                            let loc = self.at(f, h);
                            self.err("invalid-value", loc, format!("\"{}\" is not a #rrggbb colour", h.get_ref()))
                                .hint = Some("six hexadecimal digits after #, e.g. hex = \"#b08d57\"".into());
                        }
                    }
                    if m.name.is_none() {
                        let loc = self.at(f, x);
                        self.missing(
                            &loc,
                            &format!("material {}", m.id.get_ref()),
                            "name",
                            "the name shown to the shopper",
                        );
                    }
                    materials.push(Material {
                        id: m.id.get_ref().clone(),
                        name: m.name.clone().unwrap_or_else(|| m.id.get_ref().clone()),
                        class,
                        diameter: m.diameter_mm,
                        hex: m.hex.as_ref().map(|h| h.get_ref().clone()),
                        loc: self.at(f, &m.id),
                    });
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
        let production = self.production(&files);
        let machines = self.machines(&files, &mut seen);
        let jigs = self.jigs(&files, &mut seen, &machines);
        let machine_ix: HashMap<String, MachineId> =
            machines.iter().enumerate().map(|(i, m)| (m.id.clone(), i as MachineId)).collect();
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
                let entry = self.at(f, x);
                let Some(sku_s) = &c.sku else {
                    self.missing(
                        &entry,
                        "a component",
                        "sku",
                        "its unique stock-keeping unit, e.g. sku = \"CH-HEART\"",
                    );
                    self.extra.broken.unknown.insert("component");
                    continue;
                };
                let sku = sku_s.get_ref().clone();
                let loc = self.at(f, sku_s);
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
                let what = format!("component {sku}");
                let mut complete = true;
                for (name, present, hint) in [
                    ("name", c.name.is_some(), "the name a shopper reads, e.g. name = \"Heart charm\""),
                    ("kind", c.kind.is_some(), "e.g. kind = \"charm\" (docs/catalog.md lists the kinds)"),
                    ("family", c.family.is_some(), "the system it belongs to, e.g. family = \"moments\""),
                    ("connector", c.connector.is_some(), "how it attaches, e.g. connector = \"threaded\""),
                ] {
                    if !present {
                        self.missing(&entry, &what, name, hint);
                        complete = false;
                    }
                }
                let kind =
                    c.kind.as_ref().and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
                let connector = c
                    .connector
                    .as_ref()
                    .and_then(|k| self.parse_named(f, k, Connector::parse, "connector", Connector::names));
                let (Some(kind), Some(connector), Some(family_s), true) =
                    (kind, connector, c.family.as_ref(), complete)
                else {
                    self.extra.broken.add("component", &sku);
                    if let Some(fam) = &c.family {
                        self.extra.broken.add("family", fam.get_ref());
                    }
                    for t in &c.tags {
                        self.extra.broken.add("tag", t);
                    }
                    continue;
                };
                if c.weight_g.is_none() && kind != Kind::Packaging {
                    self.missing(
                        &entry,
                        &what,
                        "weight_g",
                        "its weight in grams, e.g. weight_g = 3.2 (the piece's weight adds it up)",
                    );
                }
                let family = intern(&mut families, family_s.get_ref()) as FamilyId;
                self.extra.family_locs.push(self.at(f, family_s));
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
                let id = components.len() as CompId;
                if c.price.is_none() && metal.is_none() && c.metal.is_none() {
                    self.extra.unpriced.push((id, loc.clone()));
                }
                let width = c.width_mm.as_ref().map(|w| *w.get_ref()).unwrap_or(Mm::ZERO);
                if width == Mm::ZERO {
                    let at = c.width_mm.as_ref().map(|w| self.at(f, w)).unwrap_or_else(|| loc.clone());
                    self.extra.zero_width.push((id, at));
                }
                if kind == Kind::LetterBead {
                    match &c.glyph {
                        None => {
                            self.missing(
                                &loc,
                                &format!("letter bead {sku}"),
                                "glyph",
                                "the letter the bead shows, e.g. glyph = \"A\"",
                            );
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
                by_sku.insert(sku.clone(), id);
                components.push(Component {
                    sku,
                    name: c.name.clone().unwrap_or_default(),
                    kind,
                    family,
                    connector,
                    width,
                    hole: c.hole_mm,
                    thickness: c.thickness_mm,
                    volume_mm3: c.volume_mm3.map(|d| d.0),
                    weight: c.weight_g.unwrap_or_default(),
                    price: c.price.map(|p| p.0).unwrap_or_default(),
                    metal,
                    stock: c.stock,
                    lead_time_days: c.lead_time_days,
                    tags: ctags,
                    art,
                    glyph: c.glyph.as_ref().map(|g| g.get_ref().clone()),
                    colour,
                    enamel,
                    bin: c.bin.clone(),
                    loc,
                });
            }
        }

        // Bases.
        let mut bases = Vec::new();
        let mut by_base: HashMap<String, BaseId> = HashMap::new();
        for (f, raw) in &files {
            for x in &raw.base {
                let entry = self.at(f, x);
                let Some(id) = &x.get_ref().id else {
                    self.missing(&entry, "a base", "id", "its identifier, e.g. id = \"charm-bracelet\"");
                    self.extra.broken.unknown.insert("base");
                    continue;
                };
                if !self.unique(&mut seen, "base", f, id) {
                    continue;
                }
                let ctx = BaseCtx {
                    families: &families,
                    by_sku: &by_sku,
                    metal_ix: &metal_ix,
                    stone_ix: &stone_ix,
                    mat_ix: &mat_ix,
                    font_ix: &font_ix,
                    machine_ix: &machine_ix,
                    materials: &materials,
                };
                match self.resolve_base(f, x, &ctx) {
                    Some(b) => {
                        by_base.insert(b.id.clone(), bases.len() as BaseId);
                        bases.push(b);
                    }
                    None => self.extra.broken.add("base", id.get_ref()),
                }
            }
        }

        // Rules and bundles.
        let mut rules = Vec::new();
        let mut bundles = Vec::new();
        for (f, raw) in &files {
            for x in &raw.rule {
                let entry = self.at(f, x);
                let Some(id) = &x.get_ref().id else {
                    self.missing(&entry, "a rule", "id", "its identifier, e.g. id = \"dangles-need-clips\"");
                    continue;
                };
                if !self.unique(&mut seen, "rule", f, id) {
                    continue;
                }
                let i = rules.len();
                if let Some(r) = self.resolve_rule(f, x, &by_sku, &tags, &families, &by_base, i) {
                    rules.push(r);
                }
            }
            for x in &raw.bundle {
                let b = x.get_ref();
                if !self.unique(&mut seen, "bundle", f, &b.id) {
                    continue;
                }
                let entry = self.at(f, x);
                let what = format!("bundle {}", b.id.get_ref());
                for (name, present, hint) in [
                    ("name", b.name.is_some(), "what the discount line says, e.g. name = \"3 charms for less\""),
                    ("select", b.select.is_some(), "the pieces it counts, e.g. select = { kind = \"charm\" }"),
                    ("min_qty", b.min_qty.is_some(), "how many pieces trigger it, e.g. min_qty = 3"),
                    ("discount_percent", b.discount_percent.is_some(), "e.g. discount_percent = 10"),
                ] {
                    if !present {
                        self.missing(&entry, &what, name, hint);
                    }
                }
                let Some(select) = &b.select else { continue };
                let Some(sel) = self.selector(f, select, &by_sku, &tags) else { continue };
                let pct = b.discount_percent.as_ref().map(|d| d.get_ref().0).unwrap_or_default();
                if let Some(d) = &b.discount_percent {
                    if pct > Decimal::from(100) || pct < Decimal::ZERO {
                        let loc = self.at(f, d);
                        self.err("invalid-value", loc, format!("a discount of {pct} % is not between 0 and 100 %"));
                    }
                }
                let min_qty = b.min_qty.as_ref().map(|m| *m.get_ref()).unwrap_or(1);
                if let Some(m) = &b.min_qty {
                    if min_qty == 0 {
                        let loc = self.at(f, m);
                        self.err("invalid-value", loc, "min_qty must be at least 1");
                    }
                }
                bundles.push(Bundle {
                    id: b.id.get_ref().clone(),
                    name: b.name.clone().unwrap_or_else(|| b.id.get_ref().clone()),
                    select: sel,
                    min_qty: min_qty.max(1),
                    discount_percent: pct,
                });
            }
        }
        self.check_rules(&files, &rules, &components, &bases, &tags, &families, &metals, &stones, &materials);

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
            production,
            machines,
            jigs,
            families,
            tags,
            by_sku,
            by_base,
        })
    }

    /// The `[brand]` table, exactly one; a stand-in when it was lost, so the rest is still checked.
    fn brand(&mut self, files: &[(Unit, RawFile)]) -> Option<Brand> {
        let mut found: Option<(&Unit, &S<RawBrand>)> = None;
        for (f, raw) in files {
            if let Some(b) = &raw.brand {
                match found {
                    Some((first, fb)) => {
                        let first = self.at(first, fb);
                        let loc = self.at(f, b);
                        self.err("duplicate-definition", loc, "a second [brand] table").hint =
                            Some(format!("the catalog's brand is already defined at {first}"));
                    }
                    None => found = Some((f, b)),
                }
            }
        }
        let Some((f, b)) = found else {
            if self.extra.broken.any("brand") {
                self.extra.placeholder_brand = true;
                return Some(Brand {
                    id: "(unreadable)".into(),
                    name: "(unreadable)".into(),
                    version: "(unreadable)".into(),
                    currency: "EUR".parse().expect("EUR is a currency"),
                    locales: Vec::new(),
                    rounding: None,
                    currencies: Vec::new(),
                    domain: None,
                });
            }
            if self.sources.files.keys().any(|p| p.ends_with(".toml")) {
                let first = self.sources.files.keys().find(|p| p.ends_with(".toml")).cloned().unwrap_or_default();
                self.err("missing-brand", Loc::file_only(&first), "the catalog has no [brand] table").hint =
                    Some("add brand.toml with [brand] id, name, version and currency (see docs/catalog.md)".into());
            } else {
                self.err("empty-catalog", Loc::file_only("."), "the catalog directory has no .toml file").hint = Some(
                    "a catalog is a folder of TOML files: brand.toml, materials.toml, components/, bases/…".into(),
                );
            }
            return None;
        };
        let raw = b.get_ref();
        let entry = self.at(f, b);
        for (name, present, hint) in [
            ("id", raw.id.is_some(), "the brand's identifier, e.g. id = \"maison-lumen\""),
            ("name", raw.name.is_some(), "the brand's name as shoppers read it"),
            (
                "version",
                raw.version.is_some(),
                "the catalog's version, e.g. version = \"2026.12.1\": designs bind to it",
            ),
            ("currency", raw.currency.is_some(), "its main currency, ISO 4217, e.g. currency = \"EUR\""),
        ] {
            if !present {
                self.missing(&entry, "[brand]", name, hint);
            }
        }
        for (i, c) in raw.currencies.iter().enumerate() {
            if raw.currencies[..i].iter().any(|o| o.get_ref().code == c.get_ref().code)
                || Some(c.get_ref().code) == raw.currency
            {
                let loc = self.at(f, c);
                self.err("duplicate-definition", loc, format!("currency {} is listed twice", c.get_ref().code));
            }
            if c.get_ref().rate.get_ref().0 <= Decimal::ZERO {
                let loc = self.at(f, &c.get_ref().rate);
                self.err("invalid-value", loc, "an exchange rate must be above zero");
            }
        }
        if let Some(id) = &raw.id {
            if id.get_ref().trim().is_empty() {
                let loc = self.at(f, id);
                self.err("invalid-value", loc, "the brand id is empty");
            }
        }
        Some(Brand {
            id: raw.id.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default(),
            name: raw.name.clone().unwrap_or_default(),
            version: raw.version.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default(),
            currency: raw.currency.unwrap_or_else(|| "EUR".parse().expect("EUR is a currency")),
            locales: raw.locales.clone(),
            rounding: raw.rounding,
            currencies: raw
                .currencies
                .iter()
                .map(|c| {
                    let c = c.get_ref();
                    AltCurrency { code: c.code, rate: c.rate.get_ref().0, rounding: c.rounding }
                })
                .collect(),
            domain: raw.domain.clone(),
        })
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<(&'static str, String), Loc>,
        what: &'static str,
        file: &Unit,
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
        file: &Unit,
        s: &S<String>,
        parse: fn(&str) -> Option<T>,
        what: &str,
        names: fn() -> String,
    ) -> Option<T> {
        let v = parse(s.get_ref());
        if v.is_none() {
            let loc = self.at(file, s);
            let all = names();
            let hint = match suggest(s.get_ref(), all.split(", ")) {
                Some(h) => format!("did you mean \"{h}\"? ({what}s: {all})"),
                None => format!("expected one of: {all}"),
            };
            self.err("unknown-value", loc, format!("unknown {what} \"{}\"", s.get_ref())).hint = Some(hint);
        }
        v
    }

    /// The namespace of [`Broken`] a `lookup` searches.
    fn namespace_of(what: &str) -> &'static str {
        match what {
            "metal" => "metal",
            "stone" => "stone",
            "font" => "font",
            "component" => "component",
            "base" => "base",
            "machine" => "machine",
            _ => "material",
        }
    }

    fn lookup(&mut self, file: &Unit, s: Option<&S<String>>, ix: &HashMap<String, u32>, what: &str) -> Option<u32> {
        let s = s?;
        if let Some(&i) = ix.get(s.get_ref()) {
            return Some(i);
        }
        if self.extra.broken.may_define(Self::namespace_of(what), s.get_ref()) {
            // Defined by an entry that could not be read: that entry has its error already.
            return None;
        }
        let loc = self.at(file, s);
        let hint = suggest(s.get_ref(), ix.keys().map(|k| k.as_str()));
        let d = self.err("unknown-reference", loc, format!("unknown {what} \"{}\"", s.get_ref()));
        d.hint = Some(match hint {
            Some(h) => format!("did you mean \"{h}\"?"),
            None if ix.is_empty() => format!("no {what} is defined yet: add one to the catalog"),
            None => format!("no {what} has that id; define it, or check the spelling"),
        });
        None
    }

    fn check_art(&mut self, file: &Unit, a: &S<String>) {
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
