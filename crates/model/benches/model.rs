//! `cargo bench -p orfevre-model --bench model`: the demo solitaire (US 7, D-shape 2.2 × 1.6 mm,
//! 0.5 ct round brilliant, 4 prongs, 18k yellow) regenerated and written as GLB, end to end.
//! Criterion's estimate, then p50/p95 over 1,000 runs, the GLB's size and the triangle count.

use criterion::{criterion_group, criterion_main, Criterion};
use orfevre_model::export::{self, GemLook, MetalLook};
use orfevre_model::{ring, Band, Cut, Profile, RingSize, RingSpec, Setting, StoneSize, StoneSpec};
use std::time::Instant;

fn solitaire(setting: Setting) -> RingSpec {
    RingSpec {
        band: Band {
            inner_circumference_mm: RingSize::parse("US7").unwrap().circumference_mm(),
            width_mm: 2.2,
            thickness_mm: 1.6,
            profile: Profile::DShape,
        },
        stone: Some(StoneSpec { cut: Cut::Round, size: StoneSize::Carat(0.5), specific_gravity: 3.52, setting }),
        pave: false,
        top: None,
        min_wall_mm: 1.0,
    }
}

fn glb(spec: &RingSpec) -> Vec<u8> {
    let r = ring(spec).unwrap();
    export::glb(&r, &MetalLook::for_metal("18k-yellow"), &GemLook::for_species("diamond", 2.417))
}

fn regenerate(c: &mut Criterion) {
    for &setting in Setting::ALL {
        let spec = solitaire(setting);
        c.bench_function(&format!("solitaire ({setting}) → GLB"), |b| b.iter(|| glb(&spec)));
    }
    for &setting in Setting::ALL {
        let spec = solitaire(setting);
        let mut t: Vec<f64> = (0..1000)
            .map(|_| {
                let a = Instant::now();
                std::hint::black_box(glb(&spec));
                a.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        t.sort_by(f64::total_cmp);
        let r = ring(&spec).unwrap();
        eprintln!(
            "solitaire {setting}: p50 {:.2} ms, p95 {:.2} ms; GLB {} bytes; {} triangles; metal {:.1} mm³",
            t[500],
            t[950],
            glb(&spec).len(),
            r.triangles(),
            r.metal_volume_mm3
        );
    }
}

criterion_group!(benches, regenerate);
criterion_main!(benches);
