//! The database: a SQLite file by default, in WAL mode so readers never wait on the
//! writer, created and migrated on first start.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens (creating if needed) and migrates the database at `url`: the pool readers use.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options(url)?)
        .await
        .with_context(|| format!("cannot open database {url}"))?;
    MIGRATOR
        .run(&pool)
        .await
        .context("cannot migrate the database")?;
    Ok(pool)
}

/// The one connection every write goes through (after [`connect`] migrated the file).
/// SQLite has one writer at a time: writers queued here wait their turn in order,
/// whereas several connections racing for the write lock would sleep in SQLite's busy
/// handler (up to 100 ms a try), which under 200 tablets cost half the throughput and
/// seconds of p99 latency.
pub async fn connect_writer(url: &str) -> anyhow::Result<SqlitePool> {
    SqlitePoolOptions::new()
        .max_connections(1)
        // A push waits behind the others, not forever.
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options(url)?)
        .await
        .with_context(|| format!("cannot open database {url}"))
}

fn options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)
        .with_context(|| format!("database URL {url:?} is not a SQLite URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a committed transaction survives a power cut, not only a crash. An
        // acknowledged report must never be lost, and writes are small.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5)))
}
