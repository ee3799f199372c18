//! Made pieces and their digital twins: the brand's keys, who sees what of a piece, and the
//! piece as the API shows it.
//!
//! Who sees what (the access matrix the tests walk):
//! - anyone: the public part — certificate, materials, the story of the making;
//! - a viewer, by a genuine tap within [`VIEWER_TTL`] (and the PIN, if the owner set one), when
//!   the owner allows taps: the vault, read-only;
//! - the owner: the vault, sharing settings, tags, gifting, export;
//! - a former owner: the public part only;
//! - staff (admin, workshop): the record, tags and history, never the vault's content.

use crate::services::rfc3339;
use crate::state::AppState;
use orfevre_commerce::{policy, Role};
use orfevre_store::{Piece, StoreError, TapOutcome, VaultItem};
use orfevre_twin::{credential, identity, status, sun};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// Why a piece, a tap or a PIN is refused.
#[derive(Debug, thiserror::Error)]
pub enum PieceError {
    #[error("no piece with serial {0}")]
    NoPiece(String),
    /// The tap URL is not one a tag writes.
    #[error("{0}")]
    NotATap(String),
    /// The tap's CMAC does not verify: not a genuine tag of the brand.
    #[error("{0}")]
    Forged(String),
    #[error("tag {0} is genuine but fitted to no piece")]
    UnknownTag(String),
    #[error("tap the piece's tag first: the PIN unlocks a tap, not a link")]
    NotTapped,
    /// A wrong PIN; `left` attempts remain on the tap (none: tap again).
    #[error("{}", if *.left > 0 { format!("wrong PIN; {left} attempt(s) left") } else { "wrong PIN; tap the tag again to retry".to_string() })]
    WrongPin { left: i64 },
    /// The brand's keys or a tag's NDEF file could not be made (the server's problem).
    #[error("{0}")]
    Keys(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T, E = PieceError> = std::result::Result<T, E>;

/// How long a genuine tap opens the vault.
pub const VIEWER_TTL: Duration = Duration::from_secs(15 * 60);
/// Wrong PINs a tap's capability survives.
pub const MAX_PIN_ATTEMPTS: i64 = 5;
/// How long a gift code stays good.
pub const GIFT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long the claim code of a piece whose order had no account (printed in the box) stays good.
pub const BOX_CLAIM_TTL: Duration = Duration::from_secs(2 * 365 * 24 * 3600);
/// Bits per status list, and how full a list is allowed to get before the next one starts (half:
/// a random index then says little about when a piece was made).
pub const STATUS_BITS: u64 = status::MIN_BITS as u64;
pub const MAX_NOTE: usize = 500;
pub const MAX_NAME: usize = 120;

/// The key slots a brand's tags are keyed from (NXP AN10922 diversification inputs).
const META_SYSTEM: &[u8] = b"orfevre:sdm-meta";
const FILE_SYSTEM: &[u8] = b"orfevre:sdm-file";

/// The brand's signing key and tag master key, kept in the database (generated once by whichever
/// server starts first) unless given on the command line.
pub struct TwinKeys {
    pub passport: credential::Keys,
    pub nfc_master: sun::Key,
    pub meta_key: sun::Key,
}

impl TwinKeys {
    pub async fn load(store: &orfevre_store::Store, nfc_master: Option<&str>) -> anyhow::Result<TwinKeys> {
        let passport = credential::Keys::from_multibase(
            &store.setting_or_init("passport_key", || credential::Keys::generate().private_multibase()).await?,
        )?;
        let master_hex = match nfc_master {
            Some(h) => h.to_string(),
            None => store.setting_or_init("nfc_master_key", || orfevre_store::new_secret()[..32].to_string()).await?,
        };
        let nfc_master = sun::key_from_hex(&master_hex)?;
        let meta_key = sun::diversify(&nfc_master, &[0; 7], META_SYSTEM)?;
        Ok(TwinKeys { passport, nfc_master, meta_key })
    }

    /// A tag's own file-read key (the meta-read key is the brand's: it hides which tag this is).
    pub fn file_key(&self, uid: &[u8; 7]) -> sun::Key {
        sun::diversify(&self.nfc_master, uid, FILE_SYSTEM).expect("a short diversification input")
    }
}

/// The host of a URL (`shop.example:8080` of `https://shop.example:8080/x`).
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

/// The issuer DID and the verification method certificates are signed with.
pub fn issuer(s: &AppState) -> (String, String) {
    if s.config.did_web {
        let did = credential::did_web(host_of(&s.public_url));
        (did.clone(), format!("{did}#key-1"))
    } else {
        let m = s.twin.passport.public_multibase();
        (format!("did:key:{m}"), format!("did:key:{m}#{m}"))
    }
}

/// The public address of a piece: its GS1 Digital Link when its base has a GTIN, `/p/{serial}`
/// otherwise.
pub fn identity_url(s: &AppState, p: &Piece) -> String {
    let path = identity::path(p.gtin.as_deref(), &p.serial).unwrap_or_else(|_| format!("/p/{}", p.serial));
    format!("{}{path}", s.public_url)
}

pub fn status_url(s: &AppState, list: i64) -> String {
    format!("{}/api/v1/status/{list}", s.public_url)
}

// ----- who may see what ------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Public,
    Viewer,
    Owner,
    Staff,
}

/// Who asks, as far as a piece is concerned.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caller<'a> {
    pub role: Option<Role>,
    pub user: Option<&'a str>,
    /// The viewer capability a tap left in the caller's cookie, if any.
    pub viewer: Option<&'a str>,
}

impl Caller<'_> {
    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(|r| policy::PIECE_STAFF.contains(&r))
    }
    pub fn owns(&self, p: &Piece) -> bool {
        self.user.is_some_and(|u| p.owner_id.as_deref() == Some(u))
    }
}

/// A viewer capability that opens this piece's vault now: its secret, and whether the owner's
/// PIN is still to be given.
pub async fn viewer(s: &AppState, secret: Option<&str>, p: &Piece) -> Result<Option<(String, bool)>> {
    let Some(secret) = secret else { return Ok(None) };
    let Some(v) = s.store.viewer(secret).await? else { return Ok(None) };
    if v.serial != p.serial || !p.tap_access || v.attempts >= MAX_PIN_ATTEMPTS {
        return Ok(None);
    }
    Ok(Some((secret.to_string(), v.needs_pin)))
}

/// What the caller sees of a piece, and whether a tap waits for the PIN.
pub async fn access(s: &AppState, who: Caller<'_>, p: &Piece) -> Result<(Access, bool)> {
    if who.owns(p) {
        return Ok((Access::Owner, false));
    }
    if let Some((_, needs_pin)) = viewer(s, who.viewer, p).await? {
        return Ok(if needs_pin { (Access::Public, true) } else { (Access::Viewer, false) });
    }
    Ok((if who.is_staff() { Access::Staff } else { Access::Public }, false))
}

/// The body of the `piece.transferred` webhook event.
pub fn transferred(serial: &str, vault: orfevre_commerce::GiftVault) -> String {
    serde_json::json!({
        "type": "piece.transferred",
        "timestamp": rfc3339(orfevre_store::now_ms()),
        "data": {"serial": serial, "vault": vault},
    })
    .to_string()
}

/// The piece with this serial.
pub async fn find(s: &AppState, serial: &str) -> Result<Piece> {
    s.store.piece(serial).await?.ok_or_else(|| PieceError::NoPiece(serial.to_string()))
}

/// What a genuine tap did: the piece it opens, how, and the viewer capability it gives (when the
/// owner lets taps open the vault).
pub struct Tapped {
    pub serial: String,
    pub outcome: TapOutcome,
    pub viewer: Option<String>,
}

/// Verifies a tap (its URL as the tag wrote it), advances the tag's counter once, and gives a
/// viewer capability when the tap is fresh and the owner allows taps.
pub async fn tap(s: &AppState, url: &str) -> Result<Tapped> {
    let params = sun::parse_url(url).map_err(|e| PieceError::NotATap(e.to_string()))?;
    let twin = &s.twin;
    let t = sun::verify_keyed(&params, &twin.meta_key, |uid| Ok(twin.file_key(uid))).map_err(|e| {
        metrics::counter!("nfc_taps_total", "outcome" => "forged").increment(1);
        tracing::warn!(url, "forged NFC tap");
        PieceError::Forged(e.to_string())
    })?;
    let outcome = s.store.advance_tag(&t.uid, i64::from(t.counter)).await?;
    let (serial, label) = match &outcome {
        TapOutcome::Accepted { serial } => (serial.clone(), "accepted"),
        TapOutcome::Replayed { serial, .. } => (serial.clone(), "replayed"),
        TapOutcome::Revoked { serial } => (serial.clone(), "revoked"),
        TapOutcome::Unknown => return Err(PieceError::UnknownTag(t.uid.to_string())),
    };
    metrics::counter!("nfc_taps_total", "outcome" => label).increment(1);
    let mut viewer = None;
    if let TapOutcome::Accepted { .. } = outcome {
        let p = find(s, &serial).await?;
        if p.tap_access && p.revoked_at.is_none() {
            viewer = Some(s.store.create_viewer(&serial, p.pin_hash.is_some(), VIEWER_TTL).await?);
        }
    }
    Ok(Tapped { serial, outcome, viewer })
}

/// Gives the owner's PIN on the tap capability `secret` (from the tap's cookie). A wrong PIN
/// counts; after [`MAX_PIN_ATTEMPTS`] the capability is burnt and only a new tap opens the vault.
pub async fn unlock(s: &AppState, p: &Piece, secret: Option<&str>, pin: &str) -> Result<()> {
    let Some((secret, needs_pin)) = viewer(s, secret, p).await? else { return Err(PieceError::NotTapped) };
    if !needs_pin {
        return Ok(());
    }
    let right = p.pin_hash.as_deref().is_some_and(|h| crate::services::accounts::verify_password(pin, h));
    s.store.viewer_pin(&secret, right).await?;
    if right {
        return Ok(());
    }
    let left = s.store.viewer(&secret).await?.map(|v| MAX_PIN_ATTEMPTS - v.attempts).unwrap_or(0);
    if left <= 0 {
        s.store.drop_viewer(&secret).await?;
    }
    Err(PieceError::WrongPin { left })
}

// ----- views -----------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct PieceView {
    pub serial: String,
    /// The identity URL printed in the QR code and written to the tag.
    pub url: String,
    pub page: String,
    pub base: String,
    pub design: String,
    pub catalog_version: String,
    pub made_at: String,
    /// Name, materials, weight: what was made.
    #[schema(value_type = Object)]
    pub record: Value,
    /// The signed certificate of authenticity.
    #[schema(value_type = Object)]
    pub certificate: Value,
    pub revoked: bool,
    /// The story of the piece, oldest first.
    pub history: Vec<HistoryView>,
    /// What the caller sees: public, viewer, owner or staff.
    pub access: Access,
    /// A tap opened the vault but the owner's PIN is still to be given.
    pub pin_required: bool,
    /// The vault's items (owner and tap viewers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<Vec<ItemView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharing: Option<SharingView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    pub kind: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a module added, swapped in or taken off: the component's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub id: String,
    pub kind: String,
    pub mime: String,
    pub name: String,
    pub bytes: i64,
    pub created_at: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SharingView {
    pub tap_access: bool,
    pub pin: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TagView {
    pub uid: String,
    pub counter: i64,
    pub revoked: bool,
}

pub fn item_view(serial: &str, i: &VaultItem) -> ItemView {
    let url = format!("/api/v1/pieces/{serial}/vault/{}", i.id);
    ItemView {
        id: i.id.clone(),
        kind: i.kind.to_string(),
        mime: i.mime.clone(),
        name: i.name.clone(),
        bytes: i.bytes,
        created_at: rfc3339(i.created_at),
        thumb: i.thumb.as_ref().map(|_| format!("{url}/thumb")),
        url,
    }
}

/// The piece as `who` may see it.
pub async fn view_as(s: &AppState, who: Caller<'_>, p: Piece) -> Result<PieceView> {
    let (a, pin) = access(s, who, &p).await?;
    piece_view(s, p, a, pin).await
}

/// The piece as `access` sees it.
pub async fn piece_view(s: &AppState, p: Piece, access: Access, pin_required: bool) -> Result<PieceView> {
    let private = matches!(access, Access::Owner | Access::Staff);
    let history = s
        .store
        .piece_events(&p.serial)
        .await?
        .into_iter()
        .filter(|e| private || e.kind.is_public())
        .map(|e| HistoryView {
            note: e.detail.get("note").and_then(Value::as_str).map(str::to_string),
            module: e.detail.get("name").and_then(Value::as_str).map(str::to_string),
            kind: e.kind.to_string(),
            at: rfc3339(e.at),
        })
        .collect();
    let vault = if matches!(access, Access::Owner | Access::Viewer) {
        Some(s.store.vault_items(&p.serial).await?.iter().map(|i| item_view(&p.serial, i)).collect())
    } else {
        None
    };
    let tags = if private {
        Some(
            s.store
                .tags(&p.serial)
                .await?
                .into_iter()
                .map(|t| TagView { uid: t.uid, counter: t.counter, revoked: t.revoked_at.is_some() })
                .collect(),
        )
    } else {
        None
    };
    Ok(PieceView {
        url: identity_url(s, &p),
        page: format!("/p/{}", p.serial),
        base: p.base_id.clone(),
        design: p.design_hash.clone(),
        catalog_version: p.catalog_version.clone(),
        made_at: rfc3339(p.made_at),
        record: p.record.clone(),
        certificate: p.certificate.clone(),
        revoked: p.revoked_at.is_some(),
        history,
        sharing: (access == Access::Owner).then(|| SharingView { tap_access: p.tap_access, pin: p.pin_hash.is_some() }),
        tags,
        order: private.then(|| p.order_id.clone()),
        vault,
        access,
        pin_required,
        serial: p.serial,
    })
}

/// What the workshop writes to a tag: its keys and the NDEF file with the SUN mirror offsets.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TagKeys {
    pub uid: String,
    /// SDMMetaReadKey (the brand's; it encrypts the UID and counter).
    pub meta_read_key: String,
    /// SDMFileReadKey (this tag's own, diversified from the master key).
    pub file_read_key: String,
    /// The URL the tag mirrors into, with zeros where the tag writes its PICC data and CMAC.
    pub url: String,
    /// The NDEF file (NLEN ‖ message), hex, to write to the tag's file 2.
    pub ndef_file: String,
    /// Offsets in that file: SDMENCOffset/PICCDataOffset, SDMMACInputOffset, SDMMACOffset.
    pub picc_data_offset: usize,
    pub mac_input_offset: usize,
    pub mac_offset: usize,
}

/// The keys and NDEF file of tag `uid` (14 hex digits, checked by the caller).
pub fn tag_keys(s: &AppState, uid: &str) -> Result<TagKeys> {
    let keys = |why: String| PieceError::Keys(why);
    let uid_bytes: [u8; 7] = hex::decode(uid)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| keys(format!("a tag UID is 7 bytes: {uid}")))?;
    let url = format!("{}/t?picc_data={}&cmac={}", s.public_url, "0".repeat(32), "0".repeat(16));
    let msg = orfevre_twin::ndef::uri_message(&url).map_err(|e| keys(e.to_string()))?;
    let file = orfevre_twin::ndef::type4_file(&msg);
    let find = |needle: &[u8]| file.windows(needle.len()).position(|w| w == needle).map(|i| i + needle.len());
    let picc = find(b"picc_data=").ok_or_else(|| keys("no PICC placeholder".into()))?;
    let mac = find(b"cmac=").ok_or_else(|| keys("no CMAC placeholder".into()))?;
    Ok(TagKeys {
        uid: uid.to_string(),
        meta_read_key: hex::encode_upper(s.twin.meta_key),
        file_read_key: hex::encode_upper(s.twin.file_key(&uid_bytes)),
        url,
        ndef_file: hex::encode_upper(&file),
        picc_data_offset: picc,
        // Without mirrored file data the MAC covers nothing before it: input offset = MAC offset.
        mac_input_offset: mac,
        mac_offset: mac,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_what_sits_between_the_scheme_and_the_path() {
        assert_eq!(host_of("https://shop.example:8443/x/y"), "shop.example:8443");
        assert_eq!(host_of("shop.example"), "shop.example");
    }

    #[test]
    fn staff_see_records_and_owners_their_own_pieces_only() {
        let p = Piece {
            serial: "S".into(),
            order_id: "o".into(),
            design_hash: "d".into(),
            catalog_version: "v".into(),
            base_id: "b".into(),
            gtin: None,
            record: Value::Null,
            certificate: Value::Null,
            status_list: 0,
            status_index: 0,
            owner_id: Some("usr_a".into()),
            tap_access: false,
            pin_hash: None,
            revoked_at: None,
            made_at: 0,
        };
        let workshop = Caller { role: Some(Role::Workshop), ..Caller::default() };
        assert!(workshop.is_staff() && !workshop.owns(&p));
        let owner = Caller { role: Some(Role::Shopper), user: Some("usr_a"), viewer: None };
        assert!(owner.owns(&p) && !owner.is_staff());
        let designer = Caller { role: Some(Role::Designer), user: Some("usr_b"), viewer: None };
        assert!(!designer.is_staff() && !designer.owns(&p));
    }
}
