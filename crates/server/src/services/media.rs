//! The memory vault's media: kept through `object_store` (a local directory by default), checked
//! by their first bytes, photos cleaned of their location and given a thumbnail, videos and voice
//! streamed in, and read back whole or by byte range (`http::ranges` answers range requests).

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use img_parts::ImageEXIF;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use std::sync::Arc;

/// What a vault holds; its limits are the product's, stated once in `orfevre-commerce`.
pub use orfevre_commerce::VaultKind as Kind;

/// Why media could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The media store failed (the server's problem).
    #[error("media store: {0}")]
    Store(#[from] object_store::Error),
    /// The file is not what it claims to be, or cannot be cleaned.
    #[error("{0}")]
    Unreadable(String),
    /// The upload's body stopped before its end.
    #[error("the upload broke off: {0}")]
    BrokeOff(String),
    /// More bytes than the kind allows.
    #[error("the request body exceeds the limit of {0} bytes")]
    TooLarge(u64),
}
/// Largest photo, in pixels (a 48 MP phone sensor is 8064 × 6048).
pub const PHOTO_MAX_PIXELS: u64 = 50_000_000;
/// The longer side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 480;

/// The media types a vault takes, with their kind and the first bytes that prove them.
const TYPES: &[(&str, Kind)] = &[
    ("image/jpeg", Kind::Photo),
    ("image/png", Kind::Photo),
    ("video/mp4", Kind::Video),
    ("video/quicktime", Kind::Video),
    ("video/webm", Kind::Video),
    ("audio/webm", Kind::Voice),
    ("audio/ogg", Kind::Voice),
    ("audio/mp4", Kind::Voice),
    ("audio/mpeg", Kind::Voice),
    ("audio/wav", Kind::Voice),
];

/// The accepted media types, for messages and the API document.
pub fn accepted() -> String {
    TYPES.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ")
}

/// The kind of a declared media type (parameters such as `;codecs=opus` are ignored).
pub fn kind_of(content_type: &str) -> Option<(&'static str, Kind)> {
    let base = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let base = if base == "audio/x-m4a" { "audio/mp4".to_string() } else { base };
    TYPES.iter().find(|(t, _)| *t == base).map(|(t, k)| (*t, *k))
}

/// Whether `mime` is an ISO base media file (MP4, QuickTime, M4A), whose location boxes the
/// vault removes ([`super::bmff`]).
pub fn is_bmff(mime: &str) -> bool {
    matches!(mime, "video/mp4" | "video/quicktime" | "audio/mp4")
}

/// Whether the first bytes of a file are those of `mime`.
pub fn sniff(mime: &str, head: &[u8]) -> bool {
    let at = |i: usize, sig: &[u8]| head.len() >= i + sig.len() && &head[i..i + sig.len()] == sig;
    match mime {
        "image/jpeg" => at(0, &[0xff, 0xd8, 0xff]),
        "image/png" => at(0, b"\x89PNG\r\n\x1a\n"),
        "video/webm" | "audio/webm" => at(0, &[0x1a, 0x45, 0xdf, 0xa3]),
        "video/mp4" | "video/quicktime" | "audio/mp4" => at(4, b"ftyp") || at(4, b"moov") || at(4, b"wide"),
        "audio/ogg" => at(0, b"OggS"),
        "audio/mpeg" => at(0, b"ID3") || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0),
        "audio/wav" => at(0, b"RIFF") && at(8, b"WAVE"),
        _ => false,
    }
}

/// A cleaned photo: the stored bytes, a JPEG thumbnail and the size in pixels.
pub struct Photo {
    pub bytes: Bytes,
    pub thumb: Bytes,
    pub width: u32,
    pub height: u32,
}

/// Why a photo is refused.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is {width} × {height} pixels; at most {max} pixels are taken")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the photo cannot be read: {0}")]
    Unreadable(String),
}

/// Removes what a photo says beyond its pixels — EXIF (the GPS position, the camera's serial),
/// XMP, comments, other application segments — keeping only its orientation (written back as a
/// one-tag EXIF block) and its colour profile; checks the pixel count before decoding; makes the
/// thumbnail, turned upright.
pub fn clean_photo(mime: &str, raw: Bytes) -> Result<Photo, PhotoError> {
    let unreadable = |e: &dyn std::fmt::Display| PhotoError::Unreadable(e.to_string());
    let (cleaned, orientation) = match mime {
        "image/jpeg" => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(raw).map_err(|e| unreadable(&e))?;
            let orientation =
                jpeg.exif().and_then(|e| image::metadata::Orientation::from_exif_chunk(&e)).map(|o| o.to_exif());
            // APP0 (JFIF), APP2 ICC profiles and APP14 (Adobe colour transform) say how to show
            // the pixels; every other application segment and comment goes.
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                let app = (0xe0..=0xef).contains(&m) || m == 0xfe;
                !app || m == 0xe0 || m == 0xee || (m == 0xe2 && s.contents().starts_with(b"ICC_PROFILE\0"))
            });
            if let Some(o) = orientation.filter(|o| *o != 1) {
                jpeg.set_exif(Some(orientation_exif(o)));
            }
            (jpeg.encoder().bytes(), orientation)
        }
        "image/png" => {
            let mut png = img_parts::png::Png::from_bytes(raw).map_err(|e| unreadable(&e))?;
            for chunk in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(chunk);
            }
            (png.encoder().bytes(), None)
        }
        other => return Err(PhotoError::Unreadable(format!("{other} is not a photo type"))),
    };
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(&cleaned[..]))
            .with_guessed_format()
            .map_err(|e| PhotoError::Unreadable(e.to_string()))
    };
    let (width, height) = reader()?.into_dimensions().map_err(|e| unreadable(&e))?;
    if u64::from(width) * u64::from(height) > PHOTO_MAX_PIXELS {
        return Err(PhotoError::TooManyPixels { width, height, max: PHOTO_MAX_PIXELS });
    }
    let mut r = reader()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(PHOTO_MAX_PIXELS * 4 + (64 << 20));
    r.limits(limits);
    let mut img = r.decode().map_err(|e| unreadable(&e))?;
    if let Some(o) = orientation.and_then(image::metadata::Orientation::from_exif) {
        img.apply_orientation(o);
    }
    // Smaller photos are their own thumbnail (`thumbnail` would enlarge them).
    let thumb = if img.width().max(img.height()) > THUMB_SIDE { img.thumbnail(THUMB_SIDE, THUMB_SIDE) } else { img };
    let thumb = thumb.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&thumb)
        .map_err(|e| unreadable(&e))?;
    Ok(Photo { bytes: cleaned, thumb: Bytes::from(out), width, height })
}

/// A TIFF block holding one tag, Orientation (0x0112), big-endian: what is left of a photo's EXIF.
fn orientation_exif(o: u8) -> Bytes {
    let mut b = Vec::with_capacity(26);
    b.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // header, first IFD at 8
    b.extend_from_slice(&[0, 1]); // one entry
    b.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0]); // SHORT × 1, value o
    b.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    Bytes::from(b)
}

/// Where the vault's media live.
#[derive(Clone, Debug)]
pub struct Media {
    store: Arc<dyn ObjectStore>,
}

impl Media {
    /// Media in a local directory (created if needed).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Media> {
        std::fs::create_dir_all(dir)?;
        Ok(Media { store: Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?) })
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> object_store::Result<()> {
        self.store.put(&ObjectPath::from(key), PutPayload::from_bytes(bytes)).await.map(|_| ())
    }

    /// Streams `body` into `key` after `head` (bytes already read); refuses more than `limit`
    /// bytes in all, leaving nothing behind. With `scrubber`, an MP4 or QuickTime file loses the
    /// place it was recorded on the way ([`super::bmff`]); one it cannot read is refused (422).
    /// Returns the size.
    pub async fn put_stream<E: std::fmt::Display>(
        &self,
        key: &str,
        head: Bytes,
        mut stream: impl Stream<Item = Result<Bytes, E>> + Unpin,
        limit: u64,
        mut scrubber: Option<super::bmff::Scrubber>,
    ) -> Result<u64, MediaError> {
        let path = ObjectPath::from(key);
        let upload = self.store.put_multipart(&path).await?;
        let mut w = WriteMultipart::new(upload);
        let mut n = head.len() as u64;
        let mut ready = Vec::new();
        let unreadable = |e: super::bmff::ScrubError| MediaError::Unreadable(e.to_string());
        macro_rules! write {
            ($chunk:expr) => {
                match scrubber.as_mut() {
                    None => w.put($chunk),
                    Some(s) => {
                        if let Err(e) = s.push($chunk, &mut ready) {
                            let _ = w.abort().await;
                            return Err(unreadable(e));
                        }
                        for b in ready.drain(..) {
                            w.put(b);
                        }
                    }
                }
            };
        }
        write!(head);
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = w.abort().await;
                    return Err(MediaError::BrokeOff(e.to_string()));
                }
            };
            n += chunk.len() as u64;
            if n > limit {
                let _ = w.abort().await;
                return Err(MediaError::TooLarge(limit));
            }
            w.wait_for_capacity(4).await?;
            write!(chunk);
        }
        if let Some(s) = scrubber {
            match s.finish() {
                Ok(blanked) if blanked > 0 => tracing::debug!(key, blanked, "location metadata removed"),
                Ok(_) => {}
                Err(e) => {
                    let _ = w.abort().await;
                    return Err(unreadable(e));
                }
            }
        }
        w.finish().await?;
        Ok(n)
    }

    pub async fn get(&self, key: &str) -> object_store::Result<Bytes> {
        self.store.get(&ObjectPath::from(key)).await?.bytes().await
    }

    pub async fn delete(&self, key: &str) {
        if let Err(e) = self.store.delete(&ObjectPath::from(key)).await {
            tracing::warn!(key, error = %e, "cannot delete a media object");
        }
    }

    /// Deletes the media of vault items (each item and its thumbnail), logging what cannot go.
    pub async fn delete_items(&self, items: &[orfevre_store::VaultItem]) {
        for i in items {
            self.delete(&i.object).await;
            if let Some(t) = &i.thumb {
                self.delete(t).await;
            }
        }
    }

    /// An object, or the byte range `range` (inclusive) of it, as a stream.
    pub async fn open(
        &self,
        key: &str,
        range: Option<std::ops::RangeInclusive<u64>>,
    ) -> object_store::Result<object_store::GetResult> {
        let opts =
            GetOptions { range: range.map(|r| GetRange::Bounded(*r.start()..*r.end() + 1)), ..Default::default() };
        self.store.get_opts(&ObjectPath::from(key), opts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_known_by_their_base_and_proven_by_their_first_bytes() {
        assert_eq!(kind_of("audio/webm;codecs=opus"), Some(("audio/webm", Kind::Voice)));
        assert_eq!(kind_of("Video/MP4"), Some(("video/mp4", Kind::Video)));
        assert_eq!(kind_of("image/gif"), None);
        assert!(sniff("image/jpeg", &[0xff, 0xd8, 0xff, 0xe0]));
        assert!(!sniff("image/jpeg", b"\x89PNG\r\n\x1a\n"));
        assert!(sniff("video/mp4", b"\0\0\0\x20ftypisom"));
        assert!(sniff("audio/wav", b"RIFF\0\0\0\0WAVEfmt "));
        assert!(!sniff("video/webm", b"<html>"));
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 80, 160]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out
    }

    #[test]
    fn a_photo_keeps_its_orientation_and_loses_the_rest() {
        let mut j = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(jpeg(64, 32))).unwrap();
        // EXIF with orientation 6 (turned a quarter) and an XMP packet and a comment.
        j.set_exif(Some(orientation_exif(6)));
        j.segments_mut().insert(
            2,
            img_parts::jpeg::JpegSegment::new_with_contents(
                0xe1,
                Bytes::from_static(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
            ),
        );
        j.segments_mut()
            .insert(2, img_parts::jpeg::JpegSegment::new_with_contents(0xfe, Bytes::from_static(b"shot at home")));
        let p = clean_photo("image/jpeg", j.encoder().bytes()).unwrap();
        let back = img_parts::jpeg::Jpeg::from_bytes(p.bytes.clone()).unwrap();
        assert_eq!(back.exif().as_deref(), Some(&orientation_exif(6)[..]));
        assert!(back.segments().iter().all(|s| s.marker() != 0xfe && !s.contents().starts_with(b"http://ns.adobe")));
        // The thumbnail is upright: 64 × 32 turned a quarter is 32 wide, 64 high.
        let t = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!((t.width(), t.height()), (32, 64));
        assert_eq!((p.width, p.height), (64, 32));
    }

    #[test]
    fn a_photo_over_the_pixel_limit_is_refused_before_decoding() {
        // A PNG that claims 10,000 × 10,000 pixels in its header and holds no pixel data.
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&crc.sum().to_be_bytes());
            c
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&10_000u32.to_be_bytes());
        ihdr.extend_from_slice(&10_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &[0u8; 64]).unwrap();
        png.extend(chunk(b"IDAT", &z.finish().unwrap()));
        png.extend(chunk(b"IEND", &[]));
        match clean_photo("image/png", Bytes::from(png)) {
            Err(PhotoError::TooManyPixels { width: 10_000, height: 10_000, .. }) => {}
            other => panic!("expected a pixel refusal, got {:?}", other.map(|p| (p.width, p.height))),
        }
    }

    #[tokio::test]
    async fn a_stream_past_its_limit_is_refused_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let m = Media::local(dir.path()).unwrap();
        let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![7u8; 1000])));
        let err = m
            .put_stream("vault/x/big", Bytes::from_static(b"head"), futures_util::stream::iter(chunks), 5000, None)
            .await;
        assert!(matches!(err, Err(MediaError::TooLarge(5000))), "{err:?}");
        assert!(m.get("vault/x/big").await.is_err(), "no object after a refused upload");
        let chunks = (0..4).map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 1000])));
        let n = m
            .put_stream("vault/x/ok", Bytes::from_static(b"head"), futures_util::stream::iter(chunks), 5000, None)
            .await
            .unwrap();
        assert_eq!(n, 4004);
        assert_eq!(m.get("vault/x/ok").await.unwrap().len(), 4004);
    }
}
