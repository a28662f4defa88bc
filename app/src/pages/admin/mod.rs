//! `/quan-tri`: administration. Campaigns, the organisation tree (imports from
//! spreadsheets, copies from an earlier campaign, edits), accounts, and the audit log,
//! each in a tab, all within the campaign chosen at the top (each campaign has its own
//! tree, and an administrator's reach is a subtree of it).

mod accounts;
mod audit;
mod campaigns;
mod tree;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::tree::KindDef;
use tuanle_shared::wire::{CampaignSummary, Role, routes};

use crate::api;
use crate::nav::{Page, Redirect};
use crate::session::use_session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Campaigns,
    Tree,
    Accounts,
    Audit,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Campaigns, Tab::Tree, Tab::Accounts, Tab::Audit];

    fn label(self) -> &'static str {
        match self {
            Tab::Campaigns => "Đợt báo cáo",
            Tab::Tree => "Cây đơn vị",
            Tab::Accounts => "Tài khoản",
            Tab::Audit => "Nhật ký",
        }
    }
}

/// What every tab shares: the campaigns, the chosen one, and a way to reload them.
#[derive(Clone, Copy)]
pub struct AdminContext {
    pub campaigns: RwSignal<Vec<CampaignSummary>>,
    /// The chosen campaign's code.
    pub campaign: RwSignal<String>,
    /// The administrator's subtree (`None`: national).
    pub scope: Option<StoredValue<String>>,
    /// Every kind of unit, shipped and added (the same for every campaign).
    pub kinds: RwSignal<Vec<KindDef>>,
}

impl AdminContext {
    /// Reloads the campaigns (after one is created or changed).
    pub fn reload(self) {
        spawn_local(async move {
            if let Ok(list) = api::get_json::<Vec<CampaignSummary>>(routes::CAMPAIGNS).await {
                if self.campaign.get_untracked().is_empty() {
                    let first = list.iter().find(|c| c.open).or(list.first());
                    self.campaign
                        .set(first.map(|c| c.code.clone()).unwrap_or_default());
                }
                self.campaigns.set(list);
            }
        });
    }

    /// Reloads the kinds of unit (after one, or a spelling, is added).
    pub fn reload_kinds(self) {
        spawn_local(async move {
            if let Ok(kinds) = api::get_json::<Vec<KindDef>>(routes::UNIT_KINDS).await {
                self.kinds.set(kinds);
            }
        });
    }

    /// The name of a kind's code (the code itself for a kind not known here).
    pub fn kind_name(self, code: &str) -> String {
        self.kinds.with(|kinds| {
            kinds
                .iter()
                .find(|k| k.code == code)
                .map_or_else(|| code.to_owned(), |k| k.name.clone())
        })
    }

    pub fn is_national(self) -> bool {
        self.scope.is_none()
    }
}

/// A message after an action: done, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    None,
    Done(String),
    Failed(String),
}

/// Shows a [`Notice`].
#[component]
pub fn NoticeView(notice: RwSignal<Notice>) -> impl IntoView {
    move || match notice.get() {
        Notice::None => None,
        Notice::Done(m) => Some(view! { <p class="status ok" role="status">{m}</p> }.into_any()),
        Notice::Failed(m) => {
            Some(view! { <p class="status error" role="alert">{m}</p> }.into_any())
        }
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = use_session();
    let Some(me) = session.0.get_untracked().filter(|m| m.role == Role::Admin) else {
        return view! { <Redirect page=Page::Home/> }.into_any();
    };
    let ctx = AdminContext {
        campaigns: RwSignal::new(Vec::new()),
        campaign: RwSignal::new(String::new()),
        scope: me.unit_code.map(StoredValue::new),
        kinds: RwSignal::new(Vec::new()),
    };
    provide_context(ctx);
    ctx.reload();
    ctx.reload_kinds();
    let tab = RwSignal::new(Tab::Campaigns);
    view! {
        <h1>"Quản trị"</h1>
        <p class="scope">
            {match ctx.scope {
                None => "Phạm vi: toàn quốc".to_owned(),
                Some(s) => format!("Phạm vi: đơn vị {} và các đơn vị trực thuộc", s.get_value()),
            }}
        </p>
        <label class="campaign-pick">
            "Đợt báo cáo: "
            <select id="admin-campaign"
                prop:value=move || ctx.campaign.get()
                on:change=move |ev| ctx.campaign.set(event_target_value(&ev))>
                {move || ctx.campaigns.get().into_iter().map(|c| {
                    let label = format!("{} — {}{}", c.code, c.theme, if c.open { "" } else { " (đã đóng)" });
                    view! { <option value=c.code.clone()>{label}</option> }
                }).collect_view()}
            </select>
        </label>
        <nav class="tabs" role="tablist">
            {Tab::ALL.into_iter().map(|t| view! {
                <button type="button" role="tab" class="tab"
                    id=format!("tab-{t:?}").to_lowercase()
                    aria-selected=move || (tab.get() == t).to_string()
                    on:click=move |_| tab.set(t)>{t.label()}</button>
            }).collect_view()}
        </nav>
        {move || {
            // Each tab is rebuilt when the campaign changes.
            let _ = ctx.campaign.get();
            match tab.get() {
                Tab::Campaigns => view! { <campaigns::CampaignsTab/> }.into_any(),
                Tab::Tree => view! { <tree::TreeTab/> }.into_any(),
                Tab::Accounts => view! { <accounts::AccountsTab/> }.into_any(),
                Tab::Audit => view! { <audit::AuditTab/> }.into_any(),
            }
        }}
    }
    .into_any()
}

pub fn use_admin() -> AdminContext {
    expect_context::<AdminContext>()
}
