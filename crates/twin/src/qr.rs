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

/// The same URL with its scheme and host in capitals, which RFC 3986 (§3.1, §3.2.2) makes the
/// same address. A URL whose path is digits, capitals and `/-.:` — a GS1 Digital Link with an
/// upper-case serial — then encodes wholly in QR's alphanumeric mode (5.5 bits a character
/// instead of 8): a smaller code for the same module size, which matters on an engraved piece.
/// The path, query and fragment are left as they are (they are case-sensitive).
pub fn compact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(host_end);
    if authority.contains('@') {
        // User information is case-sensitive; such URLs are not ours to print anyway.
        return url.to_string();
    }
    format!("{}://{}{tail}", scheme.to_ascii_uppercase(), authority.to_ascii_uppercase())
}

/// What to encode for a URL: [`compact_url`] where that gives a smaller code, the URL as it is
/// otherwise (the encoder already packs digit runs in numeric mode, so capitals do not always help).
pub fn text_for_url(url: &str) -> Result<String> {
    let compact = compact_url(url);
    Ok(if modules(&compact)? < modules(url)? { compact } else { url.to_string() })
}

/// The number of modules a side of the code for `text` (without the quiet zone).
pub fn modules(text: &str) -> Result<usize> {
    Ok(code(text)?.width())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_urls_keep_the_address_and_shrink_the_code() {
        let gs1 = "https://shop.maison-lumen.example/01/09506000134352/21/7Q3XK9D2M4PA";
        let compact = compact_url(gs1);
        assert_eq!(compact, "HTTPS://SHOP.MAISON-LUMEN.EXAMPLE/01/09506000134352/21/7Q3XK9D2M4PA");
        let (before, after) = (modules(gs1).unwrap(), modules(&compact).unwrap());
        assert!(after < before, "{before} → {after} modules");
        // A tie keeps the URL as written; a smaller code takes the capitals.
        let tie = "https://lumen.example/01/09506000134352/21/7Q3XK9D2M4PA";
        assert_eq!(modules(tie).unwrap(), modules(&compact_url(tie)).unwrap());
        assert_eq!(text_for_url(tie).unwrap(), tie);
        let page = "https://lumen.example/p/7Q3XK9D2M4PA";
        assert_eq!((modules(page).unwrap(), modules(&compact_url(page)).unwrap()), (33, 29));
        assert_eq!(text_for_url(page).unwrap(), "HTTPS://LUMEN.EXAMPLE/p/7Q3XK9D2M4PA");
        assert_eq!(text_for_url(gs1).unwrap(), compact);
        // Paths, queries and fragments are case-sensitive: kept.
        assert_eq!(compact_url("https://Lumen.example:8443/p/AbC?x=y#Z"), "HTTPS://LUMEN.EXAMPLE:8443/p/AbC?x=y#Z");
        assert_eq!(compact_url("https://lumen.example"), "HTTPS://LUMEN.EXAMPLE");
        assert_eq!(compact_url("https://user:Pw@lumen.example/p/A"), "https://user:Pw@lumen.example/p/A");
        assert_eq!(compact_url("not a url"), "not a url");
    }
}
