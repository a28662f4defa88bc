//! Navigation between the app's few pages, on the History API.
//!
//! A router crate would do this too, but the one for Leptos brings a URL parser with
//! internationalised-domain tables into the bundle: hundreds of kilobytes that a tablet on
//! a slow network downloads for a few fixed paths.

use leptos::prelude::*;

/// The app's pages and their paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    SignIn,
    Report,
    /// The report's documents and its Excel template.
    Documents,
    History,
    Dashboard,
    Admin,
    NotFound,
}

impl Page {
    pub fn path(self) -> &'static str {
        match self {
            Page::Home => "/",
            Page::SignIn => "/dang-nhap",
            Page::Report => "/bao-cao",
            Page::Documents => "/van-ban",
            Page::History => "/lich-su",
            Page::Dashboard => "/tong-hop",
            Page::Admin => "/quan-tri",
            Page::NotFound => "/khong-tim-thay",
        }
    }

    pub fn from_path(path: &str) -> Page {
        match path.trim_end_matches('/') {
            "" => Page::Home,
            "/dang-nhap" => Page::SignIn,
            "/bao-cao" => Page::Report,
            "/van-ban" => Page::Documents,
            "/lich-su" => Page::History,
            "/tong-hop" => Page::Dashboard,
            "/quan-tri" => Page::Admin,
            _ => Page::NotFound,
        }
    }
}

/// Whether this build of the app has the page: the report's history and documents, the
/// supervisors' pages and administration are in bundles of their own (the `tools`,
/// `supervisor` and `admin` features), which `boot.js` loads for their paths.
// In reporters' bundle every `cfg!` is false, and clippy would have a `matches!`.
#[allow(clippy::match_like_matches_macro)]
pub fn in_this_bundle(page: Page) -> bool {
    match page {
        Page::Documents | Page::History => cfg!(feature = "tools"),
        Page::Dashboard => cfg!(feature = "supervisor"),
        Page::Admin => cfg!(feature = "admin"),
        _ => true,
    }
}

/// Goes to a page of another bundle by loading it at `url` (the service worker serves it
/// from this device once it has been opened). Returns whether it did.
fn leave_for(page: Page, url: &str, replace: bool) -> bool {
    if in_this_bundle(page) {
        return false;
    }
    if let Some(w) = web_sys::window() {
        let location = w.location();
        let _ = if replace {
            location.replace(url)
        } else {
            location.assign(url)
        };
    }
    true
}

/// The value of one parameter of the address's query.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|v| !v.is_empty())
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

/// The current page, shared by every component.
#[derive(Clone, Copy)]
pub struct Nav(RwSignal<Page>);

impl Nav {
    /// Reads the page from the address bar and follows the browser's back and forward.
    pub fn provide() -> Nav {
        let nav = Nav(RwSignal::new(Page::from_path(&current_path())));
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            nav.0.set(Page::from_path(&current_path()))
        });
        on_cleanup(move || handle.remove());
        provide_context(nav);
        nav
    }

    pub fn page(&self) -> Page {
        self.0.get()
    }

    /// Goes to a page, adding it to the browser's history.
    pub fn go(&self, page: Page) {
        if leave_for(page, page.path(), false) {
            return;
        }
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(page.path()));
        }
        self.0.set(page);
    }

    /// Goes to a page with a query (`don-vi=NB-HQ-TH`), adding it to the history.
    pub fn go_with(&self, page: Page, query: &str) {
        let url = format!("{}?{query}", page.path());
        if leave_for(page, &url, false) {
            return;
        }
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        self.0.set(page);
    }

    /// Goes to a page in place of the current one (a redirect).
    pub fn replace(&self, page: Page) {
        if leave_for(page, page.path(), true) {
            return;
        }
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(page.path()));
        }
        self.0.set(page);
    }
}

pub fn use_nav() -> Nav {
    use_context::<Nav>().unwrap_or_else(Nav::provide)
}

/// A link to a page that does not reload the app (unless the page is in another bundle),
/// with a query (`don-vi=NB-HQ-TH`) when one is given.
#[component]
pub fn Link(
    page: Page,
    #[prop(optional_no_strip)] query: Option<String>,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    let nav = use_nav();
    let href = match &query {
        Some(q) => format!("{}?{q}", page.path()),
        None => page.path().to_owned(),
    };
    view! {
        <a href=href class=class on:click=move |ev| {
            ev.prevent_default();
            match &query {
                Some(q) => nav.go_with(page, q),
                None => nav.go(page),
            }
        }>{children()}</a>
    }
}

/// Sends the browser to another page as soon as it renders (a redirect).
#[component]
pub fn Redirect(page: Page) -> impl IntoView {
    let nav = use_nav();
    Effect::new(move |_| nav.replace(page));
}
