//! `GET …/export/{unit}?mode=official|final|provisional`: the official Excel form of a unit's
//! subtree, and `GET …/narrative/{unit}`: its narrative report, for whoever may read
//! that unit's reports.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use tuanle_shared::wire::{FigureMode, Narrative, RefusalCode};

use super::AppState;
use super::extract::{ApiQuery, NamedReport};
use crate::error::Error;
use crate::export;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    mode: Option<String>,
}

fn mode(query: &ExportQuery) -> Result<FigureMode, Error> {
    match query.mode.as_deref() {
        None => Ok(FigureMode::Final),
        Some(name) => FigureMode::from_name(name).ok_or(Error::refused(RefusalCode::BadMode)),
    }
}

/// `GET …/narrative/{unit}`: the texts of the subtree's counted reports, gathered per
/// item as "unit name: text", and the consolidated figures, for the printed report.
pub async fn narrative_get(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Json<Narrative>, Error> {
    let mode = mode(&query)?;
    let target = report.readable(&state.db).await?;
    Ok(Json(export::narrative(&state.db, &target, mode).await?))
}

pub async fn export_get(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<impl IntoResponse, Error> {
    let mode = mode(&query)?;
    let target = report.readable(&state.db).await?;
    let data = export::gather(&state.db, &target, mode).await?;
    let bytes = tokio::task::spawn_blocking(move || export::workbook(&data))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(format!("workbook: {e}")))?;
    let name = format!(
        "tong-hop-{}-{}{}.xlsx",
        target.unit_code,
        target.campaign_code,
        match mode {
            FigureMode::Official => "-chinh-thuc",
            FigureMode::Final => "",
            FigureMode::Provisional => "-tam-tinh",
        }
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
