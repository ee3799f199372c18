//! Pieces and their digital twins over HTTP: the workshop records a made piece (serial,
//! certificate, NFC tag), anyone reads its public page, a genuine tap opens the memory vault for a
//! while if the owner allows it, the owner fills the vault, shares it, exports it, and gives the
//! piece away with a one-time code.
//!
//! Who sees what (the access matrix the tests walk):
//! - anyone: the public part — certificate, materials, the story of the making;
//! - a viewer, by a genuine tap within [`VIEWER_TTL`] (and the PIN, if the owner set one), when
//!   the owner allows taps: the vault, read-only;
//! - the owner: the vault, sharing settings, tags, gifting, export;
//! - a former owner: the public part only;
//! - staff (admin, workshop): the record, tags and history, never the vault's content.

use crate::api::rfc3339;
use crate::auth::{self, cookie, Principal, Role};
use crate::media::{self, Kind};
use crate::problem::{ApiResult, Json, Problem};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::BytesMut;
use futures_util::StreamExt;
use orfevre_store::{now_ms, NewPiece, Piece, Redeemed, TapOutcome, VaultItem};
use orfevre_twin::{credential, identity, status, sun};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

type S = State<Arc<AppState>>;

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
pub const VIEWER_COOKIE: &str = "orfevre_viewer";
pub const MAX_NOTE: usize = 500;
pub const MAX_NAME: usize = 120;

/// The key slots a brand's tags are keyed from (NXP AN10922 diversification inputs).
const META_SYSTEM: &[u8] = b"orfevre:sdm-meta";
const FILE_SYSTEM: &[u8] = b"orfevre:sdm-file";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/orders/{id}/pieces", post(make_piece).get(order_pieces))
        .route("/api/v1/pieces/{serial}", get(get_piece))
        .route("/api/v1/pieces/{serial}/certificate.json", get(certificate))
        .route("/api/v1/pieces/{serial}/qr.svg", get(qr_svg))
        .route("/api/v1/pieces/{serial}/qr.png", get(qr_png))
        .route("/api/v1/pieces/{serial}/events", post(add_event))
        .route("/api/v1/pieces/{serial}/alterations", post(alter_piece))
        .route("/api/v1/pieces/{serial}/revoke", post(revoke_piece))
        .route("/api/v1/pieces/{serial}/tags", post(add_tag))
        .route("/api/v1/pieces/{serial}/tags/{uid}/revoke", post(revoke_tag))
        .route("/api/v1/pieces/{serial}/sharing", axum::routing::put(set_sharing))
        .route("/api/v1/pieces/{serial}/unlock", post(unlock))
        .route("/api/v1/pieces/{serial}/vault", post(upload))
        .route("/api/v1/pieces/{serial}/vault.zip", get(export))
        .route("/api/v1/pieces/{serial}/vault/{id}", get(vault_media).delete(delete_item))
        .route("/api/v1/pieces/{serial}/vault/{id}/thumb", get(vault_thumb))
        .route("/api/v1/pieces/{serial}/gift", post(gift))
        .route("/api/v1/claims", post(claim))
        .route("/api/v1/me/pieces", get(my_pieces))
        .route("/api/v1/status/{list}", get(status_list))
        .route("/.well-known/did.json", get(did_document))
        .route("/t", get(tap))
        .route("/01/{gtin}/21/{serial}", get(digital_link))
}

// ----- keys ------------------------------------------------------------------------------------

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

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

/// The issuer DID and the verification method certificates are signed with.
fn issuer(s: &AppState) -> (String, String) {
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
fn identity_url(s: &AppState, p: &Piece) -> String {
    let path = identity::path(p.gtin.as_deref(), &p.serial).unwrap_or_else(|_| format!("/p/{}", p.serial));
    format!("{}{path}", s.public_url)
}

fn status_url(s: &AppState, list: i64) -> String {
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

const PIECE_STAFF: &[Role] = &[Role::Admin, Role::Workshop];

fn is_staff(who: &Principal) -> bool {
    who.role().is_some_and(|r| PIECE_STAFF.contains(&r))
}

fn is_owner(who: &Principal, p: &Piece) -> bool {
    who.user_id().is_some_and(|u| p.owner_id.as_deref() == Some(u))
}

/// A viewer capability in the request's cookie that opens this piece's vault now.
async fn viewer(s: &AppState, headers: &HeaderMap, p: &Piece) -> ApiResult<Option<(String, bool)>> {
    let Some(secret) = cookie(headers, VIEWER_COOKIE) else { return Ok(None) };
    let Some(v) = s.store.viewer(&secret).await? else { return Ok(None) };
    if v.serial != p.serial || !p.tap_access || v.attempts >= MAX_PIN_ATTEMPTS {
        return Ok(None);
    }
    Ok(Some((secret, v.needs_pin)))
}

async fn access(s: &AppState, who: &Principal, headers: &HeaderMap, p: &Piece) -> ApiResult<(Access, bool)> {
    if is_owner(who, p) {
        return Ok((Access::Owner, false));
    }
    if let Some((_, needs_pin)) = viewer(s, headers, p).await? {
        return Ok(if needs_pin { (Access::Public, true) } else { (Access::Viewer, false) });
    }
    Ok((if is_staff(who) { Access::Staff } else { Access::Public }, false))
}

async fn piece_or_404(s: &AppState, serial: &str) -> ApiResult<Piece> {
    s.store.piece(serial).await?.ok_or_else(|| Problem::not_found(format!("no piece with serial {serial}")))
}

/// The owner, or 401/403/404: a piece's private side is not even acknowledged to others.
fn require_owner(who: &Principal, p: &Piece) -> ApiResult<()> {
    if who.role().is_none() {
        return Err(Problem::unauthorized());
    }
    if !is_owner(who, p) {
        return Err(Problem::forbidden("only the piece's owner can do this"));
    }
    Ok(())
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

fn item_view(serial: &str, i: &VaultItem) -> ItemView {
    let url = format!("/api/v1/pieces/{serial}/vault/{}", i.id);
    ItemView {
        id: i.id.clone(),
        kind: i.kind.clone(),
        mime: i.mime.clone(),
        name: i.name.clone(),
        bytes: i.bytes,
        created_at: rfc3339(i.created_at),
        thumb: i.thumb.as_ref().map(|_| format!("{url}/thumb")),
        url,
    }
}

/// Events everyone may read; tag events and actors stay with the owner and staff.
const PUBLIC_EVENTS: &[&str] = &[
    "made",
    "engraved",
    "module_added",
    "module_swapped",
    "module_removed",
    "repaired",
    "resized",
    "transferred",
    "certificate_revoked",
];

async fn piece_view(s: &AppState, p: Piece, access: Access, pin_required: bool) -> ApiResult<PieceView> {
    let private = matches!(access, Access::Owner | Access::Staff);
    let history = s
        .store
        .piece_events(&p.serial)
        .await?
        .into_iter()
        .filter(|e| private || PUBLIC_EVENTS.contains(&e.kind.as_str()))
        .map(|e| HistoryView {
            note: e.detail.get("note").and_then(Value::as_str).map(str::to_string),
            module: e.detail.get("name").and_then(Value::as_str).map(str::to_string),
            kind: e.kind,
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

// ----- making ----------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MakePiece {
    /// The NFC tag fitted to the piece (7-byte UID, hex), if any.
    pub tag_uid: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PieceMade {
    #[serde(flatten)]
    pub piece: PieceView,
    /// For an order made without an account (by a shop integration): the code the buyer types to
    /// own the piece, to print in the box. Shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagKeys>,
}

/// Record a made piece of an order (workshop, admin): a serial, the signed certificate, the
/// owner (the order's account), and the NFC tag if one is fitted.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pieces", tag = "pieces", request_body = MakePiece,
    responses((status = 201, body = PieceMade), (status = 409, body = Problem)))]
pub async fn make_piece(State(s): S, who: Principal, Path(id): Path<String>, req: Request) -> ApiResult<Response> {
    who.require(PIECE_STAFF)?;
    let body = crate::problem::body_bytes(req, crate::problem::JSON_LIMIT, &["application/json"]).await?;
    let m: MakePiece = if body.is_empty() { MakePiece::default() } else { crate::problem::parse_json(&body)? };
    let tag_uid = m.tag_uid.as_deref().map(|u| parse_uid(u, "/tag_uid")).transpose()?;
    if let Some(uid) = &tag_uid {
        if s.store.tag(uid).await?.is_some() {
            return Err(Problem::conflict(format!("tag {uid} is already fitted to a piece")).at("/tag_uid", "in use"));
        }
    }
    let o = s.store.order(&id).await?.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    if !["in_production", "shipped", "delivered"].contains(&o.status.as_str()) {
        return Err(Problem::conflict(format!("order {id} is {}; pieces are made once production starts", o.status)));
    }
    let e = s
        .catalogs
        .get(&o.catalog_version)
        .await?
        .ok_or_else(|| Problem::internal(format!("catalog {} is missing", o.catalog_version)))?;
    let row =
        s.store.design(&o.design_hash).await?.ok_or_else(|| Problem::internal("the order's design is missing"))?;
    let d = orfevre_engine::Design::from_json(row.body.as_bytes()).map_err(Problem::internal)?;
    let record = record_of(&e, &d);
    let gtin = e.catalog.base(&d.base).and_then(|b| e.catalog.bases[b as usize].gtin.clone());
    let (did, method) = issuer(&s);
    let list = s.store.piece_count().await? / (STATUS_BITS as i64 / 2);
    let now = now_ms();
    let mut made = None;
    for _ in 0..8 {
        let serial = new_serial();
        let index = rand::random::<u64>() % STATUS_BITS;
        let mut piece = Piece {
            serial: serial.clone(),
            order_id: o.id.clone(),
            design_hash: o.design_hash.clone(),
            catalog_version: o.catalog_version.clone(),
            base_id: d.base.clone(),
            gtin: gtin.clone(),
            record: record.clone(),
            certificate: Value::Null,
            status_list: list,
            status_index: index as i64,
            owner_id: o.user_id.clone(),
            tap_access: false,
            pin_hash: None,
            revoked_at: None,
            made_at: now,
        };
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "CertificateOfAuthenticity"],
            "issuer": {"id": did, "name": e.catalog.brand.name},
            "validFrom": rfc3339(now),
            "credentialSubject": {
                "id": identity_url(&s, &piece),
                "serialNumber": serial,
                "gtin": gtin,
                "product": record["name"],
                "design": o.design_hash,
                "catalogVersion": o.catalog_version,
                "materials": record["materials"],
                "weightGrams": record["weight_g"],
                "madeAt": rfc3339(now),
            },
            "credentialStatus": status::entry(&status_url(&s, list), index),
        });
        piece.certificate =
            credential::issue_as(&doc, &s.twin.passport, &rfc3339(now), &method).map_err(Problem::internal)?;
        let url = identity_url(&s, &piece);
        let new = NewPiece {
            serial,
            order_id: piece.order_id,
            design_hash: piece.design_hash,
            catalog_version: piece.catalog_version,
            base_id: piece.base_id,
            gtin: piece.gtin,
            record: piece.record,
            certificate: piece.certificate,
            status_list: list,
            status_index: index as i64,
            owner_id: piece.owner_id,
        };
        let payload = json!({
            "type": "piece.made",
            "timestamp": rfc3339(now),
            "data": {"serial": new.serial, "order_id": new.order_id, "design": new.design_hash,
                "url": url, "owner_account": new.owner_id.is_some()},
        })
        .to_string();
        if let Some(p) = s.store.create_piece(&new, &who.actor(), &payload).await? {
            made = Some(p);
            break;
        }
    }
    let p = made.ok_or_else(|| Problem::internal("no free serial after 8 draws"))?;
    let claim_code = match &p.owner_id {
        None => Some(s.store.create_claim(&p.serial, None, "hand_over", BOX_CLAIM_TTL).await?),
        Some(_) => None,
    };
    let tag = match tag_uid {
        Some(uid) => {
            if !s.store.add_tag(&uid, &p.serial, &who.actor()).await? {
                return Err(Problem::conflict(format!("tag {uid} is already fitted to a piece")));
            }
            Some(tag_keys(&s, &p, &uid)?)
        }
        None => None,
    };
    let location = format!("/api/v1/pieces/{}", p.serial);
    let view = piece_view(&s, p, Access::Staff, false).await?;
    let mut r = (StatusCode::CREATED, axum::Json(PieceMade { piece: view, claim_code, tag })).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// What a piece is, from its design: name, size, materials, weight, brand.
fn record_of(e: &orfevre_engine::Engine, d: &orfevre_engine::Design) -> Value {
    let ev = e.evaluate(d);
    let base = e.catalog.base(&d.base).map(|b| &e.catalog.bases[b as usize]);
    json!({
        "name": base.map(|b| b.name.clone()).unwrap_or_else(|| d.base.clone()),
        "size": d.size,
        "materials": ev.bom.iter().map(|l| json!({"sku": l.sku, "name": l.name, "qty": l.qty})).collect::<Vec<_>>(),
        "weight_g": ev.weight.as_decimal().to_string(),
        "brand": e.catalog.brand.name,
    })
}

/// 12 characters of Crockford base 32 (60 random bits): short enough to engrave, too many to guess.
fn new_serial() -> String {
    orfevre_store::new_id("")[..12].to_uppercase()
}

fn parse_uid(u: &str, pointer: &str) -> ApiResult<String> {
    let u = u.trim().to_ascii_uppercase();
    if u.len() == 14 && u.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(u)
    } else {
        Err(Problem::invalid("validation", format!("{pointer}: a tag UID is 7 bytes in hexadecimal (14 digits)"))
            .at(pointer, "14 hexadecimal digits"))
    }
}

/// The pieces of an order (its maker, admin, workshop).
#[utoipa::path(get, path = "/api/v1/orders/{id}/pieces", tag = "pieces",
    responses((status = 200, body = [PieceView]), (status = 404, body = Problem)))]
pub async fn order_pieces(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let role = who.require(&[Role::Shopper, Role::Integration, Role::Admin, Role::Workshop])?;
    let o =
        s.store.order(&id).await?.filter(|o| PIECE_STAFF.contains(&role) || who.key().as_deref() == Some(&o.principal));
    let o = o.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    let mut out = Vec::new();
    for p in s.store.pieces_of_order(&o.id).await? {
        let (a, pin) = access(&s, &who, &headers, &p).await?;
        out.push(piece_view(&s, p, a, pin).await?);
    }
    Ok(axum::Json(out).into_response())
}

// ----- tags ------------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// The tag's 7-byte UID, hex.
    pub uid: String,
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

fn tag_keys(s: &AppState, _p: &Piece, uid: &str) -> ApiResult<TagKeys> {
    let uid_bytes: [u8; 7] =
        hex::decode(uid).map_err(Problem::internal)?.try_into().map_err(|_| Problem::internal("uid"))?;
    let url = format!("{}/t?picc_data={}&cmac={}", s.public_url, "0".repeat(32), "0".repeat(16));
    let msg = orfevre_twin::ndef::uri_message(&url).map_err(Problem::internal)?;
    let file = orfevre_twin::ndef::type4_file(&msg);
    let find = |needle: &[u8]| file.windows(needle.len()).position(|w| w == needle).map(|i| i + needle.len());
    let picc = find(b"picc_data=").ok_or_else(|| Problem::internal("no PICC placeholder"))?;
    let mac = find(b"cmac=").ok_or_else(|| Problem::internal("no CMAC placeholder"))?;
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

/// Fit an NFC tag to a piece (workshop, admin); answers the keys to write to it.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/tags", tag = "pieces", request_body = NewTag,
    responses((status = 201, body = TagKeys), (status = 409, body = Problem)))]
pub async fn add_tag(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(t): Json<NewTag>,
) -> ApiResult<Response> {
    who.require(PIECE_STAFF)?;
    let uid = parse_uid(&t.uid, "/uid")?;
    let p = piece_or_404(&s, &serial).await?;
    if !s.store.add_tag(&uid, &p.serial, &who.actor()).await? {
        return Err(Problem::conflict(format!("tag {uid} is already fitted to a piece")).at("/uid", "in use"));
    }
    Ok((StatusCode::CREATED, axum::Json(tag_keys(&s, &p, &uid)?)).into_response())
}

/// Declare a tag lost (owner, admin, workshop): its taps open nothing any more.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/tags/{uid}/revoke", tag = "pieces",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_tag(
    State(s): S,
    who: Principal,
    Path((serial, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    if !is_staff(&who) {
        require_owner(&who, &p)?;
    }
    let uid = parse_uid(&uid, "path:uid")?;
    if !s.store.revoke_tag(&p.serial, &uid, &who.actor()).await? {
        return Err(Problem::not_found(format!("piece {serial} has no live tag {uid}")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ----- the tap ---------------------------------------------------------------------------------

/// A tap on a piece's NFC tag. A genuine tap with a fresh counter opens the vault for
/// [`VIEWER_TTL`] (if the owner allows it) and redirects to the clean page URL, so the one-time
/// parameters are neither bookmarked nor shared; a replayed URL or a lost tag leads to the public
/// page only.
/// A phone's browser that asks for HTML gets a refused tap as a page in the brand's words, with
/// the same status; API clients get the problem document.
#[utoipa::path(get, path = "/t", tag = "pieces",
    responses((status = 303, description = "to the piece's page"), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tap(State(s): S, headers: HeaderMap, uri: Uri) -> Response {
    match check_tap(&s, &uri).await {
        Ok(r) => r,
        Err(p) if p.status < 500 && wants_html(&headers) => refused_tap_page(&s, &headers, &p),
        Err(p) => p.into_response(),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// The page a refused tap shows: what happened, in English or French as the phone prefers.
fn refused_tap_page(s: &AppState, headers: &HeaderMap, p: &Problem) -> Response {
    let fr = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l.trim_start().to_ascii_lowercase().starts_with("fr"));
    let brand = s.catalogs.active().catalog.brand.name.clone();
    let brand = brand.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (title, text) = match (p.status, fr) {
        (403, false) => (
            "This tag could not be verified",
            format!("It may not be a genuine {brand} tag. Tap the piece again; if this page comes back, contact {brand}."),
        ),
        (403, true) => (
            "Cette puce n’a pas pu être vérifiée",
            format!("Ce n’est peut-être pas une puce {brand} authentique. Touchez de nouveau le bijou ; si cette page revient, contactez {brand}."),
        ),
        (404, false) => ("This tag is not fitted to a piece yet", format!("It is a genuine {brand} tag, but no piece has it.")),
        (404, true) => ("Cette puce n’est encore posée sur aucun bijou", format!("C’est une puce {brand} authentique, mais aucun bijou ne la porte.")),
        (_, false) => ("This link is not a tag reading", "Tap the piece's tag with your phone to open its page.".to_string()),
        (_, true) => ("Ce lien n’est pas une lecture de puce", "Touchez la puce du bijou avec votre téléphone pour ouvrir sa page.".to_string()),
    };
    let lang = if fr { "fr" } else { "en" };
    let body = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} — {brand}</title><style>body{{font:1.05rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1.2rem;color:#222}}h1{{font-size:1.4rem}}</style></head><body><main><h1>{title}</h1><p>{text}</p><p><a href="/">{brand}</a></p></main></body></html>"#
    );
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

async fn check_tap(s: &AppState, uri: &Uri) -> ApiResult<Response> {
    let url = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/t");
    let params =
        sun::parse_url(url).map_err(|e| Problem::bad_request("tap", e.to_string()).at("query:", e.to_string()))?;
    let twin = &s.twin;
    let t = sun::verify_keyed(&params, &twin.meta_key, |uid| Ok(twin.file_key(uid))).map_err(|e| {
        metrics::counter!("nfc_taps_total", "outcome" => "forged").increment(1);
        tracing::warn!(url, "forged NFC tap");
        Problem::forbidden(e.to_string()).at("query:", "not a genuine tap")
    })?;
    let outcome = s.store.advance_tag(&t.uid, i64::from(t.counter)).await?;
    let (serial, fragment, label) = match outcome {
        TapOutcome::Accepted { serial } => (serial, "", "accepted"),
        TapOutcome::Replayed { serial, .. } => (serial, "#tap-replayed", "replayed"),
        TapOutcome::Revoked { serial } => (serial, "#tap-revoked", "revoked"),
        TapOutcome::Unknown => {
            return Err(Problem::not_found(format!("tag {} is genuine but fitted to no piece", t.uid)));
        }
    };
    metrics::counter!("nfc_taps_total", "outcome" => label).increment(1);
    let mut r = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, format!("/p/{serial}{fragment}"))
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-orfevre-tap", label)
        .body(Body::empty())
        .map_err(Problem::internal)?;
    if label == "accepted" {
        let p = piece_or_404(s, &serial).await?;
        if p.tap_access && p.revoked_at.is_none() {
            let secret = s.store.create_viewer(&serial, p.pin_hash.is_some(), VIEWER_TTL).await?;
            let secure = if s.config.cookie_secure { "; Secure" } else { "" };
            let c = format!(
                "{VIEWER_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                VIEWER_TTL.as_secs()
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
        }
    }
    Ok(r)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unlock {
    pub pin: String,
}

/// Give the owner's PIN after a tap (the tap's cookie is needed).
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/unlock", tag = "pieces", request_body = Unlock,
    responses((status = 200, body = PieceView), (status = 403, body = Problem)))]
pub async fn unlock(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path(serial): Path<String>,
    Json(u): Json<Unlock>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    let Some((secret, needs_pin)) = viewer(&s, &headers, &p).await? else {
        return Err(Problem::forbidden("tap the piece's tag first: the PIN unlocks a tap, not a link"));
    };
    if needs_pin {
        let right = p.pin_hash.as_deref().is_some_and(|h| auth::verify_password(&u.pin, h));
        s.store.viewer_pin(&secret, right).await?;
        if !right {
            let left = s.store.viewer(&secret).await?.map(|v| MAX_PIN_ATTEMPTS - v.attempts).unwrap_or(0);
            if left <= 0 {
                s.store.drop_viewer(&secret).await?;
            }
            return Err(Problem::forbidden(if left > 0 {
                format!("wrong PIN; {left} attempt(s) left")
            } else {
                "wrong PIN; tap the tag again to retry".to_string()
            })
            .at("/pin", "wrong PIN"));
        }
    }
    let (a, pin) = access(&s, &who, &headers, &p).await?;
    Ok(axum::Json(piece_view(&s, p, a, pin).await?).into_response())
}

// ----- reading ---------------------------------------------------------------------------------

/// A piece's page: its public part for anyone, more for its owner, a tap viewer or staff.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}", tag = "pieces",
    responses((status = 200, body = PieceView), (status = 404, body = Problem)))]
pub async fn get_piece(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    let (a, pin) = access(&s, &who, &headers, &p).await?;
    let mut r = axum::Json(piece_view(&s, p, a, pin).await?).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(r)
}

/// The signed certificate of authenticity (a W3C Verifiable Credential, eddsa-jcs-2022).
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/certificate.json", tag = "pieces",
    responses((status = 200, description = "the credential"), (status = 404, body = Problem)))]
pub async fn certificate(State(s): S, Path(serial): Path<String>) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    let body = serde_json::to_vec_pretty(&p.certificate).map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/vc+json"), (header::CACHE_CONTROL, "public, max-age=300")], body)
        .into_response())
}

/// What a piece's QR code says: its identity URL, scheme and host in capitals where that makes a
/// smaller code.
fn qr_text(s: &AppState, p: &Piece) -> ApiResult<String> {
    orfevre_twin::qr::text_for_url(&identity_url(s, p)).map_err(Problem::internal)
}

/// The QR code of the piece's identity URL (SVG, 30 mm, error correction Q), for packaging and
/// the printed certificate.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/qr.svg", tag = "pieces",
    responses((status = 200, description = "SVG"), (status = 404, body = Problem)))]
pub async fn qr_svg(State(s): S, Path(serial): Path<String>) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    let svg = orfevre_twin::qr::svg(&qr_text(&s, &p)?, 30.0).map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], svg)
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QrQuery {
    /// Pixels a module, 1–64 (default 8): 8 gives about 300 dpi for a 30 mm code of a short URL.
    pub module: Option<u32>,
}

/// The QR code of the piece's identity URL as a PNG (error correction Q, 4-module quiet zone),
/// for packaging printers and engraving software that take raster images.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/qr.png", tag = "pieces", params(QrQuery),
    responses((status = 200, description = "PNG"), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn qr_png(
    State(s): S,
    Path(serial): Path<String>,
    q: Result<Query<QrQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(crate::api::query_problem)?;
    let module = q.module.unwrap_or(8);
    if !(1..=64).contains(&module) {
        return Err(Problem::bad_request("query", "module is 1–64 pixels").at("query:module", "1–64 pixels"));
    }
    let p = piece_or_404(&s, &serial).await?;
    let png = orfevre_twin::qr::png(&qr_text(&s, &p)?, module).map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], png).into_response())
}

/// The caller's pieces.
#[utoipa::path(get, path = "/api/v1/me/pieces", tag = "pieces", responses((status = 200, body = [PieceView])))]
pub async fn my_pieces(State(s): S, who: Principal) -> ApiResult<Response> {
    let user = who.user_id().ok_or_else(Problem::unauthorized)?;
    let mut out = Vec::new();
    for p in s.store.pieces_of_owner(user).await? {
        out.push(piece_view(&s, p, Access::Owner, false).await?);
    }
    Ok(axum::Json(out).into_response())
}

/// The Bitstring Status List credential (revocation) for certificates of list `list`.
#[utoipa::path(get, path = "/api/v1/status/{list}", tag = "pieces",
    responses((status = 200, description = "a BitstringStatusListCredential"), (status = 404, body = Problem)))]
pub async fn status_list(State(s): S, Path(list): Path<String>) -> ApiResult<Response> {
    let n: i64 =
        list.parse().ok().filter(|n| *n >= 0).ok_or_else(|| Problem::not_found(format!("no status list {list}")))?;
    if n > s.store.piece_count().await? / (STATUS_BITS as i64 / 2) {
        return Err(Problem::not_found(format!("no status list {list}")));
    }
    let set: Vec<u64> = s.store.revoked_indices(n).await?.into_iter().map(|i| i as u64).collect();
    let encoded = status::encode(STATUS_BITS as usize, &set).map_err(Problem::internal)?;
    let (did, method) = issuer(&s);
    let now = rfc3339(now_ms());
    let doc = status::list_credential(&status_url(&s, n), &did, &now, &encoded);
    let signed = credential::issue_as(&doc, &s.twin.passport, &now, &method).map_err(Problem::internal)?;
    Ok((
        [(header::CONTENT_TYPE, "application/vc+json"), (header::CACHE_CONTROL, "public, max-age=60")],
        axum::Json(signed),
    )
        .into_response())
}

/// The brand's did:web DID document (its certificate key).
#[utoipa::path(get, path = "/.well-known/did.json", tag = "pieces", responses((status = 200, description = "DID document")))]
pub async fn did_document(State(s): S) -> Response {
    let did = credential::did_web(host_of(&s.public_url));
    axum::Json(credential::did_web_document(&did, &s.twin.passport)).into_response()
}

/// A GS1 Digital Link to a piece: checked against the piece's GTIN, then to its page.
pub async fn digital_link(State(s): S, Path((gtin, serial)): Path<(String, String)>) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    let want = identity::path(Some(&gtin), &serial).map_err(|e| Problem::not_found(e.to_string()))?;
    if p.gtin.is_none() || identity_url(&s, &p) != format!("{}{want}", s.public_url) {
        return Err(Problem::not_found(format!("piece {serial} is not of GTIN {gtin}")));
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/p/{serial}"))]).into_response())
}

// ----- history and revocation ------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// engraved, repaired, resized (modules go through `POST …/alterations`, which checks them).
    pub kind: String,
    pub note: Option<String>,
}

const EVENT_KINDS: &[&str] = &["engraved", "repaired", "resized"];

/// A history note: trimmed, at most [`MAX_NOTE`] characters, no control characters.
fn note_of(note: Option<String>, pointer: &str) -> ApiResult<Option<String>> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        if n.chars().count() > MAX_NOTE || n.chars().any(char::is_control) {
            let why = format!("at most {MAX_NOTE} characters, no control characters");
            return Err(Problem::invalid("validation", format!("{pointer}: {why}")).at(pointer, why));
        }
    }
    Ok(note)
}

/// Add to a piece's history (workshop, admin).
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/events", tag = "pieces", request_body = NewEvent,
    responses((status = 201, body = PieceView), (status = 422, body = Problem)))]
pub async fn add_event(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(e): Json<NewEvent>,
) -> ApiResult<Response> {
    who.require(PIECE_STAFF)?;
    if !EVENT_KINDS.contains(&e.kind.as_str()) {
        let why = format!("one of {}", EVENT_KINDS.join(", "));
        return Err(Problem::invalid("validation", format!("/kind: {why}")).at("/kind", why));
    }
    let note = note_of(e.note, "/note")?;
    let p = piece_or_404(&s, &serial).await?;
    s.store.add_piece_event(&p.serial, &e.kind, &json!({"note": note}), &who.actor()).await?;
    Ok((StatusCode::CREATED, axum::Json(piece_view(&s, p, Access::Staff, false).await?)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlterPiece {
    /// `{"op": "add", "choice": {"kind": "insert", "mount": "strand", "section": 0}, "sku": "…"}`
    /// (kinds insert, station, slot, socket; a taken station, slot or socket is a swap) or
    /// `{"op": "remove", "mount": "strand", "section": 0, "index": 2}`.
    #[schema(value_type = Object)]
    pub alteration: orfevre_engine::Alteration,
    pub note: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PieceAltered {
    #[serde(flatten)]
    pub piece: PieceView,
    /// What changed: kind (module_added, module_swapped, module_removed), sku, replaced.
    #[schema(value_type = Object)]
    pub alteration: orfevre_engine::Altered,
}

/// How often an alteration is checked: again each time another one changed the piece meanwhile.
/// Each loss is another alteration's success, so this many attempts always get through when at
/// most this many alterations of one piece race (a workshop has one or two benches on a piece).
const ALTER_ATTEMPTS: usize = 8;

/// Alter a made piece (workshop, admin): a charm, bead, link, clip or insert added, swapped in or
/// taken off. Checked against the piece's current state under the catalog on sale now (a module
/// bought later comes from it): refused with the rules it would break (422 `cannot-alter`, and a
/// verified repair where one exists), else the piece's design, materials and weight follow, and
/// its story tells it.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/alterations", tag = "pieces", request_body = AlterPiece,
    responses((status = 201, body = PieceAltered), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn alter_piece(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(body): Json<AlterPiece>,
) -> ApiResult<Response> {
    who.require(PIECE_STAFF)?;
    let note = note_of(body.note, "/note")?;
    for _ in 0..ALTER_ATTEMPTS {
        let p = piece_or_404(&s, &serial).await?;
        if p.revoked_at.is_some() {
            return Err(Problem::conflict(format!("piece {serial}'s certificate is revoked: it is not altered")));
        }
        let row =
            s.store.design(&p.design_hash).await?.ok_or_else(|| Problem::internal("a piece's design is missing"))?;
        let mut d = orfevre_engine::Design::from_json(row.body.as_bytes()).map_err(Problem::internal)?;
        let e = s.catalogs.active();
        d.catalog =
            orfevre_engine::CatalogRef { id: e.catalog.brand.id.clone(), version: e.catalog.brand.version.clone() };
        let a = body.alteration.clone();
        let (e, checked) = tokio::task::spawn_blocking(move || {
            let checked = e.alter(&d, &a).map(|done| {
                let record = record_of(&e, &done.design);
                (done, record)
            });
            (e, checked)
        })
        .await
        .map_err(Problem::internal)?;
        let (done, record) = checked.map_err(|r| {
            let mut problem =
                Problem::invalid("cannot-alter", format!("{serial} cannot take this: {}", r.reasons.join("; ")));
            for why in &r.reasons {
                problem = problem.at(format!("/alteration{}", r.pointer), why.clone());
            }
            match r.repair {
                Some(repair) => problem.with("repair", repair),
                None => problem,
            }
        })?;
        let hash = done.design.hash();
        let version = e.catalog.brand.version.clone();
        s.store.put_design(&hash, &version, &done.design.canonical_json(), None).await?;
        let name = e.catalog.component(&done.sku).map(|c| e.catalog.comp(c).name.clone());
        let kind = done.kind.as_str();
        let detail = json!({"sku": done.sku, "name": name, "replaced": done.replaced, "design": hash,
            "catalog_version": version, "note": note});
        let payload = json!({
            "type": "piece.altered",
            "timestamp": rfc3339(now_ms()),
            "data": {"serial": p.serial, "kind": kind, "sku": done.sku, "replaced": done.replaced, "design": hash},
        })
        .to_string();
        let to = orfevre_store::PieceState { design_hash: hash, catalog_version: version, record };
        if s.store.alter_piece(&p.serial, &p.design_hash, &to, kind, &detail, &who.actor(), &payload).await? {
            let p = piece_or_404(&s, &serial).await?;
            let view = piece_view(&s, p, Access::Staff, false).await?;
            return Ok(
                (StatusCode::CREATED, axum::Json(PieceAltered { piece: view, alteration: done })).into_response()
            );
        }
        // Another alteration (or a revocation) came first: check again on what the piece is now.
        tracing::debug!(serial = %serial, "alteration raced another one; checking again");
    }
    Err(Problem::conflict(format!("piece {serial} kept changing while this alteration was checked; try again")))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    pub reason: String,
}

/// Revoke a piece's certificate (admin): its bit in the status list turns on.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/revoke", tag = "pieces", request_body = Revoke,
    responses((status = 204), (status = 409, body = Problem)))]
pub async fn revoke_piece(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(r): Json<Revoke>,
) -> ApiResult<Response> {
    who.require(&[Role::Admin])?;
    let reason = r.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_NOTE {
        let why = format!("1 to {MAX_NOTE} characters");
        return Err(Problem::invalid("validation", format!("/reason: {why}")).at("/reason", why));
    }
    let p = piece_or_404(&s, &serial).await?;
    if !s.store.revoke_piece(&p.serial, reason, &who.actor()).await? {
        return Err(Problem::conflict(format!("the certificate of {serial} is revoked already")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ----- sharing ---------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// Whether a genuine tap opens the vault (read-only, for a while).
    pub tap_access: bool,
    /// A PIN the tapper must also give (4 to 8 digits), or null for none.
    pub pin: Option<String>,
}

/// The owner's sharing choices.
#[utoipa::path(put, path = "/api/v1/pieces/{serial}/sharing", tag = "pieces", request_body = Sharing,
    responses((status = 200, body = PieceView), (status = 403, body = Problem)))]
pub async fn set_sharing(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(sh): Json<Sharing>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    require_owner(&who, &p)?;
    let pin_hash = match sh.pin.as_deref() {
        None => None,
        Some(pin) if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) => {
            Some(auth::hash_password(pin).map_err(Problem::internal)?)
        }
        Some(_) => {
            return Err(Problem::invalid("validation", "/pin: 4 to 8 digits").at("/pin", "4 to 8 digits, or null"))
        }
    };
    let owner = who.user_id().unwrap_or_default();
    if !s.store.set_sharing(&p.serial, owner, sh.tap_access, pin_hash.as_deref()).await? {
        return Err(Problem::conflict("the piece changed hands meanwhile"));
    }
    let p = piece_or_404(&s, &serial).await?;
    Ok(axum::Json(piece_view(&s, p, Access::Owner, false).await?).into_response())
}

// ----- the vault -------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The item's name as shown (at most 120 characters).
    pub name: Option<String>,
}

/// Add a photo (JPEG, PNG; ≤ 20 MiB, ≤ 50 MP; GPS and other metadata removed), a video (MP4,
/// QuickTime, WebM; ≤ 200 MiB, one per vault) or a voice message (WebM, Ogg, MP4, MP3, WAV;
/// ≤ 20 MiB, 20 per vault) to the vault (owner). MP4, QuickTime and M4A files lose the place they
/// were recorded (location and XMP boxes). The body is the file; its type is the
/// Content-Type.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/vault", tag = "pieces", params(UploadQuery),
    responses((status = 201, body = ItemView), (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    q: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    require_owner(&who, &p)?;
    let Query(q) = q.map_err(crate::api::query_problem)?;
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (mime, kind) = media::kind_of(&ct).ok_or_else(|| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("a vault takes {}; got {}", media::accepted(), if ct.is_empty() { "no Content-Type" } else { &ct }),
        )
        .at("header:content-type", format!("one of {}", media::accepted()))
    })?;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > kind.max_bytes()) {
        return Err(crate::problem::too_large(kind.max_bytes() as usize)
            .at("header:content-length", format!("a {} is at most {} bytes", kind.as_str(), kind.max_bytes())));
    }
    let name = match q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) => {
            let why = format!("at most {MAX_NAME} characters, no control characters");
            return Err(Problem::invalid("validation", format!("name: {why}")).at("query:name", why));
        }
        Some(n) => n.to_string(),
        None => format!("{} {}", kind.as_str(), rfc3339(now_ms()).get(..10).unwrap_or("")),
    };
    let have = s.store.vault_items(&p.serial).await?.iter().filter(|i| i.kind == kind.as_str()).count() as i64;
    if have >= kind.max_items() {
        return Err(vault_full(kind));
    }
    // Read enough to check the file is what it says.
    let mut stream = req.into_body().into_data_stream();
    let mut head = BytesMut::new();
    while head.len() < 16 {
        match stream.next().await {
            Some(Ok(c)) => head.extend_from_slice(&c),
            Some(Err(e)) => return Err(Problem::bad_request("body", format!("the upload broke off: {e}"))),
            None => break,
        }
    }
    if !media::sniff(mime, &head) {
        return Err(Problem::invalid("media-mismatch", format!("the file is not {mime}, as its Content-Type says"))
            .at("header:content-type", "does not match the file's content"));
    }
    let id = orfevre_store::new_id("vlt_");
    let object = format!("vault/{}/{id}", p.serial);
    let (bytes, thumb) = if kind == Kind::Photo {
        let mut all = head;
        while let Some(c) = stream.next().await {
            let c = c.map_err(|e| Problem::bad_request("body", format!("the upload broke off: {e}")))?;
            all.extend_from_slice(&c);
            if all.len() as u64 > kind.max_bytes() {
                return Err(crate::problem::too_large(kind.max_bytes() as usize));
            }
        }
        let raw = all.freeze();
        let photo = tokio::task::spawn_blocking(move || media::clean_photo(mime, raw))
            .await
            .map_err(Problem::internal)?
            .map_err(|e| match e {
                media::PhotoError::TooManyPixels { .. } => {
                    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-many-pixels", "Payload too large", e.to_string())
                        .at("", e.to_string())
                }
                media::PhotoError::Unreadable(_) => {
                    Problem::invalid("unreadable-media", e.to_string()).at("", e.to_string())
                }
            })?;
        let thumb_key = format!("{object}.thumb.jpg");
        s.media.put(&object, photo.bytes.clone()).await.map_err(Problem::internal)?;
        s.media.put(&thumb_key, photo.thumb).await.map_err(Problem::internal)?;
        (photo.bytes.len() as u64, Some(thumb_key))
    } else {
        // MP4, QuickTime and M4A carry the place they were recorded in their metadata.
        let scrubber = media::is_bmff(mime).then(crate::bmff::Scrubber::new);
        (s.media.put_stream(&object, head.freeze(), stream, kind.max_bytes(), scrubber).await?, None)
    };
    let item = VaultItem {
        id,
        serial: p.serial.clone(),
        kind: kind.as_str().into(),
        mime: mime.into(),
        name,
        bytes: bytes as i64,
        object: object.clone(),
        thumb: thumb.clone(),
        created_at: now_ms(),
    };
    if !s.store.add_vault_item(&item, kind.max_items()).await? {
        s.media.delete(&object).await;
        if let Some(t) = &thumb {
            s.media.delete(t).await;
        }
        return Err(vault_full(kind));
    }
    let view = item_view(&p.serial, &item);
    let mut r = (StatusCode::CREATED, axum::Json(&view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&view.url) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

fn vault_full(kind: Kind) -> Problem {
    Problem::conflict(format!("a vault holds at most {} {} item(s); remove one first", kind.max_items(), kind.as_str()))
        .with("limit", kind.max_items())
}

/// Whether the caller may read the vault: the owner, or a tap viewer with the PIN given.
async fn may_read_vault(s: &AppState, who: &Principal, headers: &HeaderMap, p: &Piece) -> ApiResult<()> {
    match access(s, who, headers, p).await? {
        (Access::Owner | Access::Viewer, _) => Ok(()),
        (_, true) => Err(Problem::forbidden("give the owner's PIN first").at("/pin", "required")),
        _ if who.role().is_none() => Err(Problem::unauthorized()),
        _ => Err(Problem::forbidden("the vault is open to the piece's owner and, if allowed, to a genuine tap")),
    }
}

/// One item of the vault, with HTTP range requests (owner, tap viewer).
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/vault/{id}", tag = "pieces",
    responses((status = 200, description = "the file"), (status = 206, description = "a range of it"),
        (status = 403, body = Problem), (status = 416, body = Problem)))]
pub async fn vault_media(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path((serial, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    may_read_vault(&s, &who, &headers, &p).await?;
    let i = s.store.vault_item(&p.serial, &id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))?;
    Ok(s.media.serve(&i.object, &i.mime, i.bytes as u64, &headers, &format!("\"{}\"", i.id)).await)
}

/// A photo's thumbnail (JPEG, at most 480 px a side, upright).
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/vault/{id}/thumb", tag = "pieces",
    responses((status = 200, description = "JPEG"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn vault_thumb(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path((serial, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    may_read_vault(&s, &who, &headers, &p).await?;
    let i = s.store.vault_item(&p.serial, &id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))?;
    let key = i.thumb.ok_or_else(|| Problem::not_found(format!("item {id} has no thumbnail")))?;
    let b = s.media.get(&key).await.map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=3600")], b).into_response())
}

/// Remove an item from the vault (owner).
#[utoipa::path(delete, path = "/api/v1/pieces/{serial}/vault/{id}", tag = "pieces",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_item(
    State(s): S,
    who: Principal,
    Path((serial, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    require_owner(&who, &p)?;
    let i =
        s.store.delete_vault_item(&p.serial, &id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))?;
    delete_media(&s, std::slice::from_ref(&i)).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_media(s: &AppState, items: &[VaultItem]) {
    for i in items {
        s.media.delete(&i.object).await;
        if let Some(t) = &i.thumb {
            s.media.delete(t).await;
        }
    }
}

/// The whole vault as a zip (owner): every item as uploaded (photos as cleaned), the certificate
/// and a manifest.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/vault.zip", tag = "pieces",
    responses((status = 200, description = "application/zip"), (status = 403, body = Problem)))]
pub async fn export(State(s): S, who: Principal, Path(serial): Path<String>) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    require_owner(&who, &p)?;
    let items = s.store.vault_items(&p.serial).await?;
    let manifest = json!({
        "serial": p.serial,
        "exported_at": rfc3339(now_ms()),
        "items": items.iter().enumerate().map(|(n, i)| json!({
            "file": zip_name(n, i), "kind": i.kind, "mime": i.mime, "name": i.name, "bytes": i.bytes,
            "created_at": rfc3339(i.created_at),
        })).collect::<Vec<_>>(),
    });
    let file = tempfile::tempfile().map_err(Problem::internal)?;
    let (st, cert) = (s.clone(), p.certificate.clone());
    let handle = tokio::runtime::Handle::current();
    let file = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        use std::io::Write;
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
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(0))?;
        Ok(f)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let disposition = format!("attachment; filename=\"vault-{}.zip\"", p.serial);
    Ok((
        [(header::CONTENT_TYPE, "application/zip".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(stream),
    )
        .into_response())
}

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

// ----- gifts -----------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Gift {
    /// `hand_over` (the new owner gets the vault) or `wipe` (the vault is emptied at the transfer).
    pub vault: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GiftCode {
    /// The one-time code the recipient types in (shown once).
    pub code: String,
    pub expires_at: String,
    pub vault: String,
}

/// Give the piece away (owner): a one-time code that transfers it to whoever redeems it.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/gift", tag = "pieces", request_body = Gift,
    responses((status = 201, body = GiftCode), (status = 403, body = Problem)))]
pub async fn gift(State(s): S, who: Principal, Path(serial): Path<String>, Json(g): Json<Gift>) -> ApiResult<Response> {
    let p = piece_or_404(&s, &serial).await?;
    require_owner(&who, &p)?;
    if !["hand_over", "wipe"].contains(&g.vault.as_str()) {
        return Err(Problem::invalid("validation", "/vault: hand_over or wipe").at("/vault", "hand_over or wipe"));
    }
    let code = s.store.create_claim(&p.serial, who.user_id(), &g.vault, GIFT_TTL).await?;
    let expires = rfc3339(now_ms() + GIFT_TTL.as_millis() as i64);
    Ok((StatusCode::CREATED, axum::Json(GiftCode { code, expires_at: expires, vault: g.vault })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub code: String,
}

/// Redeem a gift code (signed-in): the piece becomes the caller's.
#[utoipa::path(post, path = "/api/v1/claims", tag = "pieces", request_body = Claim,
    responses((status = 200, body = PieceView), (status = 404, body = Problem), (status = 410, body = Problem)))]
pub async fn claim(State(s): S, who: Principal, Json(c): Json<Claim>) -> ApiResult<Response> {
    let user = match &who {
        Principal::User { user, .. } => user.id.clone(),
        Principal::Anonymous => return Err(Problem::unauthorized()),
        Principal::Token { .. } => return Err(Problem::forbidden("a piece belongs to a person: sign in to claim it")),
    };
    if orfevre_store::normalise_claim_code(&c.code).len() != 12 {
        return Err(Problem::invalid("validation", "/code: 12 letters and digits (XXXX-XXXX-XXXX)")
            .at("/code", "12 letters and digits"));
    }
    let payload = |serial: &str, vault: &str| {
        json!({"type": "piece.transferred", "timestamp": rfc3339(now_ms()), "data": {"serial": serial, "vault": vault}})
            .to_string()
    };
    match s.store.redeem_claim(&c.code, &user, &who.actor(), payload).await? {
        Redeemed::Done { serial, wiped } => {
            delete_media(&s, &wiped).await;
            let p = piece_or_404(&s, &serial).await?;
            Ok(axum::Json(piece_view(&s, p, Access::Owner, false).await?).into_response())
        }
        Redeemed::Unknown => Err(Problem::not_found("no such gift code").at("/code", "unknown")),
        Redeemed::Used => {
            Err(Problem::new(StatusCode::GONE, "claim-used", "Gone", "this gift code was used already")
                .at("/code", "used"))
        }
        Redeemed::Expired => Err(Problem::new(StatusCode::GONE, "claim-expired", "Gone", "this gift code has expired")
            .at("/code", "expired")),
        Redeemed::OwnPiece => Err(Problem::conflict("the piece is yours already").at("/code", "your own piece")),
    }
}
