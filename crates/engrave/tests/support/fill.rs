//! Filling closed shapes onto a pixel grid for the tests' IoU measurements.

use orfevre_engrave::geom::Point;
use orfevre_engrave::Shape;

/// Fills `shapes` (non-zero winding) on a `w` × `h` grid, each point mapped to pixels by `to_px`;
/// returns the covered pixels (alpha over half).
pub fn fill(shapes: &[Shape], w: u32, h: u32, to_px: impl Fn(Point) -> (f32, f32), anti_alias: bool) -> Vec<bool> {
    let mut pm = tiny_skia::Pixmap::new(w, h).unwrap();
    let mut pb = tiny_skia::PathBuilder::new();
    for sh in shapes {
        for (i, p) in sh.points.iter().enumerate() {
            let (x, y) = to_px(*p);
            if i == 0 {
                pb.move_to(x, y)
            } else {
                pb.line_to(x, y)
            }
        }
        pb.close();
    }
    let mut paint = tiny_skia::Paint::default();
    paint.set_color_rgba8(0, 0, 0, 255);
    paint.anti_alias = anti_alias;
    pm.fill_path(&pb.finish().unwrap(), &paint, tiny_skia::FillRule::Winding, tiny_skia::Transform::identity(), None);
    pm.pixels().iter().map(|p| p.alpha() > 127).collect()
}
