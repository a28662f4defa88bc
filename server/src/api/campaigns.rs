//! `GET /api/v1/campaigns`: the campaigns with their deadlines, newest first.

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::CampaignSummary;

use super::AppState;
use crate::admin::campaigns;
use crate::error::AppError;

pub async fn campaigns_list(
    State(state): State<AppState>,
) -> Result<Json<Vec<CampaignSummary>>, AppError> {
    Ok(Json(campaigns::list(&state.db).await?))
}
