//! Data-driven: every example design of the demo brand, evaluated, against golden files.
//! `valid-*.json` must be valid; `invalid-*.json` must be invalid for the rule its name says.

mod common;
use common::{demo_dir, demo_engine};
use orfevre_engine::Design;

/// The rule each invalid example exists to show.
fn expected_rule(name: &str) -> &'static str {
    match name {
        "invalid-capacity" => "capacity",
        "invalid-family" | "invalid-link-family" => "family",
        "invalid-stock" => "stock",
        "invalid-count" | "invalid-container" => "count",
        "invalid-max-kind" => "max-kind",
        "invalid-min-kind" => "min-kind",
        "invalid-order" => "order",
        "invalid-station" => "station",
        "invalid-slots" => "slots",
        "invalid-socket-required" => "required",
        "invalid-requires" => "rule:pave-needs-clip",
        "invalid-excludes" => "rule:no-mixed-tones",
        "invalid-expr" => "rule:dangles-need-clips",
        "invalid-knife-edge" => "rule:knife-edge-small-stones",
        "invalid-charset" => "charset",
        "invalid-text-length" => "text-length",
        "invalid-font" => "font",
        "invalid-option" => "option",
        "invalid-param-range" => "param",
        "invalid-wall" => "wall",
        "invalid-setting" => "setting",
        "invalid-size" => "size",
        "invalid-unknown-sku" => "unknown-sku",
        other => panic!("no expected rule for example {other}: add it here"),
    }
}

#[test]
fn every_example_evaluates_as_named_and_matches_its_golden() {
    let engine = demo_engine();
    let mut paths: Vec<_> =
        std::fs::read_dir(demo_dir().join("examples")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut bases_with_valid = std::collections::BTreeSet::new();
    assert!(paths.len() >= 30, "the demo needs its examples");
    for p in paths {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let d = Design::from_json(&std::fs::read(&p).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut ev = engine.evaluate(&d);
        // The digest changes with any catalog edit; the goldens are about the evaluation.
        ev.catalog.digest = "<catalog digest>".into();
        if name.starts_with("valid-") {
            assert!(ev.valid, "{name} should be valid: {:#?}", ev.violations);
            bases_with_valid.insert(d.base.clone());
        } else {
            let rule = expected_rule(&name);
            assert!(ev.violations.iter().any(|v| v.rule == rule), "{name} should break {rule}: {:#?}", ev.violations);
        }
        insta::assert_json_snapshot!(name, ev);
    }
    for b in &engine.catalog.bases {
        assert!(bases_with_valid.contains(&b.id), "no valid example for base {}", b.id);
    }
}

#[test]
fn choices_on_the_moments_example() {
    let engine = demo_engine();
    let d =
        Design::from_json(&std::fs::read(demo_dir().join("examples/valid-moments-bracelet.json")).unwrap()).unwrap();
    let reports = engine.all_choices(&d);
    let summary: Vec<String> = reports
        .iter()
        .map(|r| {
            let ok = r.candidates.iter().filter(|c| c.feasible).count();
            let repairs = r.candidates.iter().filter(|c| c.repair.is_some()).count();
            format!("{}: {ok}/{} feasible, {repairs} with a repair", r.label, r.candidates.len())
        })
        .collect();
    insta::assert_debug_snapshot!(summary);
}

#[test]
fn alternate_currency_is_rounded_to_its_price_points() {
    let engine = demo_engine();
    let d = Design::from_json(&std::fs::read(demo_dir().join("examples/valid-solitaire-ring.json")).unwrap()).unwrap();
    let eur = engine.evaluate(&d);
    let usd = engine.evaluate_in(&d, Some("USD".parse().unwrap()));
    assert_eq!(usd.price.currency.as_str(), "USD");
    assert!(usd.price.total.amount > eur.price.total.amount);
    assert_eq!(usd.price.total.amount.fract(), rust_decimal::Decimal::ZERO);
    assert_eq!(eur.weight, usd.weight);
}

#[test]
fn spelling_names_in_letter_beads() {
    let engine = demo_engine();
    let s = engine.spell("name-bracelet", "strand", None, "Zoé");
    assert!(s.issues.is_empty(), "{:?}", s.issues);
    assert_eq!(s.skus, ["AB-SP-GOLD", "AB-Z", "AB-O", "AB-E-ACUTE", "AB-SP-GOLD"]);
    assert!(engine.evaluate(s.design.as_ref().unwrap()).valid);
    // Ê has no bead: flagged, with the plain E as a fallback to accept, not substituted.
    let s = engine.spell("name-bracelet", "strand", None, "Zoê");
    assert_eq!(s.issues.len(), 1);
    assert_eq!(s.issues[0].problem, orfevre_engine::Problem::Missing);
    assert_eq!(s.issues[0].alternatives, ["AB-E"]);
    // X is out of stock (0); Z has 2 in stock, so the third Z is flagged.
    let s = engine.spell("name-bracelet", "strand", None, "Max");
    assert_eq!(s.issues[0].character, 'x');
    let s = engine.spell("name-bracelet", "strand", None, "ZZZ");
    assert_eq!(s.issues.len(), 1);
    assert_eq!(s.issues[0].problem, orfevre_engine::Problem::OutOfStock);
}
