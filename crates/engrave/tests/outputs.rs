//! The engraving pipeline checked from outside: DXF files open in ezdxf, G-code parses with an
//! independent parser (gcodeparser) with every laser-on move inside the zone, SVG renders in
//! resvg; the hatched toolpath covers the glyphs it engraves (IoU ≥ 0.97 over names with accents
//! in three fonts); ordering cuts travel. Fonts and Python checkers missing: a loud skip, a
//! failure under ORFEVRE_TEST_STRICT=1.

#[path = "support/fill.rs"]
mod fill;

use orfevre_engrave::order::{self, TwoOpt};
use orfevre_engrave::toolpath::{self, Hatch, Toolpath};
use orfevre_engrave::{output, text, EngraveError, Font, Layer, Mode, Shape, TextSpec, Zone};
use serde_json::Value;
use std::path::Path;

use orfevre_testkit::skip;

/// The fonts of the corpus: (name, file, Debian package).
const FONTS: &[(&str, &str, &str)] = &[
    ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
    ("DejaVu Serif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "fonts-dejavu-core"),
    ("Liberation Serif", "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", "fonts-liberation"),
];
const NAMES: &[&str] = &["Zoë", "Léa-Marie", "François", "Ñandú 2026", "Chloé\nà jamais", "Ægir & Øyvind"];

fn fonts() -> Vec<(&'static str, Font)> {
    let mut out = Vec::new();
    for (name, file, package) in FONTS {
        match Font::from_file(Path::new(file)) {
            Ok(f) => out.push((*name, f)),
            Err(_) => skip(&format!("{file} is missing (Debian {package})")),
        }
    }
    out
}

fn hershey() -> Option<Font> {
    match Font::named("simplex") {
        Ok(f) => Some(f),
        Err(_) => {
            skip("the Hershey fonts are missing (Debian hershey-fonts-data)");
            None
        }
    }
}

fn fill(spacing: f64) -> Layer {
    Layer { mode: Mode::Fill(Hatch { spacing, ..Hatch::default() }), ..Layer::default() }
}

fn engrave(font: &Font, text: &str, zone: Zone, layer: Layer) -> (Vec<Shape>, Toolpath) {
    let shapes = text::layout(font, &TextSpec::new(text), &zone).unwrap();
    let mut tp = toolpath::toolpath(&shapes, zone, layer).unwrap();
    order::order(&mut tp, TwoOpt::default());
    (shapes, tp)
}

/// Runs a checker script; None (after a loud skip) when Python or its module is missing.
fn python(script: &str, args: &[String]) -> Option<Value> {
    let path = format!("{}/tests/check/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = match orfevre_testkit::python().arg(&path).args(args).output() {
        Ok(o) => o,
        Err(_) => {
            skip("python3 is missing");
            return None;
        }
    };
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ModuleNotFoundError") {
        skip(&format!("{script} needs a Python module: {}", err.lines().last().unwrap_or("")));
        return None;
    }
    assert!(out.status.success(), "{script} failed: {err}");
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn mask(pm: &tiny_skia::Pixmap) -> Vec<bool> {
    pm.pixels().iter().map(|p| p.alpha() > 127).collect()
}

fn glyph_mask(shapes: &[Shape], zone: Zone, ppm: f64) -> Vec<bool> {
    let (w, h) = ((zone.width() * ppm).ceil() as u32, (zone.height() * ppm).ceil() as u32);
    fill::fill(shapes, w, h, |p| ((p.x * ppm) as f32, ((zone.height() - p.y) * ppm) as f32), true)
}

fn iou(a: &[bool], b: &[bool]) -> f64 {
    let inter = a.iter().zip(b).filter(|(x, y)| **x && **y).count();
    let union = a.iter().zip(b).filter(|(x, y)| **x || **y).count();
    inter as f64 / union.max(1) as f64
}

#[test]
fn hatch_covers_the_glyphs() {
    let zone = Zone::new(24.0, 10.0).unwrap();
    let ppm = 80.0;
    let mut worst = (1.0, String::new());
    for (fname, font) in fonts() {
        for name in NAMES {
            let sp = Hatch::default().spacing;
            let (shapes, tp) = engrave(&font, name, zone, fill(sp));
            let got = iou(&mask(&output::rasterise(&tp, ppm, sp)), &glyph_mask(&shapes, zone, ppm));
            if got < worst.0 {
                worst = (got, format!("{fname} {name:?}"));
            }
        }
    }
    assert!(worst.0 >= 0.97, "IoU {:.4} for {}", worst.0, worst.1);
    eprintln!("worst IoU {:.4} ({})", worst.0, worst.1);
}

#[test]
fn files_pass_independent_checks() {
    let dir = tempdir();
    let zone = Zone::new(20.0, 8.0).unwrap();
    let modes = [
        fill(0.08),
        Layer { mode: Mode::Line, ..Layer::default() },
        Layer {
            mode: Mode::Fill(Hatch { angle_deg: 30.0, spacing: 0.1, cross: true, bidirectional: false, overscan: 1.5 }),
            power: 600,
            speed: 2400.0,
            passes: 2,
            kerf: 0.0,
        },
        Layer { mode: Mode::OffsetFill { spacing: 0.1 }, kerf: 0.05, ..Layer::default() },
    ];
    let mut cases: Vec<(String, Toolpath)> = Vec::new();
    for (fname, font) in fonts() {
        for layer in modes {
            cases.push((format!("{fname} {}", layer.mode.name()), engrave(&font, "Léa", zone, layer).1));
        }
    }
    if let Some(h) = hershey() {
        cases.push((
            "Hershey".into(),
            engrave(&h, "Zoë 14.02", zone, Layer { mode: Mode::SingleLine, ..Layer::default() }).1,
        ));
    }
    let (w, h) = (zone.width().to_string(), zone.height().to_string());
    for (k, (what, tp)) in cases.iter().enumerate() {
        let dxf = dir.join(format!("{k}.dxf"));
        std::fs::write(&dxf, output::dxf(tp)).unwrap();
        if let Some(r) = python("dxf_check.py", &[dxf.display().to_string(), w.clone(), h.clone()]) {
            assert_eq!(r["entities"].as_u64(), Some(tp.cuts.len() as u64), "{what}: {r}");
            assert_eq!(r["outside"], 0, "{what}: {r}");
            assert_eq!(r["units"], 4, "{what}: $INSUNITS is millimetres: {r}");
        }
        let gcode = dir.join(format!("{k}.gcode"));
        std::fs::write(&gcode, output::gcode(tp)).unwrap();
        if let Some(r) = python("gcode_check.py", &[gcode.display().to_string(), w.clone(), h.clone()]) {
            assert_eq!(r["outside"], 0, "{what}: laser-on moves leave the zone: {r}");
            assert!(r["burn"].as_u64().unwrap() >= tp.cuts.len() as u64, "{what}: {r}");
            assert_eq!((&r["mm"], &r["absolute"]), (&Value::Bool(true), &Value::Bool(true)), "{what}: {r}");
        }
        let svg = output::svg(tp);
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("the SVG parses");
        let size = tree.size();
        let mut pm = tiny_skia::Pixmap::new(size.width().ceil() as u32 * 4, size.height().ceil() as u32 * 4).unwrap();
        resvg::render(&tree, tiny_skia::Transform::from_scale(4.0, 4.0), &mut pm.as_mut());
        let dark = pm.pixels().iter().filter(|p| p.alpha() > 127 && p.red() < 64).count();
        assert!(dark > 100, "{what}: the SVG renders the engraving ({dark} dark pixels)");
        // mm: 20 mm at 96 dpi.
        assert!((size.width() - 20.0 / 25.4 * 96.0).abs() < 0.5, "{what}: width {}", size.width());
        let png = output::png(tp, 20.0);
        assert_eq!(&png[1..4], b"PNG");
    }
}

#[test]
fn mistakes_are_named() {
    let Some((_, sans)) = fonts().into_iter().next() else { return };
    let zone = Zone::new(16.0, 8.0).unwrap();
    let e = text::layout(&sans, &TextSpec::new("Léa 漢"), &zone).unwrap_err();
    assert_eq!(e, EngraveError::MissingGlyphs { font: "DejaVuSans".into(), chars: vec!['漢'] });
    assert!(e.to_string().contains("'漢'"), "{e}");
    let long = "Pour toujours et à jamais, mon amour ".repeat(3);
    match text::layout(&sans, &TextSpec::new(long), &zone).unwrap_err() {
        EngraveError::DoesNotFit { cap, min, .. } => assert!(cap < min && min == 0.8, "{cap} {min}"),
        e => panic!("{e}"),
    }
    assert_eq!(text::layout(&sans, &TextSpec::new("  \n "), &zone).unwrap_err(), EngraveError::Empty);
    assert!(Zone::parse("16 by 8").unwrap_err().to_string().contains("WIDTHxHEIGHT"));
    assert!(Zone::new(0.0, 8.0).is_err() && Zone::new(16.0, 600.0).is_err() && Zone::new(f64::NAN, 1.0).is_err());
    let too_long = "a".repeat(501);
    assert!(matches!(text::layout(&sans, &TextSpec::new(too_long), &zone), Err(EngraveError::Invalid { .. })));
    let shapes = text::layout(&sans, &TextSpec::new("Léa"), &zone).unwrap();
    let bad = Layer { power: 1001, ..Layer::default() };
    assert!(toolpath::toolpath(&shapes, zone, bad).unwrap_err().to_string().contains("power"));
    if let Some(h) = hershey() {
        let e = text::layout(&h, &TextSpec::new("Ωmega"), &zone).unwrap_err();
        assert!(matches!(e, EngraveError::MissingGlyphs { ref chars, .. } if chars == &['Ω']), "{e}");
        let strokes = text::layout(&h, &TextSpec::new("Léa"), &zone).unwrap();
        let e = toolpath::toolpath(&strokes, zone, fill(0.05)).unwrap_err();
        assert!(e.to_string().contains("single-line"), "{e}");
    }
}

#[test]
fn minimum_feature_is_enforced_or_thickened() {
    let fonts = fonts();
    let Some((_, serif)) = fonts.iter().find(|(n, _)| *n == "Liberation Serif") else { return };
    // Small serif text: hairlines of a few hundredths of a millimetre.
    let zone = Zone::new(30.0, 3.0).unwrap();
    let shapes = text::layout(serif, &TextSpec::new("Pour toujours, Léa"), &zone).unwrap();
    match orfevre_engrave::min_feature(shapes.clone(), 0.3, 0.0) {
        Err(EngraveError::TooThin { share, min }) => {
            assert!(share > 0.03 && min == 0.3, "{share}");
            let e = EngraveError::TooThin { share, min };
            assert!(e.to_string().contains("thinner than the material's 0.3 mm"), "{e}");
        }
        other => panic!("hairlines pass a 0.3 mm minimum: {other:?}"),
    }
    // Thickened by 0.3 mm, every stroke is at least 0.3 mm wide.
    let thick = orfevre_engrave::min_feature(shapes.clone(), 0.3, 0.3).expect("thickened strokes pass");
    assert!(orfevre_engrave::offset::area(&thick) > orfevre_engrave::offset::area(&shapes));
    // Large sans text passes as it is.
    let (_, sans) = &fonts[0];
    let big = text::layout(sans, &TextSpec::new("Zoë"), &Zone::new(16.0, 8.0).unwrap()).unwrap();
    assert!(orfevre_engrave::min_feature(big, 0.3, 0.0).is_ok());
}

#[test]
fn kerf_keeps_the_burn_inside() {
    let Some((_, sans)) = fonts().into_iter().next() else { return };
    let zone = Zone::new(16.0, 8.0).unwrap();
    let shapes = text::layout(&sans, &TextSpec::new("Léa"), &zone).unwrap();
    let plain = toolpath::toolpath(&shapes, zone, Layer { mode: Mode::Line, ..Layer::default() }).unwrap();
    let kerfed = toolpath::toolpath(&shapes, zone, Layer { mode: Mode::Line, kerf: 0.1, ..Layer::default() }).unwrap();
    assert!(kerfed.cut_length() < plain.cut_length(), "outlines moved inwards are shorter");
    // Drawn 0.1 mm wide, the kerfed outlines stay inside the glyphs (up to rasterisation).
    let ppm = 80.0;
    let burn = mask(&output::rasterise(&kerfed, ppm, 0.1));
    let glyphs = glyph_mask(&shapes, zone, ppm);
    let outside = burn.iter().zip(&glyphs).filter(|(b, g)| **b && !**g).count();
    let total = burn.iter().filter(|b| **b).count();
    assert!((outside as f64) < 0.02 * total as f64, "{outside} of {total} burnt pixels outside the glyphs");
    let plain_burn = mask(&output::rasterise(&plain, ppm, 0.1));
    let plain_outside = plain_burn.iter().zip(&glyphs).filter(|(b, g)| **b && !**g).count();
    assert!(plain_outside > 10 * outside.max(1), "without kerf, half of each line falls outside ({plain_outside})");
    // Offset fill: concentric rings fill the glyphs.
    let rings =
        toolpath::toolpath(&shapes, zone, Layer { mode: Mode::OffsetFill { spacing: 0.05 }, ..Layer::default() })
            .unwrap();
    let got = iou(&mask(&output::rasterise(&rings, ppm, 0.05)), &glyphs);
    assert!(got > 0.95, "offset fill IoU {got:.4}");
}

#[test]
fn text_fits_the_zone_and_the_minimum() {
    let Some((_, sans)) = fonts().into_iter().next() else { return };
    let zone = Zone::new(16.0, 8.0).unwrap();
    for name in NAMES {
        for align in [text::Align::Left, text::Align::Centre, text::Align::Right] {
            let spec = TextSpec { align, ..TextSpec::new(*name) };
            for s in text::layout(&sans, &spec, &zone).unwrap() {
                assert!(s.points.iter().all(|p| zone.contains(*p, 1e-6)), "{name} {align:?}");
            }
        }
    }
    // A fixed cap height: the capital H is that tall.
    let spec = TextSpec { cap_height: Some(3.0), ..TextSpec::new("H") };
    let b = orfevre_engrave::geom::bounds(text::layout(&sans, &spec, &zone).unwrap().iter().flat_map(|s| &s.points))
        .unwrap();
    assert!((b.height() - 3.0).abs() < 0.01, "cap height {}", b.height());
    // On an arc: every point at most the zone's half-side from its centre.
    let disc = Zone::new(20.0, 20.0).unwrap();
    let spec = TextSpec { arc: Some(text::ArcSpec { radius: 7.0, max_sweep_deg: 160.0 }), ..TextSpec::new("Toujours") };
    let shapes = text::layout(&sans, &spec, &disc).unwrap();
    let centre = orfevre_engrave::geom::Point::new(10.0, 10.0);
    let rmax = shapes.iter().flat_map(|s| &s.points).map(|p| p.distance(centre)).fold(0.0, f64::max);
    let rmin = shapes.iter().flat_map(|s| &s.points).map(|p| p.distance(centre)).fold(f64::MAX, f64::min);
    assert!(rmax <= 10.0 + 1e-6 && rmin >= 6.0, "on the rim: {rmin}..{rmax}");
    // A ring band, unrolled: π × diameter long.
    let band = Zone::ring_band(17.3, 1.6, 4.0, false).unwrap();
    assert!((band.width() - std::f64::consts::PI * 17.3).abs() < 1e-9);
    assert!((Zone::ring_band(17.3, 1.6, 4.0, true).unwrap().width() - std::f64::consts::PI * 20.5).abs() < 1e-9);
}

#[test]
fn ordering_shortens_travel() {
    let zone = Zone::new(24.0, 10.0).unwrap();
    let (mut file, mut ours, mut converged) = (0.0, 0.0, 0.0);
    for (_, font) in fonts() {
        for name in NAMES {
            for layer in [fill(0.1), Layer { mode: Mode::Line, ..Layer::default() }] {
                let shapes = text::layout(&font, &TextSpec::new(*name), &zone).unwrap();
                let tp = toolpath::toolpath(&shapes, zone, layer).unwrap();
                file += tp.travel_length();
                let mut a = tp.clone();
                order::order(&mut a, TwoOpt::default());
                ours += a.travel_length();
                let mut b = tp.clone();
                order::order(&mut b, TwoOpt { window: None, max_passes: 10_000 });
                converged += b.travel_length();
                // Nothing lost: the same cuts, whatever their direction.
                assert_eq!(a.cuts.len(), tp.cuts.len());
                assert!((a.cut_length() - tp.cut_length()).abs() < 1e-6);
            }
        }
    }
    if file == 0.0 {
        return;
    }
    eprintln!("travel: file order {file:.0} mm, ours {ours:.0} mm, converged 2-opt {converged:.0} mm");
    assert!(ours <= 0.7 * file, "ours {ours:.0} vs file order {file:.0}");
    assert!(ours <= 1.1 * converged, "ours {ours:.0} vs converged 2-opt {converged:.0}");
}

#[test]
fn single_line_gcode_golden() {
    let Some(h) = hershey() else { return };
    let zone = Zone::new(12.0, 5.0).unwrap();
    let (_, mut tp) =
        engrave(&h, "Zoé", zone, Layer { mode: Mode::SingleLine, power: 500, speed: 900.0, passes: 1, kerf: 0.0 });
    tp.notes.push(orfevre_engrave::font::HERSHEY_ACKNOWLEDGEMENT.into());
    insta::assert_snapshot!(output::gcode(&tp));
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("orfevre-engrave-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
