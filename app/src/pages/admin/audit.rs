//! The audit log of the chosen campaign, newest first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::admin::{AuditEntry, routes};

use super::use_admin;
use crate::api;
use crate::device::format_time;

#[component]
pub fn AuditTab() -> impl IntoView {
    let ctx = use_admin();
    let entries = RwSignal::new(None::<Result<Vec<AuditEntry>, String>>);
    let campaign = ctx.campaign.get_untracked();
    if !campaign.is_empty() {
        spawn_local(async move {
            let got =
                api::get_json::<Vec<AuditEntry>>(&routes::campaign(&campaign, "/audit")).await;
            entries.set(Some(got.map_err(|e| e.message())));
        });
    }
    view! {
        <section class="card">
            <h2>"Nhật ký thay đổi"</h2>
            {move || match entries.get() {
                None => view! { <p class="status">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p>"Chưa có thay đổi nào."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="audit">
                        <thead><tr><th>"Thời gian"</th><th>"Người thực hiện"</th><th>"Thay đổi"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|e| view! {
                                <tr data-action=e.action>
                                    <td>{format_time(e.at as f64)}</td>
                                    <td>{e.username}</td>
                                    <td>{e.summary}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
