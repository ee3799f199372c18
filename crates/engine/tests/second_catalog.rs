//! A second brand, Atelier Sable (`catalogs/atelier-sable`), written from docs/catalog.md alone
//! by someone who had not seen the engine, with a shape the demo does not have: a link bracelet
//! sized by wrist, a clip bracelet with a large-clip rule, a letter bracelet with spacer ends and
//! per-letter stock, an engraved pendant with packaging and a secret message, prices in CHF with
//! EUR. Its examples' verdicts, totals in both currencies, lead times and weights were computed by
//! hand before the engine ran (`examples/expected.toml`); every one must hold, and each
//! evaluation is kept as a golden file.

use orfevre_engine::{apply_choice, Choice, Design, Engine};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::path::PathBuf;
use std::str::FromStr;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/atelier-sable")
}

fn engine() -> Engine {
    let loaded = orfevre_catalog::load_dir(&dir()).unwrap();
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    Engine::new(loaded.catalog.unwrap())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    design: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    valid: bool,
    rule: Option<String>,
    total: String,
    total_eur: String,
    lead_time_days: u32,
    weight_g: String,
}

fn example(name: &str) -> Design {
    Design::from_json(&std::fs::read(dir().join("examples").join(name)).unwrap())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_second_catalog_is_clean() {
    let loaded = orfevre_catalog::load_dir(&dir()).unwrap();
    let text: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(loaded.errors(), 0, "{text:#?}");
    // Its warnings are the three pieces it keeps out of stock on purpose.
    assert!(loaded.diagnostics.iter().all(|d| d.code == "out-of-stock"), "{text:#?}");
}

#[test]
fn hand_computed_verdicts_totals_lead_times_and_weights_hold() {
    let e = engine();
    let expected: Expected =
        toml::from_str(&std::fs::read_to_string(dir().join("examples/expected.toml")).unwrap()).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(dir().join("examples"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().to_string())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    assert!(files.len() >= 28, "the second catalog needs its examples");
    let mut wrong = Vec::new();
    for f in &files {
        let case = expected.design.iter().find(|c| &c.file == f).unwrap_or_else(|| panic!("{f} has no expectation"));
        let d = example(f);
        let ev = e.evaluate(&d);
        let eur = e.evaluate_in(&d, Some("EUR".parse().unwrap()));
        let dec = |s: &str| Decimal::from_str(s).unwrap();
        let mut got = Vec::new();
        if ev.valid != case.valid || f.starts_with("valid-") != case.valid {
            got.push(format!(
                "valid {} ({:?})",
                ev.valid,
                ev.violations.iter().map(|v| &v.message).collect::<Vec<_>>()
            ));
        }
        if let Some(rule) = &case.rule {
            if !ev.violations.iter().any(|v| &v.rule == rule) {
                got.push(format!("no {rule} among {:?}", ev.violations.iter().map(|v| &v.rule).collect::<Vec<_>>()));
            }
        }
        if ev.price.total.amount != dec(&case.total) {
            got.push(format!("total {} CHF, expected {}", ev.price.total.amount, case.total));
        }
        if eur.price.total.amount != dec(&case.total_eur) {
            got.push(format!("total {} EUR, expected {}", eur.price.total.amount, case.total_eur));
        }
        if ev.lead_time_days != case.lead_time_days {
            got.push(format!("lead time {}, expected {}", ev.lead_time_days, case.lead_time_days));
        }
        if ev.weight.as_decimal() != dec(&case.weight_g) {
            got.push(format!("weight {}, expected {} g", ev.weight, case.weight_g));
        }
        if !got.is_empty() {
            wrong.push(format!("{f}: {}", got.join("; ")));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} designs differ from the hand computation:\n{}",
        wrong.len(),
        files.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_example_matches_its_golden() {
    let e = engine();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join("examples"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for p in files {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let mut ev = e.evaluate(&example(&format!("{name}.json")));
        ev.catalog.digest = "<catalog digest>".into();
        insta::assert_json_snapshot!(format!("atelier-sable__{name}"), ev);
    }
}

/// The letter bracelet's strand starts and ends with a spacer: letters are added between them,
/// through the choices as the configurator does, and the design stays valid.
#[test]
fn letters_go_between_the_spacer_ends() {
    let e = engine();
    let mut d = example("valid-letters-lea.json");
    assert!(e.evaluate(&d).valid);
    let choice = Choice::insert("cordon", 0);
    for letter in ["AS-LE-N", "AS-LE-A"] {
        let report = e.choice(&d, &choice);
        let cand = report.candidates.iter().find(|c| c.option == letter).unwrap();
        assert!(cand.feasible, "{letter}: {:?}", cand.reasons);
        apply_choice(&mut d, &report.choice, letter);
        let ev = e.evaluate(&d);
        assert!(ev.valid, "{letter} broke the design: {:?}", ev.violations);
    }
    let strand = &d.mounts["cordon"].sections.as_ref().unwrap()[0];
    assert!(strand.first().unwrap().contains("-SP-") && strand.last().unwrap().contains("-SP-"), "{strand:?}");
    // From an empty strand a letter is not feasible alone; its repair puts a spacer at each end.
    let mut empty = d.clone();
    empty.mounts.get_mut("cordon").unwrap().sections = Some(vec![vec![]]);
    let report = e.choice(&empty, &choice);
    let cand = report.candidates.iter().find(|c| c.option == "AS-LE-A").unwrap();
    assert!(!cand.feasible);
    let repair = cand.repair.as_ref().expect("spacer ends offered as a repair");
    let mut fixed = empty.clone();
    orfevre_engine::apply_repair(&mut fixed, &repair.edits, &report.choice, "AS-LE-A");
    let strand = &fixed.mounts["cordon"].sections.as_ref().unwrap()[0];
    assert_eq!(strand.len(), 3, "{strand:?}");
    assert!(strand[1] == "AS-LE-A" && strand[0].contains("-SP-") && strand[2].contains("-SP-"), "{strand:?}");
}
