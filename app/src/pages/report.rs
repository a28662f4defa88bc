//! The reporter's page: the unit's report for the open campaign, typed offline, synced
//! by itself, with the sync status, conflicts, submission and draft files.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::content::CellValue;
use tuanle_shared::number::format_number;
use tuanle_shared::validate::{IssueReport, Severity, validate_against};
use tuanle_shared::wire::{
    CampaignSummary, RefusalCode, ReportState, ReportStatus, SubmitRequest, format_date, routes,
};
use tuanle_shared::{Cell, FormDef};
use wasm_bindgen::JsCast;

use super::Load;
use crate::api::{self, ApiFailure};
use crate::device::{self, format_time};
use crate::form_view::{Remarks, ReportForm, cell_dom_id};
use crate::nav::{Page, Redirect};
use crate::session::use_session;
use crate::storage::{self, StoredReport};
use crate::syncer::{Phase, ReportSync, describe_cell};

#[component]
pub fn ReportPage() -> impl IntoView {
    let (unit, on_behalf) = match report_unit() {
        Ok(found) => found,
        Err(view) => return view,
    };
    let state = load_form(unit.clone());
    // The server says the report is on another version than the one shown (its first
    // pull on this device, or a draft started before the next version was published):
    // show it by its own (the screen fetches it).
    let switch_form = Callback::new(move |form: Arc<FormDef>| {
        if let Load::Ready { campaign, .. } = state.get_untracked() {
            state.set(Load::Ready { campaign, form });
        }
    });
    let persisted = RwSignal::new(None::<bool>);
    spawn_local(async move { persisted.set(device::persist_storage().await) });
    (move || match state.get() {
        Load::Pending => view! { <p class="status">"Đang tải mẫu báo cáo…"</p> }.into_any(),
        Load::Failed(e) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
        Load::Ready { campaign, form } => {
            view! { <ReportScreen campaign=campaign form=form unit=unit.clone() persisted=persisted on_behalf=on_behalf switch_form=switch_form/> }.into_any()
        }
    })
    .into_any()
}

/// The unit whose report the page is about, and whether it is another unit's (a
/// supervisor entering a child unit's report on its behalf, "nhập hộ", names it in the
/// address); what to show instead when the person has no report.
pub(super) fn report_unit() -> Result<(String, bool), AnyView> {
    let session = use_session();
    let Some(me) = session.0.get_untracked() else {
        return Err(view! { <Redirect page=Page::SignIn/> }.into_any());
    };
    let Some(own) = me.unit_code else {
        return Err(view! { <p class="status">"Tài khoản này không gắn với đơn vị nào nên không có báo cáo để nhập."</p> }
            .into_any());
    };
    let unit = crate::nav::query_param(ON_BEHALF).unwrap_or(own.clone());
    let on_behalf = unit != own;
    Ok((unit, on_behalf))
}

/// The open campaign and the form `unit`'s report is shown by, as they load.
pub(super) fn load_form(unit: String) -> RwSignal<Load> {
    let state = RwSignal::new(Load::Pending);
    spawn_local(async move {
        let loaded = match super::campaign_and_form().await {
            Load::Ready { campaign, form } => {
                let form = super::report_form(&campaign.code, &unit, form).await;
                Load::Ready { campaign, form }
            }
            other => other,
        };
        state.set(loaded);
    });
    state
}

/// The query parameter naming the unit whose report a supervisor enters on its behalf.
pub const ON_BEHALF: &str = "don-vi";

#[component]
fn ReportScreen(
    campaign: CampaignSummary,
    form: Arc<FormDef>,
    unit: String,
    persisted: RwSignal<Option<bool>>,
    /// The report is another unit's, entered for it by its parent's supervisor.
    on_behalf: bool,
    /// Shows the report by another form version (the one the server says it is on).
    switch_form: Callback<Arc<FormDef>>,
) -> impl IntoView {
    let rs = ReportSync::start(campaign.code.clone(), unit.clone(), form.clone());
    let shown = form.version().to_owned();
    let shown_label = shown.clone();
    // The report's own version when it is not the one shown (kept nowhere here yet).
    let other_version = {
        let shown = shown.clone();
        Memo::new(move |_| {
            rs.state
                .with(|s| s.meta.form_version.clone())
                .filter(|own| *own != shown)
        })
    };
    // Offline, that version may be out of reach: the report stays shown by this one, and
    // the version is asked for again at each change of the report's state or sync (a
    // pull, a push, the network back) until it comes; never twice at once, so a stalled link piles nothing up.
    let asking = StoredValue::new(false);
    Effect::new(move || {
        rs.state.track();
        rs.phase.track();
        if let Some(own) = other_version.get()
            && !asking.get_value()
        {
            asking.set_value(true);
            spawn_local(async move {
                if let Ok(form) = super::version_form(&own).await {
                    switch_form.run(Arc::new(form));
                }
                // This screen is gone once the form switched.
                let _ = asking.try_set_value(false);
            });
        }
    });
    let unit_code = unit.clone();
    // Shown by a stand-in form, the report takes no typing: a cell its own version lacks
    // would be refused by the server, and then hidden once the report is shown by it.
    let readonly = Signal::derive(move || {
        rs.state.with(|s| s.frozen()) || other_version.with(Option::is_some)
    });
    let on_edit = Callback::new(move |_| rs.edited());
    let unit_name = move || rs.unit_name();
    view! {
        <section class="campaign">
            <h1>{unit_name}</h1>
            <p class="theme">
                "Tuần lễ hưởng ứng học tập suốt đời năm " {campaign.year} ": “" {campaign.theme.clone()} "”"
            </p>
            <p class="dates">
                "Từ " {format_date(&campaign.starts_on)} " đến " {format_date(&campaign.ends_on)}
                {move || rs.state.with(|s| s.meta.deadline.clone()).map(|d| format!(" · Hạn nộp: {}", format_date(&d)))}
            </p>
        </section>
        {move || other_version.get().map(|own| view! {
            <p class="news stand-in" role="status" data-own-version=own.clone()>
                "Báo cáo này được lập theo mẫu " {own.clone()} ", máy chưa tải được mẫu đó nên đang hiện để xem theo mẫu "
                {shown_label.clone()} " của đợt, chưa nhập được. Khi có mạng, báo cáo sẽ tự hiện đúng mẫu của nó để nhập tiếp."
            </p>
        })}
        {campaign.practice.then(|| {
            let (c, u) = (campaign.code.clone(), unit_code.clone());
            let reset = move |_| {
                if !device::confirm("Xoá toàn bộ báo cáo tập huấn của đơn vị để làm lại từ đầu?") {
                    return;
                }
                let path = tuanle_shared::wire::routes::report(&c, &u, "reset");
                spawn_local(async move {
                    match api::post_action::<tuanle_shared::wire::ReportState>(&path).await {
                        Ok(_) => rs.start_over(),
                        Err(e) => rs.news.set(Some(e.message())),
                    }
                });
            };
            view! {
                <p class="banner practice" role="note">
                    "ĐỢT TẬP HUẤN: số liệu nhập ở đây không được tính vào báo cáo thật. "
                    {(!on_behalf).then(|| view! { <button type="button" class="secondary reset-practice" on:click=reset>"Làm lại từ đầu"</button> })}
                    " " <button type="button" class="link leave-practice" on:click=move |_| super::open_campaign_chosen(None)>"Về đợt báo cáo thật"</button>
                </p>
            }
        })}
        {(!campaign.practice).then(super::practice_campaigns).and_then(|list| list.into_iter().next()).map(|p| view! {
            <p class="practice-link">
                <button type="button" class="link enter-practice" on:click=move |_| super::open_campaign_chosen(Some(&p.code))>
                    {format!("Vào đợt tập huấn ({}) để làm thử", p.code)}
                </button>
            </p>
        })}
        {on_behalf.then(|| view! {
            <p class="banner on-behalf" role="note">
                "Bạn đang nhập hộ báo cáo của đơn vị này: mọi phiên bản và lần nộp được ghi là “nhập hộ” bởi tài khoản của bạn. "
                <crate::nav::Link page=Page::Dashboard>"Về trang tổng hợp"</crate::nav::Link>
            </p>
        })}
        <SyncBar rs=rs persisted=persisted/>
        {move || rs.state.with(|s| s.meta.help.clone()).filter(|h| h.contact.name.is_some() || h.contact.phone.is_some()).map(|h| view! {
            <p class="help-contact" role="note">
                "Cần hỗ trợ? Liên hệ " {h.unit_name} ": " {h.contact.name.unwrap_or_default()}
                {h.contact.phone.map(|p| view! { " — " <a href=format!("tel:{}", p.replace(' ', ""))>{p.clone()}</a> })}
            </p>
        })}
        <StatusBanner rs=rs/>
        <ConflictPanel rs=rs form=form.clone()/>
        <CommentsSummary rs=rs/>
        <ReportForm form=form.clone() draft=rs.draft on_edit=on_edit readonly=readonly remarks=Remarks {
            // A memo, not a derived signal: the sync state changes at every attempt, and a
            // comment drawn again loses the answer half typed under it.
            comments: Memo::new(move |_| rs.state.with(|s| s.meta.comments.clone())).into(),
            unsent: Signal::derive(move || rs.state.with(|s| s.answers.clone())),
            in_progress: Some(Callback::new(move |id| {
                rs.state.with_untracked(|s| s.answer_in_progress(id))
            })),
            // The unit's own staff answer; a supervisor entering on its behalf does not.
            on_answer: (!on_behalf).then(|| Callback::new(move |(id, text)| rs.answer(id, text))),
            on_typing: (!on_behalf).then(|| Callback::new(move |(id, text)| rs.answer_typed(id, text))),
            // The server takes no answer to a report that is read only.
            answers_closed: Signal::derive(move || rs.state.with(|s| s.meta.read_only.is_some())),
            on_pick: None,
        } reference=Memo::new(move |_| rs.state.with(|s| s.meta.reference.clone()))
            not_counted=Memo::new(move |_| rs.state.with(|s| s.meta.not_counted.clone()))/>
        <SubmitPanel rs=rs form=form/>
        <DocumentsLink rs=rs on_behalf=on_behalf/>
        <DraftFiles rs=rs/>
    }
}

/// Where the report's documents and Excel template are: a page of their own, which
/// needs the server (and, on a reporter's tablet, the tools' bundle, loaded the first
/// time it is opened).
#[component]
fn DocumentsLink(rs: ReportSync, on_behalf: bool) -> impl IntoView {
    // A supervisor's entry on behalf names the unit, as the report's own address does.
    let query = on_behalf.then(|| format!("{ON_BEHALF}={}", rs.unit.get_value()));
    view! {
        <section class="documents card">
            <h2>"Văn bản và mẫu Excel"</h2>
            <p>"Tải mẫu tổng hợp và báo cáo (Word) của đơn vị với số liệu đã đồng bộ, hoặc nhập số liệu bằng tệp Excel theo mẫu. Cần có mạng."</p>
            <crate::nav::Link page=Page::Documents query=query class="button secondary open-documents">"Mở văn bản và mẫu Excel"</crate::nav::Link>
        </section>
    }
}

/// The supervisor's comments on cells, listed above the form, each a link to its cell
/// (where it is shown, and answered): how many are still open.
#[component]
fn CommentsSummary(rs: ReportSync) -> impl IntoView {
    let listed = move || {
        rs.form.with_value(|f| {
            rs.draft.with(|d| {
                let content = d.content(f);
                rs.state.with(|s| {
                    s.meta
                        .comments
                        .iter()
                        .map(|c| (c.cell.clone(), c.comment.text.clone(), c.settled(&content)))
                        .collect::<Vec<_>>()
                })
            })
        })
    };
    move || {
        let list = listed();
        (!list.is_empty()).then(|| {
            let open = list.iter().filter(|(_, _, s)| s.is_open()).count();
            view! {
                <section class="card comments-summary" role="note">
                    <h2>{format!("Nhận xét của cấp trên ({open} chưa xử lý)")}</h2>
                    <ul>
                        {list.into_iter().map(|(cell, text, settled)| {
                            let id = cell_dom_id(&cell);
                            let name = cell.parse::<tuanle_shared::Cell>().map(|c| describe_cell(&c)).unwrap_or(cell.clone());
                            view! {
                                <li data-comment-cell=cell.clone()>
                                    <a href=format!("#{id}") on:click=move |ev| { ev.prevent_default(); device::focus(&id); }>{name}</a>
                                    ": " {text} " — " <em>{settled.label()}</em>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// Pending, synced, syncing, offline, the last sync, and any error, at all times.
#[component]
fn SyncBar(rs: ReportSync, persisted: RwSignal<Option<bool>>) -> impl IntoView {
    let unsent = Memo::new(move |_| rs.unsent());
    let label = move || match rs.phase.get() {
        Phase::Syncing => ("syncing", "Đang đồng bộ…".to_owned()),
        Phase::Offline if unsent.get() => (
            "offline",
            "Ngoại tuyến: thay đổi được giữ trên máy, sẽ gửi khi có mạng.".to_owned(),
        ),
        Phase::Offline => ("offline", "Ngoại tuyến.".to_owned()),
        Phase::NoAnswer if unsent.get() => (
            "no-answer",
            "Mạng chập chờn: chưa gửi được, sẽ thử lại. Thay đổi vẫn được giữ trên máy.".to_owned(),
        ),
        Phase::NoAnswer => (
            "no-answer",
            "Mạng chập chờn: máy chủ chưa trả lời, sẽ thử lại.".to_owned(),
        ),
        Phase::ServerError => (
            "server-error",
            "Máy chủ đang gặp lỗi, sẽ thử lại. Thay đổi vẫn được giữ trên máy.".to_owned(),
        ),
        Phase::SignedOut => (
            "signed-out",
            "Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại: mọi thứ đã nhập vẫn được giữ trên máy."
                .to_owned(),
        ),
        Phase::Refused(e) => ("refused", e),
        Phase::Idle if unsent.get() => ("pending", "Có thay đổi chưa gửi.".to_owned()),
        Phase::Idle => ("synced", "Đã đồng bộ.".to_owned()),
    };
    view! {
        <div class="sync-bar" data-sync=move || label().0 role="status" aria-live="polite">
            <span class="sync-state">{move || label().1}</span>
            <span class="last-sync">
                {move || rs.state.with(|s| s.last_sync_ms).map(|t| format!("Lần đồng bộ cuối: {}", format_time(t))).unwrap_or_else(|| "Chưa đồng bộ lần nào.".into())}
            </span>
            <button type="button" class="secondary" on:click=move |_| rs.sync_now()>"Đồng bộ ngay"</button>
            <span class="persist">
                {move || match persisted.get() {
                    Some(true) => "Dữ liệu được lưu bền vững trên máy.",
                    Some(false) => "Trình duyệt có thể xoá dữ liệu khi thiếu chỗ: hãy đồng bộ thường xuyên.",
                    None => "",
                }}
            </span>
        </div>
        {move || rs.storage_error.get().map(|e| view! { <p class="status error" role="alert">{e}</p> })}
        {move || rs.news.get().map(|n| view! {
            <p class="news" role="status">{n} " " <button type="button" class="link" on:click=move |_| rs.news.set(None)>"Đã hiểu"</button></p>
        })}
    }
}

/// Where the report is in its life: returned with the reason, submitted (late?),
/// approved; and, above it, why it takes no changes when it is read-only whatever its
/// status (a closed campaign, an inactive unit).
#[component]
fn StatusBanner(rs: ReportSync) -> impl IntoView {
    let unsent = Memo::new(move |_| rs.unsent());
    let read_only = move || {
        let why = rs.state.with(|s| s.meta.read_only)?;
        let reason = match why {
            RefusalCode::CampaignClosed => {
                "Đợt báo cáo đã đóng: báo cáo chỉ xem, không sửa được nữa."
            }
            RefusalCode::UnitInactive => {
                "Đơn vị đã ngừng hoạt động trong đợt này: báo cáo chỉ xem, không sửa được nữa."
            }
            // Only those two make a report read-only here (the syncer); a general
            // sentence rather than every refusal's message in the bundle.
            _ => "Báo cáo chỉ xem, không sửa được nữa.",
        };
        Some(view! {
            <div class="banner read-only" role="alert" data-read-only=why.as_str()>
                <strong>{reason}</strong>
                {move || unsent.get().then_some(" Những thay đổi chưa gửi vẫn được giữ trên máy và sẽ được gửi nếu báo cáo được mở lại.")}
            </div>
        })
    };
    let status = move || {
        let meta = rs.state.with(|s| s.meta.clone());
        match meta.status {
            Some(ReportStatus::Returned) => Some(view! {
                <div class="banner returned" role="alert">
                    <strong>"Báo cáo bị trả lại để sửa."</strong>
                    " Lý do: " {meta.return_reason.unwrap_or_default()}
                </div>
            }.into_any()),
            Some(ReportStatus::Submitted) => Some(view! {
                <div class="banner submitted">
                    <strong>{if meta.late { "Đã nộp (nộp muộn)." } else { "Đã nộp." }}</strong>
                    " Báo cáo chỉ xem, không sửa được, trừ khi cấp trên trả lại."
                </div>
            }.into_any()),
            Some(ReportStatus::Approved) => Some(view! {
                <div class="banner approved"><strong>"Đã được duyệt."</strong> " Báo cáo đã khoá."</div>
            }.into_any()),
            _ => None,
        }
    };
    view! { {read_only} {status} }
}

fn show_value(v: &Option<CellValue>) -> String {
    match v {
        None => "(để trống)".into(),
        Some(CellValue::Number(n)) => format_number(*n),
        Some(CellValue::Text(t)) => t.clone(),
    }
}

/// Both values of every conflicting cell, side by side; the person picks per cell.
#[component]
fn ConflictPanel(rs: ReportSync, form: Arc<FormDef>) -> impl IntoView {
    // The value picked for each cell, in the order picked: a few cells, so a list (a map
    // of cells would be one more map type compiled into the bundle).
    let choices = RwSignal::new(Vec::<(Cell, Option<CellValue>)>::new());
    let choose = move |cell: &Cell, value: Option<CellValue>| {
        choices.update(|m| {
            m.retain(|(c, _)| c != cell);
            m.push((cell.clone(), value));
        })
    };
    let form = StoredValue::new(form);
    move || {
        let conflict = rs.state.with(|s| s.conflict.clone())?;
        let label = move |cell: &Cell| {
            let code = match cell {
                Cell::Number(c) => c.code.clone(),
                Cell::Text(c) => c.code.clone(),
            };
            let row = form.with_value(|f| f.row(&code).map(|r| r.label.clone()));
            format!("{} ({})", row.unwrap_or_default(), describe_cell(cell))
        };
        let who = format!(
            "{}, lúc {}",
            conflict.changed_by,
            format_time(conflict.changed_at as f64)
        );
        let all_chosen = {
            let cells: Vec<Cell> = conflict.conflicts.iter().map(|c| c.cell.clone()).collect();
            move || choices.with(|m| cells.iter().all(|c| m.iter().any(|(k, _)| k == c)))
        };
        Some(view! {
            <section class="conflicts card" role="alert">
                <h2>"Cần chọn giá trị"</h2>
                <p>"Các ô sau đã được sửa khác nhau trên máy này và trên máy chủ (" {who} "). Muốn một giá trị khác, hãy sửa ô trong bảng rồi chọn “Giữ giá trị trên máy này”."</p>
                {conflict.conflicts.iter().map(|c| {
                    let cell = c.cell.clone();
                    let (mine_cell, theirs_cell) = (cell.clone(), cell.clone());
                    let theirs = c.theirs.clone();
                    let theirs_text = show_value(&c.theirs);
                    let key = cell.to_string();
                    let mine_cell = StoredValue::new(mine_cell);
                    let current = move || rs.outgoing().get(&mine_cell.get_value());
                    let current_text = move || show_value(&current());
                    let chosen = {
                        let cell = cell.clone();
                        move || choices.with(|m| m.iter().find(|(k, _)| *k == cell).map(|(_, v)| v.clone()))
                    };
                    let chosen2 = chosen.clone();
                    view! {
                        <div class="conflict" data-conflict=key>
                            <p class="conflict-cell">{label(&cell)}</p>
                            <div class="choices">
                                <button type="button" class="choice mine"
                                    class:chosen=move || chosen().is_some_and(|v| v == current())
                                    on:click=move |_| choose(&cell, current())>
                                    "Giữ giá trị trên máy này: " <strong>{current_text}</strong>
                                </button>
                                <button type="button" class="choice theirs"
                                    class:chosen=move || chosen2().is_some_and(|v| v == theirs)
                                    on:click={let theirs = c.theirs.clone(); move |_| choose(&theirs_cell, theirs.clone())}>
                                    "Lấy giá trị trên máy chủ: " <strong>{theirs_text}</strong>
                                </button>
                            </div>
                        </div>
                    }
                }).collect_view()}
                <button type="button" class="primary" disabled=move || !all_chosen()
                    on:click=move |_| {
                        let picked = choices.get_untracked();
                        if rs.state.try_update(|s| rs.draft.try_update(|d| s.resolve(&picked, d))).flatten().unwrap_or(false) {
                            choices.set(Vec::new());
                            rs.save();
                            rs.news.set(Some(ReportSync::CHOICES_SAVED.into()));
                            rs.sync_now();
                        }
                    }>
                    "Lưu lựa chọn"
                </button>
            </section>
        })
    }
}

/// Submission: errors block with a list that jumps to the cell; warnings must be
/// acknowledged; everything typed must have reached the server first.
#[component]
fn SubmitPanel(rs: ReportSync, form: Arc<FormDef>) -> impl IntoView {
    let form = StoredValue::new(form);
    let acknowledged = RwSignal::new(false);
    let outcome = RwSignal::new(None::<String>);
    let server_issues = RwSignal::new(Vec::<IssueReport>::new());
    let busy = RwSignal::new(false);
    let issues = Memo::new(move |_| {
        let content = rs.outgoing();
        form.with_value(|f| {
            rs.state
                .with(|s| validate_against(f, &content, &s.meta.reference))
                .iter()
                .map(IssueReport::from)
                .collect::<Vec<_>>()
        })
    });
    let invalid_cells =
        Memo::new(move |_| form.with_value(|f| rs.draft.with(|d| d.invalid_cells(f))));
    let errors = move || {
        let mut list: Vec<(String, String)> = invalid_cells
            .get()
            .iter()
            .map(|c| {
                (
                    c.to_string(),
                    format!(
                        "{}: {}",
                        describe_cell(&Cell::Number(c.clone())),
                        rs.draft.with(|d| form
                            .with_value(|f| d.error(f, c))
                            .map(|e| e.to_string())
                            .unwrap_or_default())
                    ),
                )
            })
            .collect();
        list.extend(
            issues
                .get()
                .into_iter()
                .filter(|i| i.severity == Severity::Error)
                .map(|i| (i.cell.clone(), format!("{}: {}", i.cell, i.message))),
        );
        list
    };
    // The device's warnings (last year's and the peers' included: the device holds the
    // reference it pulled), plus any the server raised that it has not got yet (the
    // reference moved since), so they can be acknowledged too.
    let warnings = move || {
        let mut list: Vec<IssueReport> = issues
            .get()
            .into_iter()
            .filter(|i| i.severity == Severity::Warning)
            .collect();
        for i in server_issues
            .get()
            .into_iter()
            .filter(|i| i.severity == Severity::Warning)
        {
            if !list.iter().any(|l| l.cell == i.cell && l.code == i.code) {
                list.push(i);
            }
        }
        list
    };
    let submit = move |_| {
        if busy.get_untracked() {
            return;
        }
        outcome.set(None);
        server_issues.set(Vec::new());
        if rs.unsent_untracked() {
            outcome.set(Some(
                "Còn thay đổi chưa gửi lên máy chủ. Hãy đồng bộ (cần có mạng) rồi nộp.".into(),
            ));
            rs.sync_now();
            return;
        }
        busy.set(true);
        let body = SubmitRequest {
            version: rs.state.with_untracked(|s| s.base_version),
            device_id: rs.device_id.get_value(),
            acknowledge_warnings: acknowledged.get_untracked(),
        };
        let path = routes::report(&rs.campaign.get_value(), &rs.unit.get_value(), "submit");
        spawn_local(async move {
            // Retried on a stalled link: a submission that was applied but whose answer
            // was lost is refused REPORT_LOCKED on the retry, and the pull then shows it
            // submitted.
            match api::retrying(3, || api::post_json::<_, ReportState>(&path, &body)).await {
                Ok(state) => {
                    let late = state.late;
                    rs.state.update(|s| {
                        s.meta.status = Some(state.status);
                        s.meta.late = late;
                        s.meta.return_reason = None;
                    });
                    rs.save();
                    outcome.set(Some(if late {
                        "Đã nộp báo cáo (sau hạn: được ghi là nộp muộn).".into()
                    } else {
                        "Đã nộp báo cáo.".into()
                    }));
                }
                Err(ApiFailure::Refused(e)) => {
                    server_issues.set(e.issues.clone());
                    outcome.set(Some(e.message));
                    // The server's report moved on, or takes no changes: a pull says how.
                    if matches!(
                        e.code,
                        RefusalCode::StaleVersion
                            | RefusalCode::ReportLocked
                            | RefusalCode::CampaignClosed
                            | RefusalCode::UnitInactive
                    ) {
                        rs.sync_now();
                    }
                }
                Err(e) => outcome.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    move || {
        if rs.state.with(|s| s.frozen()) {
            return None;
        }
        let errs = errors();
        let warns = warnings();
        let has_errors = !errs.is_empty();
        let has_warnings = !warns.is_empty();
        Some(view! {
            <section class="submit card" id="nop-bao-cao">
                <h2>"Nộp báo cáo"</h2>
                {has_errors.then(|| view! {
                    <div class="issue-list errors" role="alert">
                        <p>"Còn lỗi, chưa nộp được:"</p>
                        <ul>
                            {errs.into_iter().map(|(cell, text)| {
                                let id = cell_dom_id(&cell);
                                view! { <li><a href=format!("#{id}") on:click=move |ev| { ev.prevent_default(); device::focus(&id); }>{text}</a></li> }
                            }).collect_view()}
                        </ul>
                    </div>
                })}
                {has_warnings.then(|| view! {
                    <div class="issue-list warnings">
                        <p>"Cảnh báo cần xem lại:"</p>
                        <ul>
                            {warns.into_iter().map(|i| {
                                let id = cell_dom_id(&i.cell);
                                view! { <li><a href=format!("#{id}") on:click=move |ev| { ev.prevent_default(); device::focus(&id); }>{format!("{}: {}", i.cell, i.message)}</a></li> }
                            }).collect_view()}
                        </ul>
                        <label class="ack">
                            <input type="checkbox" name="acknowledge" prop:checked=move || acknowledged.get()
                                on:change=move |ev| acknowledged.set(event_target_checked(&ev))/>
                            "Tôi đã xem các cảnh báo và xác nhận số liệu là đúng."
                        </label>
                    </div>
                })}
                <button type="button" class="primary" id="submit-report"
                    disabled=move || busy.get() || has_errors || (has_warnings && !acknowledged.get())
                    on:click=submit>
                    "Nộp báo cáo"
                </button>
                {move || outcome.get().map(|o| view! { <p class="outcome" role="status">{o}</p> })}
                {move || {
                    let list = server_issues.get();
                    (!list.is_empty()).then(|| view! {
                        <ul class="issue-list">{list.into_iter().map(|i| view! { <li>{format!("{}: {}", i.cell, i.message)}</li> }).collect_view()}</ul>
                    })
                }}
            </section>
        })
    }
}

/// Saving unsent drafts to a file and loading them back, on this or any device.
#[component]
fn DraftFiles(rs: ReportSync) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let save = move |_| {
        rs.save();
        let reports = storage::reports_of_unit(&rs.unit.get_value());
        match serde_json::to_string(&reports) {
            Ok(json)
                if device::download(&format!("ban-nhap-{}.json", rs.unit.get_value()), &json)
                    .is_some() =>
            {
                message.set(Some(format!("Đã lưu {} báo cáo ra tệp.", reports.len())));
            }
            _ => message.set(Some("Không lưu được tệp.".into())),
        }
    };
    let load = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        spawn_local(async move {
            let Some(text) = device::read_chosen_file(&input).await else {
                message.set(Some("Không đọc được tệp.".into()));
                return;
            };
            let Ok(reports) = crate::json::from_str::<Vec<(String, StoredReport)>>(&text) else {
                message.set(Some("Tệp không phải bản nháp của ứng dụng này.".into()));
                return;
            };
            let key_suffix = format!(".{}.{}", rs.campaign.get_value(), rs.unit.get_value());
            if let Some((_, mine)) = reports.iter().find(|(k, _)| k.ends_with(&key_suffix)) {
                if rs.unsent_untracked()
                    && !device::confirm(
                        "Máy này còn thay đổi chưa gửi. Thay bằng bản nháp trong tệp?",
                    )
                {
                    return;
                }
                rs.draft.set(mine.draft.clone());
                rs.state.set(mine.sync.clone());
            }
            match storage::restore_reports(&reports) {
                Ok(n) => message.set(Some(format!("Đã nạp {n} báo cáo từ tệp."))),
                Err(e) => message.set(Some(e.message())),
            }
            rs.save();
            rs.sync_now();
        });
    };
    view! {
        <section class="draft-files card">
            <h2>"Bản nháp trên tệp"</h2>
            <p>"Phòng khi trình duyệt bị xoá dữ liệu: lưu bản nháp chưa gửi ra tệp, rồi nạp lại trên máy này hoặc máy khác."</p>
            <button type="button" class="secondary" on:click=save>"Lưu bản nháp ra tệp"</button>
            <label class="file secondary">
                "Nạp bản nháp từ tệp"
                <input type="file" accept="application/json,.json" on:change=load/>
            </label>
            {move || message.get().map(|m| view! { <p role="status">{m}</p> })}
        </section>
    }
}
