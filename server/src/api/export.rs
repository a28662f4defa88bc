//! `GET …/export/{unit}?mode=final|provisional`: the official Excel form of a unit's
//! subtree, for whoever may read that unit's reports.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::{export, reports};

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    mode: Option<String>,
}

pub async fn export_get(
    State(state): State<AppState>,
    caller: Caller,
    Path((campaign, unit)): Path<(String, String)>,
    Query(query): Query<ExportQuery>,
) -> Result<impl IntoResponse, AppError> {
    let provisional = match query.mode.as_deref() {
        None | Some("final") => false,
        Some("provisional") => true,
        Some(_) => {
            return Err(AppError::BadRequest {
                code: "BAD_MODE",
                message: "Chế độ số liệu chỉ là final (chính thức) hoặc provisional (tạm tính)."
                    .into(),
            });
        }
    };
    let target = reports::resolve(&state.db, &campaign, &unit).await?;
    reports::authorize_read(&state.db, &caller, &target).await?;
    let data = export::gather(&state.db, &target, provisional).await?;
    let bytes = tokio::task::spawn_blocking(move || export::workbook(&data))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("workbook: {e}")))?;
    let name = format!(
        "tong-hop-{}-{}.xlsx",
        target.unit_code, target.campaign_code
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    ))
}
