//! `GET /api/v1/campaigns`: the campaigns with their deadlines, newest first; for a
//! signed-in person, whether each has their unit.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use tuanle_shared::wire::CampaignSummary;

use super::{AppState, extract};
use crate::campaigns;
use crate::error::Error;

pub async fn campaigns_list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<CampaignSummary>>, Error> {
    let caller = extract::optional_caller(&state.db, &headers).await?;
    let unit = caller.as_ref().and_then(|c| c.me.unit_code.as_deref());
    Ok(Json(campaigns::list(&state.db, unit).await?))
}
