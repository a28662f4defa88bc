//! Who is calling, and what they may touch.
//!
//! A signed-in caller carries a session cookie (HttpOnly, SameSite=Strict, long-lived:
//! reporters stay signed in on their tablet for weeks). [`Caller`] is an extractor:
//! a handler that takes one is unreachable without a valid session.

pub mod address;
pub mod limit;
pub mod password;
pub mod session;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tuanle_shared::wire::{Me, Role, SESSION_COOKIE};

use crate::api::AppState;
use crate::error::AppError;

/// The signed-in account behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub me: Me,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.me.role
    }
}

/// The value of one cookie in the `Cookie` header.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of one cookie in a request's headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller when signed in, `None` otherwise (for answers that differ, not refusals).
pub async fn optional(
    db: &crate::db::Pool,
    headers: &axum::http::HeaderMap,
) -> Result<Option<Caller>, AppError> {
    match cookie_in(headers, SESSION_COOKIE) {
        Some(token) => session::lookup(db, token).await,
        None => Ok(None),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE).ok_or(AppError::NotSignedIn)?;
        session::lookup(&state.db, token)
            .await?
            .ok_or(AppError::NotSignedIn)
    }
}
