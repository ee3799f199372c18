//! Test harness: the real `orfevre serve` binary on a random port, on SQLite (a fresh data
//! directory) or PostgreSQL (a fresh database on 127.0.0.1:5432, dropped afterwards).
#![allow(dead_code)]

use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_orfevre");
pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const PASSWORD: &str = "correct horse battery";

/// Where a server keeps its data.
pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres { name: String, url: String },
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().expect("temp dir"))
    }

    /// A fresh PostgreSQL database, or None (with a loud SKIP) when PostgreSQL is not reachable;
    /// under ORFEVRE_TEST_STRICT=1 an unreachable PostgreSQL fails the test.
    pub fn postgres(test: &str) -> Option<Db> {
        let name =
            format!("orfevre_t_{}_{}", test.replace(|c: char| !c.is_ascii_alphanumeric(), "_"), std::process::id());
        let made = rt().block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(PG_ADMIN).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await?;
            c.close().await?;
            Ok::<_, sqlx::Error>(())
        });
        match made {
            Ok(()) => Some(Db::Postgres { url: format!("postgres://postgres@127.0.0.1:5432/{name}"), name }),
            Err(e) => {
                orfevre_testkit::skip(&format!("{test} on PostgreSQL: 127.0.0.1:5432 is not usable ({e})"));
                None
            }
        }
    }

    pub fn args(&self) -> Vec<String> {
        match self {
            Db::Sqlite(d) => vec!["--data".into(), d.path().display().to_string()],
            Db::Postgres { url, .. } => vec!["--database-url".into(), url.clone()],
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres { .. })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { name, .. } = self {
            let name = name.clone();
            let _ = rt().block_on(async move {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(PG_ADMIN).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
                Ok::<_, sqlx::Error>(())
            });
        }
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// A running `orfevre serve`.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(db: &Db, extra: &[&str]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve").args(db.args()).args(["--addr", "127.0.0.1:0", "--catalog-poll-ms", "200"]).args(extra);
        cmd.env("ORFEVRE_LOG", "warn").env_remove("ORFEVRE_CATALOG").stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn orfevre serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("orfevre listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(60)).expect("server did not start within 60 s");
        Server { child, url }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }

    pub fn get(&self, c: &Client, path: &str) -> RequestBuilder {
        c.get(format!("{}{path}", self.url))
    }
    pub fn post(&self, c: &Client, path: &str) -> RequestBuilder {
        c.post(format!("{}{path}", self.url))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(60)).build().expect("client")
}

/// Creates an account with the CLI (as a brand would bootstrap its first admin).
pub fn add_user(db: &Db, email: &str, role: &str) {
    let out = Command::new(BIN)
        .args(["user", "add"])
        .args(db.args())
        .args(["--email", email, "--role", role])
        .env("ORFEVRE_PASSWORD", PASSWORD)
        .output()
        .expect("orfevre user add");
    assert!(out.status.success(), "user add failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A signed-in caller: its client (with the cookie) and CSRF token.
pub struct Session {
    pub client: Client,
    pub csrf: String,
}

pub fn login(s: &Server, email: &str) -> Session {
    let client = Client::builder().cookie_store(true).timeout(Duration::from_secs(60)).build().unwrap();
    let r = client
        .post(format!("{}/api/v1/session", s.url))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "login {email}");
    let v: Value = r.json().unwrap();
    Session { client, csrf: v["csrf_token"].as_str().unwrap().to_string() }
}

pub fn json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status >= 400 {
        assert_eq!(ct, "application/problem+json", "error {status} must be problem+json: {v}");
    }
    (status, v)
}

pub fn example(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../catalogs/demo/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Saves a design and returns a fresh signed quote for it.
pub fn quote_for(s: &Server, c: &Client, design: &[u8]) -> (String, String) {
    let (st, saved) = json(
        s.post(c, "/api/v1/designs").header("content-type", "application/json").body(design.to_vec()).send().unwrap(),
    );
    assert!(st == 201 || st == 200, "save: {st} {saved}");
    let hash = saved["hash"].as_str().unwrap().to_string();
    let (st, q) = json(s.post(c, "/api/v1/quotes").json(&serde_json::json!({"design": hash})).send().unwrap());
    assert_eq!(st, 201, "quote: {q}");
    (hash, q["quote"].as_str().unwrap().to_string())
}

/// Runs `f` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&$crate::common::Db::sqlite());
            }
            #[test]
            fn postgres() {
                if let Some(db) = $crate::common::Db::postgres(stringify!($name)) {
                    super::$name(&db);
                }
            }
        }
    };
}

/// A signed-in write with the session's CSRF token.
pub fn send_json(who: &Session, method: &str, url: String, body: &Value) -> (u16, Value) {
    json(who.client.request(method.parse().unwrap(), url).header("x-csrf-token", &who.csrf).json(body).send().unwrap())
}

/// An order of `design` by `buyer`, paid (admin) and in production (workshop): ready for its
/// pieces to be recorded. Returns the order id.
pub fn order_in_production(s: &Server, buyer: &Session, admin: &Session, workshop: &Session, design: &str) -> String {
    let (_, q) = quote_for(s, &client(), &example(design));
    let (st, order) = json(
        buyer
            .client
            .post(format!("{}/api/v1/orders", s.url))
            .header("x-csrf-token", &buyer.csrf)
            .header("idempotency-key", format!("prod-{}", &q[q.len() - 16..]))
            .json(&serde_json::json!({"quote": q}))
            .send()
            .unwrap(),
    );
    assert_eq!(st, 201, "{order}");
    let id = order["id"].as_str().unwrap().to_string();
    for (who, to) in [(admin, "placed"), (workshop, "in_production")] {
        let (st, o) =
            send_json(who, "POST", format!("{}/api/v1/orders/{id}/status", s.url), &serde_json::json!({"status": to}));
        assert_eq!(st, 200, "{to}: {o}");
    }
    id
}
