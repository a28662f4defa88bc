//! Browser facilities the pages use: persistent storage, files, the clock.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A time as Vietnamese people read it: `14:05:09 24/11/2026`.
pub fn format_time(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{:02}:{:02}:{:02} {:02}/{:02}/{}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds(),
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year()
    )
}

/// Waits `ms` milliseconds (a browser timer: nothing else waits meanwhile).
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Whether the browser believes it is online.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Asks the browser not to evict this site's storage (`navigator.storage.persist()`),
/// the commonest way field data is lost. Answers whether storage is persistent.
pub async fn persist_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let persisted = JsFuture::from(storage.persisted().ok()?)
        .await
        .ok()?
        .as_bool()?;
    if persisted {
        return Some(true);
    }
    JsFuture::from(storage.persist().ok()?)
        .await
        .ok()?
        .as_bool()
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    save_blob(name, &parts, "application/json")
}

/// Offers text of a given type (a CSV sheet) as a file download named `name`.
pub fn download_text(name: &str, text: &str, mime: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    save_blob(name, &parts, mime)
}

/// Offers bytes (an Excel workbook) as a file download named `name`.
pub fn download_bytes(name: &str, bytes: &[u8], mime: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    save_blob(name, &parts, mime)
}

/// Prints the page (the browser's print dialog).
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

fn save_blob(name: &str, parts: &js_sys::Array, mime: &str) -> Option<()> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// The first file chosen in the file input an event (`change`) came from.
pub fn chosen_file(ev: &web_sys::Event) -> Option<web_sys::File> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
}

/// The text of the first file chosen in a file input.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    JsFuture::from(file.text()).await.ok()?.as_string()
}

/// Moves the focus to an element (a cell named in an error list).
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        el.scroll_into_view();
        let _ = el.focus();
    }
}

/// Asks the person to confirm.
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Tells the person something that needs no answer.
pub fn alert(message: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.alert_with_message(message);
    }
}

/// Two names in Vietnamese alphabetical order (Đ after D, tones after the bare letter),
/// by the browser's own collation: no table of ours in the bundle.
pub fn compare_names(a: &str, b: &str) -> std::cmp::Ordering {
    let locales = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str("vi"));
    js_sys::JsString::from(a)
        .locale_compare(b, &locales, &js_sys::Object::new())
        .cmp(&0)
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`): whether the browser
/// took it. Pages not served over TLS, and some in-app browsers, have no clipboard;
/// the caller then leaves the text selected for the person to copy by hand.
pub async fn copy_text(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        return false;
    };
    let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(write) = write else {
        return false;
    };
    match write.call1(&clipboard, &text.into()) {
        Ok(promise) => match promise.dyn_into::<js_sys::Promise>() {
            Ok(promise) => JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        },
        Err(_) => false,
    }
}
