//! Sessions: a random 256-bit token in the cookie, its BLAKE2b hash in the database.
//!
//! A session ends when it is not used for [`idle_ms`] (by role), at the latest
//! [`LIFETIME_MS`] after sign-in, at sign-out, and when its account is disabled.

use blake2::{Blake2b512, Digest};
use sqlx::Row;
use tuanle_shared::wire::{Me, Role};

use super::Caller;
use crate::clock::now_ms;
use crate::db::{Pool, begin_write};
use crate::error::Error;

/// The longest a session lasts, however much it is used: a term, so a reporter signs in
/// about once per campaign.
pub const LIFETIME_MS: i64 = 120 * 24 * 3_600_000;

/// How long a session lasts unused. Reporters and supervisors work offline for weeks in
/// the field, and their tablets are theirs (an observer only reads); an administrator can change every account
/// and often sits at a shared office computer, so their session ends the same day.
pub fn idle_ms(role: Role) -> i64 {
    match role {
        Role::Reporter | Role::Supervisor | Role::Observer => 30 * 24 * 3_600_000,
        Role::Admin => 12 * 3_600_000,
    }
}

/// A used session's end is moved forward at most this often, so that reading a page
/// does not write to the database every time.
pub const TOUCH_EVERY_MS: i64 = 3_600_000;

fn token_hash(token: &str) -> Vec<u8> {
    Blake2b512::digest(token.as_bytes()).to_vec()
}

/// Opens a session for an account; returns the token for the cookie. The account's
/// ended sessions are cleared on the way.
pub async fn create(db: &Pool, account_id: i64, role: Role) -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = now_ms();
    let mut tx = begin_write(db).await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND expires_at <= $2")
        .bind(account_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now)
    .bind(now + idle_ms(role))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The caller behind a token, if the session is live and the account enabled. A live
/// session's end (`expires_at`) moves forward with use, up to [`LIFETIME_MS`] after it
/// began.
pub async fn lookup(db: &Pool, token: &str) -> Result<Option<Caller>, Error> {
    if token.len() != 64 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = now_ms();
    let row = sqlx::query(
        "SELECT a.id, a.username, a.display_name, a.role, a.unit_code, s.created_at, s.expires_at
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
    )
    .bind(&hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role = parse_role(&row.try_get::<String, _>("role")?)?;
    let created_at: i64 = row.try_get("created_at")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let extended = (now + idle_ms(role)).min(created_at + LIFETIME_MS);
    // Pulled in too when the role's idle time is shorter than what is stored (a
    // session from before idle times, an account made administrator).
    if extended < expires_at || extended - expires_at >= TOUCH_EVERY_MS {
        // Best effort, in the background: the request does not wait for the write lock
        // (behind a batch of pushes or a tree import), and a busy database must not
        // refuse a live session its request.
        let (db, hash) = (db.clone(), hash.clone());
        tokio::spawn(async move {
            if let Err(e) = touch(&db, &hash, extended).await {
                tracing::warn!("cannot move a session's end: {e}");
            }
        });
    }
    Ok(Some(Caller {
        account_id: row.try_get("id")?,
        me: Me {
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role,
            unit_code: row.try_get("unit_code")?,
        },
    }))
}

/// Moves a session's end to `expires_at`.
async fn touch(db: &Pool, hash: &[u8], expires_at: i64) -> Result<(), sqlx::Error> {
    let mut tx = begin_write(db).await?;
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
        .bind(expires_at)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Ends a session.
pub async fn delete(db: &Pool, token: &str) -> Result<(), Error> {
    let mut tx = begin_write(db).await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the account this session belongs to: "sign out everywhere",
/// for a lost tablet.
pub async fn delete_everywhere(db: &Pool, token: &str) -> Result<(), Error> {
    let mut tx = begin_write(db).await?;
    sqlx::query(
        "DELETE FROM sessions WHERE account_id = (SELECT account_id FROM sessions WHERE token_hash = $1)",
    )
    .bind(token_hash(token))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub fn parse_role(s: &str) -> Result<Role, Error> {
    match s {
        "reporter" => Ok(Role::Reporter),
        "supervisor" => Ok(Role::Supervisor),
        "observer" => Ok(Role::Observer),
        "admin" => Ok(Role::Admin),
        other => Err(Error::Internal(format!(
            "unknown role {other:?} in the database"
        ))),
    }
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Reporter => "reporter",
        Role::Supervisor => "supervisor",
        Role::Observer => "observer",
        Role::Admin => "admin",
    }
}
