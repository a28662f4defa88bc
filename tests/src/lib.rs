//! Helpers for the tests that cross crates: the real server on a free loopback port
//! with a fresh database (a SQLite file, or a PostgreSQL database), and a real headless Chromium driven through chromedriver.
//!
//! Both clean up after themselves: the server stops with the test's runtime, and the
//! browser (chromedriver and every Chromium process, in their own process group) is
//! killed and its profile directory removed when the [`Browser`] is dropped, also
//! when a test fails.

pub mod office;
pub mod relay;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use tempfile::TempDir;
use tuanle_server::{Application, Config};

/// Where the built app is: `TUANLE_ASSETS_DIR`, or the workspace's `target/dist`.
pub fn assets_dir() -> PathBuf {
    std::env::var_os("TUANLE_ASSETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/dist"))
}

/// The built app's `build.json` (written by `scripts/lib.sh`): the build's id and its
/// content-hashed file names (`app.wasm`, `app.js`, `style`, `boot`, `admin.wasm`…).
pub fn build_manifest() -> anyhow::Result<serde_json::Value> {
    let path = assets_dir().join("build.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{} (build the app with scripts/test)", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// One file name of the built app, from [`build_manifest`]: `"app.wasm"` is the
/// reporters' wasm, `/pkg/tuanle_app_bg-0123456789ab.wasm`.
pub fn built_file(key: &str) -> anyhow::Result<String> {
    let manifest = build_manifest()?;
    let mut value = &manifest;
    for part in key.split('.') {
        value = &value[part];
    }
    value
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("build.json has no {key}"))
}

/// The real server, on `127.0.0.1` and a free port, with its own data directory and
/// a fresh database. It can be stopped and started again on the same port and database,
/// as after a crash or an outage.
///
/// The database is a SQLite file in the data directory, or, when `TUANLE_TEST_POSTGRES`
/// names a PostgreSQL server (`postgres://user@host:port/postgres`; `scripts/test` starts
/// a throw-away one), a database of its own created there: the same tests run on both
/// engines.
pub struct TestServer {
    pub addr: SocketAddr,
    pub data_dir: TempDir,
    pub database_url: String,
    /// The built app it serves.
    pub assets: PathBuf,
    running: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    )>,
}

/// The PostgreSQL server the tests run on, when they run on PostgreSQL.
pub fn test_postgres() -> Option<String> {
    std::env::var("TUANLE_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The PostgreSQL server of a test that needs one. Such a test is `#[ignore]`d, so that
/// a run on SQLite reports it as ignored, not passed; `scripts/test` runs it in its
/// PostgreSQL pass (`--include-ignored`). Run without PostgreSQL, it fails.
pub fn require_postgres() -> String {
    test_postgres().expect(
        "this test needs PostgreSQL: set TUANLE_TEST_POSTGRES (scripts/test does, in its PostgreSQL pass)",
    )
}

/// A fresh, empty database for one test server: a new PostgreSQL database when the tests
/// run on PostgreSQL, else a SQLite file in `data_dir` (created by the server).
pub async fn fresh_database(data_dir: &std::path::Path) -> anyhow::Result<String> {
    match test_postgres() {
        Some(admin_url) => {
            tuanle_server::db::create_postgres_database(&admin_url, "tuanle_test").await
        }
        None => Ok(format!("sqlite://{}", data_dir.join("tuanle.db").display())),
    }
}

impl TestServer {
    /// Starts a server with a fresh database and the demo data.
    pub async fn spawn() -> anyhow::Result<TestServer> {
        TestServer::spawn_serving(assets_dir()).await
    }

    /// Starts a server on a SQLite file whatever engine the tests run on: the source of
    /// a move to PostgreSQL.
    pub async fn spawn_on_sqlite() -> anyhow::Result<TestServer> {
        let data_dir = tempfile::tempdir()?;
        let database_url = format!("sqlite://{}", data_dir.path().join("tuanle.db").display());
        let mut server = TestServer {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url,
            assets: assets_dir(),
            running: None,
        };
        server.start().await?;
        Ok(server)
    }

    /// Starts a server that serves the built app in `assets` (a copy, for a new build
    /// to be put in its place).
    pub async fn spawn_serving(assets: PathBuf) -> anyhow::Result<TestServer> {
        let data_dir = tempfile::tempdir()?;
        let database_url = fresh_database(data_dir.path()).await?;
        let mut server = TestServer {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url,
            assets,
            running: None,
        };
        server.start().await?;
        Ok(server)
    }

    /// The configuration this server runs with.
    pub fn config(&self) -> Config {
        let mut config = Config::for_tests(self.data_dir.path().to_path_buf(), self.assets.clone());
        config.database_url = Some(self.database_url.clone());
        config
    }

    /// Starts a second server on this one's data directory and database, on a new free
    /// port (another instance behind a load balancer, or the same machine restarted).
    /// It runs until the test ends.
    pub async fn start_another(&self) -> anyhow::Result<SocketAddr> {
        let app = Application::build(&self.config()).await?;
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Ok(addr)
    }

    /// (Re)starts the server on its address (the same port after the first start).
    pub async fn start(&mut self) -> anyhow::Result<()> {
        let mut config = self.config();
        config.addr = self.addr;
        let deadline = Instant::now() + Duration::from_secs(10);
        let app = loop {
            match Application::build(&config).await {
                Ok(app) => break app,
                // The port can take a moment to be free again after a stop.
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e),
            }
        };
        self.addr = app.local_addr();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = rx.await;
        }));
        self.running = Some((tx, task));
        Ok(())
    }

    /// Stops the server: it stops listening, ends its connections and closes the database.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some((tx, task)) = self.running.take() {
            let _ = tx.send(());
            match tokio::time::timeout(Duration::from_secs(10), task).await {
                Ok(joined) => joined??,
                Err(_) => bail!("the server did not stop within 10 s"),
            }
        }
        Ok(())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The SQLite file the server writes (when the tests run on SQLite).
    pub fn db_file(&self) -> Option<PathBuf> {
        self.database_url
            .starts_with("sqlite:")
            .then(|| self.data_dir.path().join("tuanle.db"))
    }

    /// The SQLite file of a test about SQLite itself. Such tests live in a module named
    /// `sqlite_only`, which the PostgreSQL pass of `scripts/test` skips by name
    /// (`--skip sqlite_only::`, reported as filtered out); run on PostgreSQL anyway,
    /// they fail rather than pass.
    pub fn require_sqlite(&self) -> PathBuf {
        self.db_file().expect(
            "this test is about the SQLite file: run it without TUANLE_TEST_POSTGRES (scripts/test skips it on PostgreSQL)",
        )
    }

    /// A connection to the server's database, to check what is really stored.
    pub async fn db(&self) -> anyhow::Result<tuanle_server::db::Pool> {
        tuanle_server::db::connect(&self.database_url).await
    }
}

/// A headless Chromium driven through chromedriver. Dropping it kills chromedriver and
/// the browser it started (the whole process group) and removes the profile.
/// How a [`Browser`] is launched, besides its profile.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// `goto` returns at once instead of waiting for the page to load: for measuring
    /// loads that may never finish (a stalled network).
    pub no_wait: bool,
    /// Another browser's user agent (an in-app browser's).
    pub user_agent: Option<String>,
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: Option<TempDir>,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A Chrome DevTools command, through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
pub struct Cdp(pub &'static str, pub serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or("")
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({"cmd": self.0, "params": self.1});
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// The page as Chromium prints it (its print styles, A4), as PDF bytes.
    pub async fn print_to_pdf(&self) -> anyhow::Result<Vec<u8>> {
        use base64::Engine;
        let answer = self
            .client
            .issue_cmd(Cdp(
                "Page.printToPDF",
                serde_json::json!({"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true}),
            ))
            .await?;
        let data = answer["data"]
            .as_str()
            .or_else(|| answer["value"]["data"].as_str())
            .context("printToPDF gave no data")?;
        Ok(base64::engine::general_purpose::STANDARD.decode(data)?)
    }

    /// Takes the page off the network, or back on it, as the device's own radio would
    /// (DevTools network emulation: requests and event streams fail, `navigator.onLine`
    /// says so, and `online` fires when it comes back).
    pub async fn set_offline(&self, offline: bool) -> anyhow::Result<()> {
        self.client
            .issue_cmd(Cdp("Network.enable", serde_json::json!({})))
            .await?;
        self.client
            .issue_cmd(Cdp(
                "Network.emulateNetworkConditions",
                serde_json::json!({"offline": offline, "latency": 0,
                                   "downloadThroughput": -1, "uploadThroughput": -1}),
            ))
            .await?;
        Ok(())
    }

    /// A browser with a fresh profile, removed when it is dropped.
    pub async fn start() -> anyhow::Result<Browser> {
        let profile = tempfile::tempdir()?;
        let mut browser = Browser::start_in(profile.path()).await?;
        browser._profile = Some(profile);
        Ok(browser)
    }

    /// A browser on an existing profile directory (the same tablet, reopened).
    pub async fn start_in(profile: &std::path::Path) -> anyhow::Result<Browser> {
        Browser::launch(profile, &Launch::default()).await
    }

    /// A browser on a profile directory that does not wait for pages to load
    /// ([`Launch::no_wait`]): for timing a page through a slow or stalled link.
    pub async fn start_unwaited(profile: &std::path::Path) -> anyhow::Result<Browser> {
        let launch = Launch {
            no_wait: true,
            ..Launch::default()
        };
        Browser::launch(profile, &launch).await
    }

    /// A browser on a profile directory, launched as `launch` says.
    ///
    /// The port chromedriver is given was free a moment before; tests running side by
    /// side can take it meanwhile (a test server binding port 0), and chromedriver then
    /// exits while the other listener answers in its place. Such a start is tried again on
    /// a new port, twice at most.
    pub async fn launch(profile: &std::path::Path, launch: &Launch) -> anyhow::Result<Browser> {
        let mut tries = 0;
        loop {
            tries += 1;
            match Browser::launch_once(profile, launch).await {
                Ok(browser) => return Ok(browser),
                Err(e) if tries < 3 => eprintln!("Chromium did not start (try {tries}): {e:#}"),
                Err(e) => return Err(e),
            }
        }
    }

    async fn launch_once(profile: &std::path::Path, launch: &Launch) -> anyhow::Result<Browser> {
        let port = free_port()?;
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start /usr/bin/chromedriver (scripts/test installs it)")?;
        // From here on, a failure still kills chromedriver: the guard owns it.
        let mut guard = DriverGuard(Some(driver));
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Listening, and still running: not another process on a port it lost.
        if let Some(driver) = guard.0.as_mut()
            && let Ok(Some(status)) = driver.try_wait()
        {
            bail!("chromedriver exited ({status}): port {port} was taken");
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1024,1366",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .chain(
            launch
                .user_agent
                .iter()
                .map(|ua| format!("--user-agent={ua}")),
        )
        .collect::<Vec<_>>();
        let mut caps = serde_json::Map::new();
        if launch.no_wait {
            caps.insert("pageLoadStrategy".into(), "none".into());
        }
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
        );
        let client = ClientBuilder::rustls()
            .context("TLS setup")?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("cannot open a Chromium session")?;
        let driver = guard.0.take().context("driver guard")?;
        Ok(Browser {
            client,
            driver,
            _profile: None,
        })
    }

    /// Waits for an element to appear (the app renders after it has loaded).
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .client
                .wait()
                .at_most(left)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(element) => return Ok(element),
                // The page loaded another one meanwhile (after signing in, a supervisor's
                // page loads the supervisors' bundle): the command was cut short, not
                // answered. Look again on the new page.
                Err(e)
                    if e.to_string().contains("aborted by navigation")
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).with_context(|| format!("no element {css}")),
            }
        }
    }

    /// Waits until this build's service worker controls the page (the app then opens
    /// from the device, with or without a network).
    pub async fn wait_for_worker(&self) -> anyhow::Result<()> {
        self.eventually("the service worker controls the page", || async {
            let controlled = self
                .client
                .execute("return !!navigator.serviceWorker.controller;", vec![])
                .await?;
            Ok(controlled == serde_json::Value::Bool(true))
        })
        .await
    }

    /// Waits until `f` holds, polling; fails with `what` after a few seconds.
    /// The text of the first element `css` selects, once there is one.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// An attribute of the first element `css` selects, once there is one ("" when it has
    /// none).
    pub async fn attr(&self, css: &str, name: &str) -> anyhow::Result<String> {
        Ok(self
            .wait_for(css)
            .await?
            .attr(name)
            .await?
            .unwrap_or_default())
    }

    pub async fn eventually<F, Fut>(&self, what: &str, mut f: F) -> anyhow::Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let deadline = Instant::now() + Duration::from_secs(25);
        loop {
            if f().await? {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for: {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How long until `css` is in the page, polling from now; `None` past `cap`. With
    /// [`Launch::no_wait`], right after a `goto` this is how long the page took to open.
    pub async fn time_until(&self, css: &str, cap: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < cap {
            if self.client.find(Locator::Css(css)).await.is_ok() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Ends the session politely; dropping also works, less politely.
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// Signs in through the sign-in page and waits for the report form.
    pub async fn sign_in(&self, server: &TestServer, username: &str) -> anyhow::Result<()> {
        self.sign_in_to(server, username, "tr[data-row='12.6']")
            .await
    }

    /// Signs in and waits for `landmark` (a supervisor lands on the dashboard).
    pub async fn sign_in_to(
        &self,
        server: &TestServer,
        username: &str,
        landmark: &str,
    ) -> anyhow::Result<()> {
        self.sign_in_at(&server.url(""), username, landmark).await
    }

    /// Signs in at `base` (`http://host:port`, the server's or a relay's), waits for
    /// `landmark`.
    pub async fn sign_in_at(
        &self,
        base: &str,
        username: &str,
        landmark: &str,
    ) -> anyhow::Result<()> {
        self.sign_in_with(base, username, DEMO_PASSWORD, landmark)
            .await
    }

    /// Signs in at `base` with `password` (an account made in the test), waits for
    /// `landmark`.
    pub async fn sign_in_with(
        &self,
        base: &str,
        username: &str,
        password: &str,
        landmark: &str,
    ) -> anyhow::Result<()> {
        self.client.goto(&format!("{base}/dang-nhap")).await?;
        self.wait_for("input[name='username']")
            .await?
            .send_keys(username)
            .await?;
        self.client
            .find(Locator::Css("input[name='password']"))
            .await?
            .send_keys(password)
            .await?;
        self.client
            .find(Locator::Css("form.sign-in button[type='submit']"))
            .await?
            .click()
            .await?;
        self.wait_for(landmark).await?;
        Ok(())
    }

    /// Types into a cell of the form (`1.3/count`, `I.1/text`).
    pub async fn type_in(&self, cell: &str, text: &str) -> anyhow::Result<()> {
        self.client
            .find(Locator::Css(&format!("[data-cell='{cell}']")))
            .await?
            .send_keys(text)
            .await?;
        Ok(())
    }

    /// Clicks an element after scrolling it to the middle of the screen, clear of the
    /// sticky bars at the top.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.wait_for(css).await?;
        self.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });",
                vec![serde_json::Value::String(css.to_owned())],
            )
            .await?;
        element.click().await?;
        Ok(())
    }

    /// Saves a screenshot as `<TUANLE_SCREENSHOTS>/<name>.png` when that variable names a
    /// directory: a way to look at what the tests see. Does nothing otherwise.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<()> {
        if let Some(dir) = std::env::var_os("TUANLE_SCREENSHOTS") {
            let png = self.client.screenshot().await?;
            std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png)?;
        }
        Ok(())
    }

    /// Empties a cell and types a new value.
    pub async fn replace_in(&self, cell: &str, text: &str) -> anyhow::Result<()> {
        // WebDriver's own "clear" sends no input event, which a person deleting the text
        // does: empty the cell the way a keyboard would, then type.
        self.client
            .execute(
                "const el = document.querySelector(`[data-cell='${arguments[0]}']`);
                 el.value = '';
                 el.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![serde_json::Value::String(cell.to_owned())],
            )
            .await?;
        if !text.is_empty() {
            self.type_in(cell, text).await?;
        }
        Ok(())
    }

    /// What a cell shows.
    pub async fn value_of(&self, cell: &str) -> anyhow::Result<String> {
        let input = self.wait_for(&format!("[data-cell='{cell}']")).await?;
        Ok(input.prop("value").await?.unwrap_or_default())
    }

    /// The state the sync bar shows (`synced`, `pending`, `syncing`, `offline`, `error`).
    pub async fn sync_state(&self) -> anyhow::Result<String> {
        let bar = self.wait_for(".sync-bar").await?;
        Ok(bar.attr("data-sync").await?.unwrap_or_default())
    }

    /// Waits until the sync bar shows `state`.
    pub async fn wait_sync(&self, state: &str) -> anyhow::Result<()> {
        let what = format!("sync state {state}");
        self.eventually(&what, || async { Ok(self.sync_state().await? == state) })
            .await
    }
}

struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills a process group leader and everything it started.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads a server-sent event stream until an event named `name` arrives; fails when
/// the stream ends or nothing came within `within`.
pub async fn wait_for_event(
    stream: &mut reqwest::Response,
    name: &str,
    within: Duration,
) -> anyhow::Result<()> {
    let wanted = format!("event: {name}");
    tokio::time::timeout(within, async {
        loop {
            match stream.chunk().await? {
                Some(bytes) if String::from_utf8_lossy(&bytes).contains(&wanted) => return Ok(()),
                Some(_) => continue,
                None => bail!("the event stream ended"),
            }
        }
    })
    .await
    .with_context(|| format!("no {name:?} event within {within:?}"))?
}

/// The body of a push setting the count of each row named (`("2", 3)` is row 2's count).
pub fn push_counts(push_id: &str, base: u64, cells: &[(&str, u64)]) -> serde_json::Value {
    let numbers: serde_json::Map<String, serde_json::Value> = cells
        .iter()
        .map(|(k, v)| (format!("{k}/count"), serde_json::json!(v)))
        .collect();
    serde_json::json!({"push_id": push_id, "device_id": "t", "base_version": base,
                       "content": {"numbers": numbers}})
}

/// A JSON client of the API that keeps its session cookie, as the app does.
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
}

impl ApiClient {
    pub fn new(server: &TestServer) -> ApiClient {
        ApiClient {
            base: server.url(""),
            http: reqwest::Client::new(),
            cookie: None,
        }
    }

    /// The same client, session included, talking to another server instance (as a
    /// load balancer would send it).
    pub fn at(&self, addr: SocketAddr) -> ApiClient {
        ApiClient {
            base: format!("http://{addr}"),
            http: self.http.clone(),
            cookie: self.cookie.clone(),
        }
    }

    /// Signs in; keeps the session cookie for the next requests.
    pub async fn sign_in(
        server: &TestServer,
        username: &str,
        password: &str,
    ) -> anyhow::Result<ApiClient> {
        ApiClient::sign_in_at(server.addr, username, password).await
    }

    /// Signs in on the server at `addr`.
    pub async fn sign_in_at(
        addr: SocketAddr,
        username: &str,
        password: &str,
    ) -> anyhow::Result<ApiClient> {
        let body = serde_json::json!({"username": username, "password": password});
        Ok(ApiClient::sign_in_with(addr, &body).await?.0)
    }

    /// Signs in with `body` as the sign-in request; the client and the server's answer.
    pub async fn sign_in_with(
        addr: SocketAddr,
        body: &serde_json::Value,
    ) -> anyhow::Result<(ApiClient, serde_json::Value)> {
        let mut client = ApiClient {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            cookie: None,
        };
        let response = client
            .post(tuanle_shared::wire::routes::SESSION, body)
            .await?;
        if response.status() != 200 {
            bail!(
                "sign-in of {} answered {}",
                body["username"],
                response.status()
            );
        }
        let set_cookie = response
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .context("no Set-Cookie")?;
        client.cookie = set_cookie.split(';').next().map(str::to_owned);
        let me = response.json().await?;
        Ok((client, me))
    }

    /// The session cookie (`name=value`), for requests built by hand.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    fn with_cookie(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(c) => r.header(reqwest::header::COOKIE, c),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .with_cookie(self.http.get(format!("{}{path}", self.base)))
            .send()
            .await?)
    }

    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .with_cookie(self.http.post(format!("{}{path}", self.base)))
            .json(body)
            .send()
            .await?)
    }

    /// Any method with an optional JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<reqwest::Response> {
        let r = self.http.request(method, format!("{}{path}", self.base));
        let r = match body {
            Some(b) => r.json(b),
            None => r,
        };
        Ok(self.with_cookie(r).send().await?)
    }

    /// `POST` a file as the body, with its media type.
    pub async fn post_file(
        &self,
        path: &str,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<reqwest::Response> {
        self.send_file(reqwest::Method::POST, path, media_type, bytes)
            .await
    }

    /// `PUT` a file as the body, with its media type.
    pub async fn put_file(
        &self,
        path: &str,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<reqwest::Response> {
        self.send_file(reqwest::Method::PUT, path, media_type, bytes)
            .await
    }

    async fn send_file(
        &self,
        method: reqwest::Method,
        path: &str,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .with_cookie(self.http.request(method, format!("{}{path}", self.base)))
            .header(reqwest::header::CONTENT_TYPE, media_type)
            .body(bytes)
            .send()
            .await?)
    }

    /// Sends a request that must answer `status`, and reads its JSON answer.
    pub async fn expect<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        status: u16,
    ) -> anyhow::Result<T> {
        let response = self.send(method.clone(), path, body).await?;
        let got = response.status().as_u16();
        let text = response.text().await?;
        if got != status {
            bail!("{method} {path} answered {got}, expected {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("{method} {path}: {text}"))
    }

    /// `GET path`, which must answer 200, read as JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.expect(reqwest::Method::GET, path, None, 200).await
    }

    /// `POST path` with a JSON body, which must answer 200, read as JSON.
    pub async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<T> {
        self.expect(reqwest::Method::POST, path, Some(body), 200)
            .await
    }

    /// `GET path`, which must be refused: the status and the `{code, message}` body.
    pub async fn get_refused(
        &self,
        path: &str,
    ) -> anyhow::Result<(u16, tuanle_shared::wire::ApiError)> {
        refusal(self.get(path).await?).await
    }

    /// `POST path` with a JSON body, which must be refused: the status and the
    /// `{code, message}` body.
    pub async fn post_refused(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, tuanle_shared::wire::ApiError)> {
        refusal(self.post(path, body).await?).await
    }

    /// Creates an account in the demo campaign as an administrator does in *Tài khoản*
    /// (this client must be one); its first password.
    pub async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        unit_code: &str,
    ) -> anyhow::Result<String> {
        let created: tuanle_shared::wire::admin::Credentials = self
            .expect(
                reqwest::Method::POST,
                &tuanle_shared::wire::admin::routes::campaign("2025", "/accounts"),
                Some(
                    &serde_json::json!({"username": username, "display_name": display_name,
                                         "role": role, "unit_code": unit_code}),
                ),
                201,
            )
            .await?;
        Ok(created.password)
    }

    /// Opens or closes the campaign `code`, as an administrator does in *Đợt báo cáo*
    /// (this client must be one), keeping everything else of it.
    pub async fn set_campaign_open(&self, code: &str, open: bool) -> anyhow::Result<()> {
        use tuanle_shared::wire::{CampaignSummary, admin, routes};
        let campaigns: Vec<CampaignSummary> = self.get_json(routes::CAMPAIGNS).await?;
        let c = campaigns
            .into_iter()
            .find(|c| c.code == code)
            .with_context(|| format!("no campaign {code}"))?;
        let body = serde_json::json!({
            "code": c.code, "year": c.year, "theme": c.theme, "starts_on": c.starts_on,
            "ends_on": c.ends_on, "form_version": c.form_version, "deadlines": c.deadlines,
            "open": open,
        });
        let r = self
            .send(
                reqwest::Method::PUT,
                &admin::routes::campaign(code, ""),
                Some(&body),
            )
            .await?;
        anyhow::ensure!(r.status() == 204, "{}", r.text().await?);
        Ok(())
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .with_cookie(self.http.delete(format!("{}{path}", self.base)))
            .send()
            .await?)
    }
}

/// The status and body of an answer that must be a refusal: anything else (a success,
/// a body that is not `{code, message}`) is an error.
pub async fn refusal(
    response: reqwest::Response,
) -> anyhow::Result<(u16, tuanle_shared::wire::ApiError)> {
    let status = response.status().as_u16();
    let text = response.text().await?;
    if status < 400 {
        bail!("expected a refusal, got {status}: {text:.300}");
    }
    let body = serde_json::from_str(&text)
        .with_context(|| format!("{status} is not an API refusal: {text:.300}"))?;
    Ok((status, body))
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = tuanle_server::demo::DEMO_PASSWORD;

/// Adds `values.len()` primary schools under the demo ward NB-HQ (codes `NB-HQ-P01`…)
/// and submits a report for each, entered by the ward on its behalf, with the numbers
/// given: the peers of the ward's own primary school, NB-HQ-TH. `admin` and `ward` are
/// signed-in clients of the national administrator and the ward's supervisor.
pub async fn submit_peer_schools(
    admin: &ApiClient,
    ward: &ApiClient,
    values: &[serde_json::Value],
) -> anyhow::Result<()> {
    use tuanle_shared::wire::{admin::routes as admin_routes, routes};
    for (i, numbers) in values.iter().enumerate() {
        let code = format!("NB-HQ-P{:02}", i + 1);
        let added = admin
            .post(
                &admin_routes::campaign("2025", "/units"),
                &serde_json::json!({"code": code, "name": format!("Trường Tiểu học số {}", i + 1),
                                    "kind": "truong_tieu_hoc", "parent": "NB-HQ"}),
            )
            .await?;
        anyhow::ensure!(added.status().is_success(), "{}", added.text().await?);
        let report = |action: &str| routes::report("2025", &code, action);
        let pushed: tuanle_shared::wire::PushAccepted = ward
            .post_json(
                &report("push"),
                &serde_json::json!({"push_id": format!("peer-{code}"), "device_id": "ward-pc",
                                    "base_version": 0, "content": {"numbers": numbers}}),
            )
            .await?;
        let _: tuanle_shared::wire::ReportState = ward
            .post_json(
                &report("submit"),
                &serde_json::json!({"version": pushed.version, "device_id": "ward-pc",
                                    "acknowledge_warnings": true}),
            )
            .await?;
    }
    Ok(())
}
