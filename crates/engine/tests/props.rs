//! Property tests over random designs of the demo brand.
//! - evaluation never panics, whatever the design;
//! - a design called valid satisfies an independent re-check of the structural rules;
//! - a candidate called feasible, added, leaves a valid design valid;
//! - a suggested repair, applied, makes its candidate feasible;
//! - an alteration of a made piece accepted on a valid design leaves it valid (stock aside: the
//!   piece's own modules were drawn from stock when it was made).

mod common;
use common::demo_engine;
use orfevre_catalog::{Mm, MountSpec};
use orfevre_engine::{apply_choice, apply_repair, worse, Alteration, Choice, Design, Engine, MountDesign};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(demo_engine)
}

prop_compose! {
    fn design()(base in 0usize..12, size in 0usize..16, picks in proptest::collection::vec((0usize..4, 0usize..200), 0..14), text in "[A-Za-zéü★ ]{0,16}") -> Design {
        let e = engine();
        let cat = &e.catalog;
        let b = &cat.bases[base % cat.bases.len()];
        let mut d = Design {
            catalog: orfevre_engine::CatalogRef { id: cat.brand.id.clone(), version: cat.brand.version.clone() },
            base: b.id.clone(),
            size: Some(b.sizes[size % b.sizes.len()].id.clone()),
            mounts: BTreeMap::new(),
            fields: BTreeMap::new(),
        };
        for m in &b.mounts {
            let mut md = MountDesign::default();
            let skus = |i: usize| cat.components[i % cat.components.len()].sku.clone();
            match &m.spec {
                MountSpec::Strand(s) => {
                    let mut secs = vec![Vec::new(); s.sections()];
                    for &(sec, c) in &picks { secs[sec % s.sections()].push(skus(c)); }
                    md.sections = Some(secs);
                }
                MountSpec::Slots(_) => md.slots = Some(picks.iter().map(|&(n, c)| if n == 0 { None } else { Some(skus(c)) }).collect()),
                MountSpec::Socket(_) => md.item = picks.first().map(|&(_, c)| skus(c)),
                MountSpec::Container(_) => md.items = Some(picks.iter().map(|&(_, c)| skus(c)).collect()),
                MountSpec::Parametric(_) => {}
            }
            d.mounts.insert(m.id.clone(), md);
        }
        if !text.is_empty() {
            for f in &b.fields {
                d.fields.insert(f.id.clone(), orfevre_engine::FieldValue { text: Some(text.clone()), ..Default::default() });
            }
        }
        // As every design that reaches the engine from outside: normalised (NFC, blank text dropped).
        d.normalized()
    }
}

/// An independent, naive re-check of capacity, counts and stock for a valid design.
fn oracle(e: &Engine, d: &Design) {
    let cat = &e.catalog;
    let b = &cat.bases[cat.base(&d.base).unwrap() as usize];
    let size = &b.sizes[b.size(d.size.as_deref().unwrap()).unwrap()];
    let mut used: HashMap<String, u32> = HashMap::new();
    for m in &b.mounts {
        let Some(md) = d.mounts.get(&m.id) else { continue };
        if let MountSpec::Strand(s) = &m.spec {
            let cap = (size.length.unwrap().um() - s.reserve.um()) / s.sections() as i64;
            let mut n = 0;
            for sec in md.sections.iter().flatten() {
                let w: i64 = sec.iter().map(|k| cat.comp(cat.component(k).unwrap()).width.um()).sum();
                assert!(Mm::from_um(w) <= Mm::from_um(cap), "section over capacity in a valid design");
                n += sec.len() as u32;
            }
            if let Some(max) = s.max_count {
                assert!(n <= max);
            }
        }
        for sku in md.sections.iter().flatten().flatten().chain(md.items.iter().flatten()).chain(md.item.iter()) {
            *used.entry(sku.clone()).or_default() += 1;
        }
    }
    for (sku, n) in used {
        if let Some(s) = cat.comp(cat.component(&sku).unwrap()).stock {
            assert!(n <= s, "{sku} over stock in a valid design");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn evaluation_never_panics_and_valid_means_valid(d in design()) {
        let e = engine();
        let ev = e.evaluate(&d);
        prop_assert_eq!(ev.valid, ev.violations.is_empty());
        if ev.valid { oracle(e, &d); }
        // The hash is stable under a JSON round trip.
        let again = Design::from_json(d.canonical_json().as_bytes()).unwrap();
        prop_assert_eq!(again.hash(), ev.design_hash);
    }

    #[test]
    fn feasible_candidates_and_repairs_keep_their_promises(d in design(), pick in 0usize..64) {
        let e = engine();
        let choices = e.open_choices(&d);
        prop_assume!(!choices.is_empty());
        let c = &choices[pick % choices.len()];
        let was_valid = e.evaluate(&d).valid;
        let report = e.choice(&d, c);
        for cand in report.candidates.iter().take(40) {
            let mut nd = d.clone();
            apply_choice(&mut nd, &report.choice, &cand.option);
            if cand.feasible {
                prop_assert!(e.feasible(&d, c, &cand.option));
                if was_valid {
                    let ev = e.evaluate(&nd);
                    prop_assert!(ev.valid, "feasible {} broke {:?}", cand.option, ev.violations);
                }
            } else {
                prop_assert!(!cand.reasons.is_empty());
                prop_assert!(!e.feasible(&d, c, &cand.option), "{} called infeasible but full evaluation admits it", cand.option);
            }
            if let Some(r) = &cand.repair {
                let mut rd = d.clone();
                apply_repair(&mut rd, &r.edits, &report.choice, &cand.option);
                let before = e.violations(&d);
                let after = e.violations(&rd);
                prop_assert!(worse(&before, &after).is_empty(), "repair {} did not admit {}: {:?}", r.description, cand.option, worse(&before, &after));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Grow valid strand designs one feasible candidate at a time (the screened fast path):
    /// every step must stay valid, and the full evaluation must agree with every verdict.
    #[test]
    fn growing_by_feasible_candidates_stays_valid(base in 0usize..3, steps in proptest::collection::vec((0usize..3, 0usize..1000), 1..18)) {
        let e = engine();
        let id = ["moments-bracelet", "reflets-bracelet", "locket"][base];
        let mut d = Design::from_json(format!(r#"{{"catalog":{{"id":"maison-lumen","version":"2026.11.1"}},"base":"{id}"}}"#).as_bytes()).unwrap();
        prop_assert!(e.evaluate(&d).valid);
        for (sec, pick) in steps {
            let choices = e.open_choices(&d);
            let inserts: Vec<_> = choices.iter().filter(|c| matches!(c, Choice::Insert { .. })).collect();
            let c = inserts[sec % inserts.len()];
            let report = e.choice(&d, c);
            for cand in &report.candidates {
                prop_assert_eq!(cand.feasible, e.feasible(&d, c, &cand.option), "verdict on {} differs from full evaluation", cand.option);
            }
            let feasible: Vec<_> = report.candidates.iter().filter(|x| x.feasible).collect();
            if feasible.is_empty() { break; }
            apply_choice(&mut d, &report.choice, &feasible[pick % feasible.len()].option);
            let ev = e.evaluate(&d);
            prop_assert!(ev.valid, "{:?}", ev.violations);
        }
    }
}

/// The demo's valid examples, as made pieces.
fn made_pieces() -> &'static [Design] {
    static P: OnceLock<Vec<Design>> = OnceLock::new();
    P.get_or_init(|| {
        let mut out: Vec<_> = std::fs::read_dir(common::demo_dir().join("examples"))
            .unwrap()
            .map(|f| f.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("valid-"))
            .map(|p| Design::from_json(&std::fs::read(p).unwrap()).unwrap())
            .collect();
        out.sort_by_key(|d| d.hash());
        out
    })
}

fn is_module(c: &Choice) -> bool {
    matches!(c, Choice::Insert { .. } | Choice::Station { .. } | Choice::Slot { .. } | Choice::Socket { .. })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Alter made pieces (the valid examples) at random — components the mount lists as candidates,
    /// now and then any component, removals in and out of range: an accepted alteration leaves the
    /// piece valid (stock aside), and an addition the configurator calls feasible is accepted.
    #[test]
    fn accepted_alterations_keep_a_valid_piece_valid(piece in 0usize..64, ops in proptest::collection::vec((0usize..4, 0usize..64, 0usize..400, 0usize..12), 1..10)) {
        let e = engine();
        let pieces = made_pieces();
        let mut d = pieces[piece % pieces.len()].clone();
        let no_stock = |d: &Design| -> Vec<_> { e.violations(d).into_iter().filter(|v| v.rule != "stock").collect() };
        prop_assert!(no_stock(&d).is_empty());
        for (op, pick, sku, index) in ops {
            let a = if op < 3 {
                let modules: Vec<_> = e.open_choices(&d).into_iter().filter(is_module).collect();
                if modules.is_empty() { continue; }
                let choice = modules[pick % modules.len()].clone();
                let cands = e.choice(&d, &choice).candidates;
                let sku = if op == 2 || cands.is_empty() {
                    e.catalog.components[sku % e.catalog.components.len()].sku.clone()
                } else {
                    cands[sku % cands.len()].option.clone()
                };
                Alteration::Add { choice, sku }
            } else {
                let lists: Vec<(String, usize, usize)> = d.mounts.iter().flat_map(|(id, m)| {
                    let secs: Vec<usize> = match (&m.sections, &m.items) {
                        (Some(s), _) => s.iter().map(Vec::len).collect(),
                        (None, Some(i)) => vec![i.len()],
                        _ => vec![],
                    };
                    secs.into_iter().enumerate().map(|(n, len)| (id.clone(), n, len)).collect::<Vec<_>>()
                }).collect();
                if lists.is_empty() { continue; }
                let (mount, section, len) = lists[pick % lists.len()].clone();
                Alteration::Remove { mount, section, index: index % (len + 1) }
            };
            match e.alter(&d, &a) {
                Ok(done) => {
                    prop_assert!(no_stock(&done.design).is_empty(), "{:?} broke {:?}", a, no_stock(&done.design));
                    d = done.design;
                }
                Err(r) => {
                    prop_assert!(!r.reasons.is_empty());
                    if let Alteration::Add { choice, sku } = &a {
                        let out_of_stock = e.catalog.component(sku).is_some_and(|c| e.catalog.comp(c).stock == Some(0));
                        let same = r.reasons.iter().any(|m| m.contains("already there"));
                        prop_assert!(out_of_stock || same || !e.feasible(&d, choice, sku),
                            "{sku} refused ({:?}) though feasible", r.reasons);
                    }
                }
            }
        }
    }
}
