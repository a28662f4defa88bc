//! Fetching from the server. Every failure becomes an [`ApiFailure`] whose message is
//! fit to show to a person, in Vietnamese.

use serde::de::DeserializeOwned;
use tuanle_shared::wire::ApiError;

/// Why a request did not give what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// No answer at all: offline, or the server is down.
    Network,
    /// The server refused, with its `{code, message}`.
    Refused(ApiError),
    /// The answer could not be read (a server and an app of different versions).
    Unreadable,
}

impl ApiFailure {
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Network => {
                "Không kết nối được với máy chủ. Kiểm tra mạng rồi thử lại.".into()
            }
            ApiFailure::Refused(e) => e.message.clone(),
            ApiFailure::Unreadable => {
                "Máy chủ trả lời không đọc được. Vui lòng tải lại trang.".into()
            }
        }
    }
}

/// `GET path` and read the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if !response.ok() {
        return Err(match response.json::<ApiError>().await {
            Ok(e) => ApiFailure::Refused(e),
            Err(_) => ApiFailure::Unreadable,
        });
    }
    response
        .json::<T>()
        .await
        .map_err(|_| ApiFailure::Unreadable)
}
