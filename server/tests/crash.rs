//! Crash safety: tablets keep pushing while the server is killed with SIGKILL again and
//! again and restarted on the same database. At the end every push the server
//! acknowledged is stored exactly once, every push whose answer was lost was retried
//! by its tablet (same `push_id`) and stored exactly once, and the consolidated totals
//! equal a recomputation from scratch.
//!
//! The real server binary runs as a child process; on SQLite by default, on
//! PostgreSQL when `TUANLE_TEST_POSTGRES` names a server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tuanle_server::{db, totals};
use tuanle_shared::form::builtin;

const KILLS: usize = 20;
const PUSHES: u64 = 30;
const TABLETS: [&str; 12] = [
    "nb-hq-mn",
    "nb-hq-th",
    "nb-hq-thcs",
    "nb-hq-tthtcd",
    "nb-hl-mn",
    "nb-hl-th",
    "nb-hl-thcs",
    "nb-hl-tv",
    "nb-nt-mn",
    "nb-nt-th",
    "nb-nt-thcs",
    "nb-nt-tv",
];

/// The server process; killed when dropped, also when the test fails.
struct Server {
    child: Child,
}

impl Server {
    fn start(addr: SocketAddr, dir: &std::path::Path, url: &str) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_tuanle-server"))
            .args(["--addr", &addr.to_string(), "--demo", "--database-url", url])
            .arg("--data-dir")
            .arg(dir)
            .args(["--assets-dir", "/nonexistent"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server binary");
        Server { child }
    }

    /// SIGKILL: no shutdown, no flush, nothing but what is on disk survives.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_until_up(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not come back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What one tablet saw.
struct Tablet {
    /// Each push and the version acknowledged for it, in order.
    acked: Vec<(String, u64)>,
    /// Pushes sent more than once: the server was down or died before answering.
    retried: u64,
}

/// One tablet: signs in (retrying while the server is down), then makes its pushes one
/// after another, each retried with the same `push_id` until acknowledged, as the app
/// does; at least [`PUSHES`], and on until the server has been killed [`KILLS`] times.
/// `pushing` counts the tablets that have had a first push acknowledged: the kills wait
/// for all of them, so that they hit pushes in flight rather than sign-ins.
async fn tablet(
    base: String,
    username: &'static str,
    kills: Arc<AtomicUsize>,
    pushing: Arc<AtomicUsize>,
) -> Tablet {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let cookie = loop {
        let r = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": username, "password": tuanle_server::demo::DEMO_PASSWORD}))
            .send()
            .await;
        if let Ok(r) = r
            && r.status() == 200
        {
            let c = r
                .headers()
                .get(reqwest::header::SET_COOKIE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .expect("cookie")
                .to_owned();
            break c;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    };
    let unit = username.to_uppercase();
    let path = format!("{base}/api/v1/campaigns/2025/reports/{unit}/push");
    let mut acked = Vec::new();
    let mut retried = 0;
    let mut base_version = 0;
    let mut k = 0;
    while k < PUSHES || kills.load(Ordering::Relaxed) < KILLS {
        let push_id = format!("{username}-{k}");
        let body = json!({
            "push_id": push_id, "device_id": username, "base_version": base_version,
            "content": {"numbers": {"2/count": k + 1, "8/count": k % 5}},
        });
        let mut tries = 0;
        let version = loop {
            tries += 1;
            let sent = http
                .post(&path)
                .header(reqwest::header::COOKIE, &cookie)
                .json(&body)
                .send()
                .await;
            if let Ok(r) = sent {
                let status = r.status().as_u16();
                if let Ok(answer) = r.json::<Value>().await {
                    if status == 200 {
                        break answer["version"].as_u64().expect("a version");
                    }
                    assert!(
                        status >= 500 || status == 0,
                        "{username}: push {k} refused: {status} {answer}"
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        acked.push((push_id, version));
        if k == 0 {
            pushing.fetch_add(1, Ordering::Relaxed);
        }
        base_version = version;
        retried += u64::from(tries > 1);
        k += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Tablet { acked, retried }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_pushes_survive_repeated_sigkill() {
    let dir = tempfile::tempdir().expect("dir");
    let url = match std::env::var("TUANLE_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => db::create_postgres_database(&admin, "tuanle_crash")
            .await
            .expect("a PostgreSQL database"),
        _ => format!("sqlite://{}", dir.path().join("tuanle.db").display()),
    };
    let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let base = format!("http://{addr}");
    let mut server = Server::start(addr, dir.path(), &url);
    wait_until_up(&base).await;

    let killed = Arc::new(AtomicUsize::new(0));
    let pushing = Arc::new(AtomicUsize::new(0));
    let tablets: Vec<_> = TABLETS
        .iter()
        .map(|u| tokio::spawn(tablet(base.clone(), u, killed.clone(), pushing.clone())))
        .collect();
    // Every tablet signed in and pushing before the first kill: on two cores, a dozen
    // sign-ins (argon2) can take longer than the gap between kills.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while pushing.load(Ordering::Relaxed) < TABLETS.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "the tablets never all pushed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut rng = tuanle_server::national::Rng::new(7);
    while killed.load(Ordering::Relaxed) < KILLS {
        // Kill while pushes are in flight.
        tokio::time::sleep(Duration::from_millis(rng.between(50, 300))).await;
        server.kill();
        killed.fetch_add(1, Ordering::Relaxed);
        server = Server::start(addr, dir.path(), &url);
        wait_until_up(&base).await;
    }
    let kills = killed.load(Ordering::Relaxed);
    let mut acked: HashMap<&str, Vec<(String, u64)>> = HashMap::new();
    let mut retried = 0;
    for (name, t) in TABLETS.iter().zip(tablets) {
        let t = t.await.expect("tablet");
        retried += t.retried;
        acked.insert(name, t.acked);
    }
    assert!(
        retried >= KILLS as u64 / 2,
        "the kills should have hit pushes in flight: only {retried} retried"
    );
    // One last kill after everything was acknowledged: all of it must be on disk.
    server.kill();
    server = Server::start(addr, dir.path(), &url);
    wait_until_up(&base).await;

    let pool = db::connect(&url).await.expect("database");
    for (name, pushes) in &acked {
        let unit = name.to_uppercase();
        let stored: Vec<(String, i64)> = sqlx::query_as(
            "SELECT v.push_id, v.version FROM report_versions v
             JOIN reports r ON r.id = v.report_id JOIN units u ON u.id = r.unit_id
             JOIN campaigns c ON c.id = r.campaign_id
             WHERE c.code = '2025' AND u.code = $1 ORDER BY v.version",
        )
        .bind(&unit)
        .fetch_all(&pool)
        .await
        .expect("versions");
        // Each push changed the content, so each is exactly one version, in order.
        let expected: Vec<(String, i64)> = pushes
            .iter()
            .map(|(id, v)| (id.clone(), i64::try_from(*v).expect("version")))
            .collect();
        assert_eq!(stored, expected, "{unit}: every acknowledged push, once");
        assert!(expected.len() as u64 >= PUSHES);
        assert_eq!(
            expected.iter().map(|e| e.1).collect::<Vec<_>>(),
            (1..=expected.len() as i64).collect::<Vec<_>>(),
            "{unit}: no version lost or doubled"
        );
        let (answers,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM pushes WHERE push_id LIKE $1")
                .bind(format!("{name}-%"))
                .fetch_one(&pool)
                .await
                .expect("answers");
        assert_eq!(
            answers as usize,
            pushes.len(),
            "{unit}: one stored answer per push"
        );
    }
    // The totals kept incrementally through every crash equal a recomputation.
    let form = builtin("2025").expect("form");
    let (campaign_id,): (i64,) = sqlx::query_as("SELECT id FROM campaigns WHERE code = '2025'")
        .fetch_one(&pool)
        .await
        .expect("campaign");
    let stored = totals::stored_all(&pool, campaign_id, form)
        .await
        .expect("stored totals");
    let mut conn = pool.acquire().await.expect("connection");
    let fresh = totals::recompute(&mut conn, campaign_id, form)
        .await
        .expect("recomputed");
    assert_eq!(stored, fresh, "totals after {kills} kills");
    eprintln!(
        "{kills} SIGKILLs survived; {} pushes acknowledged, each stored once; {retried} of them retried after a kill",
        acked.values().map(Vec::len).sum::<usize>()
    );
    drop(server);
}
