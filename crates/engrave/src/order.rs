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
    let mut placed = Vec::with_capacity(n);
    for _ in 0..n {
        // (distance, cut, how to enter: vertex index for closed, 0 start / 1 end for open)
        let mut best: Option<(f64, usize, usize)> = None;
        for i in 0..n {
            if done[i] || pending[i] > 0 {
                continue;
            }
            let c = out[i].as_ref().expect("not yet placed");
            let mut consider = |d: f64, how: usize| {
                if best.is_none_or(|(bd, _, _)| d < bd) {
                    best = Some((d, i, how));
                }
            };
            if c.closed {
                for (v, p) in c.points.iter().enumerate() {
                    consider(at.distance_squared(*p), v);
                }
            } else {
                consider(at.distance_squared(c.start()), 0);
                if c.reversible {
                    consider(at.distance_squared(c.end()), 1);
                }
            }
        }
        let Some((_, i, how)) = best else { break };
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
    for _ in 0..opts.max_passes {
        let mut improved = false;
        for i in 0..n - 1 {
            let prev_end = if i == 0 { Point::ORIGIN } else { tp.cuts[i - 1].end() };
            let last = opts.window.map_or(n - 1, |w| (i + w).min(n - 1));
            let mut j = i + 1;
            while j <= last {
                if !tp.cuts[j].reversible {
                    break; // every longer run holds this one-way cut too
                }
                if !tp.cuts[i].reversible {
                    break;
                }
                let (a_i, b_j) = (tp.cuts[i].start(), tp.cuts[j].end());
                let next = tp.cuts.get(j + 1).map(|c| c.start());
                let old = prev_end.distance(a_i) + next.map_or(0.0, |s| b_j.distance(s));
                let new = prev_end.distance(b_j) + next.map_or(0.0, |s| a_i.distance(s));
                if new < old - 1e-9 && run_is_free(&tp.before, i, j) {
                    tp.cuts[i..=j].reverse();
                    for c in &mut tp.cuts[i..=j] {
                        flip(c);
                    }
                    // Keep `before` pointing at the same cuts.
                    let map = |k: usize| if (i..=j).contains(&k) { i + j - k } else { k };
                    let old_before = std::mem::take(&mut tp.before);
                    let mut nb = vec![None; n];
                    for (k, b) in old_before.into_iter().enumerate() {
                        nb[map(k)] = b.map(map);
                    }
                    tp.before = nb;
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
