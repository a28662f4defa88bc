//! Browser storage: the one module that reads and writes it (gloo-storage, i.e.
//! `localStorage`, which writes synchronously: a value is stored before the input event
//! that typed it has finished).
//!
//! Every saved report is also mirrored into IndexedDB ([`crate::mirror`]), which
//! reaches the disk sooner when the browser is killed.
//!
//! Keys are defined here and nowhere else. A report is stored whole (draft and sync
//! state together) under one key, so the two can never be half-written.

use gloo_storage::{LocalStorage, Storage};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use crate::draft::Draft;
use crate::mirror;
use crate::sync::SyncState;

const PREFIX: &str = "tuanle.";
const DEVICE: &str = "tuanle.device";
const REPORT_PREFIX: &str = "tuanle.report.";

/// One report as the device keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    pub draft: Draft,
    pub sync: SyncState,
}

/// A report as written: [`StoredReport`] and the time it was saved, which the mirror
/// compares (a reader of [`StoredReport`] ignores it). Written field by field rather
/// than through a `serde_json::Value`: that tree's writer costs the bundle tens of
/// kilobytes (the app links only its reader, see [`crate::json`]).
#[derive(Serialize)]
struct Stamped<'a> {
    draft: &'a Draft,
    sync: &'a SyncState,
    saved_at: f64,
}

/// Why something could not be stored, worded for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageFailure {
    /// The browser's storage is full.
    Full,
    /// Storage refused for another reason (private mode, disabled).
    Unavailable(String),
}

impl StorageFailure {
    pub fn message(&self) -> String {
        match self {
            StorageFailure::Full => "Bộ nhớ của trình duyệt đã đầy: thay đổi mới nhất CHƯA được lưu trên máy. \
                 Hãy lưu bản nháp ra tệp hoặc đồng bộ ngay; những gì đã lưu trước đó vẫn còn nguyên."
                .into(),
            StorageFailure::Unavailable(e) => format!("Trình duyệt không cho lưu dữ liệu ({e}). Đừng đóng trang khi chưa đồng bộ."),
        }
    }
}

/// What a refused write means for the person, from the browser's error text.
fn failure(text: String) -> StorageFailure {
    if text.contains("Quota") || text.contains("quota") {
        StorageFailure::Full
    } else {
        StorageFailure::Unavailable(text)
    }
}

fn report_key(campaign: &str, unit: &str) -> String {
    format!("{REPORT_PREFIX}{campaign}.{unit}")
}

pub fn load_report(campaign: &str, unit: &str) -> StoredReport {
    read(&report_key(campaign, unit)).unwrap_or_default()
}

/// The value stored under `key`, read by [`crate::json`] (as every JSON the app reads
/// is: gloo's own `get` would link serde_json's reader a second time for each type).
fn read<T: DeserializeOwned>(key: &str) -> Option<T> {
    let json = LocalStorage::raw().get_item(key).ok().flatten()?;
    crate::json::from_str(&json).ok()
}

pub fn save_report(
    campaign: &str,
    unit: &str,
    report: &StoredReport,
) -> Result<(), StorageFailure> {
    store(&report_key(campaign, unit), report)
}

/// Stores a report under its key, stamped with the time, in `localStorage` and in the
/// IndexedDB mirror: the newer of the two copies wins at start.
fn store(key: &str, report: &StoredReport) -> Result<(), StorageFailure> {
    let stamped = Stamped {
        draft: &report.draft,
        sync: &report.sync,
        saved_at: js_sys::Date::now(),
    };
    let json =
        serde_json::to_string(&stamped).map_err(|e| StorageFailure::Unavailable(e.to_string()))?;
    // Serialized once, for both copies (this runs on every keystroke). The mirror
    // first: it may still have room when `localStorage` is full.
    mirror::put(key, &json);
    LocalStorage::raw().set_item(key, &json).map_err(|e| {
        let text = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| format!("{}: {}", e.name(), e.message()))
            .unwrap_or_else(|| format!("{e:?}"));
        failure(text)
    })
}

/// A cached value (`me`, `campaigns`, `form.2025`), for opening offline.
pub fn cached<T: DeserializeOwned>(key: &str) -> Option<T> {
    read(&format!("{PREFIX}cache.{key}"))
}

pub fn cache<T: Serialize>(key: &str, value: &T) {
    // A cache that cannot be written only costs a download next time.
    let _ = LocalStorage::set(format!("{PREFIX}cache.{key}"), value);
}

pub fn forget(key: &str) {
    LocalStorage::delete(format!("{PREFIX}cache.{key}"));
}

/// This device's stable random id, made on first use.
pub fn device_id() -> String {
    if let Some(id) = read::<String>(DEVICE) {
        return id;
    }
    let id = format!("tablet-{}", random_id());
    let _ = LocalStorage::set(DEVICE, &id);
    id
}

/// 128 random bits as hex, from the browser's cryptographic generator.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every stored report on this device, by key.
pub fn all_reports() -> Vec<(String, StoredReport)> {
    let raw = LocalStorage::raw();
    let count = raw.length().unwrap_or(0);
    (0..count)
        .filter_map(|i| raw.key(i).ok().flatten())
        .filter(|k| k.starts_with(REPORT_PREFIX))
        .filter_map(|k| read(&k).map(|report| (k, report)))
        .collect()
}

/// The stored reports of one unit, every campaign: what the person signed in for it may
/// see. On a shared tablet the other accounts' drafts stay theirs.
pub fn reports_of_unit(unit: &str) -> Vec<(String, StoredReport)> {
    let mut reports = all_reports();
    // The key is the prefix, the campaign code (no dot in it) and the unit code, which
    // may hold dots: matched whole, so unit `A` never takes `X.A`'s drafts.
    reports.retain(|(k, _)| {
        k.strip_prefix(REPORT_PREFIX)
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(_, u)| u == unit)
    });
    reports
}

/// Stores reports read back from a file under their keys.
pub fn restore_reports(reports: &[(String, StoredReport)]) -> Result<usize, StorageFailure> {
    let mut n = 0;
    for (key, report) in reports.iter().filter(|(k, _)| k.starts_with(REPORT_PREFIX)) {
        store(key, report)?;
        n += 1;
    }
    Ok(n)
}
