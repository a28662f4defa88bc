//! How a refusal leaves the server: the HTTP status of each [`RefusalCode`], and the
//! `{code, message}` body. This is the only place that knows both.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tuanle_shared::wire::{ApiError, RefusalCode};

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
        C::Forbidden | C::NotAdmin | C::OutOfScope | C::NotDirectParent => S::FORBIDDEN,
        C::NotFound | C::ScopeNotInCampaign => S::NOT_FOUND,
        C::MethodNotAllowed => S::METHOD_NOT_ALLOWED,
        C::NotJson => S::UNSUPPORTED_MEDIA_TYPE,
        C::TooLarge => S::PAYLOAD_TOO_LARGE,
        C::UriTooLong => S::URI_TOO_LONG,
        C::ReportLocked | C::CampaignClosed | C::UnitInactive => S::LOCKED,
        C::Conflict
        | C::AlreadyExists
        | C::NotSubmitted
        | C::StaleVersion
        | C::PackageNotSent
        | C::NotPractice
        | C::PracticeInUse
        | C::KindTaken
        | C::FormTaken => S::CONFLICT,
        C::ValidationFailed | C::WarningsNotAcknowledged => S::UNPROCESSABLE_ENTITY,
        C::Internal | C::Unknown => S::INTERNAL_SERVER_ERROR,
        C::BadRequest
        | C::BadJson
        | C::DuplicateKey
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
        | C::AboveBound
        | C::UnknownCode
        | C::PersonsNotAllowed
        | C::NotTyped
        | C::NoTextHere
        | C::TextTooLong
        | C::BadDocumentFields
        | C::BadComment
        | C::TooManyComments
        | C::NothingToComment
        | C::NoReportYet
        | C::EmptyReport
        | C::NoChildren
        | C::ReasonRequired
        | C::UnknownForm
        | C::NotAProvince
        | C::FormNotExtending
        | C::FormInUse
        | C::BadForm
        | C::BadCampaignCode
        | C::BadYear
        | C::BadTheme
        | C::BadDate
        | C::BadDeadlines
        | C::BadCode
        | C::CodeTaken
        | C::BadName
        | C::UnknownKind
        | C::BadKind
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

/// The code of an answer refused below the handlers, which carries no body of ours.
fn code_of(status: StatusCode) -> RefusalCode {
    match status {
        StatusCode::NOT_FOUND => RefusalCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => RefusalCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => RefusalCode::TooLarge,
        StatusCode::URI_TOO_LONG => RefusalCode::UriTooLong,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => RefusalCode::NotJson,
        s if s.is_server_error() => RefusalCode::Internal,
        _ => RefusalCode::BadRequest,
    }
}

/// Middleware of the API's routes. Every answer that is not a success carries
/// `{code, message}`, also one refused below the handlers (a wrong method); and a
/// refused request that came with a body is answered with `Connection: close`. A
/// refusal is often sent before the body is read (not signed in, not JSON, no such
/// route): the server then drops the connection, and a client that reused it would see
/// its next request fail. Told, it opens a new one.
pub async fn refusals(request: Request, next: Next) -> Response {
    let has_body = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    let too_long = request
        .uri()
        .path_and_query()
        .is_some_and(|p| p.as_str().len() > tuanle_shared::wire::MAX_URI_BYTES);
    let response = if too_long {
        Error::refused(RefusalCode::UriTooLong).into_response()
    } else {
        next.run(request).await
    };
    let status = response.status();
    if status.is_success() || status.is_redirection() || status.is_informational() {
        return response;
    }
    let mut response = if super::extract::is_json(response.headers()) {
        response
    } else {
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut ours = (status, Json(ApiError::from(code_of(status)))).into_response();
        if let Some(allow) = allow {
            ours.headers_mut().insert(header::ALLOW, allow);
        }
        ours
    };
    if has_body {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
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
