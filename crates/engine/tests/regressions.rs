//! The wrong answers a second and a third brand met on their first day, each on a small catalog
//! of its own shape: rules that did not see a field's default, feasibility on a design already
//! invalid, a repair that broke the design it fixed, values of the wrong kind, blank text,
//! functions the checker accepted and the engine did not run, a spelled name too long for its
//! bracelet, an unknown size that priced nothing.

use orfevre_catalog::{load, SourceSet};
use orfevre_engine::{apply_choice, apply_repair, worse, Choice, Design, Engine, WordProblem};

const BRAND: &str = "[brand]\nid = \"r\"\nname = \"R\"\nversion = \"1\"\ncurrency = \"EUR\"\n";

fn engine(files: &[(&str, &str)]) -> Engine {
    let mut s = SourceSet::new();
    s.insert("brand.toml", BRAND);
    for (p, t) in files {
        s.insert(*p, *t);
    }
    let loaded = load(&s);
    let text: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(loaded.errors(), 0, "{text:#?}");
    Engine::new(loaded.catalog.unwrap())
}

fn design(json: &str) -> Design {
    Design::from_json(json.as_bytes()).unwrap()
}

/// A clip bracelet: at most 7 clips, at most 2 large ones (a CEL rule); small clips 12 mm, large
/// 30 mm; sizes 13, 14, 15 and 19 cm with 2 cm of clasp.
fn clips() -> Engine {
    let mut comps = String::new();
    for (sku, tag, w) in [
        ("S1", "small", 12),
        ("S2", "small", 12),
        ("L1", "large", 30),
        ("L2", "large", 30),
        ("L3", "large", 30),
        ("L4", "large", 30),
    ] {
        comps += &format!(
            "[[component]]\nsku = \"{sku}\"\nname = \"Clip {sku}\"\nkind = \"clip\"\nfamily = \"c\"\nconnector = \"clip\"\nwidth_mm = {w}\nweight_g = 2\nprice = \"20\"\ntags = [\"{tag}\"]\n\n"
        );
    }
    let base = "[[base]]\nid = \"clips\"\nname = \"Clip bracelet\"\npiece = \"bracelet\"\nprice = \"50\"\nsizes = [{ id = \"13\", length_mm = 125 }, { id = \"14\", length_mm = 135 }, { id = \"15\", length_mm = 150 }, { id = \"19\", length_mm = 190 }]\n\n[[base.mount]]\nid = \"mesh\"\nkind = \"strand\"\nfamilies = [\"c\"]\nconnectors = [\"clip\"]\nreserve_mm = 20\nmax_count = 7\n";
    let rules = "[[rule]]\nid = \"two-large\"\nkind = \"expr\"\nmessage = \"At most two large clips\"\nrequire = 'tags[\"large\"] <= 2'\n";
    engine(&[("components.toml", &comps), ("bases.toml", base), ("rules.toml", rules)])
}

fn mesh(skus: &[&str], size: &str) -> Design {
    let list: Vec<String> = skus.iter().map(|s| format!("\"{s}\"")).collect();
    design(&format!(
        r#"{{"catalog":{{"id":"r","version":"1"}},"base":"clips","size":"{size}","mounts":{{"mesh":{{"sections":[[{}]]}}}}}}"#,
        list.join(",")
    ))
}

#[test]
fn on_an_invalid_design_a_candidate_that_breaks_a_rule_further_is_not_feasible() {
    let e = clips();
    // Three large clips where two are allowed: a fourth makes it worse, a small one does not.
    let d = mesh(&["L1", "L2", "L3"], "19");
    assert!(!e.evaluate(&d).valid);
    let report = e.choice(&d, &Choice::insert("mesh", 0));
    let verdict = |sku: &str| report.candidates.iter().find(|c| c.option == sku).unwrap();
    assert!(!verdict("L4").feasible, "a fourth large clip was called feasible");
    assert!(verdict("S1").feasible, "{:?}", verdict("S1").reasons);
    // 120 mm of clips at 14 cm (115 mm of room): 13 cm would be further over, 15 cm holds them.
    let d = mesh(&["L1", "L2", "S1", "S2", "S1", "S2", "S1"], "14");
    assert!(e.evaluate(&d).violations.iter().any(|v| v.rule == "capacity"));
    let sizes = e.choice(&d, &Choice::Size);
    let size = |id: &str| sizes.candidates.iter().find(|c| c.option == id).unwrap().feasible;
    assert!(!size("13"), "a size further over capacity was called feasible");
    assert!(size("15") && size("19"));
    // Seven clips is the most: nothing more fits, whatever its size.
    let more = e.choice(&d, &Choice::insert("mesh", 0));
    assert!(more.candidates.iter().all(|c| !c.feasible), "an eighth clip was called feasible");
}

/// Rings stacked on a bar: at least two, all of one metal.
fn stack() -> Engine {
    let mut comps = String::new();
    for (sku, metal) in [("SIL-1", "silver"), ("SIL-2", "silver"), ("GOLD-1", "gold")] {
        comps += &format!(
            "[[component]]\nsku = \"{sku}\"\nname = \"{metal} ring {sku}\"\nkind = \"charm\"\nfamily = \"stack\"\nconnector = \"slide\"\nwidth_mm = 3\nweight_g = 2\nprice = \"30\"\ntags = [\"{metal}\"]\n\n"
        );
    }
    let base = "[[base]]\nid = \"stack\"\nname = \"Stacking set\"\npiece = \"ring\"\nprice = \"0\"\nsizes = [{ id = \"54\", length_mm = 60 }]\n\n[[base.mount]]\nid = \"bar\"\nkind = \"strand\"\nfamilies = [\"stack\"]\nmin = { charm = 2 }\nmax_count = 3\n";
    let rules = "[[rule]]\nid = \"one-metal\"\nkind = \"excludes\"\nmessage = \"One metal per set\"\na = { tag = \"silver\" }\nb = { tag = \"gold\" }\n";
    engine(&[("components.toml", &comps), ("bases.toml", base), ("rules.toml", rules)])
}

#[test]
fn a_repair_never_breaks_the_design_it_fixes() {
    let e = stack();
    let d = design(
        r#"{"catalog":{"id":"r","version":"1"},"base":"stack","mounts":{"bar":{"sections":[["SIL-1","SIL-2"]]}}}"#,
    );
    assert!(e.evaluate(&d).valid);
    let report = e.choice(&d, &Choice::insert("bar", 0));
    let gold = report.candidates.iter().find(|c| c.option == "GOLD-1").unwrap();
    assert!(!gold.feasible);
    // Removing both silver rings would leave one ring where two are needed: not a repair.
    if let Some(r) = &gold.repair {
        let mut rd = d.clone();
        apply_repair(&mut rd, &r.edits, &report.choice, "GOLD-1");
        assert!(e.evaluate(&rd).valid, "repair \"{}\" gives an invalid design", r.description);
    }
}

/// A pendant with a finish choice (default polished), a monogram (text), a style choice.
fn pendant() -> Engine {
    let comps = "[[component]]\nsku = \"BOX\"\nname = \"Gift box\"\nkind = \"packaging\"\nfamily = \"pack\"\nconnector = \"none\"\n";
    let base = r#"[[base]]
id = "pendant"
name = "Pendant"
piece = "pendant"
price = "80"
sizes = [{ id = "45", length_mm = 450 }]

[[base.field]]
id = "finish"
kind = "choice"
label = "Finish"
options = [{ id = "polished", label = "Polished" }, { id = "matte", label = "Matte", price = "10" }]
default = "polished"

[[base.field]]
id = "monogram"
kind = "engraving"
label = "Monogram"
zone = { width_mm = 10, height_mm = 10 }
fonts = ["serif"]
charset = "upper"
max_length = 3
min_length = 2
price_per_character = "5"
lead_time_days = 2

[[base.field]]
id = "box"
kind = "choice"
label = "Box"
options = [{ id = "box", label = "Gift box", price = "6", sku = "BOX" }]
"#;
    let fonts = "[[font]]\nid = \"serif\"\nname = \"DejaVu Serif\"\nfile = \"/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf\"\n";
    let rules = r#"[[rule]]
id = "matte-plain"
kind = "expr"
message = "A matte finish is not engraved"
when = 'fields["finish"] == "matte"'
require = 'fields["monogram"] == ""'

[[rule]]
id = "polished-default"
kind = "expr"
message = "The finish is always known"
require = 'fields["finish"] in ["polished", "matte"]'
"#;
    engine(&[("components.toml", comps), ("bases.toml", base), ("fonts.toml", fonts), ("rules.toml", rules)])
}

#[test]
fn rules_see_a_fields_default_and_blank_text_as_no_text() {
    let e = pendant();
    let d = design(r#"{"catalog":{"id":"r","version":"1"},"base":"pendant"}"#);
    let ev = e.evaluate(&d);
    assert!(ev.valid, "{:?}", ev.violations);
    // Three spaces are no monogram: nothing charged, nothing checked, rules see "".
    let blank = design(
        r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"finish":{"choice":"matte"},"monogram":{"text":"   "}}}"#,
    );
    let bare =
        design(r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"finish":{"choice":"matte"}}}"#);
    assert_eq!(blank.hash(), bare.hash());
    let ev = e.evaluate(&blank);
    assert!(ev.valid, "{:?}", ev.violations);
    assert!(!ev.price.lines.iter().any(|l| l.label.contains("Monogram")));
    // A monogram with a matte finish breaks the brand's rule, in its words.
    let engraved = design(
        r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"finish":{"choice":"matte"},"monogram":{"text":"ASB"}}}"#,
    );
    let ev = e.evaluate(&engraved);
    assert_eq!(ev.violations.len(), 1, "{:?}", ev.violations);
    assert_eq!(ev.violations[0].message, "A matte finish is not engraved");
    assert_eq!(ev.lead_time_days, 2, "the engraving's days come from the catalog");
    // One letter where two are the least.
    let short = design(r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"monogram":{"text":"A"}}}"#);
    assert!(e.evaluate(&short).violations.iter().any(|v| v.rule == "text-length"));
}

#[test]
fn a_value_of_the_wrong_kind_is_a_malformed_design_with_its_pointer() {
    let e = pendant();
    let text_as_choice =
        design(r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"monogram":{"choice":"ASB"}}}"#);
    let err = e.check_shape(&text_as_choice).unwrap_err();
    assert_eq!(err.pointer, "/fields/monogram/choice");
    assert!(e.evaluate(&text_as_choice).violations.iter().any(|v| v.rule == "shape"));
    let choice_as_text =
        design(r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"finish":{"text":"circle"}}}"#);
    assert_eq!(e.check_shape(&choice_as_text).unwrap_err().pointer, "/fields/finish/text");
    assert!(e
        .check_shape(&design(
            r#"{"catalog":{"id":"r","version":"1"},"base":"pendant","fields":{"monogram":{"text":"AB"}}}"#
        ))
        .is_ok());
}

#[test]
fn every_function_the_checker_accepts_runs_at_evaluation() {
    let base = "[[base]]\nid = \"tag\"\nname = \"Tag\"\npiece = \"pendant\"\nprice = \"10\"\nsizes = [{ id = \"one\" }]\n\n[[base.field]]\nid = \"name\"\nkind = \"text\"\nmax_length = 20\n";
    // Each rule holds for the name "Zoé-Anne".
    let checks = [
        r#"fields["name"].matches("^[A-Z]")"#,
        r#"matches(fields["name"], "Anne$")"#,
        r#"fields["name"].substring(0, 3) == "Zoé""#,
        r#"fields["name"].charAt(0) == "Z""#,
        r#"fields["name"].indexOf("-") == 3"#,
        r#"fields["name"].lastIndexOf("n") == 6"#,
        r#"fields["name"].lowerAscii() == "zoé-anne""#,
        r#"fields["name"].upperAscii().startsWith("ZO")"#,
        r#"fields["name"].split("-").size() == 2"#,
        r#"fields["name"].split("-").join(" ") == "Zoé Anne""#,
        r#"fields["name"].replace("-", " ").endsWith(" Anne")"#,
        r#"fields["name"].trim().contains("é")"#,
        r#"fields["name"].reverse().startsWith("ennA")"#,
        r#"size(fields["name"]) == 8 && fields["name"].size() == 8"#,
        r#"kinds.all(k, kinds[k] == 0) && !kinds.exists(k, kinds[k] > 0)"#,
        r#"kinds.filter(k, kinds[k] > 0).size() == 0 && kinds.exists_one(k, k == "charm")"#,
        r#"has(fields.name) && int("3") + 1 == 4 && double(string(2)) == 2.0"#,
    ];
    let mut rules = String::new();
    for (i, c) in checks.iter().enumerate() {
        // Guarded as a brand must: `substring` and `charAt` fail on a name too short for them, and
        // the checker says so.
        rules += &format!(
            "[[rule]]\nid = \"f{i}\"\nkind = \"expr\"\nmessage = \"rule {i}\"\nwhen = 'size(fields[\"name\"]) >= 3'\nrequire = '{c}'\n\n"
        );
    }
    let e = engine(&[("bases.toml", base), ("rules.toml", &rules)]);
    let d = design(r#"{"catalog":{"id":"r","version":"1"},"base":"tag","fields":{"name":{"text":"Zoé-Anne"}}}"#);
    let ev = e.evaluate(&d);
    assert!(ev.valid, "{:?}", ev.violations.iter().map(|v| &v.message).collect::<Vec<_>>());
    // And each can fail: another name breaks every rule reading it.
    let other = design(r#"{"catalog":{"id":"r","version":"1"},"base":"tag","fields":{"name":{"text":"léa"}}}"#);
    let broken = e.evaluate(&other).violations.len();
    assert!(broken >= 13, "only {broken} rules noticed another name");
}

#[test]
fn a_spelled_name_is_valid_or_says_why() {
    let mut comps = String::from("[[component]]\nsku = \"SP\"\nname = \"Spacer\"\nkind = \"spacer\"\nfamily = \"abc\"\nconnector = \"threaded\"\nwidth_mm = 3\nhole_mm = 2\nweight_g = 0.2\nprice = \"2\"\n\n");
    for c in 'A'..='Z' {
        comps += &format!("[[component]]\nsku = \"L-{c}\"\nname = \"Letter {c}\"\nkind = \"letter-bead\"\nfamily = \"abc\"\nconnector = \"threaded\"\nwidth_mm = 7\nhole_mm = 2\nweight_g = 0.3\nprice = \"4\"\nglyph = \"{c}\"\n\n");
    }
    let base = "[[cord]]\nid = \"cord\"\nname = \"Cord\"\ndiameter_mm = 1.5\n\n[[base]]\nid = \"name\"\nname = \"Name bracelet\"\npiece = \"bracelet\"\nprice = \"20\"\nsizes = [{ id = \"S\", label = \"S\", length_mm = 120 }, { id = \"L\", label = \"L\", length_mm = 180 }]\n\n[[base.mount]]\nid = \"cord\"\nkind = \"strand\"\nfamilies = [\"abc\"]\ncore = \"cord\"\nreserve_mm = 40\nmin = { letter-bead = 1 }\nmax = { letter-bead = 12 }\nfirst = \"spacer\"\nlast = \"spacer\"\n";
    let e = engine(&[("components.toml", &comps), ("bases.toml", base)]);
    // Fits at S.
    let s = e.spell("name", "cord", Some("S"), "Lea");
    assert!(s.problems.is_empty() && e.evaluate(s.design.as_ref().unwrap()).valid);
    // 16 letters where 12 are the most.
    let s = e.spell("name", "cord", Some("S"), "Maximilienne Anna");
    assert!(s.problems.iter().any(|p| matches!(p, WordProblem::TooMany { max: 12, .. })), "{:?}", s.problems);
    // 12 letters: 84 + 6 mm where S has 80 mm of room: L holds them.
    let s = e.spell("name", "cord", Some("S"), "Maximilienne");
    assert!(
        s.problems.iter().any(|p| matches!(p, WordProblem::NeedsSize { size, .. } if size == "L")),
        "{:?}",
        s.problems
    );
    // Nothing to spell.
    let s = e.spell("name", "cord", None, "  ");
    assert!(matches!(s.problems.as_slice(), [WordProblem::Empty { .. }, ..]), "{:?}", s.problems);
    // A letter added through the choices goes between the spacers.
    let mut d = e.spell("name", "cord", Some("L"), "Lea").design.unwrap();
    let report = e.choice(&d, &Choice::insert("cord", 0));
    assert!(report.candidates.iter().find(|c| c.option == "L-H").unwrap().feasible);
    apply_choice(&mut d, &report.choice, "L-H");
    assert!(e.evaluate(&d).valid);
}

#[test]
fn an_unknown_size_still_prices_the_links_listed() {
    let comps = "[[component]]\nsku = \"PLAIN\"\nname = \"Plain link\"\nkind = \"link\"\nfamily = \"l\"\nconnector = \"snap-link\"\nwidth_mm = 10\nweight_g = 1\nprice = \"3\"\n\n[[component]]\nsku = \"STAR\"\nname = \"Star link\"\nkind = \"link\"\nfamily = \"l\"\nconnector = \"snap-link\"\nwidth_mm = 10\nweight_g = 1\nprice = \"15\"\n";
    let base = "[[base]]\nid = \"links\"\nname = \"Link bracelet\"\npiece = \"bracelet\"\nprice = \"10\"\nsizes = [{ id = \"17\", length_mm = 170 }]\n\n[[base.mount]]\nid = \"row\"\nkind = \"slots\"\nfamilies = [\"l\"]\nlink_width_mm = 10\ndefault = \"PLAIN\"\n";
    let e = engine(&[("components.toml", comps), ("bases.toml", base)]);
    let d = design(
        r#"{"catalog":{"id":"r","version":"1"},"base":"links","size":"99","mounts":{"row":{"slots":["STAR",null,"STAR"]}}}"#,
    );
    let ev = e.evaluate(&d);
    assert!(ev.violations.iter().any(|v| v.rule == "size"));
    assert_eq!(ev.price.total.amount.to_string(), "43", "base 10 + 2 stars 30 + 1 plain 3");
    // Too many links for the size: the violation carries its fix, a size — none here is larger,
    // so the message names no fix either.
    let long = design(
        r#"{"catalog":{"id":"r","version":"1"},"base":"links","mounts":{"row":{"slots":["STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR","STAR"]}}}"#,
    );
    let v = e.evaluate(&long).violations.into_iter().find(|v| v.rule == "slots").unwrap();
    assert!(v.repair.is_none() && !v.message.contains("remove") && !v.message.contains("choose"), "{}", v.message);
    let _ = worse(&[], &[]);
}
