//! Alterations of made pieces, on the demo brand's examples: each is checked against the piece's
//! current state; added modules alone are checked against stock.

mod common;
use common::{demo_dir, demo_engine};
use orfevre_engine::{Alteration, AlterationKind, Choice, Design, Engine};

fn example(name: &str) -> Design {
    Design::from_json(&std::fs::read(demo_dir().join("examples").join(name)).unwrap()).unwrap()
}

fn insert(section: usize, sku: &str) -> Alteration {
    Alteration::Add { choice: Choice::insert("strand", section), sku: sku.into() }
}

fn station(index: usize, sku: &str) -> Alteration {
    Alteration::Add { choice: Choice::Station { mount: "strand".into(), index }, sku: sku.into() }
}

fn remove(section: usize, index: usize) -> Alteration {
    Alteration::Remove { mount: "strand".into(), section, index }
}

fn sections(d: &Design) -> Vec<Vec<String>> {
    d.mounts["strand"].sections.clone().unwrap()
}

#[test]
fn modules_are_added_swapped_and_removed_on_the_current_state() {
    let e = demo_engine();
    let made = example("valid-moments-bracelet.json");
    assert!(e.violations(&made).is_empty());

    let a = e.alter(&made, &insert(2, "MO-CH-HEART-SEA")).unwrap();
    assert_eq!((a.kind, a.sku.as_str(), a.replaced.as_deref()), (AlterationKind::ModuleAdded, "MO-CH-HEART-SEA", None));
    assert_eq!(sections(&a.design)[2], ["MO-CH-FLOWER-GARDEN", "MO-CH-HEART-SEA"]);
    assert_ne!(a.design.hash(), made.hash());
    assert!(e.violations(&a.design).is_empty());

    // The clip on station 1 is swapped; station 2 was empty, so a clip there is an addition.
    let s = e.alter(&a.design, &station(0, "MO-CL-STAR")).unwrap();
    assert_eq!((s.kind, s.replaced.as_deref()), (AlterationKind::ModuleSwapped, Some("MO-CL-DISC")));
    let s2 = e.alter(&s.design, &station(1, "MO-CL-HEART")).unwrap();
    assert_eq!((s2.kind, s2.replaced), (AlterationKind::ModuleAdded, None));
    let same = e.alter(&s2.design, &station(1, "MO-CL-HEART")).unwrap_err();
    assert_eq!(same.pointer, "/sku");
    assert!(same.reasons[0].contains("already there"), "{:?}", same.reasons);

    // Taking the dangle off section 2: the beads after it move down.
    let r = e.alter(&s2.design, &remove(1, 1)).unwrap();
    assert_eq!((r.kind, r.sku.as_str()), (AlterationKind::ModuleRemoved, "MO-DG-HEART"));
    assert_eq!(sections(&r.design)[1], ["MO-CH-STAR-SKY", "MO-CH-MOON-NIGHT"]);
    let none = e.alter(&r.design, &remove(1, 2)).unwrap_err();
    assert_eq!(none.pointer, "/index");
    assert!(none.reasons[0].contains("has 2 component(s)"), "{:?}", none.reasons);
    assert_eq!(e.alter(&r.design, &remove(7, 0)).unwrap_err().pointer, "/section");
}

#[test]
fn an_alteration_that_breaks_a_rule_is_refused_with_the_rule_and_a_repair() {
    let e = demo_engine();
    let made = example("valid-moments-bracelet.json");
    // The bracelet's charms are gold-tone: a rose-tone one breaks the catalog's excludes rule.
    let rose = e.alter(&made, &insert(0, "MO-CH-HEART-SKY")).unwrap_err();
    assert_eq!(rose.pointer, "/sku");
    assert!(rose.reasons.iter().any(|r| r.contains("Gold-tone and rose-tone")), "{:?}", rose.reasons);

    // A component of another family does not fit the strand at all.
    let other = e.alter(&made, &insert(0, "AB-A")).unwrap_err();
    assert_eq!(other.pointer, "/sku");
    assert!(!other.reasons.is_empty());
    let unknown = e.alter(&made, &insert(0, "NOPE")).unwrap_err();
    assert!(unknown.reasons[0].contains("no component NOPE"), "{:?}", unknown.reasons);

    // A parameter is not a module.
    let param = Alteration::Add { choice: Choice::Size, sku: "19".into() };
    assert_eq!(e.alter(&made, &param).unwrap_err().pointer, "/choice/kind");

    // The 16 cm bracelet filled to its length: one more charm does not fit, and the repair
    // offered (a larger size or a removal) is verified by the engine.
    let mut full = made.clone();
    full.size = Some("16".into());
    let mut refused = None;
    for _ in 0..30 {
        match e.alter(&full, &insert(2, "MO-SP-PLAIN")) {
            Ok(a) => full = a.design,
            Err(r) => {
                refused = Some(r);
                break;
            }
        }
    }
    let refused = refused.expect("a 16 cm chain fills up");
    assert!(refused.repair.is_some(), "{refused:?}");

    // Removing a name bracelet's letters: the first two go, the last one is what it needs.
    let mut name = example("valid-name-bracelet.json");
    for _ in 0..2 {
        name = e.alter(&name, &remove(0, 1)).unwrap().design;
    }
    assert_eq!(sections(&name)[0], ["AB-SP-GOLD", "AB-E-ACUTE", "AB-SP-GOLD"]);
    let last = e.alter(&name, &remove(0, 1)).unwrap_err();
    assert_eq!(last.pointer, "/index");
    assert_eq!(last.reasons, ["the cord needs at least 1 letter bead; the design has 0".to_string()]);
    // So is the spacer the cord starts with.
    let spacer = e.alter(&name, &remove(0, 0)).unwrap_err();
    assert!(spacer.reasons.iter().any(|r| r.contains("spacer")), "{:?}", spacer.reasons);
}

#[test]
fn only_the_added_module_is_checked_against_stock() {
    let loaded = orfevre_catalog::load_dir(&demo_dir()).unwrap();
    let mut cat = loaded.catalog.unwrap();
    let set_stock = |cat: &mut orfevre_catalog::Catalog, sku: &str, n: u32| {
        let id = cat.component(sku).unwrap();
        cat.components[id as usize].stock = Some(n);
    };
    // One heart left in the shop, one already on the piece: the piece's own is not counted.
    set_stock(&mut cat, "MO-CH-HEART-LOVE", 1);
    set_stock(&mut cat, "MO-CH-HEART-SEA", 0);
    let e = Engine::new(cat);
    let made = example("valid-moments-bracelet.json");
    let added = e.alter(&made, &insert(2, "MO-CH-HEART-LOVE")).unwrap();
    assert!(e.violations(&added.design).iter().any(|v| v.rule == "stock"), "the design's own rule counts both");
    let out = e.alter(&made, &insert(2, "MO-CH-HEART-SEA")).unwrap_err();
    assert_eq!(out.reasons, ["Sea heart charm is out of stock".to_string()]);
}
