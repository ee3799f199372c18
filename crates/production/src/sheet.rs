//! The assembly sheet: a PDF the bench works from, A4 or US Letter.
//!
//! Laid out first as plain drawing operations page by page (`layout`), then written by krilla
//! with the sheet's fonts embedded (text stays extractable, accents included): the piece as the
//! shopper saw it, every position in order with its SKU, name and bin, the size and choices, the
//! texts as typed (large, to be read back), the stones, the weight window, the pick list, the
//! quality checklist, and a QR code that opens the job on the workshop board.

use crate::spec::JobSpec;
use crate::{Assets, JobError};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use std::collections::HashMap;

/// The sheet's regular and bold faces: DejaVu Sans from Debian's `fonts-dejavu-core`.
pub const SHEET_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
pub const SHEET_FONT_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/// Paper sizes, in PostScript points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
    pub fn parse(s: &str) -> Option<Paper> {
        match s.to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "letter" | "us-letter" => Some(Paper::Letter),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }
}

/// What the sheet names besides the spec.
pub struct Heading<'a> {
    pub job: &'a str,
    pub order: Option<&'a str>,
    pub serial: Option<&'a str>,
    pub design_hash: &'a str,
    pub catalog_version: &'a str,
    /// The address the QR code opens: the job on the workshop board.
    pub board_url: &'a str,
}

/// One drawing operation, in points from the page's top-left corner.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// A box outline (a checkbox, a frame).
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A filled black square (a QR module) or a grey rule.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: bool,
    },
    /// A catalog art file, by path, drawn into the box.
    Art {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        path: String,
    },
}

const MARGIN: f32 = 42.0;
const LINE: f32 = 14.0;

struct Pages {
    size: (f32, f32),
    pages: Vec<Vec<Op>>,
    y: f32,
    footer: String,
}

impl Pages {
    fn new(size: (f32, f32), footer: String) -> Pages {
        Pages { size, pages: vec![Vec::new()], y: MARGIN, footer }
    }
    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }
    /// Room for `h` more points on this page, or a new page.
    fn need(&mut self, h: f32) {
        if self.y + h > self.size.1 - MARGIN - LINE {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }
    fn text(&mut self, x: f32, size: f32, bold: bool, text: impl Into<String>) {
        self.need(size + 4.0);
        self.y += size;
        self.op(Op::Text { x, y: self.y, size, bold, text: text.into() });
        self.y += 4.0;
    }
    fn heading(&mut self, text: &str) {
        self.need(LINE * 3.0);
        self.y += 8.0;
        self.text(MARGIN, 12.0, true, text);
        let w = self.size.0 - 2.0 * MARGIN;
        self.op(Op::Fill { x: MARGIN, y: self.y, w, h: 0.6, grey: true });
        self.y += 4.0;
    }
    /// One table row: cells at the columns' x, cut to their widths in characters.
    fn row(&mut self, cols: &[(f32, usize)], cells: &[String], bold: bool) {
        self.need(LINE);
        self.y += 10.0;
        for (&(x, chars), cell) in cols.iter().zip(cells) {
            let t: String = if cell.chars().count() > chars {
                cell.chars().take(chars.saturating_sub(1)).chain(['…']).collect()
            } else {
                cell.clone()
            };
            self.op(Op::Text { x, y: self.y, size: 9.0, bold, text: t });
        }
        self.y += 4.0;
    }
    fn checkbox(&mut self, text: &str) {
        self.need(LINE + 4.0);
        self.y += 4.0;
        self.op(Op::Frame { x: MARGIN, y: self.y, w: 10.0, h: 10.0 });
        self.op(Op::Text { x: MARGIN + 18.0, y: self.y + 9.0, size: 10.0, bold: false, text: text.to_string() });
        self.y += LINE;
    }
    fn finish(mut self) -> Vec<Vec<Op>> {
        let n = self.pages.len();
        let (w, h) = self.size;
        for (i, p) in self.pages.iter_mut().enumerate() {
            p.push(Op::Text {
                x: MARGIN,
                y: h - MARGIN + 6.0,
                size: 8.0,
                bold: false,
                text: format!("{} · page {} of {n}", self.footer, i + 1),
            });
            let _ = w;
        }
        self.pages
    }
}

fn grams(g: orfevre_catalog::Grams) -> String {
    format!("{:.2} g", g.mg() as f64 / 1000.0)
}

/// The sheet's pages as drawing operations.
pub fn layout(spec: &JobSpec, head: &Heading, paper: Paper) -> Vec<Vec<Op>> {
    let size = paper.size();
    let width = size.0 - 2.0 * MARGIN;
    let mut p =
        Pages::new(size, format!("Job {} · design {}", head.job, &head.design_hash[..12.min(head.design_hash.len())]));

    // Heading, with the QR code on the right.
    let qr = qr_ops(head.board_url, size.0 - MARGIN - 86.0, MARGIN, 86.0);
    for op in qr {
        p.op(op);
    }
    p.text(MARGIN, 10.0, false, format!("{} · assembly sheet", spec.brand));
    p.text(MARGIN, 18.0, true, format!("Job {}", head.job));
    p.text(MARGIN, 13.0, true, spec.piece.clone());
    let mut facts = Vec::new();
    if let Some(o) = head.order {
        facts.push(format!("Order {o}, line 1"));
    }
    if let Some(s) = head.serial {
        facts.push(format!("Serial {s}"));
    }
    facts.push(format!("Catalog {}", head.catalog_version));
    p.text(MARGIN, 9.0, false, facts.join(" · "));
    p.text(MARGIN, 7.0, false, format!("Design {}", head.design_hash));
    p.y = p.y.max(MARGIN + 96.0);

    // The piece as the shopper saw it: the art of each position in order.
    let arts: Vec<&str> = spec.positions.iter().filter_map(|q| q.art.as_deref()).collect();
    if !arts.is_empty() {
        let cell = (width / 16.0).min(32.0);
        let per_row = (width / cell).floor().max(1.0) as usize;
        for chunk in arts.chunks(per_row) {
            p.need(cell + 4.0);
            for (i, a) in chunk.iter().enumerate() {
                p.op(Op::Art {
                    x: MARGIN + i as f32 * cell,
                    y: p.y,
                    w: cell - 2.0,
                    h: cell - 2.0,
                    path: a.to_string(),
                });
            }
            p.y += cell + 2.0;
        }
    }

    // Size and choices.
    p.heading("The piece");
    if let Some(s) = &spec.size {
        p.text(MARGIN, 10.0, false, format!("Size: {s}"));
    }
    for c in &spec.choices {
        p.text(MARGIN, 10.0, false, format!("{}: {}", c.label, c.value));
    }
    for s in &spec.stones {
        p.text(MARGIN, 10.0, false, format!("Stone: {s}"));
    }
    p.text(
        MARGIN,
        10.0,
        false,
        format!(
            "Weight: {} expected, between {} and {}",
            grams(spec.weight),
            grams(spec.weight_min),
            grams(spec.weight_max)
        ),
    );

    // Positions in order.
    if !spec.positions.is_empty() {
        p.heading("Assembly, in order");
        let cols =
            [(MARGIN, 4), (MARGIN + 20.0, 28), (MARGIN + 168.0, 22), (MARGIN + 290.0, 30), (MARGIN + width - 44.0, 8)];
        p.row(&cols, &["#".into(), "Place".into(), "SKU".into(), "Name".into(), "Bin".into()], true);
        for (i, q) in spec.positions.iter().enumerate() {
            let place = format!("{}, {}", q.mount, q.place);
            p.row(
                &cols,
                &[
                    (i + 1).to_string(),
                    place,
                    q.sku.clone(),
                    q.name.clone(),
                    q.bin.clone().unwrap_or_else(|| "—".into()),
                ],
                false,
            );
        }
    }

    // Texts as typed, large.
    if !spec.texts.is_empty() {
        p.heading("Texts, exactly as typed");
        for t in &spec.texts {
            let how = match (&t.font, &t.machine) {
                (Some(f), Some(m)) => format!("{} — {f}, on {m}", t.label),
                (Some(f), None) => format!("{} — {f}", t.label),
                _ => t.label.clone(),
            };
            p.text(MARGIN, 9.0, false, how);
            p.text(MARGIN + 8.0, 22.0, false, t.text.clone());
            p.text(MARGIN + 8.0, 8.0, false, format!("{} characters: {}", t.text.chars().count(), spelled(&t.text)));
        }
    }

    // Pick list.
    p.heading("Pick list");
    let cols = [(MARGIN, 8), (MARGIN + 50.0, 22), (MARGIN + 172.0, 48), (MARGIN + width - 30.0, 5)];
    p.row(&cols, &["Bin".into(), "SKU".into(), "Name".into(), "Qty".into()], true);
    for l in &spec.pick {
        p.row(
            &cols,
            &[l.bin.clone().unwrap_or_else(|| "—".into()), l.sku.clone(), l.name.clone(), l.qty.to_string()],
            false,
        );
    }

    // Quality checklist.
    p.heading("Quality check");
    for line in checklist(spec) {
        p.checkbox(&line);
    }
    p.finish()
}

/// A text spelled out letter by letter, so an accent or a double letter is read back.
fn spelled(t: &str) -> String {
    t.chars().map(|c| if c == ' ' { "␣".to_string() } else { c.to_string() }).collect::<Vec<_>>().join(" ")
}

/// The quality checklist's lines, in the order the bench checks them.
pub fn checklist(spec: &JobSpec) -> Vec<String> {
    let mut out = vec![format!(
        "Weight between {} and {} (expected {})",
        grams(spec.weight_min),
        grams(spec.weight_max),
        grams(spec.weight)
    )];
    if let Some(s) = &spec.size {
        out.push(format!("Size {s}"));
    }
    let count: usize = spec.positions.len();
    if count > 0 {
        out.push(format!("{count} pieces, in the order above"));
    }
    for t in &spec.texts {
        out.push(format!("{} reads “{}”", t.label, t.text));
    }
    if !spec.stones.is_empty() {
        out.push(format!("Stones set: {}", spec.stones.join("; ")));
    }
    out.push("Tag written and read back; certificate printed".into());
    out
}

/// A QR code (error correction Q, quiet zone of 4 modules) as filled squares in a box.
fn qr_ops(url: &str, x: f32, y: f32, size: f32) -> Vec<Op> {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::Q) else {
        return Vec::new();
    };
    let n = code.width();
    let module = size / (n as f32 + 8.0);
    let colors = code.to_colors();
    let mut out = Vec::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (cx, cy) = ((i % n) as f32 + 4.0, (i / n) as f32 + 4.0);
            // Slightly larger than a module so neighbours join without hairlines.
            out.push(Op::Fill {
                x: x + cx * module,
                y: y + cy * module,
                w: module + 0.05,
                h: module + 0.05,
                grey: false,
            });
        }
    }
    out
}

/// The sheet as PDF bytes.
pub fn pdf(pages: &[Vec<Op>], paper: Paper, title: &str, assets: &dyn Assets) -> Result<Vec<u8>, JobError> {
    let font = |path: &str| -> Result<Font, JobError> {
        let bytes = assets.font_file(path).map_err(|why| JobError::Font {
            field: "assembly sheet".into(),
            font: path.to_string(),
            why: format!("{why} (install fonts-dejavu-core)"),
        })?;
        Font::new(bytes.into(), 0).ok_or_else(|| JobError::Font {
            field: "assembly sheet".into(),
            font: path.to_string(),
            why: "not a font file".into(),
        })
    };
    let (regular, bold) = (font(SHEET_FONT)?, font(SHEET_FONT_BOLD)?);
    let mut images: HashMap<String, Option<Image>> = HashMap::new();
    let mut doc = Document::new();
    doc.set_metadata(Metadata::new().title(title.to_string()).language("en".into()).creator("Orfèvre".into()));
    let (w, h) = paper.size();
    for ops in pages {
        let mut page = doc.start_page_with(PageSettings::from_wh(w, h).expect("paper sizes are positive"));
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, bold: b, text } => {
                    s.set_fill(Some(Fill { paint: rgb::Color::new(0x1e, 0x1b, 0x18).into(), ..Fill::default() }));
                    let f = if *b { bold.clone() } else { regular.clone() };
                    s.draw_text(Point::from_xy(*x, *y), f, *size, text, false, TextDirection::Auto);
                }
                Op::Frame { x, y, w, h } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(0, 0, 0).into(),
                            width: 0.8,
                            ..Stroke::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Fill { x, y, w, h, grey } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        let c = if *grey { rgb::Color::new(0xb9, 0xb2, 0xa6) } else { rgb::Color::new(0, 0, 0) };
                        s.set_stroke(None);
                        s.set_fill(Some(Fill { paint: c.into(), ..Fill::default() }));
                        s.draw_path(&path);
                    }
                }
                Op::Art { x, y, w, h, path } => {
                    let img = images.entry(path.clone()).or_insert_with(|| art_image(assets, path));
                    if let (Some(img), Some(size)) = (img.clone(), Size::from_wh(*w, *h)) {
                        s.push_transform(&krilla::geom::Transform::from_translate(*x, *y));
                        s.draw_image(img, size);
                        s.pop();
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| JobError::Fidelity { check: "pdf", why: format!("{e:?}") })
}

/// A catalog art file rendered to a PNG image for the sheet (SVG art, 96 px square).
fn art_image(assets: &dyn Assets, path: &str) -> Option<Image> {
    let bytes = assets.art(path)?;
    let tree = resvg::usvg::Tree::from_data(&bytes, &resvg::usvg::Options::default()).ok()?;
    let px = 96u32;
    let mut pm = tiny_skia::Pixmap::new(px, px)?;
    let s = tree.size();
    let scale = (px as f32 / s.width()).min(px as f32 / s.height());
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pm.as_mut());
    let png = pm.encode_png().ok()?;
    Image::from_png(png.into(), true).ok()
}
