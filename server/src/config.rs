//! Configuration by flags or environment, with defaults that start a working product
//! from the repository's root.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How to run the server.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "tuanle-server",
    about = "Lifelong Learning Week reports: server"
)]
pub struct Config {
    /// Address to listen on. Port 0 picks a free port (tests use it).
    #[arg(long, env = "TUANLE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Directory for the database and other files; created when missing.
    #[arg(long, env = "TUANLE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database URL. Default: `sqlite://<data-dir>/tuanle.db`, created on first start.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// The built app (index.html, the wasm and its loader, the CSS).
    #[arg(long, env = "TUANLE_ASSETS_DIR", default_value = "target/dist")]
    pub assets_dir: PathBuf,

    /// Load the demo campaign and tree when the database has no campaign yet.
    #[arg(long, env = "TUANLE_DEMO")]
    pub demo: bool,

    /// Mark the session cookie `Secure`: set when the server is reached over TLS.
    #[arg(long, env = "TUANLE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// A reverse proxy in front of the server, whose `X-Forwarded-For` names the client
    /// (for the per-address sign-in limit). Repeat for several; in the environment,
    /// separate them with commas. Without one, the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "TUANLE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// How many documents may be built (or uploaded spreadsheets read) at once; the
    /// others wait their turn. Default: the machine's cores less one, at least one, so
    /// that a core is always left to the pushes.
    #[arg(long, env = "TUANLE_HEAVY_AT_ONCE")]
    pub heavy_at_once: Option<usize>,

    /// A secret that lets a Prometheus server read `/metrics` from elsewhere than this
    /// machine (`Authorization: Bearer <token>`). Without it, `/metrics` answers only
    /// requests from the loopback that no proxy forwarded.
    #[arg(long, env = "TUANLE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// How each log line is written: `text` for people, `json` (one object a line) for
    /// a log collector. Each request is one line: its method, route, status, duration.
    #[arg(long, env = "TUANLE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Something else than serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The server's other commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Copies a SQLite database (it may be serving meanwhile) into an empty PostgreSQL
    /// database, campaigns and history included, then checks the copy: rows counted on
    /// both sides, totals recomputed on PostgreSQL. Then start the servers with
    /// `--database-url` set to the PostgreSQL one.
    Migrate {
        /// The SQLite database: `sqlite://data/tuanle.db`.
        #[arg(long)]
        from: String,
        /// The empty PostgreSQL database: `postgres://user:password@host/db`.
        #[arg(long)]
        to: String,
    },
    /// Writes a consistent copy of the SQLite database to FILE, while the server runs
    /// (on PostgreSQL, use `pg_dump`). Start a server on the copy to restore it.
    Backup {
        /// The copy to write; must not exist yet.
        file: PathBuf,
    },
}

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("tuanle.db").display()))
    }

    /// A configuration for tests and tools: a free loopback port, the given data
    /// directory and assets, demo data on.
    pub fn for_tests(data_dir: PathBuf, assets_dir: PathBuf) -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            assets_dir,
            demo: true,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            heavy_at_once: None,
            metrics_token: None,
            log_format: LogFormat::Text,
            command: None,
        }
    }
}
