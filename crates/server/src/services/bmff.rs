//! Where a video was shot, taken out of ISO base media files (MP4, QuickTime `.mov`, M4A) as they
//! stream into the vault.
//!
//! Phones write the place of a recording into the file's metadata: a `©xyz` or 3GPP `loci` box in
//! `udta`, the `com.apple.quicktime.location.*` items of a `meta` box (its `keys` name them, its
//! `ilst` holds them), and XMP (a top-level `uuid` box, or `XMP_` in `udta`) that may hold GPS
//! tags. Each such box becomes a `free` box of the same size: players skip `free` boxes, and since
//! no byte moves, every offset in the file (the chunk offsets into `mdat`) stays valid — no remux.
//!
//! Only the `moov` box (the index and metadata, a few hundred kilobytes for a phone video) is
//! buffered, at most [`MAX_MOOV`] bytes; the media data passes through as it comes, wherever
//! `moov` lies (before `mdat` for streaming, after it as phones record).

use bytes::{Bytes, BytesMut};

/// The largest `moov` box the vault buffers to scrub (an hour of phone video indexes in ~10 MiB).
pub const MAX_MOOV: u64 = 32 << 20;

const FREE: &[u8; 4] = b"free";
/// The XMP packet's UUID (XMP Specification Part 3, §1.1.4).
const XMP_UUID: [u8; 16] =
    [0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC];
/// How deep the walk goes into `trak`, `udta` and `meta` boxes.
const MAX_DEPTH: u8 = 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScrubError {
    #[error("the file's index (its moov box) is {0} bytes; the vault reads at most {MAX_MOOV}")]
    MoovTooLarge(u64),
    #[error("the file is not a well-formed MP4 or QuickTime file: {0}")]
    Malformed(&'static str),
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// A box inside a buffer: where it starts, where its payload starts, where it ends, its type.
struct BoxAt {
    start: usize,
    payload: usize,
    end: usize,
    kind: [u8; 4],
}

/// The boxes from `off` to `end`; stops at the first that does not fit (a malformed tail is left
/// as it is: nothing in it is read as metadata).
fn boxes(b: &[u8], mut off: usize, end: usize) -> Vec<BoxAt> {
    let mut out = Vec::new();
    while off + 8 <= end {
        let (mut size, mut header) = (u64::from(u32_at(b, off)), 8);
        if size == 1 {
            if off + 16 > end {
                break;
            }
            size = u64_at(b, off + 8);
            header = 16;
        } else if size == 0 {
            size = (end - off) as u64;
        }
        if size < header as u64 || size > (end - off) as u64 {
            break;
        }
        let kind = b[off + 4..off + 8].try_into().expect("4 bytes");
        let box_end = off + size as usize;
        out.push(BoxAt { start: off, payload: off + header, end: box_end, kind });
        off = box_end;
    }
    out
}

fn blank(b: &mut [u8], x: &BoxAt) -> usize {
    b[x.start + 4..x.start + 8].copy_from_slice(FREE);
    1
}

/// Scrubs the children of a `moov` box in place (`b` is the whole box, header included); returns
/// how many boxes were blanked.
pub fn scrub_moov(b: &mut [u8]) -> usize {
    let Some(moov) = boxes(b, 0, b.len()).into_iter().next() else { return 0 };
    walk(b, moov.payload, moov.end, 0)
}

fn walk(b: &mut [u8], from: usize, to: usize, depth: u8) -> usize {
    if depth > MAX_DEPTH {
        return 0;
    }
    let mut n = 0;
    for x in boxes(b, from, to) {
        n += match &x.kind {
            b"trak" | b"udta" => walk(b, x.payload, x.end, depth + 1),
            b"meta" => {
                // ISO's `meta` is a full box (4 bytes of version and flags); QuickTime's is not:
                // its first child, `hdlr`, comes straight away.
                let qt = x.end >= x.payload + 8 && &b[x.payload + 4..x.payload + 8] == b"hdlr";
                scrub_meta(b, if qt { x.payload } else { x.payload + 4 }, x.end, depth + 1)
            }
            b"\xa9xyz" | b"loci" | b"XMP_" => blank(b, &x),
            b"uuid" if x.end >= x.payload + 16 && b[x.payload..x.payload + 16] == XMP_UUID => blank(b, &x),
            _ => 0,
        };
    }
    n
}

/// A `meta` box's children: the `ilst` items whose `keys` name a location, and any `udta`-style
/// location box.
fn scrub_meta(b: &mut [u8], from: usize, to: usize, depth: u8) -> usize {
    let children = boxes(b, from.min(to), to);
    let mut located = Vec::new();
    for k in children.iter().filter(|c| &c.kind == b"keys") {
        // Full box: version and flags, entry count, then (size, namespace, name) per key; the
        // items of `ilst` are typed by their key's 1-based index.
        let mut at = k.payload + 8;
        let mut index = 1u32;
        while at + 8 <= k.end {
            let size = u32_at(b, at) as usize;
            if size < 8 || at + size > k.end {
                break;
            }
            let name = String::from_utf8_lossy(&b[at + 8..at + size]).to_ascii_lowercase();
            if name.contains("location") || name.contains("gps") {
                located.push(index);
            }
            at += size;
            index += 1;
        }
    }
    let mut n = 0;
    for c in &children {
        match &c.kind {
            b"ilst" => {
                for item in boxes(b, c.payload, c.end) {
                    if located.contains(&u32::from_be_bytes(item.kind)) || &item.kind == b"\xa9xyz" {
                        n += blank(b, &item);
                    }
                }
            }
            _ => n += walk(b, c.start, c.end, depth),
        }
    }
    n
}

/// Scrubs a file as it streams: feed it the chunks in order, write what it hands back.
#[derive(Default)]
pub struct Scrubber {
    /// The header of the next top-level box, while it is incomplete.
    header: BytesMut,
    /// Bytes of the current top-level box still to pass through (`u64::MAX`: to the end).
    passing: u64,
    /// The `moov` box being gathered, and its full size.
    moov: Option<(BytesMut, usize)>,
    /// How many boxes were blanked so far.
    pub blanked: usize,
}

impl Scrubber {
    pub fn new() -> Scrubber {
        Scrubber::default()
    }

    /// Takes the next chunk of the file; appends to `out` what may be written.
    pub fn push(&mut self, mut chunk: Bytes, out: &mut Vec<Bytes>) -> Result<(), ScrubError> {
        while !chunk.is_empty() {
            if self.passing > 0 {
                let n = (self.passing.min(chunk.len() as u64)) as usize;
                out.push(chunk.split_to(n));
                if self.passing != u64::MAX {
                    self.passing -= n as u64;
                }
            } else if let Some((buf, size)) = &mut self.moov {
                let n = (*size - buf.len()).min(chunk.len());
                buf.extend_from_slice(&chunk.split_to(n));
                if buf.len() == *size {
                    let mut done = std::mem::take(buf);
                    self.moov = None;
                    self.blanked += scrub_moov(&mut done);
                    out.push(done.freeze());
                }
            } else {
                let want = self.header_len();
                let n = (want - self.header.len()).min(chunk.len());
                self.header.extend_from_slice(&chunk.split_to(n));
                if self.header.len() == self.header_len() {
                    self.start_box(out)?;
                }
            }
        }
        Ok(())
    }

    /// How many bytes of the next box's header decide what to do with it: 8, 16 with a 64-bit
    /// size, and the 16 bytes of a `uuid` box's UUID after that.
    fn header_len(&self) -> usize {
        let h = &self.header;
        let mut n = 8;
        if h.len() >= 8 && u32_at(h, 0) == 1 {
            n = 16;
        }
        if h.len() >= 8 && &h[4..8] == b"uuid" {
            n += 16;
        }
        n
    }

    fn start_box(&mut self, out: &mut Vec<Bytes>) -> Result<(), ScrubError> {
        let mut h = std::mem::take(&mut self.header);
        let size = match u32_at(&h, 0) {
            0 => None,
            1 => Some(u64_at(&h, 8)),
            s => Some(u64::from(s)),
        };
        if size.is_some_and(|s| s < h.len() as u64) {
            return Err(ScrubError::Malformed("a box is shorter than its own header"));
        }
        match (&h[4..8], size) {
            (b"moov", None) => return Err(ScrubError::Malformed("the moov box has no size")),
            (b"moov", Some(s)) if s > MAX_MOOV => return Err(ScrubError::MoovTooLarge(s)),
            (b"moov", Some(s)) if s as usize > h.len() => {
                // Grown as the bytes come, not by the size the file claims.
                let buf = BytesMut::from(&h[..]);
                self.moov = Some((buf, s as usize));
                return Ok(());
            }
            (b"uuid", _) if h[h.len() - 16..] == XMP_UUID => {
                h[4..8].copy_from_slice(FREE);
                self.blanked += 1;
            }
            _ => {}
        }
        self.passing = size.map_or(u64::MAX, |s| s - h.len() as u64);
        out.push(h.freeze());
        Ok(())
    }

    /// The end of the file: an error if it stops inside a box.
    pub fn finish(self) -> Result<usize, ScrubError> {
        if self.moov.is_some() {
            return Err(ScrubError::Malformed("the file ends inside its moov box"));
        }
        if !self.header.is_empty() {
            return Err(ScrubError::Malformed("the file ends inside a box header"));
        }
        if self.passing > 0 && self.passing != u64::MAX {
            return Err(ScrubError::Malformed("the file ends before its last box does"));
        }
        Ok(self.blanked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = ((8 + payload.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(payload);
        b
    }

    /// ftyp, mdat, then a moov with every kind of location, as phones (and exiftool) write them.
    fn located_file() -> Vec<u8> {
        let xyz = bx(b"\xa9xyz", b"\0\x12\x15\xc7+48.8584+002.2945/");
        let udta = bx(b"udta", &[xyz, bx(b"XMP_", b"<x:xmpmeta>GPSLatitude</x:xmpmeta>")].concat());
        let mut keys = vec![0, 0, 0, 0, 0, 0, 0, 2];
        for k in ["com.apple.quicktime.make", "com.apple.quicktime.location.ISO6709"] {
            keys.extend_from_slice(&((8 + k.len()) as u32).to_be_bytes());
            keys.extend_from_slice(b"mdta");
            keys.extend_from_slice(k.as_bytes());
        }
        let item =
            |i: u32, v: &str| bx(&i.to_be_bytes(), &bx(b"data", &[&[0, 0, 0, 1, 0, 0, 0, 0], v.as_bytes()].concat()));
        let ilst = bx(b"ilst", &[item(1, "Apple"), item(2, "+48.8584+002.2945+035.000/")].concat());
        let meta = bx(b"meta", &[bx(b"hdlr", &[0u8; 24]), bx(b"keys", &keys), ilst].concat());
        let trak = bx(b"trak", &bx(b"udta", &bx(b"loci", b"\0\0\0\0place")));
        let moov = bx(b"moov", &[bx(b"mvhd", &[0u8; 100]), udta, meta, trak].concat());
        let mut xmp = XMP_UUID.to_vec();
        xmp.extend_from_slice(b"<x:xmpmeta>exif:GPSLatitude</x:xmpmeta>");
        [bx(b"ftyp", b"qt  \0\0\0\0qt  "), bx(b"uuid", &xmp), bx(b"mdat", &[7u8; 5000]), moov].concat()
    }

    fn scrub_in_chunks(file: &[u8], chunk: usize) -> Result<(Vec<u8>, usize), ScrubError> {
        let mut s = Scrubber::new();
        let mut out = Vec::new();
        for c in file.chunks(chunk) {
            s.push(Bytes::copy_from_slice(c), &mut out)?;
        }
        let n = s.finish()?;
        Ok((out.concat(), n))
    }

    #[test]
    fn every_location_box_is_blanked_in_place_whatever_the_chunking() {
        let file = located_file();
        let (whole, n) = scrub_in_chunks(&file, file.len()).unwrap();
        // ©xyz, XMP_ in udta, the location item of ilst, loci in a track, the top-level XMP uuid.
        assert_eq!(n, 5);
        assert_eq!(whole.len(), file.len(), "no byte moves");
        let changed: Vec<usize> = (0..file.len()).filter(|&i| file[i] != whole[i]).collect();
        assert!(changed.len() <= 5 * 4, "only box types change: {changed:?}");
        let text = String::from_utf8_lossy(&whole).to_string();
        for gone in ["\u{a9}xyz", "XMP_", "loci"] {
            assert!(!text.contains(gone), "{gone}");
        }
        assert!(text.contains("Apple"), "other metadata stays");
        for chunk in [1, 3, 7, 8, 9, 16, 17, 100, 4096] {
            assert_eq!(scrub_in_chunks(&file, chunk).unwrap(), (whole.clone(), 5), "chunks of {chunk}");
        }
    }

    proptest::proptest! {
        /// Wherever the chunks break, the output is the same and as long as the input; on any
        /// bytes at all — a hostile upload — the scrubber answers without panicking, and what it
        /// answers keeps the size.
        #[test]
        fn chunking_never_changes_the_output(cuts in proptest::collection::vec(1usize..700, 1..40)) {
            let file = located_file();
            let (whole, n) = scrub_in_chunks(&file, file.len()).unwrap();
            let mut s = Scrubber::new();
            let (mut out, mut at) = (Vec::new(), 0);
            for c in cuts.iter().cycle() {
                if at >= file.len() { break; }
                let end = (at + c).min(file.len());
                s.push(Bytes::copy_from_slice(&file[at..end]), &mut out).unwrap();
                at = end;
            }
            proptest::prop_assert_eq!(s.finish().unwrap(), n);
            proptest::prop_assert_eq!(out.concat(), whole);
        }

        #[test]
        fn a_damaged_file_is_answered(flips in proptest::collection::vec((0usize..6000, proptest::prelude::any::<u8>()), 1..12), chunk in 1usize..300) {
            // The located file with bytes overwritten here and there: sizes and types go wrong at
            // every depth of the walk.
            let mut b = located_file();
            for (at, v) in flips {
                let i = at % b.len();
                b[i] = v;
            }
            if let Ok((out, _)) = scrub_in_chunks(&b, chunk) {
                proptest::prop_assert_eq!(out.len(), b.len());
            }
        }

        #[test]
        fn any_bytes_are_answered(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000), moov_at in 0usize..3000, chunk in 1usize..64) {
            // Some inputs with a plausible moov header inside, so that the walk runs on noise.
            let mut b = bytes;
            if moov_at + 8 <= b.len() {
                let size = (b.len() - moov_at) as u32;
                b[moov_at..moov_at + 4].copy_from_slice(&size.to_be_bytes());
                b[moov_at + 4..moov_at + 8].copy_from_slice(b"moov");
            }
            if let Ok((out, _)) = scrub_in_chunks(&b, chunk) {
                proptest::prop_assert_eq!(out.len(), b.len());
            }
            // And the box walk on noise inside a moov.
            let mut m = [&((8 + b.len()) as u32).to_be_bytes()[..], b"moov", &b].concat();
            let len = m.len();
            scrub_moov(&mut m);
            proptest::prop_assert_eq!(m.len(), len);
        }
    }

    #[test]
    fn broken_files_are_refused_and_big_indexes_too() {
        let file = located_file();
        let cut = &file[..file.len() - 10];
        assert_eq!(scrub_in_chunks(cut, 64).unwrap_err(), ScrubError::Malformed("the file ends inside its moov box"));
        let mut short = bx(b"mdat", b"abc");
        short[3] = 4; // size 4 < its 8-byte header
        assert!(matches!(scrub_in_chunks(&short, 64), Err(ScrubError::Malformed(_))));
        let big = [&((MAX_MOOV + 1) as u32).to_be_bytes()[..], b"moov"].concat();
        assert_eq!(scrub_in_chunks(&big, 64).unwrap_err(), ScrubError::MoovTooLarge(MAX_MOOV + 1));
        // A last box of size 0 runs to the end of the file.
        let open = [bx(b"ftyp", b"isom"), vec![0, 0, 0, 0], b"mdat".to_vec(), vec![1; 100]].concat();
        assert_eq!(scrub_in_chunks(&open, 13).unwrap(), (open.clone(), 0));
        // 64-bit sizes.
        let large = [&1u32.to_be_bytes()[..], b"mdat", &(16u64 + 20).to_be_bytes(), &[2u8; 20]].concat();
        assert_eq!(scrub_in_chunks(&large, 5).unwrap(), (large.clone(), 0));
    }
}
