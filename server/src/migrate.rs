//! Moving to PostgreSQL when one machine is outgrown: `tuanle-server migrate --from
//! sqlite://FILE --to postgres://…` copies a SQLite database, campaigns, accounts,
//! reports with every version, history, packages and all, into an empty PostgreSQL
//! database, and checks the copy.
//!
//! What is copied is a consistent snapshot of the source (`VACUUM INTO` a temporary
//! file, as a backup), brought to this build's schema first, so the source may be
//! serving meanwhile: a trial run while the product is in use. What the source takes
//! after the snapshot is not in the copy, and the move says so; for the switch itself the
//! server is stopped first. The copy is one PostgreSQL transaction, checked before it
//! commits (every table has as many rows as the snapshot; the consolidated totals
//! recomputed on PostgreSQL from the copied reports equal the copied ones, unit by
//! unit), so a failure leaves the target empty. Rows keep their ids (every reference
//! stays right), and the target's id sequences then start after them.
//!
//! Tables are copied column by column as the target's schema types them, so a table or
//! a column this build does not know stops the move rather than being left behind.

use std::fmt;

use anyhow::{Context, bail, ensure};
use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};

use crate::db::{Conn, Engine};
use crate::totals;

/// Every table, in an order that copies what a row refers to before the row.
pub const TABLES: [&str; 22] = [
    "form_versions",
    "campaigns",
    "accounts",
    "units",
    "province_forms",
    "deadlines",
    "sessions",
    "reports",
    "report_versions",
    "pushes",
    "report_events",
    "subtree_stats",
    "audit_log",
    "sign_in_failures",
    "packages",
    "document_fields",
    "signed_copies",
    "cell_comments",
    "peer_fences",
    "reminders",
    "unit_kinds",
    "unit_kind_spellings",
];

/// At most this many values in one `INSERT` (PostgreSQL takes 65,535 parameters).
const VALUES_PER_INSERT: usize = 30_000;

/// What a move copied and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Each table and its rows, equal on both sides.
    pub tables: Vec<(&'static str, i64)>,
    /// Campaigns whose totals were recomputed on the target and found equal.
    pub campaigns: usize,
    /// Units whose stored totals were compared.
    pub units: usize,
    /// The tables the source wrote more rows to after the snapshot (it was serving):
    /// the copy lacks them, and the move must be made again with the server stopped.
    pub moved_since: Vec<(&'static str, i64)>,
}

impl fmt::Display for Migrated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "copied and counted on both sides:")?;
        for (table, rows) in &self.tables {
            writeln!(f, "  {table}: {rows}")?;
        }
        write!(
            f,
            "totals recomputed on PostgreSQL equal the copied ones: {} campaigns, {} units",
            self.campaigns, self.units
        )?;
        if !self.moved_since.is_empty() {
            let moved: Vec<String> = self
                .moved_since
                .iter()
                .map(|(t, n)| format!("{n} in {t}"))
                .collect();
            write!(
                f,
                "\nWARNING: the SQLite database was written to during the move ({}): the copy \
                 holds it as it was at the start. Stop its server, then move again into a new \
                 empty PostgreSQL database.",
                moved.join(", ")
            )?;
        }
        Ok(())
    }
}

/// One column as the target types it.
#[derive(Debug, Clone)]
struct Target {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    BigInt,
    Int,
    Text,
    Bytes,
}

/// One value read from SQLite, bound to PostgreSQL.
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// Copies the SQLite database at `from` into the empty PostgreSQL database at `to`, and
/// checks the copy.
pub async fn migrate(from: &str, to: &str) -> anyhow::Result<Migrated> {
    ensure!(
        Engine::of_url(from)? == Engine::Sqlite,
        "--from must be a SQLite database (sqlite://FILE)"
    );
    ensure!(
        Engine::of_url(to)? == Engine::Postgres,
        "--to must be a PostgreSQL database (postgres://…)"
    );
    // A consistent snapshot, at this build's schema.
    let dir = tempfile::tempdir().context("a temporary directory for the snapshot")?;
    let snapshot = dir.path().join("snapshot.db");
    crate::backup::backup(from, &snapshot).await?;
    let snapshot_url = format!("sqlite://{}", snapshot.display());
    crate::db::connect(&snapshot_url).await?.close().await;
    let mut source = SqliteConnection::connect(&snapshot_url)
        .await
        .context("cannot open the snapshot")?;
    check_tables(&mut source).await?;

    // The target's schema, made by its own migrations; it must hold nothing yet.
    let pool = crate::db::connect(to).await?;
    let mut tx = pool.begin().await?;
    for table in ["campaigns", "accounts"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await?;
        ensure!(
            rows == 0,
            "the PostgreSQL database is not empty ({rows} rows in {table}): give an empty one"
        );
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let rows = copy_table(&mut source, &mut tx, table)
            .await
            .with_context(|| format!("copying {table}"))?;
        tables.push((table, rows));
    }
    // The tables whose ids the database assigns (read from the schema, so a table added
    // later is not forgotten): their sequences start after the copied ids.
    let identities: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for table in identities {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                           (SELECT COALESCE(MAX(id), 0) FROM {table}) + 1, false)"
        ))
        .execute(&mut *tx)
        .await?;
    }
    // Checked before it commits: counted on both sides…
    for (table, rows) in &tables {
        let snapshot: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut source)
            .await?;
        let copied: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await?;
        ensure!(
            copied == *rows && snapshot == *rows,
            "{table}: {snapshot} rows in the snapshot, {copied} in PostgreSQL"
        );
    }
    // …and the totals recomputed on PostgreSQL from the copied reports equal the copied
    // ones.
    let campaigns: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, code, form_version FROM campaigns ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    let mut units = 0;
    for (id, code, version) in &campaigns {
        let form = crate::forms::lookup(&mut tx, version)
            .await
            .map_err(|e| anyhow::anyhow!("reading form {version}: {e}"))?
            .with_context(|| format!("campaign {code} uses an unknown form {version}"))?
            .form;
        let scratch = totals::recompute(&mut tx, *id, form)
            .await
            .map_err(|e| anyhow::anyhow!("recomputing campaign {code}: {e}"))?;
        let layouts = totals::UnitLayouts::load(&mut tx, *id, form)
            .await
            .map_err(|e| anyhow::anyhow!("reading the forms of campaign {code}: {e}"))?;
        for (unit, stats) in &scratch {
            let stored = totals::load(&mut tx, layouts.of(*unit), *unit)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("reading the copied totals of campaign {code}: {e}")
                })?;
            ensure!(
                stored == *stats,
                "campaign {code}, unit {unit}: the copied totals differ from a recomputation"
            );
        }
        units += scratch.len();
    }
    tx.commit().await?;
    source.close().await?;
    pool.close().await;

    // Whether the source, serving, took more since the snapshot.
    let mut live = crate::backup::open_read_only(from).await?;
    let mut moved_since = Vec::new();
    for (table, rows) in &tables {
        let now: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut live)
            .await?;
        if now != *rows && *table != "sessions" && *table != "sign_in_failures" {
            moved_since.push((*table, now - rows));
        }
    }
    live.close().await?;
    Ok(Migrated {
        tables,
        campaigns: campaigns.len(),
        units,
        moved_since,
    })
}

/// The snapshot holds exactly the tables this build copies (besides SQLite's and the
/// migrations' own): anything else would be left behind.
async fn check_tables(source: &mut SqliteConnection) -> anyhow::Result<()> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *source)
    .await?;
    for name in &names {
        ensure!(
            TABLES.contains(&name.as_str()),
            "the SQLite database has a table this build does not know: {name}"
        );
    }
    Ok(())
}

/// The target table's columns and their types.
async fn target_columns(target: &mut Conn, table: &str) -> anyhow::Result<Vec<Target>> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *target)
    .await?;
    ensure!(!columns.is_empty(), "PostgreSQL has no table {table}");
    columns
        .into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "bigint" => Kind::BigInt,
                "integer" | "smallint" => Kind::Int,
                "text" => Kind::Text,
                "bytea" => Kind::Bytes,
                other => bail!("{table}.{name}: a column of type {other} this build cannot copy"),
            };
            Ok(Target { name, kind })
        })
        .collect()
}

/// Copies one table, in batches; the number of rows.
async fn copy_table(
    source: &mut SqliteConnection,
    target: &mut Conn,
    table: &str,
) -> anyhow::Result<i64> {
    let columns = target_columns(target, table).await?;
    let in_source: Vec<String> =
        sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .fetch_all(&mut *source)
            .await?;
    for name in &in_source {
        ensure!(
            columns.iter().any(|c| &c.name == name),
            "{table}.{name} is not in PostgreSQL's schema: it would be lost"
        );
    }
    // A column the source lacks takes its default on the target.
    let columns: Vec<Target> = columns
        .into_iter()
        .filter(|c| in_source.contains(&c.name))
        .collect();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    // Parents before children in the tree: a unit refers to its parent.
    let order = if table == "units" {
        "depth, id"
    } else {
        "rowid"
    };
    let select = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
    let per_insert = (VALUES_PER_INSERT / columns.len()).max(1);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_insert);
    let mut copied = 0i64;
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    while let Some(row) = rows.try_next().await? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            values.push(match c.kind {
                Kind::BigInt | Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Bytes => Value::Bytes(row.try_get(i)?),
            });
        }
        batch.push(values);
        if batch.len() == per_insert {
            copied += insert(target, table, &columns, &batch).await?;
            batch.clear();
        }
    }
    drop(rows);
    if !batch.is_empty() {
        copied += insert(target, table, &columns, &batch).await?;
    }
    Ok(copied)
}

/// One multi-row `INSERT` of `rows`; how many it wrote.
async fn insert(
    target: &mut Conn,
    table: &str,
    columns: &[Target],
    rows: &[Vec<Value>],
) -> anyhow::Result<i64> {
    let mut sql = format!(
        "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ",
        columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            n += 1;
            // SQLite's integers are 64-bit; a narrower column takes them by a cast.
            if c.kind == Kind::Int {
                sql.push_str(&format!("CAST(${n} AS integer)"));
            } else {
                sql.push_str(&format!("${n}"));
            }
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for row in rows {
        for value in row {
            query = match value {
                Value::Int(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.as_deref()),
                Value::Bytes(v) => query.bind(v.as_deref()),
            };
        }
    }
    let done = query.execute(&mut *target).await?;
    Ok(i64::try_from(done.rows_affected()).unwrap_or(i64::MAX))
}
