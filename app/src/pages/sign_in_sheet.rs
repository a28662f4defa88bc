//! Sign-in sheets (issue 20): one slip per account just created or reset, to cut out and
//! hand to each unit, with its name, the username, the first password and a QR code that
//! opens the app's sign-in with the username filled in. Made on the device from the
//! answer that carried the passwords (the server keeps only their hashes, so a sheet can
//! be printed again only after a new reset), grouped by the units' parent: a ward's
//! slips on a page of their own.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};
use tuanle_shared::wire::admin::Credentials;

use crate::nav::Page;
use crate::pages::sign_in::USERNAME_PARAM;

/// The address a slip's QR code opens: this server's sign-in, the username filled in.
pub fn sign_in_url(username: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!(
        "{origin}{}?{USERNAME_PARAM}={}",
        Page::SignIn.path(),
        js_sys::encode_uri_component(username)
    )
}

/// A QR code as an SVG: one square path per dark module, a quiet zone of four modules.
pub fn qr_svg(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    let side = size + 8;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" class=\"qr-code\" data-modules=\"{size}\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// The sheet of slips, with its own "In" and "Quay lại" (not printed).
#[component]
pub fn SignInSheet(slips: Vec<Credentials>, on_close: Callback<()>) -> impl IntoView {
    let mut groups: Vec<(String, Vec<Credentials>)> = Vec::new();
    for c in slips {
        let group = c.parent_name.clone().unwrap_or_default();
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(c),
            None => groups.push((group, vec![c])),
        }
    }
    view! {
        <section class="sign-in-sheet">
            <div class="print-actions">
                <button type="button" class="primary" on:click=move |_| crate::device::print()>"In"</button>
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Quay lại"</button>
            </div>
            {groups.into_iter().map(|(group, list)| view! {
                <div class="slip-group" data-group=group.clone()>
                    {(!group.is_empty()).then(|| view! { <h2>{format!("Phiếu đăng nhập — {group}")}</h2> })}
                    <div class="slips">
                        {list.into_iter().map(|c| {
                            let url = sign_in_url(&c.username);
                            let svg = qr_svg(&url).unwrap_or_default();
                            view! {
                                <div class="slip" data-username=c.username.clone()>
                                    <div class="slip-text">
                                        <p class="slip-unit">{c.display_name.clone()}</p>
                                        <p>"Tên đăng nhập: " <strong class="slip-username">{c.username.clone()}</strong></p>
                                        <p>"Mật khẩu lần đầu: " <strong class="slip-password">{c.password.clone()}</strong></p>
                                        <p class="slip-hint">"Quét mã để mở trang đăng nhập, hoặc vào " <span class="slip-url">{url.clone()}</span> ". Mật khẩu chỉ in một lần: hãy giữ phiếu này cẩn thận."</p>
                                    </div>
                                    <div class="qr" data-url=url inner_html=svg></div>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </div>
            }).collect_view()}
        </section>
    }
}
