//! The server's one error type. Every refusal leaves as `{code, message}`: a stable code
//! for programs, a message in Vietnamese for people, and a fitting HTTP status. The
//! mapping lives here and nowhere else.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tuanle_shared::wire::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An unknown resource; `what` says which kind, in Vietnamese.
    #[error("không tìm thấy {what}")]
    NotFound { what: &'static str },
    /// Storage failed. Logged in full; the caller only learns that it failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl AppError {
    fn status_and_body(&self) -> (StatusCode, ApiError) {
        match self {
            AppError::NotFound { what } => (
                StatusCode::NOT_FOUND,
                ApiError {
                    code: "NOT_FOUND".into(),
                    message: format!("Không tìm thấy {what}."),
                },
            ),
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ApiError {
                        code: "INTERNAL".into(),
                        message: "Máy chủ gặp lỗi khi lưu trữ dữ liệu. Vui lòng thử lại sau."
                            .into(),
                    },
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        (status, Json(body)).into_response()
    }
}
