//! `GET …/reports/{unit}/template` (`?filled=true`): the unit's official Excel template,
//! blank or with its current report, for whoever reads the report; `POST` the filled file
//! (XLSX as the body), by whoever may enter the report (its own staff, or its parent's
//! supervisor entering it on its behalf): what it holds and its problems, writing nothing
//! ([`crate::template`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use tuanle_shared::wire::{RefusalCode, TemplatePreview};

use super::AppState;
use super::extract::{ApiQuery, NamedReport};
use crate::error::Error;
use crate::reports::{self, Target};
use crate::template::{self, TemplateFor};

/// Largest template accepted: a filled one is some tens of kilobytes.
pub const FILE_LIMIT: usize = 4 * 1024 * 1024;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    #[serde(default)]
    filled: bool,
}

fn template_for(target: &Target) -> TemplateFor<'_> {
    TemplateFor {
        form: target.form,
        campaign: &target.campaign_code,
        year: target.campaign_year,
        unit_code: &target.unit_code,
        unit_name: &target.unit_name,
    }
}

pub async fn template_get(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<TemplateQuery>,
) -> Result<impl IntoResponse, Error> {
    let target = report.readable(&state.db).await?;
    let content = if query.filled {
        Some(
            reports::state(&state.db, &report.caller, &target)
                .await?
                .content,
        )
    } else {
        None
    };
    let name = format!(
        "mau-nhap-{}-{}{}.xlsx",
        target.unit_code,
        target.campaign_code,
        if query.filled { "-da-dien" } else { "" }
    );
    let bytes = super::export::built(&state, "template", async { Ok(()) }, move |()| {
        template::workbook(&template_for(&target), content.as_ref())
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    ))
}

pub async fn template_post(
    State(state): State<AppState>,
    report: NamedReport,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TemplatePreview>, Error> {
    let (body, media) = super::extract::file_body(&headers, body)?;
    if media != XLSX && media != "application/octet-stream" {
        return Err(Error::bad(
            RefusalCode::BadFileType,
            "Chỉ nhận tệp Excel (.xlsx) theo mẫu nhập số liệu.",
        ));
    }
    let target = report.enterable(&state.db).await?;
    let preview = state
        .heavy
        .run_now(move || template::read(&template_for(&target), &body))
        .await??;
    Ok(Json(preview))
}
