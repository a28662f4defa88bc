//! The database: a SQLite file by default, PostgreSQL when one machine is outgrown. The
//! engine is chosen by the URL (`sqlite://…` or `postgres://…`); every query is written
//! once, in the SQL both engines speak, and runs through sqlx's `Any` driver.
//!
//! What differs is kept here:
//! - the migrations (`migrations/sqlite`, `migrations/postgres`: the same tables, columns
//!   and constraints, each in its engine's types; on SQLite also one table rebuild that
//!   cannot run as a migration, [`SQLITE_ACCOUNTS_WITH_OBSERVERS`]);
//! - how a write transaction takes the one write lock ([`begin_write`]);
//! - the few statements that need engine-specific SQL ([`Engine`]).
//!
//! Conventions that keep the SQL portable: numbered placeholders (`$1`), integers are
//! 64-bit everywhere, flags are integers 0/1 (never SQL booleans), `SUM` is cast back
//! to `BIGINT` (PostgreSQL widens it to `NUMERIC`).

use std::str::FromStr;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Executor, Row};

/// The pool every part of the server uses, whatever the engine.
pub type Pool = sqlx::AnyPool;
/// One connection (or a transaction, which dereferences to one).
pub type Conn = sqlx::AnyConnection;
/// A row as read through the `Any` driver.
pub type DbRow = sqlx::any::AnyRow;
/// A transaction owning its pooled connection.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The SQLite migrations, embedded at build time.
pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
/// The PostgreSQL migrations: the same schema in PostgreSQL's types.
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The storage engine behind a pool or connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a database URL names.
    pub fn of_url(url: &str) -> anyhow::Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            anyhow::bail!("database URL {url:?} is neither sqlite://… nor postgres://…")
        }
    }

    /// The engine of a pool.
    pub fn of(pool: &Pool) -> Engine {
        match pool.connect_options().database_url.scheme() {
            "sqlite" => Engine::Sqlite,
            _ => Engine::Postgres,
        }
    }

    /// The engine of a connection.
    pub fn of_conn(conn: &Conn) -> Engine {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Engine::Sqlite
        } else {
            Engine::Postgres
        }
    }
}

/// A 0/1 integer column read as a `bool`. Flags are stored as integers on both engines
/// (SQLite has no boolean type), so this is how every flag is read: directly with
/// [`flag`], or in a `FromRow` struct with `#[sqlx(try_from = "Flag")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(
        value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
    ) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

/// Reads a 0/1 column of a row as a `bool`.
pub fn flag(row: &DbRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<Flag, _>(column)?.0)
}

/// The key of PostgreSQL's advisory lock that every write transaction takes: writes
/// are serialised on PostgreSQL as they are on SQLite (`BEGIN IMMEDIATE`), across every
/// server instance, so the read-then-write steps of a push or an import see a stable
/// database. Reads never take it.
const WRITE_LOCK: i64 = 0x7475_616e_6c65; // "tuanle"

/// A transaction of ours: sqlx's transaction and, when it writes on SQLite, this
/// process's turn at the write lock. It dereferences to the transaction's connection, so
/// statements run on it as on any connection; the turn is given back when it commits or
/// is dropped (which rolls back).
pub struct Txn {
    tx: Tx,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    began: std::time::Instant,
}

/// A write transaction that keeps the others waiting this long is logged: the p99 of a
/// push under the national load is a few hundred milliseconds, most of it queueing.
const SLOW_WRITE: std::time::Duration = std::time::Duration::from_millis(250);

impl Txn {
    /// Commits, then lets the next writer in.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Txn { tx, turn, began } = self;
        let committing = std::time::Instant::now();
        tx.commit().await?;
        if turn.is_some() && began.elapsed() >= SLOW_WRITE {
            tracing::warn!(
                held_ms = began.elapsed().as_millis(),
                commit_ms = committing.elapsed().as_millis(),
                "a slow write kept the other writers waiting"
            );
        }
        drop(turn);
        Ok(())
    }
}

impl std::ops::Deref for Txn {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl std::ops::DerefMut for Txn {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

/// Begins a transaction that only reads, all of it from one snapshot (on PostgreSQL,
/// `REPEATABLE READ`: what was committed when its first statement ran), so the parts of
/// one answer agree with each other however many pushes land meanwhile.
pub async fn begin_read(pool: &Pool) -> Result<Txn, sqlx::Error> {
    let tx = match Engine::of(pool) {
        Engine::Sqlite => pool.begin().await?,
        Engine::Postgres => {
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?
        }
    };
    Ok(Txn {
        tx,
        turn: None,
        began: std::time::Instant::now(),
    })
}

/// The queue of this process's writers to one SQLite file.
///
/// Why: SQLite lets one writer in at a time, and a writer that finds the lock taken
/// sleeps in its busy handler (1, 2, 5 … 100 ms) and tries again, so under load the
/// lock goes to whoever happens to wake first. Some pushes waited more than a second
/// while others passed straight through. Queueing writers here, first come first served,
/// before they take a connection, leaves the busy handler for writers in other
/// processes only (a backup, a second server on the same file).
fn sqlite_write_queue(pool: &Pool) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static QUEUES: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);
    // `sqlite://data/tuanle.db` names `data` as the URL's host: the key is both.
    let url = &pool.connect_options().database_url;
    let file = format!("{}{}", url.host_str().unwrap_or(""), url.path());
    let mut queues = QUEUES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    queues.entry(file).or_default().clone()
}

/// Begins a write transaction holding the database's one write lock, taken before
/// anything is read, so what a transaction reads is still true when it commits.
pub async fn begin_write(pool: &Pool) -> Result<Txn, sqlx::Error> {
    match Engine::of(pool) {
        Engine::Sqlite => {
            let turn = sqlite_write_queue(pool).lock_owned().await;
            let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            Ok(Txn {
                tx,
                turn: Some(turn),
                began: std::time::Instant::now(),
            })
        }
        Engine::Postgres => {
            // PostgreSQL queues lock waiters itself, across every instance.
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .execute(&mut *tx)
                .await?;
            Ok(Txn {
                tx,
                turn: None,
                began: std::time::Instant::now(),
            })
        }
    }
}

/// Tells PostgreSQL that ids up to the table's largest were given explicitly (a tree
/// import numbers its new units itself, to link parents and children in one pass), so
/// the next id it generates does not collide. SQLite needs nothing: it always takes the
/// largest id plus one.
pub async fn ids_assigned(conn: &mut Conn, table: &'static str) -> Result<(), sqlx::Error> {
    if Engine::of_conn(conn) == Engine::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        );
        conn.execute(sql.as_str()).await?;
    }
    Ok(())
}

/// Ids as an SQL list (`1,5,9`) for `IN (…)`. Only for ids read from the database or
/// the server's own state: integers, never text anyone typed, so written as literals
/// (no limit on how many, one statement text whatever the engine).
pub fn id_list(ids: &[i64]) -> String {
    let mut out = String::with_capacity(ids.len() * 8);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out
}

/// `VALUES` placeholders for `rows` rows of `columns` values: `($1,$2),($3,$4)`.
pub fn values_placeholders(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            out.push(',');
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push(',');
            }
            out.push('$');
            out.push_str(&(r * columns + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Opens (creating a SQLite file if needed) and migrates the database at `url`.
pub async fn connect(url: &str) -> anyhow::Result<Pool> {
    sqlx::any::install_default_drivers();
    let engine = Engine::of_url(url)?;
    let url = match engine {
        // Create the file on first start.
        Engine::Sqlite if !url.contains("mode=") => {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        }
        _ => url.to_string(),
    };
    let options = AnyConnectOptions::from_str(&url)
        .with_context(|| format!("database URL {:?} is not valid", redact(&url)))?;
    let pool = AnyPoolOptions::new()
        .max_connections(match engine {
            Engine::Sqlite => 8,
            Engine::Postgres => 16,
        })
        // A SQLite connection is a file handle that cannot go stale: no ping before each
        // use (it was one more round trip to the connection's thread for every query).
        .test_before_acquire(engine != Engine::Sqlite)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if engine == Engine::Sqlite {
                    // WAL: readers never wait on the writer. FULL: a committed
                    // transaction survives a power cut, not only a crash; an
                    // acknowledged report must never be lost, and writes are small.
                    // Checkpoints stay in the commits, SQLite's default: run once a
                    // second beside the writers instead, each copied more pages and its
                    // fsync stalled the commits' for up to 2 s (p99 1.9 s against 0.5).
                    // The log is cut back to 64 MB when it starts over.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                         PRAGMA journal_size_limit = 67108864;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {}", redact(&url)))?;
    let migrator = match engine {
        Engine::Sqlite => &SQLITE_MIGRATOR,
        Engine::Postgres => &POSTGRES_MIGRATOR,
    };
    migrator
        .run(&pool)
        .await
        .context("cannot migrate the database")?;
    if engine == Engine::Sqlite {
        sqlite_accounts_take_observers(&pool)
            .await
            .context("cannot migrate the accounts table to take observers")?;
    }
    Ok(pool)
}

/// The accounts table rebuilt to take the observer role, the way SQLite documents a
/// change of constraint: foreign keys off outside the transaction, a new table, the rows
/// copied with their ids (so every reference to them holds), the old one dropped, the new
/// renamed; [`sqlite_accounts_take_observers`] then checks the references and commits.
/// The twin of PostgreSQL's `0007_observers.sql`.
const SQLITE_ACCOUNTS_WITH_OBSERVERS: &str = "
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE accounts_new (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('reporter', 'supervisor', 'observer', 'admin')),
    unit_code     TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL
);
INSERT INTO accounts_new (id, username, display_name, password_hash, role, unit_code, disabled, created_at)
    SELECT id, username, display_name, password_hash, role, unit_code, disabled, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_by_unit ON accounts (unit_code);
";

/// The columns [`SQLITE_ACCOUNTS_WITH_OBSERVERS`] copies: a table with others (a later
/// migration's) is not rebuilt, rather than lose them.
const SQLITE_ACCOUNTS_COLUMNS: [&str; 8] = [
    "id",
    "username",
    "display_name",
    "password_hash",
    "role",
    "unit_code",
    "disabled",
    "created_at",
];

/// Runs [`SQLITE_ACCOUNTS_WITH_OBSERVERS`] once: sqlx runs every SQLite migration inside
/// a transaction, where foreign keys cannot be switched off. A table that already takes
/// observers is left alone. The connection is closed, not reused, if anything fails.
async fn sqlite_accounts_take_observers(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let schema: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'accounts'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if schema.contains("'observer'") {
        return Ok(());
    }
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('accounts') ORDER BY cid")
            .fetch_all(&mut *conn)
            .await?;
    anyhow::ensure!(
        columns == SQLITE_ACCOUNTS_COLUMNS,
        "the accounts table has the columns {columns:?}, not those its rebuild copies"
    );
    conn.close_on_drop();
    conn.execute(SQLITE_ACCOUNTS_WITH_OBSERVERS).await?;
    let orphans: Vec<sqlx::any::AnyRow> = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await?;
    if !orphans.is_empty() {
        conn.execute("ROLLBACK; PRAGMA foreign_keys = ON;").await?;
        anyhow::bail!(
            "{} references to no account: nothing changed",
            orphans.len()
        );
    }
    conn.execute("COMMIT; PRAGMA foreign_keys = ON;").await?;
    Ok(())
}

/// Creates a new, empty database named `{prefix}_{random}` on the PostgreSQL server
/// `admin_url` can create databases on, and returns its URL: each test server and
/// benchmark run gets a database of its own.
pub async fn create_postgres_database(admin_url: &str, prefix: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut admin = sqlx::postgres::PgConnection::connect(admin_url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {}", redact(admin_url)))?;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let name = format!("{prefix}_{:016x}", u64::from_le_bytes(random));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&name);
    Ok(url.to_string())
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_named_by_the_url() {
        assert_eq!(
            Engine::of_url("sqlite://data/t.db").ok(),
            Some(Engine::Sqlite)
        );
        assert_eq!(Engine::of_url("sqlite::memory:").ok(), Some(Engine::Sqlite));
        assert_eq!(
            Engine::of_url("postgres://u@h/db").ok(),
            Some(Engine::Postgres)
        );
        assert_eq!(
            Engine::of_url("postgresql://u@h/db").ok(),
            Some(Engine::Postgres)
        );
        assert!(Engine::of_url("mysql://u@h/db").is_err());
    }

    #[test]
    fn placeholders_are_numbered_row_by_row() {
        assert_eq!(values_placeholders(2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(values_placeholders(1, 1), "($1)");
    }

    /// A database made before observers, with accounts, a session and an audit entry
    /// pointing at them, is upgraded in place: every row and reference kept, observers
    /// taken, foreign keys enforced again; a second start changes nothing.
    #[tokio::test]
    async fn a_database_from_before_observers_is_upgraded_keeping_its_rows() -> anyhow::Result<()> {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        {
            let old = AnyPoolOptions::new().connect(&url).await?;
            SQLITE_MIGRATOR.run(&old).await?;
            old.execute(
                "PRAGMA foreign_keys = ON;
                 INSERT INTO accounts (id, username, display_name, password_hash, role, unit_code, created_at)
                     VALUES (41, 'nb-hq', 'Phường', 'h', 'supervisor', 'NB-HQ', 1);
                 INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (x'01', 41, 1, 2);
                 INSERT INTO campaigns (id, code, year, theme, starts_on, ends_on, form_version, open)
                     VALUES (1, '2025', 2025, 't', '2025-10-01', '2025-10-07', '2025', 1);
                 INSERT INTO audit_log (at, account_id, campaign_id, scope, action, summary)
                     VALUES (1, 41, 1, NULL, 'x', 'y');",
            )
            .await?;
            let refused = old
                .execute("INSERT INTO accounts (username, display_name, password_hash, role, created_at) VALUES ('o', 'O', 'h', 'observer', 1)")
                .await;
            assert!(refused.is_err(), "no observers before");
            old.close().await;
        }
        for _ in 0..2 {
            let pool = connect(&url).await?;
            let (accounts, sessions, audit): (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM accounts WHERE id = 41 AND username = 'nb-hq'),
                        (SELECT COUNT(*) FROM sessions WHERE account_id = 41),
                        (SELECT COUNT(*) FROM audit_log WHERE account_id = 41)",
            )
            .fetch_one(&pool)
            .await?;
            assert_eq!((accounts, sessions, audit), (1, 1, 1));
            pool.execute("INSERT INTO accounts (username, display_name, password_hash, role, unit_code, created_at) VALUES ('ubnd-hq', 'UBND', 'h', 'observer', 'NB-HQ', 1) ON CONFLICT (username) DO NOTHING")
                .await?;
            let (indexes, references): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'accounts' AND type = 'index'
                            AND (name = 'accounts_by_unit' OR name LIKE 'sqlite_autoindex_accounts_%')),
                        (SELECT COUNT(*) FROM pragma_foreign_key_list('sessions') WHERE \"table\" = 'accounts')",
            )
            .fetch_one(&pool)
            .await?;
            assert_eq!(
                (indexes, references),
                (2, 1),
                "the unit index and the unique username kept; sessions still refer to accounts"
            );
            let taken = pool
                .execute("INSERT INTO accounts (username, display_name, password_hash, role, created_at) VALUES ('nb-hq', 'X', 'h', 'reporter', 1)")
                .await;
            assert!(taken.is_err(), "usernames are still unique");
            let bogus = pool
                .execute("INSERT INTO accounts (username, display_name, password_hash, role, created_at) VALUES ('b', 'B', 'h', 'boss', 1)")
                .await;
            assert!(bogus.is_err(), "the role is still checked");
            pool.close().await;
        }
        Ok(())
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite://data/t.db"), "sqlite://data/t.db");
    }
}
