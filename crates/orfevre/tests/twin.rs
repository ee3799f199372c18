//! The digital twin end to end, on the real server (SQLite and PostgreSQL): a made piece with its
//! certificate (checked by an independent verifier) and revocation list, NFC taps (tampered,
//! replayed, lost tags; concurrent taps on two servers), the memory vault (GPS stripped as
//! exiftool sees it, ranges, limits), the access matrix of the vault, gifts and the export.

mod common;
#[path = "common/tag.rs"]
mod tag;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

use orfevre_testkit::skip;

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("twin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A tap URL for the hex keys and UID the server gave when the tag was fitted.
fn tap_url(base: &str, meta: &str, file: &str, uid: &str, counter: u32) -> String {
    let key = |h: &str| -> [u8; 16] { hex::decode(h).unwrap().try_into().unwrap() };
    tag::tap_url(base, &key(meta), &key(file), &hex::decode(uid).unwrap(), counter)
}

fn no_redirects() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap()
}

struct Tap {
    status: u16,
    location: String,
    label: String,
    cookie: bool,
}

fn tap(c: &reqwest::blocking::Client, url: &str) -> Tap {
    let r = c.get(url).send().unwrap();
    let h = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    Tap {
        status: r.status().as_u16(),
        location: h("location"),
        label: h("x-orfevre-tap"),
        cookie: r.headers().contains_key("set-cookie"),
    }
}

/// A JPEG with a GPS position and orientation 6 written by exiftool (an independent writer).
fn photo_with_gps(dir: &Path) -> Option<Vec<u8>> {
    if Command::new("exiftool").arg("-ver").output().is_err() {
        skip("exiftool is missing (Debian libimage-exiftool-perl)");
        return None;
    }
    let img = image::RgbImage::from_fn(120, 80, |x, y| image::Rgb([(x * 2) as u8, (y * 3) as u8, 90]));
    let f = dir.join("gps.jpg");
    img.save(&f).unwrap();
    let out = Command::new("exiftool")
        .args(["-q", "-overwrite_original", "-GPSLatitude=48.8566", "-GPSLatitudeRef=N", "-GPSLongitude=2.3522"])
        .args(["-GPSLongitudeRef=E", "-Orientation#=6", "-Make=Phone", "-XMP-dc:Description=Our balcony"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(std::fs::read(&f).unwrap())
}

fn exif_tags(file: &Path) -> Value {
    let out = Command::new("exiftool").args(["-json", "-a", "-G1", "-n"]).arg(file).output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice::<Value>(&out.stdout).unwrap()[0].clone()
}

fn upload(who: &Session, s: &Server, serial: &str, mime: &str, name: &str, body: Vec<u8>) -> (u16, Value) {
    json(
        who.client
            .post(format!("{}/api/v1/pieces/{serial}/vault?name={name}", s.url))
            .header("x-csrf-token", &who.csrf)
            .header("content-type", mime)
            .body(body)
            .send()
            .unwrap(),
    )
}

/// Announces a 20 MiB + 1 photo and sends only its first bytes, as a client that waits for an
/// early answer would: the server must refuse from the Content-Length alone (sending the whole body
/// with reqwest races the server's early close).
fn declared_too_big(s: &Server, serial: &str) -> u16 {
    use std::io::{Read, Write};
    let r = client()
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({"email": "buyer@t.test", "password": PASSWORD}))
        .send()
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = r.json::<Value>().unwrap()["csrf_token"].as_str().unwrap().to_string();
    let host = s.url.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(host).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /api/v1/pieces/{serial}/vault?name=big HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\
         Content-Type: image/png\r\nContent-Length: {}\r\n\r\n",
        20 * 1024 * 1024 + 1
    );
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(b"\x89PNG\r\n\x1a\n").unwrap();
    let mut buf = [0u8; 12];
    c.read_exact(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[9..12]).parse().unwrap()
}

fn webm(n: usize) -> Vec<u8> {
    let mut v = vec![0x1a, 0x45, 0xdf, 0xa3];
    v.extend((0..n).map(|i| (i * 7 % 251) as u8));
    v
}

/// The accounts every twin test starts from: an admin, the workshop and a buyer.
fn add_accounts(db: &Db) {
    for (e, r) in [("admin@t.test", "admin"), ("atelier@t.test", "workshop"), ("buyer@t.test", "shopper")] {
        add_user(db, e, r);
    }
}

/// The three accounts, signed in on `s`: (admin, workshop, buyer).
fn sign_in(s: &Server) -> (Session, Session, Session) {
    (login(s, "admin@t.test"), login(s, "atelier@t.test"), login(s, "buyer@t.test"))
}

/// The buyer orders `design`, the admin and the workshop take it into production, and the
/// workshop records the made piece with `body` (a tag, or `{}`): the answer of the making.
fn make_piece(
    s: &Server,
    (admin, workshop, buyer): (&Session, &Session, &Session),
    design: &str,
    body: Value,
) -> Value {
    let order = order_in_production(s, buyer, admin, workshop, design);
    let (st, made) = send_json(workshop, "POST", format!("{}/api/v1/orders/{order}/pieces", s.url), &body);
    assert_eq!(st, 201, "{made}");
    made
}

fn piece_lifecycle(db: &Db) {
    add_accounts(db);
    for e in ["friend@t.test", "stranger@t.test"] {
        add_user(db, e, "shopper");
    }
    let s = Server::start(db, &[]);
    let (admin, workshop, buyer) = sign_in(&s);

    // The buyer's bracelet is ordered, made and recorded with its tag.
    let uid = "04A1B2C3D4E5F6";
    let made = make_piece(&s, (&admin, &workshop, &buyer), "valid-moments-bracelet.json", json!({"tag_uid": uid}));
    let serial = made["serial"].as_str().unwrap().to_string();
    assert_eq!(serial.len(), 12);
    assert!(made.get("claim_code").is_none(), "the buyer has an account: no box code");
    // The bracelet's base has a GTIN: its identity is a GS1 Digital Link, which leads to the page.
    let identity = made["url"].as_str().unwrap().to_string();
    assert_eq!(identity, format!("{}/01/04006381333931/21/{serial}", s.url));
    let r = no_redirects().get(&identity).send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, &*format!("/p/{serial}")));
    let wrong = no_redirects().get(format!("{}/01/04006381333932/21/{serial}", s.url)).send().unwrap();
    assert_eq!(wrong.status(), 404, "a bad check digit or another GTIN leads nowhere");
    // The packaging's QR code (PNG) says the identity URL, as zbarimg reads it.
    let dir = tmp(if db.is_postgres() { "pg" } else { "sqlite" });
    let qr = client().get(format!("{}/api/v1/pieces/{serial}/qr.png?module=4", s.url)).send().unwrap();
    assert_eq!(qr.headers()["content-type"], "image/png");
    std::fs::write(dir.join("qr.png"), qr.bytes().unwrap()).unwrap();
    match Command::new("zbarimg").args(["--raw", "-q"]).arg(dir.join("qr.png")).output() {
        Ok(out) => {
            // The identity URL, its scheme and host in capitals where that makes a smaller code;
            // a phone opening it lands on the piece's page all the same.
            let read = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
            assert_eq!(read, orfevre_twin::qr::text_for_url(&identity).unwrap());
            assert!(read.eq_ignore_ascii_case(&identity), "{read}");
            let r = no_redirects().get(&read).send().unwrap();
            assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/p/{serial}"));
        }
        Err(_) => skip("zbarimg is missing (Debian zbar-tools)"),
    }
    let (st, bad) = json(client().get(format!("{}/api/v1/pieces/{serial}/qr.png?module=65", s.url)).send().unwrap());
    assert_eq!((st, bad["errors"][0]["pointer"].as_str()), (400, Some("query:module")), "{bad}");
    let (meta, file) = (made["tag"]["meta_read_key"].as_str().unwrap(), made["tag"]["file_read_key"].as_str().unwrap());
    // The NDEF file has the URL with the mirror's placeholders at the offsets given.
    let ndef = hex::decode(made["tag"]["ndef_file"].as_str().unwrap()).unwrap();
    let at = made["tag"]["picc_data_offset"].as_u64().unwrap() as usize;
    assert_eq!(&ndef[at - 10..at], b"picc_data=");
    assert_eq!(&ndef[at..at + 32], "0".repeat(32).as_bytes());
    // Recording the same tag on another piece is refused.
    let (st, _) = send_json(&workshop, "POST", format!("{}/api/v1/pieces/{serial}/tags", s.url), &json!({"uid": uid}));
    assert_eq!(st, 409);

    // The certificate verifies offline with our CLI and an independent verifier.
    let cert =
        client().get(format!("{}/api/v1/pieces/{serial}/certificate.json", s.url)).send().unwrap().bytes().unwrap();
    let cert_path = dir.join("cert.json");
    std::fs::write(&cert_path, &cert).unwrap();
    let v: Value = serde_json::from_slice(&cert).unwrap();
    assert_eq!(v["credentialSubject"]["serialNumber"], serial.as_str());
    assert_eq!(v["credentialStatus"]["type"], "BitstringStatusListEntry");
    let out = Command::new(BIN).args(["passport", "verify"]).arg(&cert_path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let status_url = v["credentialStatus"]["statusListCredential"].as_str().unwrap().to_string();
    let index: u64 = v["credentialStatus"]["statusListIndex"].as_str().unwrap().parse().unwrap();
    let list_bit = || {
        let l: Value = client().get(&status_url).send().unwrap().json().unwrap();
        assert!(orfevre_twin::credential::verify(&l).is_ok(), "the status list is signed");
        let bits = orfevre_twin::status::decode(l["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
        assert_eq!(bits.len() * 8, 131_072);
        (orfevre_twin::status::is_set(&bits, index), l)
    };
    let (revoked, list) = list_bit();
    assert!(!revoked);
    std::fs::write(dir.join("list.json"), list.to_string()).unwrap();
    let python = ["cryptography", "rfc8785"].iter().all(|m| {
        orfevre_testkit::python().args(["-c", &format!("import {m}")]).output().is_ok_and(|o| o.status.success())
    });
    if python {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../twin/tests/check/vc_verify.py");
        let out = orfevre_testkit::python().arg(script).arg(&cert_path).arg(dir.join("list.json")).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.matches("\"valid\": true").count(), 2, "independent verifier: {text}");
    } else {
        skip("python3 with cryptography and rfc8785 is missing (crates/twin/tests/check/requirements.txt)");
    }

    // Taps: genuine, replayed, tampered, with the vault closed (no capability yet).
    let phone = no_redirects();
    let t = tap(&phone, &tap_url(&s.url, meta, file, uid, 1));
    assert_eq!(
        (t.status, t.location.as_str(), t.label.as_str(), t.cookie),
        (303, &*format!("/p/{serial}"), "accepted", false)
    );
    let t = tap(&phone, &tap_url(&s.url, meta, file, uid, 1));
    assert_eq!((t.status, t.label.as_str()), (303, "replayed"));
    assert!(t.location.ends_with("#tap-replayed"));
    let t = tap(&phone, &tap_url(&s.url, meta, file, uid, 0));
    assert_eq!(t.label, "replayed", "a lower counter is a copy");
    let mut forged = tap_url(&s.url, meta, file, uid, 2);
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    assert_eq!(tap(&phone, &forged).status, 403);
    let other_key = tap_url(&s.url, meta, "00112233445566778899AABBCCDDEEFF", uid, 3);
    assert_eq!(tap(&phone, &other_key).status, 403, "a tag keyed by someone else");
    let (st, p) = json(phone.get(format!("{}/t?e=00", s.url)).send().unwrap());
    assert_eq!(st, 400, "{p}");
    // A phone's browser gets the refusal as a page in the brand's words (its language), same status.
    let page_of = |url: &str, lang: &str| {
        let r = phone.get(url).header("accept", "text/html,*/*").header("accept-language", lang).send().unwrap();
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        (r.status().as_u16(), ct, r.text().unwrap())
    };
    let (st, ct, html) = page_of(&forged, "en-GB,en;q=0.8");
    assert_eq!((st, ct.as_str()), (403, "text/html; charset=utf-8"));
    assert!(html.contains("This tag could not be verified") && html.contains("Maison Lumen"), "{html}");
    let (st, _, html) = page_of(&forged, "fr-FR,fr;q=0.9");
    assert!(
        st == 403 && html.contains("Cette puce n’a pas pu être vérifiée") && html.contains(r#"lang="fr""#),
        "{html}"
    );
    let (st, _, html) = page_of(&format!("{}/t?e=00", s.url), "en");
    assert!(st == 400 && html.contains("not a tag reading"), "{html}");
    // The forged taps did not move the counter: 2 is still fresh.
    assert_eq!(tap(&phone, &tap_url(&s.url, meta, file, uid, 2)).label, "accepted");

    // The owner fills the vault.
    let Some(jpeg) = photo_with_gps(&dir) else { return };
    let before = exif_tags(&dir.join("gps.jpg"));
    assert!(before.get("GPS:GPSLatitude").is_some(), "exiftool wrote a position: {before}");
    let (st, photo) = upload(&buyer, &s, &serial, "image/jpeg", "balcony", jpeg.clone());
    assert_eq!(st, 201, "{photo}");
    let got = buyer.client.get(format!("{}{}", s.url, photo["url"].as_str().unwrap())).send().unwrap().bytes().unwrap();
    std::fs::write(dir.join("stored.jpg"), &got).unwrap();
    let after = exif_tags(&dir.join("stored.jpg"));
    let leaked: Vec<&String> = after
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("GPS") || k.starts_with("XMP") || k.contains("Make"))
        .collect();
    assert!(leaked.is_empty(), "metadata left in the stored photo: {leaked:?}");
    assert_eq!(after["IFD0:Orientation"], 6, "the orientation stays: {after}");
    let thumb = buyer.client.get(format!("{}{}", s.url, photo["thumb"].as_str().unwrap())).send().unwrap();
    assert_eq!(thumb.status(), 200);
    let t = image::load_from_memory(&thumb.bytes().unwrap()).unwrap();
    assert_eq!((t.width(), t.height()), (80, 120), "the thumbnail is upright");

    let video = webm(300_000);
    let (st, vid) = upload(&buyer, &s, &serial, "video/webm", "first-dance", video.clone());
    assert_eq!(st, 201, "{vid}");
    let (st, p) = upload(&buyer, &s, &serial, "video/webm", "second", webm(10));
    assert_eq!((st, p["type"].as_str().unwrap()), (409, "urn:orfevre:problem:conflict"), "one video per vault: {p}");
    let (st, voice) = upload(&buyer, &s, &serial, "audio/webm;codecs=opus", "hello", webm(5000));
    assert_eq!((st, voice["kind"].as_str().unwrap()), (201, "voice"), "{voice}");
    let (st, p) = upload(&buyer, &s, &serial, "image/gif", "x", b"GIF89a".to_vec());
    assert_eq!((st, p["errors"][0]["pointer"].as_str().unwrap()), (415, "header:content-type"));
    let (st, p) = upload(&buyer, &s, &serial, "image/jpeg", "x", b"<html>not a photo</html>".to_vec());
    assert_eq!((st, p["type"].as_str().unwrap()), (422, "urn:orfevre:problem:media-mismatch"));
    assert_eq!(declared_too_big(&s, &serial), 413, "photos are at most 20 MiB: refused from the header");
    let (st, p) = upload(&buyer, &s, &serial, "image/jpeg", &"n".repeat(121), jpeg.clone());
    assert_eq!((st, p["errors"][0]["pointer"].as_str().unwrap()), (422, "query:name"));

    // Range requests on the video.
    let vurl = format!("{}{}", s.url, vid["url"].as_str().unwrap());
    let r = buyer.client.get(&vurl).header("range", "bytes=100-199").send().unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], format!("bytes 100-199/{}", video.len()).as_str());
    assert_eq!(r.bytes().unwrap(), &video[100..200]);
    let r = buyer.client.get(&vurl).header("range", "bytes=-10").send().unwrap();
    assert_eq!((r.status().as_u16(), r.bytes().unwrap().to_vec()), (206, video[video.len() - 10..].to_vec()));
    let r = buyer.client.get(&vurl).header("range", format!("bytes={}-", video.len())).send().unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], format!("bytes */{}", video.len()).as_str());
    let r = buyer.client.get(&vurl).send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["accept-ranges"].to_str().unwrap()), (200, "bytes"));
    assert_eq!(r.bytes().unwrap().len(), video.len());

    // The access matrix of the vault: the item and the page.
    let stranger = login(&s, "stranger@t.test");
    let vault_status = |c: &reqwest::blocking::Client| c.get(&vurl).send().unwrap().status().as_u16();
    let page = |c: &reqwest::blocking::Client| -> Value {
        c.get(format!("{}/api/v1/pieces/{serial}", s.url)).send().unwrap().json().unwrap()
    };
    assert_eq!(vault_status(&client()), 401, "anonymous");
    assert_eq!(vault_status(&stranger.client), 403, "a stranger");
    assert_eq!(vault_status(&workshop.client), 403, "staff do not see memories");
    assert_eq!(vault_status(&admin.client), 403, "not even an admin");
    assert_eq!(vault_status(&buyer.client), 200, "the owner");
    let anon_page = page(&client());
    assert_eq!(anon_page["access"], "public");
    assert!(anon_page.get("vault").is_none() && anon_page.get("tags").is_none() && anon_page.get("order").is_none());
    assert_eq!(anon_page["certificate"]["credentialSubject"]["serialNumber"], serial.as_str());
    let staff_page = page(&workshop.client);
    assert_eq!((staff_page["access"].as_str(), staff_page["tags"][0]["counter"].as_i64()), (Some("staff"), Some(2)));
    assert!(staff_page.get("vault").is_none());
    let owner_page = page(&buyer.client);
    assert_eq!(owner_page["vault"].as_array().unwrap().len(), 3);

    // The owner opens the vault to taps, with a PIN.
    let (st, sh) = send_json(
        &buyer,
        "PUT",
        format!("{}/api/v1/pieces/{serial}/sharing", s.url),
        &json!({"tap_access": true, "pin": "2468"}),
    );
    assert_eq!((st, &sh["sharing"]), (200, &json!({"tap_access": true, "pin": true})), "{sh}");
    let (st, p) = send_json(
        &buyer,
        "PUT",
        format!("{}/api/v1/pieces/{serial}/sharing", s.url),
        &json!({"tap_access": true, "pin": "12a4"}),
    );
    assert_eq!((st, p["errors"][0]["pointer"].as_str().unwrap()), (422, "/pin"));
    let viewer = no_redirects();
    assert_eq!(vault_status(&viewer), 401, "before the tap");
    let t = tap(&viewer, &tap_url(&s.url, meta, file, uid, 3));
    assert!(t.cookie && t.label == "accepted");
    let v = page(&viewer);
    assert_eq!((v["access"].as_str(), v["pin_required"].as_bool()), (Some("public"), Some(true)));
    assert_eq!(vault_status(&viewer), 403, "the PIN first");
    let unlock = |pin: &str| {
        json(viewer.post(format!("{}/api/v1/pieces/{serial}/unlock", s.url)).json(&json!({"pin": pin})).send().unwrap())
    };
    let (st, p) = unlock("1111");
    assert_eq!(st, 403, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("4 attempt(s) left"), "{p}");
    let (st, v) = unlock("2468");
    assert_eq!((st, v["access"].as_str()), (200, Some("viewer")), "{v}");
    assert_eq!(v["vault"].as_array().unwrap().len(), 3);
    assert!(v.get("sharing").is_none() && v.get("tags").is_none(), "a viewer does not manage the piece");
    assert_eq!(vault_status(&viewer), 200);
    let (st, _) = json(viewer.delete(format!("{}{}", s.url, photo["url"].as_str().unwrap())).send().unwrap());
    assert_eq!(st, 401, "a viewer cannot delete");
    // A replayed tap in another browser gets nothing; five wrong PINs burn a capability.
    let copycat = no_redirects();
    assert!(!tap(&copycat, &tap_url(&s.url, meta, file, uid, 3)).cookie);
    assert_eq!(vault_status(&copycat), 401);
    let guesser = no_redirects();
    assert!(tap(&guesser, &tap_url(&s.url, meta, file, uid, 4)).cookie);
    for _ in 0..5 {
        let st = guesser
            .post(format!("{}/api/v1/pieces/{serial}/unlock", s.url))
            .json(&json!({"pin": "0000"}))
            .send()
            .unwrap()
            .status();
        assert_eq!(st, 403);
    }
    let st = guesser
        .post(format!("{}/api/v1/pieces/{serial}/unlock", s.url))
        .json(&json!({"pin": "2468"}))
        .send()
        .unwrap()
        .status();
    assert_eq!(st, 403, "the right PIN after five wrong ones is too late");

    // The export, read by Python's zipfile.
    let zip = buyer.client.get(format!("{}/api/v1/pieces/{serial}/vault.zip", s.url)).send().unwrap();
    assert_eq!(zip.status(), 200);
    std::fs::write(dir.join("vault.zip"), zip.bytes().unwrap()).unwrap();
    let out = orfevre_testkit::python()
        .args(["-c", "import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.getinfo(n).file_size for n in z.namelist()}))"])
        .arg(dir.join("vault.zip"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(files["video/002-first-dance.webm"], video.len());
    assert_eq!(files["photo/001-balcony.jpg"], got.len());
    assert!(files["manifest.json"].as_u64().unwrap() > 0 && files["certificate.json"].as_u64().unwrap() > 0);

    // A gift that hands the vault over.
    let (st, g) =
        send_json(&buyer, "POST", format!("{}/api/v1/pieces/{serial}/gift", s.url), &json!({"vault": "hand_over"}));
    assert_eq!(st, 201, "{g}");
    let code = g["code"].as_str().unwrap().to_string();
    let (st, _) = send_json(&buyer, "POST", format!("{}/api/v1/claims", s.url), &json!({"code": code}));
    assert_eq!(st, 409, "one's own piece");
    let friend = login(&s, "friend@t.test");
    let (st, mine) = send_json(
        &friend,
        "POST",
        format!("{}/api/v1/claims", s.url),
        &json!({"code": code.to_lowercase().replace('-', " ")}),
    );
    assert_eq!((st, mine["access"].as_str()), (200, Some("owner")), "{mine}");
    assert_eq!(mine["vault"].as_array().unwrap().len(), 3, "handed over");
    assert_eq!(mine["sharing"], json!({"tap_access": false, "pin": false}), "sharing starts closed for the new owner");
    let (st, _) = send_json(&stranger, "POST", format!("{}/api/v1/claims", s.url), &json!({"code": code}));
    assert_eq!(st, 410, "a code works once");
    assert_eq!(vault_status(&buyer.client), 403, "the former owner");
    let former = page(&buyer.client);
    assert_eq!(former["access"], "public");
    assert!(former["history"].as_array().unwrap().iter().any(|e| e["kind"] == "transferred"));
    assert_eq!(vault_status(&viewer), 401, "the viewer's capability ended with the transfer");
    let (_, list) = json(buyer.client.get(format!("{}/api/v1/me/pieces", s.url)).send().unwrap());
    assert_eq!(list.as_array().unwrap().len(), 0);

    // A gift that wipes the vault: the media files go too.
    let media_files = |d: &Db| -> usize {
        match d {
            Db::Sqlite(t) => walk(&t.path().join("media")),
            Db::Postgres { .. } => usize::MAX,
        }
    };
    let before_wipe = media_files(db);
    let (_, g) =
        send_json(&friend, "POST", format!("{}/api/v1/pieces/{serial}/gift", s.url), &json!({"vault": "wipe"}));
    let (st, mine) = send_json(&stranger, "POST", format!("{}/api/v1/claims", s.url), &json!({"code": g["code"]}));
    assert_eq!((st, mine["vault"].as_array().map(Vec::len)), (200, Some(0)), "{mine}");
    if !db.is_postgres() {
        assert_eq!(media_files(db), 0, "{before_wipe} media files before the wipe, none after");
    }

    // A lost tag: the new owner revokes it; its taps open nothing.
    let (st, _) = json(
        stranger
            .client
            .post(format!("{}/api/v1/pieces/{serial}/tags/{uid}/revoke", s.url))
            .header("x-csrf-token", &stranger.csrf)
            .send()
            .unwrap(),
    );
    assert_eq!(st, 204);
    let t = tap(&no_redirects(), &tap_url(&s.url, meta, file, uid, 50));
    assert_eq!(t.label, "revoked");

    // History and revocation of the certificate.
    let (st, _) = send_json(
        &workshop,
        "POST",
        format!("{}/api/v1/pieces/{serial}/events", s.url),
        &json!({"kind": "repaired", "note": "new clasp"}),
    );
    assert_eq!(st, 201);
    let (st, _) = send_json(
        &admin,
        "POST",
        format!("{}/api/v1/pieces/{serial}/revoke", s.url),
        &json!({"reason": "reported stolen"}),
    );
    assert_eq!(st, 204);
    assert!(list_bit().0, "the certificate's bit is on");
    let kinds: Vec<String> = page(&client())["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["made", "transferred", "transferred", "repaired", "certificate_revoked"]);
}
both!(piece_lifecycle);

fn walk(d: &Path) -> usize {
    std::fs::read_dir(d)
        .map(|it| it.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

/// An order placed through a shop integration has no account: the piece comes with a code for
/// the box, which makes the first owner.
fn box_claim(db: &Db) {
    add_accounts(db);
    let s = Server::start(db, &[]);
    let (admin, workshop) = (login(&s, "admin@t.test"), login(&s, "atelier@t.test"));
    let (st, tok) = send_json(&admin, "POST", format!("{}/api/v1/tokens", s.url), &json!({"name": "shop"}));
    assert_eq!(st, 201);
    let bearer = format!("Bearer {}", tok["secret"].as_str().unwrap());
    // A webhook endpoint nobody listens on: its deliveries stay in the log with their event types.
    let (st, hook) =
        send_json(&admin, "POST", format!("{}/api/v1/webhooks", s.url), &json!({"url": "http://127.0.0.1:9/hook"}));
    assert_eq!(st, 201);
    let hook = hook["id"].as_str().unwrap().to_string();
    let (_, q) = quote_for(&s, &client(), &example("valid-locket.json"));
    let (st, o) = json(
        client()
            .post(format!("{}/api/v1/orders", s.url))
            .header("authorization", &bearer)
            .header("idempotency-key", "shop-1")
            .json(&json!({"quote": q}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201, "{o}");
    let id = o["id"].as_str().unwrap();
    let (st, p) = send_json(&workshop, "POST", format!("{}/api/v1/orders/{id}/pieces", s.url), &json!({}));
    assert_eq!(st, 409, "not in production yet: {p}");
    send_json(&workshop, "POST", format!("{}/api/v1/orders/{id}/status", s.url), &json!({"status": "in_production"}));
    let (st, made) = send_json(&workshop, "POST", format!("{}/api/v1/orders/{id}/pieces", s.url), &json!({}));
    assert_eq!(st, 201, "{made}");
    let code = made["claim_code"].as_str().unwrap();
    assert_eq!(code.len(), 14);
    let (_, pieces) = json(
        client().get(format!("{}/api/v1/orders/{id}/pieces", s.url)).header("authorization", &bearer).send().unwrap(),
    );
    assert_eq!(pieces.as_array().unwrap().len(), 1, "the shop sees its order's pieces");
    let buyer = login(&s, "buyer@t.test");
    let (st, mine) = send_json(&buyer, "POST", format!("{}/api/v1/claims", s.url), &json!({"code": code}));
    assert_eq!((st, mine["access"].as_str()), (200, Some("owner")), "{mine}");
    let (_, list) = json(buyer.client.get(format!("{}/api/v1/me/pieces", s.url)).send().unwrap());
    assert_eq!(list[0]["serial"], made["serial"]);
    // The shop heard of both, through its webhook (deliveries are queued in the same transactions).
    let (_, hooks) = json(admin.client.get(format!("{}/api/v1/webhooks/{hook}/deliveries", s.url)).send().unwrap());
    let types: Vec<&str> = hooks.as_array().unwrap().iter().map(|d| d["event_type"].as_str().unwrap()).collect();
    assert!(types.contains(&"piece.made") && types.contains(&"piece.transferred"), "{types:?}");
}
both!(box_claim);

/// After the sale, the workshop adds a charm, swaps a clip and takes a dangle off, each checked on
/// the piece as it is then; one that breaks a rule is refused with the rule; the record and the
/// story follow; alterations racing on two servers are all kept, none made on a stale state.
fn piece_alterations(db: &Db) {
    add_accounts(db);
    let a = Server::start(db, &[]);
    let b = if db.is_postgres() { Some(Server::start(db, &[])) } else { None };
    let (admin, workshop, buyer) = sign_in(&a);
    let made = make_piece(&a, (&admin, &workshop, &buyer), "valid-moments-bracelet.json", json!({}));
    let serial = made["serial"].as_str().unwrap().to_string();
    let alterations = format!("{}/api/v1/pieces/{serial}/alterations", a.url);
    let add = |section: usize, sku: &str| json!({"alteration": {"op": "add", "choice": {"kind": "insert", "mount": "strand", "section": section}, "sku": sku}});
    let weight = |v: &Value| v["record"]["weight_g"].as_str().unwrap().parse::<f64>().unwrap();
    let materials = |v: &Value| -> Vec<String> {
        v["record"]["materials"].as_array().unwrap().iter().map(|m| m["sku"].as_str().unwrap().to_string()).collect()
    };

    // Only staff alter pieces.
    let (st, _) = send_json(&buyer, "POST", alterations.clone(), &add(2, "MO-CH-HEART-SEA"));
    assert_eq!(st, 403);
    let (st, _) = json(client().post(&alterations).json(&add(2, "MO-CH-HEART-SEA")).send().unwrap());
    assert_eq!(st, 401);

    // A gold-tone heart joins the gold-tone charms.
    let (st, v) = send_json(&workshop, "POST", alterations.clone(), &add(2, "MO-CH-HEART-SEA"));
    assert_eq!(st, 201, "{v}");
    assert_eq!(
        (v["alteration"]["kind"].as_str(), v["alteration"]["sku"].as_str()),
        (Some("module_added"), Some("MO-CH-HEART-SEA"))
    );
    assert_ne!(v["design"], made["design"], "the piece's design follows it");
    assert!(materials(&v).contains(&"MO-CH-HEART-SEA".to_string()), "{}", v["record"]);
    assert!((weight(&v) - weight(&made) - 2.1).abs() < 1e-9, "{} → {}", weight(&made), weight(&v));
    let (st, saved) =
        json(client().get(format!("{}/api/v1/designs/{}", a.url, v["design"].as_str().unwrap())).send().unwrap());
    assert_eq!((st, saved["valid"].as_bool()), (200, Some(true)), "{saved}");
    // The certificate still says what was made.
    assert_eq!(v["certificate"], made["certificate"]);

    // A rose-tone charm would break the brand's rule: refused, naming it, and nothing changes.
    let (st, p) = send_json(&workshop, "POST", alterations.clone(), &add(0, "MO-CH-HEART-SKY"));
    assert_eq!((st, p["type"].as_str()), (422, Some("urn:orfevre:problem:cannot-alter")), "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/alteration/sku");
    assert!(p["errors"][0]["detail"].as_str().unwrap().contains("Gold-tone and rose-tone"), "{p}");
    let (_, now) = json(workshop.client.get(format!("{}/api/v1/pieces/{serial}", a.url)).send().unwrap());
    assert_eq!(now["design"], v["design"]);
    // Bad bodies name the field; module history goes through alterations, not free events.
    let (st, p) = send_json(&workshop, "POST", alterations.clone(), &json!({"alteration": {"op": "glue"}}));
    assert_eq!(st, 422, "{p}");
    assert!(p["errors"][0]["pointer"].as_str().unwrap().starts_with("/alteration"), "{p}");
    let (st, p) = send_json(
        &workshop,
        "POST",
        alterations.clone(),
        &json!({"alteration": {"op": "remove", "mount": "strand", "section": 1, "index": 9}}),
    );
    assert_eq!((st, p["errors"][0]["pointer"].as_str()), (422, Some("/alteration/index")), "{p}");
    let (st, _) = send_json(
        &workshop,
        "POST",
        format!("{}/api/v1/pieces/{serial}/events", a.url),
        &json!({"kind": "module_added"}),
    );
    assert_eq!(st, 422);

    // The disc clip is swapped for a star; the heart dangle comes off.
    let swap = json!({"alteration": {"op": "add", "choice": {"kind": "station", "mount": "strand", "index": 0}, "sku": "MO-CL-STAR"}, "note": "the wearer's choice"});
    let (st, v) = send_json(&workshop, "POST", alterations.clone(), &swap);
    assert_eq!(
        (st, v["alteration"]["kind"].as_str(), v["alteration"]["replaced"].as_str()),
        (201, Some("module_swapped"), Some("MO-CL-DISC")),
        "{v}"
    );
    let off = json!({"alteration": {"op": "remove", "mount": "strand", "section": 1, "index": 1}});
    let (st, v) = send_json(&workshop, "POST", alterations.clone(), &off);
    assert_eq!((st, v["alteration"]["sku"].as_str()), (201, Some("MO-DG-HEART")), "{v}");
    assert!(!materials(&v).contains(&"MO-DG-HEART".to_string()));

    // Spacers added at once from two servers: every one is kept.
    let urls: Vec<String> = std::iter::once(a.url.clone()).chain(b.iter().map(|b| b.url.clone())).collect();
    let start = std::sync::Arc::new(std::sync::Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let start = start.clone();
            let url = format!("{}/api/v1/pieces/{serial}/alterations", urls[i % urls.len()]);
            // Sessions live in the database: one signed in on the first server works on the second.
            let c = login(&a, "atelier@t.test");
            let body = add(i % 3, "MO-SP-PLAIN");
            std::thread::spawn(move || {
                start.wait();
                send_json(&c, "POST", url, &body).0
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(statuses.iter().all(|&s| s == 201), "{statuses:?}");
    let (_, now) = json(workshop.client.get(format!("{}/api/v1/pieces/{serial}", a.url)).send().unwrap());
    let spacers = now["record"]["materials"].as_array().unwrap().iter().find(|m| m["sku"] == "MO-SP-PLAIN").unwrap()
        ["qty"]
        .as_u64();
    assert_eq!(spacers, Some(1 + 6), "one as made, six added");

    // The public story tells it, with the modules' names and the note.
    let (_, public) = json(client().get(format!("{}/api/v1/pieces/{serial}", a.url)).send().unwrap());
    let story: Vec<(String, String)> = public["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["module"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(
        story[..4].iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["made", "module_added", "module_swapped", "module_removed"]
    );
    assert_eq!(story[1].1, "Sea heart charm");
    assert_eq!(story.len(), 4 + 6);
    assert!(public["history"][2]["note"] == "the wearer's choice", "{}", public["history"]);

    // A revoked piece is not altered.
    let (st, _) =
        send_json(&admin, "POST", format!("{}/api/v1/pieces/{serial}/revoke", a.url), &json!({"reason": "lost"}));
    assert_eq!(st, 204);
    let (st, _) = send_json(&workshop, "POST", alterations, &add(2, "MO-SP-PLAIN"));
    assert_eq!(st, 409);
}
both!(piece_alterations);

/// A minimal ISO base media file — `ftyp`, a `moov` with its `mvhd`, an `mdat` — for exiftool to
/// write a recording place into, as a phone would.
fn bmff(brand: &[u8; 4], moov_first: bool) -> Vec<u8> {
    let bx = |kind: &[u8], payload: &[u8]| [&((8 + payload.len()) as u32).to_be_bytes()[..], kind, payload].concat();
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes()); // time scale
    mvhd[16..20].copy_from_slice(&2000u32.to_be_bytes()); // duration
    mvhd[20..24].copy_from_slice(&0x0001_0000u32.to_be_bytes()); // rate 1.0
    mvhd[24..26].copy_from_slice(&0x0100u16.to_be_bytes()); // volume 1.0
    for (i, v) in [(36, 0x0001_0000u32), (52, 0x0001_0000), (68, 0x4000_0000), (96, 2)] {
        mvhd[i..i + 4].copy_from_slice(&v.to_be_bytes());
    }
    let ftyp = bx(b"ftyp", &[&brand[..], &[0, 0, 0, 0], &brand[..]].concat());
    let moov = bx(b"moov", &bx(b"mvhd", &mvhd));
    let mdat = bx(b"mdat", &(0..4096).map(|i| (i * 13 % 256) as u8).collect::<Vec<_>>());
    if moov_first {
        [ftyp, moov, mdat].concat()
    } else {
        [ftyp, mdat, moov].concat()
    }
}

/// The tags exiftool reads that say where: GPS anything, location anything.
fn place_tags(file: &Path) -> Vec<String> {
    let tags = exif_tags(file);
    tags.as_object()
        .unwrap()
        .keys()
        .filter(|k| {
            let k = k.to_ascii_lowercase();
            k.contains("gps") || k.contains("location")
        })
        .cloned()
        .collect()
}

/// A video and a voice message recorded on a phone carry the place they were recorded (QuickTime
/// `©xyz`, the `com.apple.quicktime.location` keys, XMP): the vault keeps neither, as exiftool
/// reads the stored files, and the files keep their size and their media data.
#[test]
fn recordings_lose_their_place() {
    if Command::new("exiftool").arg("-ver").output().is_err() {
        return skip("exiftool is missing (Debian libimage-exiftool-perl)");
    }
    let db = Db::sqlite();
    add_accounts(&db);
    let s = Server::start(&db, &[]);
    let (admin, workshop, buyer) = sign_in(&s);
    let made = make_piece(&s, (&admin, &workshop, &buyer), "valid-locket.json", json!({}));
    let serial = made["serial"].as_str().unwrap();
    let dir = tmp("recordings");
    for (name, mime, brand, moov_first) in
        [("clip.mov", "video/quicktime", b"qt  ", false), ("hello.m4a", "audio/mp4", b"M4A ", true)]
    {
        let f = dir.join(name);
        std::fs::write(&f, bmff(brand, moov_first)).unwrap();
        let out = Command::new("exiftool")
            .args(["-q", "-overwrite_original", "-UserData:GPSCoordinates=48.8584, 2.2945, 35"])
            .args(["-Keys:GPSCoordinates=48.8584, 2.2945, 35", "-XMP:GPSLatitude=48.8584", "-XMP:GPSLongitude=2.2945"])
            .args(["-Keys:Make=Phone"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let before = place_tags(&f);
        assert!(before.iter().any(|t| t.contains("GPSCoordinates")), "exiftool wrote a place: {before:?}");
        let sent = std::fs::read(&f).unwrap();
        let (st, item) = upload(&buyer, &s, serial, mime, name, sent.clone());
        assert_eq!(st, 201, "{item}");
        let stored = buyer.client.get(format!("{}{}", s.url, item["url"].as_str().unwrap())).send().unwrap();
        let stored = stored.bytes().unwrap().to_vec();
        assert_eq!(stored.len(), sent.len(), "{name}: no byte moves");
        let back = dir.join(format!("stored-{name}"));
        std::fs::write(&back, &stored).unwrap();
        assert_eq!(place_tags(&back), Vec::<String>::new(), "{name}: exiftool still reads a place");
        assert_eq!(exif_tags(&back)["Keys:Make"], "Phone", "{name}: the rest of the metadata stays");
        let changed = sent.iter().zip(&stored).filter(|(a, b)| a != b).count();
        assert!(changed > 0 && changed <= 4 * 6, "{name}: only box types change ({changed} bytes)");
    }
    // A QuickTime file cut short is refused, and nothing is kept.
    let mut cut = bmff(b"qt  ", false);
    cut.truncate(cut.len() - 20);
    let (st, p) = upload(&buyer, &s, serial, "audio/mp4", "cut", cut);
    assert_eq!((st, p["type"].as_str()), (422, Some("urn:orfevre:problem:unreadable-media")), "{p}");
    let (_, page) = json(buyer.client.get(format!("{}/api/v1/pieces/{serial}", s.url)).send().unwrap());
    assert_eq!(page["vault"].as_array().unwrap().len(), 2, "{page}");
}

/// Many taps at once, each URL sent twice, spread over servers on one database: every counter is
/// accepted at most once, and the stored counter ends at the highest.
fn concurrent_taps(db: &Db) {
    add_accounts(db);
    let key = ["--nfc-master-key", "000102030405060708090A0B0C0D0E0F"];
    let a = Server::start(db, &key);
    let servers = if db.is_postgres() { vec![Server::start(db, &key)] } else { Vec::new() };
    let urls: Vec<&str> = std::iter::once(a.url.as_str()).chain(servers.iter().map(|s| s.url.as_str())).collect();
    let (admin, workshop, buyer) = sign_in(&a);
    let uid = "04112233445566";
    let made = make_piece(&a, (&admin, &workshop, &buyer), "valid-locket.json", json!({"tag_uid": uid}));
    let (meta, file) = (
        made["tag"]["meta_read_key"].as_str().unwrap().to_string(),
        made["tag"]["file_read_key"].as_str().unwrap().to_string(),
    );
    let serial = made["serial"].as_str().unwrap().to_string();
    const N: u32 = 60;
    let mut jobs: Vec<(String, u32)> = Vec::new();
    for c in 1..=N {
        for copy in 0..2 {
            let base = urls[(c as usize + copy) % urls.len()];
            jobs.push((tap_url(base, &meta, &file, uid, c), c));
        }
    }
    // A fixed shuffle: counters arrive out of order.
    let mut state = 0x2545_f491_u64;
    for i in (1..jobs.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        jobs.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let jobs = std::sync::Arc::new(std::sync::Mutex::new(jobs));
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..12)
        .map(|_| {
            let (jobs, accepted) = (jobs.clone(), accepted.clone());
            std::thread::spawn(move || {
                let c = no_redirects();
                loop {
                    let Some((url, counter)) = jobs.lock().unwrap().pop() else { break };
                    let t = tap(&c, &url);
                    assert_eq!(t.status, 303);
                    if t.label == "accepted" {
                        accepted.lock().unwrap().push(counter);
                    } else {
                        assert_eq!(t.label, "replayed");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut acc = accepted.lock().unwrap().clone();
    let n = acc.len();
    acc.sort();
    acc.dedup();
    assert_eq!(acc.len(), n, "a counter was accepted twice: {acc:?}");
    assert!(acc.contains(&N), "the highest counter is always accepted");
    let (_, p) = json(workshop.client.get(format!("{}/api/v1/pieces/{serial}", a.url)).send().unwrap());
    assert_eq!(p["tags"][0]["counter"], N, "the stored counter is the highest");
    assert_eq!(tap(&no_redirects(), &tap_url(&a.url, &meta, &file, uid, N - 1)).label, "replayed");
    eprintln!("concurrent taps on {} server(s): {n} of {} accepted", urls.len(), 2 * N);
}
both!(concurrent_taps);

/// With `--did-web`, certificates name the brand's did:web; they verify against the DID document
/// the server publishes, and not offline without it.
#[test]
fn did_web_certificates() {
    let db = Db::sqlite();
    add_accounts(&db);
    let s = Server::start(&db, &["--did-web"]);
    let (admin, workshop, buyer) = sign_in(&s);
    let made = make_piece(&s, (&admin, &workshop, &buyer), "valid-locket.json", json!({}));
    let host = s.url.trim_start_matches("http://").replace(':', "%3A");
    assert_eq!(made["certificate"]["issuer"]["id"], format!("did:web:{host}"));
    let dir = tmp("didweb");
    std::fs::write(dir.join("cert.json"), made["certificate"].to_string()).unwrap();
    let did = client().get(format!("{}/.well-known/did.json", s.url)).send().unwrap().text().unwrap();
    std::fs::write(dir.join("did.json"), did).unwrap();
    let run = |extra: &[&str]| {
        Command::new(BIN).args(["passport", "verify"]).arg(dir.join("cert.json")).args(extra).output().unwrap()
    };
    let out = run(&["--did-document", dir.join("did.json").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1), "a did:web proof needs the DID document");
}
