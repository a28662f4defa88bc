//! The form versions the server knows: those the product ships (`form::builtin`) and
//! those administrators uploaded (`form_versions`, issue 22).
//!
//! Each is named by its version and by a hash of its content: a device keeps a form by
//! version and takes a new copy only when the hash it is told differs from its own, so
//! an unchanged form is never downloaded twice over a slow link.
//!
//! A stored version never changes once stored (a report, a kept form on a tablet and the
//! stored totals name it), so each is parsed once per process and kept for its lifetime
//! as a `&'static FormDef`, like the shipped ones: pushes, reviews and dashboards resolve
//! their form without a lock held across an await or a reference count on the hot path.
//! Entries are keyed by version *and* hash, so two databases served from one process
//! (tests do that) can never lend each other a form.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use blake2::{Blake2b512, Digest};
use tuanle_shared::FormDef;
use tuanle_shared::form::{builtin, builtin_versions};

use crate::db::Conn;
use crate::error::Error;

/// A known form version: its definition and its content hash.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    pub form: &'static FormDef,
    pub hash: &'static str,
}

/// A form version's text as stored: the version's hash, when the version is an
/// uploaded one (`None` for the shipped ones).
type Key = (String, Option<String>);

fn cache() -> &'static RwLock<HashMap<Key, Known>> {
    static CACHE: OnceLock<RwLock<HashMap<Key, Known>>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let shipped = builtin_versions()
            .into_iter()
            .filter_map(|v| {
                let form = builtin(v)?;
                let hash = content_hash(&serde_json::to_vec(form).ok()?);
                Some((
                    (v.to_owned(), None),
                    Known {
                        form,
                        hash: Box::leak(hash.into_boxed_str()),
                    },
                ))
            })
            .collect();
        RwLock::new(shipped)
    })
}

/// The content hash of a form's JSON as served: 12 hex digits of BLAKE2b.
pub fn content_hash(bytes: &[u8]) -> String {
    Blake2b512::digest(bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A shipped version, without the database.
pub fn shipped(version: &str) -> Option<Known> {
    cached(&(version.to_owned(), None))
}

fn cached(key: &Key) -> Option<Known> {
    cache()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(key)
        .copied()
}

/// Form `version`, shipped or stored: `stored_hash` is the `form_versions.hash` the
/// caller's query read beside the version (`None` when no row: a shipped version). The
/// stored text is read and parsed once per process. `None` for a version nobody has.
pub async fn known<'c, E>(
    db: E,
    version: &str,
    stored_hash: Option<&str>,
) -> Result<Option<Known>, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let key = (version.to_owned(), stored_hash.map(str::to_owned));
    if let Some(known) = cached(&key) {
        return Ok(Some(known));
    }
    let Some(hash) = stored_hash else {
        return Ok(None);
    };
    let json: Option<String> =
        sqlx::query_scalar("SELECT json FROM form_versions WHERE version = $1 AND hash = $2")
            .bind(version)
            .bind(hash)
            .fetch_optional(db)
            .await?;
    let Some(json) = json else { return Ok(None) };
    // Stored only after passing the same checks; a row altered by hand is the server's
    // own failure, not the caller's.
    let form = FormDef::from_json(&json)
        .map_err(|e| Error::Internal(format!("stored form {version} does not parse: {e}")))?;
    Ok(Some(remember(key, form, hash)))
}

/// Keeps a parsed stored version for the process's lifetime (see the module).
fn remember(key: Key, form: FormDef, hash: &str) -> Known {
    let mut cache = cache()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *cache.entry(key).or_insert_with(|| Known {
        form: Box::leak(Box::new(form)),
        hash: Box::leak(hash.to_owned().into_boxed_str()),
    })
}

/// [`known`] for a version that must exist (a campaign's or a report's): its absence is
/// the server's own failure.
pub async fn of<'c, E>(db: E, version: &str, stored_hash: Option<&str>) -> Result<Known, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    known(db, version, stored_hash)
        .await?
        .ok_or_else(|| Error::Internal(format!("unknown form {version}")))
}

/// Form `version`, looking its stored row up first: for the callers whose query did
/// not read the hash beside the version.
pub async fn lookup(conn: &mut Conn, version: &str) -> Result<Option<Known>, Error> {
    if let Some(known) = shipped(version) {
        return Ok(Some(known));
    }
    match stored_hash(conn, version).await? {
        Some(hash) => known(&mut *conn, version, Some(&hash)).await,
        None => Ok(None),
    }
}

/// [`lookup`] for a version that must exist (a report's, a campaign's, a unit's layout):
/// its absence is the server's own failure.
pub async fn required(conn: &mut Conn, version: &str) -> Result<&'static FormDef, Error> {
    lookup(conn, version)
        .await?
        .map(|known| known.form)
        .ok_or_else(|| Error::Internal(format!("unknown form {version}")))
}

/// The hash of stored version `version`, `None` when no administrator stored it.
async fn stored_hash(conn: &mut Conn, version: &str) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM form_versions WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// SQL of the stored hash of the form version in column `version_sql`, NULL for a
/// shipped version: what the queries that resolve a form read beside it.
pub fn hash_sql(version_sql: &str) -> String {
    format!("(SELECT fv.hash FROM form_versions fv WHERE fv.version = {version_sql})")
}

/// Every version, shipped ones first (oldest first), then the stored ones in the order
/// they were added.
pub async fn all(conn: &mut Conn) -> Result<Vec<Known>, Error> {
    let mut out: Vec<Known> = builtin_versions().into_iter().filter_map(shipped).collect();
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT version, hash FROM form_versions ORDER BY added_at, version")
            .fetch_all(&mut *conn)
            .await?;
    for (version, hash) in stored {
        out.extend(known(&mut *conn, &version, Some(&hash)).await?);
    }
    Ok(out)
}

/// Stores a checked form version (`json` as uploaded). Returns whether it was new: the
/// same text uploaded again is no change.
pub async fn store(
    conn: &mut Conn,
    form: &FormDef,
    json: &str,
    added_by: &str,
    now_ms: i64,
) -> Result<(Known, bool), Error> {
    let served = serde_json::to_vec(form).map_err(|e| Error::Internal(e.to_string()))?;
    let hash = content_hash(&served);
    let version = form.version();
    if shipped(version).is_some() {
        return Err(taken(version));
    }
    match stored_hash(conn, version).await? {
        Some(h) if h == hash => {
            let known = of(&mut *conn, version, Some(&h)).await?;
            return Ok((known, false));
        }
        Some(_) => return Err(taken(version)),
        None => {}
    }
    sqlx::query(
        "INSERT INTO form_versions (version, json, hash, extends, added_by, added_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(version)
    .bind(json)
    .bind(&hash)
    .bind(form.extends())
    .bind(added_by)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok((
        remember(
            (version.to_owned(), Some(hash.clone())),
            form.clone(),
            &hash,
        ),
        true,
    ))
}

fn taken(version: &str) -> Error {
    Error::bad(
        tuanle_shared::wire::RefusalCode::FormTaken,
        format!(
            "Đã có mẫu biểu phiên bản “{version}” với nội dung khác. Một phiên bản đã có không sửa được (báo cáo và máy tính bảng đang dùng nó): hãy đặt tên phiên bản mới."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shipped_form_has_its_own_hash() {
        let hashes: Vec<&str> = builtin_versions()
            .into_iter()
            .filter_map(shipped)
            .map(|k| k.hash)
            .collect();
        assert_eq!(hashes.len(), builtin_versions().len());
        assert!(hashes.iter().all(|h| h.len() == 12), "{hashes:?}");
        let mut unique = hashes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), hashes.len());
        assert!(shipped("no-such-form").is_none());
    }
}
