//! `GET …/export/{unit}?mode=final|provisional`: the official Excel form of a unit's
//! subtree, and `GET …/narrative/{unit}`: its narrative report, for whoever may read
//! that unit's reports.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use tuanle_shared::wire::{Narrative, RefusalCode};

use super::AppState;
use super::extract::{ApiQuery, NamedReport};
use crate::error::Error;
use crate::export;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    mode: Option<String>,
}

fn provisional(query: &ExportQuery) -> Result<bool, Error> {
    match query.mode.as_deref() {
        None | Some("final") => Ok(false),
        Some("provisional") => Ok(true),
        Some(_) => Err(Error::bad(
            RefusalCode::BadMode,
            "Chế độ số liệu chỉ là final (chính thức) hoặc provisional (tạm tính).",
        )),
    }
}

/// `GET …/narrative/{unit}`: the texts of the subtree's counted reports, gathered per
/// item as "unit name: text", and the consolidated figures, for the printed report.
pub async fn narrative_get(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Json<Narrative>, Error> {
    let provisional = provisional(&query)?;
    let target = report.readable(&state.db).await?;
    Ok(Json(
        export::narrative(&state.db, &target, provisional).await?,
    ))
}

pub async fn export_get(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<impl IntoResponse, Error> {
    let provisional = provisional(&query)?;
    let target = report.readable(&state.db).await?;
    let data = export::gather(&state.db, &target, provisional).await?;
    let bytes = tokio::task::spawn_blocking(move || export::workbook(&data))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(format!("workbook: {e}")))?;
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
