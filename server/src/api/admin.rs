//! Administration routes (`/api/v1/admin/…`): thin handlers over [`crate::admin`].
//! Every one takes an [`Admin`], so nobody else reaches them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tuanle_shared::tree::KindDef;
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{
    AccountChange, AccountInfo, AdminUnit, AdminUnits, AuditEntry, BulkAccounts, BulkCreated,
    CampaignInput, CopyTree, Credentials, KindSpelling, Level, NewAccount, NewUnit, PasswordReset,
    ProvinceForm, ProvinceFormInput, TreePreview, TreeProblem, UnitChange,
};

use super::AppState;
use super::extract::{ApiJson, ApiPath, ApiQuery, UnitCode};
use crate::admin::sheet::{self, Sheet};
use crate::admin::tree::Source;
use crate::admin::{Admin, accounts, audit, campaigns, forms, kinds, tree, units};
use crate::error::Error;

/// Largest tree file: 100,000 units as CSV is about 8 MB.
pub const FILE_LIMIT: usize = 64 * 1024 * 1024;

/// File types a tree may be sent as. A state change never accepts a type a cross-site
/// form could send (`text/plain`, forms), so CSRF stays impossible by construction.
const FILE_TYPES: [&str; 4] = [
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/octet-stream",
];

/// Tells every live dashboard of a campaign to refetch: its tree or its settings changed.
async fn campaign_moved(state: &AppState, campaign: &str) -> Result<(), Error> {
    let id = crate::campaigns::Campaign::find(&mut *state.db.acquire().await?, campaign)
        .await?
        .id;
    state.live.publish_all(id).await;
    Ok(())
}

pub async fn campaign_create(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(input): ApiJson<CampaignInput>,
) -> Result<StatusCode, Error> {
    campaigns::create(&state.db, &admin, &input).await?;
    Ok(StatusCode::CREATED)
}

pub async fn campaign_update(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiJson(input): ApiJson<CampaignInput>,
) -> Result<StatusCode, Error> {
    campaigns::update(&state.db, &admin, &campaign, &input).await?;
    campaign_moved(&state, &campaign).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeQuery {
    /// Import below this unit (default: the caller's reach).
    under: Option<String>,
    /// Copy the tree of this campaign instead of reading a file.
    from: Option<String>,
    /// The file's name, for the audit log.
    name: Option<String>,
}

/// The rows to import: from the body's file, or from another campaign's tree.
async fn rows_of(
    state: &AppState,
    admin: &Admin,
    query: &TreeQuery,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Result<Sheet, Vec<TreeProblem>>, Error> {
    let (body, media) = super::extract::file_body(headers, body)?;
    if let Some(from) = &query.from {
        // A copy has no file: its body is `{}`, as JSON, like every other change.
        if media != "application/json" {
            return Err(Error::NotJson);
        }
        serde_json::from_slice::<CopyTree>(&body).map_err(|_| Error::Refused {
            code: RefusalCode::BadJson,
            message: "Yêu cầu sao chép cây phải gửi {} (JSON rỗng).".into(),
        })?;
        let rows = tree::rows_of(&state.db, admin, from, query.under.as_deref()).await?;
        return Ok(Ok(Sheet {
            rows,
            notices: Vec::new(),
        }));
    }
    if !FILE_TYPES.contains(&media.as_str()) {
        return Err(Error::Refused {
            code: RefusalCode::BadFileType,
            message: "Chỉ nhận tệp CSV hoặc Excel (.xlsx).".into(),
        });
    }
    state.heavy.run_now(move || sheet::read(&body)).await
}

async fn tree_run(
    state: AppState,
    admin: Admin,
    campaign: String,
    query: TreeQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    apply: bool,
) -> Result<(StatusCode, Json<TreePreview>), Error> {
    let sheet = match rows_of(&state, &admin, &query, &headers, body).await? {
        Ok(sheet) => sheet,
        Err(problems) => {
            let status = if apply {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            return Ok((
                status,
                Json(TreePreview {
                    problems_total: problems.len() as u64,
                    problems,
                    ..TreePreview::default()
                }),
            ));
        }
    };
    let source = match (&query.from, &query.name) {
        (Some(from), _) => Source::Copy(from),
        (None, name) => Source::File(name.as_deref().unwrap_or("không tên")),
    };
    let mut preview = tree::import(
        &state.db,
        &admin,
        &campaign,
        query.under.as_deref(),
        &sheet.rows,
        source,
        apply,
    )
    .await?;
    preview.notices = sheet.notices;
    if preview.applied && preview.problems.is_empty() {
        campaign_moved(&state, &campaign).await?;
    }
    let status = if apply && !preview.problems.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(preview)))
}

pub async fn tree_preview(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiQuery(query): ApiQuery<TreeQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TreePreview>), Error> {
    tree_run(state, admin, campaign, query, headers, body, false).await
}

pub async fn tree_import(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiQuery(query): ApiQuery<TreeQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TreePreview>), Error> {
    tree_run(state, admin, campaign, query, headers, body, true).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitsQuery {
    parent: Option<String>,
}

pub async fn units_list(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiQuery(query): ApiQuery<UnitsQuery>,
) -> Result<Json<AdminUnits>, Error> {
    Ok(Json(
        units::list(&state.db, &admin, &campaign, query.parent.as_deref()).await?,
    ))
}

pub async fn unit_create(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiJson(new): ApiJson<NewUnit>,
) -> Result<(StatusCode, Json<AdminUnit>), Error> {
    let unit = units::add(&state.db, &admin, &campaign, &new).await?;
    campaign_moved(&state, &campaign).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

pub async fn unit_update(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath((campaign, UnitCode(unit))): ApiPath<(String, UnitCode)>,
    ApiJson(change): ApiJson<UnitChange>,
) -> Result<Json<AdminUnit>, Error> {
    let unit = units::change(&state.db, &admin, &campaign, &unit, &change).await?;
    campaign_moved(&state, &campaign).await?;
    Ok(Json(unit))
}

pub async fn levels_get(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
) -> Result<Json<Vec<Level>>, Error> {
    Ok(Json(accounts::levels(&state.db, &admin, &campaign).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsQuery {
    #[serde(default)]
    q: String,
}

pub async fn accounts_list(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiQuery(query): ApiQuery<AccountsQuery>,
) -> Result<Json<Vec<AccountInfo>>, Error> {
    Ok(Json(
        accounts::list(&state.db, &admin, &campaign, &query.q).await?,
    ))
}

pub async fn account_create(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<Credentials>), Error> {
    let created = accounts::create(&state.db, &admin, &campaign, &new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn accounts_bulk(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiJson(request): ApiJson<BulkAccounts>,
) -> Result<Json<BulkCreated>, Error> {
    Ok(Json(
        accounts::bulk(&state.db, &admin, &campaign, &request).await?,
    ))
}

pub async fn account_update(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath((campaign, username)): ApiPath<(String, String)>,
    ApiJson(change): ApiJson<AccountChange>,
) -> Result<Json<AccountInfo>, Error> {
    Ok(Json(
        accounts::change(&state.db, &admin, &campaign, &username, &change).await?,
    ))
}

pub async fn account_password(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath((campaign, username)): ApiPath<(String, String)>,
    ApiJson(PasswordReset {}): ApiJson<PasswordReset>,
) -> Result<Json<Credentials>, Error> {
    Ok(Json(
        accounts::reset_password(&state.db, &admin, &campaign, &username).await?,
    ))
}

pub async fn kind_add(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiJson(new): ApiJson<KindDef>,
) -> Result<(StatusCode, Json<KindDef>), Error> {
    let kind = kinds::add(&state.db, &admin, &campaign, new).await?;
    Ok((StatusCode::CREATED, Json(kind)))
}

pub async fn kind_spelling_add(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiJson(new): ApiJson<KindSpelling>,
) -> Result<Json<KindDef>, Error> {
    Ok(Json(
        kinds::add_spelling(&state.db, &admin, &campaign, &new).await?,
    ))
}

/// The body of a form upload: a JSON file (the form the product ships is the format).
/// How an uploaded appendix sheet is read (`?version=…&province=true`); a JSON file
/// names its own version.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormFileQuery {
    /// The version name of the form read from a sheet.
    #[serde(default)]
    version: String,
    /// The sheet is a province's form, extending the campaign's.
    #[serde(default)]
    province: bool,
}

/// The media types of an appendix sheet (XLSX).
const SHEET_TYPES: [&str; 2] = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
];

fn form_file<'a>(
    media: &str,
    body: &'a Bytes,
    query: &'a FormFileQuery,
) -> Result<forms::FormFile<'a>, Error> {
    if media == "application/json" {
        Ok(forms::FormFile::Json(body))
    } else if SHEET_TYPES.contains(&media) {
        Ok(forms::FormFile::Sheet {
            bytes: body,
            version: query.version.trim(),
            provincial: query.province,
        })
    } else {
        Err(Error::bad(
            RefusalCode::BadFileType,
            "Chỉ nhận tệp JSON của mẫu biểu (.json), như các mẫu có sẵn, hoặc bảng phụ lục Excel (.xlsx).",
        ))
    }
}

pub async fn form_check(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiQuery(query): ApiQuery<FormFileQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<tuanle_shared::FormDef>, Error> {
    let (body, media) = super::extract::file_body(&headers, body)?;
    let file = form_file(&media, &body, &query)?;
    Ok(Json(
        forms::check(&state.db, &admin, &campaign, file).await?,
    ))
}

pub async fn form_add(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
    ApiQuery(query): ApiQuery<FormFileQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<tuanle_shared::FormDef>), Error> {
    let (body, media) = super::extract::file_body(&headers, body)?;
    let file = form_file(&media, &body, &query)?;
    let (form, new) = forms::add(&state.db, &admin, &campaign, file).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(form)))
}

pub async fn province_forms_list(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
) -> Result<Json<Vec<ProvinceForm>>, Error> {
    Ok(Json(
        forms::province_forms(&state.db, &admin, &campaign).await?,
    ))
}

pub async fn province_form_set(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath((campaign, UnitCode(unit))): ApiPath<(String, UnitCode)>,
    ApiJson(input): ApiJson<ProvinceFormInput>,
) -> Result<StatusCode, Error> {
    forms::set_province_form(&state.db, &admin, &campaign, &unit, &input).await?;
    campaign_moved(&state, &campaign).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn audit_list(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(campaign): ApiPath<String>,
) -> Result<Json<Vec<AuditEntry>>, Error> {
    let mut conn = state.db.acquire().await?;
    let campaign = crate::campaigns::Campaign::find(&mut conn, &campaign).await?;
    drop(conn);
    Ok(Json(audit::list(&state.db, &admin, campaign.id).await?))
}
