//! Catalogs nobody wrote: generated ones, and the demo's files damaged at random.
//! - a generated catalog (families, components of every strand kind, strands with counts, ends,
//!   stations and fill limits, rules of every kind) either loads or is refused with diagnostics;
//!   when it loads, evaluation, feasibility and repairs keep their promises on random designs;
//! - the checker and the engine never panic, whatever the catalog's bytes.

use orfevre_catalog::{load, MountSpec, SourceSet};
use orfevre_engine::{apply_choice, apply_repair, worse, Design, Engine};
use proptest::prelude::*;
use std::fmt::Write;
use std::path::PathBuf;

const KINDS: &[&str] = &["charm", "dangle", "clip", "spacer", "letter-bead", "bead"];

#[derive(Clone, Debug)]
struct Comp {
    kind: usize,
    family: usize,
    width_tenths: u32,
    stock: Option<u32>,
    tags: Vec<usize>,
    price: u32,
}

#[derive(Clone, Debug)]
struct Strand {
    reserve: u32,
    max_count: Option<u32>,
    max_dangle: Option<u32>,
    min_charm: Option<u32>,
    ends: bool,
    stations: u32,
    fill_pct: u32,
}

#[derive(Clone, Debug)]
enum GenRule {
    Requires { tag: usize, kind: usize },
    Excludes { a: usize, b: usize },
    AtMost { tag: usize, n: u32 },
    Either { n: u32 },
}

fn comp() -> impl Strategy<Value = Comp> {
    (0..KINDS.len(), 0usize..3, 20u32..150, prop::option::of(0u32..4), prop::collection::vec(0usize..4, 0..3), 1u32..90)
        .prop_map(|(kind, family, width_tenths, stock, tags, price)| Comp {
            kind,
            family,
            width_tenths,
            stock,
            tags,
            price,
        })
}

fn strand() -> impl Strategy<Value = Strand> {
    (
        0u32..60,
        prop::option::of(1u32..15),
        prop::option::of(0u32..4),
        prop::option::of(0u32..3),
        any::<bool>(),
        0u32..3,
        50u32..101,
    )
        .prop_map(|(reserve, max_count, max_dangle, min_charm, ends, stations, fill_pct)| Strand {
            reserve,
            max_count,
            max_dangle,
            min_charm,
            ends,
            stations,
            fill_pct,
        })
}

fn rule() -> impl Strategy<Value = GenRule> {
    prop_oneof![
        (0usize..4, 0..KINDS.len()).prop_map(|(tag, kind)| GenRule::Requires { tag, kind }),
        (0usize..4, 0usize..4).prop_map(|(a, b)| GenRule::Excludes { a, b }),
        (0usize..4, 0u32..4).prop_map(|(tag, n)| GenRule::AtMost { tag, n }),
        (0u32..4).prop_map(|n| GenRule::Either { n }),
    ]
}

/// The catalog's TOML files. Each base takes one family; what would make a catalog wrong on
/// purpose is steered away from (a clip without stations, ends without spacers, a rule naming
/// an unused tag), so that most generated catalogs load and the engine's promises get tested.
fn sources(comps: &[Comp], strands: &[Strand], rules: &[GenRule]) -> SourceSet {
    let n = strands.len();
    let mut comps: Vec<Comp> = comps.to_vec();
    for c in comps.iter_mut() {
        c.family %= n;
        if KINDS[c.kind] == "clip" && strands[c.family].stations == 0 {
            c.kind = 0;
        }
    }
    // Every strand's ends, minimum and family get what they need.
    for (f, st) in strands.iter().enumerate() {
        let has =
            |k: &str, comps: &[Comp]| comps.iter().any(|c| c.family == f && KINDS[c.kind] == k && c.stock != Some(0));
        if st.ends && !has("spacer", &comps) {
            comps.push(Comp { kind: 3, family: f, width_tenths: 30, stock: None, tags: vec![], price: 5 });
        }
        if (st.min_charm.is_some() || !comps.iter().any(|c| c.family == f)) && !has("charm", &comps) {
            comps.push(Comp { kind: 0, family: f, width_tenths: 50, stock: None, tags: vec![0], price: 20 });
        }
    }
    let mut s = SourceSet::new();
    s.insert("brand.toml", "[brand]\nid = \"gen\"\nname = \"Generated\"\nversion = \"1\"\ncurrency = \"EUR\"\nrounding = { step = \"1\", ending = \"0\" }\n");
    let mut c = String::new();
    for (i, x) in comps.iter().enumerate() {
        let tags: Vec<String> = x.tags.iter().map(|t| format!("\"t{t}\"")).collect();
        let glyph = if KINDS[x.kind] == "letter-bead" {
            format!("glyph = \"{}\"\n", (b'A' + (i % 26) as u8) as char)
        } else {
            String::new()
        };
        let connector = if KINDS[x.kind] == "clip" { "clip" } else { "threaded" };
        let stock = x.stock.map(|n| format!("stock = {n}\n")).unwrap_or_default();
        writeln!(
            c,
            "[[component]]\nsku = \"C{i}\"\nname = \"Piece {i}\"\nkind = \"{}\"\nfamily = \"f{}\"\nconnector = \"{connector}\"\nwidth_mm = {}.{}\nhole_mm = 4\nweight_g = 1.5\nprice = \"{}.00\"\n{stock}{glyph}tags = [{}]\n",
            KINDS[x.kind], x.family, x.width_tenths / 10, x.width_tenths % 10, x.price, tags.join(", ")
        )
        .unwrap();
    }
    s.insert("components.toml", c);
    let mut b = String::new();
    for (i, st) in strands.iter().enumerate() {
        writeln!(
            b,
            "[[base]]\nid = \"b{i}\"\nname = \"Bracelet {i}\"\npiece = \"bracelet\"\nprice = \"30\"\nsizes = [{{ id = \"16\", length_mm = 160 }}, {{ id = \"19\", length_mm = 190 }}]\n\n[[base.mount]]\nid = \"strand\"\nkind = \"strand\"\nfamilies = [\"f{i}\"]\nconnectors = [\"threaded\"]\nreserve_mm = {}\nmax_fill = {}",
            st.reserve,
            st.fill_pct as f64 / 100.0
        )
        .unwrap();
        if let Some(n) = st.max_count {
            writeln!(b, "max_count = {n}").unwrap();
        }
        if let Some(n) = st.max_dangle {
            writeln!(b, "max = {{ dangle = {} }}", n.max(1)).unwrap();
        }
        if let Some(n) = st.min_charm {
            writeln!(b, "min = {{ charm = {n} }}").unwrap();
        }
        if st.ends {
            writeln!(b, "first = \"spacer\"\nlast = \"spacer\"").unwrap();
        }
        if st.stations > 0 {
            writeln!(b, "stations = {{ count = {}, connectors = [\"clip\"] }}", st.stations).unwrap();
        }
        writeln!(b).unwrap();
    }
    s.insert("bases.toml", b);
    // Rules name tags and kinds the components have.
    let tags: Vec<usize> = {
        let mut t: Vec<usize> = comps.iter().flat_map(|c| c.tags.clone()).collect();
        t.sort();
        t.dedup();
        t
    };
    let kinds: Vec<usize> = {
        let mut k: Vec<usize> = comps.iter().map(|c| c.kind).collect();
        k.sort();
        k.dedup();
        k
    };
    let mut r = String::new();
    for (i, x) in rules.iter().enumerate() {
        let tag = |t: usize| tags.get(t % tags.len().max(1)).copied();
        let body = match x {
            GenRule::Requires { tag: t, kind } => match tag(*t) {
                Some(t) => format!(
                    "kind = \"requires\"\nif = {{ tag = \"t{t}\" }}\nthen = {{ kind = \"{}\" }}",
                    KINDS[kinds[kind % kinds.len()]]
                ),
                None => continue,
            },
            GenRule::Excludes { a, b } => match (tag(*a), tag(*b)) {
                (Some(a), Some(b)) => {
                    format!("kind = \"excludes\"\na = {{ tag = \"t{a}\" }}\nb = {{ tag = \"t{b}\" }}")
                }
                _ => continue,
            },
            GenRule::AtMost { tag: t, n } => match tag(*t) {
                Some(t) => format!("kind = \"expr\"\nrequire = 'tags[\"t{t}\"] <= {n}'"),
                None => continue,
            },
            GenRule::Either { n } => {
                format!("kind = \"expr\"\nrequire = 'kinds[\"dangle\"] <= {n} || kinds[\"clip\"] >= 1'")
            }
        };
        writeln!(r, "[[rule]]\nid = \"r{i}\"\nmessage = \"Rule {i}\"\n{body}\n").unwrap();
    }
    s.insert("rules.toml", r);
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn generated_catalogs_keep_the_engines_promises(
        comps in prop::collection::vec(comp(), 3..24),
        strands in prop::collection::vec(strand(), 1..3),
        rules in prop::collection::vec(rule(), 0..4),
        designs in prop::collection::vec((0usize..3, prop::collection::vec((0usize..4, 0usize..64), 0..12)), 1..6),
    ) {
        let src = sources(&comps, &strands, &rules);
        let loaded = load(&src);
        let Some(cat) = loaded.catalog else {
            // Refused: with at least one error, each located in a file of the catalog.
            prop_assert!(loaded.errors() > 0);
            for d in &loaded.diagnostics {
                prop_assert!(src.files.contains_key(d.loc.file.as_ref()), "{d}");
            }
            return Ok(());
        };
        let e = Engine::new(cat);
        for (base, picks) in designs {
            let b = &e.catalog.bases[base % e.catalog.bases.len()];
            let MountSpec::Strand(s) = &b.mounts[0].spec else { unreachable!() };
            let mut secs = vec![Vec::new(); s.sections()];
            for (sec, c) in &picks {
                secs[sec % s.sections()].push(format!("C{}", c % e.catalog.components.len()));
            }
            let json = serde_json::json!({"catalog": {"id": "gen", "version": "1"}, "base": b.id, "mounts": {"strand": {"sections": secs}}});
            let d = Design::from_json(json.to_string().as_bytes()).unwrap();
            let before = e.violations(&d);
            let ev = e.evaluate(&d);
            prop_assert_eq!(ev.valid, before.is_empty());
            for choice in e.open_choices(&d) {
                let report = e.choice(&d, &choice);
                for cand in report.candidates.iter().take(24) {
                    let mut nd = d.clone();
                    apply_choice(&mut nd, &report.choice, &cand.option);
                    let after = e.violations(&nd);
                    prop_assert_eq!(cand.feasible, worse(&before, &after).is_empty(), "{} on {:?}", cand.option, choice);
                    if cand.feasible && before.is_empty() {
                        prop_assert!(after.is_empty(), "feasible {} broke a valid design: {:?}", cand.option, after);
                    }
                    if let Some(r) = &cand.repair {
                        let mut rd = d.clone();
                        apply_repair(&mut rd, &r.edits, &report.choice, &cand.option);
                        let repaired = e.violations(&rd);
                        prop_assert!(worse(&before, &repaired).is_empty(), "repair {} of {}: {:?}", r.description, cand.option, worse(&before, &repaired));
                    }
                }
            }
        }
    }
}

fn demo() -> SourceSet {
    SourceSet::from_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/demo")).unwrap()
}

/// One random damage to a text: a range cut out, bytes of TOML's punctuation or another
/// script put in, a line doubled or two lines swapped.
#[derive(Clone, Debug)]
enum Damage {
    Cut(usize, usize),
    Insert(usize, String),
    Double(usize),
    Swap(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Damage::Cut(a, n)),
        (any::<usize>(), "[\\[\\]{}=\"',.#\\n a-z0-9é✓-]{1,12}").prop_map(|(a, s)| Damage::Insert(a, s)),
        any::<usize>().prop_map(Damage::Double),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::Swap(a, b)),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    let at = |i: usize| {
        let mut i = i % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match d {
        Damage::Cut(a, n) => {
            let a = at(*a);
            let b = at((a + n).min(text.len()));
            format!("{}{}", &text[..a], &text[b.max(a)..])
        }
        Damage::Insert(a, s) => {
            let a = at(*a);
            format!("{}{s}{}", &text[..a], &text[a..])
        }
        Damage::Double(i) if !lines.is_empty() => {
            let i = i % lines.len();
            let mut l = lines.clone();
            l.insert(i, lines[i]);
            l.concat()
        }
        Damage::Swap(a, b) if !lines.is_empty() => {
            let mut l = lines.clone();
            l.swap(a % lines.len(), b % lines.len());
            l.concat()
        }
        _ => text.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Whatever the damage, the checker answers with located diagnostics (or a catalog), and a
    /// catalog that still loads evaluates its examples and their choices without a panic.
    #[test]
    fn damaged_catalogs_never_panic(file in any::<usize>(), damages in prop::collection::vec(damage(), 1..4)) {
        let mut src = demo();
        let tomls: Vec<String> = src.files.keys().filter(|p| p.ends_with(".toml")).cloned().collect();
        let path = &tomls[file % tomls.len()];
        let mut text = String::from_utf8(src.files[path].clone()).unwrap();
        for d in &damages {
            text = apply(&text, d);
        }
        src.insert(path.clone(), text.into_bytes());
        let loaded = load(&src);
        for d in &loaded.diagnostics {
            prop_assert!(d.loc.line >= 1 && d.loc.col >= 1, "{d}");
        }
        if let Some(cat) = loaded.catalog {
            let e = Engine::new(cat);
            let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/demo/examples");
            for f in std::fs::read_dir(examples).unwrap().take(12) {
                let d = Design::from_json(&std::fs::read(f.unwrap().path()).unwrap()).unwrap();
                let _ = e.evaluate(&d);
                for c in e.open_choices(&d).into_iter().take(2) {
                    let _ = e.choice(&d, &c);
                }
            }
        }
    }
}
