//! Shapes → cuts for one layer of laser settings: outlines traced (`line`), areas hatched
//! (`fill`: angle, spacing, cross-hatch, bidirectional, overscan), or strokes followed
//! (`single-line`).

use crate::geom::{Point, Shape, Vec2, Zone};
use crate::{EngraveError, Result};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hatch {
    /// Angle of the hatch lines from the X axis, degrees.
    pub angle_deg: f64,
    /// Distance between hatch lines, mm (about the laser's spot size).
    pub spacing: f64,
    /// A second hatch at angle + 90°.
    pub cross: bool,
    /// Engrave in both directions (the order may reverse any line); otherwise always one way.
    pub bidirectional: bool,
    /// Laser-off run-up before and after each hatch line, mm, so the head is at speed when it fires.
    pub overscan: f64,
}

impl Default for Hatch {
    fn default() -> Hatch {
        Hatch { angle_deg: 0.0, spacing: 0.025, cross: false, bidirectional: true, overscan: 0.0 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Trace every outline.
    Line,
    /// Hatch the inside of the outlines (non-zero winding).
    Fill(Hatch),
    /// Follow strokes as they are (single-line fonts).
    SingleLine,
    /// Concentric outlines inwards, `spacing` mm apart (the first half a spacing in).
    OffsetFill { spacing: f64 },
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Line => "line",
            Mode::Fill(_) => "fill",
            Mode::SingleLine => "single-line",
            Mode::OffsetFill { .. } => "offset-fill",
        }
    }
}

/// One set of laser settings (GRBL: `S` power 0–1000 with `$30=1000`, `F` speed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layer {
    pub mode: Mode,
    /// Laser power, `S` 0–1000.
    pub power: u32,
    /// Engraving speed, mm/min.
    pub speed: f64,
    /// How many times the layer is engraved.
    pub passes: u32,
    /// The width the laser burns, mm: outlines are moved inwards by half of it before tracing or
    /// filling, so the burn stays inside the design. 0 traces the outlines themselves.
    pub kerf: f64,
}

impl Default for Layer {
    fn default() -> Layer {
        Layer { mode: Mode::Fill(Hatch::default()), power: 800, speed: 1200.0, passes: 1, kerf: 0.0 }
    }
}

/// One laser-on polyline, mm.
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    pub points: Vec<Point>,
    /// A closed outline: it ends where it starts, and may start at any of its points.
    pub closed: bool,
    /// Whether it may be engraved end to start.
    pub reversible: bool,
}

impl Cut {
    pub fn start(&self) -> Point {
        self.points[0]
    }
    pub fn end(&self) -> Point {
        if self.closed {
            self.points[0]
        } else {
            *self.points.last().expect("a cut has points")
        }
    }
    pub fn length(&self) -> f64 {
        Shape { points: self.points.clone(), closed: self.closed }.length()
    }
}

/// The cuts of one layer in a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Toolpath {
    pub zone: Zone,
    pub layer: Layer,
    pub cuts: Vec<Cut>,
    /// For each cut, the cut that must come after it (an outline around it), if any.
    pub before: Vec<Option<usize>>,
    /// Notes every output file carries (a font's required acknowledgement).
    pub notes: Vec<String>,
}

impl Toolpath {
    /// Laser-on length, mm, all passes.
    pub fn cut_length(&self) -> f64 {
        self.cuts.iter().map(Cut::length).sum::<f64>() * self.layer.passes as f64
    }
    /// Laser-off travel from the origin through every cut and back, mm, all passes.
    pub fn travel_length(&self) -> f64 {
        travel(&self.cuts) * self.layer.passes as f64
    }
}

/// Travel from the origin through `cuts` in order.
pub fn travel(cuts: &[Cut]) -> f64 {
    let mut at = Point::ORIGIN;
    let mut sum = 0.0;
    for c in cuts {
        sum += at.distance(c.start());
        at = c.end();
    }
    sum
}

fn check(layer: &Layer) -> Result<()> {
    let bad = |what, rule, got: String| Err(EngraveError::Invalid { what, rule, got });
    if layer.power > 1000 {
        return bad("the power", "0 to 1000 (S)", layer.power.to_string());
    }
    if !(layer.speed.is_finite() && layer.speed > 0.0 && layer.speed <= 100_000.0) {
        return bad("the speed", "between 0 and 100000 mm/min", layer.speed.to_string());
    }
    if !(1..=100).contains(&layer.passes) {
        return bad("the passes", "1 to 100", layer.passes.to_string());
    }
    if !(layer.kerf.is_finite() && (0.0..=2.0).contains(&layer.kerf)) {
        return bad("the kerf", "between 0 and 2 mm", layer.kerf.to_string());
    }
    if let Mode::OffsetFill { spacing } = layer.mode {
        if !(spacing.is_finite() && (0.01..=5.0).contains(&spacing)) {
            return bad("the offset spacing", "between 0.01 and 5 mm", spacing.to_string());
        }
    }
    if let Mode::Fill(h) = layer.mode {
        if !(h.spacing.is_finite() && (0.01..=5.0).contains(&h.spacing)) {
            return bad("the hatch spacing", "between 0.01 and 5 mm", h.spacing.to_string());
        }
        if !(h.overscan.is_finite() && (0.0..=20.0).contains(&h.overscan)) {
            return bad("the overscan", "between 0 and 20 mm", h.overscan.to_string());
        }
        if !h.angle_deg.is_finite() {
            return bad("the hatch angle", "a number of degrees", h.angle_deg.to_string());
        }
    }
    Ok(())
}

/// Cuts for `shapes` with `layer`'s mode. Fill needs closed outlines; single-line takes strokes
/// (and traces outlines given to it).
pub fn toolpath(shapes: &[Shape], zone: Zone, layer: Layer) -> Result<Toolpath> {
    check(&layer)?;
    // The kerf: closed outlines move inwards by half the burn's width; strokes stay as they are.
    let kerfed: Vec<Shape>;
    let shapes: &[Shape] = if layer.kerf > 0.0 && shapes.iter().any(|s| s.closed) {
        kerfed = crate::offset::offset(shapes, -layer.kerf / 2.0)
            .into_iter()
            .chain(shapes.iter().filter(|s| !s.closed).cloned())
            .collect();
        &kerfed
    } else {
        shapes
    };
    let shapes: Vec<&Shape> = shapes.iter().filter(|s| s.points.len() > 1).collect();
    if shapes.is_empty() {
        return Err(EngraveError::Empty);
    }
    let (cuts, before) = match layer.mode {
        Mode::Line | Mode::SingleLine => {
            let cuts: Vec<Cut> =
                shapes.iter().map(|s| Cut { points: s.points.clone(), closed: s.closed, reversible: true }).collect();
            let before = containment(&shapes);
            (cuts, before)
        }
        Mode::OffsetFill { spacing } => {
            let closed: Vec<Shape> = shapes.iter().filter(|s| s.closed).map(|s| (*s).clone()).collect();
            let mut cuts = Vec::new();
            let mut k = 0;
            loop {
                let ring = crate::offset::offset(&closed, -(spacing / 2.0 + k as f64 * spacing));
                if ring.is_empty() || k > 10_000 {
                    break;
                }
                cuts.extend(ring.into_iter().map(|s| Cut { points: s.points, closed: true, reversible: true }));
                k += 1;
            }
            if cuts.is_empty() {
                return Err(EngraveError::Empty);
            }
            let n = cuts.len();
            (cuts, vec![None; n])
        }
        Mode::Fill(h) => {
            let closed: Vec<&Shape> = shapes.iter().copied().filter(|s| s.closed).collect();
            if closed.is_empty() {
                return Err(EngraveError::Invalid {
                    what: "the fill mode",
                    rule: "used with closed outlines (an outline font or a traced drawing)",
                    got: "open strokes only; use the single-line mode".into(),
                });
            }
            let mut cuts = hatch(&closed, h.angle_deg, h.spacing, h.bidirectional);
            if h.cross {
                cuts.extend(hatch(&closed, h.angle_deg + 90.0, h.spacing, h.bidirectional));
            }
            if cuts.is_empty() {
                return Err(EngraveError::Empty);
            }
            let n = cuts.len();
            (cuts, vec![None; n])
        }
    };
    Ok(Toolpath { zone, layer, cuts, before, notes: Vec::new() })
}

/// For each closed shape, the smallest closed shape around it (which must be engraved after it:
/// inner shapes first, so a part cut free does not move before its inside is done).
fn containment(shapes: &[&Shape]) -> Vec<Option<usize>> {
    let areas: Vec<f64> = shapes.iter().map(|s| if s.closed { s.area().abs() } else { 0.0 }).collect();
    shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = s.points[0];
            (0..shapes.len())
                .filter(|&j| j != i && shapes[j].closed && areas[j] > areas[i] && shapes[j].contains(p))
                .min_by(|&a, &b| areas[a].total_cmp(&areas[b]))
        })
        .collect()
}

/// Hatch lines inside `shapes` (non-zero winding) at `angle_deg`, `spacing` mm apart, the first
/// half a spacing in from the lowest point, so every line is centred in its band.
pub fn hatch(shapes: &[&Shape], angle_deg: f64, spacing: f64, bidirectional: bool) -> Vec<Cut> {
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    // Rotate by -angle so hatch lines are horizontal.
    let rot = |p: Point| Point::new(p.x * cos + p.y * sin, -p.x * sin + p.y * cos);
    let unrot = |p: Point| Point::new(p.x * cos - p.y * sin, p.x * sin + p.y * cos);
    let mut edges: Vec<(Point, Point)> = Vec::new();
    for s in shapes {
        let n = s.points.len();
        for i in 0..n {
            edges.push((rot(s.points[i]), rot(s.points[(i + 1) % n])));
        }
    }
    let (ymin, ymax) = edges.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (a, _)| (lo.min(a.y), hi.max(a.y)));
    if ymin >= ymax {
        return Vec::new();
    }
    let lines = ((ymax - ymin) / spacing).floor() as usize + 1;
    let y_of = |k: usize| ymin + spacing * (k as f64 + 0.5);
    // Crossings per scanline: (x, +1 upward edge / -1 downward edge).
    let mut rows: Vec<Vec<(f64, i32)>> = vec![Vec::new(); lines];
    for (a, b) in &edges {
        if a.y == b.y {
            continue;
        }
        let (lo, hi, dir) = if a.y < b.y { (a, b, 1) } else { (b, a, -1) };
        // Scanlines with lo.y <= y < hi.y.
        let first = ((lo.y - ymin) / spacing - 0.5).ceil().max(0.0) as usize;
        let mut k = first;
        while k < lines && y_of(k) < hi.y {
            let y = y_of(k);
            if y >= lo.y {
                let x = lo.x + (y - lo.y) / (hi.y - lo.y) * (hi.x - lo.x);
                rows[k].push((x, dir));
            }
            k += 1;
        }
    }
    let mut cuts = Vec::new();
    for (k, row) in rows.iter_mut().enumerate() {
        row.sort_by(|a, b| a.0.total_cmp(&b.0));
        let y = y_of(k);
        let mut winding = 0;
        let mut start = 0.0;
        for &(x, d) in row.iter() {
            let was = winding;
            winding += d;
            if was == 0 && winding != 0 {
                start = x;
            } else if was != 0 && winding == 0 && x - start > 1e-9 {
                let (a, b) = (unrot(Point::new(start, y)), unrot(Point::new(x, y)));
                cuts.push(Cut { points: vec![a, b], closed: false, reversible: bidirectional });
            }
        }
    }
    cuts
}

/// The unit direction of an open cut's first segment (for overscan run-ups).
pub fn direction(c: &Cut) -> Vec2 {
    let d = c.points[1] - c.points[0];
    let l = d.hypot();
    if l > 0.0 {
        d / l
    } else {
        Vec2::new(1.0, 0.0)
    }
}
