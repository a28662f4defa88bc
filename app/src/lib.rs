//! The Leptos client (client-side rendering, compiled to WebAssembly) that reporters
//! use on tablets.
//!
//! Every rule about numbers, totals and validation comes from `tuanle-shared`, the same
//! code the server runs; this crate only renders and talks to the outside world.
//!
//! # Layout
//! - [`api`]: fetching from the server, with failures worded in Vietnamese.
//! - [`draft`]: the state of a report being typed: raw text per cell, what it parses to,
//!   the totals and issues derived from it. Plain logic, tested without a browser.
//! - [`pages`]: one module per page.
//! - [`form_view`]: the indicator form and the narrative report, driven entirely by the
//!   form definition the server sends.

pub mod api;
pub mod draft;
pub mod form_view;
pub mod pages;

use leptos::prelude::*;

/// The app's root.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="brand">"Tuần lễ hưởng ứng học tập suốt đời"</span>
        </header>
        <main class="page">
            <pages::report::ReportPage/>
        </main>
    }
}

/// Entry point, run by the wasm-bindgen loader.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
