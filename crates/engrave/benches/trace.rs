//! `cargo bench -p orfevre-engrave --bench trace`: our tracer side by side with the potrace CLI
//! (Debian `potrace`) on the same 1024 × 1024 drawings: time, nodes, SVG bytes, IoU against the ink.
//! Times are medians of 20 runs; potrace's include starting its process (about what a workshop
//! script pays) and reading the PBM, ours the tracing and writing the SVG.

#[path = "../tests/support/drawings.rs"]
mod drawings;

use orfevre_engrave::image::{self, Bitmap, Kind};
use orfevre_engrave::{output, Zone};
use std::process::Command;
use std::time::Instant;

fn median(mut t: Vec<f64>) -> f64 {
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Renders an SVG onto the bitmap's grid and compares with its ink.
fn iou_svg(svg: &str, b: &Bitmap) -> (f64, usize) {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
    let mut pm = tiny_skia::Pixmap::new(b.w as u32, b.h as u32).unwrap();
    let sx = b.w as f32 / tree.size().width();
    let sy = b.h as f32 / tree.size().height();
    resvg::render(&tree, tiny_skia::Transform::from_scale(sx, sy), &mut pm.as_mut());
    let got: Vec<bool> = pm.pixels().iter().map(|p| p.alpha() > 127).collect();
    let i = got.iter().zip(&b.ink).filter(|(x, y)| **x && **y).count();
    let u = got.iter().zip(&b.ink).filter(|(x, y)| **x || **y).count();
    let mut segments = 0;
    count(tree.root(), &mut segments);
    (i as f64 / u.max(1) as f64, segments)
}

fn count(g: &resvg::usvg::Group, n: &mut usize) {
    for node in g.children() {
        match node {
            resvg::usvg::Node::Group(g) => count(g, n),
            resvg::usvg::Node::Path(p) => *n += p.data().segments().count(),
            _ => {}
        }
    }
}

fn pbm(b: &Bitmap) -> Vec<u8> {
    let mut out = format!("P4\n{} {}\n", b.w, b.h).into_bytes();
    for row in b.ink.chunks(b.w) {
        for byte in row.chunks(8) {
            out.push(byte.iter().enumerate().fold(0u8, |acc, (k, on)| acc | ((*on as u8) << (7 - k))));
        }
    }
    out
}

/// Fingerprint enhancement (normalise, orientation, frequency, Gabor) on the two synthetic prints.
fn fingerprints() {
    for (name, _, grey, _) in drawings::fingerprints() {
        let ms = median(
            (0..10)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(orfevre_engrave::fingerprint::enhance(400, 500, &grey).unwrap());
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        );
        println!("fingerprint {name} (400 × 500): enhancement {ms:.1} ms");
    }
}

fn main() {
    fingerprints();
    let potrace = Command::new("potrace").arg("--version").output().is_ok();
    if !potrace {
        eprintln!("SKIPPED the comparison: potrace is not installed (Debian potrace)");
    }
    let dir = std::env::temp_dir().join(format!("orfevre-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("| drawing | ours ms | potrace ms | time ratio | our nodes | potrace segments | node ratio | our SVG B | potrace SVG B | our IoU | potrace IoU |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, png) in drawings::corpus() {
        let (w, h, grey) = image::decode_png(&png).unwrap();
        let b = image::binarise(w, h, &grey, image::otsu(&grey), 16).unwrap();
        // Our tracer at 1 mm per pixel, so the SVG is in pixels like potrace's.
        let zone = Zone::new(b.w as f64 / 10.0, b.h as f64 / 10.0).unwrap();
        let mut ours = String::new();
        let ours_ms = median(
            (0..20)
                .map(|_| {
                    let t = Instant::now();
                    let shapes = image::trace(&b, Kind::Drawing, zone, 0.7).unwrap();
                    ours = output::outline_svg(&shapes, zone, 0.1);
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        );
        let (our_iou, our_nodes) = iou_svg(&ours.replace("currentColor", "#000"), &b);
        if !potrace {
            println!("| {name} | {ours_ms:.2} | – | – | {our_nodes} | – | – | {} | – | {our_iou:.4} | – |", ours.len());
            continue;
        }
        let input = dir.join(format!("{name}.pbm"));
        let svg_path = dir.join(format!("{name}.svg"));
        std::fs::write(&input, pbm(&b)).unwrap();
        let pot_ms = median(
            (0..20)
                .map(|_| {
                    let t = Instant::now();
                    let st = Command::new("potrace").arg("-s").arg("-o").arg(&svg_path).arg(&input).status().unwrap();
                    assert!(st.success());
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        );
        let pot = std::fs::read_to_string(&svg_path).unwrap();
        let (pot_iou, pot_nodes) = iou_svg(&pot, &b);
        println!(
            "| {name} | {ours_ms:.2} | {pot_ms:.2} | {:.2} | {our_nodes} | {pot_nodes} | {:.2} | {} | {} | {our_iou:.4} | {pot_iou:.4} |",
            ours_ms / pot_ms,
            our_nodes as f64 / pot_nodes as f64,
            ours.len(),
            pot.len()
        );
    }
}
