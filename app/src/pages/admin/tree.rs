//! The organisation tree of the chosen campaign: import it from a CSV or XLSX file
//! (checked first, every problem by line; applied only when clean and confirmed), copy it
//! from an earlier campaign, and edit it unit by unit.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::tree::{KindDef, KindGroup};
use tuanle_shared::wire::admin::{
    AdminUnit, AdminUnits, CopyTree, KindSpelling, NewUnit, TreePreview, UnitChange, routes,
};

use super::{Notice, NoticeView, use_admin};
use crate::api;

/// Where a file import is.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Idle,
    /// Sending the file: the share sent so far.
    Sending(f64),
    /// Sent; the server reads and checks it.
    Checking,
    Previewed(TreePreview),
    Failed(String),
}

/// What the rows come from: a file, or another campaign's tree.
#[derive(Clone)]
enum Origin {
    File(web_sys::File),
    Copy(String),
}

#[component]
pub fn TreeTab() -> impl IntoView {
    let ctx = use_admin();
    let campaign = ctx.campaign.get_untracked();
    let step = RwSignal::new(Step::Idle);
    let origin = StoredValue::new(None::<Origin>);
    let under = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let copy_from = RwSignal::new(String::new());
    // Bumped after the tree changes, so the unit browser reloads.
    let tree_version = RwSignal::new(0u32);

    let run = {
        let campaign = campaign.clone();
        move |apply: bool| {
            let Some(origin) = origin.get_value() else {
                return;
            };
            let campaign = campaign.clone();
            let action = if apply {
                "/tree/import"
            } else {
                "/tree/preview"
            };
            let mut query = Vec::new();
            let under = under.get_untracked().trim().to_owned();
            if !under.is_empty() {
                query.push(format!("under={under}"));
            }
            spawn_local(async move {
                let result = match origin {
                    Origin::File(file) => {
                        query.push(format!(
                            "name={}",
                            js_sys::encode_uri_component(&file.name())
                        ));
                        let path =
                            routes::campaign(&campaign, &format!("{action}?{}", query.join("&")));
                        step.set(Step::Sending(0.0));
                        api::upload::<TreePreview>(&path, &file, move |share| {
                            step.set(if share >= 1.0 {
                                Step::Checking
                            } else {
                                Step::Sending(share)
                            })
                        })
                        .await
                    }
                    Origin::Copy(from) => {
                        query.push(format!("from={from}"));
                        let path =
                            routes::campaign(&campaign, &format!("{action}?{}", query.join("&")));
                        step.set(Step::Checking);
                        api::send_json::<_, TreePreview>("POST", &path, Some(&CopyTree {})).await
                    }
                };
                match result {
                    Ok(p) => {
                        if p.applied {
                            tree_version.update(|v| *v += 1);
                        }
                        step.set(Step::Previewed(p));
                    }
                    Err(e) => step.set(Step::Failed(e.message())),
                }
            });
        }
    };
    let check_file = {
        let run = run.clone();
        move |_| {
            let file = file_input
                .get()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0));
            match file {
                Some(f) => {
                    origin.set_value(Some(Origin::File(f)));
                    run(false);
                }
                None => step.set(Step::Failed(
                    "Hãy chọn một tệp CSV hoặc Excel (.xlsx).".into(),
                )),
            }
        }
    };
    let check_copy = {
        let run = run.clone();
        move |_| {
            let from = copy_from.get_untracked();
            if from.is_empty() {
                step.set(Step::Failed("Hãy chọn đợt để sao chép cây đơn vị.".into()));
                return;
            }
            origin.set_value(Some(Origin::Copy(from)));
            run(false);
        }
    };
    let apply = {
        let run = run.clone();
        move |_| run(true)
    };
    // A kind chosen for an unknown spelling: the server learns the spelling (for every
    // later import too), and the file is checked again.
    let learn = {
        let campaign = campaign.clone();
        move |code: String, spelled: String| {
            let campaign = campaign.clone();
            let run = run.clone();
            spawn_local(async move {
                let body = KindSpelling { code, spelled };
                let path = routes::campaign(&campaign, "/unit-kinds/spellings");
                match api::send_json::<_, KindDef>("POST", &path, Some(&body)).await {
                    Ok(_) => {
                        ctx.reload_kinds();
                        run(false);
                    }
                    Err(e) => step.set(Step::Failed(e.message())),
                }
            });
        }
    };
    let others = move || {
        ctx.campaigns
            .get()
            .into_iter()
            .filter(|c| c.code != ctx.campaign.get())
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card">
            <h2>"Nhập cây đơn vị từ tệp"</h2>
            <p class="hint">
                "Tệp CSV (UTF-8) hoặc Excel (.xlsx) có dòng tiêu đề với các cột: "
                <strong>"Mã đơn vị, Tên đơn vị, Loại, Mã cấp trên"</strong>
                ". Tệp là toàn bộ cây của phạm vi nhập: đơn vị không còn trong tệp sẽ bị xoá, hoặc chuyển sang ngừng hoạt động nếu đã có báo cáo."
            </p>
            <div class="import-row">
                <input type="file" id="tree-file" accept=".csv,.xlsx,text/csv" node_ref=file_input/>
                <label>"Nhập vào dưới đơn vị (mã, để trống: "
                    {if ctx.is_national() { "cả cây".to_owned() } else { "đơn vị bạn quản trị".to_owned() }}
                    ") "
                    <input id="tree-under" bind:value=under size="12"/>
                </label>
                <button type="button" id="tree-check" on:click=check_file>"Kiểm tra tệp"</button>
            </div>
            <div class="import-row">
                <label>"Hoặc sao chép cây của đợt "
                    <select id="tree-copy-from" on:change=move |ev| copy_from.set(event_target_value(&ev))>
                        <option value="">"(chọn đợt)"</option>
                        {move || others().into_iter().map(|c| view! { <option value=c.code.clone()>{c.code.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" id="tree-copy" on:click=check_copy>"Xem trước bản sao"</button>
            </div>
            {move || match step.get() {
                Step::Idle => None,
                Step::Sending(share) => Some(view! {
                    <div class="progress-line">
                        <progress id="tree-progress" max="100" value=(share * 100.0).round()></progress>
                        " Đang gửi tệp… " {format!("{:.0}%", share * 100.0)}
                    </div>
                }.into_any()),
                Step::Checking => Some(view! {
                    <div class="progress-line"><progress id="tree-progress"></progress>" Máy chủ đang kiểm tra…"</div>
                }.into_any()),
                Step::Failed(e) => Some(view! { <p class="status error" role="alert">{e}</p> }.into_any()),
                Step::Previewed(p) => Some(view! { <PreviewView preview=p apply=apply.clone() learn=learn.clone()/> }.into_any()),
            }}
        </section>
        <KindsCard/>
        <UnitBrowser tree_version/>
    }
}

/// What a file would change, or its problems.
#[component]
fn PreviewView(
    preview: TreePreview,
    apply: impl Fn(()) + Clone + Send + Sync + 'static,
    learn: impl Fn(String, String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let clean = preview.problems.is_empty();
    let noop = clean && preview.changes_total == 0;
    let summary = format!(
        "{} dòng: thêm {}, cập nhật {}, giữ nguyên {}, xoá {}, ngừng hoạt động {}.",
        preview.rows,
        preview.added,
        preview.updated,
        preview.unchanged,
        preview.removed,
        preview.deactivated
    );
    let notices = preview.notices.clone();
    view! {
        <div class="preview" id="tree-preview" data-applied=preview.applied.to_string()>
            {(!notices.is_empty()).then(|| view! {
                <ul class="notices" role="status">{notices.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            })}
            {if !clean {
                view! {
                    <p class="status error" role="alert">
                        {format!("Tệp có {} lỗi, chưa nhập được. Sửa tệp rồi kiểm tra lại.", preview.problems_total)}
                    </p>
                    <table class="problems">
                        <thead><tr><th>"Dòng"</th><th>"Lỗi"</th></tr></thead>
                        <tbody>
                            {preview.problems.into_iter().map(|p| {
                                let choose = p.spelled.clone().filter(|_| !p.choices.is_empty()).map(|spelled| {
                                    let chosen = RwSignal::new(p.choices[0].code.clone());
                                    let learn = learn.clone();
                                    view! {
                                        <div class="kind-choice">
                                            <select prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                                                {p.choices.iter().map(|c| view! { <option value=c.code.clone()>{c.name.clone()}</option> }).collect_view()}
                                            </select>
                                            <button type="button" class="learn-kind" on:click=move |_| learn(chosen.get_untracked(), spelled.clone())>
                                                "Ghi nhận cách viết này là loại đã chọn"
                                            </button>
                                        </div>
                                    }
                                });
                                view! {
                                    <tr data-code=p.code><td>{p.line}</td><td>{p.message}{choose}</td></tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            } else if preview.applied {
                view! { <p class="status ok" role="status" id="tree-applied">"Đã áp dụng. " {summary}</p> }.into_any()
            } else if noop {
                view! { <p class="status ok" role="status">"Không có gì thay đổi. " {summary}</p> }.into_any()
            } else {
                let more = preview.changes_total.saturating_sub(preview.changes.len() as u64);
                view! {
                    <p class="status" role="status">"Tệp hợp lệ. " {summary}</p>
                    <table class="changes">
                        <thead><tr><th>"Mã"</th><th>"Tên"</th><th>"Thay đổi"</th></tr></thead>
                        <tbody>
                            {preview.changes.into_iter().map(|c| view! {
                                <tr><td>{c.code}</td><td>{c.name}</td><td>{c.what}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(more > 0).then(|| view! { <p>{format!("… và {more} thay đổi khác.")}</p> })}
                    <button type="button" class="primary" id="tree-apply" on:click={
                        let apply = apply.clone();
                        move |_| apply(())
                    }>"Áp dụng các thay đổi"</button>
                }.into_any()
            }}
        </div>
    }
}

/// Walks the tree from the top of the administrator's reach, and edits it.
#[component]
fn UnitBrowser(tree_version: RwSignal<u32>) -> impl IntoView {
    let ctx = use_admin();
    let campaign = ctx.campaign.get_untracked();
    let parent = RwSignal::new(None::<String>);
    let listing = RwSignal::new(None::<Result<AdminUnits, String>>);
    let notice = RwSignal::new(Notice::None);
    let load = {
        let campaign = campaign.clone();
        move || {
            let campaign = campaign.clone();
            let p = parent.get_untracked();
            spawn_local(async move {
                let path = match &p {
                    Some(code) => routes::campaign(&campaign, &format!("/units?parent={code}")),
                    None => routes::campaign(&campaign, "/units"),
                };
                listing.set(Some(
                    api::get_json::<AdminUnits>(&path)
                        .await
                        .map_err(|e| e.message()),
                ));
            });
        }
    };
    Effect::new({
        let load = load.clone();
        move |_| {
            let _ = (tree_version.get(), parent.get());
            load();
        }
    });
    let change = {
        let campaign = campaign.clone();
        move |code: String, change: UnitChange| {
            let campaign = campaign.clone();
            spawn_local(async move {
                let path = routes::campaign(&campaign, &format!("/units/{code}"));
                match api::send_json::<_, AdminUnit>("PATCH", &path, Some(&change)).await {
                    Ok(u) => {
                        notice.set(Notice::Done(format!(
                            "Đã lưu đơn vị {} ({}).",
                            u.name, u.code
                        )));
                        tree_version.update(|v| *v += 1);
                    }
                    Err(e) => notice.set(Notice::Failed(e.message())),
                }
            });
        }
    };
    let (new_code, new_name, new_kind) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("truong_tieu_hoc".to_owned()),
    );
    let add = {
        let campaign = campaign.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(p) = parent.get_untracked() else {
                return;
            };
            let body = NewUnit {
                code: new_code.get_untracked(),
                name: new_name.get_untracked(),
                kind: new_kind.get_untracked(),
                parent: p,
            };
            let campaign = campaign.clone();
            spawn_local(async move {
                match api::send_json::<_, AdminUnit>(
                    "POST",
                    &routes::campaign(&campaign, "/units"),
                    Some(&body),
                )
                .await
                {
                    Ok(u) => {
                        notice.set(Notice::Done(format!("Đã thêm {} ({}).", u.name, u.code)));
                        new_code.set(String::new());
                        new_name.set(String::new());
                        tree_version.update(|v| *v += 1);
                    }
                    Err(e) => notice.set(Notice::Failed(e.message())),
                }
            });
        }
    };
    view! {
        <section class="card">
            <h2>"Các đơn vị"</h2>
            <NoticeView notice/>
            {move || {
                let change = change.clone();
                match listing.get() {
                None => view! { <p class="status">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
                Some(Ok(l)) => { let empty = l.units.is_empty(); view! {
                    {l.parent.map(|p| {
                        let up = p.parent.clone();
                        view! {
                            <p class="path">
                                <button type="button" class="link" on:click=move |_| parent.set(up.clone())>"↑ Lên một cấp"</button>
                                " " <strong>{p.name}</strong> " (" {p.code} ")"
                            </p>
                        }
                    })}
                    {l.units.is_empty().then(|| view! { <p>"Chưa có đơn vị nào. Hãy nhập cây từ tệp hoặc sao chép từ đợt trước."</p> })}
                    <table class="units" class:empty=empty>
                        <thead><tr><th>"Mã"</th><th>"Tên"</th><th>"Loại"</th><th>"Trực thuộc"</th><th>"Chuyển sang (mã cấp trên)"</th><th></th></tr></thead>
                        <tbody>
                            {l.units.into_iter().map(|u| view! { <UnitRow unit=u parent change=change.clone()/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any() }
            }}}
            {move || parent.get().map(|p| view! {
                <form class="add-unit" on:submit=add.clone()>
                    <strong>{format!("Thêm đơn vị vào {p}: ")}</strong>
                    <input placeholder="Mã" bind:value=new_code size="12" required/>
                    <input placeholder="Tên đơn vị" bind:value=new_name required/>
                    <select prop:value=move || new_kind.get() on:change=move |ev| new_kind.set(event_target_value(&ev))>
                        {move || ctx.kinds.get().into_iter().map(|k| view! { <option value=k.code>{k.name}</option> }).collect_view()}
                    </select>
                    <button type="submit">"Thêm"</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn UnitRow(
    unit: AdminUnit,
    parent: RwSignal<Option<String>>,
    change: impl Fn(String, UnitChange) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(unit.name.clone());
    let move_to = RwSignal::new(String::new());
    let predecessor = RwSignal::new(unit.predecessor.clone().unwrap_or_default());
    let code = unit.code.clone();
    let kind = use_admin().kind_name(&unit.kind);
    let (c1, c2, c3, c5, c6) = (
        change.clone(),
        change.clone(),
        change.clone(),
        change.clone(),
        change,
    );
    let (k1, k2, k3, k4, k5, k6) = (
        code.clone(),
        code.clone(),
        code.clone(),
        code.clone(),
        code.clone(),
        code.clone(),
    );
    let active = unit.active;
    let asked = unit.asked;
    view! {
        <tr data-unit=code.clone() class:inactive=!active>
            <td>{code.clone()}</td>
            <td>
                <input class="unit-name" bind:value=name/>
                <button type="button" on:click=move |_| c1(k1.clone(), UnitChange { name: Some(name.get_untracked()), ..UnitChange::default() })>"Đổi tên"</button>
                {(!active).then_some(" (ngừng hoạt động)")}
                {asked.then_some(" (được đề nghị, không bắt buộc)")}
                // The unit of last year it continues, when its code changed (a merged
                // province, a renumbered school): its "last year" is that unit's.
                <label class="predecessor">" Mã năm trước: "
                    <input class="unit-predecessor" bind:value=predecessor size="10" placeholder=code.clone()/>
                </label>
                <button type="button" class="set-predecessor" on:click=move |_| c6(k6.clone(), UnitChange { predecessor: Some(predecessor.get_untracked()), ..UnitChange::default() })>"Lưu mã năm trước"</button>
            </td>
            <td>{kind}</td>
            <td>
                {if unit.children > 0 {
                    view! { <button type="button" class="link" on:click=move |_| parent.set(Some(k4.clone()))>{format!("{} đơn vị ›", unit.children)}</button> }.into_any()
                } else {
                    view! { <button type="button" class="link" on:click=move |_| parent.set(Some(k4.clone()))>"Thêm trực thuộc ›"</button> }.into_any()
                }}
            </td>
            <td>
                <input class="unit-move" bind:value=move_to size="10"/>
                <button type="button" on:click=move |_| c2(k2.clone(), UnitChange { parent: Some(move_to.get_untracked()), ..UnitChange::default() })>"Chuyển"</button>
            </td>
            <td>
                <button type="button" on:click=move |_| c3(k3.clone(), UnitChange { active: Some(!active), ..UnitChange::default() })>
                    {if active { "Ngừng hoạt động" } else { "Hoạt động lại" }}
                </button>
                <button type="button" class="asked" on:click=move |_| c5(k5.clone(), UnitChange { asked: Some(!asked), ..UnitChange::default() })>
                    {if asked { "Bắt buộc báo cáo" } else { "Chỉ đề nghị báo cáo" }}
                </button>
            </td>
        </tr>
    }
}

/// The kinds of unit: the shipped ones and those administrators added, each with its
/// group, whether its units are asked or required, and its spellings; and a form to add
/// one (for every campaign).
#[component]
fn KindsCard() -> impl IntoView {
    let ctx = use_admin();
    let campaign = ctx.campaign.get_untracked();
    let notice = RwSignal::new(Notice::None);
    let (code, name, aliases) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let group = RwSignal::new(KindGroup::School.code().to_owned());
    let asked = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = KindDef {
            code: code.get_untracked().trim().to_owned(),
            name: name.get_untracked(),
            aliases: aliases
                .get_untracked()
                .split([';', '\n'])
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            group: KindGroup::from_code(&group.get_untracked()).unwrap_or(KindGroup::School),
            asked: asked.get_untracked(),
            builtin: false,
        };
        let path = routes::campaign(&campaign, "/unit-kinds");
        spawn_local(async move {
            match api::send_json::<_, KindDef>("POST", &path, Some(&body)).await {
                Ok(k) => {
                    notice.set(Notice::Done(format!("Đã thêm loại đơn vị {}.", k.name)));
                    code.set(String::new());
                    name.set(String::new());
                    aliases.set(String::new());
                    ctx.reload_kinds();
                }
                Err(e) => notice.set(Notice::Failed(e.message())),
            }
        });
    };
    view! {
        <section class="card kinds">
            <details>
                <summary><h2>"Loại đơn vị"</h2></summary>
                <p class="hint">"Dùng chung cho mọi đợt. Cách viết: những cách tệp Excel ghi loại này (không phân biệt hoa thường, có dấu hay không)."</p>
                <table class="kinds">
                    <thead><tr><th>"Mã"</th><th>"Tên"</th><th>"Nhóm"</th><th>"Báo cáo"</th><th>"Cách viết"</th></tr></thead>
                    <tbody>
                        {move || ctx.kinds.get().into_iter().map(|k| view! {
                            <tr data-kind=k.code.clone()>
                                <td>{k.code.clone()}</td>
                                <td>{k.name.clone()}</td>
                                <td>{k.group.label()}</td>
                                <td>{if k.asked { "được đề nghị" } else { "bắt buộc" }}</td>
                                <td>{k.aliases.join("; ")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <NoticeView notice/>
                <form class="add-kind" on:submit=add>
                    <strong>"Thêm loại đơn vị: "</strong>
                    <input name="kind-code" placeholder="Mã (vd: truong_ptdtbt_th)" bind:value=code size="18" required/>
                    <input name="kind-name" placeholder="Tên" bind:value=name required/>
                    <select name="kind-group" prop:value=move || group.get() on:change=move |ev| group.set(event_target_value(&ev))>
                        {KindGroup::ALL.into_iter().map(|g| view! { <option value=g.code()>{g.label()}</option> }).collect_view()}
                    </select>
                    <label><input type="checkbox" name="kind-asked" bind:checked=asked/>" Chỉ đề nghị báo cáo"</label>
                    <input name="kind-aliases" placeholder="Các cách viết khác, cách nhau bởi dấu ;" bind:value=aliases/>
                    <button type="submit">"Thêm loại"</button>
                </form>
            </details>
        </section>
    }
}
