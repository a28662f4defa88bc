//! What handlers take from a request: the signed-in [`Caller`] or [`Admin`], and the
//! body, path and query, whose every rejection is a refusal of the API's own
//! (`{code, message}`), never axum's plain-text one.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tuanle_shared::wire::{RefusalCode, Role, SESSION_COOKIE};

use super::AppState;
use super::json;
use crate::admin::Admin;
use crate::auth::{Caller, session};
use crate::db::Pool;
use crate::error::Error;
use crate::reports::{self, Target};
use serde::de::DeserializeSeed;

/// The value of one cookie in a request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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
pub async fn optional_caller(db: &Pool, headers: &HeaderMap) -> Result<Option<Caller>, Error> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) => session::lookup(db, token).await,
        None => Ok(None),
    }
}

/// A handler that takes a [`Caller`] is unreachable without a live session.
impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        optional_caller(&state.db, &parts.headers)
            .await?
            .ok_or(Error::NotSignedIn)
    }
}

/// A handler that takes an [`Admin`] refuses everybody but administrators.
impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.role() != Role::Admin {
            return Err(Error::NotAdmin);
        }
        Ok(Admin {
            account_id: caller.account_id,
            username: caller.me.username,
            scope: caller.me.unit_code,
        })
    }
}

/// The report the path names (`…/{campaign}/…/{unit}`) and the signed-in caller. It is
/// resolved and checked by the handler, after the body and the query are read: so a
/// request is refused first for who is calling, then for its path, its body and query,
/// and only then for the report (unknown, not the caller's, read-only).
pub struct NamedReport {
    pub caller: Caller,
    campaign: String,
    unit: String,
}

/// The campaign and unit of a report's path, by name: routes below a report (a comment's
/// answer) have more segments.
#[derive(serde::Deserialize)]
struct ReportPath {
    campaign: String,
    unit: UnitCode,
}

impl FromRequestParts<AppState> for NamedReport {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let ApiPath(ReportPath {
            campaign,
            unit: UnitCode(unit),
        }) = ApiPath::<ReportPath>::from_request_parts(parts, state).await?;
        Ok(NamedReport {
            caller,
            campaign,
            unit,
        })
    }
}

impl NamedReport {
    /// The report, unchecked: for a handler whose domain function checks who may act on
    /// it.
    pub async fn resolve(&self, db: &Pool) -> Result<Target, Error> {
        reports::resolve(db, &self.campaign, &self.unit).await
    }

    /// The report, which the caller may read: its unit's own staff, a supervisor or an
    /// observer of a unit above, an administrator whose reach holds it.
    pub async fn readable(&self, db: &Pool) -> Result<Target, Error> {
        let target = self.resolve(db).await?;
        reports::authorize_read(db, &self.caller, &target).await?;
        Ok(target)
    }

    /// The report, which the caller may write: its unit's own reporter or supervisor,
    /// while the campaign is open and the unit active.
    pub async fn writable(&self, db: &Pool) -> Result<Target, Error> {
        let target = self.resolve(db).await?;
        reports::authorize_write(&self.caller, &target)?;
        Ok(target)
    }

    /// The report, which the caller may push to and submit: its unit's own staff, or a
    /// supervisor of its direct parent entering it on its behalf.
    pub async fn enterable(&self, db: &Pool) -> Result<Target, Error> {
        let target = self.resolve(db).await?;
        reports::authorize_entry(db, &self.caller, &target).await?;
        Ok(target)
    }

    /// The report, which the caller may return or approve: a supervisor of the unit's
    /// direct parent, while the campaign is open and the unit active.
    pub async fn reviewable(&self, db: &Pool) -> Result<Target, Error> {
        let target = self.resolve(db).await?;
        reports::authorize_review(db, &self.caller, &target).await?;
        Ok(target)
    }
}

/// An uploaded file's bytes and its media type (lowercase, without parameters): a body
/// too large is `TOO_LARGE`, one that cannot be read `BAD_BODY`.
pub fn file_body(
    headers: &HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(axum::body::Bytes, String), Error> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::TooLarge
        } else {
            Error::bad(RefusalCode::BadBody, "Không đọc được tệp gửi lên.")
        }
    })?;
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    Ok((body, media))
}

/// A JSON body whose every rejection answers in the API's own `{code, message}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Serialize> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Error::NotJson);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::TooLarge
                } else {
                    Error::bad(
                        RefusalCode::BadJson,
                        format!("Không đọc được dữ liệu gửi lên: {}", e.body_text()),
                    )
                }
            })?;
        if has_nul(&bytes) {
            return Err(nul_refused());
        }
        // Strictly: no key twice, then the type, then no array where it has an object.
        let has_array = std::cell::Cell::new(false);
        let mut walk = serde_json::Deserializer::from_slice(&bytes);
        let walked = json::Walk {
            has_array: &has_array,
        }
        .deserialize(&mut walk)
        .and_then(|()| walk.end());
        match walked {
            Ok(()) => {}
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                return Err(Error::bad(
                    RefusalCode::DuplicateKey,
                    format!("{} Trường: {e}.", RefusalCode::DuplicateKey.message()),
                ));
            }
            Err(e) => {
                return Err(Error::bad(
                    RefusalCode::BadJson,
                    format!("Dữ liệu gửi lên không phải JSON hợp lệ: {e}"),
                ));
            }
        }
        let bytes = json::nfc_body(bytes);
        let value: T = serde_json::from_slice(&bytes).map_err(|e| {
            Error::bad(
                RefusalCode::BadFields,
                format!("Dữ liệu gửi lên không đúng dạng: {e}"),
            )
        })?;
        // Only an array can stand where an object belongs: a body without one (every
        // push) is not read a second time.
        if has_array.get() {
            let sent: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| Error::Internal(e.to_string()))?;
            let typed = serde_json::to_value(&value).map_err(|e| Error::Internal(e.to_string()))?;
            if let Some(at) = json::misshapen(&sent, &typed) {
                let at = if at.is_empty() {
                    "toàn bộ dữ liệu".to_owned()
                } else {
                    format!("“{at}”")
                };
                return Err(Error::bad(
                    RefusalCode::BadFields,
                    format!(
                        "Dữ liệu gửi lên không đúng dạng: {at} phải là một đối tượng JSON ({{…}})."
                    ),
                ));
            }
        }
        Ok(ApiJson(value))
    }
}

/// Whether a request or an answer says its body is JSON (`application/json`, or
/// `…+json`).
pub(super) fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(mime) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
    else {
        return false;
    };
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Whether a JSON text holds a NUL character (`\u0000`; a raw NUL is invalid JSON).
/// No report or name has one, and PostgreSQL cannot store it in text: refused at the
/// door, the same on both engines.
fn has_nul(json: &[u8]) -> bool {
    json.windows(6).any(|w| w == b"\\u0000")
}

/// The same for a URL's path or query (`%00`).
fn has_nul_escape(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00")
}

fn nul_refused() -> Error {
    Error::refused(RefusalCode::BadText)
}

/// A unit code as a path segment names it: codes are compared without case (imports store
/// them trimmed and in capitals), so `/reports/nb-hq-th` names the unit `NB-HQ-TH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCode(pub String);

impl<'de> serde::Deserialize<'de> for UnitCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(UnitCode(tuanle_shared::tree::normalize_code(&raw)))
    }
}

impl std::ops::Deref for UnitCode {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Path parameters whose rejection (an undecodable segment, invalid UTF-8) answers in
/// the API's own `{code, message}`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        if has_nul_escape(parts.uri.path()) {
            return Err(nul_refused());
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| {
                Error::bad(
                    RefusalCode::BadPath,
                    format!("Đường dẫn không đúng: {}", e.body_text()),
                )
            })
    }
}

/// A query string whose rejection answers in the API's own `{code, message}`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(has_nul_escape) {
            return Err(nul_refused());
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                Error::bad(
                    RefusalCode::BadQuery,
                    format!("Tham số trên đường dẫn không đúng: {}", e.body_text()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_in_json_and_urls() {
        assert!(has_nul(br#"{"username": "a\u0000b"}"#));
        assert!(!has_nul(br#"{"username": "a\u0041b"}"#));
        assert!(has_nul_escape("/api/v1/campaigns/2025/reports/NB%00"));
        assert!(!has_nul_escape("/api/v1/campaigns/2025/reports/NB%20"));
    }
}
