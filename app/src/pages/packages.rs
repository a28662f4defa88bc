//! Sign-off packages on the dashboard: a consolidating unit's "Chốt số liệu" (its own
//! latest package and the button that signs off), and one package as it was sent, which
//! the parent's supervisor accepts or returns with a reason.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{
    ApproveRequest, Package, PackageBrief, PartSource, ReturnRequest, SignOffRequest,
    package_label, routes,
};
use tuanle_shared::{FormDef, Sums, TextField};

use crate::api;
use crate::device::format_time;
use crate::form_view::FiguresTable;

/// A package's state as the tests and the stylesheet read it.
pub fn status_key(package: Option<&PackageBrief>) -> &'static str {
    match package {
        None => "none",
        Some(p) if p.stale && p.status != tuanle_shared::wire::PackageStatus::Returned => "stale",
        Some(p) => p.status.as_str(),
    }
}

/// Which package is open: its unit's code and name, and its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPackage {
    pub unit: String,
    pub name: String,
    pub seq: u32,
}

/// The unit's own sign-off: its latest package's state and, for its own supervisor,
/// "Chốt số liệu và gửi lên".
#[component]
pub fn SignOffView(
    campaign: String,
    unit: String,
    name: String,
    package: Option<PackageBrief>,
    /// The viewer is the unit's own supervisor.
    mine: bool,
    /// Required units of the subtree not yet in.
    missing: u64,
    opening: RwSignal<Option<OpenPackage>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let path = StoredValue::new(routes::packages(&campaign, &unit, None, ""));
    let (unit, name) = (StoredValue::new(unit), StoredValue::new(name));
    let sign_off = move |_| {
        let question = if missing > 0 {
            format!(
                "Chốt số liệu và gửi lên cấp trên? Còn {missing} đơn vị chưa nộp; gói số liệu sẽ ghi rõ các đơn vị còn thiếu."
            )
        } else {
            "Chốt số liệu và gửi lên cấp trên?".to_owned()
        };
        if !crate::device::confirm(&question) {
            return;
        }
        spawn_local(async move {
            match api::post_for_sums::<_, Package>(&path.get_value(), &SignOffRequest {}).await {
                Ok(p) => {
                    message.try_set(Some(format!(
                        "Đã chốt số liệu (gói số {}) và gửi lên cấp trên.",
                        p.brief.seq
                    )));
                    on_change.run(());
                }
                Err(e) => {
                    message.try_set(Some(e.message()));
                }
            }
        });
    };
    let state = match &package {
        None => "Chưa chốt số liệu gửi lên cấp trên.".to_owned(),
        Some(p) => format!(
            "Gói số {}: {} — chốt bởi {}, {}",
            p.seq,
            package_label(Some(p)),
            p.signed_by,
            format_time(p.signed_at as f64)
        ),
    };
    let seq = package.as_ref().map(|p| p.seq);
    view! {
        <section class="card sign-off" data-package-status=status_key(package.as_ref())>
            <h2>"Chốt số liệu"</h2>
            <p class="own-package">{state}</p>
            {package.as_ref().filter(|p| p.stale).map(|_| view! {
                <p class="stale-note" role="note">"Đã có báo cáo hoặc gói số liệu bên dưới thay đổi sau lần chốt này: cần chốt lại."</p>
            })}
            <div class="sign-off-actions">
                {seq.map(|seq| view! {
                    <button type="button" class="secondary open-own-package" on:click=move |_| opening.set(Some(OpenPackage { unit: unit.get_value(), name: name.get_value(), seq }))>"Xem gói đã gửi"</button>
                })}
                {mine.then(|| view! {
                    <button type="button" class="primary sign-off-button" on:click=sign_off>"Chốt số liệu và gửi lên"</button>
                })}
            </div>
            {move || message.get().map(|m| view! { <p role="status" class="outcome">{m}</p> })}
        </section>
    }
}

/// One package as it was sent: its figures, its parts, the units it lacked, the unit's
/// own narrative; "Chấp nhận" and "Trả lại" for the parent's supervisor while it waits.
#[component]
pub fn PackagePanel(
    campaign: String,
    form: Arc<FormDef>,
    open: OpenPackage,
    opening: RwSignal<Option<OpenPackage>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let package = RwSignal::new(None::<Result<Package, String>>);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let path = StoredValue::new((campaign, open.unit.clone(), open.seq));
    let load = move || {
        let (c, u, seq) = path.get_value();
        spawn_local(async move {
            let result = api::get_sums::<Package>(&routes::packages(&c, &u, Some(seq), ""))
                .await
                .map_err(|e| e.message());
            package.try_set(Some(result));
        });
    };
    load();
    let act = move |accept: bool| {
        let (c, u, seq) = path.get_value();
        let text = reason.get_untracked();
        spawn_local(async move {
            let result = if accept {
                api::post_for_sums::<_, Package>(
                    &routes::packages(&c, &u, Some(seq), "accept"),
                    &ApproveRequest {},
                )
                .await
            } else {
                api::post_for_sums::<_, Package>(
                    &routes::packages(&c, &u, Some(seq), "return"),
                    &ReturnRequest {
                        reason: text,
                        comments: Vec::new(),
                    },
                )
                .await
            };
            match result {
                Ok(p) => {
                    message.set(Some(if accept {
                        "Đã chấp nhận gói số liệu.".into()
                    } else {
                        "Đã trả lại gói số liệu.".into()
                    }));
                    reason.set(String::new());
                    package.set(Some(Ok(p)));
                    on_change.run(());
                }
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    let form = StoredValue::new(form);
    view! {
        <section class="card package-panel" data-package-unit=open.unit.clone() data-package-seq=open.seq>
            <h2>{format!("Gói số liệu số {} của {}", open.seq, open.name)}</h2>
            <button type="button" class="link" on:click=move |_| opening.set(None)>"Đóng"</button>
            {move || match package.get() {
                None => view! { <p class="status">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
                Some(Ok(p)) => {
                    // Laid out by the unit's form: a province's own form puts its own rows
                    // after the shared ones, which are what this level consolidates.
                    let figures = form.with_value(|f| Some(Sums::from_shared_slots(f, p.figures.clone())));
                    let can_review = p.review_refusal.is_none();
                    let texts: Vec<(String, String)> = p
                        .contents
                        .own
                        .as_ref()
                        .map(|own| {
                            own.content
                                .texts
                                .iter()
                                .filter(|(c, _)| c.field == TextField::Text)
                                .map(|(c, t)| (c.code.to_string(), t.clone()))
                                .collect()
                        })
                        .unwrap_or_default();
                    view! {
                        <p class="package-status" data-package-status=status_key(Some(&p.brief))>
                            {format!("{} — chốt bởi {}, {}", package_label(Some(&p.brief)), p.brief.signed_by, format_time(p.brief.signed_at as f64))}
                        </p>
                        {p.return_reason.clone().map(|r| view! { <p class="reason">"Lý do trả lại: " {r}</p> })}
                        {p.reviewed_by.clone().map(|by| view! { <p>"Xem xét bởi " {by} ", " {format_time(p.reviewed_at.unwrap_or_default() as f64)}</p> })}
                        {(p.brief.stale).then(|| view! { <p class="stale-note" role="note">"Có thay đổi bên dưới sau lần chốt này: đơn vị cần chốt lại. Cấp trên vẫn tính gói đã chấp nhận cho tới khi có gói mới được chấp nhận."</p> })}
                        {can_review.then(|| view! {
                            <div class="review-actions">
                                <label>"Lý do trả lại"
                                    <textarea name="package-reason" rows="2" bind:value=reason></textarea>
                                </label>
                                <button type="button" class="secondary return-package" disabled=move || reason.with(|r| r.trim().is_empty()) on:click=move |_| act(false)>"Trả lại"</button>
                                <button type="button" class="primary accept-package" on:click=move |_| act(true)>"Chấp nhận"</button>
                            </div>
                        })}
                        {move || message.get().map(|m| view! { <p role="status" class="outcome">{m}</p> })}
                        <h3>"Gồm"</h3>
                        <ul class="parts">
                            <li>{match &p.contents.own {
                                Some(own) => format!("Báo cáo riêng của đơn vị (phiên bản {}, {})", own.version, own.status.label()),
                                None => "Báo cáo riêng của đơn vị: chưa nộp".to_owned(),
                            }}</li>
                            {p.contents.parts.iter().map(|part| view! {
                                <li data-part=part.unit.code.clone()>{match part.source {
                                    PartSource::Report { version } => format!("{}: báo cáo đã duyệt (phiên bản {version})", part.unit.name),
                                    PartSource::Package { seq } => format!("{}: gói số liệu số {seq} đã chấp nhận", part.unit.name),
                                }}</li>
                            }).collect_view()}
                        </ul>
                        <details class="package-missing" open=!p.contents.missing.is_empty()>
                            <summary>{format!("Đơn vị chưa có số liệu được chấp nhận khi chốt: {}", p.contents.missing.len())}</summary>
                            <ul>{p.contents.missing.iter().map(|u| view! { <li data-missing=u.code.clone()>{u.name.clone()}</li> }).collect_view()}</ul>
                        </details>
                        <SignedCopyView campaign=p.campaign.clone() unit=p.unit.code.clone() seq=p.brief.seq copy=p.signed_copy.clone()/>
                        <ul class="texts">{texts.into_iter().map(|(c, t)| view! { <li><strong>{c}</strong> ": " {t}</li> }).collect_view()}</ul>
                        <div class="package-figures">
                            <FiguresTable form=form.get_value() figures=Signal::derive(move || figures.clone())/>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The copy the unit's officials signed (a PDF or a scan): downloaded by whoever reads
/// the package, uploaded by the unit's own supervisor.
#[component]
fn SignedCopyView(
    campaign: String,
    unit: String,
    seq: u32,
    copy: Option<tuanle_shared::wire::SignedCopy>,
) -> impl IntoView {
    let mine = crate::session::use_session().0.with_untracked(|me| {
        me.as_ref().is_some_and(|m| {
            m.role == tuanle_shared::wire::Role::Supervisor
                && m.unit_code.as_deref() == Some(unit.as_str())
        })
    });
    let path = StoredValue::new(routes::signed_copy(&campaign, &unit, seq));
    let copy = RwSignal::new(copy);
    let message = RwSignal::new(None::<String>);
    let download = move |_| {
        let Some(c) = copy.get_untracked() else {
            return;
        };
        message.set(Some("Đang tải…".into()));
        spawn_local(async move {
            let arrived = |got: u64, whole: Option<u64>| {
                message.try_set(Some(super::documents::downloading(got, whole)));
            };
            let text = match api::get_bytes(&path.get_value(), &arrived).await {
                Ok(bytes) => {
                    match crate::device::download_bytes(&c.file_name, &bytes, &c.media_type) {
                        Some(()) => format!("Đã tải {}.", c.file_name),
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
        if file.size() > tuanle_shared::wire::SIGNED_COPY_MAX as f64 {
            message.set(Some(
                "Tệp lớn quá 10 MB: hãy quét với độ phân giải thấp hơn.".into(),
            ));
            return;
        }
        message.set(Some("Đang gửi…".into()));
        spawn_local(async move {
            let to = format!(
                "{}?name={}",
                path.get_value(),
                js_sys::encode_uri_component(&file.name())
            );
            let sent = api::send_file::<tuanle_shared::wire::SignedCopy>(
                "PUT",
                &to,
                &file,
                "application/octet-stream",
                move |share| {
                    message.try_set(Some(format!("Đang gửi… {:.0}%", share * 100.0)));
                },
            )
            .await;
            match sent {
                Ok(c) => {
                    message.try_set(Some(format!("Đã đính kèm {}.", c.file_name)));
                    copy.try_set(Some(c));
                }
                Err(e) => {
                    message.try_set(Some(e.message()));
                }
            }
        });
    };
    view! {
        <div class="signed-copy">
            <h3>"Bản có chữ ký"</h3>
            {move || match copy.get() {
                Some(c) => view! {
                    <p data-signed-copy=c.file_name.clone()>
                        {format!("{} ({} KB), gửi bởi {}, {}", c.file_name, c.size.div_ceil(1024), c.uploaded_by, format_time(c.uploaded_at as f64))}
                        " "
                        <button type="button" class="secondary download-signed-copy" on:click=download>"Tải về"</button>
                    </p>
                }.into_any(),
                None => view! { <p class="muted">"Chưa có bản có chữ ký."</p> }.into_any(),
            }}
            {mine.then(|| view! {
                <label class="file secondary">
                    "Đính kèm bản đã ký (PDF hoặc ảnh chụp, tối đa 10 MB)"
                    <input type="file" name="signed-copy" accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png" on:change=chosen/>
                </label>
            })}
            {move || message.get().map(|m| view! { <p class="signed-copy-status" role="status">{m}</p> })}
        </div>
    }
}
