//! The G-code a job sends to its laser, read back: the laser-on moves drawn at the burn width,
//! to compare with the preview the shopper approved. A reader of its own (the subset of GRBL
//! the engrave crate writes: `G0`, `G1`, `X`, `Y`, `S`, `F`, `M4`, `M5`, comments after `;`), so
//! that a mistake in the writer is not repeated by the check.

use tiny_skia::{Paint, PathBuilder, Pixmap, Stroke, Transform};

/// A laser-on segment, mm.
pub type Segment = ((f64, f64), (f64, f64));

/// The laser-on segments of a G-code program (`G1` with power above zero, spindle on).
pub fn burns(gcode: &str) -> Result<Vec<Segment>, String> {
    let (mut x, mut y, mut s) = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut on = false;
    let mut out = Vec::new();
    for (n, raw) in gcode.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (mut motion, mut nx, mut ny) = (None, x, y);
        for word in line.split_whitespace() {
            let (letter, value) = word.split_at(1);
            let v: f64 = value.parse().map_err(|_| format!("line {}: {word:?} is not a G-code word", n + 1))?;
            match letter {
                "G" if v == 0.0 || v == 1.0 => motion = Some(v as u8),
                "G" => {}
                "M" if v == 3.0 || v == 4.0 => on = true,
                "M" if v == 5.0 => on = false,
                "M" => {}
                "X" => nx = v,
                "Y" => ny = v,
                "S" => s = v,
                "F" => {}
                _ => return Err(format!("line {}: unknown word {word:?}", n + 1)),
            }
        }
        if motion == Some(1) && on && s > 0.0 && (nx, ny) != (x, y) {
            out.push(((x, y), (nx, ny)));
        } else if motion == Some(1) && on && s > 0.0 {
            // A dot: the laser fires in place.
            out.push(((x, y), (x, y)));
        }
        x = nx;
        y = ny;
    }
    Ok(out)
}

/// Segments drawn black on transparent, `burn` mm wide, in a zone of `w` × `h` mm (Y up becomes
/// down), `px_per_mm`.
pub fn rasterise(segments: &[Segment], w: f64, h: f64, px_per_mm: f64, burn: f64) -> Pixmap {
    let (pw, ph) = ((w * px_per_mm).ceil() as u32, (h * px_per_mm).ceil() as u32);
    let mut pm = Pixmap::new(pw.max(1), ph.max(1)).expect("non-empty");
    let mut pb = PathBuilder::new();
    let at = |p: (f64, f64)| ((p.0 * px_per_mm) as f32, ((h - p.1) * px_per_mm) as f32);
    // Consecutive moves that continue one another are one polyline, joined as the preview
    // joins a cut's points.
    // A polyline that comes back to its start is closed, as the preview closes a closed cut.
    let mut last: Option<(f64, f64)> = None;
    let mut start = (0.0, 0.0);
    for &(a, b) in segments {
        if last != Some(a) {
            let p = at(a);
            pb.move_to(p.0, p.1);
            start = a;
        }
        if b == start && a != b {
            pb.close();
            last = None;
            continue;
        }
        let q = at(b);
        pb.line_to(q.0, q.1);
        last = Some(b);
    }
    if let Some(path) = pb.finish() {
        let mut paint = Paint::default();
        paint.set_color_rgba8(0, 0, 0, 255);
        let stroke = Stroke { width: (burn * px_per_mm) as f32, ..Default::default() };
        pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }
    pm
}

/// Intersection over union of the burned area of two rasters of one size, each pixel counted by
/// its coverage (its alpha), so that a line moved by a fraction of a pixel (G-code's micrometre
/// rounding) costs that fraction, not a whole pixel. Two empty rasters agree fully.
pub fn iou(a: &Pixmap, b: &Pixmap) -> f64 {
    let (mut inter, mut union) = (0u64, 0u64);
    for (p, q) in a.pixels().iter().zip(b.pixels()) {
        let (x, y) = (p.alpha() as u64, q.alpha() as u64);
        inter += x.min(y);
        union += x.max(y);
    }
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_moves_with_the_laser_on_and_powered_burn() {
        let g = "G21\nG90\nM4 S0\nG0 X1 Y1\nG1 X2 Y1 S800 F1200\nG1 X2 Y2\nG1 X3 Y2 S0\nM5 S0\nG1 X9 Y9 S500\n";
        assert_eq!(burns(g).unwrap(), vec![((1.0, 1.0), (2.0, 1.0)), ((2.0, 1.0), (2.0, 2.0))]);
    }

    #[test]
    fn an_unknown_word_is_refused_with_its_line() {
        let e = burns("G21\nG1 X1 Q3\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("Q3"), "{e}");
    }

    #[test]
    fn a_raster_agrees_with_itself_and_not_with_a_shifted_copy() {
        let a = rasterise(&[((1.0, 1.0), (5.0, 1.0))], 6.0, 2.0, 20.0, 0.2);
        let b = rasterise(&[((1.0, 1.5), (5.0, 1.5))], 6.0, 2.0, 20.0, 0.2);
        assert_eq!(iou(&a, &a), 1.0);
        assert!(iou(&a, &b) < 0.1, "{}", iou(&a, &b));
    }
}
