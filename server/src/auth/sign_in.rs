//! Signing in: a username and password checked against the stored hash, refused before
//! any check when they failed too often lately ([`super::limit`]).

use std::net::IpAddr;

use sqlx::Row;
use tuanle_shared::wire::{MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, Me};

use super::{limit, password, session};
use crate::db::Pool;
use crate::error::Error;

/// A hash verified when the username is unknown, so that a wrong username takes as
/// long as a wrong password and does not tell which usernames exist.
fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("không có tài khoản này").unwrap_or_default())
        .clone()
}

/// Signs `username` in from `from`: who they are, and the token of their new session.
/// The username is compared trimmed and in lowercase.
pub async fn sign_in(
    db: &Pool,
    username: &str,
    password: String,
    from: IpAddr,
) -> Result<(Me, String), Error> {
    let username = username.trim().to_lowercase();
    // No account has a longer username or password: refused before anything is hashed
    // or stored, so that a failed sign-in never stores more than a username's worth.
    if username.chars().count() > MAX_USERNAME_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::BadCredentials);
    }
    // Before any password is checked: a guesser gets refusals, not answers.
    limit::check(db, &username, from).await?;
    let row = sqlx::query(
        "SELECT id, display_name, password_hash, role, unit_code FROM accounts WHERE username = $1 AND disabled = 0",
    )
    .bind(&username)
    .fetch_optional(db)
    .await?;
    let stored = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => dummy_hash(),
    };
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &stored))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let Some(row) = row.filter(|_| ok) else {
        limit::failed(db, &username, from).await?;
        return Err(Error::BadCredentials);
    };
    limit::succeeded(db, &username).await?;
    let account_id: i64 = row.try_get("id")?;
    let role = session::parse_role(&row.try_get::<String, _>("role")?)?;
    let me = Me {
        username,
        display_name: row.try_get("display_name")?,
        role,
        unit_code: row.try_get("unit_code")?,
    };
    let token = session::create(db, account_id, role).await?;
    Ok((me, token))
}
