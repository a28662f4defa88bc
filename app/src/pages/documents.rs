//! The documents a unit sends upward, downloaded as files: the official Excel form and
//! the report as a Word document, for the unit shown with the figures chosen; and the
//! report's page of them (`/van-ban`), with its Excel template.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::document::{DocumentFields, DocumentFieldsAnswer, FieldsSource};
use tuanle_shared::wire::{FigureMode, routes};

use super::Load;
use super::report::{ON_BEHALF, load_form, report_unit};
use crate::api;
use crate::nav::{Link, Page};
use crate::syncer::ReportSync;

/// The report's documents and its Excel template, for the signed-in person's unit or
/// the child a supervisor enters on behalf of (`?don-vi=`, as on the report page). The
/// report is synced from here as from its own page: a template put into it is sent.
#[component]
pub fn DocumentsPage() -> impl IntoView {
    let (unit, on_behalf) = match report_unit() {
        Ok(found) => found,
        Err(view) => return view,
    };
    let state = load_form(unit.clone());
    let back_query = on_behalf.then(|| format!("{ON_BEHALF}={unit}"));
    let screen = move || match state.get() {
        Load::Pending => view! { <p class="status">"Đang tải mẫu báo cáo…"</p> }.into_any(),
        Load::Failed(e) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
        Load::Ready { campaign, form } => {
            let rs = ReportSync::start(campaign.code.clone(), unit.clone(), form.clone());
            let shown = form.version().to_owned();
            // As on the report page: no template goes into a report that takes no
            // typing, or that is on another form version than the one this device has;
            // the page says why.
            let why_not = Memo::new(move |_| {
                rs.state.with(|s| {
                    if s.frozen() {
                        Some("Báo cáo đang chỉ xem (đã nộp, đã duyệt hoặc đợt đã đóng) nên không nhập được từ tệp.")
                    } else if s.on_other_version(&shown) {
                        Some("Báo cáo được lập theo mẫu khác với mẫu máy đang có: hãy mở báo cáo khi có mạng để máy tải mẫu đó, rồi quay lại đây.")
                    } else {
                        None
                    }
                })
            });
            let readonly = Signal::derive(move || why_not.with(Option::is_some));
            let name = move || rs.unit_name();
            view! {
                <section class="campaign">
                    <h1>{name}</h1>
                    <p class="theme">"Văn bản và mẫu Excel của báo cáo năm " {campaign.year}</p>
                </section>
                {on_behalf.then(|| view! {
                    <p class="banner on-behalf" role="note">
                        "Bạn đang nhập hộ báo cáo của đơn vị này: số liệu đưa vào từ tệp được ghi là “nhập hộ” bởi tài khoản của bạn."
                    </p>
                })}
                {move || why_not.get().map(|why| view! { <p class="status template-closed" role="status">{why}</p> })}
                <super::template::TemplatePanel rs=rs readonly=readonly/>
                <section class="documents card">
                    <h2>"Văn bản báo cáo"</h2>
                    <p>"Mẫu tổng hợp và báo cáo của đơn vị, với số liệu đã đồng bộ (kể cả bản nháp, ghi rõ là bản nháp)."</p>
                    <div class="export-actions">
                        <DocumentButtons campaign=campaign.code.clone() unit=Signal::stored(unit.clone()) mode=Signal::stored(FigureMode::Provisional) editable=Signal::stored(!on_behalf)/>
                    </div>
                </section>
            }
            .into_any()
        }
    };
    view! {
        <p class="back"><Link page=Page::Report query=back_query class="back-to-report">"← Về báo cáo"</Link></p>
        {screen}
    }
    .into_any()
}

/// The documents a unit sends upward, as files.
#[derive(Debug, Clone, Copy)]
enum Document {
    /// The official Excel form.
    Workbook,
    /// The report (*báo cáo*) as a Word document, the table as its appendix.
    Report,
}

impl Document {
    fn route(self, campaign: &str, unit: &str, mode: FigureMode) -> String {
        match self {
            Document::Workbook => routes::export(campaign, unit, mode),
            Document::Report => routes::report_document(campaign, unit, mode),
        }
    }

    /// The server's name for the file: `tong-hop-NB-HQ-2025-chinh-thuc.xlsx`.
    fn file_name(self, campaign: &str, unit: &str, mode: FigureMode) -> String {
        let suffix = match mode {
            FigureMode::Official => "-chinh-thuc",
            FigureMode::Final => "",
            FigureMode::Provisional => "-tam-tinh",
        };
        match self {
            Document::Workbook => format!("tong-hop-{unit}-{campaign}{suffix}.xlsx"),
            Document::Report => format!("bao-cao-{unit}-{campaign}{suffix}.docx"),
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Document::Workbook => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Document::Report => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// What the user reads while it is made.
    fn making(self) -> &'static str {
        match self {
            Document::Workbook => "Đang tạo tệp Excel…",
            Document::Report => "Đang tạo báo cáo…",
        }
    }
}

/// What the user reads while the file arrives: "Đang tải xuống: 120 / 350 KB (34%)".
pub(crate) fn downloading(got: u64, whole: Option<u64>) -> String {
    let kb = |n: u64| tuanle_shared::number::format_number(n.div_ceil(1024));
    match whole.filter(|w| *w >= got && *w > 0) {
        Some(w) => format!(
            "Đang tải xuống: {} / {} KB ({}%)",
            kb(got),
            kb(w),
            got * 100 / w
        ),
        None => format!("Đang tải xuống: {} KB", kb(got)),
    }
}

/// The two download buttons, what became of the last download, and the issuer's fields
/// of the report document (which the unit's own staff may change: `editable`).
#[component]
pub fn DocumentButtons(
    campaign: String,
    unit: Signal<String>,
    mode: Signal<FigureMode>,
    editable: Signal<bool>,
) -> impl IntoView {
    let fields_campaign = campaign.clone();
    let campaign = StoredValue::new(campaign);
    let status = RwSignal::new(None::<String>);
    let download = move |document: Document| {
        let (c, u, m) = (
            campaign.get_value(),
            unit.get_untracked(),
            mode.get_untracked(),
        );
        status.set(Some(document.making().into()));
        spawn_local(async move {
            let arrived = |got: u64, whole: Option<u64>| {
                status.try_set(Some(downloading(got, whole)));
            };
            let message = match api::get_bytes(&document.route(&c, &u, m), &arrived).await {
                Ok(bytes) => {
                    let name = document.file_name(&c, &u, m);
                    match crate::device::download_bytes(&name, &bytes, document.mime()) {
                        Some(()) => format!("Đã tạo tệp {name}."),
                        None => "Không lưu được tệp.".into(),
                    }
                }
                Err(e) => e.message(),
            };
            status.try_set(Some(message));
        });
    };
    view! {
        <button type="button" class="secondary export" on:click=move |_| download(Document::Workbook)>"Xuất Excel (mẫu chính thức)"</button>
        <button type="button" class="secondary report-document" on:click=move |_| download(Document::Report)>"Tải báo cáo (Word)"</button>
        {move || status.get().map(|m| view! { <span class="export-status" role="status">{m}</span> })}
        <FieldsForm campaign=fields_campaign unit=unit editable=editable/>
    }
}

/// The fields as the form holds them: one text per input, lists one line each.
#[derive(Debug, Clone, Default, PartialEq)]
struct Typed {
    parent_agency: String,
    agency: String,
    number: String,
    place: String,
    signature: String,
    signer: String,
    recipients: String,
}

impl Typed {
    fn of(f: &DocumentFields) -> Typed {
        Typed {
            parent_agency: f.parent_agency.clone().unwrap_or_default(),
            agency: f.agency.clone(),
            number: f.number.clone(),
            place: f.place.clone(),
            signature: f.signature.join("\n"),
            signer: f.signer.clone(),
            recipients: f.recipients.join("\n"),
        }
    }

    fn fields(&self) -> DocumentFields {
        let lines = |t: &str| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let parent = self.parent_agency.trim();
        DocumentFields {
            parent_agency: (!parent.is_empty()).then(|| parent.to_owned()),
            agency: self.agency.trim().to_owned(),
            number: self.number.trim().to_owned(),
            place: self.place.trim().to_owned(),
            signature: lines(&self.signature),
            signer: self.signer.trim().to_owned(),
            recipients: lines(&self.recipients),
        }
    }
}

/// The report document's header and signature as the unit issues it: read when opened,
/// checked here as the server checks them, saved for the campaign.
#[component]
fn FieldsForm(campaign: String, unit: Signal<String>, editable: Signal<bool>) -> impl IntoView {
    let campaign = StoredValue::new(campaign);
    let typed = RwSignal::new(None::<Typed>);
    let source = RwSignal::new(None::<FieldsSource>);
    let message = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let load = move || {
        let (c, u) = (campaign.get_value(), unit.get_untracked());
        spawn_local(async move {
            let answer =
                api::get_json::<DocumentFieldsAnswer>(&routes::report_document_fields(&c, &u))
                    .await;
            // Another unit shown meanwhile: its own reading fills the form.
            if unit.try_get_untracked().is_none_or(|now| now != u) {
                return;
            }
            match answer {
                Ok(a) => {
                    typed.try_set(Some(Typed::of(&a.fields)));
                    source.try_set(Some(a.source));
                }
                Err(e) => {
                    message.try_set(Some(e.message()));
                }
            }
        });
    };
    // Another unit shown: its own fields, read again if the form is open.
    Effect::new(move |seen: Option<String>| {
        let u = unit.get();
        if seen.is_some_and(|s| s != u) {
            typed.set(None);
            source.set(None);
            message.set(None);
            if open.get_untracked() {
                load();
            }
        }
        u
    });
    let toggled = move |ev: leptos::ev::Event| {
        let is_open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
        open.set(is_open);
        if is_open && typed.get_untracked().is_none() {
            load();
        }
    };
    let save = move |_| {
        let Some(fields) = typed.get_untracked().map(|t| t.fields()) else {
            return;
        };
        if let Some(problem) = fields.problem() {
            message.set(Some(problem));
            return;
        }
        let (c, u) = (campaign.get_value(), unit.get_untracked());
        message.set(Some("Đang lưu…".into()));
        spawn_local(async move {
            let path = routes::report_document_fields(&c, &u);
            match api::send_json::<_, DocumentFieldsAnswer>("PUT", &path, Some(&fields)).await {
                Ok(a) => {
                    source.try_set(Some(a.source));
                    message.try_set(Some("Đã lưu thông tin văn bản.".into()));
                }
                Err(e) => {
                    message.try_set(Some(e.message()));
                }
            }
        });
    };
    let input = move |label: &'static str,
                      name: &'static str,
                      get: fn(&Typed) -> String,
                      set: fn(&mut Typed, String)| {
        view! {
            <label>
                {label}
                <input type="text" name=name
                    prop:value=move || typed.with(|t| t.as_ref().map(get).unwrap_or_default())
                    prop:readonly=move || !editable.get()
                    on:input=move |ev| typed.update(|t| if let Some(t) = t { set(t, event_target_value(&ev)) })/>
            </label>
        }
    };
    let lines = move |label: &'static str,
                      name: &'static str,
                      get: fn(&Typed) -> String,
                      set: fn(&mut Typed, String)| {
        view! {
            <label>
                {label}
                <textarea name=name rows="3"
                    prop:value=move || typed.with(|t| t.as_ref().map(get).unwrap_or_default())
                    prop:readonly=move || !editable.get()
                    on:input=move |ev| typed.update(|t| if let Some(t) = t { set(t, event_target_value(&ev)) })></textarea>
            </label>
        }
    };
    view! {
        <details class="document-fields" on:toggle=toggled>
            <summary>"Thông tin văn bản (số, nơi nhận, người ký)"</summary>
            {move || source.get().map(|s| view! { <p class="muted fields-source" data-source=format!("{s:?}")>{s.label()}</p> })}
            {input("Cơ quan chủ quản", "parent_agency", |t| t.parent_agency.clone(), |t, v| t.parent_agency = v)}
            {input("Cơ quan ban hành", "agency", |t| t.agency.clone(), |t, v| t.agency = v)}
            {input("Số văn bản (sau “Số:”)", "number", |t| t.number.clone(), |t, v| t.number = v)}
            {input("Địa danh", "place", |t| t.place.clone(), |t, v| t.place = v)}
            {lines("Thẩm quyền, chức vụ ký (mỗi dòng một ý)", "signature", |t| t.signature.clone(), |t, v| t.signature = v)}
            {input("Người ký", "signer", |t| t.signer.clone(), |t, v| t.signer = v)}
            {lines("Nơi nhận (mỗi dòng một nơi)", "recipients", |t| t.recipients.clone(), |t, v| t.recipients = v)}
            {move || editable.get().then(|| view! {
                <button type="button" class="secondary save-fields" on:click=save>"Lưu thông tin văn bản"</button>
            })}
            {move || message.get().map(|m| view! { <p class="fields-status" role="status">{m}</p> })}
        </details>
    }
}
