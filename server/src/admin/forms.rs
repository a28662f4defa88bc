//! Form versions administrators upload (issue 22): a province's appendix as the same
//! JSON the product ships, checked by the same code, each problem named, and stored for
//! every campaign to use. Only national administrators add them: a campaign's form (and
//! what a province's own rows extend) is the ministry's to choose.

use tuanle_shared::FormDef;

use super::{Admin, audit};
use crate::campaigns::Campaign;
use crate::clock::now_ms;
use crate::db::{Conn, Pool, begin_write};
use crate::error::Error;

/// Checks an uploaded form file, writing nothing: its definition, as reporters will see
/// it, or every problem it has.
pub async fn check(db: &Pool, admin: &Admin, file: &[u8]) -> Result<FormDef, Error> {
    admin.national()?;
    let mut conn = db.acquire().await?;
    checked(&mut conn, file).await
}

/// Stores an uploaded form version once checked. Returns it, and whether it is new (the
/// same file uploaded twice is no change).
pub async fn add(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    file: &[u8],
) -> Result<(FormDef, bool), Error> {
    admin.national()?;
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let form = checked(&mut tx, file).await?;
    // Checked above: UTF-8, kept as uploaded but for a byte-order mark.
    let json = std::str::from_utf8(file)
        .unwrap_or_default()
        .trim_start_matches('\u{feff}');
    let (known, new) = crate::forms::store(&mut tx, &form, json, &admin.username, now_ms()).await?;
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

/// The file's form, or every problem it has (`BAD_FORM`): its own, and for a province's
/// form, how it departs from the national version it extends.
async fn checked(conn: &mut Conn, file: &[u8]) -> Result<FormDef, Error> {
    let text = std::str::from_utf8(file).map_err(|_| {
        Error::BadForm(vec![
            "Tệp không phải văn bản UTF-8: hãy lưu tệp JSON với bảng mã UTF-8.".into(),
        ])
    })?;
    let form = FormDef::check(text.trim_start_matches('\u{feff}'))
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
