//! Consistent online backups of the SQLite database: `tuanle-server backup FILE`.
//!
//! `VACUUM INTO` writes a transactionally consistent copy while the server keeps
//! serving (WAL mode: the copy is one read transaction, writers go on). The copy is
//! then opened and checked (`PRAGMA integrity_check`) and its reports counted, so a
//! backup that says it worked can be restored: start a server with
//! `--database-url sqlite://FILE` (or copy FILE over `data/tuanle.db` while the server
//! is stopped).
//!
//! On PostgreSQL, `pg_dump --format=custom --file=FILE "$DATABASE_URL"` does the same,
//! and `pg_restore --dbname=… FILE` restores it.

use std::fmt;
use std::path::Path;

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::db::Engine;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub reports: i64,
    pub versions: i64,
    pub bytes: u64,
    pub file: String,
}

impl fmt::Display for Backup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "backup written to {}: {} reports, {} versions, {:.1} MB, integrity checked",
            self.file,
            self.reports,
            self.versions,
            self.bytes as f64 / 1e6
        )
    }
}

/// The SQLite database at `url`, opened to read only (while its server writes).
pub async fn open_read_only(url: &str) -> anyhow::Result<SqliteConnection> {
    let options: SqliteConnectOptions = url
        .parse()
        .with_context(|| format!("{url:?} is not a SQLite URL"))?;
    SqliteConnection::connect_with(&options.read_only(true))
        .await
        .with_context(|| format!("cannot open {url}"))
}

/// Writes a consistent copy of the SQLite database at `url` to `to`, checks it, and
/// says what it holds.
pub async fn backup(url: &str, to: &Path) -> anyhow::Result<Backup> {
    if Engine::of_url(url)? == Engine::Postgres {
        bail!(
            "the database is PostgreSQL: back it up with pg_dump --format=custom --file=FILE \"$DATABASE_URL\""
        );
    }
    if to.exists() {
        bail!("{} exists already: choose a new file", to.display());
    }
    let target = to
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", to.display()))?;
    let mut source = open_read_only(url).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut source)
        .await
        .with_context(|| format!("cannot write {target}"))?;
    source.close().await?;

    let mut copy =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(to).read_only(true))
            .await
            .with_context(|| format!("cannot open the copy {target}"))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await?;
    if integrity != "ok" {
        bail!("the copy {target} is damaged: {integrity}");
    }
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&mut copy)
        .await?;
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_versions")
        .fetch_one(&mut copy)
        .await?;
    copy.close().await?;
    Ok(Backup {
        reports,
        versions,
        bytes: std::fs::metadata(to)?.len(),
        file: target.to_owned(),
    })
}
