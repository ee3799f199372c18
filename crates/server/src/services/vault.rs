//! The memory vault's contents: what an upload may be (type, size, name, room left), storing it
//! (a photo cleaned and given a thumbnail, a video or voice message streamed in with its
//! recording place removed), and the whole vault as a zip.

use crate::services::bmff::Scrubber;
use crate::services::media::{self, Kind, MediaError, PhotoError};
use crate::services::pieces::MAX_NAME;
use crate::services::rfc3339;
use crate::state::AppState;
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use orfevre_store::{now_ms, Piece, StoreError, VaultItem};
use serde_json::json;

/// Why an upload or an export is refused.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Not a type a vault takes (the Content-Type given, possibly empty).
    #[error("a vault takes {}; got {}", media::accepted(), if .0.is_empty() { "no Content-Type" } else { .0.as_str() })]
    UnsupportedType(String),
    /// The declared length is over the kind's limit.
    #[error("the request body exceeds the limit of {} bytes", .0.max_bytes())]
    DeclaredTooLarge(Kind),
    #[error("name: at most {MAX_NAME} characters, no control characters")]
    Name,
    #[error("a vault holds at most {} {} item(s); remove one first", .0.max_items(), .0.as_str())]
    Full(Kind),
    #[error("the file is not {0}, as its Content-Type says")]
    Mismatch(&'static str),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error("{0}")]
    Broken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, VaultError>;

/// An upload as announced, before its body is read.
pub struct Upload<'a> {
    pub content_type: &'a str,
    pub declared_length: Option<u64>,
    /// The name the owner gave, if any.
    pub name: Option<&'a str>,
}

/// An upload the vault takes: its media type, kind and name.
pub struct Admitted {
    pub mime: &'static str,
    pub kind: Kind,
    pub name: String,
}

/// Checks an upload before its body is read: a type the vault takes, a declared size within the
/// kind's limit, a name (given or made from the kind and the date), and room for one more.
pub async fn admit(s: &AppState, p: &Piece, u: Upload<'_>) -> Result<Admitted> {
    let (mime, kind) =
        media::kind_of(u.content_type).ok_or_else(|| VaultError::UnsupportedType(u.content_type.into()))?;
    if u.declared_length.is_some_and(|n| n > kind.max_bytes()) {
        return Err(VaultError::DeclaredTooLarge(kind));
    }
    let name = match u.name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) => return Err(VaultError::Name),
        Some(n) => n.to_string(),
        None => format!("{} {}", kind.as_str(), rfc3339(now_ms()).get(..10).unwrap_or("")),
    };
    let have = s.store.vault_items(&p.serial).await?.iter().filter(|i| i.kind == kind).count() as i64;
    if have >= kind.max_items() {
        return Err(VaultError::Full(kind));
    }
    Ok(Admitted { mime, kind, name })
}

/// Stores an admitted upload's body: its first bytes must prove its type; a photo is read whole,
/// cleaned and given a thumbnail; a video or voice message streams to the media store (MP4,
/// QuickTime and M4A losing the place they were recorded). The item is added only if the vault
/// still has room (two uploads racing for the last place cannot both get it).
pub async fn store<E: std::fmt::Display>(
    s: &AppState,
    p: &Piece,
    a: Admitted,
    mut body: impl Stream<Item = std::result::Result<Bytes, E>> + Unpin,
) -> Result<VaultItem> {
    let Admitted { mime, kind, name } = a;
    // Read enough to check the file is what it says.
    let mut head = BytesMut::new();
    while head.len() < 16 {
        match body.next().await {
            Some(Ok(c)) => head.extend_from_slice(&c),
            Some(Err(e)) => return Err(MediaError::BrokeOff(e.to_string()).into()),
            None => break,
        }
    }
    if !media::sniff(mime, &head) {
        return Err(VaultError::Mismatch(mime));
    }
    let id = orfevre_store::new_id("vlt_");
    let object = format!("vault/{}/{id}", p.serial);
    let (bytes, thumb) = if kind == Kind::Photo {
        let mut all = head;
        while let Some(c) = body.next().await {
            let c = c.map_err(|e| MediaError::BrokeOff(e.to_string()))?;
            all.extend_from_slice(&c);
            if all.len() as u64 > kind.max_bytes() {
                return Err(MediaError::TooLarge(kind.max_bytes()).into());
            }
        }
        let raw = all.freeze();
        let photo = tokio::task::spawn_blocking(move || media::clean_photo(mime, raw))
            .await
            .map_err(|e| VaultError::Broken(e.to_string()))??;
        let thumb_key = format!("{object}.thumb.jpg");
        s.media.put(&object, photo.bytes.clone()).await.map_err(MediaError::from)?;
        s.media.put(&thumb_key, photo.thumb).await.map_err(MediaError::from)?;
        (photo.bytes.len() as u64, Some(thumb_key))
    } else {
        // MP4, QuickTime and M4A carry the place they were recorded in their metadata.
        let scrubber = media::is_bmff(mime).then(Scrubber::new);
        (s.media.put_stream(&object, head.freeze(), body, kind.max_bytes(), scrubber).await?, None)
    };
    let item = VaultItem {
        id,
        serial: p.serial.clone(),
        kind,
        mime: mime.into(),
        name,
        bytes: bytes as i64,
        object,
        thumb,
        created_at: now_ms(),
    };
    if !s.store.add_vault_item(&item).await? {
        s.media.delete_items(std::slice::from_ref(&item)).await;
        return Err(VaultError::Full(kind));
    }
    Ok(item)
}

/// The whole vault as a zip in a temporary file, rewound: every item as stored (photos as
/// cleaned), the certificate and a manifest.
pub async fn export(s: &std::sync::Arc<AppState>, p: &Piece) -> Result<std::fs::File> {
    let items = s.store.vault_items(&p.serial).await?;
    let manifest = json!({
        "serial": p.serial,
        "exported_at": rfc3339(now_ms()),
        "items": items.iter().enumerate().map(|(n, i)| json!({
            "file": zip_name(n, i), "kind": i.kind, "mime": i.mime, "name": i.name, "bytes": i.bytes,
            "created_at": rfc3339(i.created_at),
        })).collect::<Vec<_>>(),
    });
    let broken = |e: &dyn std::fmt::Display| VaultError::Broken(e.to_string());
    let file = tempfile::tempfile().map_err(|e| broken(&e))?;
    let (st, cert) = (s.clone(), p.certificate.clone());
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        use std::io::{Seek, Write};
        let mut z = zip::ZipWriter::new(file);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        let deflated = zip::write::SimpleFileOptions::default();
        z.start_file("manifest.json", deflated)?;
        z.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
        z.start_file("certificate.json", deflated)?;
        z.write_all(&serde_json::to_vec_pretty(&cert)?)?;
        for (n, i) in items.iter().enumerate() {
            let bytes = handle.block_on(st.media.get(&i.object))?;
            z.start_file(zip_name(n, i), stored)?;
            z.write_all(&bytes)?;
        }
        let mut f = z.finish()?;
        f.seek(std::io::SeekFrom::Start(0))?;
        Ok(f)
    })
    .await
    .map_err(|e| broken(&e))?
    .map_err(|e| broken(&e))
}

/// An item's file name in the zip: its kind's folder, its place, its name made safe.
fn zip_name(n: usize, i: &VaultItem) -> String {
    let ext = match i.mime.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" | "audio/webm" => "webm",
        "audio/ogg" => "ogg",
        "audio/mp4" => "m4a",
        "audio/mpeg" => "mp3",
        "audio/wav" => "wav",
        _ => "bin",
    };
    let stem: String =
        i.name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).take(60).collect();
    format!("{}/{:03}-{stem}.{ext}", i.kind, n + 1)
}
