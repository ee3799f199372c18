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

use crate::diag::{Diagnostic, LineIndex, Loc, Severity};
use crate::model::*;
use crate::raw::*;
use crate::rules;
use crate::units::Mm;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

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

/// What entries that could not be read defined, so that nothing referring to them gets a second
/// error. Namespaces: `component`, `family`, `tag`, `base`, `metal`, `stone`, `material`, `font`,
/// `rule`, `bundle`, `brand`, `pricing`, `mount` for a base that lost a mount or field, and
/// `sizes` for a base without sizes.
#[derive(Debug, Default)]
pub struct Broken {
    names: HashSet<(&'static str, String)>,
    /// Namespaces where an entry was lost without its names being known.
    unknown: HashSet<&'static str>,
}

impl Broken {
    /// Whether `name` in `namespace` may have been defined by a lost entry.
    pub fn may_define(&self, namespace: &str, name: &str) -> bool {
        self.unknown.contains(namespace) || self.names.iter().any(|(n, x)| *n == namespace && x == name)
    }
    /// Whether anything of `namespace` was lost.
    pub fn any(&self, namespace: &str) -> bool {
        self.unknown.contains(namespace) || self.names.iter().any(|(n, _)| *n == namespace)
    }
    fn add(&mut self, namespace: &'static str, name: &str) {
        self.names.insert((namespace, name.to_string()));
    }
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

/// A header line's table: its dotted key, and whether it is an array of tables (`[[…]]`).
fn header(line: &str) -> Option<(Vec<String>, bool)> {
    let t = line.trim_start();
    let (array, inner) = if let Some(r) = t.strip_prefix("[[") {
        (true, r.split_once("]]")?)
    } else if let Some(r) = t.strip_prefix('[') {
        (false, r.split_once(']')?)
    } else {
        return None;
    };
    let (key, rest) = inner;
    let rest = rest.trim_start();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    let mut segs = Vec::new();
    for seg in key.split('.') {
        let seg = seg.trim().trim_matches('"');
        if seg.is_empty() || !seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return None;
        }
        segs.push(seg.to_string());
    }
    Some((segs, array))
}

/// A file's text cut at its top-level tables: each `[[component]]`, `[[base]]` (with the
/// `[[base.mount]]`… under it), `[brand]`… and the keys before the first header.
struct Group<'t> {
    offset: usize,
    text: &'t str,
    /// The group's top-level table name (`""` for the keys before any header).
    table: String,
    /// Headers under it (two or more segments): their offset in the group and their key.
    subs: Vec<(usize, Vec<String>)>,
}

fn groups(text: &str) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = vec![Group { offset: 0, text: "", table: String::new(), subs: Vec::new() }];
    let mut in_string: Option<&str> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if in_string.is_none() {
            if let Some((segs, _)) = header(line) {
                if segs.len() == 1 {
                    out.push(Group { offset: pos, text: "", table: segs[0].clone(), subs: Vec::new() });
                } else {
                    let g = out.last_mut().unwrap();
                    g.subs.push((pos - g.offset, segs));
                }
            }
        }
        // Multi-line strings may hold lines that look like headers.
        for delim in ["\"\"\"", "'''"] {
            let n = line.matches(delim).count();
            if n % 2 == 1 {
                in_string = match in_string {
                    Some(d) if d == delim => None,
                    None => Some(delim),
                    other => other,
                };
            }
        }
        pos += line.len();
    }
    let ends: Vec<usize> = out.iter().skip(1).map(|g| g.offset).chain(std::iter::once(text.len())).collect();
    for (g, end) in out.iter_mut().zip(ends) {
        g.text = &text[g.offset..end];
    }
    out.retain(|g| !g.text.trim().is_empty());
    out
}

/// The namespace of the names a top-level table defines.
fn namespace(table: &str) -> Option<&'static str> {
    Some(match table {
        "component" => "component",
        "base" => "base",
        "metal" => "metal",
        "stone" => "stone",
        "cord" | "leather" | "enamel" | "colour" => "material",
        "font" => "font",
        "rule" => "rule",
        "bundle" => "bundle",
        "brand" => "brand",
        "pricing" => "pricing",
        _ => return None,
    })
}

/// The quoted strings of `key = "…"` or `key = ["…", …]` on one line, read without a parser.
fn scan_values(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix(key) else { continue };
        let Some(value) = rest.trim_start().strip_prefix('=') else { continue };
        let mut chars = value.chars();
        let mut cur: Option<String> = None;
        for c in chars.by_ref() {
            match (&mut cur, c) {
                (None, '"') => cur = Some(String::new()),
                (Some(s), '"') => {
                    out.push(std::mem::take(s));
                    cur = None;
                }
                (Some(s), c) => s.push(c),
                (None, '#') => break,
                _ => {}
            }
        }
    }
    out
}

/// Records the names a lost group defined, read from its text without trusting its syntax.
fn salvage(broken: &mut Broken, g: &Group) {
    let Some(ns) = namespace(&g.table) else { return };
    let key = if ns == "component" { "sku" } else { "id" };
    // The group's own keys come before its first sub-table.
    let own = &g.text[..g.subs.first().map(|s| s.0).unwrap_or(g.text.len())];
    let names = scan_values(own, key);
    match names.first() {
        Some(n) => broken.add(ns, n),
        None => {
            broken.unknown.insert(ns);
        }
    }
    if ns == "component" {
        let fams = scan_values(own, "family");
        if fams.is_empty() {
            broken.unknown.insert("family");
        }
        for f in fams {
            broken.add("family", &f);
        }
        for t in scan_values(own, "tags") {
            broken.add("tag", &t);
        }
        if !own.lines().any(|l| l.trim_start().starts_with("tags")) {
            // A lost component may have had tags nobody can read now.
            broken.unknown.insert("tag");
        }
    }
    if ns == "base" {
        if let Some(n) = names.first() {
            broken.add("mount", n);
        }
        for f in scan_values(g.text, "families") {
            broken.add("family", &f);
        }
    }
}

/// Keeps the byte length of a header line while dropping its first segment (`[[base.mount]]` →
/// `[[mount]]     `), so a base's parts parse alone at the same offsets.
fn lift_header(line: &str, first: &str) -> String {
    let needle = format!("{first}.");
    match line.find(&needle) {
        Some(i) => {
            let mut s = String::with_capacity(line.len());
            s.push_str(&line[..i]);
            let rest = &line[i + needle.len()..];
            let (body, nl) = match rest.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (rest, ""),
            };
            s.push_str(body);
            s.push_str(&" ".repeat(needle.len()));
            s.push_str(nl);
            s
        }
        None => line.to_string(),
    }
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
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
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
                let mut ends: Vec<usize> = g.subs.iter().skip(1).map(|s| s.0).collect();
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

    fn resolve_base(&mut self, f: &Unit, x: &S<RawBase>, c: &BaseCtx) -> Option<Base> {
        let b = x.get_ref();
        let id_s = b.id.as_ref()?;
        let id = id_s.get_ref().clone();
        let bloc = self.at(f, id_s);
        let entry = self.at(f, x);
        let what = format!("base {id}");
        if b.name.is_none() {
            self.missing(&entry, &what, "name", "the name a shopper reads, e.g. name = \"Charm bracelet\"");
        }
        let piece = match &b.piece {
            Some(p) => self.parse_named(f, p, Piece::parse, "piece", Piece::names),
            None => {
                self.missing(&entry, &what, "piece", "what it is, e.g. piece = \"bracelet\"");
                None
            }
        };
        let metal = self.lookup(f, b.metal.as_ref(), c.metal_ix, "metal");
        if let Some(m) = metal {
            self.extra.used_metals[m as usize] = true;
        }
        if b.price.is_none() && (b.metal.is_none() || b.weight_g == crate::units::Grams::ZERO) {
            let msg = if b.metal.is_some() {
                format!("{what} is priced by weight but has no weight_g")
            } else {
                format!("{what} has neither a price nor a weight-priced metal")
            };
            self.err("missing-price", entry.clone(), msg).hint =
                Some("add price = \"…\", or metal = \"…\" with weight_g (priced by weight), or both".into());
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
        let mut sizes = Vec::new();
        match &b.sizes {
            None => {
                self.missing(
                    &entry,
                    &what,
                    "sizes",
                    "sizes = [{ id = \"17\", label = \"17 cm\", length_mm = 170 }] (one size: sizes = [{ id = \"one\" }])",
                );
            }
            Some(list) => {
                for s in list.get_ref() {
                    if sizes.iter().any(|o: &Size| &o.id == s.id.get_ref()) {
                        let loc = self.at(f, &s.id);
                        self.err("duplicate-definition", loc, format!("size \"{}\" is listed twice", s.id.get_ref()));
                        continue;
                    }
                    sizes.push(Size {
                        id: s.id.get_ref().clone(),
                        label: s.label.clone().unwrap_or_else(|| s.id.get_ref().clone()),
                        length: s.length_mm,
                        circumference: s.circumference_mm,
                    });
                }
                if sizes.is_empty() {
                    let loc = self.at(f, list);
                    self.err("impossible-base", loc, format!("{what} has no size")).hint =
                        Some("list at least one size, e.g. sizes = [{ id = \"one\" }]".into());
                }
            }
        }
        // Without sizes, a stand-in keeps the mounts' checks from failing on the missing ones.
        let sizes_missing = sizes.is_empty();
        if sizes_missing {
            // The checks that need sizes keep quiet about this base: it has its error.
            self.extra.broken.add("sizes", &id);
            sizes.push(Size { id: "(none)".into(), label: "(none)".into(), length: None, circumference: None });
        }
        let sizes_loc = b.sizes.as_ref().map(|s| self.at(f, s)).unwrap_or_else(|| entry.clone());
        let default_size = match &b.default_size {
            Some(d) => match sizes.iter().position(|s| &s.id == d.get_ref()) {
                Some(i) => i,
                None => {
                    let loc = self.at(f, d);
                    let hint = match suggest(d.get_ref(), sizes.iter().map(|s| s.id.as_str())) {
                        Some(h) => format!("did you mean \"{h}\"?"),
                        None => format!(
                            "its sizes are {}",
                            sizes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.err(
                        "unknown-reference",
                        loc,
                        format!("default_size \"{}\" is not one of the base's sizes", d.get_ref()),
                    )
                    .hint = Some(hint);
                    0
                }
            },
            None => 0,
        };
        // The base's mounts and fields: its own, then those read on their own.
        let mut raw_mounts: Vec<(Unit, &S<RawMount>)> = b.mount.iter().map(|m| (f.clone(), m)).collect();
        let mut raw_fields: Vec<(Unit, &S<RawField>)> = b.field.iter().map(|m| (f.clone(), m)).collect();
        for (offset, p) in &b.parts {
            let u = Unit { path: f.path.clone(), offset: *offset };
            raw_mounts.extend(p.mount.iter().map(|m| (u.clone(), m)));
            raw_fields.extend(p.field.iter().map(|m| (u.clone(), m)));
        }
        let mut mounts: Vec<Mount> = Vec::new();
        let mut lost_mount = false;
        for (mf, m) in raw_mounts {
            let mloc = self.at(&mf, m);
            let raw = m.get_ref();
            let Some(mid) = &raw.id else {
                self.missing(&mloc, &format!("a mount of {what}"), "id", "its identifier, e.g. id = \"strand\"");
                lost_mount = true;
                continue;
            };
            let mloc = self.at(&mf, mid);
            if mounts.iter().any(|o| &o.id == mid.get_ref()) {
                self.err(
                    "duplicate-definition",
                    mloc.clone(),
                    format!("mount \"{}\" is defined twice on base {id}", mid.get_ref()),
                );
                continue;
            }
            let Some(kind_s) = &raw.kind else {
                self.missing(
                    &mloc,
                    &format!("mount {}", mid.get_ref()),
                    "kind",
                    "one of strand, slots, socket, container, parametric",
                );
                lost_mount = true;
                continue;
            };
            let Some(kind) = self.parse_named(&mf, kind_s, MountKind::parse, "mount kind", MountKind::names) else {
                lost_mount = true;
                continue;
            };
            self.inapplicable(&mf, raw, kind, &mloc);
            let accept = self.accept(&mf, raw, c.families);
            let spec = match kind {
                MountKind::Strand => {
                    MountSpec::Strand(self.strand(&mf, raw, &mloc, accept, &sizes, &sizes_loc, sizes_missing, c))
                }
                MountKind::Slots => {
                    let Some(w) = &raw.link_width_mm else {
                        self.missing(
                            &mloc,
                            &format!("slots mount {}", mid.get_ref()),
                            "link_width_mm",
                            "the width of one link, e.g. link_width_mm = 9",
                        );
                        lost_mount = true;
                        continue;
                    };
                    if *w.get_ref() == Mm::ZERO {
                        let loc = self.at(&mf, w);
                        self.err("invalid-value", loc, "link_width_mm must be above zero");
                        lost_mount = true;
                        continue;
                    }
                    if !sizes_missing {
                        for s in &sizes {
                            if s.length.is_none() {
                                self.err(
                                    "missing-field",
                                    sizes_loc.clone(),
                                    format!("size \"{}\" has no length_mm, which a slots mount needs", s.id),
                                );
                            }
                        }
                    }
                    let Some(d) = &raw.default else {
                        self.missing(
                            &mloc,
                            &format!("slots mount {}", mid.get_ref()),
                            "default",
                            "the plain link every slot holds until the shopper changes it, e.g. default = \"CL-PLAIN\"",
                        );
                        lost_mount = true;
                        continue;
                    };
                    let Some(def) = self.lookup(&mf, Some(d), c.by_sku, "component") else {
                        // What the row takes is not reported as unused for want of its default.
                        for &fam in &accept.families {
                            self.extra.broken.add("family", &c.families[fam as usize]);
                        }
                        lost_mount = true;
                        continue;
                    };
                    MountSpec::Slots(SlotsSpec { accept, link_width: *w.get_ref(), default: def })
                }
                MountKind::Socket => MountSpec::Socket(SocketSpec { accept, required: raw.required.unwrap_or(true) }),
                MountKind::Container => {
                    if raw.max_count.is_none() && raw.max_volume_mm3.is_none() {
                        self.err("missing-field", mloc.clone(), "a container needs max_count or max_volume_mm3").hint =
                            Some("how many pieces it holds (max_count) or how much room (max_volume_mm3)".into());
                    }
                    MountSpec::Container(ContainerSpec {
                        accept,
                        max_count: raw.max_count.as_ref().map(|m| *m.get_ref()),
                        max_volume_mm3: raw.max_volume_mm3.map(|d| d.0),
                    })
                }
                MountKind::Parametric => match self.parametric(&mf, raw, &mloc, &sizes, sizes_missing, c) {
                    Some(p) => MountSpec::Parametric(p),
                    None => {
                        lost_mount = true;
                        continue;
                    }
                },
            };
            mounts.push(Mount {
                id: mid.get_ref().clone(),
                label: raw.label.clone().unwrap_or_else(|| mid.get_ref().clone()),
                spec,
                loc: mloc,
            });
        }
        let mut fields: Vec<Field> = Vec::new();
        for (ff, x) in raw_fields {
            let entry = self.at(&ff, x);
            let raw = x.get_ref();
            let Some(fid) = &raw.id else {
                self.missing(&entry, &format!("a field of {what}"), "id", "its identifier, e.g. id = \"engraving\"");
                lost_mount = true;
                continue;
            };
            let floc = self.at(&ff, fid);
            if fields.iter().any(|o| &o.id == fid.get_ref()) {
                self.err(
                    "duplicate-definition",
                    floc.clone(),
                    format!("field \"{}\" is defined twice on base {id}", fid.get_ref()),
                );
                continue;
            }
            let Some(kind_s) = &raw.kind else {
                self.missing(
                    &floc,
                    &format!("field {}", fid.get_ref()),
                    "kind",
                    "one of engraving, text, choice, colour",
                );
                lost_mount = true;
                continue;
            };
            let Some(kind) = self.parse_named(&ff, kind_s, FieldKind::parse, "field kind", FieldKind::names) else {
                lost_mount = true;
                continue;
            };
            self.field_inapplicable(&ff, raw, kind, &floc);
            let options = self.options(&ff, &raw.options, c.by_sku);
            let spec = match kind {
                FieldKind::Engraving => {
                    let Some(zone) = &raw.zone else {
                        self.missing(
                            &floc,
                            &format!("engraving field {}", fid.get_ref()),
                            "zone",
                            "the engraved area, e.g. zone = { width_mm = 16, height_mm = 8 }",
                        );
                        lost_mount = true;
                        continue;
                    };
                    if zone.get_ref().width_mm == Mm::ZERO || zone.get_ref().height_mm == Mm::ZERO {
                        let loc = self.at(&ff, zone);
                        self.err("invalid-value", loc, "an engraving zone must have a width and a height above zero");
                    }
                    let mut fl = Vec::new();
                    for fnt in &raw.fonts {
                        if let Some(i) = self.lookup(&ff, Some(fnt), c.font_ix, "font") {
                            fl.push(i);
                        }
                    }
                    if raw.fonts.is_empty() {
                        self.missing(
                            &floc,
                            &format!("engraving field {}", fid.get_ref()),
                            "fonts",
                            "fonts = [\"serif\"] naming a [[font]] of the catalog",
                        );
                    }
                    let (min_length, max_length) = self.lengths(&ff, raw, 20);
                    FieldSpec::Engraving {
                        width: zone.get_ref().width_mm,
                        height: zone.get_ref().height_mm,
                        fonts: fl,
                        charset: self.charset(&ff, raw),
                        max_length,
                        min_length,
                        min_stroke: raw.min_stroke_mm,
                        price_per_character: raw.price_per_character.map(|p| p.0).unwrap_or(self.default_per_char),
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                        lead_time_days: raw.lead_time_days.unwrap_or(0),
                    }
                }
                FieldKind::Text => {
                    let (min_length, max_length) = self.lengths(&ff, raw, 140);
                    FieldSpec::Text {
                        max_length,
                        min_length,
                        charset: self.charset(&ff, raw),
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                    }
                }
                FieldKind::Choice => {
                    if raw.options.is_empty() {
                        self.missing(
                            &floc,
                            &format!("choice field {}", fid.get_ref()),
                            "options",
                            "options = [{ id = \"pouch\", label = \"Velvet pouch\" }]",
                        );
                    }
                    let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
                    FieldSpec::Choice { default: self.default_option(&ff, raw, &ids), options }
                }
                FieldKind::Colour => {
                    let mut cl = Vec::new();
                    for col in &raw.colours {
                        if let Some(i) = self.lookup(&ff, Some(col), c.mat_ix, "colour") {
                            self.extra.used_materials[i as usize] = true;
                            cl.push(i);
                        }
                    }
                    if raw.colours.is_empty() {
                        self.missing(
                            &floc,
                            &format!("colour field {}", fid.get_ref()),
                            "colours",
                            "colours = [\"ribbon-red\"] naming [[colour]] materials",
                        );
                    }
                    // The default is checked against the colours as listed: one that is listed but
                    // unknown has its error already.
                    let listed: Vec<String> = raw.colours.iter().map(|c| c.get_ref().clone()).collect();
                    let ids: Vec<String> = cl.iter().map(|&i| c.materials[i as usize].id.clone()).collect();
                    // A default naming a known colour while the list has an unknown one: the list's
                    // entry is the mistake, and has its error.
                    let list_broken = listed.len() != ids.len();
                    let default = match &raw.default {
                        Some(d)
                            if list_broken && !listed.contains(d.get_ref()) && c.mat_ix.contains_key(d.get_ref()) =>
                        {
                            None
                        }
                        _ => self
                            .default_option(&ff, raw, &listed)
                            .and_then(|i| ids.iter().position(|x| *x == listed[i])),
                    };
                    FieldSpec::Colour { default, colours: cl, price: raw.price.map(|p| p.0).unwrap_or_default() }
                }
            };
            fields.push(Field {
                id: fid.get_ref().clone(),
                label: raw.label.clone().unwrap_or_else(|| fid.get_ref().clone()),
                required: raw.required,
                spec,
                loc: floc,
            });
        }
        if lost_mount {
            self.extra.broken.add("mount", &id);
        }
        let piece = piece?;
        Some(Base {
            id,
            name: b.name.clone().unwrap_or_default(),
            piece,
            gtin: b.gtin.as_ref().map(|g| g.get_ref().clone()),
            price: b.price.map(|p| p.0).unwrap_or_default(),
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

    /// A choice or colour field's default: one of its options.
    fn default_option(&mut self, f: &Unit, raw: &RawField, ids: &[String]) -> Option<usize> {
        let d = raw.default.as_ref()?;
        let p = ids.iter().position(|o| o == d.get_ref());
        if p.is_none() && !ids.is_empty() {
            let loc = self.at(f, d);
            let hint = match suggest(d.get_ref(), ids.iter().map(|s| s.as_str())) {
                Some(h) => format!("did you mean \"{h}\"?"),
                None => format!("its options are {}", ids.join(", ")),
            };
            self.err(
                "unknown-reference",
                loc,
                format!("default \"{}\" is not one of the field's options", d.get_ref()),
            )
            .hint = Some(hint);
        }
        p
    }

    #[allow(clippy::too_many_arguments)]
    fn strand(
        &mut self,
        f: &Unit,
        raw: &RawMount,
        mloc: &Loc,
        accept: Accept,
        sizes: &[Size],
        sizes_loc: &Loc,
        sizes_missing: bool,
        c: &BaseCtx,
    ) -> StrandSpec {
        let core_material = self.lookup(f, raw.core.as_ref(), c.mat_ix, "cord");
        if let Some(m) = core_material {
            self.extra.used_materials[m as usize] = true;
        }
        let core = core_material.and_then(|i| c.materials[i as usize].diameter);
        if let (Some(i), None) = (core_material, core) {
            let loc = raw.core.as_ref().map(|s| self.at(f, s)).unwrap_or_else(|| mloc.clone());
            self.err(
                "missing-field",
                loc,
                format!("core material {} has no diameter_mm", c.materials[i as usize].id),
            )
            .hint = Some("threaded beads are checked against the core's diameter".into());
        }
        let min = self.kind_counts(f, &raw.min);
        let max = self.kind_counts(f, &raw.max);
        let first = raw.first.as_ref().and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
        let last = raw.last.as_ref().and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
        let max_fill = raw.max_fill.as_ref().map(|d| d.get_ref().0).unwrap_or(Decimal::ONE);
        if let Some(mf) = &raw.max_fill {
            if max_fill <= Decimal::ZERO || max_fill > Decimal::ONE {
                let loc = self.at(f, mf);
                self.err("invalid-value", loc, format!("max_fill {max_fill} must be above 0 and at most 1")).hint =
                    Some("the share of each section's length pieces may fill, e.g. max_fill = 0.9".into());
            }
        }
        if !sizes_missing {
            for s in sizes {
                if s.length.is_none() {
                    self.err(
                        "missing-field",
                        sizes_loc.clone(),
                        format!("size \"{}\" has no length_mm, which a strand needs", s.id),
                    );
                }
            }
        }
        let mut station_connectors = Vec::new();
        if let Some(st) = &raw.stations {
            for con in &st.get_ref().connectors {
                match self.parse_named(f, con, Connector::parse, "connector", Connector::names) {
                    Some(con) => station_connectors.push(con),
                    // What the stations would have taken is not reported as unused.
                    None if accept.families.is_empty() => {
                        self.extra.broken.unknown.insert("family");
                    }
                    None => {
                        for &fam in &accept.families {
                            self.extra.broken.add("family", &c.families[fam as usize]);
                        }
                    }
                }
            }
        }
        StrandSpec {
            accept,
            core,
            core_material,
            reserve: raw.reserve_mm.unwrap_or(Mm::ZERO),
            max_fill: if max_fill > Decimal::ZERO && max_fill <= Decimal::ONE { max_fill } else { Decimal::ONE },
            max_count: raw.max_count.as_ref().map(|m| *m.get_ref()),
            max_per_section: raw.max_per_section,
            stations: raw.stations.as_ref().map(|s| s.get_ref().count).unwrap_or(0),
            station_connectors,
            min,
            max,
            first,
            last,
        }
    }

    /// A text field's character set: a named `charset`, or exactly the characters of `chars`.
    fn charset(&mut self, f: &Unit, raw: &RawField) -> Charset {
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
    fn lengths(&mut self, f: &Unit, raw: &RawField, default_max: u32) -> (u32, u32) {
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

    fn range(&mut self, f: &Unit, r: &Option<S<RawRange>>, what: &str) -> Option<Range> {
        let rs = r.as_ref()?;
        let loc = self.at(f, rs);
        let r = rs.get_ref();
        let (min, max, step) = (r.min.0, r.max.0, r.step.0);
        let unit = match what {
            "carat" => " ct",
            _ => " mm",
        };
        if step <= Decimal::ZERO {
            self.err("invalid-value", loc, format!("{what}: the step must be above zero (it is {step})"));
            return None;
        }
        if min > max {
            self.err("invalid-value", loc, format!("{what}: min {min}{unit} is above max {max}{unit}"));
            return None;
        }
        if !((max - min) / step).fract().is_zero() {
            self.err(
                "invalid-value",
                loc,
                format!("{what}: max {max}{unit} is not min {min}{unit} plus a multiple of {step}{unit}"),
            )
            .hint = Some(format!(
                "with steps of {step}{unit} from {min}{unit}, the range can end at {}{unit}",
                min + ((max - min) / step).floor() * step
            ));
            return None;
        }
        let default = r.default.as_ref().map(|d| d.get_ref().0).unwrap_or(min);
        let range = Range { min, max, step, default };
        let loc = r.default.as_ref().map(|d| self.at(f, d)).unwrap_or(loc);
        if !range.contains(default) {
            let why = if default < min || default > max {
                format!("is outside {min}–{max}{unit}")
            } else {
                format!("is not a multiple of {step}{unit} from {min}{unit}")
            };
            let below = (min + ((default - min) / step).floor() * step).clamp(min, max);
            let above = (below + step).min(max);
            self.err("invalid-value", loc, format!("{what}: the default {default}{unit} {why}")).hint = Some(format!(
                "the range's values are {min}{unit}, {}{unit}, … {max}{unit}: e.g. {}{unit} or {}{unit}",
                min + step,
                below.normalize(),
                above.normalize()
            ));
        }
        Some(range)
    }

    fn parametric(
        &mut self,
        f: &Unit,
        raw: &RawMount,
        loc: &Loc,
        sizes: &[Size],
        sizes_missing: bool,
        c: &BaseCtx,
    ) -> Option<ParametricSpec> {
        let model = match &raw.model {
            Some(m) => self.parse_named(f, m, Model::parse, "model", Model::names)?,
            None => Model::Fixed,
        };
        let mut metals = Vec::new();
        for m in &raw.metals {
            if let Some(i) = self.lookup(f, Some(m), c.metal_ix, "metal") {
                self.extra.used_metals[i as usize] = true;
                metals.push(i);
            }
        }
        let mut profiles = Vec::new();
        for p in &raw.profiles {
            if let Some(p) = self.parse_named(f, p, Profile::parse, "profile", Profile::names) {
                profiles.push(p);
            }
        }
        let mut stones = Vec::new();
        for s in &raw.stones {
            if let Some(i) = self.lookup(f, Some(s), c.stone_ix, "stone") {
                stones.push(i);
            }
        }
        let width = self.range(f, &raw.width_mm, "width_mm");
        let thickness = self.range(f, &raw.thickness_mm, "thickness_mm");
        let carat = self.range(f, &raw.carat, "carat");
        if model == Model::Band {
            for (name, present) in [
                ("profiles", !raw.profiles.is_empty()),
                ("width_mm", raw.width_mm.is_some()),
                ("thickness_mm", raw.thickness_mm.is_some()),
            ] {
                if !present {
                    self.missing(
                        loc,
                        "a band model",
                        name,
                        "a band is swept from its profile, width and thickness (docs/catalog.md)",
                    );
                }
            }
            if !sizes_missing {
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
        }
        let top = raw.top.as_ref().and_then(|t| {
            let at = self.at(f, t);
            let shape_s = &t.get_ref().shape;
            let shape = self.parse_named(f, shape_s, TopShape::parse, "top shape", TopShape::names)?;
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
            self.missing(
                loc,
                "a fixed model priced by metal",
                "metal_volume_mm3",
                "the piece's metal volume, e.g. metal_volume_mm3 = 260",
            );
        }
        if !raw.stones.is_empty() && raw.carat.is_none() {
            self.missing(
                loc,
                "a mount with stones",
                "carat",
                "carat = { min = 0.3, max = 2, step = 0.1, default = 0.5 }",
            );
        }
        if raw.metals.is_empty() {
            self.missing(loc, "a parametric mount", "metals", "metals = [\"18k-yellow\"] naming [[metal]] materials");
        }
        Some(ParametricSpec {
            model,
            metals,
            profiles,
            width,
            thickness,
            stones,
            cuts: self.options(f, &raw.cuts, c.by_sku),
            carat,
            settings: self.options(f, &raw.settings, c.by_sku),
            metal_volume_mm3: raw.metal_volume_mm3.map(|d| d.0),
            top,
        })
    }

    fn options(&mut self, f: &Unit, raw: &[RawPricedOption], by_sku: &HashMap<String, CompId>) -> Vec<PricedOption> {
        let mut out: Vec<PricedOption> = Vec::new();
        for o in raw {
            if out.iter().any(|x| &x.id == o.id.get_ref()) {
                let loc = self.at(f, &o.id);
                self.err("duplicate-definition", loc, format!("option \"{}\" is listed twice", o.id.get_ref()));
                continue;
            }
            let sku = self.lookup(f, o.sku.as_ref(), by_sku, "component");
            if let Some(s) = sku {
                self.extra.option_skus.push(s);
            }
            out.push(PricedOption {
                id: o.id.get_ref().clone(),
                label: o.label.clone().unwrap_or_else(|| o.id.get_ref().clone()),
                price: o.price.0,
                metal_volume_mm3: o.metal_volume_mm3.map(|d| d.0),
                max_carat: o.max_carat.map(|d| d.0),
                sku,
            });
        }
        out
    }

    /// Reports fields set on a mount whose kind does not use them.
    fn inapplicable(&mut self, _f: &Unit, raw: &RawMount, kind: MountKind, loc: &Loc) {
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

    /// Reports fields set on a personalization field whose kind does not use them.
    fn field_inapplicable(&mut self, _f: &Unit, raw: &RawField, kind: FieldKind, loc: &Loc) {
        use FieldKind::*;
        let text: &[FieldKind] = &[Engraving, Text];
        let set: [(&str, bool, &[FieldKind]); 12] = [
            ("zone", raw.zone.is_some(), &[Engraving]),
            ("fonts", !raw.fonts.is_empty(), &[Engraving]),
            ("charset", raw.charset.is_some(), text),
            ("chars", raw.chars.is_some(), text),
            ("max_length", raw.max_length.is_some(), text),
            ("min_length", raw.min_length.is_some(), text),
            ("min_stroke_mm", raw.min_stroke_mm.is_some(), &[Engraving]),
            ("price_per_character", raw.price_per_character.is_some(), &[Engraving]),
            ("lead_time_days", raw.lead_time_days.is_some(), &[Engraving]),
            ("options", !raw.options.is_empty(), &[Choice]),
            ("colours", !raw.colours.is_empty(), &[Colour]),
            ("default", raw.default.is_some(), &[Choice, Colour]),
        ];
        for (name, present, kinds) in set {
            if present && !kinds.contains(&kind) {
                self.err("inapplicable-field", loc.clone(), format!("`{name}` does not apply to a {kind} field"))
                    .hint = Some(format!(
                    "`{name}` is for {} fields",
                    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }

    fn accept(&mut self, f: &Unit, raw: &RawMount, families: &[String]) -> Accept {
        let mut a = Accept::default();
        for fam in &raw.families {
            match families.iter().position(|x| x == fam.get_ref()) {
                Some(i) => a.families.push(i as FamilyId),
                None if self.extra.broken.may_define("family", fam.get_ref()) => {}
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

    fn kind_counts(&mut self, f: &Unit, m: &BTreeMap<S<String>, u32>) -> Vec<(Kind, u32)> {
        let mut out = Vec::new();
        for (k, &n) in m {
            if let Some(kind) = self.parse_named(f, k, Kind::parse, "component kind", Kind::names) {
                out.push((kind, n));
            }
        }
        out
    }

    fn selector(
        &mut self,
        f: &Unit,
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
            return self.lookup(f, Some(sku), by_sku, "component").map(Selector::Sku);
        }
        if let Some(tag) = &r.tag {
            return match tags.iter().position(|t| t == tag.get_ref()) {
                Some(t) => Some(Selector::Tag(t as TagId)),
                None if self.extra.broken.may_define("tag", tag.get_ref()) => None,
                None => {
                    let loc = self.at(f, tag);
                    let hint = suggest(tag.get_ref(), tags.iter().map(|t| t.as_str()))
                        .map(|h| format!("did you mean \"{h}\"?"))
                        .unwrap_or_else(|| "tags are named by the components' `tags` field".into());
                    self.err("unknown-reference", loc, format!("no component has the tag \"{}\"", tag.get_ref()))
                        .hint = Some(hint);
                    None
                }
            };
        }
        let k = r.kind.as_ref().unwrap();
        self.parse_named(f, k, Kind::parse, "component kind", Kind::names).map(Selector::Kind)
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_rule(
        &mut self,
        f: &Unit,
        x: &S<RawRule>,
        by_sku: &HashMap<String, CompId>,
        tags: &[String],
        _families: &[String],
        by_base: &HashMap<String, BaseId>,
        index: usize,
    ) -> Option<Rule> {
        let r = x.get_ref();
        let id = r.id.as_ref()?;
        let loc = self.at(f, id);
        let what = format!("rule {}", id.get_ref());
        if r.message.is_none() {
            self.missing(
                &loc,
                &what,
                "message",
                "the sentence a shopper reads when the rule is broken, e.g. message = \"More than two dangles need a clip\"",
            );
        }
        let Some(kind_s) = &r.kind else {
            self.missing(&loc, &what, "kind", "one of requires, excludes, expr");
            return None;
        };
        let kind = self.parse_named(f, kind_s, RuleKind::parse, "rule kind", RuleKind::names)?;
        let mut bases = Vec::new();
        let mut bases_lost = false;
        for b in &r.bases {
            match self.lookup(f, Some(b), by_base, "base") {
                Some(i) => bases.push(i),
                None => bases_lost = true,
            }
        }
        // A rule whose bases are not all known would seem to apply to every base: it is not run
        // by the checker (its reference has the error).
        if bases_lost {
            self.extra.rule_errors.insert(index);
        }
        let need = |me: &mut Self, name: &str, present: bool| {
            if !present {
                me.missing(&loc, &format!("a {kind} rule"), name, "docs/catalog.md, Rules");
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
                    ok &= self.compile_cel(f, e);
                }
                let req = r.require.as_ref().unwrap();
                self.extra.rule_expr_locs.insert(index, self.at(f, req));
                if let Some(w) = &r.when {
                    self.extra.rule_when_locs.insert(index, self.at(f, w));
                }
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
        Some(Rule {
            id: id.get_ref().clone(),
            message: r.message.clone().unwrap_or_else(|| id.get_ref().clone()),
            bases,
            spec,
            loc,
        })
    }

    /// Where byte `at` of a TOML string's value is in its file.
    fn value_loc(&self, f: &Unit, e: &S<String>, at: usize) -> Loc {
        let start = e.span().start;
        let end = e.span().end;
        let text = self.sources.files.get(f.path.as_ref()).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
        let raw = text.get(f.offset + start..f.offset + end).unwrap_or("");
        let map = rules::value_to_source_offsets(raw);
        let off = map.get(at).or(map.last()).copied().unwrap_or(0);
        self.loc(&f.path, f.offset + start + off)
    }

    /// Compiles a CEL expression and checks the variables it reads; syntax errors are reported
    /// once, at their column.
    fn compile_cel(&mut self, f: &Unit, e: &S<String>) -> bool {
        let src = e.get_ref();
        if src.chars().count() > 4096 {
            let loc = self.value_loc(f, e, 0);
            self.err("invalid-expression", loc, "a rule expression is limited to 4096 characters");
            return false;
        }
        match rules::compile(src) {
            Err(errs) => {
                // One mistake, one error: the parser's first.
                if let Some(pe) = errs.errors.first() {
                    let (l, c) = pe.pos;
                    // `pos` is the 1-based line and column within the expression.
                    let line_start: usize = src.split_inclusive('\n').take((l.max(1) - 1) as usize).map(str::len).sum();
                    let line = src[line_start..].lines().next().unwrap_or("");
                    let index = (c.max(1) - 1) as usize;
                    let byte = line_start + line.char_indices().nth(index).map(|(i, _)| i).unwrap_or(line.len());
                    let loc = self.value_loc(f, e, byte);
                    self.err("invalid-expression", loc, format!("CEL syntax error: {}", pe.msg)).hint = Some(
                        "rules are written in CEL (https://cel.dev); see docs/catalog.md for the variables and functions".into(),
                    );
                }
                false
            }
            Ok(p) => {
                let mut ok = true;
                let refs = p.references();
                let bound = bound_names(p.expression());
                for v in refs.variables() {
                    if rules::variable_type(v).is_some() || bound.iter().any(|b| b == v) {
                        continue;
                    }
                    ok = false;
                    let at = rules::variable_offsets(&p, v).first().copied().unwrap_or(0);
                    let loc = self.value_loc(f, e, at);
                    let hint = suggest(v, rules::variable_names());
                    let vars: Vec<&str> = rules::variable_names().collect();
                    self.err("invalid-expression", loc, format!("unknown variable `{v}` in rule expression")).hint =
                        Some(match hint {
                            Some(h) => format!("did you mean `{h}`? rules can read {}", vars.join(", ")),
                            None => format!("rules can read {}", vars.join(", ")),
                        });
                }
                ok
            }
        }
    }

    /// The static checks of each CEL rule against the catalog: the names it reads and compares,
    /// its types and the functions it calls (see [`rules::analyse`]).
    #[allow(clippy::too_many_arguments)]
    fn check_rules(
        &mut self,
        files: &[(Unit, RawFile)],
        rules_: &[Rule],
        components: &[Component],
        bases: &[Base],
        tags: &[String],
        families: &[String],
        metals: &[Metal],
        stones: &[Stone],
        materials: &[Material],
    ) {
        // The raw expressions, by rule id, with their files.
        let mut exprs: HashMap<&str, RuleSources> = HashMap::new();
        for (f, raw) in files {
            for x in &raw.rule {
                let r = x.get_ref();
                if let (Some(id), Some(req)) = (&r.id, &r.require) {
                    exprs.entry(id.get_ref().as_str()).or_insert((f, r.when.as_ref(), req));
                }
            }
        }
        for (i, rule) in rules_.iter().enumerate() {
            let RuleSpec::Expr { .. } = &rule.spec else { continue };
            let Some(&(f, when, req)) = exprs.get(rule.id.as_str()) else { continue };
            let scope_bases: Vec<&Base> = bases
                .iter()
                .enumerate()
                .filter(|(bi, _)| rule.bases.is_empty() || rule.bases.contains(&(*bi as BaseId)))
                .map(|(_, b)| b)
                .collect();
            let scope =
                rule_scope(&scope_bases, components, tags, families, metals, stones, materials, &self.extra.broken);
            let f = f.clone();
            for e in [when, Some(req)].into_iter().flatten() {
                let Ok(p) = rules::compile(e.get_ref()) else { continue };
                let mut findings = rules::analyse(&p, &scope);
                // A name the lost entries may define is not reported a second time.
                findings.retain(|x| !(x.code == "unknown-reference" && self.broken_name(&x.message)));
                let mut said: HashSet<String> = HashSet::new();
                for x in findings {
                    if !said.insert(x.message.clone()) {
                        continue;
                    }
                    self.extra.rule_errors.insert(i);
                    let loc = self.value_loc(&f, e, x.start);
                    self.err(x.code, loc, format!("rule {}: {}", rule.id, x.message)).hint = x.hint;
                }
            }
        }
    }

    /// Whether an unknown-reference finding names something a lost entry may define.
    fn broken_name(&self, message: &str) -> bool {
        // Findings read `var["key"]: …`.
        let Some((var, rest)) = message.split_once("[\"") else { return false };
        let Some((key, _)) = rest.split_once("\"]") else { return false };
        let ns = match var {
            "skus" => "component",
            "tags" => "tag",
            "families" => "family",
            "fields" | "params" => "mount",
            _ => return false,
        };
        if ns == "mount" {
            return self.extra.broken.any("mount");
        }
        self.extra.broken.may_define(ns, key)
    }
}

/// The variables that comprehensions bind in `e` (`k` in `kinds.all(k, …)`).
fn bound_names(e: &cel::IdedExpr) -> Vec<String> {
    use cel::common::ast::Expr;
    let mut out = Vec::new();
    fn go(e: &cel::IdedExpr, out: &mut Vec<String>) {
        match &e.expr {
            Expr::Comprehension(c) => {
                out.push(c.iter_var.clone());
                if let Some(v) = &c.iter_var2 {
                    out.push(v.clone());
                }
                out.push(c.accu_var.clone());
                for x in [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                    go(x, out);
                }
            }
            Expr::Call(c) => {
                if let Some(t) = &c.target {
                    go(t, out);
                }
                for a in &c.args {
                    go(a, out);
                }
            }
            Expr::Select(s) => go(&s.operand, out),
            Expr::List(l) => l.elements.iter().for_each(|x| go(x, out)),
            _ => {}
        }
    }
    go(e, &mut out);
    out
}

/// What a rule over `bases` may name: every SKU, kind, tag and family of the catalog; the fields
/// and parameters of those bases; and the values of the closed ones.
#[allow(clippy::too_many_arguments)]
fn rule_scope(
    bases: &[&Base],
    components: &[Component],
    tags: &[String],
    families: &[String],
    metals: &[Metal],
    stones: &[Stone],
    materials: &[Material],
    broken: &Broken,
) -> rules::Scope {
    let mut s = rules::Scope::default();
    s.keys.insert("skus", components.iter().map(|c| c.sku.clone()).collect());
    s.keys.insert("kinds", Kind::ALL.iter().map(|k| k.as_str().to_string()).collect());
    s.keys.insert("tags", tags.to_vec());
    s.keys.insert("families", families.to_vec());
    let mut fields: Vec<String> = Vec::new();
    let mut params: Vec<String> = Vec::new();
    let add = |m: &mut HashMap<String, Vec<String>>, key: String, values: Vec<String>| {
        let e = m.entry(key).or_default();
        for v in values {
            if !e.contains(&v) {
                e.push(v);
            }
        }
    };
    // Fields whose values are open (text) on one of the bases: no closed list for them.
    let mut open: HashSet<String> = HashSet::new();
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    add(&mut values, "base".into(), bases.iter().map(|b| b.id.clone()).collect());
    add(&mut values, "piece".into(), bases.iter().map(|b| b.piece.as_str().to_string()).collect());
    add(&mut values, "size".into(), bases.iter().flat_map(|b| b.sizes.iter().map(|z| z.id.clone())).collect());
    for b in bases {
        for f in &b.fields {
            if !fields.contains(&f.id) {
                fields.push(f.id.clone());
            }
            let key = format!("fields/{}", f.id);
            match &f.spec {
                FieldSpec::Choice { options, .. } => {
                    add(&mut values, key, options.iter().map(|o| o.id.clone()).collect())
                }
                FieldSpec::Colour { colours, .. } => {
                    add(&mut values, key, colours.iter().map(|&i| materials[i as usize].id.clone()).collect())
                }
                _ => {
                    open.insert(key);
                }
            }
        }
        for m in &b.mounts {
            let MountSpec::Parametric(p) = &m.spec else { continue };
            for n in p.param_names() {
                if !params.iter().any(|x| x == n) {
                    params.push(n.to_string());
                }
                let key = format!("params/{n}");
                let list: Option<Vec<String>> = match n {
                    "metal" => Some(p.metals.iter().map(|&i| metals[i as usize].id.clone()).collect()),
                    "stone" => Some(p.stones.iter().map(|&i| stones[i as usize].id.clone()).collect()),
                    "profile" => Some(p.profiles.iter().map(|x| x.as_str().to_string()).collect()),
                    "cut" => Some(p.cuts.iter().map(|x| x.id.clone()).collect()),
                    "setting" => Some(p.settings.iter().map(|x| x.id.clone()).collect()),
                    _ => None,
                };
                match list {
                    Some(l) => add(&mut values, key, l),
                    None => {
                        open.insert(key);
                    }
                }
            }
        }
    }
    // A base that lost a mount or field may have had any: names and values are not checked then.
    if bases.iter().any(|b| broken.may_define("mount", &b.id)) || broken.any("base") {
        values.retain(|k, _| !k.starts_with("fields/") && !k.starts_with("params/"));
    } else {
        s.keys.insert("fields", fields);
        s.keys.insert("params", params);
    }
    values.retain(|k, _| !open.contains(k));
    s.values = values;
    s
}

/// A CEL rule's file, `when` and `require`, as written.
type RuleSources<'f> = (&'f Unit, Option<&'f S<String>>, &'f S<String>);

/// What a base's mounts and fields are resolved against.
struct BaseCtx<'c> {
    families: &'c [String],
    by_sku: &'c HashMap<String, CompId>,
    metal_ix: &'c HashMap<String, MetalId>,
    stone_ix: &'c HashMap<String, StoneId>,
    mat_ix: &'c HashMap<String, MaterialId>,
    font_ix: &'c HashMap<String, FontId>,
    materials: &'c [Material],
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
