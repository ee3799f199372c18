//! The test corpus of drawings, generated (nothing copied in): five 1024 × 1024 black-on-white
//! images drawn with tiny-skia, anti-aliased like a scan — and two synthetic fingerprints. Shared
//! by several test targets and benches, each using part of it.
#![allow(dead_code)]

use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

fn canvas() -> Pixmap {
    let mut pm = Pixmap::new(1024, 1024).unwrap();
    pm.fill(tiny_skia::Color::WHITE);
    pm
}

fn ink() -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(20, 20, 20, 255);
    p.anti_alias = true;
    p
}

fn stroke(pm: &mut Pixmap, pb: PathBuilder, width: f32) {
    let s = Stroke {
        width,
        line_cap: tiny_skia::LineCap::Round,
        line_join: tiny_skia::LineJoin::Round,
        ..Default::default()
    };
    pm.stroke_path(&pb.finish().unwrap(), &ink(), &s, Transform::identity(), None);
}

fn fill(pm: &mut Pixmap, pb: PathBuilder) {
    pm.fill_path(&pb.finish().unwrap(), &ink(), FillRule::EvenOdd, Transform::identity(), None);
}

/// (name, PNG bytes).
pub fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    // A heart.
    let mut pm = canvas();
    let mut pb = PathBuilder::new();
    pb.move_to(512.0, 880.0);
    pb.cubic_to(80.0, 560.0, 150.0, 160.0, 512.0, 330.0);
    pb.cubic_to(874.0, 160.0, 944.0, 560.0, 512.0, 880.0);
    pb.close();
    fill(&mut pm, pb);
    out.push(("heart", pm.encode_png().unwrap()));
    // A smiley: ring, eyes, smile.
    let mut pm = canvas();
    let mut pb = PathBuilder::new();
    pb.push_circle(512.0, 512.0, 400.0);
    stroke(&mut pm, pb, 36.0);
    let mut pb = PathBuilder::new();
    pb.push_circle(370.0, 400.0, 50.0);
    pb.push_circle(654.0, 400.0, 50.0);
    fill(&mut pm, pb);
    let mut pb = PathBuilder::new();
    pb.move_to(320.0, 620.0);
    pb.quad_to(512.0, 820.0, 704.0, 620.0);
    stroke(&mut pm, pb, 28.0);
    out.push(("smiley", pm.encode_png().unwrap()));
    // A star with a hole.
    let mut pm = canvas();
    let mut pb = PathBuilder::new();
    for k in 0..10 {
        let r = if k % 2 == 0 { 460.0 } else { 190.0 };
        let a = std::f32::consts::PI * (k as f32) / 5.0 - std::f32::consts::FRAC_PI_2;
        let (x, y) = (512.0 + r * a.cos(), 530.0 + r * a.sin());
        if k == 0 {
            pb.move_to(x, y)
        } else {
            pb.line_to(x, y)
        }
    }
    pb.close();
    pb.push_circle(512.0, 530.0, 90.0);
    fill(&mut pm, pb);
    out.push(("star", pm.encode_png().unwrap()));
    // A child's house: strokes.
    let mut pm = canvas();
    let mut pb = PathBuilder::new();
    pb.move_to(200.0, 900.0);
    pb.line_to(200.0, 480.0);
    pb.line_to(512.0, 160.0);
    pb.line_to(824.0, 480.0);
    pb.line_to(824.0, 900.0);
    pb.close();
    pb.move_to(440.0, 900.0);
    pb.line_to(440.0, 700.0);
    pb.line_to(584.0, 700.0);
    pb.line_to(584.0, 900.0);
    pb.push_rect(tiny_skia::Rect::from_xywh(280.0, 540.0, 110.0, 100.0).unwrap());
    stroke(&mut pm, pb, 16.0);
    out.push(("house", pm.encode_png().unwrap()));
    // A spiral.
    let mut pm = canvas();
    let mut pb = PathBuilder::new();
    for k in 0..=600 {
        let t = k as f32 / 600.0 * 6.0 * std::f32::consts::PI;
        let r = 30.0 + 20.0 * t;
        let (x, y) = (512.0 + r * t.cos(), 512.0 + r * t.sin());
        if k == 0 {
            pb.move_to(x, y)
        } else {
            pb.line_to(x, y)
        }
    }
    stroke(&mut pm, pb, 18.0);
    out.push(("spiral", pm.encode_png().unwrap()));
    out
}

/// The house drawing "photographed": grey levels under light falling off from one corner (paper
/// from 250 down to 95), the ink's contrast shrinking with it, and sensor noise.
/// Returns (w, h, grey, the clean ink map).
pub fn photographed_house() -> (usize, usize, Vec<u8>, Vec<bool>) {
    let png = corpus().into_iter().find(|(n, _)| *n == "house").unwrap().1;
    let pm = Pixmap::decode_png(&png).unwrap();
    let (w, h) = (pm.width() as usize, pm.height() as usize);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut grey = Vec::with_capacity(w * h);
    let mut clean = Vec::with_capacity(w * h);
    for (i, p) in pm.pixels().iter().enumerate() {
        let (x, y) = ((i % w) as f64, (i / w) as f64);
        let light = 1.0 - 0.62 * ((x + y) / (w + h) as f64);
        let ink = 1.0 - p.red() as f64 / 255.0;
        clean.push(ink > 0.5);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 21) as f64 - 10.0;
        grey.push((250.0 * light * (1.0 - 0.75 * ink) + noise).clamp(0.0, 255.0) as u8);
    }
    (w, h, grey, clean)
}

/// A synthetic fingerprint: (name, clean ridge map, noisy grey image, pad mask), 400 × 500.
pub type Fingerprint = (&'static str, Vec<bool>, Vec<u8>, Vec<bool>);

/// A ridge pattern's phase in pixels at (x, y).
type Phase = fn(f64, f64) -> f64;

/// Two synthetic fingerprints: a whorl and an arch with a 9 px ridge period, inside an elliptic pad.
pub fn fingerprints() -> Vec<Fingerprint> {
    let (w, h) = (400usize, 500usize);
    let (cx, cy) = (200.0f64, 260.0f64);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f64 / 1000.0 - 0.5
    };
    let patterns: [(&str, Phase); 2] = [
        ("whorl", |x, y| ((x - 200.0).powi(2) + ((y - 260.0) * 1.25).powi(2)).sqrt() + 6.0 * (x / 70.0).sin()),
        ("arch", |x, y| y + 70.0 * (-((x - 200.0).powi(2)) / (2.0 * 110.0f64.powi(2))).exp() + 4.0 * (x / 50.0).sin()),
    ];
    let mut out = Vec::new();
    for (name, phase) in patterns {
        let mut clean = vec![false; w * h];
        let mut grey = vec![255u8; w * h];
        let mut pad = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let (xf, yf) = (x as f64, y as f64);
                let inside = ((xf - cx) / 170.0).powi(2) + ((yf - cy) / 220.0).powi(2) < 1.0;
                let c = (2.0 * std::f64::consts::PI * phase(xf, yf) / 9.0).cos();
                let i = y * w + x;
                pad[i] = inside;
                clean[i] = inside && c > 0.0;
                if inside {
                    // Dark ridges, sensor noise, a smudge band of lower contrast.
                    let contrast = if (y / 60) % 3 == 1 { 45.0 } else { 90.0 };
                    grey[i] = (150.0 - contrast * c + 70.0 * noise()).clamp(0.0, 255.0) as u8;
                }
            }
        }
        out.push((name, clean, grey, pad));
    }
    out
}
