//! Fonts: outline fonts (TrueType/OpenType, shaped by rustybuzz) and single-line Hershey fonts.
//!
//! Fonts come from packages, never from this repository: DejaVu from Debian `fonts-dejavu-core`,
//! the Hershey fonts from Debian `hershey-fonts-data`. The Hershey fonts' licence asks that these
//! acknowledgements travel with the data, and so they do with every file we write from them:
//! *The Hershey Fonts were originally created by Dr. A. V. Hershey while working at the U. S.
//! National Bureau of Standards. The format of the Font data in this distribution was originally
//! created by James Hurt, Cognition, Inc.* ([`HERSHEY_ACKNOWLEDGEMENT`]).

use crate::{EngraveError, Result};
use kurbo::BezPath;
use std::path::Path;
use std::sync::Arc;

pub const HERSHEY_ACKNOWLEDGEMENT: &str =
    "The Hershey Fonts were originally created by Dr. A. V. Hershey while working \
at the U. S. National Bureau of Standards. The format of the Font data in this distribution was originally created by \
James Hurt, Cognition, Inc.";

/// Where the fonts named by the short names `sans`, `serif` and `script` are installed.
pub const KNOWN_FONTS: &[(&str, &str, &str)] = &[
    ("sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
    ("serif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "fonts-dejavu-core"),
    ("script", "/usr/share/hershey-fonts/scripts.jhf", "hershey-fonts-data"),
    ("simplex", "/usr/share/hershey-fonts/futural.jhf", "hershey-fonts-data"),
];

/// The font used when none is named.
pub const DEFAULT_FONT: &str = "sans";

/// A loaded font. Cheap to clone.
#[derive(Clone)]
pub struct Font {
    pub name: String,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Outline(Arc<Vec<u8>>),
    Stroke(Arc<Hershey>),
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Font({}, {})", self.name, if self.is_single_line() { "single-line" } else { "outline" })
    }
}

impl Font {
    /// A font by short name (`sans`, `serif`, `script`, `simplex`: see [`KNOWN_FONTS`]) or by path
    /// to a `.ttf`, `.otf` or `.jhf` file.
    pub fn named(name: &str) -> Result<Font> {
        match KNOWN_FONTS.iter().find(|(n, _, _)| *n == name) {
            Some((n, path, package)) => Font::from_file(Path::new(path)).map_err(|e| EngraveError::Font {
                name: n.to_string(),
                why: format!("{e}; install the Debian package {package}"),
            }),
            None => Font::from_file(Path::new(name)),
        }
    }

    /// The default font ([`DEFAULT_FONT`]).
    pub fn default_font() -> Result<Font> {
        Font::named(DEFAULT_FONT)
    }

    pub fn from_file(path: &Path) -> Result<Font> {
        let bytes = std::fs::read(path).map_err(|e| EngraveError::Font {
            name: path.display().to_string(),
            why: format!("cannot be read ({e})"),
        })?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Font::from_file_bytes(&name, &path.to_string_lossy(), bytes)
    }

    /// A font from a file's bytes, read already: a Hershey `.jhf` by its extension, else
    /// TrueType/OpenType.
    pub fn from_file_bytes(name: &str, file: &str, bytes: Vec<u8>) -> Result<Font> {
        if file.to_ascii_lowercase().ends_with(".jhf") {
            let text = String::from_utf8_lossy(&bytes);
            Ok(Font { name: name.into(), kind: Kind::Stroke(Arc::new(Hershey::parse(&text)?)) })
        } else {
            Font::from_bytes(name, bytes)
        }
    }

    /// An outline font from TrueType/OpenType bytes.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Font> {
        if rustybuzz::Face::from_slice(&bytes, 0).is_none() {
            return Err(EngraveError::Font { name: name.into(), why: "is not a TrueType or OpenType font".into() });
        }
        Ok(Font { name: name.into(), kind: Kind::Outline(Arc::new(bytes)) })
    }

    /// A single-line (stroke) font: its glyphs are centre lines, engraved as they are.
    pub fn is_single_line(&self) -> bool {
        matches!(self.kind, Kind::Stroke(_))
    }

    /// Lays one line of text out at cap height 1 with its baseline on y = 0 (Y up), pen starting
    /// at x = 0. Returns the glyph paths and the line's advance width.
    pub(crate) fn line(&self, text: &str) -> Result<(Vec<BezPath>, f64)> {
        match &self.kind {
            Kind::Outline(bytes) => outline_line(&self.name, bytes, text),
            Kind::Stroke(h) => h.line(&self.name, text),
        }
    }
}

fn outline_line(name: &str, bytes: &[u8], text: &str) -> Result<(Vec<BezPath>, f64)> {
    let face = rustybuzz::Face::from_slice(bytes, 0).expect("checked when loaded");
    let cap = face
        .capital_height()
        .filter(|h| *h > 0)
        .map(f64::from)
        .or_else(|| face.glyph_index('H').and_then(|g| face.glyph_bounding_box(g)).map(|b| f64::from(b.y_max)))
        .unwrap_or(face.units_per_em() as f64 * 0.7);
    let scale = 1.0 / cap;
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(&face, &[], buffer);
    let mut missing: Vec<char> = shaped
        .glyph_infos()
        .iter()
        .filter(|g| g.glyph_id == 0)
        .filter_map(|g| text[g.cluster as usize..].chars().next())
        .filter(|c| !c.is_whitespace())
        .collect();
    if !missing.is_empty() {
        let mut seen = std::collections::HashSet::new();
        missing.retain(|c| seen.insert(*c));
        return Err(EngraveError::MissingGlyphs { font: name.into(), chars: missing });
    }
    let mut paths = Vec::new();
    let mut x = 0.0;
    for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
        let mut b = Builder { path: BezPath::new(), scale, dx: x + pos.x_offset as f64, dy: pos.y_offset as f64 };
        if face.outline_glyph(rustybuzz::ttf_parser::GlyphId(info.glyph_id as u16), &mut b).is_some() {
            paths.push(b.path);
        }
        x += pos.x_advance as f64;
    }
    Ok((paths, x * scale))
}

struct Builder {
    path: BezPath,
    scale: f64,
    dx: f64,
    dy: f64,
}

impl Builder {
    fn p(&self, x: f32, y: f32) -> kurbo::Point {
        kurbo::Point::new((x as f64 + self.dx) * self.scale, (y as f64 + self.dy) * self.scale)
    }
}

impl rustybuzz::ttf_parser::OutlineBuilder for Builder {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.p(x, y);
        self.path.move_to(p);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.p(x, y);
        self.path.line_to(p);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (a, b) = (self.p(x1, y1), self.p(x, y));
        self.path.quad_to(a, b);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b, c) = (self.p(x1, y1), self.p(x2, y2), self.p(x, y));
        self.path.curve_to(a, b, c);
    }
    fn close(&mut self) {
        self.path.close_path();
    }
}

/// A Hershey font in the `.jhf` format: one glyph per record, ASCII 32 onwards in file order.
/// Each record is a 5-character number, a 3-character vertex count, then vertex pairs coded as
/// characters relative to `R` (left and right margins first; ` R` lifts the pen); long records
/// continue on the next lines. Y grows downwards in the file.
///
/// Hand-written: the `hershey` crate decodes pre-split glyph strings only and folds the margins
/// (the advance width) into the glyph's extent.
#[derive(Debug)]
pub struct Hershey {
    glyphs: Vec<HGlyph>,
    /// Top of the capitals and the baseline, in file units (Y down), from `H`.
    cap_top: f64,
    baseline: f64,
}

#[derive(Debug, Default, Clone)]
struct HGlyph {
    left: f64,
    right: f64,
    strokes: Vec<Vec<(f64, f64)>>,
}

impl Hershey {
    pub fn parse(text: &str) -> Result<Hershey> {
        let bad = |why: String| EngraveError::Font { name: "jhf".into(), why };
        let mut glyphs = Vec::new();
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        while let Some(line) = lines.next() {
            if line.len() < 8 {
                return Err(bad(format!("record {} is too short", glyphs.len() + 1)));
            }
            let count: usize = line[5..8]
                .trim()
                .parse()
                .map_err(|_| bad(format!("record {} has no vertex count", glyphs.len() + 1)))?;
            let mut data: Vec<u8> = line.as_bytes()[8..].to_vec();
            while data.len() < count * 2 {
                match lines.next() {
                    Some(more) => data.extend_from_slice(more.as_bytes()),
                    None => return Err(bad(format!("record {} is cut short", glyphs.len() + 1))),
                }
            }
            let mut g = HGlyph::default();
            let mut pen_up = true;
            for (k, pair) in data.chunks(2).take(count).enumerate() {
                if pair.len() < 2 {
                    break;
                }
                let (x, y) = (pair[0] as f64 - b'R' as f64, pair[1] as f64 - b'R' as f64);
                if k == 0 {
                    (g.left, g.right) = (x, y);
                } else if pair == b" R" {
                    pen_up = true;
                } else {
                    if pen_up {
                        g.strokes.push(Vec::new());
                        pen_up = false;
                    }
                    g.strokes.last_mut().expect("pushed").push((x, y));
                }
            }
            glyphs.push(g);
        }
        let h = glyphs.get(('H' as usize).wrapping_sub(32)).ok_or_else(|| bad("no glyph for H".into()))?;
        let ys = h.strokes.iter().flatten().map(|p| p.1);
        let (top, base) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        if top >= base {
            return Err(bad("the glyph H has no height".into()));
        }
        Ok(Hershey { glyphs, cap_top: top, baseline: base })
    }

    fn glyph(&self, c: char) -> Option<&HGlyph> {
        (c as usize).checked_sub(32).and_then(|i| self.glyphs.get(i))
    }

    /// A line of text: Hershey fonts cover ASCII only, so an accented letter is drawn as its base
    /// letter with the font's own accent sign above it (é = e + ', è = e + `, ê = e + ^,
    /// ë = e + ", ñ = n + ~; ç = c + , below), after Unicode decomposition.
    fn line(&self, name: &str, text: &str) -> Result<(Vec<BezPath>, f64)> {
        use unicode_normalization::UnicodeNormalization;
        let s = 1.0 / (self.baseline - self.cap_top);
        let mut paths = Vec::new();
        let mut missing = Vec::new();
        let mut x = 0.0;
        let mut last: Option<(f64, f64, f64)> = None; // the previous base glyph's left x, width and top
        for c in text.nfd() {
            let (mark, below) = match c {
                '\u{301}' => (Some('\''), false),
                '\u{300}' => (Some('`'), false),
                '\u{302}' => (Some('^'), false),
                '\u{308}' => (Some('"'), false),
                '\u{303}' => (Some('~'), false),
                '\u{327}' => (Some(','), true),
                _ => (None, false),
            };
            if let Some(m) = mark {
                let (Some(g), Some((gx, gw, gtop))) = (self.glyph(m), last) else {
                    missing.push(c);
                    continue;
                };
                // The accent, centred on its letter, above the capitals (or below the baseline).
                let (min_y, max_y) =
                    g.strokes.iter().flatten().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
                let (min_x, max_x) =
                    g.strokes.iter().flatten().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
                let dx = gx + gw / 2.0 - (min_x + max_x) / 2.0 * s;
                let (dy, top) = if below { (-0.05, min_y) } else { (gtop + 0.15, max_y) };
                for st in &g.strokes {
                    paths.push(polyline(st.iter().map(|&(px, py)| (dx + px * s, dy + (top - py) * s))));
                }
                continue;
            }
            if c.is_control() {
                continue;
            }
            let Some(g) = self.glyph(c) else {
                missing.push(c);
                continue;
            };
            let ox = x - g.left * s;
            for st in &g.strokes {
                paths.push(polyline(st.iter().map(|&(px, py)| (ox + px * s, (self.baseline - py) * s))));
            }
            let ink_top = g.strokes.iter().flatten().map(|p| p.1).fold(f64::MAX, f64::min);
            last = Some((
                x,
                (g.right - g.left) * s,
                if ink_top == f64::MAX { 0.0 } else { (self.baseline - ink_top) * s },
            ));
            x += (g.right - g.left) * s;
        }
        if !missing.is_empty() {
            let mut seen = std::collections::HashSet::new();
            missing.retain(|c| seen.insert(*c));
            return Err(EngraveError::MissingGlyphs { font: name.into(), chars: missing });
        }
        Ok((paths, x))
    }
}

fn polyline(points: impl Iterator<Item = (f64, f64)>) -> BezPath {
    let mut p = BezPath::new();
    for (i, (x, y)) in points.enumerate() {
        if i == 0 {
            p.move_to((x, y));
        } else {
            p.line_to((x, y));
        }
    }
    p
}
