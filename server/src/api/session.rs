//! `/api/v1/session`: sign in (`POST`), who am I (`GET`), sign out (`DELETE`).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use tuanle_shared::wire::{Me, SESSION_COOKIE, SignIn};

use super::extract::{ApiJson, ApiQuery, cookie};
use super::{AppState, address};
use crate::auth::{self, Caller, session};
use crate::error::Error;

pub async fn session_create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<impl IntoResponse, Error> {
    let from = address::client(peer.ip(), &headers, &state.trusted_proxies);
    let signed = auth::sign_in(&state.db, &body.username, body.password, from).await;
    if let Err(e) = &signed {
        state.metrics.sign_in_refused(e.code().as_str());
    }
    let (me, token) = signed?;
    Ok((
        [(header::SET_COOKIE, set_cookie(&token, state.secure_cookies))],
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
    headers: HeaderMap,
) -> Result<impl IntoResponse, Error> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if query.everywhere {
            session::delete_everywhere(&state.db, token).await?;
        } else {
            session::delete(&state.db, token).await?;
        }
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(state.secure_cookies))],
    ))
}

/// The `Set-Cookie` value that stores a session on the device. `Secure` is added when
/// the server is told it is behind TLS.
fn set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        session::LIFETIME_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
fn clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}
