//! The sign-in page.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{Me, SignIn, routes};

use crate::api;
use crate::nav::use_nav;
use crate::session::use_session;

/// The query parameter of the sign-in page that fills the username in (the QR code of a
/// sign-in slip).
pub const USERNAME_PARAM: &str = "u";

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    let nav = use_nav();
    // A sign-in slip's QR code opens this page with the username filled in.
    let username = RwSignal::new(crate::nav::query_param(USERNAME_PARAM).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let body = SignIn {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            // A stalled link or a failing server gets two more tries, with backoff.
            match api::retrying(3, || api::post_json::<_, Me>(routes::SESSION, &body)).await {
                Ok(me) => {
                    let page = super::landing(me.role);
                    session.signed_in(me);
                    nav.go(page);
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="sign-in card" on:submit=submit>
            <h1>"Đăng nhập"</h1>
            <label>
                "Tên đăng nhập"
                <input name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required bind:value=username/>
            </label>
            <label>
                "Mật khẩu"
                <input type="password" name="password" autocomplete="current-password" required bind:value=password/>
            </label>
            {move || error.get().map(|e| view! { <p class="status error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Đang đăng nhập…" } else { "Đăng nhập" }}
            </button>
        </form>
    }
}
