//! One module per page, and the pieces every page shares.

#[cfg(feature = "admin")]
pub mod admin;
#[cfg(feature = "supervisor")]
pub mod dashboard;
#[cfg(feature = "tools")]
pub mod documents;
#[cfg(feature = "tools")]
pub mod history;
#[cfg(feature = "supervisor")]
pub mod packages;
pub mod report;
#[cfg(feature = "supervisor")]
pub mod review;
pub mod sign_in;
#[cfg(feature = "supervisor")]
pub mod sign_in_sheet;
#[cfg(feature = "tools")]
pub mod template;

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

use tuanle_shared::FormDef;
use tuanle_shared::wire::{CampaignSummary, Role, routes};

use crate::api::{self, ApiFailure};
use crate::nav::{Link, Page, Redirect, use_nav};
use crate::session::use_session;
use crate::{device, storage};

/// Where a person lands after signing in: supervisors and observers on their subtree's
/// dashboard, administrators on administration, reporters on their report.
pub fn landing(role: Role) -> Page {
    match role {
        Role::Supervisor | Role::Observer => Page::Dashboard,
        Role::Admin => Page::Admin,
        Role::Reporter => Page::Report,
    }
}

/// `/`: where the signed-in person works, or the sign-in page.
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    move || {
        let page = session
            .0
            .with(|me| me.as_ref().map(|m| landing(m.role)))
            .unwrap_or(Page::SignIn);
        view! { <Redirect page/> }
    }
}

/// A page of the tools' bundle (history, documents) opened where that bundle could not
/// be loaded. Offline, on a device that never opened it: those pages ask the server for
/// everything they show, so they wait for the network. With the server answering: this
/// build's copy is gone from it, as it runs a newer one (the update banner offers it). The report
/// itself is here, for the same unit (`?don-vi=` kept).
#[cfg(not(feature = "tools"))]
#[component]
pub fn NeedsNetwork() -> impl IntoView {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let report = format!("{}{search}", Page::Report.path());
    // `boot.js` found out which, by asking the server.
    let stale = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-fallback"))
        .is_some_and(|why| why == "stale");
    let why = if stale {
        "Trang này thuộc phiên bản trước của ứng dụng: hãy bấm “Tải lại” ở thông báo phiên bản mới (hoặc đóng rồi mở lại ứng dụng) để mở trang. "
    } else {
        "Trang này cần mạng để mở lần đầu trên máy này. Hãy thử lại khi có mạng; báo cáo vẫn nhập được khi không có mạng. "
    };
    view! {
        <p class="status needs-network" role="alert">
            {why} <a href=report>"Về báo cáo"</a>
        </p>
    }
}

/// Whether the person still wants to sign out although something they typed for their
/// unit has not reached the server yet (it stays on this device, and is sent after
/// signing in again). Another account's drafts on a shared tablet are not theirs to hear of.
fn sign_out_despite_unsent(unit: Option<&str>) -> bool {
    let Some(unit) = unit else { return true };
    let unsent = storage::reports_of_unit(unit).iter().any(|(_, r)| {
        let form =
            (r.sync.meta.form_version.as_deref()).and_then(|v| kept_form(v).map(|kept| kept.form));
        match form {
            Some(form) => r.sync.has_unsent(&form, &r.draft),
            // A report typed here had its form cached; without it, anything that differs
            // from what the server last had counts as unsent.
            None => {
                r.sync.pending.is_some()
                    || r.draft != crate::draft::Draft::from_content(&r.sync.base)
            }
        }
    });
    !unsent
        || device::confirm(
            "Còn thay đổi chưa gửi lên máy chủ. Chúng vẫn được giữ trên máy này, nhưng chỉ gửi được khi đăng nhập lại. Vẫn đăng xuất?",
        )
}

/// The signed-in person, the pages, and signing out: here (with a warning when something
/// typed has not reached the server yet), or on every device, for a lost tablet.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let session = use_session();
    let nav = use_nav();
    let unit = move || {
        session
            .0
            .with_untracked(|me| me.as_ref().and_then(|m| m.unit_code.clone()))
    };
    let sign_out = move |_| {
        if !sign_out_despite_unsent(unit().as_deref()) {
            return;
        }
        spawn_local(async move {
            // Offline, the server's session ends by itself; this device forgets it now.
            let _ = api::delete(routes::SESSION).await;
            session.signed_out();
            nav.go(Page::SignIn);
        });
    };
    let sign_out_everywhere = move |_| {
        if !device::confirm(
            "Đăng xuất trên mọi thiết bị? Mọi máy tính bảng, điện thoại và máy tính đang đăng nhập bằng tài khoản này sẽ phải đăng nhập lại.",
        ) || !sign_out_despite_unsent(unit().as_deref())
        {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("{}?everywhere=true", routes::SESSION)).await {
                Ok(()) => {
                    session.signed_out();
                    nav.go(Page::SignIn);
                }
                // The other devices are only signed out by the server: say it did not
                // happen, and stay signed in here to try again.
                Err(ApiFailure::Network) => device::alert(
                    "Không kết nối được máy chủ nên chưa đăng xuất được trên các thiết bị khác. Hãy thử lại khi có mạng.",
                ),
                Err(f) if f.is_signed_out() => {
                    session.signed_out();
                    nav.go(Page::SignIn);
                }
                Err(f) => device::alert(&f.message()),
            }
        });
    };
    move || {
        session.0.get().map(|me| {
            view! {
                <nav class="account">
                    {matches!(me.role, Role::Supervisor | Role::Observer).then(|| view! { <Link page=Page::Dashboard>"Tổng hợp"</Link> })}
                    {if me.role == Role::Admin {
                        view! { <Link page=Page::Admin>"Quản trị"</Link> }.into_any()
                    } else if me.role == Role::Observer {
                        ().into_any()
                    } else {
                        view! { <Link page=Page::Report>"Báo cáo"</Link> <Link page=Page::History>"Lịch sử"</Link> }.into_any()
                    }}
                    <details class="who">
                        <summary>{me.display_name}</summary>
                        <div class="menu">
                            <button type="button" class="link everywhere" on:click=sign_out_everywhere>
                                "Đăng xuất trên mọi thiết bị"
                            </button>
                        </div>
                    </details>
                    <button type="button" class="link" on:click=sign_out>"Đăng xuất"</button>
                </nav>
            }
        })
    }
}

/// The open campaign: from the server when it answers, else as last seen.
pub async fn open_campaign() -> Result<CampaignSummary, ApiFailure> {
    let campaigns: Vec<CampaignSummary> = match fetch_campaigns().await {
        Ok(c) => c,
        Err(f) if f.is_transient() => storage::cached("campaigns").ok_or(f)?,
        Err(e) => return Err(e),
    };
    choose(&campaigns).ok_or_else(|| {
        ApiFailure::Refused(tuanle_shared::wire::ApiError::new(
            tuanle_shared::wire::RefusalCode::NotFound,
            "Chưa có đợt báo cáo nào.",
        ))
    })
}

/// The campaigns from the server, kept for opening without it.
async fn fetch_campaigns() -> Result<Vec<CampaignSummary>, ApiFailure> {
    let campaigns: Vec<CampaignSummary> = api::get_json(routes::CAMPAIGNS).await?;
    storage::cache("campaigns", &campaigns);
    Ok(campaigns)
}

/// The campaign a person works in: the newest open campaign with their unit in its
/// tree (a campaign being set up, its tree not imported yet, does not take reporters
/// away from the current one), else the best there is.
fn choose(campaigns: &[CampaignSummary]) -> Option<CampaignSummary> {
    // A practice campaign only when the person chose it ("Vào đợt tập huấn").
    let chosen = storage::cached::<String>(CHOSEN_CAMPAIGN);
    let real = |c: &&CampaignSummary| !c.practice;
    campaigns
        .iter()
        .find(|c| Some(&c.code) == chosen.as_ref() && c.has_my_unit)
        .or_else(|| {
            campaigns
                .iter()
                .filter(real)
                .find(|c| c.open && c.has_my_unit)
        })
        .or_else(|| campaigns.iter().filter(real).find(|c| c.has_my_unit))
        .or_else(|| campaigns.iter().filter(real).find(|c| c.open))
        .or_else(|| campaigns.iter().find(|c| c.has_my_unit))
        .or(campaigns.first())
        .cloned()
}

/// Where the campaign the person chose to open is kept (a practice campaign).
const CHOSEN_CAMPAIGN: &str = "campaign.chosen";

/// Opens `code` from now on (`None`: the newest real one), and reloads the app in it.
pub fn open_campaign_chosen(code: Option<&str>) {
    match code {
        Some(code) => storage::cache(CHOSEN_CAMPAIGN, &code.to_owned()),
        None => storage::forget(CHOSEN_CAMPAIGN),
    }
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// The open practice campaigns that hold the person's unit, as last read.
pub fn practice_campaigns() -> Vec<CampaignSummary> {
    storage::cached::<Vec<CampaignSummary>>("campaigns")
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.practice && c.open && c.has_my_unit)
        .collect()
}

/// The open campaign and its form, or why they could not be had.
#[derive(Clone)]
pub enum Load {
    Pending,
    Ready {
        campaign: CampaignSummary,
        form: Arc<FormDef>,
    },
    Failed(String),
}

/// The campaign and its form as this device last saw them, at once (whatever the
/// network does: a stalled link must not keep the report out of reach), refreshed from
/// the server in the background for the next open: the form only when its content hash
/// changed. From the server only the first time.
pub async fn campaign_and_form() -> Load {
    if let Some(ready) = cached_campaign_and_form() {
        spawn_local(async {
            if let Ok(campaigns) = fetch_campaigns().await
                && let Some(c) = choose(&campaigns)
                && kept_form(&c.form_version).is_none_or(|kept| !kept.is_for(&c))
            {
                let _ = fetch_form(&c).await;
            }
        });
        return ready;
    }
    let campaign = match open_campaign().await {
        Ok(c) => c,
        Err(e) => return Load::Failed(e.message()),
    };
    let kept = kept_form(&campaign.form_version);
    let form = match kept {
        Some(kept) if kept.is_for(&campaign) => kept.form,
        _ => match fetch_form(&campaign).await {
            Ok(f) => f,
            // A form this build cannot read (a newer server's, with fields it does not
            // know) is like no answer: the kept one serves until the app updates.
            Err(f) if f.is_transient() || f == ApiFailure::Unreadable => {
                match kept_form(&campaign.form_version) {
                    Some(kept) => kept.form,
                    None => return Load::Failed(f.message()),
                }
            }
            Err(e) => return Load::Failed(e.message()),
        },
    };
    Load::Ready {
        campaign,
        form: Arc::new(form),
    }
}

/// A form as this device keeps it: by version, with the content hash the server gave
/// for it.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptForm {
    hash: String,
    form: FormDef,
}

impl KeptForm {
    /// Whether this is the form `campaign` uses, as the server has it now.
    fn is_for(&self, campaign: &CampaignSummary) -> bool {
        !campaign.form_hash.is_empty() && self.hash == campaign.form_hash
    }
}

fn form_key(version: &str) -> String {
    format!("form.{version}")
}

/// The form of `version` this device keeps; one kept by a build before content hashes
/// (a bare definition) is still used, and replaced at the next chance.
fn kept_form(version: &str) -> Option<KeptForm> {
    let key = form_key(version);
    storage::cached::<KeptForm>(&key).or_else(|| {
        storage::cached::<FormDef>(&key).map(|form| KeptForm {
            hash: String::new(),
            form,
        })
    })
}

/// The form a report of `campaign` is shown by: the version it was started on, which
/// this device learnt from the server (`meta.form_version`), when it is not the
/// campaign's current one (a draft started before the next version was published keeps
/// its own); else `form`. Kept on the device once read, like the campaign's.
///
/// When that version is neither kept here nor reachable (no network), the report is
/// still opened, by the campaign's form, as a stand-in: a draft out of reach
/// for want of a form would break the promise that the field can always type. The page
/// says so and switches as soon as the server answers.
pub async fn report_form(campaign: &str, unit: &str, form: Arc<FormDef>) -> Arc<FormDef> {
    let own = storage::load_report(campaign, unit).sync.meta.form_version;
    match own {
        Some(version) if version != form.version() => {
            version_form(&version).await.map(Arc::new).unwrap_or(form)
        }
        _ => form,
    }
}

/// Form `version`, kept on this device or from the server (then kept).
pub async fn version_form(version: &str) -> Result<FormDef, String> {
    if let Some(kept) = kept_form(version) {
        return Ok(kept.form);
    }
    let form: FormDef = api::get_json(&routes::form_with_guidance(version))
        .await
        .map_err(|f| f.message())?;
    storage::cache(
        &form_key(version),
        &KeptForm {
            hash: String::new(),
            form: form.clone(),
        },
    );
    Ok(form)
}

/// The form of `campaign` from the server, kept for opening without it.
async fn fetch_form(campaign: &CampaignSummary) -> Result<FormDef, ApiFailure> {
    let form: FormDef = api::get_json(&routes::form_with_guidance(&campaign.form_version)).await?;
    let kept = KeptForm {
        hash: campaign.form_hash.clone(),
        form,
    };
    storage::cache(&form_key(&campaign.form_version), &kept);
    Ok(kept.form)
}

fn cached_campaign_and_form() -> Option<Load> {
    let campaign = choose(&storage::cached::<Vec<CampaignSummary>>("campaigns")?)?;
    let form = kept_form(&campaign.form_version)?.form;
    Some(Load::Ready {
        campaign,
        form: Arc::new(form),
    })
}
