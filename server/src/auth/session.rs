//! Sessions: a random 256-bit token in the cookie, its BLAKE2b hash in the database.

use blake2::{Blake2b512, Digest};
use sqlx::Row;
use tuanle_shared::wire::{Me, Role, SESSION_COOKIE};

use super::Caller;
use crate::clock::now_ms;
use crate::db::Pool;
use crate::error::AppError;

/// How long a session lasts: a term, so a reporter signs in once per campaign.
pub const LIFETIME_MS: i64 = 120 * 24 * 3_600_000;

fn token_hash(token: &str) -> Vec<u8> {
    Blake2b512::digest(token.as_bytes()).to_vec()
}

/// Opens a session for an account; returns the token for the cookie.
pub async fn create(db: &Pool, account_id: i64) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now)
    .bind(now + LIFETIME_MS)
    .execute(db)
    .await?;
    Ok(token)
}

/// The caller behind a token, if the session is live and the account enabled.
pub async fn lookup(db: &Pool, token: &str) -> Result<Option<Caller>, AppError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT a.id, a.username, a.display_name, a.role, a.unit_code
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
    )
    .bind(token_hash(token))
    .bind(now_ms())
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Some(Caller {
        account_id: row.try_get("id")?,
        me: Me {
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: parse_role(&role)?,
            unit_code: row.try_get("unit_code")?,
        },
    }))
}

/// Ends a session.
pub async fn delete(db: &Pool, token: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of the account this session belongs to: "sign out everywhere",
/// for a lost tablet.
pub async fn delete_everywhere(db: &Pool, token: &str) -> Result<(), AppError> {
    sqlx::query(
        "DELETE FROM sessions WHERE account_id = (SELECT account_id FROM sessions WHERE token_hash = $1)",
    )
    .bind(token_hash(token))
    .execute(db)
    .await?;
    Ok(())
}

pub fn parse_role(s: &str) -> Result<Role, AppError> {
    match s {
        "reporter" => Ok(Role::Reporter),
        "supervisor" => Ok(Role::Supervisor),
        "admin" => Ok(Role::Admin),
        other => Err(AppError::Internal(format!(
            "unknown role {other:?} in the database"
        ))),
    }
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Reporter => "reporter",
        Role::Supervisor => "supervisor",
        Role::Admin => "admin",
    }
}

/// The `Set-Cookie` value that stores a session on the device. `Secure` is added when
/// the server is told it is behind TLS.
pub fn set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        LIFETIME_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}
