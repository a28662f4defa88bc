//! Talking to the server. Every failure becomes an [`ApiFailure`] whose message is fit
//! to show to a person, in Vietnamese. The app decides what to do from a refusal's
//! [`RefusalCode`], never from the HTTP status: one status can mean several things.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tuanle_shared::wire::{ApiError, PushAccepted, PushConflict, PushRequest, RefusalCode};

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

    /// The code of a refusal.
    pub fn code(&self) -> Option<RefusalCode> {
        match self {
            ApiFailure::Refused(e) => Some(e.code),
            _ => None,
        }
    }

    pub fn is_signed_out(&self) -> bool {
        self.code() == Some(RefusalCode::NotSignedIn)
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
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

/// An answer without a body: nothing on success, the refusal otherwise.
async fn empty(response: Response) -> Result<(), ApiFailure> {
    if response.ok() {
        Ok(())
    } else {
        read::<()>(response).await
    }
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
    empty(response).await
}

/// The two answers a push can get besides a refusal.
pub enum PushOutcome {
    Accepted(PushAccepted),
    Conflict(PushConflict),
}

/// Sends a push; a refusal coded `CONFLICT` carries the conflicting cells.
pub async fn push(path: &str, body: &PushRequest) -> Result<PushOutcome, ApiFailure> {
    let request = Request::post(path)
        .json(body)
        .map_err(|_| ApiFailure::Unreadable)?;
    let response = request.send().await.map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        return read(response).await.map(PushOutcome::Accepted);
    }
    let text = response.text().await.map_err(|_| ApiFailure::Unreadable)?;
    let refusal: ApiError = serde_json::from_str(&text).map_err(|_| ApiFailure::Unreadable)?;
    if refusal.code == RefusalCode::Conflict {
        return serde_json::from_str::<PushConflict>(&text)
            .map(PushOutcome::Conflict)
            .map_err(|_| ApiFailure::Unreadable);
    }
    Err(ApiFailure::Refused(refusal))
}

/// A request of a method that changes something: `PUT`, `PATCH`, else `POST`.
fn builder(method: &str, path: &str) -> gloo_net::http::RequestBuilder {
    match method {
        "PUT" => Request::put(path),
        "PATCH" => Request::patch(path),
        _ => Request::post(path),
    }
}

/// Any method with a JSON body (`PUT`, `PATCH`, `POST`), reading the JSON answer.
pub async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiFailure> {
    let builder = builder(method, path);
    let request = match body {
        Some(b) => builder.json(b).map_err(|_| ApiFailure::Unreadable)?,
        None => builder.build().map_err(|_| ApiFailure::Unreadable)?,
    };
    read(request.send().await.map_err(|_| ApiFailure::Network)?).await
}

/// Like [`send_json`] for answers without a body (`201`, `204`).
pub async fn send_empty<B: Serialize>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<(), ApiFailure> {
    let response = builder(method, path)
        .json(body)
        .map_err(|_| ApiFailure::Unreadable)?
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    empty(response).await
}

/// Uploads a file with `XMLHttpRequest`, which (unlike `fetch`) reports the upload's
/// progress: `on_progress` gets the sent share, 0 to 1. A refusal is an error body
/// (`{code, message}`); any other answer is the body `T` (a checked tree, with its
/// problems when it has some).
pub async fn upload<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
    on_progress: impl Fn(f64) + 'static,
) -> Result<T, ApiFailure> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiFailure::Network)?;
    xhr.open("POST", path).map_err(|_| ApiFailure::Network)?;
    let media = if file.name().to_lowercase().ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv"
    };
    xhr.set_request_header("Content-Type", media)
        .map_err(|_| ApiFailure::Network)?;
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                on_progress(e.loaded() / e.total());
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // The promise settles on load (any status) or on a network error.
    let settle: Rc<RefCell<Option<(js_sys::Function, js_sys::Function)>>> = Rc::default();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        *settle.borrow_mut() = Some((resolve, reject));
    });
    let on_load = {
        let settle = settle.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some((resolve, _)) = settle.borrow_mut().take() {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            }
        })
    };
    let on_error = {
        let settle = settle.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some((_, reject)) = settle.borrow_mut().take() {
                let _ = reject.call0(&wasm_bindgen::JsValue::NULL);
            }
        })
    };
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.send_with_opt_blob(Some(file))
        .map_err(|_| ApiFailure::Network)?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| ApiFailure::Network)?;
    // The closures lived until here: the request is over.
    drop((progress, on_load, on_error));
    let status = xhr.status().unwrap_or(0);
    let text = xhr
        .response_text()
        .ok()
        .flatten()
        .ok_or(ApiFailure::Unreadable)?;
    if !(200..300).contains(&status)
        && let Ok(refusal) = serde_json::from_str::<ApiError>(&text)
    {
        return Err(ApiFailure::Refused(refusal));
    }
    serde_json::from_str(&text).map_err(|_| ApiFailure::Unreadable)
}
