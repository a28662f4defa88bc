//! The unit's official Excel template on the report's documents page: downloaded blank or filled,
//! and a filled one read back by the server and previewed, each problem on its line.
//! Nothing is written until the person puts the preview into the report, which then
//! syncs as typed content does.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{TemplatePreview, routes};

use crate::api;
use crate::draft::Draft;
use crate::syncer::ReportSync;

#[component]
pub fn TemplatePanel(rs: ReportSync, readonly: Signal<bool>) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<TemplatePreview>);
    let path = move || routes::report(&rs.campaign.get_value(), &rs.unit.get_value(), "template");
    let download = move |filled: bool| {
        let url = format!("{}?filled={filled}", path());
        let unit = rs.unit.get_value();
        message.set(Some("Đang tạo mẫu…".into()));
        spawn_local(async move {
            let arrived = |got: u64, whole: Option<u64>| {
                message.try_set(Some(super::documents::downloading(got, whole)));
            };
            let text = match api::get_bytes(&url, &arrived).await {
                Ok(bytes) => {
                    let name = format!(
                        "mau-nhap-{unit}{}.xlsx",
                        if filled { "-da-dien" } else { "" }
                    );
                    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                    match crate::device::download_bytes(&name, &bytes, mime) {
                        Some(()) => format!("Đã tải mẫu {name}."),
                        None => "Không lưu được tệp.".into(),
                    }
                }
                Err(e) => e.message(),
            };
            message.try_set(Some(text));
        });
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(file) = crate::device::chosen_file(&ev) else {
            return;
        };
        preview.set(None);
        message.set(Some("Đang đọc tệp…".into()));
        spawn_local(async move {
            match api::upload::<TemplatePreview>(&path(), &file, |_| {}).await {
                Ok(p) => {
                    message.try_set(Some(if p.problems.is_empty() {
                        "Tệp đọc được, chưa ghi gì: xem lại rồi bấm “Đưa số liệu vào báo cáo”."
                            .into()
                    } else {
                        format!(
                            "Tệp có {} lỗi, chưa ghi gì. Hãy sửa tệp rồi gửi lại.",
                            p.problems.len()
                        )
                    }));
                    preview.try_set(Some(p));
                }
                Err(e) => {
                    message.try_set(Some(e.message()));
                }
            }
        });
    };
    let apply = move |_| {
        let Some(p) = preview.get_untracked() else {
            return;
        };
        if rs.unsent_untracked()
            && !crate::device::confirm(
                "Báo cáo còn thay đổi chưa gửi. Thay bằng số liệu trong tệp?",
            )
        {
            return;
        }
        rs.draft.set(Draft::from_content(&p.content));
        rs.edited();
        preview.set(None);
        message.set(Some(
            "Đã đưa số liệu của tệp vào báo cáo; báo cáo sẽ tự đồng bộ.".into(),
        ));
    };
    let line = |line: u32| {
        if line == 0 {
            String::new()
        } else {
            format!("Dòng {line}: ")
        }
    };
    view! {
        <section class="card template">
            <h2>"Nhập từ tệp Excel theo mẫu"</h2>
            <p>"Đơn vị gửi số liệu bằng tệp: tải mẫu của đơn vị, điền, rồi gửi lại tệp để xem trước. Chưa có gì được ghi cho tới khi bấm “Đưa số liệu vào báo cáo”."</p>
            <div class="template-actions">
                <button type="button" class="secondary template-blank" on:click=move |_| download(false)>"Tải mẫu trống"</button>
                <button type="button" class="secondary template-filled" on:click=move |_| download(true)>"Tải mẫu có số liệu hiện tại"</button>
                <label class="file secondary">
                    "Gửi tệp đã điền để xem trước"
                    <input type="file" name="template" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" prop:disabled=move || readonly.get() on:change=chosen/>
                </label>
            </div>
            {move || message.get().map(|m| view! { <p role="status" class="template-status">{m}</p> })}
            {move || preview.get().map(|p| {
                let ok = p.problems.is_empty();
                let numbers = p.content.numbers.len();
                let texts = p.content.texts.len();
                view! {
                    <div class="template-preview" data-problems=p.problems.len()>
                        <ul class="template-problems">
                            {p.problems.iter().map(|pr| view! { <li class="issue error" data-line=pr.line>{format!("{}{}", line(pr.line), pr.message)}</li> }).collect_view()}
                            {p.warnings.iter().map(|pr| view! { <li class="issue warning" data-line=pr.line>{format!("{}{}", line(pr.line), pr.message)}</li> }).collect_view()}
                        </ul>
                        {ok.then(|| view! {
                            <p>{format!("Tệp có {numbers} ô số và {texts} ô chữ.")}</p>
                            <button type="button" class="primary template-apply" on:click=apply>"Đưa số liệu vào báo cáo"</button>
                        })}
                    </div>
                }
            })}
        </section>
    }
}
