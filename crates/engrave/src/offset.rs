//! Offsetting closed outlines (i_overlay): the laser's kerf, concentric offset fill, and the
//! material's minimum feature size (what an opening of that width removes).

use crate::geom::{Point, Shape};
use i_overlay::mesh::float::outline::offset::OutlineOffset;
use i_overlay::mesh::float::style::{LineJoin, OutlineStyle};

/// The closed shapes as contours oriented for i_overlay: outer boundaries counter-clockwise
/// (Y up), holes clockwise, by their even-odd nesting depth.
fn oriented(shapes: &[Shape]) -> Vec<Vec<[f64; 2]>> {
    let closed: Vec<&Shape> = shapes.iter().filter(|s| s.closed && s.points.len() >= 3).collect();
    closed
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = s.points[0];
            let depth = closed.iter().enumerate().filter(|(j, o)| *j != i && o.contains(p)).count();
            let mut pts: Vec<[f64; 2]> = s.points.iter().map(|p| [p.x, p.y]).collect();
            let ccw = s.area() > 0.0;
            if ccw != (depth % 2 == 0) {
                pts.reverse();
            }
            pts
        })
        .collect()
}

/// The outlines grown by `delta` mm (shrunk when negative), round joins. Parts that vanish are gone.
pub fn offset(shapes: &[Shape], delta: f64) -> Vec<Shape> {
    let contours = oriented(shapes);
    if contours.is_empty() || delta == 0.0 {
        return shapes.iter().filter(|s| s.closed).cloned().collect();
    }
    let style = OutlineStyle::new(delta).line_join(LineJoin::Round(0.1));
    contours
        .outline(&style)
        .into_iter()
        .flatten()
        .filter(|c| c.len() >= 3)
        .map(|c| Shape { points: c.into_iter().map(|[x, y]| Point::new(x, y)).collect(), closed: true })
        .collect()
}

/// Area enclosed (non-zero): outer areas minus holes, after orientation.
pub fn area(shapes: &[Shape]) -> f64 {
    oriented(shapes)
        .iter()
        .map(|c| {
            let n = c.len();
            (0..n).map(|i| c[i][0] * c[(i + 1) % n][1] - c[(i + 1) % n][0] * c[i][1]).sum::<f64>() / 2.0
        })
        .sum()
}

/// The share of the area thinner than `width` mm: what a morphological opening (shrink by half
/// the width, grow back) removes. 0 when every stroke is at least that wide.
pub fn thinner_than(shapes: &[Shape], width: f64) -> f64 {
    let total = area(shapes);
    if total <= 0.0 {
        return 0.0;
    }
    let opened = offset(&offset(shapes, -width / 2.0), width / 2.0);
    ((total - area(&opened)) / total).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64, ccw: bool) -> Shape {
        let mut points = vec![Point::new(x0, y0), Point::new(x1, y0), Point::new(x1, y1), Point::new(x0, y1)];
        if !ccw {
            points.reverse();
        }
        Shape { points, closed: true }
    }

    #[test]
    fn a_frame_grows_outwards_and_into_its_hole() {
        // Orientation of the input does not matter: nesting decides.
        let frame = [rect(0.0, 0.0, 10.0, 10.0, false), rect(2.0, 2.0, 8.0, 8.0, false)];
        assert!((area(&frame) - 64.0).abs() < 1e-9);
        let grown = offset(&frame, 0.5);
        // Outer 11 × 11 with four corners rounded at r = 0.5, hole 5 × 5 (sharp).
        let corners = 4.0 * 0.25 * (1.0 - std::f64::consts::PI / 4.0);
        let expected = 11.0 * 11.0 - corners - 25.0;
        assert!((area(&grown) - expected).abs() < 0.05, "{}", area(&grown));
        let shrunk = offset(&frame, -0.5);
        // Outer 9 × 9 (sharp), hole 7 × 7 with its corners rounded.
        assert!((area(&shrunk) - (81.0 - (49.0 - corners))).abs() < 0.05, "{}", area(&shrunk));
        assert!(offset(&frame, -1.5).is_empty(), "a 2 mm wall vanishes when shrunk by 1.5 mm a side");
    }

    #[test]
    fn thin_parts_are_measured() {
        // A 4 × 4 block with a 10 × 0.2 hair attached.
        let shapes = [rect(0.0, 0.0, 4.0, 4.0, true), rect(4.0, 1.9, 14.0, 2.1, true)];
        let share = thinner_than(&shapes, 0.3);
        assert!((share - 2.0 / 18.0).abs() < 0.01, "{share}");
        assert!(thinner_than(&[rect(0.0, 0.0, 4.0, 4.0, true)], 0.3) < 0.01);
    }
}
