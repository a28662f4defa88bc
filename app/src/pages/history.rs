//! The history of the signed-in person's report: every version with who, when and from
//! which device, and every submission, return and approval.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{CellComment, EventInfo, History, routes};

use crate::api;
use crate::device::format_time;
use crate::nav::{Page, Redirect};
use crate::session::use_session;

#[derive(Clone)]
enum Load {
    Pending,
    Ready(History),
    Failed(String),
}

/// An event kind of a report's history, as people read it.
pub fn event_label(kind: &str) -> &'static str {
    match kind {
        "submit" => "Nộp báo cáo",
        "return" => "Trả lại",
        "approve" => "Duyệt",
        _ => "Sự kiện",
    }
}

/// One submission, return or approval as people read it, on the history page and in a
/// supervisor's review alike: what, which version, who (entered on behalf), when, late,
/// and the reason of a return.
#[component]
pub fn EventLine(event: EventInfo) -> impl IntoView {
    let e = event;
    view! {
        <strong>{event_label(&e.kind)}</strong>
        " phiên bản " {e.version} " — " {if e.on_behalf { "nhập hộ bởi " } else { "" }} {e.display_name} ", " {format_time(e.created_at as f64)}
        {e.late.then_some(" (nộp muộn)")}
        {e.reason.map(|r| view! { <div class="reason">"Lý do: " {r}</div> })}
    }
}

/// A comment on a cell and its answer, as the history lists them.
#[component]
pub fn CommentLine(comment: CellComment) -> impl IntoView {
    let c = comment;
    let cell = c
        .cell
        .parse::<tuanle_shared::Cell>()
        .map(|cell| crate::syncer::describe_cell(&cell))
        .unwrap_or_else(|_| c.cell.clone());
    view! {
        <strong>"Nhận xét"</strong> " (" {cell} ", phiên bản " {c.on_version} {c.with_return.then_some(", khi trả lại")} ") — "
        {c.comment.display_name} ", " {format_time(c.comment.at as f64)} ": " {c.comment.text}
        {c.answer.map(|a| view! { <div class="comment-answer">"Trả lời — " {a.display_name} ", " {format_time(a.at as f64)} ": " {a.text}</div> })}
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let session = use_session();
    let Some(unit) = session.0.get_untracked().and_then(|me| me.unit_code) else {
        return view! { <Redirect page=Page::SignIn/> }.into_any();
    };
    let state = RwSignal::new(Load::Pending);
    spawn_local(async move {
        let result = match super::open_campaign().await {
            Ok(c) => api::get_json::<History>(&routes::report(&c.code, &unit, "history")).await,
            Err(e) => Err(e),
        };
        state.set(match result {
            Ok(h) => Load::Ready(h),
            Err(e) => Load::Failed(e.message()),
        });
    });
    view! {
        <h1>"Lịch sử báo cáo"</h1>
        {move || match state.get() {
            Load::Pending => view! { <p class="status">"Đang tải…"</p> }.into_any(),
            Load::Failed(e) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
            Load::Ready(h) => view! {
                <section class="card">
                    <h2>"Các phiên bản"</h2>
                    {h.versions.is_empty().then(|| view! { <p>"Chưa có phiên bản nào trên máy chủ."</p> })}
                    <table class="history">
                        <thead><tr><th>"Phiên bản"</th><th>"Người sửa"</th><th>"Thời gian"</th><th>"Thiết bị"</th></tr></thead>
                        <tbody>
                            {h.versions.into_iter().rev().map(|v| view! {
                                <tr data-version=v.version>
                                    <td>{v.version}</td>
                                    <td>{if v.on_behalf { "nhập hộ bởi " } else { "" }} {v.display_name} " (" {v.username} ")"</td>
                                    <td>{format_time(v.created_at as f64)}</td>
                                    <td class="device">{v.device_id}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
                <section class="card">
                    <h2>"Nộp, trả lại, duyệt"</h2>
                    {h.events.is_empty().then(|| view! { <p>"Chưa có."</p> })}
                    <ul class="events">
                        {h.events.into_iter().rev().map(|e| view! { <li><EventLine event=e/></li> }).collect_view()}
                    </ul>
                </section>
                {(!h.comments.is_empty()).then(|| view! {
                    <section class="card">
                        <h2>"Nhận xét trên các ô"</h2>
                        <ul class="comments">
                            {h.comments.clone().into_iter().rev().map(|c| view! { <li data-comment=c.id><CommentLine comment=c.clone()/></li> }).collect_view()}
                        </ul>
                    </section>
                })}
            }.into_any(),
        }}
    }
    .into_any()
}
