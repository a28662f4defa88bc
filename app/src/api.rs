//! Talking to the server. Every failure becomes an [`ApiFailure`] whose message is fit
//! to show to a person, in Vietnamese; programs match on its code.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tuanle_shared::wire::{ApiError, PushAccepted, PushConflict, PushRequest};

/// Why a request did not give what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// No answer at all: offline, or the server is down.
    Network,
    /// The server refused, with its status and `{code, message}`.
    Refused(u16, ApiError),
    /// The answer could not be read (a server and an app of different versions).
    Unreadable,
}

impl ApiFailure {
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Network => {
                "Không kết nối được với máy chủ. Kiểm tra mạng rồi thử lại.".into()
            }
            ApiFailure::Refused(_, e) => e.message.clone(),
            ApiFailure::Unreadable => {
                "Máy chủ trả lời không đọc được. Vui lòng tải lại trang.".into()
            }
        }
    }

    /// The error code of a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiFailure::Refused(_, e) => Some(&e.code),
            _ => None,
        }
    }

    pub fn is_signed_out(&self) -> bool {
        matches!(self, ApiFailure::Refused(401, _))
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    if !response.ok() {
        let status = response.status();
        return Err(match response.json::<ApiError>().await {
            Ok(e) => ApiFailure::Refused(status, e),
            Err(_) => ApiFailure::Unreadable,
        });
    }
    response
        .json::<T>()
        .await
        .map_err(|_| ApiFailure::Unreadable)
}

/// `GET path` and read the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    read(
        Request::get(path)
            .send()
            .await
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// `GET path` and read the answer as bytes (a file).
pub async fn get_bytes(path: &str) -> Result<Vec<u8>, ApiFailure> {
    let response = Request::get(path)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if !response.ok() {
        return read::<()>(response).await.map(|_| Vec::new());
    }
    response.binary().await.map_err(|_| ApiFailure::Unreadable)
}

/// `POST path` with a JSON body and read the JSON answer.
pub async fn post_json<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let request = Request::post(path)
        .json(body)
        .map_err(|_| ApiFailure::Unreadable)?;
    read(request.send().await.map_err(|_| ApiFailure::Network)?).await
}

/// `DELETE path`; the answer has no body.
pub async fn delete(path: &str) -> Result<(), ApiFailure> {
    let response = Request::delete(path)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        Ok(())
    } else {
        read::<()>(response).await
    }
}

/// The two answers a push can get besides a refusal.
pub enum PushOutcome {
    Accepted(PushAccepted),
    Conflict(PushConflict),
}

/// Sends a push; a 409 carries the conflicting cells.
pub async fn push(path: &str, body: &PushRequest) -> Result<PushOutcome, ApiFailure> {
    let request = Request::post(path)
        .json(body)
        .map_err(|_| ApiFailure::Unreadable)?;
    let response = request.send().await.map_err(|_| ApiFailure::Network)?;
    if response.status() == 409 {
        let text = response.text().await.map_err(|_| ApiFailure::Unreadable)?;
        if let Ok(conflict) = serde_json::from_str::<PushConflict>(&text) {
            return Ok(PushOutcome::Conflict(conflict));
        }
        return Err(serde_json::from_str::<ApiError>(&text)
            .map(|e| ApiFailure::Refused(409, e))
            .unwrap_or(ApiFailure::Unreadable));
    }
    read(response).await.map(PushOutcome::Accepted)
}
