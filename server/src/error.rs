//! The server's one error type. Every refusal leaves as `{code, message}`: a stable code
//! for programs, a message in Vietnamese for people, and a fitting HTTP status. The
//! mapping lives here and nowhere else.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tuanle_shared::validate::IssueReport;
use tuanle_shared::wire::{ApiError, PushConflict};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An unknown resource; `what` says which kind, in Vietnamese.
    #[error("không tìm thấy {what}")]
    NotFound { what: &'static str },
    #[error("not signed in")]
    NotSignedIn,
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed sign-ins for this username or from this address lately.
    #[error("too many sign-in attempts")]
    TooManyAttempts { retry_after_s: u64 },
    #[error("forbidden")]
    Forbidden,
    /// Input that cannot be used, with its precise code.
    #[error("{code}: {message}")]
    BadRequest { code: &'static str, message: String },
    #[error("request body is not JSON")]
    NotJson,
    #[error("request body too large")]
    TooLarge,
    /// The report is submitted or approved: pushes and submissions are refused.
    #[error("report locked")]
    Locked,
    /// Another device changed the same cells: nothing was written.
    #[error("conflict")]
    Conflict(Box<PushConflict>),
    /// The campaign is closed: reports are read-only.
    #[error("campaign closed")]
    CampaignClosed,
    /// The unit is inactive: it no longer reports.
    #[error("unit inactive")]
    UnitInactive,
    /// An administration endpoint called by someone who is not an administrator.
    #[error("not an administrator")]
    NotAdmin,
    /// A unit or account outside the administrator's subtree.
    #[error("out of scope")]
    OutOfScope,
    /// A subtree administrator's unit is not in the campaign's tree (yet).
    #[error("scope not in campaign")]
    ScopeNotInCampaign,
    /// A code or username already taken; `what` says which, in Vietnamese.
    #[error("already exists: {what}")]
    AlreadyExists { what: String },
    /// Only a submitted report can be returned or approved.
    #[error("report not submitted")]
    NotSubmitted,
    /// A submission names a version that is no longer the current one.
    #[error("stale version")]
    StaleVersion,
    /// Submission refused by the validation rules.
    #[error("validation failed")]
    Invalid(Vec<IssueReport>),
    /// Submission has warnings the person has not acknowledged.
    #[error("warnings not acknowledged")]
    WarningsNotAcknowledged(Vec<IssueReport>),
    /// Storage failed. Logged in full; the caller only learns that it failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    fn status_and_body(self) -> (StatusCode, ApiError) {
        use StatusCode as S;
        let plain = |status, code: &str, message: &str| (status, ApiError::new(code, message));
        match self {
            AppError::NotFound { what } => (
                S::NOT_FOUND,
                ApiError::new("NOT_FOUND", format!("Không tìm thấy {what}.")),
            ),
            AppError::NotSignedIn => plain(
                S::UNAUTHORIZED,
                "NOT_SIGNED_IN",
                "Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn. Vui lòng đăng nhập.",
            ),
            AppError::BadCredentials => plain(
                S::UNAUTHORIZED,
                "BAD_CREDENTIALS",
                "Tên đăng nhập hoặc mật khẩu không đúng.",
            ),
            AppError::TooManyAttempts { retry_after_s } => (
                S::TOO_MANY_REQUESTS,
                ApiError::new(
                    "TOO_MANY_ATTEMPTS",
                    format!(
                        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                        retry_after_s.div_ceil(60)
                    ),
                ),
            ),
            AppError::Forbidden => plain(
                S::FORBIDDEN,
                "FORBIDDEN",
                "Tài khoản của bạn không có quyền với báo cáo này.",
            ),
            AppError::BadRequest { code, message } => {
                (S::BAD_REQUEST, ApiError::new(code, message))
            }
            AppError::NotJson => plain(
                S::UNSUPPORTED_MEDIA_TYPE,
                "NOT_JSON",
                "Yêu cầu phải gửi dữ liệu JSON (Content-Type: application/json).",
            ),
            AppError::TooLarge => plain(
                S::PAYLOAD_TOO_LARGE,
                "TOO_LARGE",
                "Dữ liệu gửi lên quá lớn.",
            ),
            AppError::Locked => plain(
                S::LOCKED,
                "REPORT_LOCKED",
                "Báo cáo đã nộp hoặc đã được duyệt nên không sửa được nữa. Những gì bạn nhập vẫn được giữ trên máy.",
            ),
            AppError::Conflict(c) => (S::CONFLICT, ApiError::new(c.code, c.message)),
            AppError::CampaignClosed => plain(
                S::LOCKED,
                "CAMPAIGN_CLOSED",
                "Đợt báo cáo đã đóng nên không sửa được nữa. Những gì bạn nhập vẫn được giữ trên máy.",
            ),
            AppError::UnitInactive => plain(
                S::LOCKED,
                "UNIT_INACTIVE",
                "Đơn vị đã ngừng hoạt động trong đợt này nên không báo cáo được nữa.",
            ),
            AppError::NotAdmin => plain(
                S::FORBIDDEN,
                "NOT_ADMIN",
                "Chỉ quản trị viên mới dùng được chức năng này.",
            ),
            AppError::OutOfScope => plain(
                S::FORBIDDEN,
                "OUT_OF_SCOPE",
                "Đơn vị hoặc tài khoản này nằm ngoài phạm vi bạn quản trị.",
            ),
            AppError::ScopeNotInCampaign => plain(
                S::NOT_FOUND,
                "SCOPE_NOT_IN_CAMPAIGN",
                "Đơn vị bạn quản trị chưa có trong cây đơn vị của đợt này. Hãy nhờ quản trị cấp trên nhập cây trước.",
            ),
            AppError::AlreadyExists { what } => (
                S::CONFLICT,
                ApiError::new("ALREADY_EXISTS", format!("{what} đã tồn tại.")),
            ),
            AppError::NotSubmitted => plain(
                S::CONFLICT,
                "NOT_SUBMITTED",
                "Chỉ trả lại hoặc duyệt được báo cáo đã nộp.",
            ),
            AppError::StaleVersion => plain(
                S::CONFLICT,
                "STALE_VERSION",
                "Báo cáo trên máy chủ đã thay đổi. Hãy đồng bộ rồi nộp lại.",
            ),
            AppError::Invalid(issues) => (
                S::UNPROCESSABLE_ENTITY,
                ApiError {
                    code: "VALIDATION_FAILED".into(),
                    message: "Báo cáo còn lỗi, chưa nộp được. Hãy sửa các ô được liệt kê.".into(),
                    issues,
                },
            ),
            AppError::WarningsNotAcknowledged(issues) => (
                S::UNPROCESSABLE_ENTITY,
                ApiError {
                    code: "WARNINGS_NOT_ACKNOWLEDGED".into(),
                    message: "Báo cáo có cảnh báo. Hãy xem lại và xác nhận trước khi nộp.".into(),
                    issues,
                },
            ),
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                plain(
                    S::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "Máy chủ gặp lỗi khi lưu trữ dữ liệu. Vui lòng thử lại sau.",
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                plain(
                    S::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "Máy chủ gặp lỗi. Vui lòng thử lại sau.",
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Conflict(c) = self {
            return (StatusCode::CONFLICT, Json(*c)).into_response();
        }
        if let AppError::TooManyAttempts { retry_after_s } = self {
            let retry_after = [(axum::http::header::RETRY_AFTER, retry_after_s.to_string())];
            let (status, body) = self.status_and_body();
            return (status, retry_after, Json(body)).into_response();
        }
        let (status, body) = self.status_and_body();
        (status, Json(body)).into_response()
    }
}

/// A JSON body whose every rejection answers in the API's own `{code, message}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::NotJson);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge
                } else {
                    AppError::BadRequest {
                        code: "BAD_JSON",
                        message: format!("Không đọc được dữ liệu gửi lên: {}", e.body_text()),
                    }
                }
            })?;
        if has_nul(&bytes) {
            return Err(nul_refused());
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => AppError::NotJson,
                JsonRejection::JsonDataError(e) => AppError::BadRequest {
                    code: "BAD_FIELDS",
                    message: format!("Dữ liệu gửi lên không đúng dạng: {}", e.body_text()),
                },
                JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::TooLarge
                }
                other => AppError::BadRequest {
                    code: "BAD_JSON",
                    message: format!(
                        "Dữ liệu gửi lên không phải JSON hợp lệ: {}",
                        other.body_text()
                    ),
                },
            }),
        }
    }
}

/// Whether the request says its body is JSON (`application/json`, or `…+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
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

fn nul_refused() -> AppError {
    AppError::BadRequest {
        code: "BAD_TEXT",
        message: "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL).".into(),
    }
}

/// Path parameters whose rejection (an undecodable segment, invalid UTF-8) answers in
/// the API's own `{code, message}`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

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
            .map_err(|e| AppError::BadRequest {
                code: "BAD_PATH",
                message: format!("Đường dẫn không đúng: {}", e.body_text()),
            })
    }
}

/// A query string whose rejection answers in the API's own `{code, message}`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

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
            .map_err(|e| AppError::BadRequest {
                code: "BAD_QUERY",
                message: format!("Tham số trên đường dẫn không đúng: {}", e.body_text()),
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
