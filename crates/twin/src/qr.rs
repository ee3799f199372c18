//! QR codes for packaging and engraving, with error correction Q (25 % of the code can be lost:
//! a scratched box, a small engraving).

use crate::{Error, Result};
use qrcode::{EcLevel, QrCode};

fn code(text: &str) -> Result<QrCode> {
    if text.is_empty() || text.len() > 1000 {
        return Err(Error::Invalid {
            what: "the QR code's text",
            rule: "1–1,000 bytes",
            got: format!("{} bytes", text.len()),
        });
    }
    QrCode::with_error_correction_level(text, EcLevel::Q).map_err(|e| Error::Invalid {
        what: "the QR code's text",
        rule: "short enough for a QR code at level Q",
        got: e.to_string(),
    })
}

/// An SVG of the code, `size_mm` wide including the 4-module quiet zone.
pub fn svg(text: &str, size_mm: f64) -> Result<String> {
    let c = code(text)?;
    let w = c.width();
    let total = w + 8;
    let mut d = String::new();
    for (i, colour) in c.to_colors().iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            use std::fmt::Write as _;
            let _ = write!(d, "M{} {}h1v1h-1z", i % w + 4, i / w + 4);
        }
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{size_mm}mm" height="{size_mm}mm" viewBox="0 0 {total} {total}" shape-rendering="crispEdges"><rect width="{total}" height="{total}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##
    ))
}

/// A PNG of the code, `module_px` pixels a module, with the quiet zone.
pub fn png(text: &str, module_px: u32) -> Result<Vec<u8>> {
    if !(1..=64).contains(&module_px) {
        return Err(Error::Invalid { what: "the module size", rule: "1–64 pixels", got: module_px.to_string() });
    }
    let c = code(text)?;
    let w = c.width() as u32;
    let side = (w + 8) * module_px;
    let mut pm = tiny_skia::Pixmap::new(side, side).expect("a non-empty pixmap");
    pm.fill(tiny_skia::Color::WHITE);
    let mut paint = tiny_skia::Paint::default();
    paint.set_color(tiny_skia::Color::BLACK);
    paint.anti_alias = false;
    for (i, colour) in c.to_colors().iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            let (x, y) = ((i as u32 % w + 4) * module_px, (i as u32 / w + 4) * module_px);
            let r =
                tiny_skia::Rect::from_xywh(x as f32, y as f32, module_px as f32, module_px as f32).expect("a module");
            pm.fill_rect(r, &paint, tiny_skia::Transform::identity(), None);
        }
    }
    Ok(pm.encode_png().expect("PNG in memory"))
}
