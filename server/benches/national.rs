//! The national campaign under load: `cargo bench -p tuanle-server --bench national`
//! (about four minutes) on SQLite; on PostgreSQL with `TUANLE_BENCH_POSTGRES` set to a
//! server it may create a database on (`scripts/bench` runs both). It generates the national demo campaign (99,433 units,
//! reports for 60 %), then measures:
//! - consolidated national totals from scratch (cold) and as stored (incremental), and
//!   the Excel export of the national form, in process, median of 5;
//! - the real server (its release binary, a separate process on loopback): the national
//!   and a province's dashboard requests on a quiet server; then 200 simulated tablets
//!   pushing for 30 s, first alone, then again with 1,000 dashboards watched like the app
//!   (the root, every province, wards), then alone again: pushes per second and push
//!   latency p50/p99 of each, the delay from commit to event on the root's, a province's and a ward's
//!   dashboard (p50/p99), and the server's memory with the streams open and its peak.

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

/// How many dashboards watch the second load, behaving like the app (apply each event's
/// figures, read the missing list again when its count moves, at most every 10 s): the
/// root, every province, then wards, `TUANLE_BENCH_STREAMS` in all, 1,000 by default.
fn stream_count() -> usize {
    std::env::var("TUANLE_BENCH_STREAMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000)
}

/// What the viewers did: events, their bytes, the missing-list requests they made (ms
/// each), and for the probed dashboards, the delay of each event after the commit it
/// shows (ms).
#[derive(Default)]
struct Watching {
    opened: std::sync::atomic::AtomicUsize,
    events: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
    requests: Mutex<Vec<f64>>,
    delays: Mutex<std::collections::HashMap<String, Vec<f64>>>,
}

/// A dashboard as the app keeps it: its event stream, each event's figures applied (here
/// parsed and counted), and the missing list read again when its count moved, no more
/// often than every 10 s (the app does so only while the list is open: this is the most
/// it asks). A probed dashboard also notes how long after its commit each event came.
async fn watch_like_the_app(
    client: Arc<Client>,
    unit: String,
    probed: bool,
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
    anyhow::ensure!(
        stream.status() == 200,
        "stream of {unit}: {}",
        stream.status()
    );
    let mut buffer = String::new();
    let (mut missing, mut last_read) = (None, Instant::now() - Duration::from_secs(10));
    let mut first = true;
    while let Ok(Some(chunk)) = stream.chunk().await {
        let arrived = now_ms();
        if std::mem::take(&mut first) {
            watching.opened.fetch_add(1, Relaxed);
        }
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
            if probed
                && let Some(at) = update["changed_at"].as_i64()
                && let Ok(mut d) = watching.delays.lock()
            {
                d.entry(unit.clone())
                    .or_default()
                    .push((arrived - at) as f64);
            }
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

/// A tablet: its account, its unit, the version its next push is based on.
struct Tablet {
    client: Client,
    unit: String,
    version: u64,
}

/// What one load did: (seconds into it, latency in ms) of every acknowledged push, the
/// refused or failed ones, how long it ran (s), and the server's memory sampled through.
struct Load {
    timed: Vec<(f64, f64)>,
    failed: u64,
    elapsed: f64,
    rss_kb: Vec<u64>,
    window: Duration,
}

impl Load {
    fn print(&self, label: &str) {
        let mut lat: Vec<f64> = self.timed.iter().map(|t| t.1).collect();
        lat.sort_by(f64::total_cmp);
        println!(
            "{label}: {TABLETS} tablets for {:.0} s: {} pushes, {:.0} pushes/s, latency p50 {:.1} ms, p99 {:.1} ms, {} failed",
            self.elapsed,
            lat.len(),
            self.rate(),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            self.failed
        );
        // Over a long run: is p99 steady, is memory flat?
        if self.elapsed >= 120.0 {
            for (w, rss_kb) in self.rss_kb.iter().enumerate() {
                let (from, to) = (
                    w as f64 * self.window.as_secs_f64(),
                    (w + 1) as f64 * self.window.as_secs_f64(),
                );
                let mut in_window: Vec<f64> = self
                    .timed
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
    }

    fn rate(&self) -> f64 {
        self.timed.len() as f64 / self.elapsed
    }
}

/// Every tablet pushes, one push in flight each, for `load` (`phase` names the push ids).
async fn push_for(
    tablets: Vec<Tablet>,
    load: Duration,
    phase: &str,
    server_pid: u32,
) -> anyhow::Result<(Vec<Tablet>, Load)> {
    let latencies = Arc::new(Mutex::new(Vec::<(f64, f64)>::new()));
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let stop = started + load;
    // The server's memory, sampled every tenth of the load (at least every 3 s).
    let window = (load / 10).max(Duration::from_secs(3));
    let rss_samples = tokio::spawn(async move {
        let mut samples = Vec::new();
        while Instant::now() < stop {
            tokio::time::sleep(window).await;
            samples.push(rss_kb(server_pid, "VmRSS:"));
        }
        samples
    });
    let mut tasks = Vec::new();
    for (i, mut tablet) in tablets.into_iter().enumerate() {
        let (latencies, failures, phase) = (latencies.clone(), failures.clone(), phase.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut rng = national::Rng::new(i as u64);
            let path = format!("/api/v1/campaigns/{CAMPAIGN}/reports/{}/push", tablet.unit);
            let mut n = 0u64;
            while Instant::now() < stop {
                n += 1;
                let body = json!({
                    "push_id": format!("bench-{phase}-{i}-{n}"),
                    "device_id": format!("tablet-{i}"),
                    "base_version": tablet.version,
                    "content": {"numbers": {
                        "1.1/count": rng.between(0, 30),
                        "1.1/persons": rng.between(0, 900),
                        "2/count": rng.between(0, 20),
                    }, "texts": {}},
                });
                let t = Instant::now();
                match tablet.client.post(&path, &body).await {
                    Ok((200, answer)) => {
                        tablet.version = answer["version"].as_u64().unwrap_or(tablet.version);
                        if let Ok(mut l) = latencies.lock() {
                            l.push((
                                started.elapsed().as_secs_f64(),
                                t.elapsed().as_secs_f64() * 1e3,
                            ));
                        }
                    }
                    _ => {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            tablet
        }));
    }
    let mut tablets = Vec::with_capacity(tasks.len());
    for t in tasks {
        tablets.push(t.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let timed = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    Ok((
        tablets,
        Load {
            timed,
            failed: failures.load(std::sync::atomic::Ordering::Relaxed),
            elapsed,
            rss_kb: rss_samples.await.unwrap_or_default(),
            window,
        },
    ))
}

/// The median time of 5 requests for a path (ms).
async fn median_request(client: &Client, path: &str) -> anyhow::Result<f64> {
    let mut took = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = client
            .http
            .get(format!("{}{path}", client.base))
            .header(reqwest::header::COOKIE, &client.cookie)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "{path}: {}", r.status());
        r.bytes().await?;
        took.push(t.elapsed());
    }
    Ok(median_ms(took))
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
    let (mut cold, mut warm, mut xlsx, mut docx) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
        let t = Instant::now();
        let fields = tuanle_shared::document::DocumentFields::defaults(
            data.kind,
            &data.unit_name,
            data.parent.as_ref().map(|(k, n)| (*k, n.as_str())),
        );
        let report = export::report_document(&data, &fields).map_err(|e| anyhow::anyhow!("{e}"))?;
        docx.push(t.elapsed());
        anyhow::ensure!(report.len() > 5_000);
    }
    println!(
        "national totals from scratch: median {:.0} ms; as stored: median {:.2} ms; Excel export (form + 34 provinces): median {:.0} ms; report document (.docx): median {:.1} ms",
        median_ms(cold),
        median_ms(warm),
        median_ms(xlsx),
        median_ms(docx)
    );
    // The dashboards the viewers may watch: the root, every province, every ward, with
    // each one's parent (a ward above the tablets is watched first among wards).
    let dashboards: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT u.code, u.depth, p.code FROM units u JOIN campaigns c ON c.id = u.campaign_id
         LEFT JOIN units p ON p.id = u.parent_id
         WHERE c.code = $1 AND u.depth <= 2 ORDER BY u.depth, u.code",
    )
    .bind(CAMPAIGN)
    .fetch_all(&pool)
    .await?;
    let parents: std::collections::HashMap<String, String> = sqlx::query_as(
        "SELECT u.code, p.code FROM units u JOIN campaigns c ON c.id = u.campaign_id
         JOIN units p ON p.id = u.parent_id WHERE c.code = $1 AND u.depth = 3",
    )
    .bind(CAMPAIGN)
    .fetch_all(&pool)
    .await?
    .into_iter()
    .collect();
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
            // `TUANLE_HEAVY_AT_ONCE` (documents built at once) passes through, to compare.
            .spawn()?,
    );
    let server_pid = server.0.id();
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
    let supervisor =
        Arc::new(Client::sign_in(&base, "qg-bgd", root["password"].as_str().unwrap_or("")).await?);

    // Opening dashboards on a quiet server: the national root's, a province's, and the
    // first page of the national missing list (read when that list is opened).
    let dashboard = |unit: &str| format!("/api/v1/campaigns/{CAMPAIGN}/dashboard/{unit}");
    println!(
        "dashboard request (quiet server), median of 5: national {:.1} ms, province 79 {:.1} ms; national missing list, first 50: {:.1} ms",
        median_request(&supervisor, &dashboard("BGD")).await?,
        median_request(&supervisor, &dashboard("79")).await?,
        median_request(
            &supervisor,
            &format!("{}/missing?limit=50", dashboard("BGD"))
        )
        .await?,
    );

    // Tablets of units whose report is still open (a submitted one refuses pushes).
    let mut tablets = Vec::with_capacity(TABLETS);
    for (username, password, unit) in creds {
        if tablets.len() == TABLETS {
            break;
        }
        let client = Client::sign_in(&base, &username, &password).await?;
        let state: Value = client
            .http
            .get(format!("{base}/api/v1/campaigns/{CAMPAIGN}/reports/{unit}"))
            .header(reqwest::header::COOKIE, &client.cookie)
            .send()
            .await?
            .json()
            .await?;
        if matches!(state["status"].as_str(), Some("draft" | "returned") | None) {
            let version = state["version"].as_u64().unwrap_or(0);
            tablets.push(Tablet {
                client,
                unit,
                version,
            });
        }
    }
    anyhow::ensure!(
        tablets.len() == TABLETS,
        "only {} open reports",
        tablets.len()
    );

    // 1. The tablets alone.
    let load = load_duration();
    let (tablets, alone) = push_for(tablets, load, "alone", server_pid).await?;
    alone.print("without event streams");

    // 2. The same tablets with the dashboards watched like the app: the root, every
    // province, then wards, the ward above the first tablet first. Probed for the delay
    // from commit to event: the root, the first tablet's province and its ward.
    let ward = parents
        .get(&tablets[0].unit)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no ward above {}", tablets[0].unit))?;
    let province = dashboards
        .iter()
        .find(|d| d.0 == ward)
        .and_then(|d| d.2.clone())
        .ok_or_else(|| anyhow::anyhow!("no province above {ward}"))?;
    let mut watched: Vec<&(String, i64, Option<String>)> = dashboards.iter().collect();
    watched.sort_by_key(|d| (d.1, d.0 != ward, d.0.clone()));
    watched.truncate(stream_count());
    let probes = ["BGD".to_owned(), province.clone(), ward.clone()];
    let watching = Arc::new(Watching::default());
    let before = rss_kb(server_pid, "VmRSS:");
    let viewer_tasks: Vec<_> = watched
        .iter()
        .map(|(unit, _, _)| {
            tokio::spawn(watch_like_the_app(
                supervisor.clone(),
                unit.clone(),
                probes.contains(unit),
                watching.clone(),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while watching.opened.load(std::sync::atomic::Ordering::Relaxed) < watched.len() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the event streams did not all open"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = rss_kb(server_pid, "VmRSS:");
    let (tablets, watched_load) = push_for(tablets, load, "watched", server_pid).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let peak_kb = rss_kb(server_pid, "VmHWM:");
    for v in &viewer_tasks {
        v.abort();
    }
    // 3. The tablets alone again: a later load is slower by itself (the tables and the
    // log have grown), so the streams are judged against the loads on either side.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (tablets, after) = push_for(tablets, load, "after", server_pid).await?;
    // 4. The tablets again while four national supervisors download the national
    // documents over and over (the workbook and the report, each in turn): the heavy
    // work waits its turn and must not take the cores the pushes need.
    let downloading = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let downloaders: Vec<_> = (0..4)
        .map(|i| {
            let (supervisor, downloading) = (supervisor.clone(), downloading.clone());
            tokio::spawn(async move {
                let mut took = Vec::new();
                let final_figures = tuanle_shared::wire::FigureMode::Final;
                let documents = [
                    tuanle_shared::wire::routes::export(CAMPAIGN, "BGD", final_figures),
                    tuanle_shared::wire::routes::report_document(CAMPAIGN, "BGD", final_figures),
                ];
                let mut n = i;
                while downloading.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = Instant::now();
                    let bytes = supervisor
                        .http
                        .get(format!("{}{}", supervisor.base, documents[n % 2]))
                        .header(reqwest::header::COOKIE, &supervisor.cookie)
                        .send()
                        .await?
                        .error_for_status()?
                        .bytes()
                        .await?;
                    anyhow::ensure!(bytes.len() > 5_000, "a national document");
                    took.push(t.elapsed());
                    n += 1;
                }
                anyhow::Ok(took)
            })
        })
        .collect();
    let (_, with_documents) = push_for(tablets, load, "documents", server_pid).await?;
    downloading.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut downloads = Vec::new();
    for d in downloaders {
        downloads.extend(d.await??);
    }
    drop(server);

    watched_load.print(&format!("with {} event streams", watched.len()));
    after.print("without event streams again");
    let without = (alone.rate() + after.rate()) / 2.0;
    println!(
        "  with the streams {:.2}× the pushes/s without them, before and after on average (target ≥ 0.9×)",
        watched_load.rate() / without
    );
    with_documents.print("with 4 national supervisors downloading the national documents");
    let mut document_ms: Vec<f64> = downloads.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    document_ms.sort_by(f64::total_cmp);
    println!(
        "  {} national documents downloaded ({:.1}/s), each p50 {:.0} ms, p99 {:.0} ms; pushes {:.2}× those of the load before",
        document_ms.len(),
        document_ms.len() as f64 / with_documents.elapsed,
        percentile(&document_ms, 0.5),
        percentile(&document_ms, 0.99),
        with_documents.rate() / after.rate()
    );
    let delays = watching
        .delays
        .lock()
        .map(|d| d.clone())
        .unwrap_or_default();
    for (what, unit) in [
        ("national root", "BGD"),
        ("province", &province),
        ("ward", &ward),
    ] {
        let mut d = delays.get(unit).cloned().unwrap_or_default();
        d.sort_by(f64::total_cmp);
        println!(
            "  commit → event on the {what}'s dashboard ({unit}): {} events, p50 {:.0} ms, p99 {:.0} ms",
            d.len(),
            percentile(&d, 0.5),
            percentile(&d, 0.99)
        );
    }
    let mut requests = watching
        .requests
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    requests.sort_by(f64::total_cmp);
    let events = watching.events.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "  {events} events ({:.1} kB each), {} missing-list requests ({:.1}/s), request p50 {:.0} ms, p99 {:.0} ms",
        watching.bytes.load(std::sync::atomic::Ordering::Relaxed) as f64
            / events.max(1) as f64
            / 1024.0,
        requests.len(),
        requests.len() as f64 / watched_load.elapsed,
        percentile(&requests, 0.5),
        percentile(&requests, 0.99)
    );
    println!(
        "  server memory: {:.1} MB before the streams, {:.1} MB with them open ({:.1} kB a stream), peak (VmHWM) {:.0} MB (target ≤ 150 MB)",
        before as f64 / 1024.0,
        open as f64 / 1024.0,
        open.saturating_sub(before) as f64 / watched.len().max(1) as f64,
        peak_kb as f64 / 1024.0
    );

    // Nothing lost: every acknowledged push is stored.
    let acknowledged = alone.timed.len()
        + watched_load.timed.len()
        + after.timed.len()
        + with_documents.timed.len();
    let pool = db::connect(&url).await?;
    let (stored,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM pushes WHERE push_id LIKE 'bench-%'")
            .fetch_one(&pool)
            .await?;
    println!(
        "acknowledged pushes stored: {stored} of {acknowledged} ({})",
        if stored as usize == acknowledged {
            "none lost"
        } else {
            "MISMATCH"
        }
    );
    anyhow::ensure!(
        stored as usize == acknowledged,
        "acknowledged pushes were lost"
    );
    Ok(())
}
