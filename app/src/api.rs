//! Talking to the server. Every failure becomes an [`ApiFailure`] whose message is fit
//! to show to a person, in Vietnamese. The app decides what to do from a refusal's
//! [`RefusalCode`], never from the HTTP status: one status can mean several things.
//!
//! No request hangs: each one is watched, and abandoned when nothing has arrived for a
//! while (see [`crate::retry`]): a stalled link is then told apart from no network.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use gloo_net::http::{Request, RequestBuilder};
use leptos::prelude::{IntervalHandle, set_interval_with_handle};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tuanle_shared::wire::{ApiError, PushAccepted, PushConflict, PushRequest, RefusalCode};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::{device, retry};

/// Why a request did not give what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// No connection at all: offline, or nothing listens.
    Network,
    /// Connected, and then no answer came for too long: a stalled link or a captive
    /// portal. The request was abandoned.
    NoAnswer,
    /// The server (or a proxy in front of it) failed: a 5xx without our error body, or
    /// our `INTERNAL`. Worth retrying later.
    Server,
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
            ApiFailure::NoAnswer => {
                "Mạng chập chờn: máy chủ chưa trả lời. Hãy thử lại sau ít phút.".into()
            }
            ApiFailure::Server => "Máy chủ đang gặp lỗi. Vui lòng thử lại sau ít phút.".into(),
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

    /// Whether the same request may succeed later as it is: the network or the server
    /// failed, nothing was refused.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiFailure::Network | ApiFailure::NoAnswer | ApiFailure::Server
        )
    }

    /// The failure an answer's status and body mean, for an answer that is not 2xx.
    fn of_answer(status: u16, body: &[u8]) -> ApiFailure {
        match parse::<ApiError>(body) {
            Some(e) if e.code == RefusalCode::Internal => ApiFailure::Server,
            Some(e) => ApiFailure::Refused(e),
            // A proxy's page, a gateway timeout: the server side failed.
            None if status >= 500 => ApiFailure::Server,
            None => ApiFailure::Unreadable,
        }
    }
}

/// A JSON body read as text first: the app reads JSON from text everywhere else (its
/// storage), and one reader keeps one copy of each type's decoding in the bundle
/// (`from_slice` beside `from_str` would double it).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    parse_by(body, crate::json::from_str)
}

/// A JSON body read by `read`, one of [`crate::json`]'s readers.
fn parse_by<T>(body: &[u8], read: fn(&str) -> Result<T, crate::json::Unreadable>) -> Option<T> {
    read(std::str::from_utf8(body).ok()?).ok()
}

thread_local! {
    /// Requests abandoned in a row for silence: each one makes the next more patient.
    static STALLS: Cell<u32> = const { Cell::new(0) };
}

/// Watches one request, and aborts it when nothing has arrived for the patience.
struct Watchdog {
    controller: Option<web_sys::AbortController>,
    last: Rc<Cell<f64>>,
    fired: Rc<Cell<bool>>,
    interval: Option<IntervalHandle>,
}

impl Watchdog {
    /// Patient for at least `at_least_ms` (a file the server builds in its turn says
    /// nothing until it is built).
    fn start(at_least_ms: u32) -> Watchdog {
        let controller = web_sys::AbortController::new().ok();
        let last = Rc::new(Cell::new(device::now_ms()));
        let fired = Rc::new(Cell::new(false));
        let patience = f64::from(retry::patience_ms(STALLS.get()).max(at_least_ms));
        let interval = {
            let (controller, last, fired) = (controller.clone(), last.clone(), fired.clone());
            set_interval_with_handle(
                move || {
                    if !fired.get() && device::now_ms() - last.get() > patience {
                        fired.set(true);
                        if let Some(c) = &controller {
                            c.abort();
                        }
                    }
                },
                Duration::from_millis(500),
            )
            .ok()
        };
        Watchdog {
            controller,
            last,
            fired,
            interval,
        }
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.controller.as_ref().map(|c| c.signal())
    }

    /// Something arrived.
    fn progress(&self) {
        self.last.set(device::now_ms());
    }

    /// What a failed send or read means: silence when the watchdog aborted it.
    fn failure(&self) -> ApiFailure {
        if self.fired.get() {
            STALLS.set(STALLS.get().saturating_add(1));
            ApiFailure::NoAnswer
        } else {
            ApiFailure::Network
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(i) = self.interval.take() {
            i.clear();
        }
    }
}

/// An answer read whole.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn json<T: DeserializeOwned>(self) -> Result<T, ApiFailure> {
        self.json_by(crate::json::from_str)
    }

    /// Success read by `read`, or the refusal.
    fn json_by<T>(
        self,
        read: fn(&str) -> Result<T, crate::json::Unreadable>,
    ) -> Result<T, ApiFailure> {
        if !self.ok() {
            return Err(ApiFailure::of_answer(self.status, &self.body));
        }
        parse_by(&self.body, read).ok_or(ApiFailure::Unreadable)
    }

    /// Success whatever the body says, or the refusal.
    fn nothing(self) -> Result<(), ApiFailure> {
        if self.ok() {
            Ok(())
        } else {
            Err(ApiFailure::of_answer(self.status, &self.body))
        }
    }
}

/// A request's JSON body, as text: made before [`exchange`], so that one copy of it
/// serves every type sent and read (it is not generic).
fn json_text<B: Serialize>(body: &B) -> Result<String, ApiFailure> {
    serde_json::to_string(body).map_err(|_| ApiFailure::Unreadable)
}

/// Sends a request, with `json` as its body when there is one, and reads its whole
/// answer, abandoning it when it stalls.
async fn exchange(builder: RequestBuilder, json: Option<String>) -> Result<Answer, ApiFailure> {
    exchange_telling(builder, json, None, 0).await
}

/// [`exchange`], telling `arrived` of each part of the answer's body as it comes, and
/// patient for at least `patience_ms`.
async fn exchange_telling(
    builder: RequestBuilder,
    json: Option<String>,
    arrived: Option<&dyn Fn(u64, Option<u64>)>,
    patience_ms: u32,
) -> Result<Answer, ApiFailure> {
    let dog = Watchdog::start(patience_ms);
    let builder = builder.abort_signal(dog.signal().as_ref());
    let request = match json {
        None => builder.build(),
        Some(text) => builder
            .header("Content-Type", "application/json")
            .body(text),
    }
    .map_err(|_| ApiFailure::Unreadable)?;
    let response = request.send().await.map_err(|_| dog.failure())?;
    dog.progress();
    let status = response.status();
    // The body's length as sent: a compressed answer's is smaller than what is read.
    let whole = response
        .headers()
        .get("content-length")
        .and_then(|n| n.parse::<u64>().ok());
    let mut body = Vec::new();
    if let Some(stream) = response.body() {
        let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|_| dog.failure())?;
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
                body.extend(js_sys::Uint8Array::new(&value).to_vec());
            }
            dog.progress();
            if let Some(arrived) = arrived {
                arrived(body.len() as u64, whole);
            }
        }
    }
    STALLS.set(0);
    Ok(Answer { status, body })
}

/// `request` again while it fails for a transient reason (not when offline: that is
/// said at once), `attempts` times at most, waiting with backoff and jitter between.
pub async fn retrying<T, F, Fut>(attempts: u32, mut request: F) -> Result<T, ApiFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiFailure>>,
{
    let mut failures = 0;
    loop {
        match request().await {
            Err(f) if f.is_transient() && f != ApiFailure::Network && failures + 1 < attempts => {
                failures += 1;
                device::sleep(retry::backoff_ms(failures, js_sys::Math::random())).await;
            }
            other => return other,
        }
    }
}

/// `GET path` and read the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    exchange(Request::get(path), None).await?.json()
}

/// [`get_json`] for an answer that holds a subtree's sums, read exactly
/// ([`crate::json::from_str_exact`]).
pub async fn get_sums<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    exchange(Request::get(path), None)
        .await?
        .json_by(crate::json::from_str_exact)
}

/// How long a file may take before its first byte: the server builds documents a few
/// at a time, and a national one may wait its turn behind others.
const FILE_PATIENCE_MS: u32 = 120_000;

/// `GET path` and read the answer as bytes (a file); `arrived` is told how many bytes
/// have come after each part, and how many the whole has when the server said.
pub async fn get_bytes(
    path: &str,
    arrived: &dyn Fn(u64, Option<u64>),
) -> Result<Vec<u8>, ApiFailure> {
    let answer =
        exchange_telling(Request::get(path), None, Some(arrived), FILE_PATIENCE_MS).await?;
    if !answer.ok() {
        return Err(ApiFailure::of_answer(answer.status, &answer.body));
    }
    Ok(answer.body)
}

/// `POST path` with a JSON body and read the JSON answer.
pub async fn post_json<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    exchange(Request::post(path), Some(json_text(body)?))
        .await?
        .json()
}

/// [`post_json`] for an answer that holds a subtree's sums, read exactly
/// ([`crate::json::from_str_exact`]).
pub async fn post_for_sums<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    exchange(Request::post(path), Some(json_text(body)?))
        .await?
        .json_by(crate::json::from_str_exact)
}

/// POSTs an empty JSON object: an action whose path says it all. Written as text, not
/// with `serde_json::json!`, which would link the JSON tree's writer for `{}`.
pub async fn post_action<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    exchange(Request::post(path), Some("{}".to_owned()))
        .await?
        .json()
}

/// `DELETE path`; the answer has no body.
pub async fn delete(path: &str) -> Result<(), ApiFailure> {
    exchange(Request::delete(path), None).await?.nothing()
}

/// The two answers a push can get besides a refusal.
pub enum PushOutcome {
    Accepted(PushAccepted),
    Conflict(PushConflict),
}

/// Sends a push; a refusal coded `CONFLICT` carries the conflicting cells.
pub async fn push(path: &str, body: &PushRequest) -> Result<PushOutcome, ApiFailure> {
    let answer = exchange(Request::post(path), Some(json_text(body)?)).await?;
    if answer.ok() {
        return answer.json().map(PushOutcome::Accepted);
    }
    match ApiFailure::of_answer(answer.status, &answer.body) {
        ApiFailure::Refused(e) if e.code == RefusalCode::Conflict => {
            parse::<PushConflict>(&answer.body)
                .map(PushOutcome::Conflict)
                .ok_or(ApiFailure::Unreadable)
        }
        failure => Err(failure),
    }
}

/// A request of a method that changes something: `PUT`, `PATCH`, else `POST`.
fn builder(method: &str, path: &str) -> RequestBuilder {
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
    let json = body.map(json_text).transpose()?;
    exchange(builder(method, path), json).await?.json()
}

/// Like [`send_json`] for answers without a body (`201`, `204`).
pub async fn send_empty<B: Serialize>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<(), ApiFailure> {
    exchange(builder(method, path), Some(json_text(body)?))
        .await?
        .nothing()
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
    let media = if file.name().to_lowercase().ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv"
    };
    send_file("POST", path, file, media, on_progress).await
}

/// [`upload`] with any method and media type (the server reads what a file is from its
/// bytes where it matters: a signed copy).
pub async fn send_file<T: DeserializeOwned>(
    method: &str,
    path: &str,
    file: &web_sys::File,
    media: &str,
    on_progress: impl Fn(f64) + 'static,
) -> Result<T, ApiFailure> {
    use std::cell::RefCell;
    use wasm_bindgen::closure::Closure;

    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiFailure::Network)?;
    xhr.open(method, path).map_err(|_| ApiFailure::Network)?;
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
        && let Ok(refusal) = crate::json::from_str::<ApiError>(&text)
    {
        return Err(ApiFailure::Refused(refusal));
    }
    crate::json::from_str(&text).map_err(|_| ApiFailure::Unreadable)
}
