//! `GET …/export/{unit}?mode=final|provisional`: the official Excel form of a unit's
//! subtree, and `GET …/narrative/{unit}`: its narrative report, for whoever may read
//! that unit's reports.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use tuanle_shared::form::ItemKind;
use tuanle_shared::wire::{GatheredTexts, Narrative};
use tuanle_shared::{Code, RowKind, TextCell};

use super::AppState;
use crate::auth::Caller;
use crate::error::{ApiPath, ApiQuery, AppError};
use crate::{export, reports};

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    mode: Option<String>,
}

fn provisional(query: &ExportQuery) -> Result<bool, AppError> {
    match query.mode.as_deref() {
        None | Some("final") => Ok(false),
        Some("provisional") => Ok(true),
        Some(_) => Err(AppError::BadRequest {
            code: "BAD_MODE",
            message: "Chế độ số liệu chỉ là final (chính thức) hoặc provisional (tạm tính).".into(),
        }),
    }
}

/// `GET …/narrative/{unit}`: the texts of the subtree's counted reports, gathered per
/// item as "unit name: text", and the consolidated figures, for the printed report.
pub async fn narrative_get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Json<Narrative>, AppError> {
    let provisional = provisional(&query)?;
    let target = reports::resolve_readable(&state.db, &caller, &campaign, &unit).await?;
    let data = export::gather(&state.db, &target, provisional).await?;
    let mut codes: Vec<Code> = data
        .form
        .sections()
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.kind == ItemKind::Text)
        .map(|i| i.code.clone())
        .collect();
    codes.extend(
        data.form
            .rows()
            .iter()
            .filter(|r| matches!(r.kind, RowKind::Text))
            .map(|r| r.code.clone()),
    );
    let texts = codes
        .into_iter()
        .map(|code| {
            let cell = TextCell::text(code.clone());
            let texts = data
                .reports
                .iter()
                .filter_map(|(unit, content)| content.text(&cell).map(|t| format!("{unit}: {t}")))
                .collect();
            GatheredTexts {
                code: code.to_string(),
                texts,
            }
        })
        .collect();
    Ok(Json(Narrative {
        unit_name: data.unit_name,
        year: data.year,
        provisional,
        form_version: data.form.version().to_owned(),
        figures: data.figures.as_slice().to_vec(),
        texts,
    }))
}

pub async fn export_get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ExportQuery>,
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
    let target = reports::resolve_readable(&state.db, &caller, &campaign, &unit).await?;
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
