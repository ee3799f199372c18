//! Property tests over random designs of both catalogs in the repository (the demo brand and
//! Atelier Sable, written by someone else from the docs):
//! - evaluation never panics, whatever the design;
//! - a design called valid satisfies an independent re-check of the structural rules;
//! - a candidate called feasible, applied to any design (valid or not), makes no violation worse,
//!   and from a valid design gives a valid design;
//! - an offered repair, applied with its candidate, leaves no violation the design did not have
//!   (nothing worse than before), whatever the design;
//! - every spelled word gives a valid design, or the spelling says why;
//! - an alteration of a made piece accepted on a valid design leaves it valid (stock aside: the
//!   piece's own modules were drawn from stock when it was made).

mod common;
use common::{catalog_engine, demo_dir};
use orfevre_catalog::{FieldSpec, Mm, MountSpec};
use orfevre_engine::{
    apply_choice, apply_repair, worse, Alteration, Choice, Design, Engine, FieldValue, MountDesign, WordProblem,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The demo brand and Atelier Sable.
fn engines() -> &'static [Engine] {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| vec![catalog_engine("demo"), catalog_engine("atelier-sable")])
}

prop_compose! {
    /// A design of one of the catalogs' bases: components picked at random (half of them among
    /// those the mount takes), random options, texts and sizes; most are invalid in some way.
    fn design()(
        catalog in 0usize..2,
        base in 0usize..16,
        size in 0usize..16,
        picks in proptest::collection::vec((0usize..4, 0usize..400, any::<bool>()), 0..14),
        text in "[A-Za-zéü★ ]{0,16}",
        options in proptest::collection::vec(0usize..5, 4),
    ) -> (usize, Design) {
        let e = &engines()[catalog];
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
            let takes: Vec<&str> = cat.components.iter().filter(|c| cat.mount_takes(m, c).is_ok()).map(|c| c.sku.as_str()).collect();
            let sku = |i: usize, fitting: bool| {
                if fitting && !takes.is_empty() { takes[i % takes.len()].to_string() } else { cat.components[i % cat.components.len()].sku.clone() }
            };
            match &m.spec {
                MountSpec::Strand(s) => {
                    let mut secs = vec![Vec::new(); s.sections()];
                    for &(sec, c, fit) in &picks { secs[sec % s.sections()].push(sku(c, fit)); }
                    md.sections = Some(secs);
                }
                MountSpec::Slots(_) => md.slots = Some(picks.iter().map(|&(n, c, fit)| if n == 0 { None } else { Some(sku(c, fit)) }).collect()),
                MountSpec::Socket(_) => md.item = picks.first().map(|&(_, c, fit)| sku(c, fit)),
                MountSpec::Container(_) => md.items = Some(picks.iter().map(|&(_, c, fit)| sku(c, fit)).collect()),
                MountSpec::Parametric(_) => {}
            }
            d.mounts.insert(m.id.clone(), md);
        }
        for (k, f) in b.fields.iter().enumerate() {
            let pick = options[k % options.len()];
            let value = match &f.spec {
                FieldSpec::Engraving { .. } | FieldSpec::Text { .. } if !text.is_empty() => FieldValue { text: Some(text.clone()), ..Default::default() },
                FieldSpec::Choice { options, .. } if pick < options.len() => FieldValue { choice: Some(options[pick].id.clone()), ..Default::default() },
                FieldSpec::Colour { colours, .. } if pick < colours.len() => FieldValue { choice: Some(cat.materials[colours[pick] as usize].id.clone()), ..Default::default() },
                FieldSpec::Choice { .. } | FieldSpec::Colour { .. } if pick == 4 => FieldValue { choice: Some("no-such-option".into()), ..Default::default() },
                _ => continue,
            };
            d.fields.insert(f.id.clone(), value);
        }
        // As every design that reaches the engine from outside: normalised (NFC, blank text dropped).
        (catalog, d.normalized())
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
            let per = (size.length.unwrap().um() - s.reserve.um()) / s.sections() as i64;
            let fill: f64 = s.max_fill.to_string().parse().unwrap();
            let cap = (per as f64 * fill).floor() as i64;
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
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn evaluation_never_panics_and_valid_means_valid((c, d) in design()) {
        let e = &engines()[c];
        let ev = e.evaluate(&d);
        prop_assert_eq!(ev.valid, ev.violations.is_empty());
        if ev.valid { oracle(e, &d); }
        // The hash is stable under a JSON round trip.
        let again = Design::from_json(d.canonical_json().as_bytes()).unwrap();
        prop_assert_eq!(again.hash(), ev.design_hash);
    }

    #[test]
    fn feasible_candidates_make_nothing_worse_and_repairs_keep_their_promises((c, d) in design(), pick in 0usize..64) {
        let e = &engines()[c];
        let choices = e.open_choices(&d);
        prop_assume!(!choices.is_empty());
        let choice = &choices[pick % choices.len()];
        let before = e.violations(&d);
        let was_valid = before.is_empty();
        let report = e.choice(&d, choice);
        for cand in report.candidates.iter().take(40) {
            let mut nd = d.clone();
            apply_choice(&mut nd, &report.choice, &cand.option);
            let after = e.violations(&nd);
            if cand.feasible {
                prop_assert!(worse(&before, &after).is_empty(), "feasible {} made worse: {:?}", cand.option, worse(&before, &after));
                prop_assert!(!was_valid || after.is_empty(), "feasible {} broke a valid design: {:?}", cand.option, after);
            } else {
                prop_assert!(!cand.reasons.is_empty());
                prop_assert!(!worse(&before, &after).is_empty(), "{} called infeasible but nothing got worse", cand.option);
            }
            if let Some(r) = &cand.repair {
                let mut rd = d.clone();
                apply_repair(&mut rd, &r.edits, &report.choice, &cand.option);
                let repaired = e.violations(&rd);
                prop_assert!(worse(&before, &repaired).is_empty(), "repair {} with {} left {:?}", r.description, cand.option, worse(&before, &repaired));
                prop_assert!(!was_valid || repaired.is_empty(), "repair {} with {} broke a valid design", r.description, cand.option);
            }
        }
    }

    /// Every violation the evaluation offers a repair for is gone once the repair is applied, and
    /// nothing got worse.
    #[test]
    fn repairs_attached_to_violations_fix_them((c, d) in design()) {
        let e = &engines()[c];
        let ev = e.evaluate(&d);
        for v in ev.violations.iter().filter(|v| v.repair.is_some()) {
            let r = v.repair.as_ref().unwrap();
            let mut rd = d.clone();
            for ed in &r.edits { orfevre_engine::apply_edit(&mut rd, ed); }
            let after = e.violations(&rd);
            prop_assert!(worse(&ev.violations, &after).is_empty(), "{}: {:?}", r.description, worse(&ev.violations, &after));
            prop_assert!(!after.iter().any(|a| a.rule == v.rule && a.place.mount == v.place.mount), "{} did not fix {}", r.description, v.message);
        }
    }

    /// Whatever is typed, the spelled design is valid, or the spelling says why.
    #[test]
    fn every_spelled_word_is_valid_or_the_spelling_says_why(c in 0usize..2, word in "[A-Za-zÉéÜüÊê ]{0,40}", size in 0usize..8) {
        let e = &engines()[c];
        let (base, mount) = [("name-bracelet", "strand"), ("bracelet-lettres", "cordon")][c];
        let b = &e.catalog.bases[e.catalog.base(base).unwrap() as usize];
        let size = b.sizes[size % b.sizes.len()].id.clone();
        let s = e.spell(base, mount, Some(&size), &word);
        let ev = e.evaluate(s.design.as_ref().unwrap());
        let reasons: Vec<&WordProblem> = s.problems.iter().filter(|p| !matches!(p, WordProblem::Empty { .. })).collect();
        prop_assert!(ev.valid || !s.problems.is_empty(), "{word:?} spelled an invalid design without a reason: {:?}", ev.violations);
        prop_assert!(!ev.valid || reasons.is_empty(), "{word:?} spelled a valid design yet reports {:?}", reasons);
        // Every letter typed is in the design, or an issue names it.
        let letters = word.chars().filter(|c| !c.is_whitespace()).count();
        let placed = s.skus.iter().filter(|k| e.catalog.comp(e.catalog.component(k).unwrap()).kind == orfevre_catalog::Kind::LetterBead).count();
        prop_assert_eq!(placed + s.issues.len(), letters);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Grow valid strand designs one feasible candidate at a time (the screened fast path):
    /// every step must stay valid, and the full evaluation must agree with every verdict.
    #[test]
    fn growing_by_feasible_candidates_stays_valid(base in 0usize..4, steps in proptest::collection::vec((0usize..3, 0usize..1000), 1..18)) {
        let (c, id) = [(0, "moments-bracelet"), (0, "reflets-bracelet"), (0, "locket"), (1, "bracelet-clips")][base];
        let e = &engines()[c];
        let v = &e.catalog.brand;
        let mut d = Design::from_json(format!(r#"{{"catalog":{{"id":"{}","version":"{}"}},"base":"{id}"}}"#, v.id, v.version).as_bytes()).unwrap();
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
        let mut out: Vec<_> = std::fs::read_dir(demo_dir().join("examples"))
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
        let e = &engines()[0];
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
