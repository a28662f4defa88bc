//! `GET /api/v1/campaigns`: the campaigns, newest first.

use axum::Json;
use axum::extract::State;
use sqlx::Row;
use tuanle_shared::wire::CampaignSummary;

use super::AppState;
use crate::error::AppError;

pub async fn campaigns_list(
    State(state): State<AppState>,
) -> Result<Json<Vec<CampaignSummary>>, AppError> {
    let rows = sqlx::query(
        "SELECT code, year, theme, starts_on, ends_on, form_version, open FROM campaigns ORDER BY year DESC, code",
    )
    .fetch_all(&state.db)
    .await?;
    let campaigns = rows
        .into_iter()
        .map(|r| {
            Ok(CampaignSummary {
                code: r.try_get("code")?,
                year: r.try_get("year")?,
                theme: r.try_get("theme")?,
                starts_on: r.try_get("starts_on")?,
                ends_on: r.try_get("ends_on")?,
                form_version: r.try_get("form_version")?,
                open: r.try_get("open")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(campaigns))
}
