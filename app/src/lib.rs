//! The Leptos client (client-side rendering, compiled to WebAssembly) that reporters
//! use on tablets, mostly offline.
//!
//! Every rule about numbers, totals, validation and merging comes from `tuanle-shared`,
//! the same code the server runs; this crate renders, stores and talks to the server.
//!
//! # Layout
//! - [`api`]: requests to the server, failures worded in Vietnamese.
//! - [`storage`]: the one module that touches browser storage.
//! - [`json`]: JSON read into the app's types (structs from objects only: a smaller bundle).
//! - [`draft`]: the raw text per cell of a report being typed, and what it parses to.
//! - [`sync`]: the sync engine's logic (queue, retry, merge, conflicts), tested natively.
//! - [`retry`]: how long to wait before a retry, and for an answer (tested natively).
//! - [`syncer`]: runs that logic against the server: timers, online events, HTTP.
//! - [`session`]: who is signed in.
//! - [`pages`]: one module per page; [`form_view`]: the form, driven by its definition.
//! - [`device`]: browser facilities: persistent storage, files, time.
//! - [`live`]: the server's live streams of dashboards and reports.
//! - [`nav`]: the pages and moving between them.

pub mod api;
pub mod date_field;
pub mod device;
pub mod draft;
pub mod form_view;
pub mod json;
pub mod live;
pub mod mirror;
pub mod nav;
pub mod pages;
pub mod retry;
pub mod session;
pub mod storage;
pub mod sync;
pub mod syncer;

use leptos::prelude::*;
use nav::{Link, Nav, Page};

/// The app's root: the top bar and the current page.
#[component]
pub fn App() -> impl IntoView {
    session::Session::provide();
    let nav = Nav::provide();
    view! {
        <header class="topbar">
            <Link page=Page::Home><span class="brand">"Tuần lễ hưởng ứng học tập suốt đời"</span></Link>
            <pages::AccountMenu/>
        </header>
        <main class="page">
            {move || match nav.page() {
                Page::Home => view! { <pages::Home/> }.into_any(),
                Page::SignIn => view! { <pages::sign_in::SignInPage/> }.into_any(),
                Page::Report => view! { <pages::report::ReportPage/> }.into_any(),
                #[cfg(feature = "tools")]
                Page::History => view! { <pages::history::HistoryPage/> }.into_any(),
                #[cfg(feature = "tools")]
                Page::Documents => view! { <pages::documents::DocumentsPage/> }.into_any(),
                // Reached only when `boot.js` could not load the tools' bundle (offline,
                // never opened on this device) and fell back to this one.
                #[cfg(not(feature = "tools"))]
                Page::History | Page::Documents => view! { <pages::NeedsNetwork/> }.into_any(),
                #[cfg(feature = "supervisor")]
                Page::Dashboard => view! { <pages::dashboard::DashboardPage/> }.into_any(),
                #[cfg(not(feature = "supervisor"))]
                Page::Dashboard => view! { <p class="status">"Đang mở trang tổng hợp…"</p> }.into_any(),
                #[cfg(feature = "admin")]
                Page::Admin => view! { <pages::admin::AdminPage/> }.into_any(),
                #[cfg(not(feature = "admin"))]
                Page::Admin => view! { <p class="status">"Đang mở trang quản trị…"</p> }.into_any(),
                Page::NotFound => view! { <p class="status">"Không tìm thấy trang này."</p> }.into_any(),
            }}
        </main>
    }
}

/// Entry point, run by the wasm-bindgen loader.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // Reports the browser died before writing to `localStorage` come back from the
    // IndexedDB mirror first.
    wasm_bindgen_futures::spawn_local(async {
        mirror::restore().await;
        leptos::mount::mount_to_body(App);
        // The loading screen of index.html has done its work.
        if let Some(boot) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("boot"))
        {
            boot.remove();
        }
    });
}
