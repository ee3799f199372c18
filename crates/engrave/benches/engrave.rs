//! `cargo bench -p orfevre-engrave --bench engrave`: a name → hatched G-code, end to end
//! (layout, hatch, ordering, G-code text). Criterion's estimate, then p50/p95 over 1,000 runs.

use criterion::{criterion_group, criterion_main, Criterion};
use orfevre_engrave::{order, output, text, toolpath, Font, Layer, TextSpec, Zone};
use std::time::Instant;

const NAMES: [&str; 3] = ["Zoë", "Léa-Marie", "Chloé & Nathan"];

fn gcode(font: &Font, zone: Zone, name: &str) -> String {
    let shapes = text::layout(font, &TextSpec::new(name), &zone).unwrap();
    let mut tp = toolpath::toolpath(&shapes, zone, Layer::default()).unwrap();
    order::order(&mut tp, order::TwoOpt::default());
    output::gcode(&tp)
}

fn name_to_gcode(c: &mut Criterion) {
    let Ok(font) = Font::named("sans") else {
        eprintln!("SKIPPED: DejaVu Sans is not installed (Debian fonts-dejavu-core)");
        return;
    };
    let zone = Zone::new(16.0, 8.0).unwrap();
    for name in NAMES {
        c.bench_function(&format!("name → hatched G-code ({name}, 16×8 mm, 0.025 mm hatch)"), |b| {
            b.iter(|| gcode(&font, zone, name))
        });
    }
    for name in NAMES {
        let mut t: Vec<f64> = (0..1000)
            .map(|_| {
                let a = Instant::now();
                std::hint::black_box(gcode(&font, zone, name));
                a.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        t.sort_by(f64::total_cmp);
        eprintln!("{name}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms", t[500], t[950], t[999]);
    }
}

criterion_group!(benches, name_to_gcode);
criterion_main!(benches);
