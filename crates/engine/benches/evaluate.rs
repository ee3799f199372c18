//! Issue 2's benchmark: a generated catalog of 5,000 components and a 20-position bracelet —
//! full evaluation plus the feasibility of every candidate for one open position; and a made
//! piece's alteration checked on it.
//! Run: `cargo bench -p orfevre-engine --bench evaluate`.

use criterion::{criterion_group, criterion_main, Criterion};
use orfevre_catalog::SourceSet;
use orfevre_engine::{Alteration, Choice, Design, Engine};
use std::fmt::Write;
use std::hint::black_box;

const FAMILIES: usize = 10;

/// 5,000 components in 10 families (500 in the bracelet's), with tags, stock and two rules.
fn catalog() -> Engine {
    let s = sources();
    let loaded = orfevre_catalog::load(&s);
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    Engine::new(loaded.catalog.unwrap())
}

/// The benchmark catalog's files.
fn sources() -> SourceSet {
    let mut s = SourceSet::new();
    s.insert(
        "brand.toml",
        "[brand]\nid = \"bench\"\nname = \"Bench\"\nversion = \"1\"\ncurrency = \"EUR\"\nrounding = { step = \"1\" }\n",
    );
    let mut c = String::new();
    for i in 0..5000 {
        let fam = i % FAMILIES;
        writeln!(
            c,
            "[[component]]\nsku = \"C{i}\"\nname = \"Charm {i}\"\nkind = \"{}\"\nfamily = \"f{fam}\"\nconnector = \"threaded\"\nwidth_mm = {}\nhole_mm = 4.5\nweight_g = 2.5\nprice = \"{}.00\"\nstock = {}\ntags = [\"t{}\", \"tone{}\"]\n",
            if i % 13 == 0 { "dangle" } else { "charm" },
            6 + i % 6,
            20 + i % 40,
            5 + i % 20,
            i % 50,
            i % 3
        )
        .unwrap();
    }
    s.insert("components.toml", c);
    let mut b = String::new();
    for fam in 0..FAMILIES {
        writeln!(
            b,
            "[[base]]\nid = \"b{fam}\"\nname = \"Bracelet {fam}\"\npiece = \"bracelet\"\nprice = \"50\"\nsizes = [{{ id = \"14\", length_mm = 140 }}, {{ id = \"20\", length_mm = 230 }}, {{ id = \"23\", length_mm = 260 }}]\n\n[[base.mount]]\nid = \"strand\"\nkind = \"strand\"\nfamilies = [\"f{fam}\"]\nconnectors = [\"threaded\"]\nreserve_mm = 20\nmax_count = 24\nmax = {{ dangle = 4 }}\n"
        )
        .unwrap();
    }
    s.insert("bases.toml", b);
    s.insert(
        "rules.toml",
        "[[rule]]\nid = \"tones\"\nkind = \"excludes\"\nmessage = \"no mixed tones\"\na = { tag = \"tone1\" }\nb = { tag = \"tone2\" }\n\n[[rule]]\nid = \"dangles\"\nkind = \"expr\"\nmessage = \"at most 3 of t7\"\nrequire = 'tags[\"t7\"] <= 3'\n",
    );
    s
}

fn design(e: &Engine) -> Design {
    design_at(e, "23")
}

/// The same 20 charms (6 mm each) at size 14: the section is exactly full, so every candidate is
/// infeasible and gets a repair (a larger size).
fn design_at(e: &Engine, size: &str) -> Design {
    // 20 tone-0 charms of family f0 (SKUs ≡ 0 mod 10 and ≡ 0 mod 3: every 30th).
    let skus: Vec<String> = (0..20).map(|k| format!("\"C{}\"", k * 30 + 30)).collect();
    let json = format!(
        r#"{{"catalog":{{"id":"bench","version":"1"}},"base":"b0","size":"{size}","mounts":{{"strand":{{"sections":[[{}]]}}}}}}"#,
        skus.join(",")
    );
    let d = Design::from_json(json.as_bytes()).unwrap();
    let ev = e.evaluate(&d);
    assert!(ev.valid, "{:#?}", ev.violations);
    d
}

fn bench(c: &mut Criterion) {
    let e = catalog();
    let d = design(&e);
    let choice = Choice::insert("strand", 0);
    let r = e.choice(&d, &choice);
    eprintln!(
        "candidates: {} listed, {} feasible",
        r.candidates.len(),
        r.candidates.iter().filter(|c| c.feasible).count()
    );
    c.bench_function("evaluate 20-position bracelet", |b| b.iter(|| black_box(e.evaluate(black_box(&d)))));
    c.bench_function("evaluate + feasibility of 5000 candidates for one position", |b| {
        b.iter(|| {
            let ev = e.evaluate(black_box(&d));
            let r = e.choice(&d, &choice);
            black_box((ev, r))
        })
    });
}

fn bench_full(c: &mut Criterion) {
    let e = catalog();
    let d = design_at(&e, "14");
    let choice = Choice::insert("strand", 0);
    let r = e.choice(&d, &choice);
    eprintln!(
        "full section: {} listed, {} feasible, {} with a repair",
        r.candidates.len(),
        r.candidates.iter().filter(|c| c.feasible).count(),
        r.candidates.iter().filter(|c| c.repair.is_some()).count()
    );
    c.bench_function("evaluate + candidates with repairs, full section", |b| {
        b.iter(|| black_box((e.evaluate(black_box(&d)), e.choice(&d, &choice))))
    });
}

/// A made piece's alteration: one charm added to the 20-position bracelet (accepted), and the
/// same on the full size-14 bracelet (refused, with a verified repair).
fn bench_alter(c: &mut Criterion) {
    let e = catalog();
    let add = Alteration::Add { choice: Choice::insert("strand", 0), sku: "C60".into() };
    let (roomy, full) = (design(&e), design_at(&e, "14"));
    assert!(e.alter(&roomy, &add).is_ok());
    assert!(e.alter(&full, &add).unwrap_err().repair.is_some());
    c.bench_function("alter: add a charm (accepted)", |b| b.iter(|| black_box(e.alter(black_box(&roomy), &add))));
    c.bench_function("alter: add a charm to a full section (refused, repair)", |b| {
        b.iter(|| black_box(e.alter(black_box(&full), &add)))
    });
}

/// `catalog check` of the benchmark catalog: read, resolved, checked (dead options, rules, and
/// the search for a design meeting its CEL rule on each of its ten bases).
fn bench_check(c: &mut Criterion) {
    let s = sources();
    c.bench_function("check the 5000-component catalog", |b| {
        b.iter(|| black_box(orfevre_catalog::load(black_box(&s))))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(8));
    targets = bench, bench_full, bench_alter, bench_check
}
criterion_main!(benches);
