//! Helpers for the tests that cross crates: the real server on a free loopback port
//! with a fresh SQLite file, and a real headless Chromium driven through chromedriver.
//!
//! Both clean up after themselves: the server stops with the test's runtime, and the
//! browser (chromedriver and every Chromium process, in their own process group) is
//! killed and its profile directory removed when the [`Browser`] is dropped, also
//! when a test fails.

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

/// The real server, on `127.0.0.1` and a free port, with its own data directory.
pub struct TestServer {
    pub addr: SocketAddr,
    pub data_dir: TempDir,
}

impl TestServer {
    /// Starts a server with a fresh database and the demo data.
    pub async fn spawn() -> anyhow::Result<TestServer> {
        let data_dir = tempfile::tempdir()?;
        let addr = Self::start_in(data_dir.path().to_path_buf()).await?;
        Ok(TestServer { addr, data_dir })
    }

    /// Starts a server on an existing data directory (a restart).
    pub async fn start_in(dir: PathBuf) -> anyhow::Result<SocketAddr> {
        let app = Application::build(&Config::for_tests(dir, assets_dir())).await?;
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Ok(addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The SQLite file the server writes.
    pub fn db_file(&self) -> PathBuf {
        self.data_dir.path().join("tuanle.db")
    }
}

/// A headless Chromium driven through chromedriver. Dropping it kills chromedriver and
/// the browser it started (the whole process group) and removes the profile.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    pub async fn start() -> anyhow::Result<Browser> {
        let port = free_port()?;
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start /usr/bin/chromedriver (scripts/test installs it)")?;
        let profile = tempfile::tempdir()?;
        // From here on, a failure still kills chromedriver: the guard owns it.
        let mut guard = DriverGuard(Some(driver));
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
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
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let mut caps = serde_json::Map::new();
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
            _profile: profile,
        })
    }

    /// Waits for an element to appear (the app renders after it has loaded).
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element {css}"))
    }

    /// Waits until `f` holds, polling; fails with `what` after a few seconds.
    pub async fn eventually<F, Fut>(&self, what: &str, mut f: F) -> anyhow::Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
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

    /// Ends the session politely; dropping also works, less politely.
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.clone().close().await?;
        Ok(())
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

    /// Signs in; keeps the session cookie for the next requests.
    pub async fn sign_in(
        server: &TestServer,
        username: &str,
        password: &str,
    ) -> anyhow::Result<ApiClient> {
        let mut client = ApiClient::new(server);
        let response = client
            .post(
                tuanle_shared::wire::routes::SESSION,
                &serde_json::json!({"username": username, "password": password}),
            )
            .await?;
        if response.status() != 200 {
            bail!("sign-in of {username} answered {}", response.status());
        }
        let set_cookie = response
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .context("no Set-Cookie")?;
        client.cookie = set_cookie.split(';').next().map(str::to_owned);
        Ok(client)
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

    pub async fn delete(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .with_cookie(self.http.delete(format!("{}{path}", self.base)))
            .send()
            .await?)
    }
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = tuanle_server::demo::DEMO_PASSWORD;
