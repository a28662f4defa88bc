//! What the people who run the server rely on, through the real binary on loopback: its
//! log lines (one JSON object each, never a cookie or a password), `/metrics` (for this
//! machine or the token only, and counting what happens), and answers compressed for
//! the clients that accept it. On SQLite by default, on PostgreSQL when
//! `TUANLE_TEST_POSTGRES` names a server.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tuanle_server::db;
use tuanle_server::demo::DEMO_PASSWORD;

/// A password nobody has: a wrong sign-in sends it.
const WRONG_PASSWORD: &str = "Sai-mat-khau-8731";
const TOKEN: &str = "metrics-token-5c1e8f";

/// The server binary, with its standard output (the log) in a file; killed when dropped.
struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(name: &str, args: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("dir");
        let url = match std::env::var("TUANLE_TEST_POSTGRES") {
            Ok(admin) if !admin.is_empty() => db::create_postgres_database(&admin, name)
                .await
                .expect("a PostgreSQL database"),
            _ => format!("sqlite://{}", dir.path().join("tuanle.db").display()),
        };
        let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let log = dir.path().join("server.log");
        let out = std::fs::File::create(&log).expect("the log file");
        let child = Command::new(env!("CARGO_BIN_EXE_tuanle-server"))
            .args([
                "--addr",
                &addr.to_string(),
                "--demo",
                "--database-url",
                &url,
            ])
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--assets-dir", "/nonexistent"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server binary");
        let server = Server {
            child,
            base: format!("http://{addr}"),
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(server.url("/healthz")).await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in: the session cookie (`name=value`).
    async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("an answer")
    }

    async fn cookie(&self, username: &str) -> String {
        let r = self.sign_in(username, DEMO_PASSWORD).await;
        assert_eq!(r.status(), 200);
        r.headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned()
    }

    async fn push(&self, cookie: &str, id: &str, count: u64) -> reqwest::StatusCode {
        reqwest::Client::new()
            .post(self.url("/api/v1/campaigns/2025/reports/NB-HQ-TH/push"))
            .header(reqwest::header::COOKIE, cookie)
            .json(&json!({"push_id": id, "device_id": "t", "base_version": 0,
                          "content": {"numbers": {"2/count": count}, "texts": {}}}))
            .send()
            .await
            .expect("an answer")
            .status()
    }

    /// `/metrics` with these headers: its status and text.
    async fn metrics(&self, headers: &[(&str, &str)]) -> (u16, String) {
        let mut request = reqwest::Client::new().get(self.url("/metrics"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let r = request.send().await.expect("an answer");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Stops the server, and reads what it logged.
    fn stop_and_read_log(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).expect("the log")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a sample `series value` in a metrics text, 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// With `--log-format json` every line is one JSON object; each request is a line with
/// its method, route template, status and duration; no line holds a password (right or
/// wrong) or the session's token.
#[tokio::test]
async fn log_lines_are_json_and_hold_no_secret() {
    let server = Server::start("tuanle_logs", &["--log-format", "json"]).await;
    let cookie = server.cookie("nb-hq-th").await;
    let wrong = server.sign_in("nb-hq-th", WRONG_PASSWORD).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(server.push(&cookie, "log-1", 3).await, 200);
    let r = reqwest::Client::new()
        .get(server.url("/api/v1/campaigns/2025/dashboard/NB-HQ?x=1"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status(), 403, "a school reads no ward's dashboard");
    let token = cookie
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .expect("a token");
    let log = server.stop_and_read_log();

    let mut requests = Vec::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.is_object(), "{line}");
        for secret in [DEMO_PASSWORD, WRONG_PASSWORD, token.as_str()] {
            assert!(!line.contains(secret), "a secret in the log: {line}");
        }
        assert!(!line.to_lowercase().contains("cookie"), "{line}");
        if v["message"] == "request" {
            requests.push(v);
        }
    }
    let push = requests
        .iter()
        .find(|r| r["route"] == "/api/v1/campaigns/{campaign}/reports/{unit}/push")
        .unwrap_or_else(|| panic!("the push's line: {requests:?}"));
    assert_eq!(
        (push["method"].as_str(), push["status"].as_u64()),
        (Some("POST"), Some(200))
    );
    assert!(
        push["duration_ms"].as_f64().is_some_and(|d| d >= 0.0),
        "{push}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r["route"] == "/api/v1/session" && r["status"] == 401),
        "the refused sign-in: {requests:?}"
    );
    assert!(
        requests.iter().any(
            |r| r["route"] == "/api/v1/campaigns/{campaign}/dashboard/{unit}" && r["status"] == 403
        ),
        "the route, not the path as sent (no query): {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| !r["route"].as_str().unwrap_or("").contains("NB-HQ")),
        "routes name no unit: {requests:?}"
    );
}

/// `/metrics` answers this machine and the token's holder only (a request through a
/// reverse proxy on this machine comes from the loopback too, and says so), and counts:
/// the push counter moves after a push, the refusals after a wrong sign-in, the open
/// streams while one is open.
#[tokio::test]
async fn metrics_are_for_this_machine_or_the_token_and_count() {
    let server = Server::start("tuanle_metrics", &["--metrics-token", TOKEN]).await;
    let (status, before) = server.metrics(&[]).await;
    assert_eq!(status, 200, "from the loopback");
    assert!(
        before.contains("# TYPE tuanle_push_duration_seconds histogram"),
        "{before}"
    );
    let proxied = [("X-Forwarded-For", "203.0.113.9")];
    assert_eq!(server.metrics(&proxied).await.0, 403, "through a proxy");
    assert_eq!(
        server.metrics(&[("Forwarded", "for=203.0.113.9")]).await.0,
        403
    );
    let wrong = [
        ("X-Forwarded-For", "203.0.113.9"),
        ("Authorization", "Bearer not-the-token"),
    ];
    assert_eq!(server.metrics(&wrong).await.0, 403, "a wrong token");
    let bearer = format!("Bearer {TOKEN}");
    let right = [
        ("X-Forwarded-For", "203.0.113.9"),
        ("Authorization", bearer.as_str()),
    ];
    let (status, _) = server.metrics(&right).await;
    assert_eq!(status, 200, "the token opens it from elsewhere");

    let accepted = "tuanle_pushes_total{outcome=\"accepted\"}";
    let cookie = server.cookie("nb-hq-th").await;
    assert_eq!(server.push(&cookie, "m-1", 4).await, 200);
    assert_eq!(
        server.sign_in("nb-hq-th", WRONG_PASSWORD).await.status(),
        401
    );
    let (_, after) = server.metrics(&[]).await;
    assert_eq!(
        sample(&after, accepted),
        sample(&before, accepted) + 1.0,
        "{after}"
    );
    assert!(sample(&after, "tuanle_push_duration_seconds_count") >= 1.0);
    assert!(sample(&after, "tuanle_write_queue_wait_seconds_count") >= 1.0);
    assert!(
        sample(&after, "tuanle_live_lag_seconds_count") >= 1.0,
        "the push's change was announced: {after}"
    );
    assert_eq!(
        sample(
            &after,
            "tuanle_sign_in_refusals_total{code=\"BAD_CREDENTIALS\"}"
        ),
        1.0,
        "{after}"
    );
    assert!(sample(&after, "tuanle_db_pool_connections{state=\"idle\"}") >= 1.0);

    // An open event stream is counted while it is open.
    let ward = server.cookie("nb-hq").await;
    let mut stream = reqwest::Client::new()
        .get(server.url("/api/v1/campaigns/2025/dashboard/NB-HQ/events"))
        .header(reqwest::header::COOKIE, &ward)
        .send()
        .await
        .expect("a stream");
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.expect("the first event");
    assert!(first.is_some_and(|c| String::from_utf8_lossy(&c).contains("ready")));
    let (_, open) = server.metrics(&[]).await;
    assert_eq!(sample(&open, "tuanle_event_streams"), 1.0, "{open}");
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sample(&server.metrics(&[]).await.1, "tuanle_event_streams") != 0.0 {
        assert!(
            Instant::now() < deadline,
            "the closed stream is no longer counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// API answers are gzip-compressed for a client that accepts it, and read back the
/// same; never an event stream (each event must go out at once) nor a workbook (a zip
/// already).
#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it() {
    let server = Server::start("tuanle_gzip", &[]).await;
    let ward = server.cookie("nb-hq").await;
    let get = |path: &str, gzip: bool| {
        let mut r = reqwest::Client::new()
            .get(server.url(path))
            .header(reqwest::header::COOKIE, &ward);
        if gzip {
            r = r.header(reqwest::header::ACCEPT_ENCODING, "gzip");
        }
        r.send()
    };
    let form = "/api/v1/forms/2025";
    let plain = get(form, false).await.expect("an answer");
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain = plain.bytes().await.expect("a body");
    let zipped = get(form, true).await.expect("an answer");
    assert_eq!(
        zipped
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let zipped = zipped.bytes().await.expect("a body");
    assert!(
        zipped.len() * 3 < plain.len(),
        "{} of {}",
        zipped.len(),
        plain.len()
    );
    let mut read = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut read)
        .expect("gzip");
    assert_eq!(read, plain.to_vec(), "the same answer");

    let events = get("/api/v1/campaigns/2025/dashboard/NB-HQ/events", true)
        .await
        .expect("a stream");
    assert_eq!(
        events.headers().get("content-encoding"),
        None,
        "events go out at once"
    );
    drop(events);
    let workbook = get("/api/v1/campaigns/2025/export/NB-HQ", true)
        .await
        .expect("a workbook");
    assert_eq!(workbook.status(), 200);
    assert_eq!(
        workbook.headers().get("content-encoding"),
        None,
        "a zip already"
    );
}

/// The API's description (`/api/v1/openapi.json`, OpenAPI 3.1) is served, and the real
/// server answers every operation it describes: none is a path the router does not know
/// (the API's own 404) or a method it does not take (405).
#[tokio::test]
async fn every_described_operation_is_served() {
    let server = Server::start("tuanle_openapi", &[]).await;
    let doc: Value = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 40, "{}", paths.len());
    let client = reqwest::Client::new();
    let mut operations = 0;
    for (path, item) in paths {
        // Real names, so that a refusal is about the caller, not a missing thing.
        let concrete = path
            .replace("{campaign}", "2025")
            .replace("{unit}", "NB-HQ")
            .replace("{version}", "2025")
            .replace("{seq}", "1")
            .replace("{id}", "1")
            .replace("{username}", "nb-hq");
        for method in item.as_object().expect("operations").keys() {
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let r = client
                .request(method.clone(), server.url(&concrete))
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .expect("an answer");
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                !(status == 404 && body.contains("đường dẫn API")),
                "{method} {path} is not served: {body}"
            );
            operations += 1;
        }
    }
    assert!(operations >= 50, "{operations}");
}
