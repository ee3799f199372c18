//! Tap → page under load: what a phone does when it touches a piece's NFC tag — the tap URL
//! (SUN verified, counter compare-and-set, viewer capability, 303) then the piece's data for the
//! page — from many clients at once against a real `orfevre serve`.
//!
//! ```text
//! cargo build --release -p orfevre && cargo run --release -p orfevre --example tap_load -- [CLIENTS] [TAPS] [postgres://…]
//! ```
//! Starts the release binary on a fresh SQLite directory (or the given PostgreSQL database, which
//! must exist and be empty), records a piece with its tag, opens its vault to taps, then runs
//! TAPS taps from CLIENTS threads, each tap with a fresh counter as a genuine tag would give.
//! Prints the latency percentiles of the whole tap → page sequence and the throughput.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../tests/common/tag.rs"]
mod tag;

const PASSWORD: &str = "correct horse battery";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(16);
    let taps: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let pg = args.get(3).cloned();
    let bin = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("orfevre");
    let dir = tempfile::tempdir().unwrap();
    let db: Vec<String> = match &pg {
        Some(url) => vec!["--database-url".into(), url.clone()],
        None => vec!["--data".into(), dir.path().display().to_string()],
    };
    for (email, role) in [("admin@load.test", "admin"), ("buyer@load.test", "shopper")] {
        let ok = Command::new(&bin)
            .args(["user", "add"])
            .args(&db)
            .args(["--email", email, "--role", role])
            .env("ORFEVRE_PASSWORD", PASSWORD)
            .status()
            .unwrap();
        assert!(ok.success(), "user add");
    }
    let child = Command::new(&bin)
        .arg("serve")
        .args(&db)
        .args(["--media-dir", &dir.path().join("media").display().to_string()])
        .args(["--addr", "127.0.0.1:0"])
        .env("ORFEVRE_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("orfevre serve (build it with cargo build --release -p orfevre)");
    // Killed when this program ends, panics included.
    struct Guard(std::process::Child);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Guard(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let url = loop {
        let l = lines.next().expect("server output").unwrap();
        if let Some(u) = l.strip_prefix("orfevre listening on ") {
            break u.to_string();
        }
    };
    let session = |email: &str| -> (reqwest::blocking::Client, String) {
        let c = reqwest::blocking::Client::builder().cookie_store(true).build().unwrap();
        let v: Value = c
            .post(format!("{url}/api/v1/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        (c, v["csrf_token"].as_str().unwrap().to_string())
    };
    let (admin, admin_csrf) = session("admin@load.test");
    let (buyer, buyer_csrf) = session("buyer@load.test");
    let design =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/demo/examples/valid-locket.json")).unwrap();
    let saved: Value = buyer
        .post(format!("{url}/api/v1/designs"))
        .header("x-csrf-token", &buyer_csrf)
        .header("content-type", "application/json")
        .body(design)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let q: Value = buyer
        .post(format!("{url}/api/v1/quotes"))
        .json(&json!({"design": saved["hash"]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let o: Value = buyer
        .post(format!("{url}/api/v1/orders"))
        .header("x-csrf-token", &buyer_csrf)
        .header("idempotency-key", "load")
        .json(&json!({"quote": q["quote"]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let order = o["id"].as_str().unwrap_or_else(|| panic!("an order: {o}"));
    for st in ["placed", "in_production"] {
        admin
            .post(format!("{url}/api/v1/orders/{order}/status"))
            .header("x-csrf-token", &admin_csrf)
            .json(&json!({"status": st}))
            .send()
            .unwrap();
    }
    let made: Value = admin
        .post(format!("{url}/api/v1/orders/{order}/pieces"))
        .header("x-csrf-token", &admin_csrf)
        .json(&json!({"tag_uid": "04C0FFEE000001"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let serial = made["serial"].as_str().expect("a piece").to_string();
    buyer
        .put(format!("{url}/api/v1/pieces/{serial}/sharing"))
        .header("x-csrf-token", &buyer_csrf)
        .json(&json!({"tap_access": true, "pin": null}))
        .send()
        .unwrap();
    let key = |k: &str| -> [u8; 16] { hex::decode(made["tag"][k].as_str().unwrap()).unwrap().try_into().unwrap() };
    let (meta, file) = (key("meta_read_key"), key("file_read_key"));
    let uid = hex::decode("04C0FFEE000001").unwrap();

    let next = Arc::new(AtomicU32::new(1));
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (next, url, serial, uid) = (next.clone(), url.clone(), serial.clone(), uid.clone());
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .cookie_store(true)
                    .build()
                    .unwrap();
                let mut times = Vec::new();
                let mut viewer = 0;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n > taps {
                        break;
                    }
                    let t = tag::tap_url(&url, &meta, &file, &uid, n);
                    let t0 = Instant::now();
                    let r = c.get(&t).send().unwrap();
                    assert_eq!(r.status(), 303);
                    let page: Value = c.get(format!("{url}/api/v1/pieces/{serial}")).send().unwrap().json().unwrap();
                    times.push(t0.elapsed());
                    if page["access"] == "viewer" {
                        viewer += 1;
                    }
                }
                (times, viewer)
            })
        })
        .collect();
    let mut all: Vec<Duration> = Vec::new();
    let mut viewers = 0;
    for w in workers {
        let (t, v) = w.join().unwrap();
        all.extend(t);
        viewers += v;
    }
    let wall = start.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p).ceil() as usize).saturating_sub(1).min(all.len() - 1)];
    println!(
        "{} taps from {clients} clients on {}: {:.0} taps/s; tap → page p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {viewers} opened the vault",
        all.len(),
        if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        all.len() as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().unwrap().as_secs_f64() * 1e3,
    );
    drop(child);
}
