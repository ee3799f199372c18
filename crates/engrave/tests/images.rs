//! Tracing drawings: the traced outlines, rasterised again, against the input's ink (IoU ≥ 0.97
//! over five generated drawings); handwriting's centre lines; limits and empty images.

#[path = "support/drawings.rs"]
mod drawings;
#[path = "support/fill.rs"]
mod fill;

use orfevre_engrave::image::{self, Bitmap, Kind};
use orfevre_engrave::{order, output, toolpath, Layer, Mode, Shape, Zone};

fn bitmap(png: &[u8]) -> Bitmap {
    let (w, h, grey) = image::decode_png(png).unwrap();
    image::binarise(w, h, &grey, image::otsu(&grey), 16).unwrap()
}

/// Shapes (mm) back onto the bitmap's pixel grid, filled with non-zero winding.
fn raster(shapes: &[Shape], b: &Bitmap, zone: Zone) -> Vec<bool> {
    let s = (zone.width() / b.w as f64).min(zone.height() / b.h as f64);
    let (ox, oy) = ((zone.width() - b.w as f64 * s) / 2.0, (zone.height() - b.h as f64 * s) / 2.0);
    let h = b.h as f64;
    fill::fill(shapes, b.w as u32, b.h as u32, |p| (((p.x - ox) / s) as f32, (h - (p.y - oy) / s) as f32), false)
}

fn iou(a: &[bool], b: &[bool]) -> f64 {
    let i = a.iter().zip(b).filter(|(x, y)| **x && **y).count();
    let u = a.iter().zip(b).filter(|(x, y)| **x || **y).count();
    i as f64 / u.max(1) as f64
}

#[test]
fn traced_drawings_match_their_ink() {
    let zone = Zone::new(20.0, 20.0).unwrap();
    for (name, png) in drawings::corpus() {
        let b = bitmap(&png);
        let shapes = image::trace(&b, Kind::Drawing, zone, 0.7).unwrap();
        let got = iou(&raster(&shapes, &b, zone), &b.ink);
        let nodes: usize = shapes.iter().map(|s| s.points.len()).sum();
        eprintln!("{name}: IoU {got:.4}, {} loops, {nodes} nodes", shapes.len());
        assert!(got >= 0.97, "{name}: IoU {got:.4}");
        assert!(shapes.iter().flat_map(|s| &s.points).all(|p| zone.contains(*p, 1e-9)), "{name}: inside the zone");
        // Simplification keeps it compact: far fewer nodes than boundary pixels.
        let boundary: usize = image::boundaries(&b).iter().map(Vec::len).sum();
        assert!(nodes * 2 < boundary, "{name}: {nodes} nodes from {boundary} corners");
        // And the laser fills it.
        let mut tp = toolpath::toolpath(&shapes, zone, Layer::default()).unwrap();
        order::order(&mut tp, order::TwoOpt::default());
        assert!(output::summary(&tp).cut_length_mm > 10.0);
    }
}

#[test]
fn photographed_sketch_needs_an_adaptive_threshold() {
    let (w, h, grey, clean) = drawings::photographed_house();
    // One global threshold loses the dark corner's paper or the bright corner's ink.
    let otsu = image::otsu(&grey);
    let global: Vec<bool> = grey.iter().map(|g| *g <= otsu).collect();
    let levelled = image::adaptive(w, h, &grey, 41, 20);
    let local: Vec<bool> = levelled.iter().map(|g| *g < 128).collect();
    let (g, l) = (iou(&global, &clean), iou(&local, &clean));
    eprintln!("photographed house: ink IoU {g:.4} with Otsu, {l:.4} adaptive");
    assert!(l >= 0.9 && l > g + 0.1, "adaptive {l:.4} vs global {g:.4}");
    // Traced after speck removal, it matches its ink as the clean drawings do.
    let b = image::binarise(w, h, &levelled, 128, 64).unwrap();
    let zone = Zone::new(20.0, 20.0).unwrap();
    let shapes = image::trace(&b, Kind::Drawing, zone, 0.7).unwrap();
    let got = iou(&raster(&shapes, &b, zone), &b.ink);
    assert!(got >= 0.97, "traced IoU {got:.4}");
}

#[test]
fn handwriting_becomes_centre_lines() {
    let zone = Zone::new(30.0, 30.0).unwrap();
    let (_, png) = drawings::corpus().into_iter().find(|(n, _)| *n == "spiral").unwrap();
    let b = bitmap(&png);
    let lines = image::trace(&b, Kind::Handwriting, zone, 1.5).unwrap();
    assert!(lines.iter().all(|l| !l.closed));
    // One stroke in, (about) one line out, as long as the spiral's centre line.
    let longest = lines.iter().map(Shape::length).fold(0.0, f64::max);
    let s = (zone.width() / b.w as f64).min(zone.height() / b.h as f64);
    let spiral_px: f64 = (0..600)
        .map(|k| {
            let p = |k: f64| {
                let t = k / 600.0 * 6.0 * std::f64::consts::PI;
                let r = 30.0 + 20.0 * t;
                (r * t.cos(), r * t.sin())
            };
            let (a, c) = (p(k as f64), p(k as f64 + 1.0));
            ((a.0 - c.0).powi(2) + (a.1 - c.1).powi(2)).sqrt()
        })
        .sum();
    // Thinning reaches into the round caps, about half the 18 px stroke width at each end.
    let expected = (spiral_px + 18.0) * s;
    assert!((longest - expected).abs() / expected < 0.05, "centre line {longest:.1} mm vs {expected:.1} mm");
    let tp = toolpath::toolpath(&lines, zone, Layer { mode: Mode::SingleLine, ..Layer::default() }).unwrap();
    assert!(tp.cuts.len() <= 3, "{} cuts", tp.cuts.len());
}

#[test]
fn nothing_to_engrave_is_said() {
    let mut pm = tiny_skia::Pixmap::new(64, 64).unwrap();
    pm.fill(tiny_skia::Color::WHITE);
    let (w, h, grey) = image::decode_png(&pm.encode_png().unwrap()).unwrap();
    let e = image::binarise(w, h, &grey, image::otsu(&grey), 16).unwrap_err();
    assert!(e.to_string().contains("no ink"), "{e}");
    // A few specks of dust are not a drawing.
    let mut grey = vec![255u8; 64 * 64];
    grey[10 * 64 + 10] = 0;
    grey[40 * 64 + 33] = 0;
    assert!(image::binarise(64, 64, &grey, 128, 16).is_err());
}

#[test]
fn fingerprint_ridges_are_recovered_from_noise() {
    use orfevre_engrave::fingerprint;
    for (name, clean, grey, pad) in drawings::fingerprints() {
        let ridges = fingerprint::enhance(400, 500, &grey).unwrap();
        // Compare inside the pad, away from its rim (the filter's reach).
        let inner: Vec<usize> = (0..pad.len())
            .filter(|&i| {
                let (x, y) = ((i % 400) as f64, (i / 400) as f64);
                ((x - 200.0) / 150.0).powi(2) + ((y - 260.0) / 200.0).powi(2) < 1.0
            })
            .collect();
        let a: Vec<bool> = inner.iter().map(|&i| ridges.ink[i]).collect();
        let b: Vec<bool> = inner.iter().map(|&i| clean[i]).collect();
        let raw: Vec<bool> = inner.iter().map(|&i| grey[i] < 150).collect();
        let (got, before) = (iou(&a, &b), iou(&raw, &b));
        eprintln!("{name}: ridge IoU {got:.4} after enhancement, {before:.4} thresholding the noisy image");
        assert!(got > before + 0.1, "{name}: enhancement must beat plain thresholding ({got:.3} vs {before:.3})");
        assert!(got >= 0.97, "{name}: ridge IoU {got:.4}");
        // Engravable ridge lines: centre lines inside the zone.
        let b = Bitmap { w: 400, h: 500, ink: ridges.ink.clone() };
        let zone = Zone::new(12.0, 15.0).unwrap();
        let lines = image::trace(&b, Kind::Handwriting, zone, 1.0).unwrap();
        assert!(lines.len() > 20 && lines.iter().all(|l| l.points.iter().all(|p| zone.contains(*p, 1e-9))));
    }
}
