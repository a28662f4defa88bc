//! Campaigns created and changed, by national administrators only.

use tuanle_shared::form::builtin;
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
    })?;
    if builtin(&input.form_version).is_none() {
        return Err(Error::Refused {
            code: RefusalCode::UnknownForm,
            message: format!("Không có mẫu biểu phiên bản “{}”.", input.form_version),
        });
    }
    Ok(())
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

/// Changes a campaign. Its code never changes; its form only while it has no report.
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
        if reports > 0 {
            return Err(Error::Refused {
                code: RefusalCode::FormInUse,
                message: "Đợt đã có báo cáo nên không đổi được mẫu biểu.".into(),
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
        let form = builtin(&input.form_version)
            .ok_or_else(|| Error::Internal(format!("form {} vanished", input.form_version)))?;
        crate::totals::rebuild_in(&mut tx, campaign.id, form).await?;
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
