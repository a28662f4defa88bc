//! `/api/v1/session`: sign in (`POST`), who am I (`GET`), sign out (`DELETE`).

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use sqlx::Row;
use tuanle_shared::wire::{Me, SESSION_COOKIE, SignIn};

use super::AppState;
use crate::auth::{Caller, address, cookie, limit, password, session};
use crate::error::{ApiJson, ApiQuery, AppError};

/// A hash verified when the username is unknown, so that a wrong username takes as
/// long as a wrong password and does not tell which usernames exist.
fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("không có tài khoản này").unwrap_or_default())
        .clone()
}

pub async fn session_create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<impl IntoResponse, AppError> {
    let username = body.username.trim().to_lowercase();
    let from = address::client(peer.ip(), &headers, &state.trusted_proxies);
    // Before any password is checked: a guesser gets refusals, not answers.
    limit::check(&state.db, &username, from).await?;
    let row = sqlx::query(
        "SELECT id, display_name, password_hash, role, unit_code FROM accounts WHERE username = $1 AND disabled = 0",
    )
    .bind(&username)
    .fetch_optional(&state.db)
    .await?;
    let stored = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => dummy_hash(),
    };
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &stored))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(row) = row.filter(|_| ok) else {
        limit::failed(&state.db, &username, from).await?;
        return Err(AppError::BadCredentials);
    };
    limit::succeeded(&state.db, &username).await?;
    let account_id: i64 = row.try_get("id")?;
    let role = session::parse_role(&row.try_get::<String, _>("role")?)?;
    let me = Me {
        username,
        display_name: row.try_get("display_name")?,
        role,
        unit_code: row.try_get("unit_code")?,
    };
    let token = session::create(&state.db, account_id, role).await?;
    Ok((
        [(
            header::SET_COOKIE,
            session::set_cookie(&token, state.secure_cookies),
        )],
        Json(me),
    ))
}

pub async fn session_get(caller: Caller) -> Json<Me> {
    Json(caller.me)
}

/// `?everywhere=true` ends every session of the account, on every device.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOut {
    #[serde(default)]
    everywhere: bool,
}

pub async fn session_delete(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SignOut>,
    parts: Parts,
) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = cookie(&parts, SESSION_COOKIE) {
        if query.everywhere {
            session::delete_everywhere(&state.db, token).await?;
        } else {
            session::delete(&state.db, token).await?;
        }
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            session::clear_cookie(state.secure_cookies),
        )],
    ))
}
