//! Files for the workshop, all in mm in the zone's frame (origin bottom-left, X right, Y up):
//! SVG (Y flipped for display, the zone drawn dashed), DXF (`LWPOLYLINE`s on layer `ENGRAVE`,
//! `$INSUNITS` = mm), GRBL G-code (laser mode, `M4` dynamic power) and a PNG preview.

use crate::geom::{bounds, Point};
use crate::toolpath::{direction, Mode, Toolpath};
use serde::Serialize;
use std::fmt::Write as _;

/// Rapid (laser-off) speed assumed by time estimates, mm/min.
pub const RAPID_MM_MIN: f64 = 3000.0;

/// What a toolpath amounts to.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub mode: &'static str,
    pub cuts: usize,
    pub passes: u32,
    /// Laser-on extent, mm: [min_x, min_y, max_x, max_y].
    pub bounds: [f64; 4],
    pub cut_length_mm: f64,
    pub travel_length_mm: f64,
    /// Cutting at the layer's speed plus travel at [`RAPID_MM_MIN`] (acceleration ignored).
    pub estimated_seconds: f64,
}

fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

pub fn summary(tp: &Toolpath) -> Summary {
    let b = bounds(tp.cuts.iter().flat_map(|c| c.points.iter())).unwrap_or_default();
    let cut = tp.cut_length();
    let travel = tp.travel_length();
    Summary {
        mode: tp.layer.mode.name(),
        cuts: tp.cuts.len(),
        passes: tp.layer.passes,
        bounds: [r3(b.x0), r3(b.y0), r3(b.x1), r3(b.y1)],
        cut_length_mm: r3(cut),
        travel_length_mm: r3(travel),
        estimated_seconds: r3(cut / tp.layer.speed * 60.0 + travel / RAPID_MM_MIN * 60.0),
    }
}

/// A number for G-code and SVG: at most 3 decimals, no trailing zeros (integer formatting: this
/// runs for every coordinate of every file).
struct N(f64);

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let milli = (self.0 * 1000.0).round() as i64;
        if milli < 0 {
            f.write_str("-")?;
        }
        let m = milli.unsigned_abs();
        write!(f, "{}", m / 1000)?;
        let mut frac = m % 1000;
        if frac != 0 {
            let mut digits = 3;
            while frac.is_multiple_of(10) {
                frac /= 10;
                digits -= 1;
            }
            write!(f, ".{frac:0digits$}")?;
        }
        Ok(())
    }
}

fn num(v: f64) -> String {
    N(v).to_string()
}

/// The width a cut burns, mm, for drawings: the hatch spacing, or 0.1 mm for lines.
pub fn burn_width(tp: &Toolpath) -> f64 {
    match tp.layer.mode {
        Mode::Fill(h) => h.spacing,
        Mode::OffsetFill { spacing } => spacing,
        _ if tp.layer.kerf > 0.0 => tp.layer.kerf,
        _ => 0.1,
    }
}

pub fn svg(tp: &Toolpath) -> String {
    let (w, h) = (tp.zone.width(), tp.zone.height());
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}mm" height="{}mm" viewBox="0 0 {} {}">"#,
        num(w),
        num(h),
        num(w),
        num(h)
    );
    let _ =
        writeln!(s, "<desc>Orfèvre engraving, mm; the machine's origin is the zone's bottom-left corner, Y up.</desc>");
    for n in &tp.notes {
        let _ = writeln!(s, "<!-- {} -->", n.replace("--", "—"));
    }
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="none" stroke="#999" stroke-width="0.05" stroke-dasharray="0.4 0.3"/>"##,
        num(w),
        num(h)
    );
    let _ = write!(
        s,
        r##"<path transform="matrix(1 0 0 -1 0 {})" fill="none" stroke="#000" stroke-width="{}" stroke-linecap="butt" d=""##,
        num(h),
        num(burn_width(tp))
    );
    for c in &tp.cuts {
        for (i, p) in c.points.iter().enumerate() {
            let _ = write!(s, "{}{} {}", if i == 0 { "M" } else { "L" }, N(p.x), N(p.y));
        }
        if c.closed {
            s.push('Z');
        }
    }
    s.push_str("\"/>\n</svg>\n");
    s
}

/// The shopper's preview: the production outlines filled (outline fonts) or the strokes drawn at
/// `stroke` mm (single-line fonts), Y flipped for display, the zone dashed.
pub fn outline_svg(shapes: &[crate::geom::Shape], zone: crate::geom::Zone, stroke: f64) -> String {
    let (w, h) = (zone.width(), zone.height());
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" role="img"><rect width="{w}" height="{h}" fill="none" stroke="#b9b2a6" stroke-width="0.05" stroke-dasharray="0.4 0.3"/><g transform="matrix(1 0 0 -1 0 {h})">"##,
        w = N(w),
        h = N(h)
    );
    for (closed, attrs) in [
        (true, r#"fill="currentColor" fill-rule="nonzero""#.to_string()),
        (
            false,
            format!(
                r#"fill="none" stroke="currentColor" stroke-width="{}" stroke-linecap="round" stroke-linejoin="round""#,
                N(stroke)
            ),
        ),
    ] {
        let mut d = String::new();
        for sh in shapes.iter().filter(|sh| sh.closed == closed) {
            for (i, p) in sh.points.iter().enumerate() {
                let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, N(p.x), N(p.y));
            }
            if closed {
                d.push('Z');
            }
        }
        if !d.is_empty() {
            let _ = write!(s, r#"<path {attrs} d="{d}"/>"#);
        }
    }
    s.push_str("</g></svg>");
    s
}

pub fn dxf(tp: &Toolpath) -> Vec<u8> {
    use dxf::entities::{Entity, EntityType, LwPolyline};
    use dxf::LwPolylineVertex;
    let mut d = dxf::Drawing::new();
    d.header.version = dxf::enums::AcadVersion::R2000;
    d.header.default_drawing_units = dxf::enums::Units::Millimeters;
    // The writer stamps the time of day; a fixed date makes the same toolpath the same file, as
    // a job derived from a design hash must be (the Julian day of 2000-01-01).
    let epoch = chrono::DateTime::from_timestamp(946_684_800, 0).expect("a valid instant");
    d.header.creation_date = epoch.with_timezone(&chrono::Local);
    d.header.update_date = epoch.with_timezone(&chrono::Local);
    d.header.creation_date_universal = epoch;
    d.header.update_date_universal = epoch;
    // Its identifiers are random too: derive them from the cuts instead.
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    for c in &tp.cuts {
        for p in &c.points {
            sha2::Digest::update(&mut h, p.x.to_le_bytes());
            sha2::Digest::update(&mut h, p.y.to_le_bytes());
        }
        sha2::Digest::update(&mut h, [c.closed as u8]);
    }
    let digest = sha2::Digest::finalize(h);
    let id = |b: &[u8]| uuid::Builder::from_random_bytes(b.try_into().expect("16 bytes")).into_uuid();
    d.header.fingerprint_guid = id(&digest[..16]);
    d.header.version_guid = id(&digest[16..]);
    for c in &tp.cuts {
        let mut pl = LwPolyline {
            vertices: c.points.iter().map(|p| LwPolylineVertex { x: p.x, y: p.y, ..Default::default() }).collect(),
            ..Default::default()
        };
        pl.set_is_closed(c.closed);
        let mut e = Entity::new(EntityType::LwPolyline(pl));
        e.common.layer = "ENGRAVE".into();
        d.add_entity(e);
    }
    let mut out = Vec::new();
    d.save(&mut out).expect("writing DXF to memory does not fail");
    out
}

/// GRBL G-code in laser mode (`$32=1`): `M4` scales power with speed, `G0` moves are dark.
/// Hatch lines get a laser-off run-up and run-out of the layer's overscan.
pub fn gcode(tp: &Toolpath) -> String {
    let l = tp.layer;
    let mut g = String::new();
    let _ = writeln!(g, "; Orfevre engraving: {} mode, {} cuts, {} pass(es)", l.mode.name(), tp.cuts.len(), l.passes);
    let _ = writeln!(
        g,
        "; units mm; origin at the zone's bottom-left corner, X right, Y up; zone {} x {} mm",
        num(tp.zone.width()),
        num(tp.zone.height())
    );
    let _ = writeln!(g, "; GRBL laser mode ($32=1), power S0-1000 ($30=1000)");
    for n in &tp.notes {
        let _ = writeln!(g, "; {}", n.replace(['(', ')'], ""));
    }
    g.push_str("G21\nG90\nM4 S0\n");
    let mut at = Point::ORIGIN;
    moves(&mut g, tp, &mut at);
    g.push_str("M5 S0\nG0 X0 Y0\nM2\n");
    g
}

/// One G-code program for several toolpaths on one bed (a laser plate), each already placed in
/// the bed's frame and engraved with its own settings, in the order given, after a comment that
/// names it. The head travels from one part's last cut to the next part's first.
pub fn gcode_plate(parts: &[(String, &Toolpath)], bed_width: f64, bed_height: f64) -> String {
    let mut g = String::new();
    let _ = writeln!(g, "; Orfevre laser plate: {} parts", parts.len());
    let _ = writeln!(
        g,
        "; units mm; origin at the bed's bottom-left corner, X right, Y up; bed {} x {} mm",
        num(bed_width),
        num(bed_height)
    );
    let _ = writeln!(g, "; GRBL laser mode ($32=1), power S0-1000 ($30=1000)");
    let mut notes: Vec<&String> = parts.iter().flat_map(|(_, tp)| &tp.notes).collect();
    notes.dedup();
    for n in notes {
        let _ = writeln!(g, "; {}", n.replace(['(', ')'], ""));
    }
    g.push_str("G21\nG90\nM4 S0\n");
    let mut at = Point::ORIGIN;
    for (label, tp) in parts {
        let l = tp.layer;
        let _ = writeln!(
            g,
            "; part {}: {} mode, {} cuts, {} pass(es)",
            label.replace(['(', ')', '\n'], " "),
            l.mode.name(),
            tp.cuts.len(),
            l.passes
        );
        moves(&mut g, tp, &mut at);
    }
    g.push_str("M5 S0\nG0 X0 Y0\nM2\n");
    g
}

/// A toolpath's moves, every pass, from the head's position `at` (left where the last cut ends).
fn moves(g: &mut String, tp: &Toolpath, at: &mut Point) {
    let l = tp.layer;
    let overscan = match l.mode {
        Mode::Fill(h) => h.overscan,
        _ => 0.0,
    };
    struct P(Point);
    impl std::fmt::Display for P {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "X{} Y{}", N(self.0.x), N(self.0.y))
        }
    }
    let pt = P;
    let same = |a: Point, b: Point| {
        (a.x * 1000.0).round() == (b.x * 1000.0).round() && (a.y * 1000.0).round() == (b.y * 1000.0).round()
    };
    for pass in 1..=l.passes {
        let _ = writeln!(g, "; pass {pass}");
        for c in &tp.cuts {
            if overscan > 0.0 && !c.closed && c.points.len() == 2 {
                let d = direction(c);
                let (a, b) = (c.points[0], c.points[1]);
                let _ = writeln!(g, "G0 {}", pt(a - d * overscan));
                let _ = writeln!(g, "G1 {} S0 F{}", pt(a), N(l.speed));
                let _ = writeln!(g, "G1 {} S{}", pt(b), l.power);
                let _ = writeln!(g, "G1 {} S0", pt(b + d * overscan));
                *at = b + d * overscan;
                continue;
            }
            if !same(c.points[0], *at) {
                let _ = writeln!(g, "G0 {}", pt(c.points[0]));
            }
            *at = c.end();
            for (i, p) in c.points[1..].iter().enumerate() {
                if i == 0 {
                    let _ = writeln!(g, "G1 {} S{} F{}", pt(*p), l.power, N(l.speed));
                } else {
                    let _ = writeln!(g, "G1 {}", pt(*p));
                }
            }
            if c.closed {
                let _ = writeln!(
                    g,
                    "G1 {}{}",
                    pt(c.points[0]),
                    if c.points.len() == 1 { format!(" S{}", l.power) } else { String::new() }
                );
            }
        }
    }
}

/// The cuts drawn as the laser burns them (each `burn` mm wide), black on transparent, at
/// `px_per_mm`; Y up in the zone becomes down in the image.
pub fn rasterise(tp: &Toolpath, px_per_mm: f64, burn: f64) -> tiny_skia::Pixmap {
    let (w, h) = ((tp.zone.width() * px_per_mm).ceil() as u32, (tp.zone.height() * px_per_mm).ceil() as u32);
    let mut pm = tiny_skia::Pixmap::new(w.max(1), h.max(1)).expect("non-empty");
    let mut pb = tiny_skia::PathBuilder::new();
    for c in &tp.cuts {
        for (i, p) in c.points.iter().enumerate() {
            let (x, y) = ((p.x * px_per_mm) as f32, ((tp.zone.height() - p.y) * px_per_mm) as f32);
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        if c.closed {
            pb.close();
        }
    }
    if let Some(path) = pb.finish() {
        let mut paint = tiny_skia::Paint::default();
        paint.set_color_rgba8(0, 0, 0, 255);
        let stroke = tiny_skia::Stroke { width: (burn * px_per_mm) as f32, ..Default::default() };
        pm.stroke_path(&path, &paint, &stroke, tiny_skia::Transform::identity(), None);
    }
    pm
}

/// The largest PNG side, px.
pub const MAX_PREVIEW_PX: u32 = 4096;

/// A preview of the engraving on polished metal, as PNG.
pub fn png(tp: &Toolpath, px_per_mm: f64) -> Vec<u8> {
    let longest = tp.zone.width().max(tp.zone.height());
    let ppm = px_per_mm.min(MAX_PREVIEW_PX as f64 / longest).max(1.0);
    let marks = rasterise(tp, ppm, burn_width(tp));
    let mut pm = tiny_skia::Pixmap::new(marks.width(), marks.height()).expect("non-empty");
    pm.fill(tiny_skia::Color::from_rgba8(0xe9, 0xe6, 0xdf, 255));
    // Engraved metal reads darker and matte.
    let mut tinted = marks.clone();
    for px in tinted.pixels_mut() {
        let a = px.alpha();
        *px = tiny_skia::PremultipliedColorU8::from_rgba(
            (0x4a_u16 * a as u16 / 255) as u8,
            (0x44_u16 * a as u16 / 255) as u8,
            (0x3c_u16 * a as u16 / 255) as u8,
            a,
        )
        .expect("premultiplied");
    }
    pm.draw_pixmap(0, 0, tinted.as_ref(), &tiny_skia::PixmapPaint::default(), tiny_skia::Transform::identity(), None);
    pm.encode_png().expect("encoding a PNG in memory does not fail")
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_have_at_most_three_decimals() {
        for (v, s) in [
            (0.0, "0"),
            (-0.0004, "0"),
            (1.5, "1.5"),
            (-2.025, "-2.025"),
            (3.0, "3"),
            (-0.5, "-0.5"),
            (12.3456, "12.346"),
            (0.01, "0.01"),
        ] {
            assert_eq!(num(v), s, "{v}");
        }
    }
}
