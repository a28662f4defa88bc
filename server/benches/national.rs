//! The national campaign under load: `cargo bench -p tuanle-server --bench national`
//! (about two minutes) on SQLite; on PostgreSQL with `TUANLE_BENCH_POSTGRES` set to a
//! server it may create a database on (`scripts/bench` runs both). It generates the national demo campaign (99,433 units,
//! reports for 60 %), then measures:
//! - consolidated national totals from scratch (cold) and as stored (incremental), and
//!   the Excel export of the national form, in process, median of 5;
//! - the real server (its release binary, a separate process on loopback) under 200
//!   simulated tablets pushing for 30 s: pushes per second and push latency p50/p99;
//!   the delay from each commit to its event on the national root's live dashboard
//!   (p50/p99); the server's peak memory (VmHWM).

use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tuanle_server::admin::Admin;
use tuanle_server::{db, demo, export, national, reports, totals};

const TABLETS: usize = 200;
/// How long the tablets push: 30 s, or `TUANLE_BENCH_LOAD_SECONDS` (600 for the soak).
fn load_duration() -> Duration {
    let seconds = std::env::var("TUANLE_BENCH_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    Duration::from_secs(seconds)
}
const CAMPAIGN: &str = "QG2025";

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A memory figure of a process from /proc (kB), 0 when unreadable.
fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .unwrap_or(0)
}

/// How many dashboards watch the load, behaving like the app (apply each event's
/// figures, read the missing list again when its count moves, at most every 10 s):
/// `TUANLE_BENCH_VIEWERS`, 0 by default.
fn viewer_count() -> usize {
    env_count("TUANLE_BENCH_VIEWERS")
}

/// How many more event streams stay open on ward and school dashboards through the
/// load, read but never acted on: `TUANLE_BENCH_STREAMS`, 0 by default. The server's
/// memory is read before and after they open.
fn stream_count() -> usize {
    env_count("TUANLE_BENCH_STREAMS")
}

fn env_count(name: &str) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// What the viewers did: events, their bytes, and the requests they made (ms each).
#[derive(Default)]
struct Watching {
    events: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
    requests: Mutex<Vec<f64>>,
}

/// The value of a number field in an event's JSON, read without parsing it all.
fn field(event: &str, name: &str) -> Option<i64> {
    let rest = event.split(&format!("\"{name}\":")).nth(1)?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A dashboard as the app keeps it: its event stream, each event's figures applied (here
/// parsed and counted), and the missing list read again when its count moved, no more
/// often than every 10 s (the app does so only while the list is open: this is the most
/// it asks).
async fn watch_like_the_app(
    client: Arc<Client>,
    unit: String,
    watching: Arc<Watching>,
) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering::Relaxed;
    let base = client.base.clone();
    let mut stream = client
        .http
        .get(format!(
            "{base}/api/v1/campaigns/{CAMPAIGN}/dashboard/{unit}/events"
        ))
        .header(reqwest::header::COOKIE, &client.cookie)
        .send()
        .await?;
    let mut buffer = String::new();
    let (mut missing, mut last_read) = (None, Instant::now() - Duration::from_secs(10));
    while let Ok(Some(chunk)) = stream.chunk().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if !event.contains("event: changed") {
                continue;
            }
            watching.events.fetch_add(1, Relaxed);
            watching.bytes.fetch_add(event.len() as u64, Relaxed);
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .collect();
            let update: Value = serde_json::from_str(&data)?;
            let total = update["missing_total"].as_u64();
            if total != missing && last_read.elapsed() >= Duration::from_secs(10) {
                missing = total;
                last_read = Instant::now();
                let t = Instant::now();
                let ok = client
                    .http
                    .get(format!(
                        "{base}/api/v1/campaigns/{CAMPAIGN}/dashboard/{unit}/missing?limit=50"
                    ))
                    .header(reqwest::header::COOKIE, &client.cookie)
                    .send()
                    .await
                    .map(|r| r.status().is_success());
                if let (Ok(true), Ok(mut r)) = (ok, watching.requests.lock()) {
                    r.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
        }
    }
    Ok(())
}

/// A stream held open and read, nothing more: what an idle dashboard costs. Counts
/// itself in `opened` once its first event came.
async fn hold_open(
    client: Arc<Client>,
    unit: String,
    opened: Arc<std::sync::atomic::AtomicUsize>,
) -> anyhow::Result<()> {
    let mut stream = client
        .http
        .get(format!(
            "{}/api/v1/campaigns/{CAMPAIGN}/dashboard/{unit}/events",
            client.base
        ))
        .header(reqwest::header::COOKIE, &client.cookie)
        .send()
        .await?;
    anyhow::ensure!(
        stream.status() == 200,
        "stream of {unit}: {}",
        stream.status()
    );
    if let Ok(Some(_)) = stream.chunk().await {
        opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    while let Ok(Some(_)) = stream.chunk().await {}
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A client with its own session cookie.
struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Client {
    async fn sign_in(base: &str, username: &str, password: &str) -> anyhow::Result<Client> {
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "sign-in of {username}: {}", r.status());
        let cookie = r
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| anyhow::anyhow!("no cookie"))?
            .to_owned();
        Ok(Client {
            http,
            base: base.to_owned(),
            cookie,
        })
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .json(body)
            .send()
            .await?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = match std::env::var("TUANLE_BENCH_POSTGRES") {
        Ok(admin_url) if !admin_url.is_empty() => {
            db::create_postgres_database(&admin_url, "tuanle_bench").await?
        }
        _ => format!("sqlite://{}", dir.path().join("tuanle.db").display()),
    };
    println!("database: {}", url.split('/').next().unwrap_or_default());
    let pool = db::connect(&url).await?;
    demo::seed_if_empty(&pool).await?;
    let admin = Admin::national_account(&pool, "admin")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let done = national::generate(&pool, &admin, CAMPAIGN, 0.6, 2025)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "national campaign: {} units, {} reports, generated in {:.1} s",
        done.units,
        done.reports,
        started.elapsed().as_secs_f64()
    );

    // In process: totals and export.
    let target = reports::resolve(&pool, CAMPAIGN, "BGD")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut cold, mut warm, mut xlsx) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let mut conn = pool.acquire().await?;
        let t = Instant::now();
        let all = totals::recompute(&mut conn, target.campaign_id, target.form)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        cold.push(t.elapsed());
        anyhow::ensure!(all.len() as u64 == done.units);
        let t = Instant::now();
        totals::load(&mut conn, target.form, target.unit_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        warm.push(t.elapsed());
        drop(conn);
        let t = Instant::now();
        let data = export::gather(&pool, &target, tuanle_shared::wire::FigureMode::Final)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let bytes = export::workbook(&data)?;
        xlsx.push(t.elapsed());
        anyhow::ensure!(bytes.len() > 10_000);
    }
    println!(
        "national totals from scratch: median {:.0} ms; as stored: median {:.2} ms; Excel export (form + 34 provinces): median {:.0} ms",
        median_ms(cold),
        median_ms(warm),
        median_ms(xlsx)
    );
    // The units whose dashboards the viewers watch: the root, every province, then wards.
    let viewers = viewer_count();
    let watched: Vec<String> = sqlx::query_scalar(
        "SELECT u.code FROM units u JOIN campaigns c ON c.id = u.campaign_id
         WHERE c.code = $1 AND u.depth <= 2 ORDER BY u.depth, u.code LIMIT $2",
    )
    .bind(CAMPAIGN)
    .bind(i64::try_from(viewers)?)
    .fetch_all(&pool)
    .await?;
    // The idle streams' units: wards and schools of one province, none of them pushing
    // (the tablets are in province 79).
    let held: Vec<String> = sqlx::query_scalar(
        "SELECT u.code FROM units u JOIN campaigns c ON c.id = u.campaign_id
         WHERE c.code = $1 AND u.depth >= 2 AND u.code LIKE '01%' ORDER BY u.code LIMIT $2",
    )
    .bind(CAMPAIGN)
    .bind(i64::try_from(stream_count())?)
    .fetch_all(&pool)
    .await?;
    pool.close().await;

    // The real server, in its own process.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_tuanle-server"))
            .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir.path())
            .args(["--assets-dir", "/nonexistent"])
            .args(["--database-url", &url])
            // Its warnings (slow writes) show in the bench's output.
            .env("RUST_LOG", "warn")
            .spawn()?,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let admin = Client::sign_in(&base, "admin", demo::DEMO_PASSWORD).await?;
    let accounts = format!("/api/v1/admin/campaigns/{CAMPAIGN}/accounts");
    let (status, root) = admin
        .post(&accounts, &json!({"username": "qg-bgd", "display_name": "Bộ GDĐT", "role": "supervisor", "unit_code": "BGD"}))
        .await?;
    anyhow::ensure!(status == 201, "root account: {status} {root}");
    let (status, bulk) = admin
        .post(
            &format!("{accounts}/bulk"),
            &json!({"depth": 3, "under": "79"}),
        )
        .await?;
    anyhow::ensure!(status == 200, "tablet accounts: {status}");
    let creds: Vec<(String, String, String)> = bulk["created"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some((
                        c["username"].as_str()?.to_owned(),
                        c["password"].as_str()?.to_owned(),
                        c["unit_code"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(creds.len() >= TABLETS, "only {} accounts", creds.len());

    // The national root's live dashboard: the delay of each event after its commit.
    let supervisor =
        Client::sign_in(&base, "qg-bgd", root["password"].as_str().unwrap_or("")).await?;
    let delays = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut events = supervisor
        .http
        .get(format!(
            "{base}/api/v1/campaigns/{CAMPAIGN}/dashboard/BGD/events"
        ))
        .header(reqwest::header::COOKIE, &supervisor.cookie)
        .send()
        .await?;
    let sse = {
        let delays = delays.clone();
        tokio::spawn(async move {
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = events.chunk().await {
                let arrived = now_ms();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    let at = field(&event, "changed_at");
                    if let (Some(at), Ok(mut d)) = (at, delays.lock()) {
                        d.push((arrived - at) as f64);
                    }
                }
            }
        })
    };

    // The national dashboard, opened on a quiet server: median of 5.
    let mut opened = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = supervisor
            .http
            .get(format!("{base}/api/v1/campaigns/{CAMPAIGN}/dashboard/BGD"))
            .header(reqwest::header::COOKIE, &supervisor.cookie)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "national dashboard: {}", r.status());
        r.bytes().await?;
        opened.push(t.elapsed());
    }
    println!(
        "national dashboard request (quiet server): median {:.1} ms",
        median_ms(opened)
    );

    // The viewers, on the national root's account (it reads every dashboard below).
    let watching = Arc::new(Watching::default());
    let viewer_client =
        Arc::new(Client::sign_in(&base, "qg-bgd", root["password"].as_str().unwrap_or("")).await?);
    let mut viewer_tasks: Vec<_> = watched
        .iter()
        .map(|unit| {
            tokio::spawn(watch_like_the_app(
                viewer_client.clone(),
                unit.clone(),
                watching.clone(),
            ))
        })
        .collect();
    // The idle streams, and what they cost in memory once open.
    if !held.is_empty() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = rss_kb(server.0.id(), "VmRSS:");
        let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for unit in &held {
            viewer_tasks.push(tokio::spawn(hold_open(
                viewer_client.clone(),
                unit.clone(),
                opened.clone(),
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while opened.load(std::sync::atomic::Ordering::Relaxed) < held.len() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the idle streams did not all open"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss_kb(server.0.id(), "VmRSS:");
        println!(
            "{} idle event streams: server RSS {:.1} MB before, {:.1} MB after ({:.1} kB a stream)",
            held.len(),
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            after.saturating_sub(before) as f64 / held.len() as f64
        );
    }

    // Tablets of units whose report is still open (a submitted one refuses pushes).
    let mut tablets = Vec::with_capacity(TABLETS);
    for (username, password, unit) in creds {
        if tablets.len() == TABLETS {
            break;
        }
        let tablet = Client::sign_in(&base, &username, &password).await?;
        let state: Value = tablet
            .http
            .get(format!("{base}/api/v1/campaigns/{CAMPAIGN}/reports/{unit}"))
            .header(reqwest::header::COOKIE, &tablet.cookie)
            .send()
            .await?
            .json()
            .await?;
        if matches!(state["status"].as_str(), Some("draft" | "returned") | None) {
            let version = state["version"].as_u64().unwrap_or(0);
            tablets.push((tablet, unit, version));
        }
    }
    anyhow::ensure!(
        tablets.len() == TABLETS,
        "only {} open reports",
        tablets.len()
    );
    let load = load_duration();
    // (seconds into the load, latency in ms) of every acknowledged push.
    let latencies = Arc::new(Mutex::new(Vec::<(f64, f64)>::new()));
    let failures = Arc::new(Mutex::new(0u64));
    let load_started = Instant::now();
    let stop = load_started + load;
    // The server's memory, sampled every tenth of the load (at least every 3 s).
    let window = (load / 10).max(Duration::from_secs(3));
    let server_pid = server.0.id();
    let rss_samples = tokio::spawn(async move {
        let mut samples = Vec::new();
        while Instant::now() < stop {
            tokio::time::sleep(window).await;
            samples.push(rss_kb(server_pid, "VmRSS:"));
        }
        samples
    });
    let mut tasks = Vec::new();
    for (i, (tablet, unit, version)) in tablets.into_iter().enumerate() {
        let (latencies, failures) = (latencies.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = national::Rng::new(i as u64);
            let path = format!("/api/v1/campaigns/{CAMPAIGN}/reports/{unit}/push");
            let mut base_version = version;
            let mut n = 0u64;
            while Instant::now() < stop {
                n += 1;
                let body = json!({
                    "push_id": format!("bench-{i}-{n}"),
                    "device_id": format!("tablet-{i}"),
                    "base_version": base_version,
                    "content": {"numbers": {
                        "1.1/count": rng.between(0, 30),
                        "1.1/persons": rng.between(0, 900),
                        "2/count": rng.between(0, 20),
                    }, "texts": {}},
                });
                let t = Instant::now();
                match tablet.post(&path, &body).await {
                    Ok((200, answer)) => {
                        base_version = answer["version"].as_u64().unwrap_or(base_version);
                        if let Ok(mut l) = latencies.lock() {
                            l.push((
                                load_started.elapsed().as_secs_f64(),
                                t.elapsed().as_secs_f64() * 1e3,
                            ));
                        }
                    }
                    _ => {
                        if let Ok(mut f) = failures.lock() {
                            *f += 1;
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = load_started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let peak_kb = rss_kb(server.0.id(), "VmHWM:");
    let rss = rss_samples.await.unwrap_or_default();
    sse.abort();
    for v in &viewer_tasks {
        v.abort();
    }
    drop(server);

    let timed = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    let mut lat: Vec<f64> = timed.iter().map(|t| t.1).collect();
    lat.sort_by(f64::total_cmp);
    let mut sse = delays.lock().map(|d| d.clone()).unwrap_or_default();
    sse.sort_by(f64::total_cmp);
    let failed = failures.lock().map(|f| *f).unwrap_or(0);
    println!(
        "{TABLETS} tablets for {elapsed:.0} s: {} pushes, {:.0} pushes/s, latency p50 {:.1} ms, p99 {:.1} ms, {failed} failed",
        lat.len(),
        lat.len() as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    println!(
        "national root dashboard: {} events, commit to event p50 {:.0} ms, p99 {:.0} ms",
        sse.len(),
        percentile(&sse, 0.5),
        percentile(&sse, 0.99)
    );
    if !watched.is_empty() {
        let mut requests = watching
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        requests.sort_by(f64::total_cmp);
        let events = watching.events.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "{} dashboards watching like the app: {events} events ({:.1} kB each), {} missing-list requests ({:.1}/s), request p50 {:.0} ms, p99 {:.0} ms",
            watched.len(),
            watching.bytes.load(std::sync::atomic::Ordering::Relaxed) as f64
                / events.max(1) as f64
                / 1024.0,
            requests.len(),
            requests.len() as f64 / elapsed,
            percentile(&requests, 0.5),
            percentile(&requests, 0.99)
        );
    }
    println!(
        "server peak memory (VmHWM): {:.0} MB",
        peak_kb as f64 / 1024.0
    );
    // Over a long run: is p99 steady, is memory flat?
    if load >= Duration::from_secs(120) {
        for (w, rss_kb) in rss.iter().enumerate() {
            let (from, to) = (
                w as f64 * window.as_secs_f64(),
                (w + 1) as f64 * window.as_secs_f64(),
            );
            let mut in_window: Vec<f64> = timed
                .iter()
                .filter(|t| t.0 >= from && t.0 < to)
                .map(|t| t.1)
                .collect();
            in_window.sort_by(f64::total_cmp);
            println!(
                "  {from:>4.0}-{to:<4.0} s: {:>6} pushes, p50 {:>5.0} ms, p99 {:>5.0} ms, server RSS {} MB",
                in_window.len(),
                percentile(&in_window, 0.5),
                percentile(&in_window, 0.99),
                rss_kb / 1024
            );
        }
    }
    // Nothing lost: every acknowledged push is stored.
    let pool = db::connect(&url).await?;
    let (stored,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM pushes WHERE push_id LIKE 'bench-%'")
            .fetch_one(&pool)
            .await?;
    println!(
        "acknowledged pushes stored: {stored} of {} ({})",
        lat.len(),
        if stored as usize == lat.len() {
            "none lost"
        } else {
            "MISMATCH"
        }
    );
    anyhow::ensure!(
        stored as usize == lat.len(),
        "acknowledged pushes were lost"
    );
    Ok(())
}
