//! Images → engravable vectors: a drawing traced as outlines (filled by the laser), a pen stroke
//! (handwriting, a signature) traced along its centre line; after threshold, speckle removal and
//! cropping, scaled into the zone in mm.
//!
//! Hand-written tracer, and why: vtracer (the suggested crate) takes about 45 ms and 20 KB of SVG
//! for a simple 1024² line drawing where potrace takes about 6 ms and 3 KB; potrace itself is GPL C.
//! Ours follows the same first stages as potrace — pixel-edge boundary loops with a fixed turn
//! policy at saddles, then polygon simplification (Ramer–Douglas–Peucker here, within a fraction of
//! a pixel) — and leaves curve fitting out: a laser engraves polylines anyway. The centre line comes
//! from Zhang–Suen thinning (1984) and skeleton chains.

use crate::geom::{Point, Shape, Zone};
use crate::{EngraveError, Result};

/// The largest image accepted, bytes and pixels.
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_IMAGE_PIXELS: u64 = 4096 * 4096;

/// A binary image: `true` is ink. Row-major, `w × h`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bitmap {
    pub w: usize,
    pub h: usize,
    pub ink: Vec<bool>,
}

impl Bitmap {
    pub fn get(&self, x: isize, y: isize) -> bool {
        x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h && self.ink[y as usize * self.w + x as usize]
    }
    pub fn count(&self) -> usize {
        self.ink.iter().filter(|b| **b).count()
    }
}

/// What the image holds, which decides how it is traced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Areas of ink (a child's drawing, a logo): traced outlines, to fill.
    Drawing,
    /// Pen strokes (handwriting, a signature): centre lines, to follow.
    Handwriting,
}

/// A photo for the laser: grey levels resampled to one pixel per `spacing` mm over the zone
/// (aspect kept, centred), Floyd–Steinberg dithered, and each row's runs of burnt dots turned into
/// laser-on segments along the row (raster engraving). `gamma` > 1 lightens the mid-tones, which
/// laser marking tends to burn darker.
pub fn dither(w: usize, h: usize, grey: &[u8], zone: Zone, spacing: f64, gamma: f64) -> Result<Vec<Shape>> {
    if !(spacing.is_finite() && (0.01..=5.0).contains(&spacing)) {
        return Err(EngraveError::Invalid {
            what: "the dot spacing",
            rule: "between 0.01 and 5 mm",
            got: spacing.to_string(),
        });
    }
    let scale = (zone.width() / w as f64).min(zone.height() / h as f64); // mm per source pixel
    let (cols, rows) =
        (((w as f64 * scale) / spacing).floor() as usize, ((h as f64 * scale) / spacing).floor() as usize);
    if cols == 0 || rows == 0 {
        return Err(EngraveError::Empty);
    }
    if cols * rows > MAX_IMAGE_PIXELS as usize {
        return Err(EngraveError::Invalid {
            what: "the photo at this spacing",
            rule: "at most 4096 × 4096 dots",
            got: format!("{cols} × {rows} dots"),
        });
    }
    let (ox, oy) = ((zone.width() - cols as f64 * spacing) / 2.0, (zone.height() - rows as f64 * spacing) / 2.0);
    // Box-filter resampling to the dot grid, as darkness 0 (paper) … 1 (burn).
    let mut dark = vec![0f32; cols * rows];
    let px_per_dot = spacing / scale;
    for r in 0..rows {
        for c in 0..cols {
            let (x0, y0) = ((c as f64 * px_per_dot) as usize, (r as f64 * px_per_dot) as usize);
            let x1 = (((c + 1) as f64 * px_per_dot).ceil() as usize).clamp(x0 + 1, w);
            let y1 = (((r + 1) as f64 * px_per_dot).ceil() as usize).clamp(y0 + 1, h);
            let (mut sum, mut n) = (0u32, 0u32);
            for y in y0.min(h - 1)..y1 {
                for x in x0.min(w - 1)..x1 {
                    sum += grey[y * w + x] as u32;
                    n += 1;
                }
            }
            let g = sum as f64 / (255.0 * n.max(1) as f64);
            dark[r * cols + c] = (1.0 - g.powf(1.0 / gamma.clamp(0.2, 5.0))) as f32;
        }
    }
    let mut shapes = Vec::new();
    for r in 0..rows {
        let mut run: Option<usize> = None;
        for c in 0..=cols {
            let on = c < cols && {
                let i = r * cols + c;
                let burn = dark[i] >= 0.5;
                let err = dark[i] - if burn { 1.0 } else { 0.0 };
                if c + 1 < cols {
                    dark[i + 1] += err * 7.0 / 16.0;
                }
                if r + 1 < rows {
                    if c > 0 {
                        dark[i + cols - 1] += err * 3.0 / 16.0;
                    }
                    dark[i + cols] += err * 5.0 / 16.0;
                    if c + 1 < cols {
                        dark[i + cols + 1] += err / 16.0;
                    }
                }
                burn
            };
            match (on, run) {
                (true, None) => run = Some(c),
                (false, Some(start)) => {
                    // Row r counts from the top; Y is up in the zone.
                    let y = oy + (rows - r) as f64 * spacing - spacing / 2.0;
                    shapes.push(Shape {
                        points: vec![
                            Point::new(ox + start as f64 * spacing, y),
                            Point::new(ox + c as f64 * spacing, y),
                        ],
                        closed: false,
                    });
                    run = None;
                }
                _ => {}
            }
        }
    }
    if shapes.is_empty() {
        return Err(EngraveError::Invalid {
            what: "the photo",
            rule: "something to engrave",
            got: "no dot dark enough to burn".into(),
        });
    }
    Ok(shapes)
}

/// Decodes a PNG into grey levels (0 black – 255 white, transparency over white), refusing images
/// over [`MAX_IMAGE_BYTES`] or [`MAX_IMAGE_PIXELS`] before decoding them.
pub fn decode_png(bytes: &[u8]) -> Result<(usize, usize, Vec<u8>)> {
    let bad = |got: String| EngraveError::Invalid { what: "the image", rule: "a PNG file", got };
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(EngraveError::Invalid {
            what: "the image",
            rule: "at most 20 MiB",
            got: format!("{} bytes", bytes.len()),
        });
    }
    if bytes.len() < 24 || &bytes[1..4] != b"PNG" || &bytes[12..16] != b"IHDR" {
        return Err(bad("not a PNG file (JPEG and others: convert to PNG first)".into()));
    }
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]) as u64;
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]) as u64;
    if w * h > MAX_IMAGE_PIXELS {
        return Err(EngraveError::Invalid {
            what: "the image",
            rule: "at most 4096 × 4096 pixels",
            got: format!("{w} × {h} pixels"),
        });
    }
    let pm = tiny_skia::Pixmap::decode_png(bytes).map_err(|e| bad(e.to_string()))?;
    let grey = pm
        .pixels()
        .iter()
        .map(|p| {
            let c = p.demultiply();
            let a = c.alpha() as u32;
            let l = (c.red() as u32 * 299 + c.green() as u32 * 587 + c.blue() as u32 * 114) / 1000;
            ((l * a + 255 * (255 - a)) / 255) as u8
        })
        .collect();
    Ok((pm.width() as usize, pm.height() as usize, grey))
}

/// Otsu's threshold: the grey level that best separates ink from paper.
pub fn otsu(grey: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for g in grey {
        hist[*g as usize] += 1;
    }
    let total = grey.len() as f64;
    let sum: f64 = hist.iter().enumerate().map(|(i, n)| i as f64 * *n as f64).sum();
    let (mut w0, mut sum0, mut best, mut at) = (0.0, 0.0, -1.0, 127u8);
    for (t, n) in hist.iter().enumerate() {
        w0 += *n as f64;
        if w0 == 0.0 || w0 == total {
            continue;
        }
        sum0 += t as f64 * *n as f64;
        let (m0, m1) = (sum0 / w0, (sum - sum0) / (total - w0));
        let between = w0 * (total - w0) * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            at = t as u8;
        }
    }
    at
}

/// A threshold per pixel for photographed sketches (uneven light): the local mean over a
/// `window`-pixel square (an integral image), less `offset` grey levels — ink is what is darker
/// than its surroundings, whatever the lighting. Returns the image re-levelled so that a fixed
/// threshold of 128 applies: ink 0, paper 255.
pub fn adaptive(w: usize, h: usize, grey: &[u8], window: usize, offset: u8) -> Vec<u8> {
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += grey[y * w + x] as u64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let r = (window / 2).max(1);
    let mut out = vec![255u8; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let mean = sum as f64 / ((y1 - y0) * (x1 - x0)) as f64;
            if (grey[y * w + x] as f64) < mean - offset as f64 {
                out[y * w + x] = 0;
            }
        }
    }
    out
}

/// Ink where the grey level is at or below `threshold`; then connected specks smaller than
/// `min_area` pixels (ink or holes) are removed, and the image is cropped to its ink.
pub fn binarise(w: usize, h: usize, grey: &[u8], threshold: u8, min_area: usize) -> Result<Bitmap> {
    let mut b = Bitmap { w, h, ink: grey.iter().map(|g| *g <= threshold).collect() };
    despeckle(&mut b, min_area, true);
    despeckle(&mut b, min_area, false);
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if b.ink[y * w + x] {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    if x0 > x1 {
        return Err(EngraveError::Invalid {
            what: "the image",
            rule: "something to engrave",
            got: "no ink once the paper and specks are removed".into(),
        });
    }
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut ink = Vec::with_capacity(cw * ch);
    for y in y0..=y1 {
        ink.extend_from_slice(&b.ink[y * w + x0..y * w + x0 + cw]);
    }
    Ok(Bitmap { w: cw, h: ch, ink })
}

/// Flips connected regions of `value` smaller than `min_area` (4-connected) to the other value.
fn despeckle(b: &mut Bitmap, min_area: usize, value: bool) {
    if min_area <= 1 {
        return;
    }
    let mut seen = vec![false; b.ink.len()];
    let mut stack = Vec::new();
    let mut region = Vec::new();
    for start in 0..b.ink.len() {
        if seen[start] || b.ink[start] != value {
            continue;
        }
        region.clear();
        stack.push(start);
        seen[start] = true;
        let mut touches_edge = false;
        while let Some(i) = stack.pop() {
            region.push(i);
            let (x, y) = (i % b.w, i / b.w);
            touches_edge |= x == 0 || y == 0 || x + 1 == b.w || y + 1 == b.h;
            let mut push = |j: usize| {
                if !seen[j] && b.ink[j] == value {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < b.w {
                push(i + 1);
            }
            if y > 0 {
                push(i - b.w);
            }
            if y + 1 < b.h {
                push(i + b.w);
            }
        }
        // Paper touching the border is the background, never a speck.
        if region.len() < min_area && (value || !touches_edge) {
            for &i in &region {
                b.ink[i] = !value;
            }
        }
    }
}

/// Boundary loops along pixel edges, ink on the right when walking in image coordinates (Y down):
/// outer boundaries run clockwise on screen, holes counter-clockwise. Diagonal neighbours are kept
/// apart (4-connectivity). Corners only: straight runs are merged.
pub fn boundaries(b: &Bitmap) -> Vec<Vec<(i32, i32)>> {
    let vw = b.w + 1;
    let vid = |x: usize, y: usize| y * vw + x;
    // Outgoing edges per lattice vertex (at most two, at a saddle): the end vertex.
    let mut out: Vec<[u32; 2]> = vec![[u32::MAX; 2]; vw * (b.h + 1)];
    let mut add = |from: usize, to: usize| {
        let slot = &mut out[from];
        if slot[0] == u32::MAX {
            slot[0] = to as u32;
        } else {
            slot[1] = to as u32;
        }
    };
    for y in 0..b.h {
        for x in 0..b.w {
            if !b.ink[y * b.w + x] {
                continue;
            }
            let (xi, yi) = (x as isize, y as isize);
            if !b.get(xi, yi - 1) {
                add(vid(x, y), vid(x + 1, y));
            }
            if !b.get(xi + 1, yi) {
                add(vid(x + 1, y), vid(x + 1, y + 1));
            }
            if !b.get(xi, yi + 1) {
                add(vid(x + 1, y + 1), vid(x, y + 1));
            }
            if !b.get(xi - 1, yi) {
                add(vid(x, y + 1), vid(x, y));
            }
        }
    }
    let xy = |v: usize| ((v % vw) as i32, (v / vw) as i32);
    let mut loops = Vec::new();
    for start in 0..out.len() {
        while out[start][0] != u32::MAX {
            let mut pts: Vec<(i32, i32)> = Vec::new();
            let mut cur = take(&mut out[start], None, xy(start), &xy);
            let mut dir = delta(xy(start), xy(cur));
            pts.push(xy(start));
            while cur != start {
                let next = take(&mut out[cur], Some(dir), xy(cur), &xy);
                let nd = delta(xy(cur), xy(next));
                if nd != dir {
                    pts.push(xy(cur));
                }
                cur = next;
                dir = nd;
            }
            // The start is a corner unless the last run continues into the first.
            if pts.len() > 1 && delta(*pts.last().expect("non-empty"), pts[0]) == dir && dir == delta(pts[0], pts[1]) {
                pts.remove(0);
            }
            loops.push(pts);
        }
    }
    loops
}

fn delta(a: (i32, i32), b: (i32, i32)) -> (i32, i32) {
    ((b.0 - a.0).signum(), (b.1 - a.1).signum())
}

/// Takes an outgoing edge of a vertex. At a saddle (two ways out) it turns right relative to the
/// incoming direction `dir` (in image coordinates), which keeps diagonal pixels apart.
fn take(slot: &mut [u32; 2], dir: Option<(i32, i32)>, at: (i32, i32), xy: &impl Fn(usize) -> (i32, i32)) -> usize {
    let pick = if slot[1] != u32::MAX {
        let right = dir.map(|(dx, dy)| (-dy, dx));
        usize::from(right.is_some_and(|r| delta(at, xy(slot[1] as usize)) == r))
    } else {
        0
    };
    let v = slot[pick] as usize;
    if pick == 0 {
        slot[0] = slot[1];
    }
    slot[1] = u32::MAX;
    v
}

/// Ramer–Douglas–Peucker on a closed polygon: no point moves more than `tol` from the result.
pub fn simplify_closed(pts: &[(f64, f64)], tol: f64) -> Vec<(f64, f64)> {
    if pts.len() < 4 {
        return pts.to_vec();
    }
    // Split at the point farthest from the first, simplify both halves.
    let far = (1..pts.len())
        .max_by(|&a, &b| dist2(pts[0], pts[a]).total_cmp(&dist2(pts[0], pts[b])))
        .expect("several points");
    let mut a = simplify_open(&pts[..=far], tol);
    let mut second: Vec<(f64, f64)> = pts[far..].to_vec();
    second.push(pts[0]);
    let b = simplify_open(&second, tol);
    a.pop();
    a.extend_from_slice(&b[..b.len() - 1]);
    a
}

/// Ramer–Douglas–Peucker on an open polyline (iterative).
pub fn simplify_open(pts: &[(f64, f64)], tol: f64) -> Vec<(f64, f64)> {
    let n = pts.len();
    if n < 3 {
        return pts.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = vec![(0, n - 1)];
    while let Some((i, j)) = stack.pop() {
        let (mut worst, mut at) = (0.0, 0);
        for k in i + 1..j {
            let d = seg_dist2(pts[k], pts[i], pts[j]);
            if d > worst {
                worst = d;
                at = k;
            }
        }
        if worst > tol * tol {
            keep[at] = true;
            stack.push((i, at));
            stack.push((at, j));
        }
    }
    pts.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

fn seg_dist2(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let l2 = dx * dx + dy * dy;
    if l2 == 0.0 {
        return dist2(p, a);
    }
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / l2).clamp(0.0, 1.0);
    dist2(p, (a.0 + t * dx, a.1 + t * dy))
}

/// Zhang–Suen thinning: the one-pixel-wide skeleton of the ink.
pub fn thin(b: &Bitmap) -> Bitmap {
    let mut s = b.clone();
    let (w, h) = (s.w as isize, s.h as isize);
    loop {
        let mut changed = false;
        for step in 0..2 {
            let mut remove = Vec::new();
            for y in 0..h {
                for x in 0..w {
                    if !s.get(x, y) {
                        continue;
                    }
                    // P2..P9 clockwise from north.
                    let n = [
                        s.get(x, y - 1),
                        s.get(x + 1, y - 1),
                        s.get(x + 1, y),
                        s.get(x + 1, y + 1),
                        s.get(x, y + 1),
                        s.get(x - 1, y + 1),
                        s.get(x - 1, y),
                        s.get(x - 1, y - 1),
                    ];
                    let bn = n.iter().filter(|v| **v).count();
                    let an = (0..8).filter(|&i| !n[i] && n[(i + 1) % 8]).count();
                    let (p2, p4, p6, p8) = (n[0], n[2], n[4], n[6]);
                    // Step 1: P2·P4·P6 = 0 and P4·P6·P8 = 0; step 2: P2·P4·P8 = 0 and P2·P6·P8 = 0.
                    let ok = if step == 0 { !(p4 && p6 && (p2 || p8)) } else { !(p2 && p8 && (p4 || p6)) };
                    if (2..=6).contains(&bn) && an == 1 && ok {
                        remove.push((y * w + x) as usize);
                    }
                }
            }
            changed |= !remove.is_empty();
            for i in remove {
                s.ink[i] = false;
            }
        }
        if !changed {
            return s;
        }
    }
}

/// The skeleton's pixel chains as polylines (pixel centres): from each end or junction along its
/// branches, then the closed loops left over. Pixels link by m-adjacency (a diagonal neighbour
/// counts only when no orthogonal neighbour already joins the two), so a staircase is a chain,
/// not a run of false junctions.
pub fn chains(s: &Bitmap) -> Vec<Vec<(f64, f64)>> {
    let (w, h) = (s.w as isize, s.h as isize);
    const N8: [(isize, isize); 8] = [(0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1)];
    let links = |x: isize, y: isize| -> Vec<usize> {
        (0..8)
            .filter(|&d| {
                let (dx, dy) = N8[d];
                s.get(x + dx, y + dy) && (d % 2 == 0 || !(s.get(x + dx, y) || s.get(x, y + dy)))
            })
            .collect()
    };
    let idx = |x: isize, y: isize| (y * w + x) as usize;
    let mut used = vec![0u8; s.ink.len()];
    let bit = |d: usize| 1u8 << d;
    let mut out = Vec::new();
    let walk = |x0: isize, y0: isize, d0: usize, used: &mut Vec<u8>| {
        let mut pts = vec![(x0 as f64 + 0.5, y0 as f64 + 0.5)];
        let (mut x, mut y, mut d) = (x0, y0, d0);
        loop {
            let (nx, ny) = (x + N8[d].0, y + N8[d].1);
            used[idx(x, y)] |= bit(d);
            used[idx(nx, ny)] |= bit((d + 4) % 8);
            pts.push((nx as f64 + 0.5, ny as f64 + 0.5));
            (x, y) = (nx, ny);
            let l = links(x, y);
            if l.len() != 2 {
                break;
            }
            let Some(&nd) = l.iter().find(|&&k| used[idx(x, y)] & bit(k) == 0) else { break };
            d = nd;
        }
        pts
    };
    for pass in 0..2 {
        for y in 0..h {
            for x in 0..w {
                if !s.get(x, y) {
                    continue;
                }
                let l = links(x, y);
                if pass == 0 && l.len() == 2 {
                    continue;
                }
                if l.is_empty() {
                    out.push(vec![(x as f64 + 0.25, y as f64 + 0.5), (x as f64 + 0.75, y as f64 + 0.5)]);
                }
                for d in l {
                    if used[idx(x, y)] & bit(d) == 0 {
                        out.push(walk(x, y, d, &mut used));
                    }
                }
            }
        }
    }
    out
}

/// Traces a binary image and scales it into the zone (centred, aspect kept): closed outlines for a
/// drawing, open centre lines for handwriting. `tol_px` is the simplification tolerance in pixels.
pub fn trace(b: &Bitmap, kind: Kind, zone: Zone, tol_px: f64) -> Result<Vec<Shape>> {
    let s = (zone.width() / b.w as f64).min(zone.height() / b.h as f64);
    let (ox, oy) = ((zone.width() - b.w as f64 * s) / 2.0, (zone.height() - b.h as f64 * s) / 2.0);
    let h = b.h as f64;
    let to_mm = |(x, y): (f64, f64)| Point::new(ox + x * s, oy + (h - y) * s);
    let shapes: Vec<Shape> = match kind {
        Kind::Drawing => boundaries(b)
            .into_iter()
            .map(|l| {
                // A corner between two runs of 2 px or more is a real corner and stays; elsewhere
                // the run's midpoint stands in, so a staircase becomes the slope it steps along
                // (within half a pixel) before simplification.
                let n = l.len();
                let run = |a: (i32, i32), b: (i32, i32)| (b.0 - a.0).abs() + (b.1 - a.1).abs();
                let pts: Vec<(f64, f64)> = (0..n)
                    .map(|i| {
                        let (p, v, q) = (l[(i + n - 1) % n], l[i], l[(i + 1) % n]);
                        if run(p, v) >= 2 && run(v, q) >= 2 {
                            (v.0 as f64, v.1 as f64)
                        } else {
                            ((v.0 + q.0) as f64 / 2.0, (v.1 + q.1) as f64 / 2.0)
                        }
                    })
                    .collect();
                Shape { points: simplify_closed(&pts, tol_px).into_iter().map(to_mm).collect(), closed: true }
            })
            .filter(|sh| sh.points.len() >= 3)
            .collect(),
        Kind::Handwriting => chains(&thin(b))
            .into_iter()
            .map(|c| Shape { points: simplify_open(&c, tol_px).into_iter().map(to_mm).collect(), closed: false })
            .collect(),
    };
    if shapes.is_empty() {
        return Err(EngraveError::Empty);
    }
    Ok(shapes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(rows: &[&str]) -> Bitmap {
        Bitmap { w: rows[0].len(), h: rows.len(), ink: rows.iter().flat_map(|r| r.chars().map(|c| c == '#')).collect() }
    }

    #[test]
    fn a_square_with_a_hole_is_two_loops_of_four_corners() {
        let b = bitmap(&["#####", "#...#", "#...#", "#####"]);
        let mut loops = boundaries(&b);
        loops.sort_by_key(|l| std::cmp::Reverse(l.len()));
        assert_eq!(loops.len(), 2);
        assert!(loops.iter().all(|l| l.len() == 4), "{loops:?}");
        let area = |l: &Vec<(i32, i32)>| {
            (0..l.len())
                .map(|i| {
                    let (a, b) = (l[i], l[(i + 1) % l.len()]);
                    (a.0 * b.1 - b.0 * a.1) as i64
                })
                .sum::<i64>()
                / 2
        };
        let mut areas: Vec<i64> = loops.iter().map(area).collect();
        areas.sort();
        // Y down: the outer loop is clockwise on screen (positive here), the hole the other way.
        assert_eq!(areas, vec![-6, 20]);
    }

    #[test]
    fn diagonal_pixels_stay_apart() {
        let b = bitmap(&["#.", ".#"]);
        assert_eq!(boundaries(&b).len(), 2);
    }

    #[test]
    fn thinning_a_bar_leaves_its_centre_line() {
        let b = bitmap(&["..........", ".########.", ".########.", ".########.", ".........."]);
        let s = thin(&b);
        assert!(s.count() >= 5 && s.count() <= 8, "{}", s.count());
        let c = chains(&s);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(c[0].iter().all(|p| (p.1 - 2.5).abs() < 1.01), "{c:?}");
    }

    #[test]
    fn limits_are_checked_before_decoding() {
        let mut fake = vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0, 0, 13];
        fake.extend_from_slice(b"IHDR");
        fake.extend_from_slice(&5000u32.to_be_bytes());
        fake.extend_from_slice(&5000u32.to_be_bytes());
        let e = decode_png(&fake).unwrap_err();
        assert!(e.to_string().contains("4096 × 4096"), "{e}");
        assert!(decode_png(b"GIF89a....................").unwrap_err().to_string().contains("not a PNG"));
        assert!(binarise(4, 4, &[255; 16], 128, 1).is_err(), "a blank page has nothing to engrave");
    }

    #[test]
    fn dithering_keeps_the_grey_level() {
        // A horizontal ramp from black to white: the burnt share of each column band follows it.
        let (w, h) = (200, 100);
        let grey: Vec<u8> = (0..w * h).map(|i| ((i % w) * 255 / (w - 1)) as u8).collect();
        let zone = Zone::new(20.0, 10.0).unwrap();
        let runs = dither(w, h, &grey, zone, 0.1, 1.0).unwrap();
        let burnt = |x0: f64, x1: f64| -> f64 {
            runs.iter().map(|s| (s.points[1].x.min(x1) - s.points[0].x.max(x0)).max(0.0)).sum::<f64>()
                / ((x1 - x0) * 10.0 / 0.1)
        };
        for (x0, expected) in [(0.0, 0.875), (5.0, 0.625), (10.0, 0.375), (15.0, 0.125)] {
            let got = burnt(x0, x0 + 5.0);
            assert!((got - expected).abs() < 0.06, "band {x0}: {got:.3} burnt, expected about {expected}");
        }
        assert!(runs.iter().all(|s| s.points.iter().all(|p| zone.contains(*p, 1e-9))));
        assert!(dither(w, h, &vec![255; w * h], zone, 0.1, 1.0).is_err(), "white paper: nothing to burn");
    }

    #[test]
    fn otsu_separates_two_levels() {
        let mut g = vec![30u8; 100];
        g.extend(vec![220u8; 300]);
        let t = otsu(&g);
        assert!((30..220).contains(&t), "{t}");
    }
}
