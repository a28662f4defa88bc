//! The server's one error type, for every layer below the HTTP one. Each error is a
//! refusal with its code from [`RefusalCode`] and a message in Vietnamese, or a failure
//! of the server itself. It knows nothing of HTTP: `api::error` gives each code its
//! status, in one place.

use tuanle_shared::validate::IssueReport;
use tuanle_shared::wire::{ApiError, PushConflict, RefusalCode};

/// What a domain or storage function returns when it does not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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
    /// Any other refusal: input that cannot be used, with its precise code and a
    /// message that says which part of it and why.
    #[error("{code}: {message}")]
    Refused { code: RefusalCode, message: String },
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
    /// An uploaded form file with problems, each named (in Vietnamese).
    #[error("bad form: {0:?}")]
    BadForm(Vec<String>),
    /// Storage failed. Logged in full; the caller only learns that it failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a domain or storage function returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A refusal with a message more precise than its code's own.
    pub fn bad(code: RefusalCode, message: impl Into<String>) -> Error {
        Error::Refused {
            code,
            message: message.into(),
        }
    }

    /// A refusal with its code's own message.
    pub fn refused(code: RefusalCode) -> Error {
        Error::bad(code, code.message())
    }

    /// The code the refusal goes out with.
    pub fn code(&self) -> RefusalCode {
        use RefusalCode as C;
        match self {
            Error::NotFound { .. } => C::NotFound,
            Error::NotSignedIn => C::NotSignedIn,
            Error::BadCredentials => C::BadCredentials,
            Error::TooManyAttempts { .. } => C::TooManyAttempts,
            Error::Forbidden => C::Forbidden,
            Error::Refused { code, .. } => *code,
            Error::NotJson => C::NotJson,
            Error::TooLarge => C::TooLarge,
            Error::Locked => C::ReportLocked,
            Error::Conflict(_) => C::Conflict,
            Error::CampaignClosed => C::CampaignClosed,
            Error::UnitInactive => C::UnitInactive,
            Error::NotAdmin => C::NotAdmin,
            Error::OutOfScope => C::OutOfScope,
            Error::ScopeNotInCampaign => C::ScopeNotInCampaign,
            Error::AlreadyExists { .. } => C::AlreadyExists,
            Error::NotSubmitted => C::NotSubmitted,
            Error::StaleVersion => C::StaleVersion,
            Error::Invalid(_) => C::ValidationFailed,
            Error::BadForm(_) => C::BadForm,
            Error::WarningsNotAcknowledged(_) => C::WarningsNotAcknowledged,
            Error::Db(_) | Error::Internal(_) => C::Internal,
        }
    }

    /// The body the refusal goes out with: its code, and the most precise message
    /// known. A failure of the server is logged in full here; the caller only learns
    /// that it failed.
    pub fn into_body(self) -> ApiError {
        let code = self.code();
        match self {
            Error::NotFound { what } => ApiError::new(code, format!("Không tìm thấy {what}.")),
            Error::TooManyAttempts { retry_after_s } => ApiError::new(
                code,
                format!(
                    "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                    retry_after_s.div_ceil(60)
                ),
            ),
            Error::Refused { message, .. } => ApiError::new(code, message),
            Error::AlreadyExists { what } => ApiError::new(code, format!("{what} đã tồn tại.")),
            Error::Conflict(c) => ApiError::new(code, c.message),
            Error::BadForm(problems) => ApiError {
                message: format!(
                    "Tệp mẫu biểu có {} lỗi; sửa rồi tải lên lại.",
                    problems.len()
                ),
                problems,
                ..ApiError::from(code)
            },
            Error::Invalid(issues) | Error::WarningsNotAcknowledged(issues) => ApiError {
                issues,
                ..ApiError::from(code)
            },
            Error::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::new(
                    code,
                    "Máy chủ gặp lỗi khi lưu trữ dữ liệu. Vui lòng thử lại sau.",
                )
            }
            Error::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ApiError::from(code)
            }
            _ => ApiError::from(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_goes_out_with_its_code_and_a_vietnamese_message() {
        let body = Error::CampaignClosed.into_body();
        assert_eq!(body.code, RefusalCode::CampaignClosed);
        assert_eq!(body.message, RefusalCode::CampaignClosed.message());
        let body = Error::NotFound { what: "đơn vị" }.into_body();
        assert_eq!(
            (body.code, body.message.as_str()),
            (RefusalCode::NotFound, "Không tìm thấy đơn vị.")
        );
        let body = Error::Internal("disk on fire".into()).into_body();
        assert_eq!(body.code, RefusalCode::Internal);
        assert!(!body.message.contains("disk"), "internals are not told");
    }
}
