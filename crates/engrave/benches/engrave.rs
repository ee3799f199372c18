//! `cargo bench -p orfevre-engrave --bench engrave`: a name → hatched G-code, end to end.

use criterion::{criterion_group, criterion_main, Criterion};
use orfevre_engrave::{order, output, text, toolpath, Font, Layer, TextSpec, Zone};

fn name_to_gcode(c: &mut Criterion) {
    let Ok(font) = Font::named("sans") else {
        eprintln!("SKIPPED: DejaVu Sans is not installed (Debian fonts-dejavu-core)");
        return;
    };
    let zone = Zone::new(16.0, 8.0).unwrap();
    for name in ["Zoë", "Léa-Marie"] {
        c.bench_function(&format!("name → hatched G-code ({name}, 16×8 mm, 0.025 mm hatch)"), |b| {
            b.iter(|| {
                let shapes = text::layout(&font, &TextSpec::new(name), &zone).unwrap();
                let mut tp = toolpath::toolpath(&shapes, zone, Layer::default()).unwrap();
                order::order(&mut tp, order::TwoOpt::default());
                output::gcode(&tp)
            })
        });
    }
}

criterion_group!(benches, name_to_gcode);
criterion_main!(benches);
