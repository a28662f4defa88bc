//! `GET …/export/{unit}?mode=official|final|provisional`: the official Excel form of a unit's
//! subtree, `GET …/report-document/{unit}`: its report as a Word document, and `GET
//! …/narrative/{unit}`: its narrative report, for whoever may read that unit's reports.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use tuanle_shared::document::{DocumentFields, DocumentFieldsAnswer, FieldsSource};
use tuanle_shared::wire::{FigureMode, Narrative, RefusalCode};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, NamedReport};
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
    let bytes = built(
        &state,
        "workbook",
        export::gather(&state.db, &target, mode),
        |data| export::workbook(&data),
    )
    .await?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name("tong-hop", &target, mode, "xlsx"),
        bytes,
    ))
}

/// `GET …/report-document/{unit}`: the report with its issuer's header and signature as
/// the unit's kind has them, and the consolidated table as its appendix.
pub async fn report_document_get(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<impl IntoResponse, Error> {
    let mode = mode(&query)?;
    let target = report.readable(&state.db).await?;
    let read = async {
        let data = export::gather(&state.db, &target, mode).await?;
        let fields = export::document_fields(&state.db, &target).await?.fields;
        Ok((data, fields))
    };
    let bytes = built(&state, "report", read, |(data, fields)| {
        export::report_document(&data, &fields)
    })
    .await?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        file_name("bao-cao", &target, mode, "docx"),
        bytes,
    ))
}

/// `GET …/report-document/{unit}/fields`: the issuer's fields the report document uses,
/// and where they come from (saved, last year's, the kind's defaults).
pub async fn document_fields_get(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Json<DocumentFieldsAnswer>, Error> {
    let target = report.readable(&state.db).await?;
    Ok(Json(export::document_fields(&state.db, &target).await?))
}

/// `PUT …/report-document/{unit}/fields`: saves them, for whoever may write the unit's
/// report.
pub async fn document_fields_put(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(fields): ApiJson<DocumentFields>,
) -> Result<Json<DocumentFieldsAnswer>, Error> {
    let target = report.writable(&state.db).await?;
    if let Some(problem) = fields.problem() {
        return Err(Error::bad(RefusalCode::BadDocumentFields, problem));
    }
    let by = report.caller.me.username.clone();
    crate::document_fields::save(
        &state.db,
        target.campaign_id,
        &target.unit_code,
        &fields,
        &by,
    )
    .await?;
    Ok(Json(DocumentFieldsAnswer {
        fields,
        source: FieldsSource::Saved,
    }))
}

/// A document read (`read`) and built (`build`, on a blocking thread) in one turn of heavy
/// work ([`crate::heavy`]), so that a national one does not hold the server's other work
/// up; how long it took, its wait for the turn included, is counted under `what`.
pub(super) async fn built<D, E>(
    state: &AppState,
    what: &'static str,
    read: impl std::future::Future<Output = Result<D, Error>>,
    build: impl FnOnce(D) -> Result<Vec<u8>, E> + Send + 'static,
) -> Result<Vec<u8>, Error>
where
    D: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let started = std::time::Instant::now();
    let turn = state.heavy.turn().await?;
    let data = read.await?;
    let bytes = state
        .heavy
        .run(turn, move || build(data))
        .await?
        .map_err(|e| Error::Internal(format!("{what}: {e}")))?;
    state.metrics.document(what, started.elapsed());
    Ok(bytes)
}

/// `tong-hop-NB-HQ-2025-chinh-thuc.xlsx`: what, whose, which figures.
fn file_name(what: &str, target: &crate::reports::Target, mode: FigureMode, ext: &str) -> String {
    format!(
        "{what}-{}-{}{}.{ext}",
        target.unit_code,
        target.campaign_code,
        match mode {
            FigureMode::Official => "-chinh-thuc",
            FigureMode::Final => "",
            FigureMode::Provisional => "-tam-tinh",
        }
    )
}

/// A file to save, of `content_type`, named `name`.
fn download(content_type: &str, name: String, bytes: Vec<u8>) -> impl IntoResponse + use<> {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
}
