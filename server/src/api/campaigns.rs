//! `GET /api/v1/campaigns`: the campaigns with their deadlines, newest first; for a
//! signed-in person, whether each has their unit.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use tuanle_shared::wire::CampaignSummary;

use super::AppState;
use crate::admin::campaigns;
use crate::auth;
use crate::error::AppError;

pub async fn campaigns_list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<CampaignSummary>>, AppError> {
    let caller = auth::optional(&state.db, &headers).await?;
    let unit = caller.as_ref().and_then(|c| c.me.unit_code.as_deref());
    Ok(Json(campaigns::list(&state.db, unit).await?))
}
