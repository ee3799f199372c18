//! Cut order for short laser-off travel: greedy nearest neighbour from the origin (closed outlines
//! entered at their nearest point, reversible cuts from their nearer end, outlines only after the
//! shapes inside them), then 2-opt: reversing a run of cuts wherever that shortens the tour.
//!
//! Hand-written: the crates that solve travelling-salesman tours take points, not cuts with two
//! ends, reversibility and precedence.

use crate::geom::Point;
use crate::toolpath::{Cut, Toolpath};

/// How far 2-opt looks: `Some(w)` tries runs of at most `w` cuts (fast, for production);
/// `None` tries every run, until no move improves (the converged reference).
#[derive(Clone, Copy, Debug)]
pub struct TwoOpt {
    pub window: Option<usize>,
    pub max_passes: usize,
}

impl Default for TwoOpt {
    fn default() -> TwoOpt {
        TwoOpt { window: Some(48), max_passes: 8 }
    }
}

/// Orders the toolpath's cuts in place.
pub fn order(tp: &mut Toolpath, opts: TwoOpt) {
    let (cuts, before) = nearest_neighbour(std::mem::take(&mut tp.cuts), &tp.before);
    tp.cuts = cuts;
    tp.before = before;
    two_opt(tp, opts);
}

/// Entry points of the cuts in a uniform grid, for nearest-neighbour queries.
struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    w: usize,
    h: usize,
    /// Per cell: (cut, how to enter, point).
    cells: Vec<Vec<(u32, u32, Point)>>,
}

impl Grid {
    fn new(cuts: &[Option<Cut>]) -> Grid {
        let pts = || cuts.iter().flatten().flat_map(|c| c.points.iter());
        let b = crate::geom::bounds(pts()).unwrap_or_default().union_pt(Point::ORIGIN);
        let n: usize = cuts.iter().flatten().map(|c| if c.closed { c.points.len() } else { 2 }).sum();
        // About two entries per cell.
        let area = (b.width() * b.height()).max(1e-6);
        let cell = (area * 2.0 / n.max(1) as f64).sqrt().max(1e-3);
        let w = ((b.width() / cell).floor() as usize + 1).min(4096);
        let h = ((b.height() / cell).floor() as usize + 1).min(4096);
        let cell = cell.max(b.width() / w as f64).max(b.height() / h as f64);
        let mut g = Grid { x0: b.x0, y0: b.y0, cell, w, h, cells: vec![Vec::new(); w * h] };
        for (i, c) in cuts.iter().enumerate() {
            let Some(c) = c else { continue };
            if c.closed {
                for (v, p) in c.points.iter().enumerate() {
                    g.insert(i, v, *p);
                }
            } else {
                g.insert(i, 0, c.start());
                if c.reversible {
                    g.insert(i, 1, c.end());
                }
            }
        }
        g
    }

    fn at(&self, p: Point) -> (usize, usize) {
        let cx = (((p.x - self.x0) / self.cell).floor().max(0.0) as usize).min(self.w - 1);
        let cy = (((p.y - self.y0) / self.cell).floor().max(0.0) as usize).min(self.h - 1);
        (cx, cy)
    }

    fn insert(&mut self, cut: usize, how: usize, p: Point) {
        let (cx, cy) = self.at(p);
        self.cells[cy * self.w + cx].push((cut as u32, how as u32, p));
    }

    /// The nearest entry accepted by `ok`, searching rings of cells outwards from `p`; entries of
    /// finished cuts are dropped on the way.
    fn nearest(&mut self, p: Point, done: &[bool], ok: impl Fn(usize) -> bool) -> Option<(usize, usize)> {
        let (cx, cy) = self.at(p);
        let mut best: Option<(f64, usize, usize)> = None;
        let max_r = self.w.max(self.h);
        for r in 0..=max_r {
            // Every cell of ring r is at least (r - 1) cells away from p.
            if let Some((d, _, _)) = best {
                if r >= 1 && ((r - 1) as f64 * self.cell).powi(2) > d {
                    break;
                }
            }
            let (x_lo, x_hi) = (cx as isize - r as isize, cx as isize + r as isize);
            let (y_lo, y_hi) = (cy as isize - r as isize, cy as isize + r as isize);
            for y in y_lo..=y_hi {
                if y < 0 || y >= self.h as isize {
                    continue;
                }
                let edge = y == y_lo || y == y_hi;
                let mut x = x_lo;
                while x <= x_hi {
                    if x >= 0 && x < self.w as isize {
                        let cell = &mut self.cells[y as usize * self.w + x as usize];
                        cell.retain(|e| !done[e.0 as usize]);
                        for &(cut, how, q) in cell.iter() {
                            if !ok(cut as usize) {
                                continue;
                            }
                            let d = p.distance_squared(q);
                            if best.is_none_or(|(bd, _, _)| d < bd) {
                                best = Some((d, cut as usize, how as usize));
                            }
                        }
                    }
                    // Inner rows of the ring: only its two side cells.
                    x = if edge || x == x_hi { x + 1 } else { x_hi };
                }
            }
        }
        best.map(|(_, c, h)| (c, h))
    }
}

/// Greedy nearest neighbour; returns the cuts in order and `before` renumbered to match.
pub fn nearest_neighbour(cuts: Vec<Cut>, before: &[Option<usize>]) -> (Vec<Cut>, Vec<Option<usize>>) {
    let n = cuts.len();
    let mut pending = vec![0usize; n];
    for j in before.iter().flatten() {
        pending[*j] += 1;
    }
    let mut done = vec![false; n];
    let mut at = Point::ORIGIN;
    let mut out_idx = Vec::with_capacity(n);
    let mut out: Vec<Option<Cut>> = cuts.into_iter().map(Some).collect();
    let mut grid = Grid::new(&out);
    let mut placed = Vec::with_capacity(n);
    for _ in 0..n {
        let Some((i, how)) = grid.nearest(at, &done, |i| pending[i] == 0) else { break };
        let mut c = out[i].take().expect("not yet placed");
        if c.closed {
            c.points.rotate_left(how);
        } else if how == 1 {
            c.points.reverse();
        }
        at = c.end();
        done[i] = true;
        if let Some(j) = before.get(i).copied().flatten() {
            pending[j] -= 1;
        }
        out_idx.push(i);
        placed.push(c);
    }
    // A cycle in `before` would leave cuts behind: append them rather than lose them.
    for (i, c) in out.into_iter().enumerate() {
        if let Some(c) = c {
            out_idx.push(i);
            placed.push(c);
        }
    }
    let mut pos = vec![0; n];
    for (k, &i) in out_idx.iter().enumerate() {
        pos[i] = k;
    }
    let renumbered = out_idx.iter().map(|&i| before.get(i).copied().flatten().map(|j| pos[j])).collect();
    (placed, renumbered)
}

fn flip(c: &mut Cut) {
    if c.closed {
        c.points[1..].reverse();
    } else {
        c.points.reverse();
    }
}

/// 2-opt over the cut sequence (see [`TwoOpt`]). Runs containing a one-way cut, or a cut and the
/// outline it must precede, are never reversed.
pub fn two_opt(tp: &mut Toolpath, opts: TwoOpt) {
    let n = tp.cuts.len();
    if n < 3 {
        return;
    }
    let constrained = tp.before.iter().any(Option::is_some);
    // (entry, exit, reversible) per position, kept in step with the cuts.
    let mut ends: Vec<(Point, Point, bool)> = tp.cuts.iter().map(|c| (c.start(), c.end(), c.reversible)).collect();
    for _ in 0..opts.max_passes {
        let mut improved = false;
        for i in 0..n - 1 {
            if !ends[i].2 {
                continue;
            }
            let prev_end = if i == 0 { Point::ORIGIN } else { ends[i - 1].1 };
            let last = opts.window.map_or(n - 1, |w| (i + w).min(n - 1));
            let mut j = i + 1;
            while j <= last {
                if !ends[j].2 {
                    break; // every longer run holds this one-way cut too
                }
                let (a_i, b_j) = (ends[i].0, ends[j].1);
                let next = ends.get(j + 1).map(|e| e.0);
                let old = prev_end.distance(a_i) + next.map_or(0.0, |s| b_j.distance(s));
                let new = prev_end.distance(b_j) + next.map_or(0.0, |s| a_i.distance(s));
                if new < old - 1e-9 && (!constrained || run_is_free(&tp.before, i, j)) {
                    tp.cuts[i..=j].reverse();
                    ends[i..=j].reverse();
                    for (c, e) in tp.cuts[i..=j].iter_mut().zip(&mut ends[i..=j]) {
                        flip(c);
                        *e = (c.start(), c.end(), c.reversible);
                    }
                    if constrained {
                        // Keep `before` pointing at the same cuts.
                        let map = |k: usize| if (i..=j).contains(&k) { i + j - k } else { k };
                        let old_before = std::mem::take(&mut tp.before);
                        let mut nb = vec![None; n];
                        for (k, b) in old_before.into_iter().enumerate() {
                            nb[map(k)] = b.map(map);
                        }
                        tp.before = nb;
                    }
                    improved = true;
                }
                j += 1;
            }
        }
        if !improved {
            break;
        }
    }
}

fn run_is_free(before: &[Option<usize>], i: usize, j: usize) -> bool {
    (i..=j).all(|k| before.get(k).copied().flatten().is_none_or(|t| !(i..=j).contains(&t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::Zone;
    use crate::toolpath::{travel, Layer};
    use proptest::prelude::*;

    /// A canonical form of a cut, whatever its direction or starting point.
    fn key(c: &Cut) -> Vec<(i64, i64)> {
        let mut pts: Vec<(i64, i64)> =
            c.points.iter().map(|p| ((p.x * 1e6).round() as i64, (p.y * 1e6).round() as i64)).collect();
        pts.sort();
        pts
    }

    fn cuts() -> impl Strategy<Value = (Vec<Cut>, Vec<Option<usize>>)> {
        let seg =
            (0.0..50.0f64, 0.0..50.0f64, 0.0..50.0f64, 0.0..50.0f64, any::<bool>()).prop_map(|(a, b, c, d, r)| Cut {
                points: vec![Point::new(a, b), Point::new(c, d)],
                closed: false,
                reversible: r,
            });
        // Nested squares: each inner one must come before the one around it.
        let nest = (0.0..40.0f64, 0.0..40.0f64, 1usize..4).prop_map(|(x, y, depth)| {
            (0..depth)
                .map(|k| {
                    let (lo, hi) = (k as f64, 10.0 - k as f64);
                    Cut {
                        points: vec![
                            Point::new(x + lo, y + lo),
                            Point::new(x + hi, y + lo),
                            Point::new(x + hi, y + hi),
                            Point::new(x + lo, y + hi),
                        ],
                        closed: true,
                        reversible: true,
                    }
                })
                .collect::<Vec<_>>()
        });
        (prop::collection::vec(seg, 0..40), prop::collection::vec(nest, 0..5)).prop_map(|(segs, nests)| {
            let mut cuts = segs;
            let mut before = vec![None; cuts.len()];
            for n in nests {
                let base = cuts.len();
                for (k, c) in n.iter().enumerate() {
                    // Square k sits around square k + 1.
                    before.push(None);
                    if k > 0 {
                        before[base + k] = Some(base + k - 1);
                    }
                    cuts.push(c.clone());
                }
            }
            (cuts, before)
        })
    }

    proptest! {
        #[test]
        fn ordering_keeps_every_cut_and_every_precedence((cuts, before) in cuts(), window in prop::option::of(2usize..64)) {
            let zone = Zone::new(60.0, 60.0).unwrap();
            let mut tp = Toolpath { zone, layer: Layer::default(), cuts: cuts.clone(), before: before.clone(), notes: vec![] };
            let (nn, nn_before) = nearest_neighbour(cuts.clone(), &before);
            order(&mut tp, TwoOpt { window, max_passes: 50 });
            let mut a: Vec<_> = cuts.iter().map(key).collect();
            let mut b: Vec<_> = tp.cuts.iter().map(key).collect();
            a.sort();
            b.sort();
            prop_assert_eq!(a, b);
            // One-way cuts keep their direction.
            for c in tp.cuts.iter().filter(|c| !c.reversible) {
                prop_assert!(cuts.iter().any(|o| o.points == c.points));
            }
            // Each inner square comes before the square around it, found by geometry, not by index.
            for (i, t) in before.iter().enumerate() {
                if let Some(t) = t {
                    let first = tp.cuts.iter().position(|c| key(c) == key(&cuts[i])).unwrap();
                    let last = tp.cuts.iter().rposition(|c| key(c) == key(&cuts[*t])).unwrap();
                    prop_assert!(first < last, "an inner outline after the one around it");
                }
            }
            prop_assert_eq!(nn_before.iter().flatten().count(), before.iter().flatten().count());
            prop_assert!(travel(&tp.cuts) <= travel(&nn) + 1e-9, "2-opt never lengthens the tour");
        }
    }
}
