//! Accounts within reach: one for every unit of a level at once (their first passwords
//! shown once, and downloadable as a sheet to hand out), one at a time, a new password,
//! lock and unlock, role and unit.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::Role;
use tuanle_shared::wire::admin::{
    AccountChange, AccountInfo, BulkAccounts, BulkCreated, Credentials, Level, NewAccount,
    PasswordReset, routes,
};

use super::{Notice, NoticeView, use_admin};
use crate::{api, device};

fn parse_role(s: &str) -> Role {
    match s {
        "supervisor" => Role::Supervisor,
        "observer" => Role::Observer,
        "admin" => Role::Admin,
        _ => Role::Reporter,
    }
}

fn role_value(role: Role) -> &'static str {
    match role {
        Role::Reporter => "reporter",
        Role::Supervisor => "supervisor",
        Role::Observer => "observer",
        Role::Admin => "admin",
    }
}

/// The sheet of first passwords, as CSV with a byte-order mark so Excel reads the
/// Vietnamese right.
fn credentials_csv(list: &[Credentials]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("\u{feff}Tên đăng nhập,Mật khẩu lần đầu,Tên,Vai trò,Mã đơn vị\r\n");
    for c in list {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            quote(&c.username),
            quote(&c.password),
            quote(&c.display_name),
            c.role.label(),
            quote(c.unit_code.as_deref().unwrap_or(""))
        ));
    }
    out
}

#[component]
pub fn AccountsTab() -> impl IntoView {
    let ctx = use_admin();
    let campaign = ctx.campaign.get_untracked();
    let notice = RwSignal::new(Notice::None);
    let created = RwSignal::new(Vec::<Credentials>::new());
    // The sign-in sheet of the accounts just created, open to print.
    let sheet = RwSignal::new(false);
    let levels = RwSignal::new(Vec::<Level>::new());
    let accounts = RwSignal::new(Vec::<AccountInfo>::new());
    let query = RwSignal::new(String::new());
    let load = {
        let campaign = campaign.clone();
        move || {
            let campaign = campaign.clone();
            spawn_local(async move {
                if let Ok(l) =
                    api::get_json::<Vec<Level>>(&routes::campaign(&campaign, "/levels")).await
                {
                    levels.set(l);
                }
                let q = js_sys::encode_uri_component(&query.get_untracked());
                match api::get_json::<Vec<AccountInfo>>(&routes::campaign(
                    &campaign,
                    &format!("/accounts?q={q}"),
                ))
                .await
                {
                    Ok(a) => accounts.set(a),
                    Err(e) => notice.set(Notice::Failed(e.message())),
                }
            });
        }
    };
    load();
    let bulk_under = RwSignal::new(String::new());
    let bulk = {
        let (campaign, load) = (campaign.clone(), load.clone());
        move |depth: u32| {
            let (campaign, load) = (campaign.clone(), load.clone());
            let under =
                Some(bulk_under.get_untracked().trim().to_owned()).filter(|u| !u.is_empty());
            // The level named by its kinds, never by its depth.
            let level_name = StoredValue::new(
                levels
                    .get_untracked()
                    .iter()
                    .find(|l| l.depth == depth)
                    .map(|l| l.kinds.join(", "))
                    .filter(|k| !k.is_empty())
                    .unwrap_or_else(|| "các đơn vị của tầng này".to_owned()),
            );
            spawn_local(async move {
                let body = BulkAccounts { depth, under };
                match api::send_json::<_, BulkCreated>(
                    "POST",
                    &routes::campaign(&campaign, "/accounts/bulk"),
                    Some(&body),
                )
                .await
                {
                    Ok(b) => {
                        notice.set(Notice::Done(format!(
                            "Đã tạo {} tài khoản cho {} (bỏ qua {} đơn vị đã có tài khoản). Hãy tải danh sách mật khẩu: mật khẩu chỉ hiện một lần.",
                            b.created.len(), level_name.get_value(), b.skipped
                        )));
                        created.set(b.created);
                        load();
                    }
                    Err(e) => notice.set(Notice::Failed(e.message())),
                }
            });
        }
    };
    let patch = {
        let (campaign, load) = (campaign.clone(), load.clone());
        move |username: String, change: AccountChange| {
            let (campaign, load) = (campaign.clone(), load.clone());
            spawn_local(async move {
                let path = routes::campaign(&campaign, &format!("/accounts/{username}"));
                match api::send_json::<_, AccountInfo>("PATCH", &path, Some(&change)).await {
                    Ok(a) => {
                        notice.set(Notice::Done(format!("Đã lưu tài khoản {}.", a.username)));
                        load();
                    }
                    Err(e) => notice.set(Notice::Failed(e.message())),
                }
            });
        }
    };
    let reset = {
        let campaign = campaign.clone();
        move |username: String| {
            if !device::confirm(&format!(
                "Đặt mật khẩu mới cho {username}? Mọi phiên đăng nhập của tài khoản này sẽ kết thúc."
            )) {
                return;
            }
            let campaign = campaign.clone();
            spawn_local(async move {
                let path = routes::campaign(&campaign, &format!("/accounts/{username}/password"));
                match api::send_json::<_, Credentials>("POST", &path, Some(&PasswordReset {})).await
                {
                    Ok(c) => {
                        notice.set(Notice::Done(format!(
                            "Mật khẩu mới của {}: {}",
                            c.username, c.password
                        )));
                        created.set(vec![c]);
                    }
                    Err(e) => notice.set(Notice::Failed(e.message())),
                }
            });
        }
    };
    let search = {
        let load = load.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            load();
        }
    };
    view! {
        <NoticeView notice/>
        {move || sheet.get().then(|| view! {
            <crate::pages::sign_in_sheet::SignInSheet slips=created.get_untracked() on_close=Callback::new(move |_| sheet.set(false))/>
        })}
        {move || (!created.get().is_empty()).then(|| {
            let list = created.get();
            let csv = credentials_csv(&list);
            view! {
                <section class="card" id="new-credentials">
                    <h2>"Mật khẩu lần đầu (chỉ hiện một lần)"</h2>
                    <button type="button" class="primary" on:click=move |_| { device::download_text("tai-khoan.csv", &csv, "text/csv"); }>"Tải danh sách (CSV cho Excel)"</button>
                    <button type="button" class="secondary print-sheet" on:click=move |_| sheet.set(true)>"In phiếu đăng nhập (có mã QR)"</button>
                    <table class="credentials">
                        <thead><tr><th>"Tên đăng nhập"</th><th>"Mật khẩu"</th><th>"Tên"</th><th>"Vai trò"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|c| view! {
                                <tr><td class="username">{c.username}</td><td class="password">{c.password}</td><td>{c.display_name}</td><td>{c.role.label()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }
        })}
        <section class="card">
            <h2>"Tạo tài khoản cho cả một cấp"</h2>
            <p class="hint">"Tên đăng nhập là mã đơn vị viết thường; đơn vị có đơn vị trực thuộc nhận vai trò giám sát, các đơn vị khác vai trò báo cáo. Đơn vị đã có tài khoản được bỏ qua."</p>
            <label class="import-row">"Chỉ các đơn vị thuộc (mã, để trống: cả phạm vi) "
                <input id="bulk-under" bind:value=bulk_under size="12"/>
            </label>
            <table class="levels">
                <thead><tr><th>"Loại đơn vị"</th><th>"Số đơn vị"</th><th>"Chưa có tài khoản"</th><th></th></tr></thead>
                <tbody>
                    {move || levels.get().into_iter().map(|l| {
                        let bulk = bulk.clone();
                        let depth = l.depth;
                        view! {
                            <tr data-depth=depth>
                                <td>{l.kinds.join(", ")}</td>
                                <td>{l.units}</td>
                                <td>{l.without_account}</td>
                                <td>
                                    <button type="button" class="bulk" disabled=l.without_account == 0
                                        on:click=move |_| bulk(depth)>"Tạo tài khoản"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <NewAccountForm created notice campaign=campaign.clone()/>
        <section class="card">
            <h2>"Tài khoản"</h2>
            <form class="search" on:submit=search>
                <input type="search" placeholder="Tìm theo tên đăng nhập, tên, mã đơn vị" bind:value=query/>
                <button type="submit">"Tìm"</button>
            </form>
            <table class="accounts">
                <thead><tr><th>"Tên đăng nhập"</th><th>"Tên"</th><th>"Vai trò"</th><th>"Đơn vị"</th><th>"Trạng thái"</th><th></th></tr></thead>
                <tbody>
                    {move || accounts.get().into_iter().map(|a| {
                        let (p1, p2, p3, r) = (patch.clone(), patch.clone(), patch.clone(), reset.clone());
                        let (u1, u2, u3, u4) = (a.username.clone(), a.username.clone(), a.username.clone(), a.username.clone());
                        let unit = RwSignal::new(a.unit_code.clone().unwrap_or_default());
                        let disabled = a.disabled;
                        view! {
                            <tr data-username=a.username.clone()>
                                <td>{a.username.clone()}</td>
                                <td>{a.display_name.clone()}</td>
                                <td>
                                    <select prop:value=role_value(a.role) on:change=move |ev| p1(u1.clone(), AccountChange { role: Some(parse_role(&event_target_value(&ev))), ..AccountChange::default() })>
                                        {[Role::Reporter, Role::Supervisor, Role::Observer, Role::Admin].into_iter().map(|r| view! { <option value=role_value(r)>{r.label()}</option> }).collect_view()}
                                    </select>
                                </td>
                                <td>
                                    <input bind:value=unit size="12"/>
                                    <button type="button" on:click=move |_| p2(u2.clone(), AccountChange { unit_code: Some(unit.get_untracked()), ..AccountChange::default() })>"Lưu"</button>
                                    <div class="unit-name">{a.unit_name.clone()}</div>
                                </td>
                                <td>{if disabled { "Đã khoá" } else { "Hoạt động" }}</td>
                                <td class="actions">
                                    <button type="button" on:click=move |_| r(u3.clone())>"Đặt lại mật khẩu"</button>
                                    <button type="button" on:click=move |_| p3(u4.clone(), AccountChange { disabled: Some(!disabled), ..AccountChange::default() })>
                                        {if disabled { "Mở khoá" } else { "Khoá" }}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn NewAccountForm(
    created: RwSignal<Vec<Credentials>>,
    notice: RwSignal<Notice>,
    campaign: String,
) -> impl IntoView {
    let (username, name, role, unit) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("reporter".to_owned()),
        RwSignal::new(String::new()),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let unit_code = Some(unit.get_untracked().trim().to_owned()).filter(|u| !u.is_empty());
        let body = NewAccount {
            username: username.get_untracked().trim().to_owned(),
            display_name: name.get_untracked(),
            role: parse_role(&role.get_untracked()),
            unit_code,
        };
        let campaign = campaign.clone();
        spawn_local(async move {
            match api::send_json::<_, Credentials>(
                "POST",
                &routes::campaign(&campaign, "/accounts"),
                Some(&body),
            )
            .await
            {
                Ok(c) => {
                    notice.set(Notice::Done(format!("Đã tạo tài khoản {}.", c.username)));
                    created.set(vec![c]);
                    username.set(String::new());
                    name.set(String::new());
                }
                Err(e) => notice.set(Notice::Failed(e.message())),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Tạo một tài khoản"</h2>
            <form class="new-account" on:submit=submit>
                <input placeholder="Tên đăng nhập" bind:value=username required/>
                <input placeholder="Tên hiển thị" bind:value=name required/>
                <select prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                    {[Role::Reporter, Role::Supervisor, Role::Observer, Role::Admin].into_iter().map(|r| view! { <option value=role_value(r)>{r.label()}</option> }).collect_view()}
                </select>
                <input placeholder="Mã đơn vị" bind:value=unit size="12"/>
                <button type="submit">"Tạo"</button>
            </form>
        </section>
    }
}
