//! Editing a campaign's tree one unit at a time: list a unit's children, add a unit,
//! rename, change kind, move, mark inactive or active again.

use sqlx::Row;
use tuanle_shared::tree::{self, KindDef, Kinds, MAX_NAME_CHARS};
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{AdminUnit, AdminUnits, NewUnit, UnitChange};

use super::{Admin, audit, tree::fix_depths};
use crate::campaigns::Campaign;
use crate::db::begin_write;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::totals;
use crate::units::UnitRow;
use crate::units::unit;

const SELECT: &str = "SELECT u.code, u.name, u.kind, p.code AS parent, u.depth, u.active, u.asked, u.predecessor,
        (SELECT COUNT(*) FROM units c WHERE c.parent_id = u.id) AS children,
        CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.campaign_id = u.campaign_id AND r.unit_id = u.id) THEN 1 ELSE 0 END AS has_report
     FROM units u LEFT JOIN units p ON p.id = u.parent_id";

fn admin_unit(r: &crate::db::DbRow) -> Result<AdminUnit, Error> {
    Ok(AdminUnit {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        parent: r.try_get("parent")?,
        depth: u32::try_from(r.try_get::<i64, _>("depth")?).unwrap_or(0),
        active: crate::db::flag(r, "active")?,
        asked: crate::db::flag(r, "asked")?,
        children: u64::try_from(r.try_get::<i64, _>("children")?).unwrap_or(0),
        has_report: crate::db::flag(r, "has_report")?,
        predecessor: r.try_get("predecessor")?,
    })
}

/// A unit's children; without `parent`, the top of the administrator's reach.
pub async fn list(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    parent: Option<&str>,
) -> Result<AdminUnits, Error> {
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, campaign).await?;
    let Some(parent) = parent.map(tree::normalize_code).filter(|c| !c.is_empty()) else {
        let top = admin.top(&mut conn, campaign.id).await?;
        let rows = match top {
            Some(u) => {
                sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
                    .bind(u.id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query(&format!(
                    "{SELECT} WHERE u.campaign_id = $1 AND u.parent_id IS NULL"
                ))
                .bind(campaign.id)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        return Ok(AdminUnits {
            parent: None,
            units: rows.iter().map(admin_unit).collect::<Result<_, _>>()?,
        });
    };
    let p = admin.reach_unit(&mut conn, campaign.id, &parent).await?;
    let this = sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
        .bind(p.id)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(&format!("{SELECT} WHERE u.parent_id = $1 ORDER BY u.code"))
        .bind(p.id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(AdminUnits {
        parent: Some(admin_unit(&this)?),
        units: rows.iter().map(admin_unit).collect::<Result<_, _>>()?,
    })
}

fn bad(code: RefusalCode, message: impl Into<String>) -> Error {
    Error::Refused {
        code,
        message: message.into(),
    }
}

fn parent_inactive() -> Error {
    bad(
        RefusalCode::ParentInactive,
        "Đơn vị cấp trên đã ngừng hoạt động: hãy chọn đơn vị cấp trên khác, hoặc cho nó hoạt động lại trước.",
    )
}

fn check_name(name: &str) -> Result<String, Error> {
    let name = tree::normalize_name(name);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(
            RefusalCode::BadName,
            format!("Tên đơn vị không được để trống và dài tối đa {MAX_NAME_CHARS} ký tự."),
        ));
    }
    Ok(name)
}

fn check_kind<'k>(kinds: &'k Kinds, kind: &str) -> Result<&'k KindDef, Error> {
    kinds.parse(kind).ok_or_else(|| {
        bad(
            RefusalCode::UnknownKind,
            format!("Loại đơn vị “{kind}” không rõ."),
        )
    })
}

/// Adds a unit below one within reach.
pub async fn add(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    new: &NewUnit,
) -> Result<AdminUnit, Error> {
    let code = tree::normalize_code(&new.code);
    if !tree::code_is_valid(&code) {
        return Err(bad(
            RefusalCode::BadCode,
            "Mã đơn vị chỉ dùng chữ không dấu, chữ số, dấu “-”, “_”, “.”.",
        ));
    }
    let name = check_name(&new.name)?;
    let mut tx = begin_write(db).await?;
    let kinds = crate::kinds::load(&mut tx).await?;
    let kind = check_kind(&kinds, &new.kind)?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let parent = admin
        .reach_unit(&mut tx, campaign.id, &tree::normalize_code(&new.parent))
        .await?;
    if !parent.active {
        return Err(parent_inactive());
    }
    if unit(&mut tx, campaign.id, &code).await?.is_some() {
        return Err(Error::AlreadyExists {
            what: format!("Đơn vị có mã “{code}”"),
        });
    }
    if !admin.may_give_code(&mut tx, &code).await? {
        return Err(bad(
            RefusalCode::CodeTaken,
            format!("Mã “{code}” đã thuộc một đơn vị ngoài phạm vi bạn quản trị."),
        ));
    }
    sqlx::query(
        "INSERT INTO units (campaign_id, code, name, kind, parent_id, depth, active, asked)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
    )
    .bind(campaign.id)
    .bind(&code)
    .bind(&name)
    .bind(&kind.code)
    .bind(parent.id)
    .bind(parent.depth + 1)
    .bind(i64::from(kind.asked))
    .execute(&mut *tx)
    .await?;
    let added = unit(&mut tx, campaign.id, &code)
        .await?
        .ok_or_else(|| Error::Internal("added unit vanished".into()))?;
    totals::unit_added(&mut tx, campaign.form, campaign.id, added.id).await?;
    let summary = format!(
        "Thêm đơn vị {name} ({code}, {}) vào {}",
        kind.name, parent.code
    );
    audit::record(
        &mut tx,
        admin,
        campaign.id,
        Some(&code),
        "unit.create",
        &summary,
    )
    .await?;
    let view = one(&mut tx, added.id).await?;
    tx.commit().await?;
    Ok(view)
}

async fn one(conn: &mut Conn, id: i64) -> Result<AdminUnit, Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    admin_unit(&row)
}

/// Changes a unit within reach. A move stays within reach and never goes below the unit
/// itself; moving or (de)activating recomputes the campaign's totals.
pub async fn change(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    code: &str,
    change: &UnitChange,
) -> Result<AdminUnit, Error> {
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let u: UnitRow = admin
        .reach_unit(&mut tx, campaign.id, &tree::normalize_code(code))
        .await?;
    let mut said = Vec::new();
    let mut tree_moved = false;
    if let Some(name) = &change.name {
        let name = check_name(name)?;
        if name != u.name {
            sqlx::query("UPDATE units SET name = $1 WHERE id = $2")
                .bind(&name)
                .bind(u.id)
                .execute(&mut *tx)
                .await?;
            said.push(format!("đổi tên “{}” thành “{name}”", u.name));
        }
    }
    if let Some(kind) = &change.kind {
        let kinds = crate::kinds::load(&mut tx).await?;
        let kind = check_kind(&kinds, kind)?;
        if kind.code != u.kind {
            sqlx::query("UPDATE units SET kind = $1 WHERE id = $2")
                .bind(&kind.code)
                .bind(u.id)
                .execute(&mut *tx)
                .await?;
            said.push(format!("đổi loại thành {}", kind.name));
            // No longer a province: its own form, if any, goes (its units' reports keep
            // the version they were started on).
            sqlx::query("DELETE FROM province_forms WHERE unit_id = $1")
                .bind(u.id)
                .execute(&mut *tx)
                .await?;
            // Completeness kind by kind, and what its yes/no answers count, follow its
            // kind: rebuilt like a move.
            tree_moved = true;
        }
    }
    if let Some(parent) = &change.parent {
        let p = admin
            .reach_unit(&mut tx, campaign.id, &tree::normalize_code(parent))
            .await?;
        if Some(p.id) != u.parent_id {
            if !p.active {
                return Err(parent_inactive());
            }
            if u.parent_id.is_none() {
                return Err(bad(
                    RefusalCode::CannotMove,
                    "Không chuyển được đơn vị gốc của cây.",
                ));
            }
            if admin.scope.as_deref() == Some(u.code.as_str()) {
                return Err(bad(
                    RefusalCode::CannotMove,
                    "Không chuyển được đơn vị cao nhất trong phạm vi bạn quản trị.",
                ));
            }
            if crate::units::within(&mut *tx, &u.code, p.id, false).await? {
                return Err(bad(
                    RefusalCode::MoveIntoItself,
                    "Không chuyển được một đơn vị vào bên dưới chính nó.",
                ));
            }
            sqlx::query("UPDATE units SET parent_id = $1 WHERE id = $2")
                .bind(p.id)
                .bind(u.id)
                .execute(&mut *tx)
                .await?;
            said.push(format!("chuyển sang {} ({})", p.name, p.code));
            tree_moved = true;
        }
    }
    if let Some(active) = change.active
        && active != u.active
    {
        // A subtree closes from the bottom up (and opens from the top down), so an
        // inactive unit never has active units below it: they would report into a
        // unit that counts for nobody.
        if !active {
            let (open_children,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM units WHERE parent_id = $1 AND active = 1")
                    .bind(u.id)
                    .fetch_one(&mut *tx)
                    .await?;
            if open_children > 0 {
                return Err(bad(
                    RefusalCode::HasActiveChildren,
                    format!(
                        "{} còn {open_children} đơn vị trực thuộc đang hoạt động: hãy chuyển chúng sang đơn vị khác hoặc cho ngừng hoạt động trước.",
                        u.name
                    ),
                ));
            }
        } else if let Some(parent_id) = u.parent_id {
            let (parent_active,): (i64,) = sqlx::query_as("SELECT active FROM units WHERE id = $1")
                .bind(parent_id)
                .fetch_one(&mut *tx)
                .await?;
            if parent_active == 0 {
                return Err(parent_inactive());
            }
        }
        sqlx::query("UPDATE units SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(u.id)
            .execute(&mut *tx)
            .await?;
        said.push(
            if active {
                "hoạt động trở lại"
            } else {
                "ngừng hoạt động"
            }
            .to_owned(),
        );
        tree_moved = true;
    }
    if let Some(asked) = change.asked
        && asked != u.asked
    {
        sqlx::query("UPDATE units SET asked = $1 WHERE id = $2")
            .bind(i64::from(asked))
            .bind(u.id)
            .execute(&mut *tx)
            .await?;
        said.push(
            if asked {
                "được đề nghị báo cáo (không bắt buộc)"
            } else {
                "bắt buộc báo cáo"
            }
            .to_owned(),
        );
        // Completeness above it changes: rebuilt like a move.
        tree_moved = true;
    }
    if let Some(p) = &change.predecessor {
        // The predecessor's last-year figures reach this unit's staff: it may be any
        // unit of any earlier campaign, so only a national administrator names it.
        admin.national()?;
        let p = tree::normalize_code(p);
        if !p.is_empty() && !tree::code_is_valid(&p) {
            return Err(bad(
                RefusalCode::BadCode,
                "Mã đơn vị năm trước chỉ dùng chữ không dấu, chữ số, dấu “-”, “_”, “.”.",
            ));
        }
        let p = (!p.is_empty() && p != u.code).then_some(p);
        let stored: Option<String> =
            sqlx::query_scalar("SELECT predecessor FROM units WHERE id = $1")
                .bind(u.id)
                .fetch_one(&mut *tx)
                .await?;
        if stored != p {
            sqlx::query("UPDATE units SET predecessor = $1 WHERE id = $2")
                .bind(&p)
                .bind(u.id)
                .execute(&mut *tx)
                .await?;
            said.push(match &p {
                Some(p) => format!("tiếp nối đơn vị năm trước mã {p}"),
                None => "tiếp nối đơn vị cùng mã năm trước".to_owned(),
            });
        }
    }
    if tree_moved {
        fix_depths(&mut tx, campaign.id).await?;
        totals::rebuild_in(&mut tx, campaign.id, campaign.form).await?;
    }
    if !said.is_empty() {
        let summary = format!("Đơn vị {} ({}): {}", u.name, u.code, said.join("; "));
        audit::record(
            &mut tx,
            admin,
            campaign.id,
            Some(&u.code),
            "unit.update",
            &summary,
        )
        .await?;
    }
    let view = one(&mut tx, u.id).await?;
    tx.commit().await?;
    Ok(view)
}
