//! The supervisor's dashboard: the consolidated form of a subtree and how complete it
//! is, live (server-sent events), walking down the tree to one unit's report, which can
//! be returned with a reason or approved.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{
    ChildProgress, ChildrenDeadline, Completeness, Dashboard, DashboardUpdate, Deadlines,
    FigureMode, MISSING_PAGE_MAX, MissingDetail, MissingUnits, Narrative, Reminded, Role, UnitRef,
    format_date, format_day, package_label, reminder_text, routes,
};
use tuanle_shared::{FormDef, Sums};

use super::Load;
use super::documents::DocumentButtons;
use super::packages::{OpenPackage, PackagePanel, SignOffView, status_key};
use crate::api;
use crate::form_view::FiguresTable;
use crate::live::{EventStream, Heard, ago};
use crate::nav::{Page, Redirect};
use crate::session::use_session;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    let Some(me) = session.0.get_untracked() else {
        return view! { <Redirect page=Page::SignIn/> }.into_any();
    };
    let Some(root) = me
        .unit_code
        .filter(|_| matches!(me.role, Role::Supervisor | Role::Observer))
    else {
        return view! { <p class="status">"Trang tổng hợp dành cho tài khoản giám sát hoặc theo dõi của một đơn vị."</p> }.into_any();
    };
    let state = RwSignal::new(Load::Pending);
    spawn_local(async move { state.set(super::campaign_and_form().await) });
    (move || match state.get() {
        Load::Pending => view! { <p class="status">"Đang tải…"</p> }.into_any(),
        Load::Failed(e) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
        Load::Ready { campaign, form } => {
            view! { <DashboardView campaign=campaign.code year=campaign.year form=form root=root.clone()/> }.into_any()
        }
    })
    .into_any()
}

/// How the dashboard offers each kind of figures, and says which it shows.
fn choice(mode: FigureMode) -> &'static str {
    match mode {
        FigureMode::Official => {
            "Số liệu chính thức (đã chốt: gói số liệu và báo cáo đơn vị trực thuộc đã được chấp nhận)"
        }
        FigureMode::Final => "Tạm tính: mọi báo cáo đã nộp",
        FigureMode::Provisional => "Tạm tính: mọi báo cáo đã đồng bộ, kể cả bản nháp",
    }
}

fn shown(mode: FigureMode) -> &'static str {
    match mode {
        FigureMode::Official => {
            "Đang xem: SỐ LIỆU CHÍNH THỨC, gồm báo cáo riêng đã nộp, báo cáo đã duyệt và gói số liệu đã chấp nhận của đơn vị trực thuộc."
        }
        FigureMode::Final => {
            "Đang xem: SỐ LIỆU TẠM TÍNH theo báo cáo đã nộp, chưa qua chốt số liệu."
        }
        FigureMode::Provisional => "Đang xem: SỐ LIỆU TẠM TÍNH, gồm cả báo cáo chưa nộp.",
    }
}

/// Whether the person signed in only observes (reads, changes nothing).
pub(super) fn observing() -> bool {
    use_session()
        .0
        .with_untracked(|me| me.as_ref().is_some_and(|m| m.role == Role::Observer))
}

#[component]
fn DashboardView(campaign: String, year: i32, form: Arc<FormDef>, root: String) -> impl IntoView {
    let campaign = StoredValue::new(campaign);
    let unit = RwSignal::new(root);
    let mode = RwSignal::new(FigureMode::Final);
    let data = RwSignal::new(None::<Result<Dashboard, String>>);
    let reviewing = RwSignal::new(None::<UnitRef>);
    let package_open = RwSignal::new(None::<OpenPackage>);
    let printing = RwSignal::new(false);
    let live = RwSignal::new(false);
    // When the figures shown last changed (this device's clock), for "cập nhật … trước".
    let updated = RwSignal::new(None::<f64>);
    let stream = StoredValue::new_local(None::<EventStream>);
    // The form the figures are laid out by: the one the server names in its answer. A
    // device that has not yet heard of a campaign's new form keeps the previous one, and
    // its slots read by the wrong form would show numbers on the wrong rows.
    let form = RwSignal::new(form);
    Effect::new(move || {
        let named = data.with(|d| match d {
            Some(Ok(d)) => Some(d.form_version.clone()),
            _ => None,
        });
        if let Some(named) = named
            && form.with_untracked(|f| f.version() != named)
        {
            spawn_local(async move {
                if let Ok(named) = super::version_form(&named).await {
                    form.try_set(Arc::new(named));
                }
            });
        }
    });

    // One request at a time per unit: events that arrive during one ask for one more
    // after it. Moving to another unit starts its own at once; the late answer for the
    // unit left is dropped. The live updates that arrive while a request is out are kept
    // and applied over its answer (those read before it are in it already).
    let fetching = StoredValue::new(None::<String>);
    let again = StoredValue::new(false);
    let arrived = StoredValue::new(Vec::<DashboardUpdate>::new());
    let refresh = move || {
        let Some(code) = unit.try_get_untracked() else {
            return;
        };
        if fetching.try_get_value().flatten().as_deref() == Some(code.as_str()) {
            again.try_set_value(true);
            return;
        }
        fetching.set_value(Some(code.clone()));
        again.set_value(false);
        arrived.set_value(Vec::new());
        spawn_local(async move {
            loop {
                again.try_set_value(false);
                let path = routes::dashboard(&campaign.get_value(), &code, false);
                let result = api::retrying(3, || api::get_sums::<Dashboard>(&path))
                    .await
                    .map_err(|e| e.message());
                if unit.try_get_untracked().as_deref() != Some(code.as_str()) {
                    return;
                }
                let late = arrived.try_update_value(std::mem::take).unwrap_or_default();
                let result = result.map(|mut fresh| {
                    for update in late {
                        fresh.apply(update);
                    }
                    fresh
                });
                data.try_set(Some(result));
                updated.try_set(Some(crate::device::now_ms()));
                if again.try_get_value() != Some(true) {
                    break;
                }
            }
            fetching.try_set_value(None);
        });
    };
    // The list of missing units moves with their count, read again at most every few
    // seconds (one list for every event of a deadline's last hour).
    let missing_due = RwSignal::new(0u64);
    let on_update = move |update: DashboardUpdate| {
        // Every child: the campaign's tree may have changed (names, deadlines), or the
        // stream missed some: the view is read again, the figures shown meanwhile.
        if update.every_child {
            refresh();
        }
        let Some(code) = unit.try_get_untracked() else {
            return;
        };
        if fetching.try_get_value().flatten().is_some() {
            arrived.try_update_value(|a| a.push(update.clone()));
        }
        let (mut moved, mut took) = (false, false);
        data.try_update(|d| {
            if let Some(Ok(d)) = d
                && d.unit.code == code
            {
                let missing = d.missing_total;
                took = d.apply(update);
                moved = d.missing_total != missing;
            }
        });
        if took {
            updated.try_set(Some(crate::device::now_ms()));
        }
        if moved {
            missing_due.try_update(|n| *n += 1);
        }
    };
    // The stream first, then the request once it is open: nothing that moves between
    // the two is missed. Should the stream not open, the request goes anyway.
    Effect::new(move |_| {
        let code = unit.get();
        live.set(false);
        let url = routes::dashboard(&campaign.get_value(), &code, true);
        let opened = EventStream::open(&url, move |heard| match heard {
            Heard::Ready { .. } => {
                live.try_set(true);
                // Opened, or reopened after a cut: read what the stream did not say.
                refresh();
            }
            Heard::Changed(json) => match crate::json::from_str_exact::<DashboardUpdate>(&json) {
                Ok(update) => on_update(update),
                Err(_) => refresh(),
            },
            Heard::Lost => {
                live.try_set(false);
            }
        });
        let opens = opened.is_some();
        stream.set_value(opened);
        let wait = if opens { 3_000 } else { 0 };
        set_timeout(
            move || {
                let loaded =
                    data.try_with_untracked(|d| matches!(d, Some(Ok(d)) if d.unit.code == code));
                if loaded == Some(false) && fetching.try_get_value() == Some(None) {
                    refresh();
                }
            },
            std::time::Duration::from_millis(wait),
        );
    });
    on_cleanup(move || stream.set_value(None));
    let now = RwSignal::new(crate::device::now_ms());
    let clock = set_interval_with_handle(
        move || {
            now.try_set(crate::device::now_ms());
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(c) = clock {
            c.clear();
        }
    });
    let freshness = move || {
        let ago = updated.get().map(|t| ago(now.get() - t));
        match (live.get(), ago) {
            (true, Some(ago)) => format!("Cập nhật trực tiếp · cập nhật {ago}."),
            (true, None) => "Cập nhật trực tiếp.".to_owned(),
            (false, Some(ago)) => {
                format!("Đang kết nối lại để cập nhật trực tiếp… Số liệu cập nhật {ago}.")
            }
            (false, None) => "Đang kết nối để cập nhật trực tiếp…".to_owned(),
        }
    };

    // The parts that move rarely are drawn again only when they change, not on every
    // event (a date being typed into the deadline field stays).
    let head = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok(d)) => Some(Ok(Head {
                path: d.path.clone(),
                unit: d.unit.clone(),
                deadlines: d.deadlines.clone(),
                consolidates: !d.children.is_empty(),
            })),
            Some(Err(e)) => Some(Err(e.clone())),
            None => None,
        })
    });
    let sign_off = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok(d)) if !d.children.is_empty() => Some((
                d.unit.clone(),
                d.package.clone(),
                d.path.len() == 1,
                d.missing_total,
            )),
            _ => None,
        })
    });

    let figures = Signal::derive(move || {
        data.with(|d| match d {
            Some(Ok(d)) => {
                let slots = match mode.get() {
                    FigureMode::Official => &d.official_figures,
                    FigureMode::Final => &d.final_figures,
                    FigureMode::Provisional => &d.provisional_figures,
                };
                form.with(|f| {
                    (f.version() == d.form_version)
                        .then(|| Sums::from_slots(f, slots.clone()))
                        .flatten()
                })
            }
            _ => None,
        })
    });

    view! {
        {move || printing.get().then(|| view! {
            <PrintView campaign=campaign.get_value() form=form.get() unit=unit.get_untracked() mode=mode.get_untracked() printing=printing/>
        })}
        <div class="dashboard" class:hidden=move || printing.get()>
        {move || match head.get() {
            None => view! { <p class="status">"Đang tải số liệu tổng hợp…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
            Some(Ok(h)) => view! {
                <nav class="breadcrumb" aria-label="Cây đơn vị">
                    {h.path.iter().cloned().enumerate().map(|(i, u)| {
                        let last = i + 1 == h.path.len();
                        let code = u.code.clone();
                        view! {
                            {(i > 0).then_some(" › ")}
                            {if last {
                                view! { <strong>{u.name}</strong> }.into_any()
                            } else {
                                view! { <button type="button" class="link" on:click=move |_| { reviewing.set(None); package_open.set(None); unit.set(code.clone()); }>{u.name}</button> }.into_any()
                            }}
                        }
                    }).collect_view()}
                </nav>
                <h1 data-unit=h.unit.code.clone()>{h.unit.name.clone()}</h1>
                <p class="live" data-live=move || live.get().to_string()>{freshness}</p>
                <DeadlinesView
                    campaign=campaign.get_value()
                    unit=h.unit.code.clone()
                    deadlines=h.deadlines.clone()
                    mine=h.path.len() == 1 && h.consolidates && !observing()
                    on_change=Callback::new(move |_| refresh())
                />
                {move || sign_off.get().map(|(own, package, mine, missing)| view! {
                    <SignOffView
                        campaign=campaign.get_value()
                        unit=own.code.clone()
                        name=own.name.clone()
                        package=package
                        mine=mine && !observing()
                        missing=missing
                        opening=package_open
                        on_change=Callback::new(move |_| refresh())
                    />
                })}
                <CompletenessView data=data own=h.unit.clone() unit=unit reviewing=reviewing packages=package_open/>
                <MissingList campaign=campaign.get_value() year=year unit=h.unit.code.clone() from=h.unit.name.clone() data=data due=missing_due/>
            }.into_any(),
        }}
        {move || package_open.get().map(|open| view! {
            <PackagePanel campaign=campaign.get_value() form=form.get() open=open opening=package_open on_change=Callback::new(move |_| refresh())/>
        })}
        {move || reviewing.get().map(|u| view! {
            <super::review::ReviewPanel campaign=campaign.get_value() form=form.get() unit=u reviewing=reviewing on_change=Callback::new(move |_| refresh())/>
        })}
        <section class="card consolidated">
            <div class="mode" role="radiogroup" aria-label="Loại số liệu">
                {FigureMode::ALL.into_iter().map(|m| view! {
                    <label>
                        <input type="radio" name="mode" value=m.as_str() prop:checked=move || mode.get() == m on:change=move |_| mode.set(m)/>
                        {choice(m)}
                    </label>
                }).collect_view()}
            </div>
            <p class="mode-label" data-mode=move || mode.get().as_str()>{move || shown(mode.get())}</p>
            <div class="export-actions">
                <DocumentButtons campaign=campaign.get_value() unit=unit.into() mode=mode.into()
                    editable=Signal::derive(move || !observing() && head.with(|h| matches!(h, Some(Ok(h)) if h.path.len() == 1)))/>
                <button type="button" class="secondary print" on:click=move |_| printing.set(true)>"In báo cáo tổng kết"</button>
            </div>
            {move || view! { <FiguresTable form=form.get() figures=figures/> }}
        </section>
        </div>
    }
}

/// The narrative report (BÁO CÁO TỔNG KẾT TUẦN LỄ) of the unit's subtree, styled for
/// paper: sections I and II in the official order, texts gathered by unit, the table.
#[component]
fn PrintView(
    campaign: String,
    form: Arc<FormDef>,
    unit: String,
    mode: FigureMode,
    printing: RwSignal<bool>,
) -> impl IntoView {
    let narrative = RwSignal::new(None::<Result<Narrative, String>>);
    let path = routes::narrative(&campaign, &unit, mode);
    spawn_local(async move {
        let result = api::get_sums::<Narrative>(&path)
            .await
            .map_err(|e| e.message());
        narrative.try_set(Some(result));
    });
    let form = StoredValue::new(form);
    view! {
        <article class="print-report">
            <div class="no-print print-actions">
                <button type="button" class="primary" on:click=move |_| crate::device::print()>"In"</button>
                <button type="button" class="secondary" on:click=move |_| printing.set(false)>"Quay lại"</button>
            </div>
            {move || match narrative.get() {
                None => view! { <p class="status">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="status error">{e}</p> }.into_any(),
                Some(Ok(n)) => {
                    let figures = StoredValue::new(form.with_value(|f| Sums::from_slots(f, n.figures.clone())));
                    let texts_of = |code: &str| n.texts.iter().find(|t| t.code == code).map(|t| t.texts.clone()).unwrap_or_default();
                    let sections = form.with_value(|f| f.sections().to_vec());
                    let other = texts_of("11");
                    let money = |code: &str| -> String {
                        form.with_value(|f| {
                            let row = f.row_index(&code.parse().ok()?)?;
                            let v = figures.with_value(|fig| fig.as_ref().and_then(|fig| fig.value(f, row, tuanle_shared::Column::Count)))?;
                            Some(format!("{}: {} đồng", f.rows()[row].label, tuanle_shared::format_number(v)))
                        })
                        .unwrap_or_default()
                    };
                    view! {
                        <p class="print-unit">{n.unit_name.clone()}</p>
                        <h1 class="print-title">"BÁO CÁO TỔNG KẾT TUẦN LỄ"</h1>
                        <p class="print-sub">
                            "Tuần lễ hưởng ứng học tập suốt đời năm " {n.year}
                            {format!(" — {}", n.mode.label())}
                        </p>
                        {sections.into_iter().map(|s| view! {
                            <h2>{format!("{}. {}", s.code, s.label)}</h2>
                            {s.items.into_iter().map(|item| {
                                let number = item.code.as_str().rsplit('.').next().unwrap_or_default().to_owned();
                                let texts = texts_of(item.code.as_str());
                                let shown: Vec<String> = item.shows_rows.iter().filter_map(|i| form.with_value(|f| f.rows().get(*i).map(|r| r.code.to_string()))).map(|c| money(&c)).collect();
                                view! {
                                    <h3>{format!("{number}. {}", item.label)}</h3>
                                    {shown.into_iter().map(|l| view! { <p>"- " {l}</p> }).collect_view()}
                                    {if item.kind == tuanle_shared::form::ItemKind::Table {
                                        view! { <FiguresTable form=form.get_value() figures=Signal::derive(move || figures.get_value())/> }.into_any()
                                    } else if texts.is_empty() {
                                        view! { <p class="empty">"(Chưa có nội dung.)"</p> }.into_any()
                                    } else {
                                        texts.into_iter().map(|t| view! { <p>{t}</p> }).collect_view().into_any()
                                    }}
                                }
                            }).collect_view()}
                        }).collect_view()}
                        {(!other.is_empty()).then(|| view! {
                            <h3>"11. Các nội dung khác"</h3>
                            {other.into_iter().map(|t| view! { <p>{t}</p> }).collect_view()}
                        })}
                    }.into_any()
                }
            }}
        </article>
    }
}

/// The share of each state, as a stacked bar (an SVG, no chart library).
fn bar(c: &Completeness) -> impl IntoView + use<> {
    let total = c.units.max(1) as f64;
    let parts = [
        (c.approved, "approved"),
        (c.on_time, "on-time"),
        (c.late, "late"),
        (c.returned, "returned"),
        (c.draft, "draft"),
        (c.not_started, "not-started"),
    ];
    let mut x = 0.0;
    let rects = parts
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, class)| {
            let w = n as f64 / total * 100.0;
            let r = view! { <rect class=class x=format!("{x:.2}") y="0" width=format!("{w:.2}") height="10"/> };
            x += w;
            r
        })
        .collect_view();
    view! { <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img">{rects}</svg> }
}

fn counts(c: &Completeness) -> String {
    format!(
        "{}/{} đã nộp (đúng hạn {}, muộn {}, đã duyệt {}); bị trả lại {}; chỉ có bản nháp {}; chưa bắt đầu {}",
        c.done(),
        c.units,
        c.on_time,
        c.late,
        c.approved,
        c.returned,
        c.draft,
        c.not_started
    )
}

/// The names of the kinds of unit by code (kinds are data: administrators add some), as
/// last read, then from the server.
fn kind_names() -> RwSignal<Vec<(String, String)>> {
    const KEY: &str = "unit-kinds";
    let names =
        RwSignal::new(crate::storage::cached::<Vec<(String, String)>>(KEY).unwrap_or_default());
    spawn_local(async move {
        if let Ok(kinds) =
            api::get_json::<Vec<tuanle_shared::tree::KindDef>>(routes::UNIT_KINDS).await
        {
            let by_code: Vec<(String, String)> =
                kinds.into_iter().map(|k| (k.code, k.name)).collect();
            crate::storage::cache(KEY, &by_code);
            names.try_set(by_code);
        }
    });
    names
}

#[component]
fn CompletenessView(
    data: RwSignal<Option<Result<Dashboard, String>>>,
    own: UnitRef,
    unit: RwSignal<String>,
    reviewing: RwSignal<Option<UnitRef>>,
    packages: RwSignal<Option<OpenPackage>>,
) -> impl IntoView {
    // Drawn again as live updates come: the counts, and only the children's rows that
    // changed (a button being pressed in another row stays).
    let summary = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok(d)) => (d.completeness, d.by_kind.clone()),
            _ => Default::default(),
        })
    });
    let kinds = kind_names();
    let kind_name = move |code: &str| {
        kinds.with(|k| {
            k.iter()
                .find(|(c, _)| c == code)
                .map_or_else(|| code.to_owned(), |(_, n)| n.clone())
        })
    };
    let order = RwSignal::new(ChildOrder::Progress);
    let only = RwSignal::new(ChildFilter::All);
    let rows = Memo::new(move |_| {
        let mut rows = data.with(|d| match d {
            Some(Ok(d)) => d.children.clone(),
            _ => Vec::new(),
        });
        let keep = only.get();
        rows.retain(|ch| keep.keeps(ch));
        order.get().sort(&mut rows);
        rows
    });
    view! {
        <section class="card completeness">
            <h2>"Tiến độ báo cáo"</h2>
            {move || {
                let (c, by_kind) = summary.get();
                view! {
                    <p class="counts" data-done=c.done() data-units=c.units>{counts(&c)}</p>
                    {(by_kind.len() > 1).then(|| view! {
                        <ul class="by-kind" aria-label="Theo loại đơn vị">
                            {by_kind.iter().map(|k| {
                                let label = kind_name(&k.kind);
                                let share = (k.done * 100).checked_div(k.units).unwrap_or(0);
                                view! { <li data-kind=k.kind.clone() data-done=k.done data-units=k.units>{format!("{label}: {}/{} ({share}%)", k.done, k.units)}</li> }
                            }).collect_view()}
                        </ul>
                    })}
                    {bar(&c)}
                }
            }}
            <ul class="legend">
                <li><i class="approved"></i>"Đã duyệt"</li>
                <li><i class="on-time"></i>"Nộp đúng hạn"</li>
                <li><i class="late"></i>"Nộp muộn"</li>
                <li><i class="returned"></i>"Bị trả lại"</li>
                <li><i class="draft"></i>"Bản nháp"</li>
                <li><i class="not-started"></i>"Chưa bắt đầu"</li>
            </ul>
            <button type="button" class="secondary" on:click=move |_| reviewing.set(Some(own.clone()))>"Báo cáo riêng của đơn vị này"</button>
            <div class="child-controls">
                <label>"Sắp xếp "
                    <select name="child-order" on:change=move |ev| order.set(ChildOrder::from_key(&event_target_value(&ev)))>
                        {ChildOrder::ALL.into_iter().map(|o| view! { <option value=o.key() selected=move || order.get() == o>{o.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>" Lọc "
                    <select name="child-filter" on:change=move |ev| only.set(ChildFilter::from_key(&event_target_value(&ev)))>
                        {ChildFilter::ALL.into_iter().map(|f| view! { <option value=f.key() selected=move || only.get() == f>{f.label()}</option> }).collect_view()}
                    </select>
                </label>
                <span class="shown" data-shown=move || rows.with(Vec::len)>{move || format!(" {} đơn vị", rows.with(Vec::len))}</span>
            </div>
            <table class="children">
                <thead><tr><th>"Đơn vị trực thuộc"</th><th>"Đã nộp"</th><th>"Tiến độ"</th><th>"Cần xem"</th><th>"Gói số liệu"</th><th></th></tr></thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|ch| format!("{ch:?}")
                        children=move |ch| {
                            let code = ch.unit.code.clone();
                            let u = ch.unit.clone();
                            let cc = ch.completeness;
                            view! {
                                <tr data-child=code.clone()>
                                    <td>{ch.unit.name.clone()}</td>
                                    <td class="num" data-done=cc.done()>{format!("{}/{}", cc.done(), cc.units)}</td>
                                    <td class="chart" title=counts(&cc)>{bar(&cc)}</td>
                                    <td class="marks" data-flagged=cc.flagged data-follow-up=cc.follow_up data-late=cc.late>
                                        {(cc.late > 0).then(|| view! { <span class="mark late">{format!("{} nộp muộn", cc.late)}</span> })}
                                        {(cc.flagged > 0).then(|| view! { <span class="mark flagged">{format!("{} bất thường", cc.flagged)}</span> })}
                                        {(cc.follow_up > 0).then(|| view! { <span class="mark follow-up">{format!("{} cần theo dõi", cc.follow_up)}</span> })}
                                    </td>
                                    <td class="package" data-package-status=ch.has_children.then(|| status_key(ch.package.as_ref()))>
                                        {ch.has_children.then(|| package_label(ch.package.as_ref()))}
                                        {ch.asked.then_some(" (chỉ đề nghị báo cáo)")}
                                    </td>
                                    <td class="actions">
                                        {ch.package.clone().map(|p| {
                                            let open = OpenPackage { unit: code.clone(), name: ch.unit.name.clone(), seq: p.seq };
                                            view! { <button type="button" class="secondary open-package" on:click=move |_| { reviewing.set(None); packages.set(Some(open.clone())); }>"Xem gói số liệu"</button> }
                                        })}
                                        {ch.has_children.then(|| {
                                            let code = code.clone();
                                            view! { <button type="button" class="secondary open-child" on:click=move |_| { reviewing.set(None); packages.set(None); unit.set(code.clone()); }>"Xem tổng hợp"</button> }
                                        })}
                                        <button type="button" class="secondary open-report" on:click=move |_| reviewing.set(Some(u.clone()))>"Xem báo cáo"</button>
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </section>
    }
}

/// How the children's rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChildOrder {
    /// Least complete first: who to call.
    Progress,
    Late,
    Package,
    Flagged,
    Name,
}

impl ChildOrder {
    const ALL: [ChildOrder; 5] = [
        ChildOrder::Progress,
        ChildOrder::Late,
        ChildOrder::Package,
        ChildOrder::Flagged,
        ChildOrder::Name,
    ];

    fn key(self) -> &'static str {
        match self {
            ChildOrder::Progress => "progress",
            ChildOrder::Late => "late",
            ChildOrder::Package => "package",
            ChildOrder::Flagged => "flagged",
            ChildOrder::Name => "name",
        }
    }

    fn from_key(key: &str) -> ChildOrder {
        ChildOrder::ALL
            .into_iter()
            .find(|o| o.key() == key)
            .unwrap_or(ChildOrder::Progress)
    }

    fn label(self) -> &'static str {
        match self {
            ChildOrder::Progress => "Tiến độ (thấp trước)",
            ChildOrder::Late => "Nộp muộn (nhiều trước)",
            ChildOrder::Package => "Gói số liệu (chờ duyệt trước)",
            ChildOrder::Flagged => "Số liệu bất thường (nhiều trước)",
            ChildOrder::Name => "Tên",
        }
    }

    /// Sorts, ties by name in Vietnamese order (the browser's collation).
    fn sort(self, rows: &mut [ChildProgress]) {
        let package_rank = |c: &ChildProgress| match status_key(c.package.as_ref()) {
            "sent" => 0,
            "stale" => 1,
            "returned" => 2,
            "none" => 3,
            _ => 4,
        };
        // done / units, compared exactly as a share of 10,000.
        let progress = |c: &ChildProgress| {
            let n = &c.completeness;
            (n.done() * 10_000).checked_div(n.units).unwrap_or(10_000)
        };
        let first = |c: &ChildProgress| -> i64 {
            let n = &c.completeness;
            let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            match self {
                ChildOrder::Progress => signed(progress(c)),
                ChildOrder::Late => -signed(n.late),
                ChildOrder::Package => package_rank(c),
                ChildOrder::Flagged => -signed(n.flagged),
                ChildOrder::Name => 0,
            }
        };
        rows.sort_by(|a, b| {
            first(a)
                .cmp(&first(b))
                .then_with(|| crate::device::compare_names(&a.unit.name, &b.unit.name))
        });
    }
}

/// Which children's rows are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChildFilter {
    All,
    NotDone,
    Late,
    FollowUp,
    Flagged,
    PackageWaiting,
}

impl ChildFilter {
    const ALL: [ChildFilter; 6] = [
        ChildFilter::All,
        ChildFilter::NotDone,
        ChildFilter::Late,
        ChildFilter::FollowUp,
        ChildFilter::Flagged,
        ChildFilter::PackageWaiting,
    ];

    fn key(self) -> &'static str {
        match self {
            ChildFilter::All => "all",
            ChildFilter::NotDone => "not-done",
            ChildFilter::Late => "late",
            ChildFilter::FollowUp => "follow-up",
            ChildFilter::Flagged => "flagged",
            ChildFilter::PackageWaiting => "package-waiting",
        }
    }

    fn from_key(key: &str) -> ChildFilter {
        ChildFilter::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .unwrap_or(ChildFilter::All)
    }

    fn label(self) -> &'static str {
        match self {
            ChildFilter::All => "Tất cả",
            ChildFilter::NotDone => "Chưa nộp đủ",
            ChildFilter::Late => "Có nộp muộn",
            ChildFilter::FollowUp => "Cần theo dõi",
            ChildFilter::Flagged => "Có số liệu bất thường",
            ChildFilter::PackageWaiting => "Gói số liệu chờ duyệt",
        }
    }

    fn keeps(self, c: &ChildProgress) -> bool {
        let n = &c.completeness;
        match self {
            ChildFilter::All => true,
            ChildFilter::NotDone => n.done() < n.units,
            ChildFilter::Late => n.late > 0,
            ChildFilter::FollowUp => n.follow_up > 0,
            ChildFilter::Flagged => n.flagged > 0,
            ChildFilter::PackageWaiting => status_key(c.package.as_ref()) == "sent",
        }
    }
}

/// What the top of a dashboard shows, which moves only when the view is loaded again.
#[derive(Debug, Clone, PartialEq)]
struct Head {
    path: Vec<UnitRef>,
    unit: UnitRef,
    deadlines: Deadlines,
    consolidates: bool,
}

/// The shortest time between two readings of the missing list while its count moves.
const MISSING_EVERY_MS: f64 = 10_000.0;
/// How many missing units one "Xem thêm" adds.
const MISSING_MORE: u32 = 50;

/// The units still missing, page by page, read when the list is first opened (the view
/// itself carries only their count). When their count moves, the pages shown are read
/// again, no more often than every [`MISSING_EVERY_MS`], and only while the list is
/// open (on opening otherwise).
#[component]
fn MissingList(
    campaign: String,
    year: i32,
    unit: String,
    /// The viewer's unit, which the reminders come from.
    from: String,
    data: RwSignal<Option<Result<Dashboard, String>>>,
    due: RwSignal<u64>,
) -> impl IntoView {
    let total = Memo::new(move |_| {
        data.with(|d| {
            d.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, |d| d.missing_total)
        })
    });
    let units = RwSignal::new(Vec::<(UnitRef, MissingDetail)>::new());
    let failed = RwSignal::new(false);
    let open = RwSignal::new(false);
    // Nothing read yet: the first opening reads the first page.
    let stale = StoredValue::new(true);
    let last = StoredValue::new(0f64);
    let waiting = StoredValue::new(false);
    let path = StoredValue::new((campaign, unit));
    // Also called from a timer, which may fire after the list is gone: nothing then.
    let load = move |offset: u32, limit: u32| {
        let Some((c, u)) = path.try_get_value() else {
            return;
        };
        last.try_set_value(crate::device::now_ms());
        stale.try_set_value(false);
        spawn_local(async move {
            let url = routes::dashboard_missing(&c, &u, offset, limit);
            match api::get_json::<MissingUnits>(&url).await {
                Ok(page) => {
                    failed.try_set(false);
                    let details = page
                        .details
                        .into_iter()
                        .chain(std::iter::repeat_with(MissingDetail::default));
                    units.try_update(|list| {
                        list.truncate(page.offset as usize);
                        list.extend(page.units.into_iter().zip(details));
                    });
                }
                Err(_) => {
                    // Read again on the next opening, or when the count moves.
                    stale.try_set_value(true);
                    failed.try_set(true);
                }
            }
        });
    };
    let reload = move || {
        if let Some(shown) = units.try_with_untracked(Vec::len) {
            load(0, (shown as u32).clamp(MISSING_MORE, MISSING_PAGE_MAX));
        }
    };
    Effect::new(move |seen: Option<u64>| {
        let n = due.get();
        if seen.is_none() {
            return n;
        }
        if !open.get_untracked() {
            stale.set_value(true);
            return n;
        }
        let wait = last.get_value() + MISSING_EVERY_MS - crate::device::now_ms();
        if wait <= 0.0 {
            reload();
        } else if !waiting.get_value() {
            waiting.set_value(true);
            set_timeout(
                move || {
                    waiting.try_set_value(false);
                    reload();
                },
                std::time::Duration::from_millis(wait as u64),
            );
        }
        n
    });
    let toggled = move |ev: leptos::ev::Event| {
        let is_open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
        open.set(is_open);
        if is_open && stale.get_value() {
            reload();
        }
    };
    view! {
        <details class="missing" on:toggle=toggled data-total=move || total.get()>
            <summary>{move || format!("Đơn vị chưa nộp: {}", total.get())}</summary>
            <ul>{move || units.get().into_iter().map(|(u, d)| view! {
                <MissingUnit campaign=path.get_value().0 year=year from=from.clone() unit=u detail=d/>
            }).collect_view()}</ul>
            {move || failed.get().then(|| view! { <p class="muted">"Chưa tải được danh sách. Mở lại khi có mạng."</p> })}
            {move || (!failed.get() && units.with(Vec::is_empty) && total.get() > 0).then(|| view! { <p class="muted">"Đang tải…"</p> })}
            {move || units.with(|u| !u.is_empty() && u.len() < total.get() as usize).then(|| view! {
                <button type="button" class="secondary more-missing" on:click=move |_| {
                    let shown = units.with_untracked(Vec::len) as u32;
                    load(shown, MISSING_MORE);
                }>"Xem thêm"</button>
            })}
        </details>
    }
}

/// One unit not yet in: who to call, its deadline, the reminder's text to paste into a
/// message, and "Đã nhắc" to mark it sent, with the date and who marked it.
#[component]
fn MissingUnit(
    campaign: String,
    year: i32,
    from: String,
    unit: UnitRef,
    detail: MissingDetail,
) -> impl IntoView {
    let reminded = RwSignal::new(detail.reminded.clone());
    let failed = RwSignal::new(None::<String>);
    let text = reminder_text(
        &unit.name,
        &detail.contact,
        detail.deadline.as_deref(),
        year,
        &from,
    );
    let path = StoredValue::new(routes::unit_reminded(&campaign, &unit.code));
    let mark = move |_| {
        spawn_local(async move {
            match api::post_action::<Reminded>(&path.get_value()).await {
                Ok(r) => {
                    reminded.try_set(Some(r));
                }
                Err(e) => {
                    failed.try_set(Some(e.message()));
                }
            }
        });
    };
    let contact = detail.contact.clone();
    let copied = RwSignal::new(None::<&'static str>);
    let area = NodeRef::<leptos::html::Textarea>::new();
    let copy = {
        let text = text.clone();
        move |_| {
            let text = text.clone();
            spawn_local(async move {
                let said = if crate::device::copy_text(&text).await {
                    "Đã sao chép: dán vào tin nhắn."
                } else {
                    // Selected, for the person to copy by hand.
                    if let Some(area) = area.get_untracked() {
                        area.select();
                    }
                    "Chưa sao chép được: lời nhắc đã được chọn, nhấn giữ để sao chép."
                };
                copied.try_set(Some(said));
            });
        }
    };
    view! {
        <li data-code=unit.code.clone() class="missing-unit">
            <strong>{unit.name.clone()}</strong>
            {detail.deadline.clone().map(|d| view! { <span class="due">{format!(" · hạn {}", format_date(&d))}</span> })}
            {(contact.name.is_some() || contact.phone.is_some()).then(|| view! {
                <span class="contact">
                    " · " {contact.name.clone().unwrap_or_default()}
                    {contact.phone.clone().map(|p| view! { " " <a href=format!("tel:{}", p.replace(' ', ""))>{p.clone()}</a> })}
                </span>
            })}
            <details class="reminder">
                <summary>"Lời nhắc"</summary>
                <textarea readonly rows="4" class="reminder-text" node_ref=area>{text}</textarea>
                <button type="button" class="secondary copy-reminder" on:click=copy>"Sao chép lời nhắc"</button>
                {move || copied.get().map(|m| view! { <span class="copied" role="status">{m}</span> })}
                {(!observing()).then(|| view! {
                    <button type="button" class="secondary mark-reminded" on:click=mark>"Đã nhắc"</button>
                })}
            </details>
            {move || reminded.get().map(|r| view! {
                <span class="reminded">{format!("Đã nhắc {} ({})", format_day(r.at), r.by)}</span>
            })}
            {move || failed.get().map(|e| view! { <span class="status error">{e}</span> })}
        </li>
    }
}

/// The unit's deadline and its children's; on the supervisor's own unit, the children's
/// can be set earlier than the campaign's (a ward gives its schools time before its own).
#[component]
fn DeadlinesView(
    campaign: String,
    unit: String,
    deadlines: Deadlines,
    mine: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let chosen = RwSignal::new(
        deadlines
            .children_set
            .clone()
            .or(deadlines.children_by_campaign.clone())
            .unwrap_or_default(),
    );
    let message = RwSignal::new(None::<String>);
    let path = StoredValue::new(routes::children_deadline(&campaign, &unit));
    let save = move |due_on: Option<String>| {
        spawn_local(async move {
            let change = ChildrenDeadline { due_on };
            match api::send_json::<_, Deadlines>("PUT", &path.get_value(), Some(&change)).await {
                Ok(_) => {
                    message.try_set(Some("Đã lưu hạn nộp.".into()));
                    on_change.run(());
                }
                Err(e) => {
                    message.try_set(Some(e.message()));
                }
            }
        });
    };
    let date = |d: &Option<String>| {
        d.as_deref()
            .map(format_date)
            .unwrap_or_else(|| "chưa đặt".into())
    };
    let children = match (&deadlines.children_set, &deadlines.children_by_campaign) {
        (Some(set), by) => format!("{} (đơn vị đặt; theo đợt: {})", format_date(set), date(by)),
        (None, by) => format!("{} (theo đợt)", date(by)),
    };
    let was_set = deadlines.children_set.is_some();
    view! {
        <section class="card deadlines" data-children-deadline=deadlines.children_set.clone().or(deadlines.children_by_campaign.clone()).unwrap_or_default()>
            <p>"Hạn nộp của đơn vị: " {date(&deadlines.own)}</p>
            <p class="children-deadline">"Hạn nộp của các đơn vị trực thuộc: " {children}</p>
            {mine.then(|| view! {
                <div class="deadline-actions">
                    <label>"Đặt hạn cho các đơn vị trực thuộc"
                        <crate::date_field::DateField name="children-deadline" iso=chosen/>
                    </label>
                    <button type="button" class="secondary set-deadline" disabled=move || chosen.with(String::is_empty) on:click=move |_| save(Some(chosen.get_untracked()))>"Lưu hạn nộp"</button>
                    {was_set.then(|| view! {
                        <button type="button" class="link clear-deadline" on:click=move |_| save(None)>"Theo hạn của đợt"</button>
                    })}
                </div>
            })}
            {move || message.get().map(|m| view! { <p role="status" class="outcome">{m}</p> })}
        </section>
    }
}
