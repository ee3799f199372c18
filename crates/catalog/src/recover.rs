//! Reading what can be read of a catalog file that is not valid as a whole: its text cut at its
//! top-level tables so each entry is read alone, a base's mounts and fields lifted out to be read
//! one by one, and the names a lost entry defined recovered from its text without trusting its
//! syntax ([`Broken`]), so that nothing referring to them gets a second error.

use std::collections::HashSet;

/// What entries that could not be read defined, so that nothing referring to them gets a second
/// error. Namespaces: `component`, `family`, `tag`, `base`, `metal`, `stone`, `material`, `font`,
/// `rule`, `bundle`, `brand`, `pricing`, `mount` for a base that lost a mount or field, and
/// `sizes` for a base without sizes.
#[derive(Debug, Default)]
pub struct Broken {
    pub(crate) names: HashSet<(&'static str, String)>,
    /// Namespaces where an entry was lost without its names being known.
    pub(crate) unknown: HashSet<&'static str>,
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
    pub(crate) fn add(&mut self, namespace: &'static str, name: &str) {
        self.names.insert((namespace, name.to_string()));
    }
}

/// A header line's table: its dotted key, and whether it is an array of tables (`[[…]]`).
pub(crate) fn header(line: &str) -> Option<(Vec<String>, bool)> {
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
pub(crate) struct Group<'t> {
    pub(crate) offset: usize,
    pub(crate) text: &'t str,
    /// The group's top-level table name (`""` for the keys before any header).
    pub(crate) table: String,
    /// Headers under it (two or more segments): their offset in the group and their key.
    pub(crate) subs: Vec<(usize, Vec<String>)>,
}

pub(crate) fn groups(text: &str) -> Vec<Group<'_>> {
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
    let ends: Vec<usize> = out[1..].iter().map(|g| g.offset).chain(std::iter::once(text.len())).collect();
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
        "production" => "production",
        "machine" => "machine",
        "jig" => "jig",
        _ => return None,
    })
}

/// The quoted strings of `key = "…"` or `key = ["…", …]` on one line, read without a parser.
pub(crate) fn scan_values(text: &str, key: &str) -> Vec<String> {
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
pub(crate) fn salvage(broken: &mut Broken, g: &Group) {
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
pub(crate) fn lift_header(line: &str, first: &str) -> String {
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
