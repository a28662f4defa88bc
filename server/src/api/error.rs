//! How a refusal leaves the server: the HTTP status of each [`RefusalCode`], and the
//! `{code, message}` body. This is the only place that knows both.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tuanle_shared::wire::RefusalCode;

use crate::error::Error;

/// The status a refusal is sent with. Programs must decide by the code, which says
/// more: several codes share a status (423 is a locked report, a closed campaign or an
/// inactive unit).
pub fn status(code: RefusalCode) -> StatusCode {
    use RefusalCode as C;
    use StatusCode as S;
    match code {
        C::NotSignedIn | C::BadCredentials => S::UNAUTHORIZED,
        C::TooManyAttempts => S::TOO_MANY_REQUESTS,
        C::Forbidden | C::NotAdmin | C::OutOfScope => S::FORBIDDEN,
        C::NotFound | C::ScopeNotInCampaign => S::NOT_FOUND,
        C::NotJson => S::UNSUPPORTED_MEDIA_TYPE,
        C::TooLarge => S::PAYLOAD_TOO_LARGE,
        C::ReportLocked | C::CampaignClosed | C::UnitInactive => S::LOCKED,
        C::Conflict | C::AlreadyExists | C::NotSubmitted | C::StaleVersion => S::CONFLICT,
        C::ValidationFailed | C::WarningsNotAcknowledged => S::UNPROCESSABLE_ENTITY,
        C::Internal | C::Unknown => S::INTERNAL_SERVER_ERROR,
        C::BadJson
        | C::BadFields
        | C::BadText
        | C::BadPath
        | C::BadQuery
        | C::BadMode
        | C::BadBody
        | C::BadFileType
        | C::BadId
        | C::BadVersion
        | C::BadBaseVersion
        | C::PushIdReused
        | C::TotalTooLarge
        | C::UnknownCode
        | C::PersonsNotAllowed
        | C::NotTyped
        | C::NoTextHere
        | C::TextTooLong
        | C::EmptyReport
        | C::ReasonRequired
        | C::UnknownForm
        | C::FormInUse
        | C::BadCampaignCode
        | C::BadYear
        | C::BadTheme
        | C::BadDate
        | C::BadDeadlines
        | C::BadCode
        | C::CodeTaken
        | C::BadName
        | C::UnknownKind
        | C::CannotMove
        | C::MoveIntoItself
        | C::HasActiveChildren
        | C::ParentInactive
        | C::BadUsername
        | C::BadDisplayName
        | C::CannotChangeSelf
        | C::UnitRequired => S::BAD_REQUEST,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = status(self.code());
        match self {
            // A conflict carries both sides, for the person to choose from.
            Error::Conflict(c) => (status, Json(*c)).into_response(),
            Error::TooManyAttempts { retry_after_s } => {
                let retry_after = [(header::RETRY_AFTER, retry_after_s.to_string())];
                (status, retry_after, Json(self.into_body())).into_response()
            }
            other => (status, Json(other.into_body())).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_and_only_the_server_s_own_failures_are_5xx() {
        for &code in RefusalCode::ALL {
            let s = status(code);
            assert!(
                s.is_client_error() || code == RefusalCode::Internal,
                "{code}: {s}"
            );
        }
    }
}
