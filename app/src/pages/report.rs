//! The report page: loads the open campaign and its form, then shows the form.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::FormDef;
use tuanle_shared::wire::{CampaignSummary, format_date, routes};

use crate::api::{ApiFailure, get_json};
use crate::form_view::ReportForm;

#[derive(Clone)]
enum Load {
    Pending,
    Ready {
        campaign: CampaignSummary,
        form: Arc<FormDef>,
    },
    NoCampaign,
    Failed(ApiFailure),
}

async fn load() -> Load {
    let campaigns: Vec<CampaignSummary> = match get_json(routes::CAMPAIGNS).await {
        Ok(c) => c,
        Err(e) => return Load::Failed(e),
    };
    let Some(campaign) = campaigns
        .iter()
        .find(|c| c.open)
        .or(campaigns.first())
        .cloned()
    else {
        return Load::NoCampaign;
    };
    match get_json::<FormDef>(&routes::form(&campaign.form_version)).await {
        Ok(form) => Load::Ready {
            campaign,
            form: Arc::new(form),
        },
        Err(e) => Load::Failed(e),
    }
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let state = RwSignal::new(Load::Pending);
    spawn_local(async move { state.set(load().await) });
    move || match state.get() {
        Load::Pending => view! { <p class="status">"Đang tải mẫu báo cáo…"</p> }.into_any(),
        Load::NoCampaign => view! { <p class="status">"Chưa có đợt báo cáo nào."</p> }.into_any(),
        Load::Failed(e) => {
            view! { <p class="status error" role="alert">{e.message()}</p> }.into_any()
        }
        Load::Ready { campaign, form } => view! {
            <CampaignHeader campaign=campaign.clone()/>
            <ReportForm form=form/>
        }
        .into_any(),
    }
}

#[component]
fn CampaignHeader(campaign: CampaignSummary) -> impl IntoView {
    view! {
        <section class="campaign">
            <h1>"Tuần lễ hưởng ứng học tập suốt đời năm " {campaign.year}</h1>
            <p class="theme">"Chủ đề: “" {campaign.theme} "”"</p>
            <p class="dates">
                "Từ " {format_date(&campaign.starts_on)} " đến " {format_date(&campaign.ends_on)}
            </p>
        </section>
    }
}
