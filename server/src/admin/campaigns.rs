//! Campaigns created and changed, by national administrators only.

use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{CampaignInput, Deadline};

use super::{Admin, audit};
use crate::campaigns::Campaign;
use crate::db::Pool;
use crate::db::begin_write;
use crate::error::Error;

fn check(input: &CampaignInput) -> Result<(), Error> {
    input.check().map_err(|e| Error::Refused {
        code: e.code,
        message: e.message,
    })
}

/// The national form version a campaign is to use: shipped or uploaded, not a
/// province's (which extends one).
async fn national_form(
    conn: &mut crate::db::Conn,
    version: &str,
) -> Result<&'static tuanle_shared::FormDef, Error> {
    let known = crate::forms::lookup(conn, version)
        .await?
        .ok_or_else(|| Error::Refused {
            code: RefusalCode::UnknownForm,
            message: format!("Không có mẫu biểu phiên bản “{version}”."),
        })?;
    if let Some(base) = known.form.extends() {
        return Err(Error::bad(
            RefusalCode::UnknownForm,
            format!(
                "Mẫu “{version}” là mẫu của một tỉnh (mở rộng mẫu “{base}”): đợt báo cáo dùng mẫu toàn quốc."
            ),
        ));
    }
    Ok(known.form)
}

/// The audit line of a campaign as created or changed; its deadlines by the levels'
/// names (the kinds of unit they hold), never by depth.
fn summary(input: &CampaignInput, levels: &std::collections::BTreeMap<u32, String>) -> String {
    let deadlines: Vec<String> = input
        .deadlines
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                crate::units::level_named(levels, d.depth),
                d.due_on
            )
        })
        .collect();
    format!(
        "Đợt {} (năm {}), “{}”, {} – {}, mẫu {}, hạn {}, {}",
        input.code,
        input.year,
        input.theme.trim(),
        input.starts_on,
        input.ends_on,
        input.form_version,
        if deadlines.is_empty() {
            "chưa đặt".to_owned()
        } else {
            deadlines.join(", ")
        },
        if input.open {
            "đang mở"
        } else {
            "đã đóng"
        }
    )
}

async fn write_deadlines(
    conn: &mut crate::db::Conn,
    campaign_id: i64,
    deadlines: &[Deadline],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM deadlines WHERE campaign_id = $1")
        .bind(campaign_id)
        .execute(&mut *conn)
        .await?;
    for d in deadlines {
        sqlx::query("INSERT INTO deadlines (campaign_id, depth, due_on) VALUES ($1, $2, $3)")
            .bind(campaign_id)
            .bind(i64::from(d.depth))
            .bind(&d.due_on)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Creates a campaign (with an empty tree).
pub async fn create(db: &Pool, admin: &Admin, input: &CampaignInput) -> Result<(), Error> {
    admin.national()?;
    check(input)?;
    let mut tx = begin_write(db).await?;
    national_form(&mut tx, &input.form_version).await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM campaigns WHERE code = $1")
        .bind(&input.code)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(Error::AlreadyExists {
            what: format!("Đợt có mã “{}”", input.code),
        });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (code, year, theme, starts_on, ends_on, form_version, open, practice)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&input.code)
    .bind(input.year)
    .bind(input.theme.trim())
    .bind(&input.starts_on)
    .bind(&input.ends_on)
    .bind(&input.form_version)
    .bind(i64::from(input.open))
    .bind(i64::from(input.practice.unwrap_or(false)))
    .fetch_one(&mut *tx)
    .await?;
    write_deadlines(&mut tx, id, &input.deadlines).await?;
    // A new campaign has no tree yet: its levels are named by their place.
    let levels = std::collections::BTreeMap::new();
    audit::record(
        &mut tx,
        admin,
        id,
        None,
        "campaign.create",
        &summary(input, &levels),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a campaign. Its code never changes. Its form can be replaced by another
/// version (a corrected appendix) until a unit signs off its figures: the reports
/// already started keep the version they were started on (shown, checked and merged by
/// it), the new ones take the new version, and the totals are laid out by it from then
/// on. Signed-off packages are sums laid out by the form they were signed on, so once
/// one exists the form stays (`FORM_IN_USE`).
pub async fn update(
    db: &Pool,
    admin: &Admin,
    code: &str,
    input: &CampaignInput,
) -> Result<(), Error> {
    admin.national()?;
    check(input)?;
    if input.code != code {
        return Err(Error::Refused {
            code: RefusalCode::BadCampaignCode,
            message: "Không đổi được mã của một đợt đã tạo.".into(),
        });
    }
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, code).await?;
    let new_form = national_form(&mut tx, &input.form_version).await?;
    let form_changed = campaign.form.version() != input.form_version;
    let was_practice: i64 = sqlx::query_scalar("SELECT practice FROM campaigns WHERE id = $1")
        .bind(campaign.id)
        .fetch_one(&mut *tx)
        .await?;
    let practice = input.practice.unwrap_or(was_practice != 0);
    let practice_changed = practice != (was_practice != 0);
    if form_changed || practice_changed {
        let (reports,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM reports WHERE campaign_id = $1")
                .bind(campaign.id)
                .fetch_one(&mut *tx)
                .await?;
        // A real campaign made practice would let every unit delete its reports; a
        // practice one made real would count its training figures.
        if reports > 0 && practice_changed {
            return Err(Error::refused(RefusalCode::PracticeInUse));
        }
    }
    if form_changed {
        let (packages,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM packages WHERE campaign_id = $1")
                .bind(campaign.id)
                .fetch_one(&mut *tx)
                .await?;
        if packages > 0 {
            return Err(Error::Refused {
                code: RefusalCode::FormInUse,
                message: "Đợt đã có đơn vị chốt số liệu theo mẫu biểu hiện tại nên không đổi được mẫu biểu.".into(),
            });
        }
        // A province's own form extends the campaign's as it is: it would no longer.
        let (provinces,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM province_forms WHERE campaign_id = $1")
                .bind(campaign.id)
                .fetch_one(&mut *tx)
                .await?;
        if provinces > 0 {
            return Err(Error::Refused {
                code: RefusalCode::FormInUse,
                message: format!(
                    "{provinces} tỉnh đang dùng mẫu biểu riêng mở rộng mẫu biểu hiện tại của đợt: hãy cho các tỉnh này dùng lại mẫu chung của đợt rồi mới đổi mẫu biểu."
                ),
            });
        }
    }
    sqlx::query(
        "UPDATE campaigns SET year = $1, theme = $2, starts_on = $3, ends_on = $4, form_version = $5,
             open = $6, practice = $7 WHERE id = $8",
    )
    .bind(input.year)
    .bind(input.theme.trim())
    .bind(&input.starts_on)
    .bind(&input.ends_on)
    .bind(&input.form_version)
    .bind(i64::from(input.open))
    .bind(i64::from(practice))
    .bind(campaign.id)
    .execute(&mut *tx)
    .await?;
    write_deadlines(&mut tx, campaign.id, &input.deadlines).await?;
    if form_changed {
        // The stored totals are laid out by the form: lay them out anew.
        crate::totals::rebuild_in(&mut tx, campaign.id, new_form).await?;
        crate::reports::reference::forms_changed(&mut tx, campaign.id).await?;
    }
    let levels = crate::units::level_names(&mut tx, campaign.id).await?;
    audit::record(
        &mut tx,
        admin,
        campaign.id,
        None,
        "campaign.update",
        &summary(input, &levels),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
