//! `GET /api/v1/campaigns`: the campaigns with their deadlines, newest first; for a
//! signed-in person, whether each has their unit.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use tuanle_shared::wire::CampaignSummary;

use super::{AppState, extract};
use crate::campaigns;
use crate::error::Error;

/// Every kind of unit, shipped and added (public, like the forms: nothing in it is
/// anyone's).
pub async fn unit_kinds(
    State(state): State<AppState>,
) -> Result<Json<Vec<tuanle_shared::tree::KindDef>>, Error> {
    Ok(Json(crate::kinds::list(&state.db).await?))
}

pub async fn campaigns_list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<CampaignSummary>>, Error> {
    let caller = extract::optional_caller(&state.db, &headers).await?;
    let unit = caller.as_ref().and_then(|c| c.me.unit_code.as_deref());
    Ok(Json(campaigns::list(&state.db, unit).await?))
}
