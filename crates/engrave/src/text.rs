//! Text laid out in a zone: lines, alignment, shrink-to-fit with a minimum cap height, and text
//! bent along an arc (a pendant's rim).

use crate::font::Font;
use crate::geom::{Point, Shape, Zone};
use crate::{EngraveError, Result};
use kurbo::{Affine, BezPath, PathEl, Shape as _};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Align {
    Left,
    #[default]
    Centre,
    Right,
}

impl std::str::FromStr for Align {
    type Err = EngraveError;
    fn from_str(s: &str) -> Result<Align> {
        match s {
            "left" => Ok(Align::Left),
            "centre" | "center" => Ok(Align::Centre),
            "right" => Ok(Align::Right),
            _ => Err(EngraveError::Invalid { what: "the alignment", rule: "left, centre or right", got: s.into() }),
        }
    }
}

/// Text bent along a circle centred on the zone's centre: the baseline of the (single) line runs
/// on a circle of `radius` mm, centred at the top and reading clockwise, letters standing outwards.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArcSpec {
    pub radius: f64,
    /// The widest angle the text may span, degrees (≤ 300).
    pub max_sweep_deg: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TextSpec {
    /// One or more lines, separated by `\n`.
    pub text: String,
    pub align: Align,
    /// Baseline to baseline, in cap heights.
    pub line_spacing: f64,
    /// The cap height wanted, mm; `None`: as large as the zone allows.
    pub cap_height: Option<f64>,
    /// The smallest cap height accepted, mm: below it the text does not fit.
    pub min_cap_height: f64,
    /// Largest distance between a curve and its flattened polyline, mm.
    pub tolerance: f64,
    pub arc: Option<ArcSpec>,
}

/// The longest text accepted, in characters (a jewel carries a few words, not a page).
pub const MAX_TEXT_CHARS: usize = 500;

impl TextSpec {
    pub fn new(text: impl Into<String>) -> TextSpec {
        TextSpec {
            text: text.into(),
            align: Align::Centre,
            line_spacing: 1.5,
            cap_height: None,
            min_cap_height: 0.8,
            tolerance: 0.005,
            arc: None,
        }
    }
}

/// Lays `spec.text` out in `zone` with `font`: closed outlines for outline fonts, open strokes for
/// single-line fonts, in mm in the zone's frame (origin bottom-left, Y up).
pub fn layout(font: &Font, spec: &TextSpec, zone: &Zone) -> Result<Vec<Shape>> {
    let n = spec.text.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(EngraveError::Invalid {
            what: "the text",
            rule: "at most 500 characters",
            got: format!("{n} characters"),
        });
    }
    if !(spec.min_cap_height.is_finite() && spec.min_cap_height > 0.0) {
        return Err(EngraveError::Invalid {
            what: "the minimum cap height",
            rule: "a positive length in mm",
            got: spec.min_cap_height.to_string(),
        });
    }
    let lines: Vec<&str> = spec.text.lines().map(str::trim).collect();
    if lines.iter().all(|l| l.is_empty()) {
        return Err(EngraveError::Empty);
    }
    // Each line at cap height 1, baseline at y = -i × spacing, aligned on x = 0.
    let mut glyphs: Vec<BezPath> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (paths, _advance) = font.line(line)?;
        let Some(ink) = paths.iter().map(|p| p.bounding_box()).reduce(|a, b| a.union(b)) else { continue };
        let dx = match spec.align {
            Align::Left => -ink.x0,
            Align::Centre => -(ink.x0 + ink.x1) / 2.0,
            Align::Right => -ink.x1,
        };
        let t = Affine::translate((dx, -(i as f64) * spec.line_spacing));
        glyphs.extend(paths.into_iter().map(|p| t * p));
    }
    let block = glyphs.iter().map(|p| p.bounding_box()).reduce(|a, b| a.union(b)).ok_or(EngraveError::Empty)?;
    let (bw, bh) = (block.width().max(1e-9), block.height().max(1e-9));
    let (zw, zh) = (zone.width(), zone.height());
    let fit = |avail_w: f64, avail_h: f64| (avail_w / bw).min(avail_h / bh);
    let (scale, place): (f64, Box<dyn Fn(Point) -> Point>) = match spec.arc {
        None => {
            let s = spec.cap_height.map_or(fit(zw, zh), |c| c.min(fit(zw, zh)));
            let x0 = match spec.align {
                Align::Left => 0.0,
                Align::Centre => (zw - bw * s) / 2.0,
                Align::Right => zw - bw * s,
            } - block.x0 * s;
            let y0 = (zh - bh * s) / 2.0 - block.y0 * s;
            (s, Box::new(move |p: Point| Point::new(x0 + p.x * s, y0 + p.y * s)))
        }
        Some(a) => {
            let r = a.radius;
            let sweep = a.max_sweep_deg.clamp(1.0, 300.0).to_radians();
            let outer = zw.min(zh) / 2.0;
            if !(r > 0.0 && r < outer) {
                return Err(EngraveError::Invalid {
                    what: "the arc radius",
                    rule: "inside the zone's inscribed circle",
                    got: format!("{r} mm"),
                });
            }
            // Above the baseline the letters reach outwards to the rim; below it, inwards.
            let up = block.y1.max(1e-9);
            let down = (-block.y0).max(0.0);
            let s_h = ((outer - r) / up).min(if down > 0.0 { r * 0.9 / down } else { f64::MAX });
            let s_w = r * sweep / bw;
            let s = spec.cap_height.map_or(s_h.min(s_w), |c| c.min(s_h.min(s_w)));
            let (cx, cy) = (zw / 2.0, zh / 2.0);
            let mid = (block.x0 + block.x1) / 2.0;
            (
                s,
                Box::new(move |p: Point| {
                    let theta = std::f64::consts::FRAC_PI_2 - (p.x - mid) * s / r;
                    let rho = r + p.y * s;
                    Point::new(cx + rho * theta.cos(), cy + rho * theta.sin())
                }),
            )
        }
    };
    if scale < spec.min_cap_height {
        return Err(EngraveError::DoesNotFit { zone_w: zw, zone_h: zh, cap: scale, min: spec.min_cap_height });
    }
    // Flatten at the final size, then place (bending needs short segments: at most 0.2 mm).
    let tol = spec.tolerance.max(1e-4) / scale;
    let max_seg = if spec.arc.is_some() { 0.2 / scale } else { f64::INFINITY };
    let mut shapes = Vec::new();
    for g in &glyphs {
        let mut current: Vec<Point> = Vec::new();
        let mut flush = |pts: &mut Vec<Point>, closed: bool| {
            if pts.len() > 1 {
                if closed && pts.first() == pts.last() {
                    pts.pop();
                }
                let points = subdivide(pts, max_seg, closed).into_iter().map(&place).collect();
                shapes.push(Shape { points, closed });
            }
            pts.clear();
        };
        kurbo::flatten(g.iter(), tol, |el| match el {
            PathEl::MoveTo(p) => {
                flush(&mut current, false);
                current.push(p);
            }
            PathEl::LineTo(p) => current.push(p),
            PathEl::ClosePath => flush(&mut current, true),
            _ => unreachable!("flatten yields lines only"),
        });
        flush(&mut current, false);
    }
    Ok(shapes)
}

fn subdivide(pts: &[Point], max: f64, closed: bool) -> Vec<Point> {
    if !max.is_finite() {
        return pts.to_vec();
    }
    let mut out = Vec::with_capacity(pts.len());
    let n = pts.len();
    let edges = if closed { n } else { n - 1 };
    for i in 0..edges {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        let k = (a.distance(b) / max).ceil().max(1.0) as usize;
        for j in 0..k {
            out.push(a.lerp(b, j as f64 / k as f64));
        }
    }
    if !closed {
        out.push(pts[n - 1]);
    }
    out
}
