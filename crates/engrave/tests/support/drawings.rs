//! The test corpus of drawings, generated (nothing copied in): five 1024 × 1024 black-on-white
//! images drawn with tiny-skia, anti-aliased like a scan.

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
