//! Campaigns: the list with their deadlines, open and close, create and change (national
//! administrators only: a campaign is the whole country's); form versions, and a
//! province's own form (its administrators too).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::FormDef;
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{
    CampaignInput, Deadline, Level, ProvinceForm, ProvinceFormInput, routes as admin_routes,
};
use tuanle_shared::wire::{CampaignSummary, format_date, routes};

use super::{Notice, NoticeView, use_admin};
use crate::api;
use crate::date_field::DateField;

/// Levels offered a deadline in the form: the root and three levels below it.
const DEPTHS: [u32; 4] = [0, 1, 2, 3];

/// The levels of a campaign's tree within the administrator's reach, read once.
fn levels_of(campaign: String) -> RwSignal<Vec<Level>> {
    let levels = RwSignal::new(Vec::new());
    spawn_local(async move {
        if let Ok(l) =
            api::get_json::<Vec<Level>>(&admin_routes::campaign(&campaign, "/levels")).await
        {
            levels.try_set(l);
        }
    });
    levels
}

/// A level of the tree named by the kinds of unit it holds, never by its depth
/// ([`tuanle_shared::wire::admin::level_name`]).
fn level_label(depth: u32, levels: &[Level]) -> String {
    let kinds = levels
        .iter()
        .find(|l| l.depth == depth)
        .map_or(&[][..], |l| l.kinds.as_slice());
    tuanle_shared::wire::admin::level_name(depth, kinds)
}

fn input_of(c: &CampaignSummary) -> CampaignInput {
    CampaignInput {
        code: c.code.clone(),
        year: c.year,
        theme: c.theme.clone(),
        starts_on: c.starts_on.clone(),
        ends_on: c.ends_on.clone(),
        form_version: c.form_version.clone(),
        deadlines: c.deadlines.clone(),
        open: c.open,
        practice: Some(c.practice),
    }
}

#[component]
pub fn CampaignsTab() -> impl IntoView {
    let ctx = use_admin();
    let levels_for = ctx.campaign.get_untracked();
    let levels = levels_of(levels_for.clone());
    let notice = RwSignal::new(Notice::None);
    let toggle = move |c: CampaignSummary| {
        let mut input = input_of(&c);
        input.open = !input.open;
        spawn_local(async move {
            let path = admin_routes::campaign(&input.code, "");
            match api::send_empty("PUT", &path, &input).await {
                Ok(()) => {
                    notice.set(Notice::Done(format!(
                        "Đã {} đợt {}.",
                        if input.open { "mở" } else { "đóng" },
                        input.code
                    )));
                    ctx.reload();
                }
                Err(e) => notice.set(Notice::Failed(e.message())),
            }
        });
    };
    let editing = RwSignal::new(None::<CampaignSummary>);
    view! {
        <section class="card">
            <h2>"Các đợt báo cáo"</h2>
            <NoticeView notice/>
            <table class="campaigns">
                <thead><tr>
                    <th>"Mã"</th><th>"Chủ đề"</th><th>"Thời gian"</th><th>"Mẫu"</th>
                    <th>"Hạn báo cáo"</th><th>"Trạng thái"</th><th></th>
                </tr></thead>
                <tbody>
                    {move || ctx.campaigns.get().into_iter().map(|c| {
                        // The levels read are the selected campaign's as the tab opened.
                        let named = if c.code == levels_for { levels.get() } else { Vec::new() };
                        let deadlines = c.deadlines.iter()
                            .map(|d| format!("{}: {}", level_label(d.depth, &named), format_date(&d.due_on)))
                            .collect::<Vec<_>>().join("; ");
                        let (c2, c3) = (c.clone(), c.clone());
                        view! {
                            <tr data-campaign=c.code.clone()>
                                <td>{c.code.clone()}</td>
                                <td>{c.theme.clone()}</td>
                                <td>{format!("{} – {}", format_date(&c.starts_on), format_date(&c.ends_on))}</td>
                                <td>{c.form_version.clone()}</td>
                                <td>{deadlines}</td>
                                <td>{if c.open { "Đang mở" } else { "Đã đóng" }}</td>
                                <td class="actions">
                                    {ctx.is_national().then(|| view! {
                                        <button type="button" on:click=move |_| toggle(c2.clone())>
                                            {if c.open { "Đóng đợt" } else { "Mở lại" }}
                                        </button>
                                        <button type="button" on:click=move |_| editing.set(Some(c3.clone()))>"Sửa"</button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {move || ctx.is_national().then(|| {
            let current = editing.get();
            view! { <CampaignForm existing=current editing/> }
        })}
        <FormsCard/>
    }
}

/// Adds a form version from a file (the JSON the product ships, a province's appendix
/// as data): checked by the server with every problem named, shown as reporters will
/// see it (and can be tried there: nothing typed in the preview is kept), then stored.
/// A campaign uses it once chosen in its "Mẫu biểu".
#[component]
fn FormsCard() -> impl IntoView {
    let ctx = use_admin();
    // Bumped when a form is stored: the province's choice lists it.
    let stored = RwSignal::new(0u32);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let notice = RwSignal::new(Notice::None);
    let problems = RwSignal::new(Vec::<String>::new());
    let preview = RwSignal::new(None::<Arc<FormDef>>);
    // An appendix sheet (XLSX) names no version: the administrator does; a province's
    // administrator adds only their province's forms.
    let sheet = RwSignal::new(false);
    let sheet_version = RwSignal::new(String::new());
    let sheet_provincial = RwSignal::new(!ctx.is_national());
    let chosen = move || {
        file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
    };
    let send = move |action: &'static str| {
        let Some(file) = chosen() else {
            notice.set(Notice::Failed(
                "Hãy chọn tệp mẫu biểu (.json) hoặc bảng phụ lục Excel (.xlsx).".into(),
            ));
            return;
        };
        let is_sheet = file.name().to_lowercase().ends_with(".xlsx");
        let (path, media) = if is_sheet {
            let query = format!(
                "{action}?version={}&province={}",
                String::from(js_sys::encode_uri_component(
                    sheet_version.get_untracked().trim()
                )),
                sheet_provincial.get_untracked()
            );
            (
                admin_routes::campaign(&ctx.campaign.get_untracked(), &query),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        } else {
            (
                admin_routes::campaign(&ctx.campaign.get_untracked(), action),
                "application/json",
            )
        };
        notice.set(Notice::None);
        problems.set(Vec::new());
        spawn_local(async move {
            match api::send_file::<FormDef>("POST", &path, &file, media, |_| {}).await {
                Ok(form) if action == "/forms" => {
                    notice.set(Notice::Done(format!(
                        "Đã lưu mẫu biểu {}. Chọn mẫu này ở “Mẫu biểu” khi sửa đợt để dùng cho đợt.",
                        form.version()
                    )));
                    preview.set(None);
                    stored.update(|n| *n += 1);
                    ctx.reload();
                }
                Ok(form) => preview.set(Some(Arc::new(form))),
                Err(api::ApiFailure::Refused(e)) if e.code == RefusalCode::BadForm => {
                    preview.set(None);
                    notice.set(Notice::Failed(e.message.clone()));
                    problems.set(e.problems);
                }
                Err(e) => notice.set(Notice::Failed(e.message())),
            }
        });
    };
    view! {
        <section class="card" id="forms-card">
            <h2>"Mẫu biểu"</h2>
            <p class="hint">
                {if ctx.is_national() {
                    "Thêm một phiên bản mẫu biểu từ tệp JSON (như các mẫu có sẵn). Mẫu của một tỉnh ghi “extends” (mẫu toàn quốc được mở rộng) và đánh dấu dòng riêng bằng “provincial”: true. Một phiên bản đã lưu không sửa được: báo cáo đã bắt đầu giữ phiên bản của mình."
                } else {
                    "Thêm mẫu biểu riêng của tỉnh từ bảng phụ lục Excel (.xlsx) hoặc tệp JSON: giữ nguyên mọi dòng của mẫu của đợt và thêm dòng riêng (trong tệp JSON: ghi “extends” là mẫu của đợt và đánh dấu dòng riêng bằng “provincial”: true). Dòng riêng chỉ cộng đến cấp tỉnh; các cấp trên chỉ nhận các dòng chung."
                }}
            </p>
            <div class="import-row">
                <input type="file" id="form-file" accept=".json,.xlsx,application/json" node_ref=file_input
                    on:change=move |_| {
                        preview.set(None);
                        problems.set(Vec::new());
                        notice.set(Notice::None);
                        sheet.set(chosen().is_some_and(|f| f.name().to_lowercase().ends_with(".xlsx")));
                    }/>
                <button type="button" id="form-check" on:click=move |_| send("/forms/check")>"Kiểm tra tệp"</button>
            </div>
            {move || sheet.get().then(|| view! {
                <div class="import-row sheet-options">
                    <p class="hint">"Bảng phụ lục Excel (cột STT, Các hoạt động, Đơn vị): dòng trùng với mẫu của đợt giữ nguyên định nghĩa của mẫu đó; dòng mới được đánh mã theo dòng trên nó và đọc theo đơn vị tính (“đồng”: kinh phí; “…/người”: số lớp hoặc số cuộc và số người; còn lại: số lượng)."</p>
                    <label>"Tên phiên bản "
                        <input type="text" id="form-version" placeholder="ví dụ 2026 hoặc 2025-hue" prop:value=move || sheet_version.get()
                            on:input=move |ev| sheet_version.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        <input type="checkbox" id="form-provincial" prop:checked=move || sheet_provincial.get()
                            disabled=!ctx.is_national()
                            on:change=move |ev| sheet_provincial.set(event_target_checked(&ev))/>
                        " Mẫu riêng của tỉnh (mở rộng mẫu của đợt)"
                    </label>
                </div>
            })}
            <NoticeView notice/>
            {move || (!problems.with(Vec::is_empty)).then(|| view! {
                <ul class="problems" id="form-problems">
                    {problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            })}
            {move || preview.get().map(|form| {
                let heading = match form.extends() {
                    Some(base) => format!("Xem trước mẫu {} (mẫu của tỉnh, mở rộng mẫu {base}), như người báo cáo sẽ thấy", form.version()),
                    None => format!("Xem trước mẫu {}, như người báo cáo sẽ thấy", form.version()),
                };
                let version = form.version().to_owned();
                view! {
                    <div class="form-preview" id="form-preview" data-version=version>
                        <h3>{heading}</h3>
                        <button type="button" id="form-save" on:click=move |_| send("/forms")>"Lưu mẫu biểu"</button>
                        <crate::form_view::ReportForm form=form draft=RwSignal::new(crate::draft::Draft::default())
                            on_edit=Callback::new(|_| {}) readonly=false/>
                    </div>
                }
            })}
            <ProvinceForms stored=stored/>
        </section>
    }
}

/// The provinces' own forms in the chosen campaign: which province uses which, and
/// publishing a stored one (extending the campaign's form) for a province, or going
/// back to the campaign's.
#[component]
fn ProvinceForms(stored: RwSignal<u32>) -> impl IntoView {
    let ctx = use_admin();
    let current = RwSignal::new(Vec::<ProvinceForm>::new());
    let choices = RwSignal::new(Vec::<String>::new());
    let notice = RwSignal::new(Notice::None);
    let province = RwSignal::new(ctx.scope.map(|s| s.get_value()).unwrap_or_default());
    let chosen = RwSignal::new(String::new());
    let campaign_form = move || {
        ctx.campaigns.with(|list| {
            list.iter()
                .find(|c| c.code == ctx.campaign.get())
                .map(|c| c.form_version.clone())
        })
    };
    let load = move || {
        let campaign = ctx.campaign.get_untracked();
        spawn_local(async move {
            let path = admin_routes::campaign(&campaign, "/forms/provinces");
            if let Ok(list) = api::get_json::<Vec<ProvinceForm>>(&path).await {
                current.try_set(list);
            }
        });
    };
    Effect::new(move || {
        stored.track();
        let Some(base) = campaign_form() else {
            return;
        };
        load();
        spawn_local(async move {
            if let Ok(forms) = api::get_json::<Vec<FormDef>>(routes::FORMS).await {
                let own: Vec<String> = forms
                    .iter()
                    .filter(|f| f.extends() == Some(base.as_str()))
                    .map(|f| f.version().to_owned())
                    .collect();
                if chosen.get_untracked().is_empty()
                    && let Some(first) = own.last()
                {
                    chosen.set(first.clone());
                }
                choices.try_set(own);
            }
        });
    });
    let publish = move |version: Option<String>, unit: String| {
        let path = admin_routes::campaign(
            &ctx.campaign.get_untracked(),
            &format!("/forms/provinces/{unit}"),
        );
        notice.set(Notice::None);
        spawn_local(async move {
            let body = ProvinceFormInput {
                form_version: version.clone(),
            };
            match api::send_empty("PUT", &path, &body).await {
                Ok(()) => {
                    notice.set(Notice::Done(match version {
                        Some(v) => format!("Tỉnh {unit} dùng mẫu biểu {v} từ nay: báo cáo bắt đầu từ nay theo mẫu này, số liệu tổng hợp đã được tính lại."),
                        None => format!("Tỉnh {unit} dùng lại mẫu biểu của đợt."),
                    }));
                    load();
                }
                Err(e) => notice.set(Notice::Failed(e.message())),
            }
        });
    };
    view! {
        <div class="province-forms" id="province-forms">
            <h3>"Mẫu biểu riêng của tỉnh"</h3>
            <table>
                <tbody>
                    {move || current.get().into_iter().map(|p| {
                        let unit = p.unit_code.clone();
                        view! {
                            <tr data-province=p.unit_code.clone()>
                                <td>{p.unit_name.clone()}</td>
                                <td class="version">{p.form_version.clone()}</td>
                                <td><button type="button" class="secondary" on:click=move |_| publish(None, unit.clone())>"Dùng lại mẫu của đợt"</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || if choices.with(Vec::is_empty) {
                view! { <p class="hint">"Chưa có mẫu riêng nào mở rộng mẫu biểu của đợt: hãy thêm tệp mẫu ở trên."</p> }.into_any()
            } else {
                view! {
                    <div class="import-row">
                        <label>"Mã tỉnh "
                            <input type="text" id="province-code" prop:value=move || province.get()
                                on:input=move |ev| province.set(event_target_value(&ev))/>
                        </label>
                        <label>"Mẫu "
                            <select id="province-form" on:change=move |ev| chosen.set(event_target_value(&ev))>
                                {choices.get().into_iter().map(|v| {
                                    let selected = v == chosen.get_untracked();
                                    view! { <option value=v.clone() selected=selected>{v.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="button" id="province-form-save"
                            on:click=move |_| publish(Some(chosen.get_untracked()), province.get_untracked().trim().to_owned())>
                            "Áp dụng cho tỉnh"
                        </button>
                    </div>
                }.into_any()
            }}
            <NoticeView notice/>
        </div>
    }
}

/// Creates a campaign, or changes `existing`.
#[component]
fn CampaignForm(
    existing: Option<CampaignSummary>,
    editing: RwSignal<Option<CampaignSummary>>,
) -> impl IntoView {
    let ctx = use_admin();
    let levels = levels_of(
        existing
            .as_ref()
            .map_or_else(|| ctx.campaign.get_untracked(), |c| c.code.clone()),
    );
    let next_year = ctx
        .campaigns
        .get_untracked()
        .iter()
        .map(|c| c.year)
        .max()
        .unwrap_or(2025)
        + 1;
    let start = existing.as_ref().map(input_of).unwrap_or(CampaignInput {
        code: next_year.to_string(),
        year: next_year,
        theme: String::new(),
        starts_on: format!("{next_year}-10-01"),
        ends_on: format!("{next_year}-10-07"),
        form_version: "2025".into(),
        deadlines: vec![],
        open: true,
        practice: Some(false),
    });
    let is_new = existing.is_none();
    let code = RwSignal::new(start.code.clone());
    let year = RwSignal::new(start.year.to_string());
    let theme = RwSignal::new(start.theme.clone());
    let starts = RwSignal::new(start.starts_on.clone());
    let ends = RwSignal::new(start.ends_on.clone());
    let form = RwSignal::new(start.form_version.clone());
    let due: [RwSignal<String>; 4] = std::array::from_fn(|i| {
        RwSignal::new(
            start
                .deadlines
                .iter()
                .find(|d| d.depth as usize == i)
                .map(|d| d.due_on.clone())
                .unwrap_or_default(),
        )
    });
    let versions = RwSignal::new(vec!["2025".to_owned(), "2023".to_owned()]);
    spawn_local(async move {
        if let Ok(forms) = api::get_json::<Vec<FormDef>>(routes::FORMS).await {
            // A province's form extends a campaign's, and is no campaign's form itself.
            let mut v: Vec<String> = forms
                .iter()
                .filter(|f| f.extends().is_none())
                .map(|f| f.version().to_owned())
                .collect();
            v.reverse();
            versions.set(v);
        }
    });
    let notice = RwSignal::new(Notice::None);
    let open = start.open;
    let practice = RwSignal::new(start.practice.unwrap_or(false));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(year_n) = year.get_untracked().trim().parse::<i32>() else {
            notice.set(Notice::Failed("Năm phải là một số (ví dụ 2026).".into()));
            return;
        };
        let input = CampaignInput {
            code: code.get_untracked().trim().to_owned(),
            year: year_n,
            theme: theme.get_untracked(),
            starts_on: starts.get_untracked(),
            ends_on: ends.get_untracked(),
            form_version: form.get_untracked(),
            deadlines: due
                .iter()
                .enumerate()
                .filter(|(_, d)| !d.get_untracked().is_empty())
                .map(|(i, d)| Deadline {
                    depth: i as u32,
                    due_on: d.get_untracked(),
                })
                .collect(),
            open,
            practice: Some(practice.get_untracked()),
        };
        if let Err(e) = input.check() {
            notice.set(Notice::Failed(e.message));
            return;
        }
        spawn_local(async move {
            let result = if is_new {
                api::send_empty("POST", admin_routes::CAMPAIGNS, &input).await
            } else {
                api::send_empty("PUT", &admin_routes::campaign(&input.code, ""), &input).await
            };
            match result {
                Ok(()) => {
                    notice.set(Notice::Done(format!(
                        "Đã {} đợt {}.",
                        if is_new { "tạo" } else { "lưu" },
                        input.code
                    )));
                    if is_new {
                        ctx.campaign.set(input.code.clone());
                    }
                    editing.set(None);
                    ctx.reload();
                }
                Err(e) => notice.set(Notice::Failed(e.message())),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{if is_new { "Tạo đợt mới".to_owned() } else { format!("Sửa đợt {}", start.code) }}</h2>
            <form class="campaign-form" on:submit=submit>
                <label>"Mã đợt" <input id="campaign-code" bind:value=code disabled=!is_new required/></label>
                <label>"Năm" <input id="campaign-year" type="number" bind:value=year required/></label>
                <label class="wide">"Chủ đề" <textarea id="campaign-theme" rows="2" bind:value=theme required></textarea></label>
                <label>"Bắt đầu" <DateField id="campaign-starts" iso=starts required=true/></label>
                <label>"Kết thúc" <DateField id="campaign-ends" iso=ends required=true/></label>
                <label>"Mẫu biểu"
                    <select id="campaign-form" prop:value=move || form.get()
                        on:change=move |ev| form.set(event_target_value(&ev))>
                        {move || versions.get().into_iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset class="wide">
                    <legend>"Hạn báo cáo theo cấp (để trống nếu không đặt)"</legend>
                    {DEPTHS.into_iter().map(|depth| {
                        let d = due[depth as usize];
                        view! { <label>{move || level_label(depth, &levels.get())} <DateField id=format!("deadline-{depth}") iso=d/></label> }
                    }).collect_view()}
                </fieldset>
                <label class="wide practice">
                    <input type="checkbox" id="campaign-practice" bind:checked=practice/>
                    " Đợt tập huấn: số liệu không tính vào đâu khác; mỗi đơn vị làm lại được từ đầu"
                </label>
                <div class="wide">
                    <button type="submit" class="primary" id="campaign-save">{if is_new { "Tạo đợt" } else { "Lưu thay đổi" }}</button>
                    {(!is_new).then(|| view! { <button type="button" on:click=move |_| editing.set(None)>"Huỷ"</button> })}
                </div>
                <NoticeView notice/>
            </form>
        </section>
    }
}
