//! A second copy of every stored report in IndexedDB, for when the browser dies.
//!
//! `localStorage` ([`crate::storage`]) is written synchronously on every input event,
//! but Chromium moves it to disk a second or so later: a browser killed outright (or a
//! tablet whose battery dies) loses the last second of typing. IndexedDB hands each
//! write to the operating system when its transaction completes, a few milliseconds
//! after the input event, without the page waiting for it. So every save goes to both,
//! each copy stamped with its save time, and at start the newer copy of each report wins.
//!
//! The mirror's transactions ask for *relaxed* durability: handed to the operating
//! system, not flushed to the flash on each keystroke. Chromium's default flushes every
//! transaction in turn, so a burst of input queues behind the flushes: 16 characters
//! typed by a machine in 150 ms, the browser killed at once, lost 10 of them; relaxed,
//! 0 to 6. At a person's pace nothing before the last keystroke is lost either way
//! (`tests/tests/e2e/durability.rs`), and the tablet's flash is spared a flush per keystroke.
//! Only a crash of the whole tablet can lose the last seconds, as for any app on it.
//!
//! Everything here is best effort: without IndexedDB (private mode, an old browser)
//! the app works on `localStorage` alone.

use std::cell::RefCell;

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "tuanle";
const STORE: &str = "reports";

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Waits for a request's result.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |event: web_sys::Event| {
            let result = event
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let failed = Closure::once_into_js(move |event: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

async fn open() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()?
        .ok_or("no IndexedDB")?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1)?;
    let upgrade = Closure::once_into_js(move |event: web_sys::Event| {
        let db = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    done(&request).await?.dyn_into::<IdbDatabase>()
}

/// The saved time of a stored report's JSON, 0 when it has none: a struct of one
/// field, the rest ignored (though read into [`crate::json`]'s tree: a report is a few
/// kilobytes, compared once per copy when the app starts).
fn saved_at(json: &str) -> f64 {
    #[derive(serde::Deserialize)]
    struct SavedAt {
        saved_at: Option<f64>,
    }
    crate::json::from_str::<SavedAt>(json)
        .ok()
        .and_then(|s| s.saved_at)
        .unwrap_or(0.0)
}

/// Opens the mirror and puts back into `localStorage` every report whose mirrored copy
/// is newer (the browser died before `localStorage` reached the disk). Run once, before
/// the app starts.
pub async fn restore() {
    let Ok(db) = open().await else {
        return;
    };
    if let Ok(restored) = newer_copies(&db).await {
        for (key, json) in restored {
            let _ = LocalStorage::raw().set_item(&key, &json);
        }
    }
    DB.with(|cell| *cell.borrow_mut() = Some(db));
}

async fn newer_copies(db: &IdbDatabase) -> Result<Vec<(String, String)>, JsValue> {
    let store = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readonly)?
        .object_store(STORE)?;
    let keys = js_sys::Array::from(&done(&store.get_all_keys()?).await?);
    let values = js_sys::Array::from(&done(&store.get_all()?).await?);
    let mut newer = Vec::new();
    for (key, value) in keys.iter().zip(values.iter()) {
        let (Some(key), Some(json)) = (key.as_string(), value.as_string()) else {
            continue;
        };
        let local = LocalStorage::raw().get_item(&key).ok().flatten();
        if local.as_deref().map_or(0.0, saved_at) < saved_at(&json) {
            newer.push((key, json));
        }
    }
    Ok(newer)
}

/// A read-write transaction on the store with relaxed durability. web-sys has the
/// option only behind its unstable APIs, so the call is made by name.
fn relaxed(db: &IdbDatabase) -> Result<web_sys::IdbTransaction, JsValue> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"durability".into(), &"relaxed".into())?;
    let transaction: js_sys::Function =
        js_sys::Reflect::get(db, &"transaction".into())?.dyn_into()?;
    transaction
        .call3(db, &STORE.into(), &"readwrite".into(), &options)?
        .dyn_into()
}

/// Mirrors one stored report. The page does not wait: the write completes on its own.
pub fn put(key: &str, json: &str) {
    DB.with(|cell| {
        if let Some(db) = cell.borrow().as_ref() {
            let _ = relaxed(db)
                .and_then(|t| t.object_store(STORE))
                .and_then(|s| s.put_with_key(&JsValue::from_str(json), &JsValue::from_str(key)));
        }
    });
}
