//! Form versions administrators upload (issue 22): a province's appendix as the same
//! JSON the product ships, checked by the same code, each problem named, and stored for
//! every campaign to use. A campaign's form (and so what a province's own rows extend)
//! is the ministry's to choose: only national administrators add national forms. A
//! province's administrators add forms extending the campaign's, and publish them for
//! their province ([`set_province_form`]).

use tuanle_shared::FormDef;
use tuanle_shared::tree::UnitKind;
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{ProvinceForm, ProvinceFormInput};

use super::{Admin, audit};
use crate::campaigns::Campaign;
use crate::clock::now_ms;
use crate::db::{Conn, Pool, begin_write};
use crate::error::Error;

/// An uploaded form file.
pub enum FormFile<'a> {
    /// A form definition, as the shipped ones are written.
    Json(&'a [u8]),
    /// The appendix as an XLSX sheet (its first), read against the campaign's form
    /// ([`tuanle_shared::form::table`]) into the version `version`; a province's form
    /// (extending the campaign's) when `provincial`.
    Sheet {
        bytes: &'a [u8],
        version: &'a str,
        provincial: bool,
    },
}

/// Checks an uploaded form file, writing nothing: its definition, as reporters will see
/// it, or every problem it has.
pub async fn check(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    file: FormFile<'_>,
) -> Result<FormDef, Error> {
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, campaign).await?;
    let (form, _) = checked(&mut conn, &campaign, file).await?;
    may_add(&mut conn, admin, &campaign, &form).await?;
    Ok(form)
}

/// National forms are the ministry's; a province's administrators add their province's
/// own, extending the campaign's form.
async fn may_add(
    conn: &mut Conn,
    admin: &Admin,
    campaign: &Campaign,
    form: &FormDef,
) -> Result<(), Error> {
    if admin.is_national() {
        return Ok(());
    }
    let Some(base) = form.extends() else {
        return admin.national();
    };
    let top = admin.top(conn, campaign.id).await?;
    if top.is_none_or(|u| u.kind != UnitKind::Tinh.code()) {
        return Err(Error::refused(RefusalCode::NotAProvince));
    }
    if base != campaign.form.version() {
        return Err(Error::refused(RefusalCode::FormNotExtending));
    }
    Ok(())
}

/// Stores an uploaded form version once checked. Returns it, and whether it is new (the
/// same file uploaded twice is no change).
pub async fn add(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    file: FormFile<'_>,
) -> Result<(FormDef, bool), Error> {
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let (form, json) = checked(&mut tx, &campaign, file).await?;
    may_add(&mut tx, admin, &campaign, &form).await?;
    let (known, new) =
        crate::forms::store(&mut tx, &form, &json, &admin.username, now_ms()).await?;
    if new {
        let summary = match form.extends() {
            Some(base) => format!(
                "Thêm mẫu biểu {} của tỉnh (mở rộng mẫu {base}): {} dòng, {} dòng riêng",
                form.version(),
                form.rows().len(),
                form.rows().iter().filter(|r| r.provincial).count()
            ),
            None => format!(
                "Thêm mẫu biểu {}: {} dòng",
                form.version(),
                form.rows().len()
            ),
        };
        audit::record(&mut tx, admin, campaign.id, None, "form.create", &summary).await?;
    }
    tx.commit().await?;
    Ok((known.form.clone(), new))
}

/// The file's form and its definition as stored (a JSON file as uploaded but for a
/// byte-order mark; a sheet's, as read), or every problem it has (`BAD_FORM`): its own,
/// and for a province's form, how it departs from the national version it extends.
async fn checked(
    conn: &mut Conn,
    campaign: &Campaign,
    file: FormFile<'_>,
) -> Result<(FormDef, String), Error> {
    let file = match file {
        FormFile::Json(bytes) => bytes,
        FormFile::Sheet {
            bytes,
            version,
            provincial,
        } => {
            let lines =
                crate::admin::sheet::appendix_lines(bytes).map_err(|e| Error::BadForm(vec![e]))?;
            let how = tuanle_shared::form::table::TableForm {
                base: campaign.form,
                version,
                provincial,
            };
            let spec = tuanle_shared::form::table::from_table(&lines, how).map_err(|problems| {
                Error::BadForm(problems.iter().map(ToString::to_string).collect())
            })?;
            let json =
                serde_json::to_string_pretty(&spec).map_err(|e| Error::Internal(e.to_string()))?;
            let form = checked_text(conn, &json).await?;
            return Ok((form, json));
        }
    };
    let text = std::str::from_utf8(file).map_err(|_| {
        Error::BadForm(vec![
            "Tệp không phải văn bản UTF-8: hãy lưu tệp JSON với bảng mã UTF-8.".into(),
        ])
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let form = checked_text(conn, text).await?;
    Ok((form, text.to_owned()))
}

/// A form definition's form, checked as every form is, and against the national version
/// it extends.
async fn checked_text(conn: &mut Conn, text: &str) -> Result<FormDef, Error> {
    let form = FormDef::check(text)
        .map_err(|problems| Error::BadForm(problems.iter().map(ToString::to_string).collect()))?;
    if let Some(base) = form.extends() {
        let problems = match crate::forms::lookup(conn, base).await? {
            None => vec![tuanle_shared::FormDefError::UnknownBase(base.to_owned())],
            Some(known) if known.form.extends().is_some() => {
                vec![tuanle_shared::FormDefError::UnknownBase(base.to_owned())]
            }
            Some(known) => form.extension_problems(known.form),
        };
        if !problems.is_empty() {
            return Err(Error::BadForm(
                problems.iter().map(ToString::to_string).collect(),
            ));
        }
    }
    Ok(form)
}

/// The provinces within the administrator's reach that have their own form in the
/// campaign.
pub async fn province_forms(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
) -> Result<Vec<ProvinceForm>, Error> {
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, campaign).await?;
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.code, u.name, pf.form_version FROM province_forms pf
         JOIN units u ON u.id = pf.unit_id WHERE pf.campaign_id = $1 ORDER BY u.code",
    )
    .bind(campaign.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, unit_code, unit_name, form_version) in rows {
        if admin.reaches(&mut conn, id).await? {
            out.push(ProvinceForm {
                unit_code,
                unit_name,
                form_version,
            });
        }
    }
    Ok(out)
}

/// Publishes a province's own form for the province `unit` (a stored version extending
/// the campaign's form as it is now), or with `None` goes back to the campaign's. Reports
/// its units start from then on take it (those started keep their own version); the
/// totals are laid out anew, the province's own rows counted up to the province and no
/// further. Refused once a unit of the province has signed off figures (`FORM_IN_USE`):
/// its package is a sum laid out by the form it had.
pub async fn set_province_form(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    unit: &str,
    input: &ProvinceFormInput,
) -> Result<(), Error> {
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let unit = admin.reach_unit(&mut tx, campaign.id, unit).await?;
    // Going back to the campaign's form is always possible.
    if unit.kind != UnitKind::Tinh.code() && input.form_version.is_some() {
        return Err(Error::refused(RefusalCode::NotAProvince));
    }
    let now: Option<String> = sqlx::query_scalar(
        "SELECT form_version FROM province_forms WHERE campaign_id = $1 AND unit_id = $2",
    )
    .bind(campaign.id)
    .bind(unit.id)
    .fetch_optional(&mut *tx)
    .await?;
    if now == input.form_version {
        return Ok(());
    }
    if let Some(version) = &input.form_version {
        let form = crate::forms::lookup(&mut tx, version)
            .await?
            .ok_or_else(|| Error::refused(RefusalCode::UnknownForm))?
            .form;
        if form.extends() != Some(campaign.form.version()) {
            return Err(Error::refused(RefusalCode::FormNotExtending));
        }
    }
    let (packages,): (i64,) = sqlx::query_as(
        "WITH RECURSIVE down(id) AS (
             SELECT id FROM units WHERE id = $2
             UNION ALL
             SELECT u.id FROM units u JOIN down ON u.parent_id = down.id
         )
         SELECT COUNT(*) FROM packages p WHERE p.campaign_id = $1 AND p.unit_id IN (SELECT id FROM down)",
    )
    .bind(campaign.id)
    .bind(unit.id)
    .fetch_one(&mut *tx)
    .await?;
    if packages > 0 {
        return Err(Error::Refused {
            code: RefusalCode::FormInUse,
            message: "Trong tỉnh đã có đơn vị chốt số liệu theo mẫu biểu hiện tại nên không đổi được mẫu biểu của tỉnh.".into(),
        });
    }
    match &input.form_version {
        Some(version) => {
            sqlx::query(
                "INSERT INTO province_forms (campaign_id, unit_id, form_version, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (campaign_id, unit_id) DO UPDATE SET form_version = excluded.form_version,
                     set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(campaign.id)
            .bind(unit.id)
            .bind(version)
            .bind(&admin.username)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM province_forms WHERE campaign_id = $1 AND unit_id = $2")
                .bind(campaign.id)
                .bind(unit.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    // The province's stored totals are laid out by its form: lay them out anew.
    crate::totals::rebuild_in(&mut tx, campaign.id, campaign.form).await?;
    crate::reports::reference::forms_changed(&mut tx, campaign.id).await?;
    let summary = match &input.form_version {
        Some(version) => format!("{} dùng mẫu biểu riêng {version}", unit.name),
        None => format!(
            "{} dùng lại mẫu biểu của đợt ({})",
            unit.name,
            campaign.form.version()
        ),
    };
    audit::record(
        &mut tx,
        admin,
        campaign.id,
        Some(&unit.code),
        "form.province",
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
